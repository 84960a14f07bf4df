"""A table's health as its partition shows it, the dry run's tags, and check metadata that renders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.defs.metadata import check_result, is_markdown_table, readable
from qvh_migration.defs.table_health import health_metadata, load_counts
from qvh_migration.etl import files as etl_files
from qvh_migration.io.previews import markdown
from qvh_migration.run_tags import DRY_RUN_NAME_TAG, DRY_RUN_TAG, dry_run_id, new_dry_run

SUMMARY = pd.DataFrame(
    {
        "check": ["type:A", "nhs_number:B", "mandatory:C", "name_charset:D"],
        "failures": [0, 3, 7, 1],
        "severity": ["ERROR", "ERROR", "WARN", "WARN"],
        "threshold": ["<= 0 rows"] * 4,
        "passed": [True, False, False, False],
    }
)


def _write_summary(target: Path, table: str, rows: list[dict]) -> None:
    path = etl_files.table_path(target, etl_files.SUMMARY, table)
    path.parent.mkdir(parents=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def test_counts_add_up_a_union_tables_parts(tmp_path: Path) -> None:
    part = {"source_rows": 10, "loaded_rows": 7, "rejected_rows": 2, "filtered_rows": 1}
    _write_summary(tmp_path, "LOAD_T", [part, part])
    assert load_counts(tmp_path, "LOAD_T") == {
        "source_rows": 20,
        "loaded_rows": 14,
        "rejected_rows": 4,
        "filtered_rows": 2,
    }
    assert load_counts(tmp_path, "LOAD_NEVER_LOADED")["loaded_rows"] == 0


def test_failing_checks_with_their_severity_errors_first(tmp_path: Path) -> None:
    _write_summary(tmp_path, "LOAD_T", [{"source_rows": 5, "loaded_rows": 5, "rejected_rows": 0, "filtered_rows": 0}])
    meta = health_metadata(tmp_path, "LOAD_T", SUMMARY)
    assert (meta["loaded_rows"], meta["failing_errors"], meta["failing_warnings"]) == (5, 1, 2)
    listed = meta["failing_check_list"]
    assert isinstance(listed, dg.MarkdownMetadataValue)
    lines = listed.value.splitlines()
    assert "severity" in lines[0] and "nhs_number:B" in lines[2] and "mandatory:C" in lines[3]
    assert "type:A" not in listed.value
    clean = health_metadata(tmp_path, "LOAD_T", SUMMARY.assign(passed=True))["failing_check_list"]
    assert "every gate check passed" in clean.value


def test_markdown_tables_in_check_metadata_render_as_markdown() -> None:
    table = markdown(pd.DataFrame({"code": ["X|Y", "Z"], "rows": [1, 2]}))
    assert is_markdown_table(table) and not is_markdown_table("a | b") and not is_markdown_table(3)
    meta = readable({"sample": table, "count": 2, "note": "none"})
    assert isinstance(meta["sample"], dg.MarkdownMetadataValue)
    assert meta["count"] == 2 and meta["note"] == "none"
    result = check_result("covered", CheckOutcome(False, {"sample": table}))
    assert isinstance(result.metadata["sample"], dg.MarkdownMetadataValue)


def test_one_dry_run_one_id_and_name() -> None:
    tags = new_dry_run(datetime(2026, 12, 7, 5, 10, 3, tzinfo=UTC))
    assert tags.dry_run_id.startswith("20261207T051003-") and tags.name == "dry run 2026-12-07 05:10"
    assert tags.tags == {DRY_RUN_TAG: tags.dry_run_id, DRY_RUN_NAME_TAG: "dry run 2026-12-07 05:10"}
    assert tags.runs_path() == f"/runs?q[0]=tag:qvh/dry_run={tags.dry_run_id}"
    assert tags.dry_run_id in tags.line() and tags.name in tags.line()
    assert new_dry_run().dry_run_id != new_dry_run().dry_run_id
    assert dry_run_id(tags.tags, "run-1") == tags.dry_run_id and dry_run_id({}, "run-1") == "run-1"
