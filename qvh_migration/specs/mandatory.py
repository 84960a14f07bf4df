"""Classify every target field as mandatory, conditional or optional, keeping the evidence.

The guide marks mandatory fields by a grey highlight that its printed form lost (the remaining
fill is row banding), so the class is read from the comment text and the load keys, and a
reviewed overrides file records what the vendor confirms where the text is silent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.settings import default_overrides_file
from qvh_migration.specs.catalog_schema import MANDATORY_CLASSES

OVERRIDE_COLUMNS = ("table_name", "field_name", "mandatory_class", "condition", "evidence")

# Order matters: a conditional phrase wins over the bare word "mandatory" it contains.
_CONDITIONAL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"mandatory but (only .*?)(?:\.|$)", re.IGNORECASE | re.MULTILINE), "{0}"),
    (re.compile(r"\brequired (if .*?)(?:\.|$)", re.IGNORECASE | re.MULTILINE), "{0}"),
    (re.compile(r"\b(if .*?) then this field is mandatory", re.IGNORECASE), "{0}"),
    (re.compile(r"must not be blank (for .*?)(?:\.|$)", re.IGNORECASE | re.MULTILINE), "{0}"),
)
_MANDATORY_PATTERN = re.compile(
    r"\bmandatory field\b|^\s*mandatory\b|\bmust be supplied\b|\bmust be provided\b|\bmust not be null\b",
    re.IGNORECASE | re.MULTILINE,
)
_LOAD_KEYS = {"record_number", "system_code", "external_system_id"}


def classify_from_text(comment: str) -> tuple[str, str, str]:
    """(class, condition, evidence) from one field's comment alone."""
    for pattern, template in _CONDITIONAL_PATTERNS:
        match = pattern.search(comment)
        if match:
            condition = template.format(match.group(1).strip())
            condition = condition[:1].lower() + condition[1:]
            return "conditional", condition, f"comment: {_quote(match.group(0))}"
    match = _MANDATORY_PATTERN.search(comment)
    if match:
        return "mandatory", "", f"comment: {_quote(match.group(0))}"
    return "optional", "", ""


def _quote(text: str) -> str:
    return '"' + re.sub(r"\s+", " ", text.strip()) + '"'


def classify_fields(
    fields: pd.DataFrame, tables: pd.DataFrame, overrides: pd.DataFrame, overrides_source: Path | None = None
) -> pd.DataFrame:
    """Add mandatory_class, mandatory_condition and mandatory_evidence to the target fields."""
    classified = fields.copy()
    text = classified["comment"].fillna("").map(classify_from_text)
    classified["mandatory_class"] = [t[0] for t in text]
    classified["mandatory_condition"] = [t[1] for t in text]
    classified["mandatory_evidence"] = [t[2] for t in text]

    name = classified["field_name"].str.lower()
    is_load_key = name.isin(_LOAD_KEYS)
    silent = classified["mandatory_class"] == "optional"
    classified.loc[is_load_key & silent, "mandatory_class"] = "mandatory"
    classified.loc[is_load_key & silent, "mandatory_evidence"] = "load key: present on every staging table"

    links = parent_link_fields(tables)
    is_link = pd.Series(list(zip(classified["table_name"], name, strict=True)), index=classified.index).isin(links)
    silent = classified["mandatory_class"] == "optional"
    classified.loc[is_link & silent, "mandatory_class"] = "mandatory"
    classified.loc[is_link & silent, "mandatory_evidence"] = "load key: the only link to its parent staging table"
    return apply_overrides(classified, overrides, overrides_source or default_overrides_file())


def parent_link_fields(tables: pd.DataFrame) -> set[tuple[str, str]]:
    """(child table, lower-case link column) where the link is the table's only parent link.

    A row of a pure child table (an alias, a ward stay) cannot exist without its parent. Tables
    with several links (an appointment may or may not come from a waiting list, or relate to an
    RTT event) hold optional cross-references; those are decided by text or by override.
    """
    links: set[tuple[str, str]] = set()
    for table_name, parent_links in zip(tables["table_name"], tables["parent_links"], strict=True):
        table_links = [link for link in str(parent_links or "").split(";") if link]
        if len(table_links) == 1:
            links.add((table_name, table_links[0].split(".", 1)[-1].strip().lower()))
    return links


def read_overrides(path: Path | None = None) -> pd.DataFrame:
    """The reviewed overrides file (by default where settings.py says), validated row by row."""
    path = path or default_overrides_file()
    if not path.is_file():
        raise CurationError(path, "mandatory overrides file not found")
    try:
        overrides = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CurationError(path, f"not a readable CSV ({exc})") from exc
    missing = [c for c in OVERRIDE_COLUMNS if c not in overrides.columns]
    if missing:
        raise CurationError(path, f"missing column(s) {', '.join(missing)}", where="header")
    for index, row in overrides.iterrows():
        where = f"row {index + 2} ({row['table_name']}.{row['field_name']})"
        if row["mandatory_class"] not in MANDATORY_CLASSES:
            raise CurationError(
                path,
                f"mandatory_class {row['mandatory_class']!r} is not one of {', '.join(MANDATORY_CLASSES)}",
                where=where,
            )
        if not row["evidence"].strip():
            raise CurationError(path, "evidence is empty: say who confirmed it and why", where=where)
        if row["mandatory_class"] == "conditional" and not row["condition"].strip():
            raise CurationError(path, "a conditional override needs its condition", where=where)
    duplicated = overrides[overrides.duplicated(["table_name", "field_name"])]
    if not duplicated.empty:
        row = duplicated.iloc[0]
        raise CurationError(path, "field overridden twice", where=f"{row['table_name']}.{row['field_name']}")
    return overrides


def apply_overrides(classified: pd.DataFrame, overrides: pd.DataFrame, source: Path) -> pd.DataFrame:
    """Reviewed overrides win over text and key rules; each must name a field the guide has."""
    if overrides.empty:
        return classified
    result = classified.copy()
    key = result["table_name"] + "." + result["field_name"].str.lower()
    position = pd.Series(result.index, index=key)
    override_key = overrides["table_name"] + "." + overrides["field_name"].str.lower()
    unknown = overrides[~override_key.isin(position.index)]
    if not unknown.empty:
        row = unknown.iloc[0]
        raise CurationError(
            source,
            "overrides a field the target guide does not have",
            where=f"{row['table_name']}.{row['field_name']}",
        )
    rows = position.loc[override_key].to_numpy()
    result.loc[rows, "mandatory_class"] = overrides["mandatory_class"].to_numpy()
    result.loc[rows, "mandatory_condition"] = overrides["condition"].to_numpy()
    result.loc[rows, "mandatory_evidence"] = ("override: " + overrides["evidence"]).to_numpy()
    return result
