"""Transforms of community service contacts (CPPTCONTACT)."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mapping.transforms import _text, transform


@transform()
def new_followup_from_initial_contact(series: pd.Series) -> pd.Series:
    """CPPTCONTACT.InitialContact (YES = the first contact of the referral) to N (new) or F (follow-up);
    anything else null."""
    values = _text(series).str.upper()
    mapping = {"YES": "N", "Y": "N", "1": "N", "NO": "F", "N": "F", "0": "F"}
    return values.map(mapping).astype("string")
