"""Tables loaded from a union of source tables: each part's contract rules, and one load of them all.

The mapping contract has one rule per target field, written for the table's first source table.
A union part fills a field differently where its ``fields:`` entry in ``row_sources.yaml`` says so
(DIAGNOSIS from ``CONSEPISPROC.OPCS`` as an OPCS-4 code, DIAGNOSIS_DIVISION ``Procedures``); every
other rule applies as written. A rule that reads another part's table would join one part's rows
to another's, so it must be overridden: the file is rejected, naming the table and field, if not.
The exception is a part that is the record the row belongs to (CONSEPISODE for the diagnoses of
CONSEPISDIAG: its key columns are all key columns of the row's table), read as a lookup of one row.

Each part loads as a table of its own (its rows, filters, rejects and counts, under its own source
table in the load summary); the table is the parts' rows together, in record-number order.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.etl.row_sources import FieldOverride, RowSource, RowSourceUnion
from qvh_migration.etl.source_keys import TABLE_KEYS
from qvh_migration.etl.source_rules import ADDED_COLUMNS
from qvh_migration.etl.sources import split_field
from qvh_migration.mapping.transforms import accepts


def part_rules(
    rules: pd.DataFrame,
    union: RowSourceUnion,
    part: RowSource,
    path: str,
    catalog_columns: Mapping[str, set[str]] | None = None,
) -> pd.DataFrame:
    """The table's contract rules as ``part`` executes them: its field overrides applied, checked
    (with ``catalog_columns``, every column an override reads must be in the source catalog)."""
    where = f"table {union.target_table} source {part.source_table}"
    own = str(part.source_table)
    siblings = {s for s in set(union.source_tables) - {own} if not owning_record(s, own)}
    out = rules.copy()
    fields = list(out["target_field"])
    overridden = set()
    for override in part.fields:
        if override.target_field not in fields:
            raise CurationError(path, f"{override.target_field} is not a field of {union.target_table}", where=where)
        at = fields.index(override.target_field)
        out.loc[at, list(_columns(override, own))] = list(_columns(override, own).values())
        sources = [s for s in str(out.at[at, "source_fields"]).split(";") if s]
        unknown = [s for s in sources if catalog_columns is not None and not _in_catalog(s, catalog_columns)]
        if unknown:
            raise CurationError(
                path, f"{override.target_field}: {', '.join(unknown)} is not in the source catalog", where=where
            )
        if override.transform and not accepts(override.transform, len(sources)):
            raise CurationError(
                path,
                f"{override.target_field}: transform {override.transform} does not take {len(sources)} source field(s)",
                where=where,
            )
        overridden.add(override.target_field)
    for _, rule in out.iterrows():
        read = {split_field(s)[0] for s in str(rule["source_fields"]).split(";") if s}
        crossing = sorted(read & siblings)
        if crossing and rule["target_field"] not in overridden and rule["mapping_class"] not in ("NOT_MIGRATED",):
            raise CurationError(
                path,
                f"{rule['target_field']} reads {', '.join(crossing)}, another part of the union: "
                f"say under 'fields' how {own} fills it",
                where=where,
            )
    return out


def owning_record(table: str, own: str) -> bool:
    """``table`` is the record a row of ``own`` belongs to: its keys are some of ``own``'s keys, so a
    lookup finds one row (CONSEPISODE for CONSEPISDIAG), never another part's rows."""
    keys, own_keys = TABLE_KEYS.get(table, ()), TABLE_KEYS.get(own, ())
    return bool(keys) and len(keys) < len(own_keys) and set(keys) <= set(own_keys)


def _in_catalog(qualified: str, catalog_columns: Mapping[str, set[str]]) -> bool:
    """In the source catalog, or a column the source rules give the table's rows (a MERGEDID row's
    surviving patient and retired hospital number, ``source_rules.merged_id_rows``)."""
    table, column = split_field(qualified)
    return column in catalog_columns.get(table, set()) or column in ADDED_COLUMNS.get(table, ())


def _columns(override: FieldOverride, own: str) -> dict[str, str]:
    """The contract columns an override sets (bare source columns are the part's own table's)."""
    sources = [s if "." in s else f"{own}.{s}" for s in override.sources]
    return {
        "mapping_class": override.mapping_class,
        "source_table": own if sources else "",
        "source_fields": ";".join(sources),
        "transform": override.transform,
        "crosswalk": override.crosswalk,
        "default_value": override.default,
        "rationale": override.rationale,
    }


def combined_table(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts' loaded rows as one table, in record-number order, with the parts' column types."""
    filled = [t for t in tables if not t.empty]
    if not filled:
        return tables[0]
    table = pd.concat(filled, ignore_index=True) if len(filled) > 1 else filled[0]
    key = next((c for c in table.columns if str(c).upper() == "RECORD_NUMBER"), None)
    return table.sort_values(key, kind="stable").reset_index(drop=True) if key else table
