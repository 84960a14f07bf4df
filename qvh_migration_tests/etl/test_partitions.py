"""End to end on the stand-ins: all 38 partitions, reruns, parallel partitions, and bad extracts."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from qvh_migration.defs import etl as etl_defs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import files as etl_files
from qvh_migration.etl import pipeline
from qvh_migration.etl.executor import REJECT_COLUMNS
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

REASONS = {
    "unmapped_code",
    "malformed_date",
    "over_length",
    "missing_mandatory",
    "orphan_parent",
    "parent_rejected",
    "bad_date_format",
    "not_a_number",
    "invalid_code_shape",
    "patient_not_loaded",
    "invalid_nhs_number",
    "no_rtt_pathway",
    "end_before_start",
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_all(data_dir: Path, impute_mode: str = "strict") -> dict[str, object]:
    folders = folders_of(data_dir)
    return {
        table: pipeline.run_partition(folders, CROSSWALKS, table, impute_mode=impute_mode, run_id="run-1")[0]
        for table in etl_defs.TARGET_TABLE_NAMES
    }


@pytest.fixture(scope="module")
def loaded(upstream_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    import shutil

    data_dir = tmp_path_factory.mktemp("loaded") / "data"
    shutil.copytree(upstream_data, data_dir)
    return data_dir, load_all(data_dir)


def test_every_partition_conserves_its_rows(loaded) -> None:
    data_dir, loads = loaded
    assert len(loads) == 38
    for table, load in loads.items():
        assert load.conserved, table
    summary = pd.read_csv(data_dir / "target/load_summary.csv")
    # One row per table, or per source table of a table loaded from a union (the coding tables, the
    # outpatient waiting list, and LOAD_PMIIDS: case notes, merged records, old NHS numbers).
    sources = load_row_sources()
    assert summary["target_table"].nunique() == 38
    assert len(summary) == sum(max(1, len(sources.parts(t))) for t in sources.tables) == 45
    assert (
        summary["source_rows"] == summary["loaded_rows"] + summary["rejected_rows"] + summary["filtered_rows"]
    ).all()
    assert summary.loc[summary["target_table"] == "LOAD_PMI", "loaded_rows"].item() > 250


def test_tables_have_the_catalogs_columns_unique_keys_and_resolving_links(loaded) -> None:
    data_dir, loads = loaded
    fields, tables = pipeline.read_target_catalog(data_dir / "catalogs")
    for table, load in loads.items():
        expected = fields.loc[fields["table_name"] == table].sort_values("field_order")["field_name"].tolist()
        assert list(load.table.columns) == expected, table
        key = next((c for c in load.table.columns if c.upper() == "RECORD_NUMBER"), None)
        if key:  # the archive tables have no staging key
            assert load.table[key].notna().all() and load.table[key].is_unique, table
    # The staging database enforces primary keys, lengths and every parent link as a foreign key.
    database = etl_files.build_staging_database(data_dir / "target", fields, tables)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute('select count(*) from "LOAD_PMI"').fetchall()[0][0] == len(loads["LOAD_PMI"].table)


def test_rejects_trace_to_source_rows_with_a_known_reason(loaded) -> None:
    data_dir, _ = loaded
    rejects = pd.concat([pd.read_parquet(p) for p in (data_dir / "target/rejects").glob("*.parquet")])
    assert list(rejects.columns) == list(REJECT_COLUMNS)
    assert not rejects.empty and set(rejects["reason_code"]) <= REASONS
    ledger = pd.read_parquet(data_dir / "extracts/defect_ledger.parquet")
    pmi = rejects.loc[rejects["target_table"] == "LOAD_PMI"]
    # A patient rejected for a missing mandatory value is a ledgered defect of that very row.
    missing = pmi.loc[pmi["reason_code"] == "missing_mandatory", "source_key"]
    assert set(missing) <= set(ledger.loc[ledger["table"] == "PATDATA", "row_key"])
    assert not rejects["value_masked"].str.contains(r"^\d{10}$").any()


def test_rerunning_one_partition_gives_the_same_bytes_and_keys(loaded) -> None:
    data_dir, _ = loaded
    folders = folders_of(data_dir)
    table_file = data_dir / "target/tables/LOAD_OPD_APPOINTMENTS.parquet"
    before = {p.name: digest(p) for p in (data_dir / "target/tables").glob("*.parquet")}
    registry = digest(data_dir / "target/key_registry.parquet")
    pipeline.run_partition(folders, CROSSWALKS, "LOAD_OPD_APPOINTMENTS", run_id="run-2")
    assert digest(table_file) == before[table_file.name]
    assert {p.name: digest(p) for p in (data_dir / "target/tables").glob("*.parquet")} == before
    assert digest(data_dir / "target/key_registry.parquet") == registry


def test_a_new_source_row_gets_the_next_number_and_no_key_moves(data_dir: Path) -> None:
    folders = folders_of(data_dir)
    before = pd.read_parquet(data_dir / "target/key_registry.parquet")
    patients = pd.read_parquet(data_dir / "extracts/PATDATA.parquet")
    newcomer = patients.iloc[[0]].assign(InternalPatientNumber="099999999")
    pd.concat([newcomer, patients]).to_parquet(data_dir / "extracts/PATDATA.parquet", index=False)
    after, added = pipeline.build_key_registry(folders, "run-2")
    assert after.iloc[: len(before)].equals(before)
    pmi = added.loc[added["target_table"] == "LOAD_PMI"]
    assert pmi["record_number"].tolist() == [
        before.loc[before["target_table"] == "LOAD_PMI", "record_number"].max() + 1
    ]


def test_two_partitions_run_at_once_in_separate_processes(data_dir: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from qvh_migration.etl import pipeline;"
        "from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of;"
        "pipeline.run_partition(folders_of(Path(sys.argv[1])), CROSSWALKS, sys.argv[2])"
    )
    tables = ["LOAD_PMI", "LOAD_OPD_APPOINTMENTS"]
    processes = [subprocess.Popen([sys.executable, "-c", script, str(data_dir), t]) for t in tables]
    assert [p.wait(timeout=300) for p in processes] == [0, 0]
    summary = pd.read_csv(data_dir / "target/load_summary.csv")
    assert set(tables) <= set(summary["target_table"])


def test_lenient_mode_loads_unmapped_codes_empty(data_dir: Path) -> None:
    folders = folders_of(data_dir)
    strict, _ = pipeline.run_partition(folders, CROSSWALKS, "LOAD_PMI", impute_mode="strict")
    lenient, _ = pipeline.run_partition(folders, CROSSWALKS, "LOAD_PMI", impute_mode="lenient")
    unmapped = (strict.rejects["reason_code"] == "unmapped_code").sum()
    assert "unmapped_code" not in set(lenient.rejects["reason_code"])
    assert (lenient.warnings["reason_code"] == "unmapped_code").sum() >= unmapped
    assert len(lenient.table) >= len(strict.table)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["Sex"]), "lacks catalog column(s) Sex"),
        (lambda f: f.assign(Shoesize="9"), "the catalog does not know: Shoesize"),
    ],
)
def test_an_extract_with_wrong_columns_fails_clearly_and_writes_nothing(data_dir: Path, change, message) -> None:
    folders = folders_of(data_dir)
    pipeline.run_partition(folders, CROSSWALKS, "LOAD_PMI")
    written = {p: digest(p) for p in (data_dir / "target").rglob("*.parquet")}
    path = data_dir / "extracts/PATDATA.parquet"
    change(pd.read_parquet(path)).to_parquet(path, index=False)
    with pytest.raises(MigrationInputError, match=re.escape(message)) as error:
        pipeline.run_partition(folders, CROSSWALKS, "LOAD_PMI")
    assert str(path) in str(error.value)
    assert {p: digest(p) for p in (data_dir / "target").rglob("*.parquet")} == written


def test_a_damaged_extract_is_named(data_dir: Path) -> None:
    (data_dir / "extracts/PATDATA.parquet").write_bytes(b"\xff\xfeP\x00A\x00")  # e.g. a UTF-16 text file
    with pytest.raises(MigrationInputError, match=r"PATDATA\.parquet: not a readable Parquet extract"):
        pipeline.run_partition(folders_of(data_dir), CROSSWALKS, "LOAD_PMI")


def test_a_partition_materialises_in_dagster_with_blocking_checks(data_dir: Path) -> None:
    result = dg.materialize(
        [etl_defs.target_tables],
        partition_key="LOAD_PMIADDRS",
        resources={"settings": MigrationSettings(data_dir=str(data_dir))},
        run_config={"ops": {"target_tables": {"config": {"impute_mode": "lenient"}}}},
    )
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["rows_conserved"].passed and checks["record_numbers_unique"].passed
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    assert metadata["source_rows"].value == (
        metadata["loaded_rows"].value + metadata["rejected_rows"].value + metadata["filtered_rows"].value
    )
