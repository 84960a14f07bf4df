"""The extracts folder. Writing: byte-identical for a seed, atomic on failure, legacy CSV, profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts import files as extract_files
from qvh_migration.extracts.checks import profile_extract
from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameters


def write_extracts(extracts: SourceExtracts, out_dir: Path, write_csv: bool = False) -> dict:
    return extract_files.write_extracts(extracts.tables, extracts.defect_ledger, out_dir, write_csv=write_csv)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_byte_identical_files(source_catalog, tmp_path: Path) -> None:
    params = MockParameters(patients=500, seed=3)
    write_extracts(generate_extracts(source_catalog, params), tmp_path / "a")
    write_extracts(generate_extracts(source_catalog, params), tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a == b
    assert "PATDATA.parquet" in a and "defect_ledger.parquet" in a and "manifest.json" in a
    write_extracts(generate_extracts(source_catalog, MockParameters(patients=500, seed=4)), tmp_path / "c")
    c = _files(tmp_path / "c")
    assert a.keys() == c.keys()
    assert a["PATDATA.parquet"] != c["PATDATA.parquet"] and a["OPA.parquet"] != c["OPA.parquet"]


def test_parquet_round_trip(extracts, tmp_path: Path) -> None:
    manifest = write_extracts(extracts, tmp_path / "out")
    for name, df in extracts.tables.items():
        back = pd.read_parquet(tmp_path / "out" / f"{name}.parquet")
        pd.testing.assert_frame_equal(back, df, check_dtype=True)
        assert manifest["tables"][name]["rows"] == len(df)
    ledger = pd.read_parquet(tmp_path / "out" / "defect_ledger.parquet")
    pd.testing.assert_frame_equal(ledger, extracts.defect_ledger)
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk["tables"] == manifest["tables"]


def test_failed_write_leaves_previous_files_intact(source_catalog, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "extracts"
    small = generate_extracts(source_catalog, MockParameters(patients=100, seed=1))
    write_extracts(small, out)
    before = _files(out)
    calls = {"n": 0}
    real = extract_files._write_parquet

    def failing(df, path):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("disk full")
        real(df, path)

    monkeypatch.setattr(extract_files, "_write_parquet", failing)
    other = generate_extracts(source_catalog, MockParameters(patients=100, seed=2))
    with pytest.raises(OSError, match="disk full"):
        write_extracts(other, out)
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["extracts"]  # no staging left behind


def test_rewrite_replaces_the_whole_set(source_catalog, tmp_path: Path) -> None:
    out = tmp_path / "extracts"
    ex = generate_extracts(source_catalog, MockParameters(patients=50))
    write_extracts(ex, out, write_csv=True)
    assert (out / "PATDATA.csv").exists()
    write_extracts(ex, out, write_csv=False)
    assert not (out / "PATDATA.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extracts"]


def test_csv_is_a_legacy_export(source_catalog, tmp_path: Path) -> None:
    ex = generate_extracts(source_catalog, MockParameters(patients=300, defect_rate=0.3, seed=5))
    surname = ex.tables["PATDATA"]["Surname"]
    ex.tables["PATDATA"]["Surname"] = surname.where(surname.index != 0, "NGUYỄN")
    manifest = write_extracts(ex, tmp_path / "out", write_csv=True)
    raw = (tmp_path / "out" / "PATDATA.csv").read_bytes()
    assert b"\r\n" in raw
    text = raw.decode("cp1252")
    header = text.split("\r\n", 1)[0]
    assert header.split("|") == list(ex.tables["PATDATA"].columns)
    assert "NGUY?N" in text
    assert manifest["files"]["PATDATA.csv"]["cells_with_replaced_characters"] >= 1
    back = pd.read_csv(tmp_path / "out" / "OPA.csv", sep="|", dtype=str, keep_default_na=False, encoding="cp1252")
    assert back.shape == ex.tables["OPA"].shape


def test_profile(extracts) -> None:
    prof = profile_extract(extracts.tables["PATDATA"])
    assert prof["rows"] == len(extracts.tables["PATDATA"])
    cols = prof["columns"]
    assert list(cols) == list(extracts.tables["PATDATA"].columns)
    assert cols["InternalPatientNumber"]["empty_rate"] == 0.0
    assert cols["AccommodationStatus"]["empty_rate"] == 1.0
    assert all(v["null_rate"] == 0.0 for v in cols.values())
    empty = profile_extract(extracts.tables["MERGEDID"].iloc[0:0])
    assert empty["rows"] == 0


def test_reading_back_what_was_written(extracts, tmp_path: Path) -> None:
    write_extracts(extracts, tmp_path / "out")
    read = extract_files.read_extract_tables(tmp_path / "out", ["PATDATA", "NOT_EXTRACTED"])
    assert list(read) == ["PATDATA"]
    pd.testing.assert_frame_equal(read["PATDATA"], extracts.tables["PATDATA"])
    pd.testing.assert_frame_equal(extract_files.read_ledger(tmp_path / "out"), extracts.defect_ledger)


def test_reading_before_any_extract_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(MigrationInputError, match="materialise the extracts assets first") as caught:
        extract_files.read_extract_tables(tmp_path, ["PATDATA"])
    assert str(tmp_path) in str(caught.value)
