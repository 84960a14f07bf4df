"""What only the legacy rows still show: codes that feed a transform, and times the guide's
date-only formats drop.

Legacy codes that feed a transform: the target holds the transform's output, so a legacy code
outside its set (which the transform may turn into a plausible value) is only visible at the source.

For each field of a table filled by a TRANSFORM or DERIVED rule from a coded legacy column, the
loaded rows' source values are checked against the legacy code set (``legacy_code:<FIELD>``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.gates.schema import FINDING_COLUMNS
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS, code_values
from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.legacy.keys import TABLE_KEYS, row_keys

DERIVED_CLASSES = ("TRANSFORM", "DERIVED")


def coded_inputs(contract: pd.DataFrame, table: str, source_table: str) -> list[tuple[str, str, str]]:
    """(target field, legacy column, legacy code set) of the table's transformed coded inputs."""
    rules = contract.loc[(contract["target_table"] == table) & contract["mapping_class"].isin(DERIVED_CLASSES)]
    out = []
    for rule in rules.itertuples(index=False):
        for source in str(rule.source_fields).split(";"):
            owner, _, column = source.partition(".")
            code_set = LEGACY_CODE_FIELDS.get((owner, column))
            if owner == source_table and code_set:
                out.append((str(rule.target_field), column, code_set))
    return out


def source_code_checks(contract: pd.DataFrame, table: str, source_table: str) -> list[str]:
    return [f"legacy_code:{field}" for field, _, _ in coded_inputs(contract, table, source_table)]


def source_code_findings(
    contract: pd.DataFrame, table: str, source_table: str, keys: pd.Series, extracts_dir: Path
) -> pd.DataFrame:
    """Findings ``(check, row, field, value)`` for the table rows (``keys``: their source keys)."""
    inputs = coded_inputs(contract, table, source_table)
    path = extracts_dir / f"{source_table}.parquet"
    if not inputs or not path.exists() or source_table not in TABLE_KEYS:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    columns = sorted({c for _, c, _ in inputs} | set(TABLE_KEYS[source_table]))
    source = pd.read_parquet(path, columns=columns)
    source = source.assign(_key=row_keys(source, source_table).astype(str)).drop_duplicates("_key")
    rows = pd.DataFrame({"row": keys.index, "_key": keys.astype(str).to_numpy()}).merge(source, on="_key")
    found = []
    for field, column, code_set in inputs:
        values = rows[column].astype("string").str.strip()
        bad = values.ne("").fillna(False) & ~values.isin(set(code_values(code_set))).fillna(False)
        found.append(
            pd.DataFrame(
                {"check": f"legacy_code:{field}", "row": rows.loc[bad, "row"], "field": field, "value": values[bad]}
            )
        )
    return pd.concat(found, ignore_index=True)[list(FINDING_COLUMNS)]


def with_source_times(
    frame: pd.DataFrame, contract: pd.DataFrame, table: str, source_table: str, keys: pd.Series, extracts_dir: Path
) -> pd.DataFrame:
    """The table with each DATE field read back at the legacy column's precision (date and time).

    Where the guide's format keeps only the day, an episode that starts minutes before its
    admission, or a discharge an hour before the admission, looks right in the target; the table
    rules compare the times the legacy rows hold. Fields without a single legacy column keep theirs.
    """
    rules = contract.loc[(contract["target_table"] == table) & contract["data_type"].eq("DATE")]
    wanted = {
        str(r.target_field): str(r.source_fields).split(".", 1)[1]
        for r in rules.itertuples(index=False)
        if str(r.source_fields).startswith(f"{source_table}.") and ";" not in str(r.source_fields)
    }
    wanted = {f: c for f, c in wanted.items() if f in frame.columns}
    path = extracts_dir / f"{source_table}.parquet"
    if not wanted or frame.empty or not path.exists() or source_table not in TABLE_KEYS:
        return frame
    columns = sorted(set(wanted.values()) | set(TABLE_KEYS[source_table]))
    source = pd.read_parquet(path, columns=columns)
    source = source.assign(_key=row_keys(source, source_table).astype(str)).drop_duplicates("_key").set_index("_key")
    aligned = source.reindex(keys.astype(str).to_numpy())
    out = frame.reset_index(drop=True).copy()
    for field, column in wanted.items():
        when = parse_legacy_dates(aligned[column].astype("string").reset_index(drop=True), "auto")
        precise = when.dt.strftime("%d/%m/%Y %H:%M").astype("string")
        # Only where the legacy value agrees with the loaded day: anything else is the target's own fault.
        same_day = precise.str[:10].eq(out[field].astype("string").str[:10]).fillna(False)
        out[field] = out[field].astype("string").mask(same_day, precise)
    return out
