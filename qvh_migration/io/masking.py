"""Masking of patient identifiers in anything meant for wide reading (UI metadata, logs, reports).

Artifacts on disk keep the data; previews shown in the Dagster UI, log lines and reports go
through here. Synthetic data is masked too, so the habit holds when real extracts arrive.
"""

from __future__ import annotations

import re

import pandas as pd

# Column names (legacy CamelCase or target snake_case) that carry identifying values.
_IDENTIFIER_COLUMN = re.compile(
    r"nhs_?num|nhsno|district_?num|casenote|internal_?patient|main_crn|\bcrn\b|surname|forename|"
    r"pat_name|name_family|name_1|birth|dob|postco|post_code|addr|phone|email|mobile|nok_?name",
    re.IGNORECASE,
)
_ROW_KEY_VALUE = re.compile(r"=([^|]+)")
KEEP_LAST = 2


def is_identifier_column(name: str) -> bool:
    split = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name)
    return bool(_IDENTIFIER_COLUMN.search(name) or _IDENTIFIER_COLUMN.search(split))


def mask_values(values: pd.Series) -> pd.Series:
    """Keep the last two characters of each value so rows stay tell-apart; star out the rest."""
    text = values.fillna("").astype(str)
    kept = text.str[-KEEP_LAST:]
    # As text even when there are no values (an empty map keeps the lengths' integer dtype).
    stars = text.str.len().sub(KEEP_LAST).clip(lower=0).map(lambda n: "*" * n).astype(text.dtype)
    return (stars + kept).where(text.str.len() > KEEP_LAST, "*" * KEEP_LAST).where(text != "", "")


def mask_identifiers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every identifier column masked, for previews."""
    masked = frame.copy()
    for column in masked.columns:
        if is_identifier_column(str(column)):
            masked[column] = mask_values(masked[column])
    if "row_key" in masked.columns:
        masked["row_key"] = mask_row_keys(masked["row_key"])
    return masked


def mask_row_keys(keys: pd.Series) -> pd.Series:
    """``InternalPatientNumber=000012345|EpisodeNumber=3`` -> values masked, names kept."""
    return (
        keys.fillna("")
        .astype(str)
        .str.replace(
            _ROW_KEY_VALUE,
            lambda m: "=" + ("*" * max(len(m.group(1)) - KEEP_LAST, 0)) + m.group(1)[-KEEP_LAST:],
            regex=True,
        )
    )
