"""Field checks every loaded value passes: length, type, the guide's date formats, mandatory.

Values longer than the field are rejected, never truncated: a truncated hospital number or
name is a wrong record, and the reject tells a person to fix the source.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.fields import LoadContext, issues
from qvh_migration.etl.sql_checks import check_flags

# The guide's formats: DD/MM/YYYY, DD/MM/YYYY HH24:MI, DD/MM/YYYY HH24:MI:SS.
DATE_PATTERNS = {
    10: r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4}",
    16: r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4} ([01]\d|2[0-3]):[0-5]\d",
    19: r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d",
}
UNFILLED = ("NOT_MIGRATED", "UNRESOLVED")


def guide_date_format(comment: str) -> str:
    """The strftime pattern a DATE field's comment asks for ("Must be in format: DD/MM/YYYY HH24:MI")."""
    text = str(comment or "").upper()
    if "HH24:MI:SS" in text:
        return "%d/%m/%Y %H:%M:%S"
    if "HH24:MI" in text:
        return "%d/%m/%Y %H:%M"
    return "%d/%m/%Y"


def to_guide_format(values: pd.Series, pattern: str) -> pd.Series:
    """Dates already in one of the guide's formats, re-emitted in the field's own format.

    A date-time rule feeding a date-only field loses its clock time here, by the guide's format,
    not by truncating text; a value in no guide format is left as it is for the format check.
    """
    text = values.astype("string")
    width = len(pd.Timestamp(2000, 1, 1).strftime(pattern))
    # Most values already have the field's width (the rule's transform chose the format): only
    # the others are parsed and re-emitted, which keeps this cheap on millions of rows.
    other = text.notna() & text.str.len().ne(width)
    if not other.any():
        return text
    subset = text[other]
    parsed = pd.Series(pd.NaT, index=subset.index, dtype="datetime64[ns]")
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        parsed = parsed.fillna(pd.to_datetime(subset, format=fmt, errors="coerce"))
    reformatted = parsed.dt.strftime(pattern).astype("string").fillna(subset)
    return text.mask(other, reformatted)


def validate_fields(table: pd.DataFrame, rules: pd.DataFrame, ctx: LoadContext) -> tuple[pd.DataFrame, list]:
    """The table (dates in each field's guide format) and the issues its values raise; the duckdb
    engine finds the held, over-length and badly formatted values in one query (``etl/sql_checks.py``)."""
    found: list[pd.DataFrame] = []
    table = table.copy()
    lengths, patterns = {}, {}
    for _, rule in rules.iterrows():
        name = rule["target_field"]
        if rule["data_type"] == "DATE":
            pattern = guide_date_format(rule.get("comment", ""))
            table[name] = to_guide_format(table[name].astype("string"), pattern)
            patterns[name] = DATE_PATTERNS[len(pd.Timestamp(2000, 1, 1).strftime(pattern))]
        elif (length := _field_length(rule)) is not None:
            lengths[name] = length
    flags = check_flags(table, lengths, patterns) if ctx.engine == "duckdb" and len(table) else None
    for _, rule in rules.iterrows():
        name = rule["target_field"]
        values = table[name].astype("string")
        present = pd.Series(flags[name, "present"]) if flags else values.fillna("").str.len() > 0
        if rule["data_type"] == "DATE":
            wrong = (
                flags[name, "bad_date_format"] if flags else present & ~values.fillna("").str.fullmatch(patterns[name])
            )
            found.append(_issue(rule, wrong, "bad_date_format", "not in the guide's date format", values, ctx))
        elif name in lengths:
            size = lengths[name]
            too_long = flags[name, "over_length"] if flags else present & (values.fillna("").str.len() > size)
            message = f"longer than the field's {size} characters (never truncated)"
            found.append(_issue(rule, too_long, "over_length", message, values, ctx))
        if rule["data_type"] == "NUMBER":
            found.append(_number(rule, values, present.set_axis(values.index), ctx))
        fillable = rule["mapping_class"] not in UNFILLED and name not in ctx.empty_fields
        if rule["mandatory_class"] == "mandatory" and fillable:
            found.append(_issue(rule, ~present, "missing_mandatory", "mandatory field is empty", values, ctx))
    return table, found


def _field_length(rule: pd.Series) -> int | None:
    """The field's length in characters, when it is checked (not for NUMBERs, nor without a length)."""
    length = pd.to_numeric(pd.Series([rule["length"]]), errors="coerce").iloc[0]
    return None if pd.isna(length) or rule["data_type"] == "NUMBER" else int(length)


def _issue(rule: pd.Series, hit, code: str, message: str, values: pd.Series, ctx: LoadContext) -> pd.DataFrame:
    mask = hit.to_numpy() if isinstance(hit, pd.Series) else hit
    return issues(ctx.rows.index[mask], rule["target_field"], code, message, values, "reject")


def _number(rule: pd.Series, values: pd.Series, present: pd.Series, ctx: LoadContext) -> pd.DataFrame:
    numeric = pd.to_numeric(values.where(present), errors="coerce")
    wrong = present & numeric.isna()
    return issues(
        ctx.rows.index[wrong.to_numpy()], rule["target_field"], "not_a_number", "not a number", values, "reject"
    )
