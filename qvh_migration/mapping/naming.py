"""Normalise legacy and target field names into comparable word tokens.

Legacy PatientCentre names are CamelCase with house abbreviations (``PtAddrLine1``, ``IpAdmDtimeInt``,
``NoKHomePhone``); target names are upper-case words joined by ``_`` (``PAT_ADDRESS_1``). Both are
split, lower-cased, abbreviations expanded and domain synonyms folded onto one word, so that the
matcher compares meaning rather than spelling.
"""

from __future__ import annotations

import re
from functools import lru_cache

from qvh_migration.mapping.concepts import CONCEPTS

# Mixed-case abbreviations that CamelCase splitting would break apart.
_CAMEL_SPECIALS: tuple[tuple[str, str], ...] = (
    ("DoB", "Dob"),
    ("NoK", "Nok"),
    ("DoD", "Dod"),
    ("CsNt", "Casenote"),
    ("Dtime", "DateTime"),
    ("DTime", "DateTime"),
    ("Dttm", "DateTime"),
    ("DTim", "DateTime"),
)
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+(?:st|nd|rd|th)?")

# Abbreviation -> expansion, as found in the INQuire dictionary and the target guide.
ABBREVIATIONS: dict[str, str] = {
    "pt": "patient",
    "pat": "patient",
    "pts": "patient",
    "dob": "date birth",
    "opcs": "opcs procedure",  # OPCS-4, the national classification of procedures
    "dod": "date death",
    "adm": "admission",
    "admit": "admission",
    "admitted": "admission",
    "admissions": "admission",
    "disch": "discharge",
    "dsch": "discharge",
    "dsc": "discharge",
    "discharged": "discharge",
    "cons": "consultant",
    "con": "consultant",
    "nok": "next kin",
    "addr": "address",
    "add": "address",
    "addrs": "address",
    "ln": "line",
    "dt": "date",
    "dat": "date",
    "dte": "date",
    "datetime": "date time",
    "dttm": "date time",
    "dtm": "date time",
    "tm": "time",
    "int": "internal",
    "ext": "external",
    "wl": "wait list",
    "owl": "outpatient wait list",
    "iwl": "inpatient wait list",
    "waitlist": "wait list",
    "waiting": "wait",
    "wt": "wait",
    "epi": "episode",
    "eps": "episode",
    "fce": "episode",
    "ref": "referral",
    "referred": "referral",
    "referring": "referral",
    "refer": "referral",
    "appt": "appointment",
    "appointments": "appointment",
    "spec": "specialty",
    "speciality": "specialty",
    "specialities": "specialty",
    "op": "outpatient",
    "opd": "outpatient",
    "ip": "inpatient",
    "actv": "activity",
    "sts": "status",
    "stat": "status",
    "stats": "status",
    "curr": "current",
    "prev": "previous",
    "seq": "sequence",
    "intd": "intended",
    "mgmt": "management",
    "mgt": "management",
    "proc": "procedure",
    "diag": "diagnosis",
    "prim": "primary",
    "subsid": "subsidiary",
    "hosp": "hospital",
    "loc": "location",
    "locn": "location",
    "desc": "description",
    "descr": "description",
    "cmnt": "comment",
    "cmt": "comment",
    "comm": "comment",
    "num": "number",
    "no": "number",
    "nbr": "number",
    "nos": "number",
    "cd": "code",
    "ind": "indicator",
    "phys": "physical",
    "rem": "removal",
    "req": "required",
    "reqd": "required",
    "resp": "response",
    "revw": "review",
    "rev": "review",
    "exp": "estimated",
    "expected": "estimated",
    "est": "estimated",
    "dateof": "date",
    "los": "length stay admission duration",
    "trans": "transfer",
    "dest": "destination",
    "meth": "method",
    "src": "source",
    "sou": "source",
    "canc": "cancel",
    "cancelled": "cancel",
    "cancellation": "cancel",
    "cancelby": "cancel",
    "def": "deferral",
    "deferred": "deferral",
    "postponement": "deferral",
    "susp": "deferral",
    "suspended": "deferral",
    "reg": "registration",
    "registered": "registration",
    "tel": "phone",
    "telephone": "phone",
    "mob": "mobile",
    "fol": "follow",
    "foll": "follow",
    "fup": "follow",
    "osv": "overseas visitor",
    "cab": "choose book",
    "erod": "earliest reasonable offer date",
    "dna": "did not attend",
    "mf": "master file",
    "pb": "partial booking",
    "gender": "sex",
    "urgency": "priority",
    "natl": "national",
    "pract": "practice",
    "postcd": "postcode",
    "pcode": "postcode",
    "crn": "hospital number",
    "ws": "ward stay",
    "locations": "location",
    "disposal": "outcome",
    "removed": "removal",
    "suspension": "deferral",
    "accept": "agree",
    "accepted": "agree",
    "agreed": "agree",
    "result": "outcome",
    "doctor": "consultant",
    "clin": "clinical",
    "ebooking": "choose book booking",
    "alias": "previous name",
    "aliases": "previous name",
}
# Found by mining the INQuire catalog (``mine_abbreviations``): a short name part that abbreviates a
# word of the field's own description or of another name of the same data element (``Acty`` ~
# "Activity" in 120 fields, ``Rec`` ~ "Record" 108, ``Grp`` ~ "Group" 11, ``Nat`` ~ "National",
# ``GenPrac`` ~ "General Practitioner"); a test checks every entry against the real catalog.
MINED_ABBREVIATIONS: dict[str, str] = {
    "acty": "activity",
    "rec": "record",
    "res": "resource",
    "grp": "group",
    "sched": "schedule",
    "dept": "department",
    "anti": "anticipated",
    "prd": "period",
    "cl": "clinical",
    "durn": "duration",
    "clos": "closure",
    "del": "delete",
    "lg": "logical",
    "cnc": "cancel",
    "nrs": "nurse",
    "reas": "reason",
    "prov": "provider",
    "cond": "condition",
    "purch": "purchaser",
    "serv": "service",
    "dup": "duplicate",
    "nat": "national",
    "prac": "practitioner",
    "gen": "general",
    "sus": "deferral",
    "tmslt": "timeslot",
    "init": "initiated",
    "sig": "significant",
    "deliv": "delivery",
}
ABBREVIATIONS.update(MINED_ABBREVIATIONS)
ABBREVIATIONS.update(CONCEPTS.words)  # reviewed domain synonyms (concepts.yaml)
# An abbreviation whose usual expansion the name already holds means its other word: the second
# "Add" of ``ExtAddressAddLine1`` is an additional line of the address, not the address again.
SECOND_MEANINGS: dict[str, str] = {"add": "additional"}
# Words that describe how a value is stored, not what it means: left out of name comparison.
REPRESENTATION_WORDS: frozenset[str] = frozenset({"internal", "external"})

# Word sequences folded onto one canonical form, applied after expansion.
PHRASES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("post", "code"), ("postcode",)),
    (("sur", "name"), ("family", "name")),
    (("surname",), ("family", "name")),
    (("first", "name"), ("forename",)),
    (("fore", "name"), ("forename",)),
    (("forenames",), ("forename",)),
    (("name", "1"), ("name", "forename")),
    (("name", "2"), ("name", "forename")),
    (("name", "3"), ("name", "forename")),
    (("maiden", "name"), ("birth", "name")),
    (("phone", "number"), ("phone",)),
    (("referral", "by"), ("referral", "source")),
    (("discharge", "to"), ("discharge", "destination")),
    (("admission", "from"), ("admission", "source")),
    (("clock", "start"), ("clock", "start", "date")),
    (("clock", "stop"), ("clock", "end", "date")),
    (("district", "number"), ("hospital", "number")),
    (("applies", "start"), ("effective", "start", "date")),
    (("applies", "end"), ("effective", "end", "date")),
    (("applies", "from"), ("effective", "start", "date")),
    (("from", "date"), ("start", "date")),
    (("to", "date"), ("end", "date")),
    (("effective", "from"), ("effective", "start")),
    (("effective", "to"), ("effective", "end")),
    (("case", "note"), ("casenote",)),
    # reviewed phrases (concepts.yaml), written as found, matched after abbreviation expansion
    *(
        (tuple(w for word in phrase for w in ABBREVIATIONS.get(word, word).split()), concept)
        for phrase, concept in CONCEPTS.phrases.items()
    ),
)
_PHRASES_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
for _phrase, _replacement in PHRASES:
    _PHRASES_BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _replacement))
STOPWORDS: frozenset[str] = frozenset({"of", "the", "a", "an", "to", "for", "and", "or", "in", "is", "be", "at"})


def split_identifier(name: str) -> list[str]:
    """Split a CamelCase / snake_case identifier into lower-case words (digits kept as words)."""
    text = str(name)
    for old, new in _CAMEL_SPECIALS:
        text = text.replace(old, new)
    words: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", text):
        if part.isupper() or part.islower():
            words.extend(w.lower() for w in re.findall(r"[A-Za-z]+|\d+", part))
        else:
            words.extend(w.lower() for w in _WORD.findall(part))
    return [w for w in words if w]


def stem(word: str) -> str:
    """A light plural stemmer: enough to fold ``forenames``/``comments``/``notes`` onto the singular."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def expand(words: list[str]) -> list[str]:
    """Expand abbreviations, fold phrases and drop stopwords."""
    expanded: list[str] = []
    for word in words:
        expanded.extend(ABBREVIATIONS.get(word, word).split())
    folded = _fold_phrases(expanded)
    return [stem(w) if not w.isdigit() else w for w in folded if w not in STOPWORDS]


def _fold_phrases(words: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(words):
        for phrase, replacement in _PHRASES_BY_FIRST.get(words[index], ()):
            if tuple(words[index : index + len(phrase)]) == phrase:
                out.extend(replacement)
                index += len(phrase)
                break
        else:
            out.append(words[index])
            index += 1
    return out


@lru_cache(maxsize=32768)
def name_tokens(name: str) -> tuple[str, ...]:
    """Normalised word tokens of one field name, each word once (cached: names repeat across tables).

    A word the name already holds adds nothing, so repeats are dropped; an abbreviation repeating
    an expansion already there takes its second meaning (``SECOND_MEANINGS``).
    """
    raw = split_identifier(name)
    seen: set[str] = set()
    parts: list[str] = []
    for word in raw:
        expansion = ABBREVIATIONS.get(word, word)
        parts.append(SECOND_MEANINGS[word] if word in SECOND_MEANINGS and expansion in seen else word)
        seen.update(expansion.split())
    words = (w for w in expand(parts) if w not in REPRESENTATION_WORDS)
    return tuple(dict.fromkeys(words))


def normalised_name(name: str) -> str:
    """The tokens joined by spaces: the string the fuzzy character comparison sees."""
    return " ".join(name_tokens(name))


def text_tokens(text: str) -> list[str]:
    """Tokens of free text (descriptions, comments): words only, expanded like names."""
    return list(_text_tokens(str(text)))


@lru_cache(maxsize=32768)
def _text_tokens(text: str) -> tuple[str, ...]:
    words = [w.lower() for w in re.findall(r"[A-Za-z]+|\d+", text) if len(w) > 1 or w.isdigit()]
    return tuple(expand(words))


def mine_abbreviations(
    names: list[str], descriptions: list[str], elements: list[str], known_words: set[str]
) -> dict[str, dict[str, int]]:
    """Abbreviation candidates from a catalog: name part -> {expansion: supporting fields}.

    A name part (2-5 letters, not in ``known_words``, e.g. the words of the target guide) abbreviates
    a longer word of the field's own description or of any name/description of its data element
    when the word starts with the part's first letter and contains the rest of its letters in order.
    """
    words_of_element: dict[str, set[str]] = {}
    for name, text, element in zip(names, descriptions, elements, strict=True):
        if element:
            words = words_of_element.setdefault(element, set())
            words.update(w.lower() for w in re.findall(r"[A-Za-z]+", text))
            words.update(split_identifier(name))
    found: dict[str, dict[str, int]] = {}
    for name, text, element in zip(names, descriptions, elements, strict=True):
        parts = split_identifier(name)
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)} | words_of_element.get(element, set())
        for part in parts:
            if not 2 <= len(part) <= 5 or part.isdigit() or part in known_words:
                continue
            for word in words - set(parts):
                if len(word) >= len(part) + 2 and _abbreviates(part, word):
                    counts = found.setdefault(part, {})
                    counts[word] = counts.get(word, 0) + 1
    return found


def _abbreviates(part: str, word: str) -> bool:
    if part[0] != word[0]:
        return False
    rest = iter(word[1:])
    return all(letter in rest for letter in part[1:])
