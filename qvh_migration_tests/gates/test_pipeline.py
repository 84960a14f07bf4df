"""The gates stage reads of the loaded tables only what a check looks at."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.etl import files as etl_files
from qvh_migration.gates.pipeline import link_columns_reader

CONTRACT = pd.DataFrame(
    {
        "target_table": ["LOAD_CHILD", "LOAD_CHILD", "LOAD_PARENT"],
        "target_field": ["PARENT_NUMBER", "NAME", "NAME"],
        "parent_table": ["LOAD_PARENT", "", ""],
    }
)


def test_cross_table_reads_record_numbers_and_parent_links_only(tmp_path: Path) -> None:
    frame = pd.DataFrame({"RECORD_NUMBER": [1, 2], "NAME": ["a", "b"], "PARENT_NUMBER": [7, 8]})
    for table in ("LOAD_CHILD", "LOAD_PARENT"):
        path = etl_files.table_path(tmp_path, etl_files.TABLES, table)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    read = link_columns_reader(tmp_path, CONTRACT)
    child = read("LOAD_CHILD")
    assert list(child.columns) == ["RECORD_NUMBER", "PARENT_NUMBER"] and child.equals(frame[child.columns])
    assert list(read("LOAD_PARENT").columns) == ["RECORD_NUMBER"]
    assert read("LOAD_ABSENT") is None
