"""Transforms of clinical coding: ICD-10 and OPCS-4 code shapes, note types, ranked repeat groups.

The target's DIAGNOSIS field takes the hospital code of the classification without its dot
(``A159``, ``G002``), so a code leaves in that form; a value that is not a code of the
classification's shape is null and the executor rejects the row for it (``invalid_code_shape``),
never passing on a code the vendor's mapping cannot find.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.legacy.code_shapes import ICD10_SHAPE, OPCS4_SHAPE
from qvh_migration.mapping.transforms import _executor_only, _text, transform

__all__ = ["ICD10_SHAPE", "OPCS4_SHAPE"]  # the code checks read them here too

CODE_SHAPES = {"icd10_code": "ICD-10", "opcs4_code": "OPCS-4"}
RANKED_LIMIT = 10  # the archive tables have ten secondary diagnosis and procedure columns


def _undotted(series: pd.Series) -> pd.Series:
    return _text(series).str.upper().str.replace(".", "", regex=False).str.replace(" ", "", regex=False)


def _shaped(series: pd.Series, shape: str) -> pd.Series:
    code = _undotted(series)
    return code.where(code.str.fullmatch(shape).fillna(False)).mask(code.eq("")).astype("string")


@transform("1")
def icd10_code(series: pd.Series) -> pd.Series:
    """An ICD-10 code without its dot (S52.5 -> S525, I10.X -> I10X); null when not of ICD-10's shape."""
    return _shaped(series, ICD10_SHAPE)


@transform("1")
def opcs4_code(series: pd.Series) -> pd.Series:
    """An OPCS-4 code without its dot (S60.4 -> S604); null when not of OPCS-4's shape."""
    return _shaped(series, OPCS4_SHAPE)


@transform("2")
def diagnosis_note_type(code: pd.Series, primary: pd.Series) -> pd.Series:
    """Primary where the diagnosis is the episode's (or attendance's) primary diagnosis, else Secondary."""
    same = _undotted(code).eq(_undotted(primary)).fillna(False)
    kind = pd.Series("Secondary", index=code.index, dtype="string").mask(same, "Primary")
    return kind.mask(_undotted(code).fillna("").eq(""))


def _ranked(position: int, scheme: str) -> None:
    """Register ``nth_<scheme>_<position>``: the code at that rank of a repeat group (the executor's)."""

    def ranked(code: pd.Series, sequence: pd.Series) -> pd.Series:
        return _executor_only(ranked.__name__)

    ranked.__name__ = f"nth_{scheme}_{position}"
    noun = "diagnosis besides the record's primary" if scheme == "diagnosis" else "secondary procedure"
    ranked.__doc__ = (
        f"Rank {position} {noun} of the record's coding repeat group, in episode and sequence order "
        f"({'ICD-10' if scheme == 'diagnosis' else 'OPCS-4'} code without its dot)."
    )
    transform("2", kind="ranked")(ranked)


for _position in range(1, RANKED_LIMIT + 1):
    _ranked(_position, "diagnosis")
    _ranked(_position, "procedure")


@transform("1+")
def procedure_coding_id(*keys: pd.Series) -> pd.Series:
    """A coded procedure's id: ``P-`` and its legacy key joined with '-' (never a diagnosis's id)."""
    joined = _text(keys[0]).fillna("")
    for key in keys[1:]:
        joined = joined + "-" + _text(key).fillna("")
    return ("P-" + joined).astype("string")
