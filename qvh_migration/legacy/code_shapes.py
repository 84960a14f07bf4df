"""The shapes of the national clinical codes the legacy PAS records (facts both the generator and
the load's code checks use)."""

# ICD-10 (5th edition): letter, two digits, then an optional 4th character (a digit, or X filling a
# three-character category) and an optional 5th-character digit; dagger/asterisk marks (A, D, *) follow.
ICD10_SHAPE = r"[A-Z][0-9]{2}(?:[0-9X][0-9]?)?[AD*]?"
# OPCS-4.10: a chapter letter (no I), two digits and the 4th digit, always four characters.
OPCS4_SHAPE = r"[A-HJ-Z][0-9]{3}"
