"""The PostgreSQL target across runs: a changed extract reloads, a failed load keeps its files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.etl import files as etl_files
from qvh_migration.etl import load_files, pipeline
from qvh_migration.etl.postgres_target import PostgresTarget, TargetServerError
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of
from qvh_migration_tests.pg_server import create_database

pytestmark = pytest.mark.slow  # each test starts from a whole dry run and a real server

IPN = "InternalPatientNumber"
FAMILY = ("LOAD_PMI", "LOAD_PMIIDS")


def _load(data_dir: Path, url: str, run_id: str, tables=FAMILY) -> None:
    for table in tables:
        pipeline.run_partition(folders_of(data_dir), CROSSWALKS, table, run_id=run_id, target_url=url)


def _churn(data_dir: Path) -> tuple[str, str]:
    """The next delivery: one patient (with case notes) gone, one new patient with case notes.

    Returns (gone, new) internal patient numbers."""
    extracts = data_dir / "extracts"
    patients = pd.read_parquet(extracts / "PATDATA.parquet")
    notes = pd.read_parquet(extracts / "CASENOTEDETS.parquet")
    with_notes = [p for p in patients[IPN] if p in set(notes[IPN])]
    gone, model = with_notes[0], with_notes[1]
    new = "000099999"
    assert new not in set(patients[IPN])
    newcomer = patients[patients[IPN] == model].assign(**{IPN: new})
    new_notes = notes[notes[IPN] == model].assign(
        **{IPN: new, "PtCasenoteIdPhyskey": lambda f: "N" + f["PtCasenoteIdPhyskey"].str[1:]}
    )
    patients = pd.concat([patients[patients[IPN] != gone], newcomer], ignore_index=True)
    notes = pd.concat([notes[notes[IPN] != gone], new_notes], ignore_index=True)
    patients.to_parquet(extracts / "PATDATA.parquet", index=False)
    notes.to_parquet(extracts / "CASENOTEDETS.parquet", index=False)
    return gone, new


def _server_equals_files(target: PostgresTarget, data_dir: Path, table: str) -> None:
    files = pd.read_parquet(etl_files.table_path(data_dir / "target", etl_files.TABLES, table))
    numbers = sorted(target.read_table(table)["RECORD_NUMBER"].astype(int))
    assert numbers == sorted(files["RECORD_NUMBER"].astype(int)), table


def test_a_changed_extract_reloads_the_family(postgres_server, data_dir: Path) -> None:
    """Run 1 loads LOAD_PMI and its child LOAD_PMIIDS; the next delivery drops a patient and adds one.
    Before the fix LOAD_PMI's reload failed at commit on the gone patient's LOAD_PMIIDS rows, and
    LOAD_PMIIDS's on the new patient's missing parent, on every rerun."""
    create_database(postgres_server, "churn")
    url = postgres_server.url("churn")
    _load(data_dir, url, "run-1")
    target = PostgresTarget(url)
    before = {table: len(target.read_table(table)) for table in FAMILY}
    gone, new = _churn(data_dir)
    pipeline.build_key_registry(folders_of(data_dir), "run-2")
    for attempt in ("run-2", "run-3"):  # and a plain rerun of the changed extract
        _load(data_dir, url, attempt)
        for table in FAMILY:
            _server_equals_files(target, data_dir, table)
    pmi = target.read_table("LOAD_PMI")
    assert len(pmi) == before["LOAD_PMI"]  # one gone, one new
    patients = set(pmi["EXTERNAL_SYSTEM_ID"].astype(str).str.lstrip("0"))
    assert new.lstrip("0") in patients and gone.lstrip("0") not in patients
    new_record = int(
        pmi.loc[pmi["EXTERNAL_SYSTEM_ID"].astype(str).str.lstrip("0") == new.lstrip("0"), "RECORD_NUMBER"].iloc[0]
    )
    parents = target.read_table("LOAD_PMIIDS")["LOADPMI_RECORD_NUMBER"].astype(int)
    assert new_record in set(parents) and set(parents) <= set(pmi["RECORD_NUMBER"].astype(int))


def test_a_parent_reloaded_alone_takes_its_orphans_from_the_children(postgres_server, data_dir: Path) -> None:
    """Only LOAD_PMI reruns after the change: its commit removes the gone patient's LOAD_PMIIDS rows
    (they cannot stay), and the other children's rows are untouched."""
    create_database(postgres_server, "churn_parent")
    url = postgres_server.url("churn_parent")
    _load(data_dir, url, "run-1")
    target = PostgresTarget(url)
    ids_before = target.read_table("LOAD_PMIIDS")
    _churn(data_dir)
    pipeline.build_key_registry(folders_of(data_dir), "run-2")
    _load(data_dir, url, "run-2", ("LOAD_PMI",))
    pmi = set(target.read_table("LOAD_PMI")["RECORD_NUMBER"].astype(int))
    ids_after = target.read_table("LOAD_PMIIDS")
    kept = ids_before[ids_before["LOADPMI_RECORD_NUMBER"].astype(int).isin(pmi)]
    assert 0 < len(ids_after) == len(kept) < len(ids_before)


def _stop_on_load(server, monkeypatch: pytest.MonkeyPatch) -> None:
    original = PostgresTarget.load

    def load(self, table, frame, *args, **kwargs):
        return original(self, table, frame, *args, on_batch=lambda n: server.stop("immediate"), **kwargs)

    monkeypatch.setattr(PostgresTarget, "load", load)


def test_a_failed_server_load_keeps_the_partition_files(
    postgres_server, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops during the load of a changed LOAD_PMI: its Parquet files, load files and
    summary stay those of the previous run, like the server's table (before the fix they were
    replaced with the new data)."""
    create_database(postgres_server, "stopped")
    url = postgres_server.url("stopped")
    _load(data_dir, url, "run-1", ("LOAD_PMI",))
    target_dir = data_dir / "target"
    files = [
        etl_files.table_path(target_dir, kind, "LOAD_PMI")
        for kind in (etl_files.TABLES, etl_files.REJECTS, etl_files.WARNINGS, etl_files.OUTCOMES, etl_files.SUMMARY)
    ] + [load_files.csv_path(target_dir, "LOAD_PMI"), load_files.control_path(target_dir, "LOAD_PMI")]
    before = {path: path.read_bytes() for path in files}
    load_summary = (target_dir / etl_files.LOAD_SUMMARY_FILE).read_bytes()
    _churn(data_dir)
    pipeline.build_key_registry(folders_of(data_dir), "run-2")
    with monkeypatch.context() as patch:
        _stop_on_load(postgres_server, patch)
        try:
            with pytest.raises(TargetServerError, match="LOAD_PMI not loaded"):
                _load(data_dir, url, "run-2", ("LOAD_PMI",))
        finally:
            postgres_server.start()
    for path, content in before.items():
        assert path.read_bytes() == content, path.name
    assert (target_dir / etl_files.LOAD_SUMMARY_FILE).read_bytes() == load_summary
    assert not [p.name for p in target_dir.rglob(".*.tmp")]
    _server_equals_files(PostgresTarget(url), data_dir, "LOAD_PMI")
    _load(data_dir, url, "run-3", ("LOAD_PMI",))  # the server back: the new data is published
    assert etl_files.table_path(target_dir, etl_files.TABLES, "LOAD_PMI").read_bytes() != before[files[0]]
    _server_equals_files(PostgresTarget(url), data_dir, "LOAD_PMI")
