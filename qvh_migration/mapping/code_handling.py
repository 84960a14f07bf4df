"""How each coded target field takes its value, decided from the guide's comment text.

The vendor guide says, for most coded staging fields, ``Maps to: code type N``: the staging table
takes the *source* value, and the vendor maps it to the PAS code table from the "data mapping
report" (every distinct legacy value per code type). Other fields expect a national code as it
stands - GP and practice national codes, consultant GMC codes, and fields whose comment points
at the NHS Data Dictionary's national codes. The two need different rules (pass the legacy value
through, or translate it), so the contract records which one applies:

* ``pas_code_type`` - load the legacy value; the vendor maps it through the named code type;
* ``national_code`` - load the national code itself (ODS, GMC, NHS Data Dictionary);
* empty            - not a coded field: free text (note types), dates, keys, or a fixed target
  value that the rule itself supplies (Y/N flags, encounter types).

A comment that names national codes wins over "Maps to": the code type then holds national
values, so the value loaded must already be one (NHS number status).
"""

from __future__ import annotations

import re

import pandas as pd

PAS_CODE_TYPE = "pas_code_type"
NATIONAL_CODE = "national_code"
CODE_HANDLINGS: tuple[str, ...] = (PAS_CODE_TYPE, NATIONAL_CODE, "")

# The field is a national code: named at the start of the comment (what the field *is*), so a
# postcode field that mentions "the same National Practice Code" further on does not match.
_NATIONAL_LEAD = re.compile(
    r"^\W*(?:national\s+(?:general\s+(?:medical\s+|dental\s+)?practitioner|practice)\s+code"
    r"|(?:gp|practice)\s+national\s+code"
    r"|(?:[a-z]+\s+){0,2}consultant\s+gmc\b)",
    re.IGNORECASE,
)
# The comment points at the NHS Data Dictionary's list of national codes.
_NATIONAL_LIST = re.compile(r"national\s+codes\s+can\s+be\s+found|datadictionary\.nhs\.uk", re.IGNORECASE)
# Mapped through a PAS code type: "Maps to: code type N", "Maps to codes, the code type is
# determined by ...", "Maps to: code depending on ... encounter_type", "must be mapped to a valid
# code of code type N".
_PAS_MAPPING = re.compile(
    r"maps\s+to:?\s+codes?\b(?!\.)|mapped\s+to\s+a\s+valid\s+code\s+of\s+code\s+type",
    re.IGNORECASE,
)
# Code type 297 "Multiple Note Types" files free text under a note type; the field is not a code.
NOTES_CODE_TYPE = "297"
_NOTES_NAME = re.compile(r"multiple\s+note\s+types", re.IGNORECASE)


def code_handling(code_type: object, code_type_name: object, comment: object) -> str:
    """``pas_code_type``, ``national_code`` or ``""`` for one target field."""
    text = " ".join(str(comment or "").split())
    if _NATIONAL_LEAD.search(text) or _NATIONAL_LIST.search(text):
        return NATIONAL_CODE
    if str(code_type or "").strip() == NOTES_CODE_TYPE or _NOTES_NAME.search(f"{code_type_name} {text}"):
        return ""
    if str(code_type or "").strip() or _PAS_MAPPING.search(text):
        return PAS_CODE_TYPE
    return ""


def code_handling_column(target_fields: pd.DataFrame) -> pd.Series:
    """The decision for every row of a target catalog (``code_type``, ``code_type_name``, ``comment``)."""
    empty = pd.Series("", index=target_fields.index)
    values = zip(
        target_fields.get("code_type", empty).fillna(""),
        target_fields.get("code_type_name", empty).fillna(""),
        target_fields.get("comment", empty).fillna(""),
        strict=True,
    )
    return pd.Series([code_handling(*row) for row in values], index=target_fields.index, dtype="object")
