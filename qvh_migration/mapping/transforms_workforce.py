"""Transforms of the staff master: whether a consultant is one of the trust's own employees."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _text, transform


@transform()
def employee_flag_from_external(series: pd.Series) -> pd.Series:
    """CONSMAST.ExternalCons (YES = a consultant of another provider) to the employee flag: YES -> N,
    NO or blank -> Y; anything else null (the load leaves the optional flag empty)."""
    values = _text(series).fillna("").str.upper()
    mapping = {"YES": "N", "Y": "N", "1": "N", "NO": "Y", "N": "Y", "0": "Y", "": "Y"}
    return values.map(mapping).astype("string")
