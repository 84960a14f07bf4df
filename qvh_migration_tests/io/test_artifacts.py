from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.io.artifacts import atomic_directory, atomic_path, file_digest, write_csv


def test_failed_write_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "catalog.csv"
    write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a file")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["catalog.csv"]


def test_written_files_are_readable_by_the_team(tmp_path: Path) -> None:
    target = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    assert target.stat().st_mode & 0o044 == 0o044


def test_failed_directory_build_keeps_previous_directory(tmp_path: Path) -> None:
    folder = tmp_path / "extracts"
    with atomic_directory(folder) as staging:
        (staging / "PATDATA.parquet").write_text("good")
    with pytest.raises(RuntimeError), atomic_directory(folder) as staging:
        (staging / "PATDATA.parquet").write_text("partial")
        raise RuntimeError("interrupted")
    assert (folder / "PATDATA.parquet").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["extracts"]


def test_digest_changes_with_content(tmp_path: Path) -> None:
    document = tmp_path / "guide.pdf"
    document.write_bytes(b"one")
    first = file_digest(document)
    document.write_bytes(b"two")
    assert file_digest(document) != first
