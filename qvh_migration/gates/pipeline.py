"""The gates stage as plain functions the Dagster layer and the command line call.

Every function reads the artifacts on disk and writes its own files under ``gates/``, so a table's
gates rerun alone after its partition reloads, and a stored run is re-scored without rerunning.
"""

from __future__ import annotations

import glob
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.etl import files as etl_files
from qvh_migration.etl.key_registry import REGISTRY_FILE, read_registry
from qvh_migration.etl.pipeline import read_target_catalog
from qvh_migration.etl.source_keys import DELETE_FLAG_VALUES, TABLE_KEYS
from qvh_migration.etl.source_rules import split_union_keys
from qvh_migration.gates import cross_table, detection, explanations
from qvh_migration.gates.files import (
    CROSS_FINDINGS_FILE,
    CROSS_TABLE,
    DETECTION_DETAIL_FILE,
    DETECTION_FILE,
    EXPLANATIONS_FILE,
    INVARIANT_FINDINGS_FILE,
    SUMMARY,
    all_findings,
    gate_path,
    refresh_gate_summary,
    write_table_gates,
)
from qvh_migration.gates.invariants.score import run_invariants
from qvh_migration.gates.profiles import Profile
from qvh_migration.gates.source_codes import with_source_times
from qvh_migration.gates.table_gates import TableGates, gate_table, read_loaded, record_keys
from qvh_migration.io.artifacts import write_csv, write_parquet
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.files import read_contract


def source_tables(target_dir: Path) -> dict[str, str]:
    path = target_dir / etl_files.LOAD_SUMMARY_FILE
    if not path.exists():
        return {}
    summary = pd.read_csv(path, dtype=str, keep_default_na=False)
    # A union table has a row per source table: the first is the one its contract rules are written for.
    first = summary.drop_duplicates("target_table", keep="first")
    return dict(zip(first["target_table"], first["source_table"], strict=True))


def gate_partition(folders: RunFolders, gates_dir: Path, table: str, profile: Profile) -> tuple[TableGates, dict]:
    catalog, _ = read_target_catalog(folders.catalogs)
    contract = read_contract(folders.mapping)
    read = read_loaded(folders.target)
    sources = source_tables(folders.target)
    frame = read(table)
    if frame is None:
        frame = pd.DataFrame(columns=list(catalog.loc[catalog["table_name"] == table, "field_name"]))

    def timed(name: str, loaded: pd.DataFrame | None, keys: pd.DataFrame | None = None) -> pd.DataFrame | None:
        if loaded is None:
            return None
        keys = record_keys(folders.target, name, loaded) if keys is None else keys
        return with_source_times(loaded, contract, name, sources.get(name, ""), keys["source_key"], folders.extracts)

    keys = record_keys(folders.target, table, frame)  # once: the table's findings and its legacy times
    result = gate_table(
        table,
        frame,
        catalog,
        contract,
        profile,
        read_table=lambda name: timed(name, read(name)),
        keys=keys,
        source_table=sources.get(table, ""),
        extracts_dir=folders.extracts,
        rule_frame=timed(table, frame, keys),
    )
    return result, write_table_gates(gates_dir, result)


def link_columns_reader(target_dir: Path, contract: pd.DataFrame):
    """Reads of a loaded table's record numbers and parent links only: what the cross-table check
    looks at (whole tables, LOAD_PMI once per link to it, dominated its time and memory)."""
    links = cross_table.parent_links(contract)
    fields = links.groupby("target_table")["target_field"].agg(set).to_dict()

    def read(table: str) -> pd.DataFrame | None:
        path = etl_files.table_path(target_dir, etl_files.TABLES, table)
        if not path.exists():
            return None
        names = pq.read_schema(path).names
        wanted = [c for c in names if c.upper() == "RECORD_NUMBER" or c in fields.get(table, set())]
        return pd.read_parquet(path, columns=wanted)

    return read


def run_cross_table(folders: RunFolders, gates_dir: Path, profile: Profile) -> tuple[pd.DataFrame, pd.DataFrame]:
    contract = read_contract(folders.mapping)
    findings, summary = cross_table.cross_table_integrity(
        contract,
        link_columns_reader(folders.target, contract),
        lambda table, frame: record_keys(folders.target, table, frame),
        source_tables(folders.target),
        profile,
    )
    write_parquet(findings, gates_dir / CROSS_FINDINGS_FILE)
    write_csv(summary, gate_path(gates_dir, SUMMARY, CROSS_TABLE))
    refresh_gate_summary(gates_dir)
    return findings, summary


def run_business_invariants(
    folders: RunFolders, gates_dir: Path, profile: Profile
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The business invariants (``gates/invariants``) on the staging database, scored under ``profile``."""
    return run_invariants(folders, gates_dir, profile, source_tables(folders.target))


def _all(target_dir: Path, kind: str) -> pd.DataFrame:
    frames = [pd.read_parquet(f) for f in sorted(glob.glob(str(target_dir / kind / "*.parquet")))]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def loaded_and_registered(target_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(source_table, grain_key) of every loaded record, and of every registered one."""
    registry = read_registry(target_dir / REGISTRY_FILE)
    sources = source_tables(target_dir)
    registry = registry.assign(source_table=registry["target_table"].map(sources).fillna(""))
    # A union part's keys name their source table (CONSEPISPROC:InternalPatientNumber=...).
    part_table, part_key = split_union_keys(registry["grain_key"])
    in_part = part_table.ne("")
    registry.loc[in_part, "source_table"] = part_table[in_part]
    registry.loc[in_part, "grain_key"] = part_key[in_part]
    loaded = []
    # Each table's rows found once: comparing the whole registry's table names per table grew with
    # tables x registry rows.
    by_table = registry.groupby("target_table", sort=False).indices
    for table in registry["target_table"].unique():
        outcomes = etl_files.published_outcomes(target_dir, table)
        if outcomes is None:
            continue
        numbers = outcomes.loc[outcomes["outcome"] == "loaded", "record_number"].astype("int64").to_numpy()
        rows = registry.iloc[by_table[table]]
        loaded.append(rows.loc[rows["record_number"].isin(numbers)])
    loaded_frame = pd.concat(loaded, ignore_index=True) if loaded else registry.iloc[0:0]
    return loaded_frame, registry


def column_reads(contract: pd.DataFrame) -> dict[str, list[tuple[str, int | None, str]]]:
    """Legacy TABLE.Column -> the (target table, length, mandatory class) of each field that reads it."""
    reads: dict[str, list[tuple[str, int | None, str]]] = {}
    for row in contract.itertuples(index=False):
        length = pd.to_numeric(pd.Series([row.length]), errors="coerce").iloc[0]
        for source in str(row.source_fields).split(";"):
            if source:
                reads.setdefault(source, []).append(
                    (row.target_table, None if pd.isna(length) else int(length), row.mandatory_class)
                )
    return reads


def detection_columns(path: Path, table: str) -> list[str]:
    """The columns detection reads of an extract: its row key and its logical-delete flags (reading
    every ledgered extract whole held most of the extract set in memory at once)."""
    wanted = {*TABLE_KEYS.get(table, ()), *DELETE_FLAG_VALUES}
    return [name for name in pq.read_schema(path).names if name in wanted]


def run_detection(folders: RunFolders, gates_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    ledger_path = folders.extracts / "defect_ledger.parquet"
    ledger = (
        pd.read_parquet(ledger_path)
        if ledger_path.exists()
        else pd.DataFrame(columns=["table", "row_key", "column", "defect_kind", "detail"])
    )
    empty = pd.DataFrame(columns=["source_table", "source_key", "reason_code"])
    rejects = _all(folders.target, etl_files.REJECTS)
    warnings = _all(folders.target, etl_files.WARNINGS)
    loaded, _ = loaded_and_registered(folders.target)
    extracts = {}
    for table in ledger["table"].unique():
        path = folders.extracts / f"{table}.parquet"
        if path.exists():
            extracts[str(table)] = pd.read_parquet(path, columns=detection_columns(path, str(table)))
    counts, detail = detection.detect(
        ledger,
        rejects if not rejects.empty else empty,
        warnings if not warnings.empty else empty,
        all_findings(gates_dir),
        loaded,
        extracts,
        detection.load_expectations(),
        column_reads(read_contract(folders.mapping)),
    )
    write_csv(counts, gates_dir / DETECTION_FILE)
    write_parquet(detail.astype({"detail": "string"}), gates_dir / DETECTION_DETAIL_FILE)
    if ledger_path.exists():  # real extracts have no ledger: nothing to explain failures by
        invariant_path = gates_dir / INVARIANT_FINDINGS_FILE
        findings = pd.read_parquet(invariant_path) if invariant_path.exists() else pd.DataFrame()
        explained = explanations.explain(explanations.failures_of(rejects, findings), ledger)
        write_parquet(explained, gates_dir / EXPLANATIONS_FILE)
    else:
        (gates_dir / EXPLANATIONS_FILE).unlink(missing_ok=True)
    return counts, detail
