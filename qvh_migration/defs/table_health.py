"""One table's health as its partition shows it in the UI: the load's row counts and the gates that
failed with their severity, as plain integers and a Markdown table a person reads."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.etl import files as etl_files
from qvh_migration.io.previews import markdown

COUNTS = ("source_rows", "loaded_rows", "rejected_rows", "filtered_rows")
FAILING_COLUMNS = ["check", "severity", "failures", "threshold"]
FAILING_ROWS = 25  # the rest are in gates/summary/<T>.csv


def load_counts(target_dir: Path, table: str) -> dict[str, int]:
    """The partition's own load summary, its union parts added up; zeros when it never loaded."""
    path = etl_files.table_path(target_dir, etl_files.SUMMARY, table)
    if not path.exists():
        return dict.fromkeys(COUNTS, 0)
    summary = pd.read_csv(path, keep_default_na=False)
    return {k: int(pd.to_numeric(summary[k], errors="coerce").fillna(0).sum()) if k in summary else 0 for k in COUNTS}


def failing_checks(summary: pd.DataFrame) -> pd.DataFrame:
    """The gate checks that failed, ERROR before WARN, most failures first."""
    failed = summary.loc[~summary["passed"].astype(bool)]
    order = failed.assign(_error=failed["severity"].ne("ERROR")).sort_values(["_error", "failures"], ascending=[1, 0])
    return order[[c for c in FAILING_COLUMNS if c in order.columns]].reset_index(drop=True)


def health_metadata(target_dir: Path, table: str, summary: pd.DataFrame) -> dict[str, object]:
    """Counts, failing checks by severity, and the failing checks themselves, for the partition view."""
    failed = failing_checks(summary)
    severities = failed["severity"].astype(str) if "severity" in failed else pd.Series(dtype=str)
    shown = (
        dg.MetadataValue.md(markdown(failed, rows=FAILING_ROWS) + _more(len(failed)))
        if not failed.empty
        else dg.MetadataValue.md("none: every gate check passed")
    )
    return {
        **load_counts(target_dir, table),
        "failing_errors": int(severities.eq("ERROR").sum()),
        "failing_warnings": int(severities.eq("WARN").sum()),
        "failing_check_list": shown,
    }


def _more(count: int) -> str:
    hidden = count - FAILING_ROWS
    return f"\n\n{hidden} more in gates/summary/<table>.csv" if hidden > 0 else ""
