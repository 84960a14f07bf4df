"""Field checks every loaded value passes: length, type, the guide's date formats, mandatory.

Values longer than the field are rejected, never truncated: a truncated hospital number or
name is a wrong record, and the reject tells a person to fix the source.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.fields import LoadContext, issues

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
    """The table (dates in each field's guide format) and the issues its values raise."""
    found: list[pd.DataFrame] = []
    table = table.copy()
    for _, rule in rules.iterrows():
        name = rule["target_field"]
        values = table[name].astype("string")
        present = values.fillna("").str.len() > 0
        if rule["data_type"] == "DATE":
            pattern = guide_date_format(rule.get("comment", ""))
            values = table[name] = to_guide_format(values, pattern)
            found.append(_date_format(rule, values, present, ctx, pattern))
        else:
            found.append(_length(rule, values, present, ctx))
        if rule["data_type"] == "NUMBER":
            found.append(_number(rule, values, present, ctx))
        fillable = rule["mapping_class"] not in UNFILLED and name not in ctx.empty_fields
        if rule["mandatory_class"] == "mandatory" and fillable:
            missing = ~present
            found.append(
                issues(
                    ctx.rows.index[missing.to_numpy()],
                    name,
                    "missing_mandatory",
                    "mandatory field is empty",
                    values,
                    "reject",
                )
            )
    return table, found


def _length(rule: pd.Series, values: pd.Series, present: pd.Series, ctx: LoadContext) -> pd.DataFrame:
    length = pd.to_numeric(pd.Series([rule["length"]]), errors="coerce").iloc[0]
    if pd.isna(length) or rule["data_type"] == "NUMBER":
        return issues(pd.Index([]), rule["target_field"], "over_length", "", values, "reject")
    sizes = values.fillna("").str.len()
    too_long = present & (sizes > int(length))
    message = f"longer than the field's {int(length)} characters (never truncated)"
    return issues(ctx.rows.index[too_long.to_numpy()], rule["target_field"], "over_length", message, values, "reject")


def _date_format(
    rule: pd.Series, values: pd.Series, present: pd.Series, ctx: LoadContext, pattern: str
) -> pd.DataFrame:
    expected = DATE_PATTERNS[len(pd.Timestamp(2000, 1, 1).strftime(pattern))]
    wrong = present & ~values.fillna("").str.fullmatch(expected)
    return issues(
        ctx.rows.index[wrong.to_numpy()],
        rule["target_field"],
        "bad_date_format",
        "not in the guide's date format",
        values,
        "reject",
    )


def _number(rule: pd.Series, values: pd.Series, present: pd.Series, ctx: LoadContext) -> pd.DataFrame:
    numeric = pd.to_numeric(values.where(present), errors="coerce")
    wrong = present & numeric.isna()
    return issues(
        ctx.rows.index[wrong.to_numpy()], rule["target_field"], "not_a_number", "not a number", values, "reject"
    )
