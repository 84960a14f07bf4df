"""Clinical coding and archive values for the reference evaluator, one value or one record at a time.

Written from the documented intent (``mapping/transforms_coding.py``, ``transforms_archive.py``,
the curated rules of LOAD_ADT_ARCHIVE, LOAD_OPD_ARCHIVE and the two coding tables), not from the
executor's vectorised code (``etl/coding.py``):

* a diagnosis leaves as an ICD-10 code and a procedure as an OPCS-4 code, without the dot; a value
  present but not of the classification's shape has no code and the row is rejected for it
  (``invalid_code_shape``);
* ``nth_<scheme>_<n>`` is the n-th row of the record's coding repeat group (the coding table's
  rows sharing the record's key), in episode order then the group's own sequence number; for
  diagnoses the last episode's sequence 1 is left out, since it repeats the record's primary;
* the record's primary procedure is its own row, read from the episode or attendance (the union part
  of ``row_sources.yaml``), and every row of the secondary procedure tables is Secondary, whatever its
  code: so the reference never decides a procedure's note type by comparing codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from qvh_migration.reports.trial_comparison.reference.reference_transforms import Value, parse_legacy_date

# ICD-10: a letter, two digits, an optional 4th character (digit, or X filling a 3-character
# category) with an optional 5th digit, then an optional dagger (A) / asterisk (D, *) mark.
ICD10 = re.compile(r"[A-Z]\d\d(?:[\dX]\d?)?[AD*]?")
# OPCS-4: a chapter letter other than I, then three digits.
OPCS4 = re.compile(r"[A-HJ-Z]\d{3}")
SCHEMES = {"diagnosis": ("ICD-10", ICD10), "procedure": ("OPCS-4", OPCS4)}
CODE_TRANSFORMS = {"icd10_code": "diagnosis", "opcs4_code": "procedure"}
RANKED = re.compile(r"nth_(diagnosis|procedure)_([1-9]\d*)")
INVALID_CODE = "invalid_code_shape"


def undotted(value: Value) -> str:
    """The code as the target holds it: upper case, no dot, no spaces."""
    return (value or "").strip().upper().replace(".", "").replace(" ", "")


def coded(value: Value, scheme: str) -> Value:
    """The code of ``scheme`` (diagnosis / procedure) without its dot; None when blank or not of its shape."""
    code = undotted(value)
    return code if code and SCHEMES[scheme][1].fullmatch(code) else None


def invalid_code(raw: Value, code: Value) -> bool:
    """A legacy value is there but is no code of the classification."""
    return bool((raw or "").strip()) and code is None


def diagnosis_note_type(code: Value, primary: Value) -> Value:
    """Primary when the diagnosis is the record's primary diagnosis, Secondary otherwise; None without a code."""
    mine = undotted(code)
    if not mine:
        return None
    return "Primary" if mine == undotted(primary) else "Secondary"


def _day(value: Value) -> date | None:
    moment = parse_legacy_date(value)
    return None if moment is None else moment.date()


def days_between(start: Value, end: Value) -> Value:
    """Calendar days from the first date to the second (0 on the same day); None if either is unknown."""
    first, last = _day(start), _day(end)
    return None if first is None or last is None else str((last - first).days)


def age_in_years(birth: Value, when: Value) -> Value:
    """Completed years of age on the second date: one fewer before that year's birthday."""
    born, on = _day(birth), _day(when)
    if born is None or on is None:
        return None
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return str(on.year - born.year - before_birthday)


def procedure_coding_id(*keys: Value) -> Value:
    """A coded procedure's id: P- and its legacy key values joined by '-'."""
    return "P-" + "-".join((key or "").strip() for key in keys)


CODING_TRANSFORMS: dict[str, Callable[..., Value]] = {
    "icd10_code": lambda v: coded(v, "diagnosis"),
    "opcs4_code": lambda v: coded(v, "procedure"),
    "diagnosis_note_type": diagnosis_note_type,
    "days_between": days_between,
    "age_in_years": age_in_years,
    "procedure_coding_id": procedure_coding_id,
}


def is_ranked(transform: str) -> bool:
    return RANKED.fullmatch(transform or "") is not None


def _number(value: Value) -> float | None:
    try:
        return float((value or "").strip())
    except ValueError:
        return None


def _order(value: Value) -> tuple[bool, float]:
    """Numeric order with unknown numbers last."""
    number = _number(value)
    return (number is None, number or 0.0)


def ranked_code(transform: str, group: list[dict[str, Value]], episode_columns: list[str], columns: tuple[str, str]):
    """(raw legacy code, code in its clean shape) at the transform's rank of one record's repeat group.

    ``group`` is the coding table's rows of the record; ``episode_columns`` its keys below the
    record (FCENumber of an admission's episodes), ordered before the group's own sequence.
    """
    match = RANKED.fullmatch(transform)
    if match is None:
        raise ValueError(f"{transform} is not a ranked coding transform")
    scheme, position = match.group(1), int(match.group(2))
    code_column, sequence_column = columns

    def place(row: dict[str, Value]) -> tuple:
        return (*(_order(row.get(c)) for c in episode_columns), _order(row.get(sequence_column)))

    ordered = sorted(group, key=place)
    if scheme == "diagnosis" and ordered:
        # The last episode (the highest known episode number) repeats the record's primary at sequence 1.
        last = tuple(
            max((n for n in (_number(r.get(c)) for r in ordered) if n is not None), default=None)
            for c in episode_columns
        )
        ordered = [
            r
            for r in ordered
            if not (tuple(_number(r.get(c)) for c in episode_columns) == last and _number(r.get(sequence_column)) == 1)
        ]
    raw = ordered[position - 1].get(code_column) if len(ordered) >= position else None
    return raw, coded(raw, scheme)
