"""Two evidence pack sections: the cleansing worklists' burndown (open items per area over the runs)
and the register of trial loads (key figures per trial, run time against the cutover window).

The worklists name patients: the pack reads only their per-run counts, and neither names nor links
their folder or files. The register holds counts only.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from qvh_migration.reports.evidence_pack import svg_charts
from qvh_migration.reports.evidence_pack.evidence_reports import NOT_PRODUCED, records
from qvh_migration.reports.trial_comparison import trial_register as tr
from qvh_migration.reports.worklists import worklist_run
from qvh_migration.reports.worklists import worklists as wl

TITLES = {
    "worklists": "Cleansing worklists (counts only)",
    "trials": "Trial loads and the cutover window",
}
TRIAL_COLUMNS = [
    "trial",
    "recorded_at",
    "patients",
    "wall_seconds",
    "estimated_cutover_hours",
    "window_hours",
    "fits_window",
    "loaded_rows",
    "rejected_rows",
    "findings",
    "failing_invariants",
    "failing_scenarios",
    "waiting_list_differences",
    "trial_comparison_patients",
    "trial_comparison_mismatches",
    "open_worklist_items",
    "open_decisions",
]


def worklists_section(data_dir: Path) -> dict[str, Any]:
    """Open items per area for each run counted, and the latest run's items by status."""
    runs = worklist_run.read_runs(worklist_run.folder_of(data_dir))
    if runs.empty:
        return {"produced": False, "note": NOT_PRODUCED, "file": "cleansing worklists"}
    order = list(dict.fromkeys(runs["run_id"]))
    labels = dict(zip(runs["run_id"], runs["label"], strict=False))
    wide = runs.pivot_table(index="run_id", columns="area", values="open", aggfunc="sum").reindex(order).fillna(0)
    latest = runs.loc[runs["run_id"].eq(order[-1])]
    statuses = ["open", *wl.status_counts(wl.empty_history())]
    return {
        "produced": True,
        "runs": [str(labels[r]) for r in order],
        "open_by_area": {str(a): [int(v) for v in wide[a]] for a in wide.columns},
        "latest": records(latest[["area", *statuses]].astype({s: int for s in statuses})),
        "open_now": int(latest["open"].sum()),
    }


def trials_section(reports: Path) -> dict[str, Any]:
    register = tr.read_register(reports)
    if register.empty:
        return {"produced": False, "note": NOT_PRODUCED, "file": "trial register"}
    rows = register[TRIAL_COLUMNS].replace({pd.NA: None})
    return {
        "produced": True,
        "trials": len(register),
        "estimate_note": tr.ESTIMATE_NOTE,
        "window_hours": float(register["window_hours"].iloc[-1]),
        "rows": records(rows),
    }


def sections(reports: Path) -> dict[str, dict[str, Any]]:
    return {"worklists": worklists_section(reports.parent), "trials": trials_section(reports)}


def render_worklists(section: dict[str, Any]) -> str:
    from qvh_migration.reports.evidence_pack.evidence_html import table

    chart = svg_charts.grouped_bar_chart(section["runs"], section["open_by_area"], "Open worklist items per area")
    return (
        f"<p>{section['open_now']:,} legacy records to fix before cutover in the latest run, over "
        f"{len(section['runs'])} run(s). The worklists name patients and are kept apart from this pack, "
        "for the trust's teams only.</p>"
        f"{chart}<h3>Latest run by area and status</h3>" + table(section["latest"])
    )


def render_trials(section: dict[str, Any]) -> str:
    from qvh_migration.reports.evidence_pack.evidence_html import table

    rows = section["rows"]
    names = [str(r["trial"]) for r in rows]
    time_chart = svg_charts.grouped_bar_chart(
        names,
        {
            "estimated hours": [float(r["estimated_cutover_hours"]) for r in rows],
            "window hours": [float(r["window_hours"]) for r in rows],
        },
        "Estimated cutover run time against the window",
    )
    trend = svg_charts.grouped_bar_chart(
        names,
        {
            "rejected rows": [int(r["rejected_rows"]) for r in rows],
            "findings": [int(r["findings"]) for r in rows],
            "open worklist items": [int(r["open_worklist_items"]) for r in rows],
        },
        "Rejects, findings and open worklist items per trial",
    )
    return (
        f"<p>{section['trials']} trial load(s). Run time against a {section['window_hours']:g}-hour window "
        f"({escape(section['estimate_note'])}).</p>{time_chart}{trend}" + table(rows, TRIAL_COLUMNS)
    )


RENDERERS = {"worklists": render_worklists, "trials": render_trials}
