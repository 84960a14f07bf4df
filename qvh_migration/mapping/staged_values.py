"""The data mapping report keyed on the values the load actually staged.

The vendor configures each code table from the report, so it must list what the load files hold,
not only what the extracts hold: a transform can stage a value no legacy row carries (the
outpatient outcome's CANC-H / CANC-P, an admission outcome DIED / DISCHARGED, a pathway end event
as its national code), and a crosswalk the load does not apply proposes codes that never reach the
load files. After the tables are staged, every coded field of the report is re-keyed on its staged
values (``staged_value``, ``staged_count``):

* a legacy row whose proposal or legacy value is staged names that staged value (both staged: the
  proposal for a crosswalk rule, else the legacy value); a legacy value the load passes through
  although a crosswalk proposes another code is marked as the value the vendor maps, saying so;
* an unmapped or no-code legacy row stays (the load rejects or empties it: nothing staged);
* any other legacy row is dropped (its value is not in the load files);
* a staged value no legacy row names gets a row of its own (``staged_only``: set by the load);
* a field that staged no value keeps one ``no_values`` row, so every coded field is still listed.

A table not staged (no file) keeps its legacy rows, with no staged value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.extracts.files import read_ledger
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
from qvh_migration.mapping.data_mapping_report import (
    AS_IS,
    NO_CODE_STATUS,
    NO_VALUES,
    REPORT_COLUMNS,
    STAGED_ONLY,
    UNMAPPED,
    VENDOR_MAPS,
    build_data_mapping_report,
    coded_fields,
    read_report_extracts,
    report_inputs,
)
from qvh_migration.mapping.files import read_contract

STAGED_COLUMNS = ("target_table", "target_field", "staged_value", "staged_count")
_KEY = ["target_table", "target_field"]


@dataclass(frozen=True)
class StagedValues:
    """Distinct non-blank values of the coded fields in the staged tables, and which tables were staged."""

    values: pd.DataFrame  # STAGED_COLUMNS
    tables: frozenset[str] = field(default_factory=frozenset)

    def of(self, table: str, target_field: str) -> pd.Series:
        """staged value -> count for one field."""
        rows = self.values[(self.values["target_table"] == table) & (self.values["target_field"] == target_field)]
        return pd.Series(rows["staged_count"].to_numpy(dtype="int64"), index=rows["staged_value"].astype(str))


def read_staged_values(tables_dir: Path, contract: pd.DataFrame) -> StagedValues:
    """The coded fields' staged values from ``tables_dir/<table>.parquet`` (only those columns read)."""
    frames, staged = [], set()
    for table, rules in coded_fields(contract).groupby("target_table", sort=False):
        path = Path(tables_dir) / f"{table}.parquet"
        if not path.exists():
            continue
        staged.add(str(table))
        names = {name.upper(): name for name in pq.read_schema(path).names}
        wanted = {f: names[f.upper()] for f in rules["target_field"].astype(str) if f.upper() in names}
        if not wanted:
            continue
        frame = pd.read_parquet(path, columns=sorted(set(wanted.values())))
        for target_field, column in wanted.items():
            frames.append(_value_counts(str(table), target_field, frame[column]))
    values = pd.concat(frames, ignore_index=True) if frames else _empty_values()
    return StagedValues(values, frozenset(staged))


def _value_counts(table: str, target_field: str, column: pd.Series) -> pd.DataFrame:
    text = column.dropna().astype(str).str.strip()
    counts = text[text != ""].value_counts()
    return pd.DataFrame(
        {
            "target_table": table,
            "target_field": target_field,
            "staged_value": counts.index.astype(str),
            "staged_count": counts.to_numpy(dtype="int64"),
        }
    )


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "staged_count" else "str") for c in STAGED_COLUMNS})


def key_on_staged(report: pd.DataFrame, staged: StagedValues | None) -> pd.DataFrame:
    """The report re-keyed on the staged values (``REPORT_COLUMNS``, in field order)."""
    if staged is None or report.empty:
        return report.assign(staged_value="", staged_count=0)[list(REPORT_COLUMNS)]
    blocks = []
    for (table, target_field), rows in report.groupby(_KEY, sort=False):
        if table not in staged.tables:
            blocks.append(rows.assign(staged_value="", staged_count=0))
        else:
            blocks.append(_keyed_field(rows, staged.of(str(table), str(target_field)), str(table)))
    keyed = pd.concat(blocks, ignore_index=True)[list(REPORT_COLUMNS)]
    return keyed.astype({"count": "int64", "ledgered_count": "int64", "staged_count": "int64"})


def _keyed_field(rows: pd.DataFrame, counts: pd.Series, table: str) -> pd.DataFrame:
    proposed = rows["proposed_target_value"].astype(str).str.strip()
    legacy = rows["legacy_value"].astype(str).str.strip()
    proposal_staged = proposed.ne("") & proposed.isin(counts.index)
    legacy_staged = legacy.ne("") & legacy.isin(counts.index)
    # Both staged and different: a crosswalk rule stages the proposal, any other rule the legacy value.
    crosswalked = rows["mapping_class"].eq("CROSSWALK")
    by_legacy = legacy_staged & (~proposal_staged | proposed.eq(legacy) | ~crosswalked)
    by_proposal = proposal_staged & ~by_legacy
    value = proposed.where(by_proposal, legacy.where(by_legacy, ""))
    rows = rows.assign(staged_value=value, staged_count=value.map(counts).fillna(0).astype("int64"))
    # The load holds the legacy value itself where a crosswalk proposed another code (or none).
    passed = by_legacy & rows["status"].ne(VENDOR_MAPS) & rows["status"].ne(AS_IS)
    if passed.any():
        national = rows["code_handling"].eq("national_code")
        was = rows["proposed_target_value"].astype(str)
        rows.loc[passed, "note"] = (
            "the load holds the legacy value; the crosswalk's proposal "
            + was[passed].where(was[passed] != "", "(none)")
            + " is not applied"
        )
        rows.loc[passed, "status"] = [AS_IS if n else VENDOR_MAPS for n in national[passed]]
        rows.loc[passed, "proposed_target_value"] = rows.loc[passed, "legacy_value"].where(national[passed], "")
        rows.loc[passed, "proposed_target_description"] = ""
    kept = rows[value.ne("") | rows["status"].isin([UNMAPPED, NO_CODE_STATUS])]
    missing = [v for v in counts.index if v not in set(kept["staged_value"])]
    added = _staged_only(rows, counts[missing]) if missing else rows.iloc[0:0]
    if kept.empty and added.empty:
        return _no_values(rows, table)
    return pd.concat([kept, added], ignore_index=True)


def _staged_only(rows: pd.DataFrame, counts: pd.Series) -> pd.DataFrame:
    """A row per staged value no legacy row names: the load set it (a transform, a default)."""
    first = rows.iloc[0]
    national = first["code_handling"] == "national_code"
    sources = "; ".join(dict.fromkeys(s for s in rows["source_field"].astype(str) if s))
    counts = counts.sort_values(ascending=False, kind="stable")
    return pd.DataFrame(
        {
            **{c: first[c] for c in ("code_type", "code_type_name", "target_table", "target_field")},
            "code_handling": first["code_handling"],
            "mapping_class": first["mapping_class"],
            "source_field": sources,
            "crosswalk": "",
            "legacy_value": "",
            "legacy_description": "",
            "count": 0,
            "ledgered_count": 0,
            "proposed_target_value": list(counts.index) if national else "",
            "proposed_target_description": "",
            "status": STAGED_ONLY,
            "note": f"set by the load ({first['mapping_class']} rule): no legacy value of the extracts reads as it",
            "staged_value": list(counts.index),
            "staged_count": counts.to_numpy(dtype="int64"),
        }
    )


def _no_values(rows: pd.DataFrame, table: str) -> pd.DataFrame:
    first = rows.iloc[[0]].copy()
    if first["status"].iloc[0] != NO_VALUES:
        first["note"] = f"no value of this field is staged in {table}"
    return first.assign(
        legacy_value="",
        legacy_description="",
        count=0,
        ledgered_count=0,
        proposed_target_value="",
        proposed_target_description="",
        status=NO_VALUES,
        staged_value="",
        staged_count=0,
    )


def missing_staged_values(report: pd.DataFrame, staged: StagedValues) -> pd.DataFrame:
    """Staged values of a coded field the report does not list for that field (``STAGED_COLUMNS``).

    A report keyed on staged values lists them in ``staged_value``; one that is not (a report of
    the extracts alone) can only list them as a proposal or a legacy value, which count too.
    """
    columns = [c for c in ("staged_value", "proposed_target_value", "legacy_value") if c in report.columns]
    listed = pd.concat(
        [report[[*_KEY, c]].rename(columns={c: "staged_value"}) for c in columns], ignore_index=True
    ).astype(str)
    merged = staged.values.astype({"staged_value": str}).merge(
        listed.drop_duplicates(), on=[*_KEY, "staged_value"], how="left", indicator=True
    )
    return merged.loc[merged["_merge"] == "left_only", list(STAGED_COLUMNS)].reset_index(drop=True)


def every_staged_value_listed(report: pd.DataFrame, staged: StagedValues) -> CheckOutcome:
    """Every value a coded field holds in the load files is a row of the report for that field."""
    missing = missing_staged_values(report, staged)
    shown = missing.sort_values("staged_count", ascending=False).head(50)
    return CheckOutcome(
        missing.empty,
        {
            "staged_values": len(staged.values),
            "missing_values": len(missing),
            "missing_occurrences": int(missing["staged_count"].sum()),
            "missing": shown.astype(str).to_markdown(index=False) if not missing.empty else "none",
        },
    )


def report_for_run(
    mapping_dir: Path, extracts_dir: Path, tables_dir: Path, crosswalks: Mapping[str, pd.DataFrame]
) -> tuple[pd.DataFrame, StagedValues]:
    """The run's report from its contract, extracts and ledger, keyed on its staged tables."""
    contract = read_contract(mapping_dir)
    needed = report_inputs(contract, LEGACY_CODE_FIELDS, crosswalks)
    extracts = read_report_extracts(extracts_dir, needed)
    ledger = read_ledger(extracts_dir)
    report = build_data_mapping_report(contract, extracts, crosswalks, LEGACY_CODE_FIELDS, ledger)
    staged = read_staged_values(tables_dir, contract)
    return key_on_staged(report, staged), staged
