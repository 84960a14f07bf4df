from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.io.artifacts import (
    atomic_directory,
    atomic_path,
    file_digest,
    published_together,
    same_workbook,
    write_atomically,
    write_csv,
)


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


def test_files_written_together_are_published_together_or_not_at_all(tmp_path: Path) -> None:
    first, second = tmp_path / "contract.csv", tmp_path / "contract.xlsx"
    write_csv(pd.DataFrame({"a": [1]}), first)
    write_csv(pd.DataFrame({"a": [1]}), second)
    before = first.read_bytes(), second.read_bytes()
    with pytest.raises(RuntimeError), published_together():
        write_csv(pd.DataFrame({"a": [2]}), first)
        assert first.read_bytes() == before[0]  # nothing is published before the block ends
        raise RuntimeError("the workbook could not be written")
    assert (first.read_bytes(), second.read_bytes()) == before
    with published_together():
        write_csv(pd.DataFrame({"a": [2]}), first)
        write_csv(pd.DataFrame({"a": [3]}), second)
    assert first.read_text() == "a\n2\n" and second.read_text() == "a\n3\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.csv", "contract.xlsx"]


def test_an_unchanged_workbook_keeps_its_file(tmp_path: Path) -> None:
    from openpyxl import Workbook

    def write(value: str, created: int) -> None:
        book = Workbook()
        book.active.append([value])
        book.properties.created = datetime(2026, 1, created)
        write_atomically(path, book.save, unchanged=same_workbook)

    path = tmp_path / "report.xlsx"
    write("M", 1)
    os.utime(path, (0, 0))
    write("M", 2)  # same cells, another creation time
    assert path.stat().st_mtime == 0
    write("F", 3)
    assert path.stat().st_mtime != 0
