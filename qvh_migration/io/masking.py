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
    r"pat_name|name_family|name_1|birth|dob|death|postco|post_code|addr|phone|email|mobile|nok_?name|"
    r"\b(?:old|newest|next)_?id\b|maiden",
    re.IGNORECASE,
)
_ROW_KEY_VALUE = re.compile(r"=([^|]+)")
KEEP_LAST = 2


def is_identifier_column(name: str) -> bool:
    split = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name)
    return bool(_IDENTIFIER_COLUMN.search(name) or _IDENTIFIER_COLUMN.search(split))


def identifier_fields(rules: pd.DataFrame) -> set[str]:
    """Target fields that hold an identifier by what they are loaded *from*, not only by their name.

    ``DATE_REGISTERED`` loaded from the date of birth, ``EXTERNAL_SYSTEM_ID`` from the internal patient
    number, ``ADDITIONAL_ID`` from a retired hospital number: their names say nothing, their sources do.
    ``rules`` are contract rows (``target_field``, ``source_fields`` as ``TABLE.Column, ...``).
    """
    if rules.empty or "target_field" not in rules:
        return set()
    sources = rules.get("source_fields", pd.Series("", index=rules.index)).fillna("").astype(str)
    derived = sources.map(
        lambda text: any(is_identifier_column(part.split(".")[-1]) for part in re.split(r"[,;\s]+", text) if part)
    )
    named = rules["target_field"].astype(str).map(is_identifier_column)
    # The generated legacy key (patient number, episode, date joined) names the patient too.
    generated_key = rules.get("generator", pd.Series("", index=rules.index)).fillna("").astype(str).eq("source_key")
    return set(rules.loc[derived | named | generated_key, "target_field"].astype(str))


def mask_values(values: pd.Series) -> pd.Series:
    """Keep the last two characters of each value so rows stay tell-apart; star out the rest."""
    text = values.fillna("").astype(str)
    kept = text.str[-KEEP_LAST:]
    # As text even when there are no values (an empty map keeps the lengths' integer dtype).
    stars = text.str.len().sub(KEEP_LAST).clip(lower=0).map(lambda n: "*" * n).astype(text.dtype)
    return (stars + kept).where(text.str.len() > KEEP_LAST, "*" * KEEP_LAST).where(text != "", "")


def mask_identifiers(frame: pd.DataFrame, also: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """A copy with every identifier column masked, for previews: by name, plus the columns in ``also``
    (fields derived from an identifier, see ``identifier_fields``); legacy row keys keep their names."""
    masked = frame.copy()
    for column in masked.columns:
        if is_identifier_column(str(column)) or str(column) in also:
            masked[column] = mask_values(masked[column])
    for key_column in ("row_key", "source_key"):
        if key_column in masked.columns:
            masked[key_column] = mask_row_keys(masked[key_column])
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
