"""The evidence pack's view of the other reports under ``reports/``: reconciliation, waiting-list
parity, the trial comparison and the run-over-run deltas, read to their file contracts.

A report the run did not produce is said to be missing, plainly; a report that is there but not to
its contract fails naming the file and the columns it lacks. Only counts, masked keys and scrubbed
text leave these files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.masking import mask_values
from qvh_migration.reports.waiting_lists.waiting_list import PARITY_COLUMNS
from qvh_migration.scenarios.acceptance import RESULTS_FILE as SCENARIO_RESULTS_FILE
from qvh_migration.scenarios.acceptance import SUMMARY_FILE as SCENARIO_SUMMARY_FILE

NOT_PRODUCED = "not produced in this run"
RECONCILIATION_FILE = "reconciliation.csv"
PARITY_FILE = "waiting_list_parity.csv"
BANDS_FILE = "waiting_list_bands.csv"
WAITING_SUMMARY_FILE = "waiting_list_summary.json"
TRIAL_SUMMARY_FILE = "trial_summary.csv"
TRIAL_PATIENTS_FILE = "trial_patients.csv"
TRIAL_COMPARISON_FILES = ("trial_comparison.csv", "trial_comparison.xlsx")
DELTAS_FILE = "deltas.csv"
RUNS_INDEX = Path("runs") / "index.csv"
WAITING_LISTS = ("rtt_ptl", "outpatient_waiting_list", "inpatient_waiting_list")
WEEKS_BANDS = ("0-17", "18-25", "26-39", "40-51", "52-64", "65-77", "78-103", "104+", "not yet due", "unknown")
DELTA_STATUSES = ("new", "resolved", "persisting")
SAMPLE_ROWS = 25
# A run of eight or more digits in free text is taken for an identifier (NHS numbers have ten,
# internal patient numbers nine); counts in explanations stay far below that.
_LONG_NUMBER = re.compile(r"\d{8,}")


def read_csv(path: Path, required: tuple[str, ...] = ()) -> pd.DataFrame:
    """A report CSV as text ("" for empty), failing in one line when it is unreadable or incomplete."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise MigrationInputError(path, f"cannot read the CSV: {exc}") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise MigrationInputError(path, f"missing column(s) {', '.join(missing)}", where="header row")
    return frame


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (native ints and strings, None for missing)."""
    return json.loads(frame.to_json(orient="records"))


def scrub(values: pd.Series) -> pd.Series:
    """Free text with any long digit run masked, in case a message quoted an identifier."""
    return (
        values.fillna("")
        .astype(str)
        .str.replace(_LONG_NUMBER, lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], regex=True)
    )


def _numbers(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce").fillna(0).astype(int)
    return out


def _missing(path: Path) -> dict[str, Any]:
    return {"produced": False, "note": NOT_PRODUCED, "file": path.name}


def reconciliation_section(reports: Path) -> dict[str, Any]:
    path = reports / RECONCILIATION_FILE
    if not path.exists():
        return _missing(path)
    counts = ("source_rows", "loaded", "rejected", "filtered", "difference")
    frame = read_csv(path, ("entity", "target_table", "source_table", *counts, "explanation"))
    frame = _numbers(frame, counts)
    frame["explanation"] = scrub(frame["explanation"])
    differing = frame["difference"].ne(0)
    return {
        "produced": True,
        "rows": records(frame[["entity", "target_table", *counts, "explanation"]]),
        "tables_with_difference": int(differing.sum()),
        "unexplained_differences": int((differing & frame["explanation"].str.strip().eq("")).sum()),
        "total_difference": int(frame["difference"].abs().sum()),
    }


def waiting_lists_section(reports: Path) -> dict[str, Any]:
    """The parity summary per list, the differences by cause (with a masked sample) and the weeks bands."""
    parity_path, bands_path = reports / PARITY_FILE, reports / BANDS_FILE
    summary_path = reports / WAITING_SUMMARY_FILE
    if not (parity_path.exists() or bands_path.exists() or summary_path.exists()):
        return _missing(parity_path)
    section: dict[str, Any] = {"produced": True}
    if summary_path.exists():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise MigrationInputError(summary_path, f"not valid JSON: {exc.msg}", where=f"line {exc.lineno}") from None
        summary = summary if isinstance(summary, dict) else {}
        lists = summary.get("lists", summary)
        section["summary"] = [
            {"list": name, **{key: _flat(value) for key, value in values.items()}}
            for name, values in lists.items()
            if isinstance(values, dict)
        ]
        section["as_of"] = str(summary["as_of"]) if "as_of" in summary else None
        notes = summary.get("notes") if isinstance(summary.get("notes"), list) else []
        section["notes"] = scrub(pd.Series([str(n) for n in notes], dtype="string")).tolist()
        section.update(_parity_verdicts(summary))
    else:
        section["summary"] = _missing(summary_path)
    if parity_path.exists():
        parity = read_csv(
            parity_path, ("list", "patient_key", "pathway_key", "difference", "cause", "source_status", "target_status")
        )
        parity["cause"] = scrub(parity["cause"])
        by_cause = parity.groupby(["list", "difference", "cause"]).size().rename("rows").reset_index()
        sample = parity.head(SAMPLE_ROWS).copy()
        for column in ("patient_key", "pathway_key"):
            sample[column] = mask_values(sample[column])
        shown = [c for c in parity.columns if c in PARITY_COLUMNS]
        section["differences"] = {
            "produced": True,
            "total": len(parity),
            "by_cause": records(by_cause.sort_values(["list", "rows"], ascending=[True, False])),
            "sample": records(sample[shown]),
        }
    else:
        section["differences"] = _missing(parity_path)
    if bands_path.exists():
        bands = _numbers(read_csv(bands_path, ("list", "weeks_band", "source_count", "target_count")),
                         ("source_count", "target_count"))  # fmt: skip
        section["bands"] = {
            "produced": True,
            "lists": {
                name: [
                    {"weeks_band": band, **_band_counts(bands, name, band)}
                    for band in _band_order(bands.loc[bands["list"].eq(name), "weeks_band"])
                ]
                for name in _list_order(bands["list"])
            },
        }
    else:
        section["bands"] = _missing(bands_path)
    return section


def _parity_verdicts(summary: dict) -> dict[str, Any]:
    """The verdict under each release profile, the PTL validation on both sides and the predicted
    change of each list at go-live (empty lists when the summary predates them)."""
    verdicts = summary.get("verdicts") if isinstance(summary.get("verdicts"), dict) else {}
    changes = summary.get("predicted_change") if isinstance(summary.get("predicted_change"), dict) else {}
    validation = summary.get("validation") if isinstance(summary.get("validation"), list) else []
    return {
        "verdicts": [
            {
                "profile": name,
                "decision": "PASS" if v.get("passed") else "FAIL",
                "severity": v.get("severity", ""),
                "failing_differences": v.get("failing_differences", 0),
                "missing_in_target": v.get("missing_in_target", 0),
                "band_differences": v.get("band_differences", 0),
                "validation_increases": "; ".join(v.get("validation_increases") or []) or "none",
            }
            for name, v in verdicts.items()
            if isinstance(v, dict)
        ],
        "validation": [dict(row) for row in validation if isinstance(row, dict)],
        "predicted_change": [
            {"list": name, **{k: _flat(v) for k, v in values.items()}}
            for name, values in changes.items()
            if isinstance(values, dict)
        ],
    }


def _flat(value: Any) -> Any:
    """A nested count (``{"mapping": 49, "reject": 1}``) as one cell: ``mapping: 49; reject: 1``."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def _list_order(names: pd.Series) -> list[str]:
    present = list(dict.fromkeys(names))
    return [n for n in WAITING_LISTS if n in present] + [n for n in present if n not in WAITING_LISTS]


def _band_order(bands: pd.Series) -> list[str]:
    present = list(dict.fromkeys(bands))
    return [b for b in WEEKS_BANDS if b in present] + [b for b in present if b not in WEEKS_BANDS]


def _band_counts(bands: pd.DataFrame, name: str, band: str) -> dict[str, int]:
    rows = bands.loc[bands["list"].eq(name) & bands["weeks_band"].eq(band)]
    return {"source_count": int(rows["source_count"].sum()), "target_count": int(rows["target_count"].sum())}


def trial_section(reports: Path) -> dict[str, Any]:
    path = reports / TRIAL_SUMMARY_FILE
    if not path.exists():
        return _missing(path)
    counts = ("patients", "rows", "fields_compared", "values_compared", "mismatches")
    summary = _numbers(read_csv(path, ("target_table", *counts)), counts)
    patients_path = reports / TRIAL_PATIENTS_FILE
    patients = read_csv(patients_path, ("patient_key", "reasons")) if patients_path.exists() else None
    return {
        "produced": True,
        "rows": records(summary[["target_table", *counts]]),
        "mismatches": int(summary["mismatches"].sum()),
        "values_compared": int(summary["values_compared"].sum()),
        "trial_patients": len(patients) if patients is not None else NOT_PRODUCED,
        # Relative to the pack's own folder (reports/evidence/), so the links survive a copied folder.
        "links": {name: f"../{name}" for name in TRIAL_COMPARISON_FILES if (reports / name).exists()},
    }


def scenarios_section(reports: Path) -> dict[str, Any]:
    """The scenario book: scenarios passed, and each failing expectation with its guide page."""
    path = reports / SCENARIO_SUMMARY_FILE
    if not path.exists():
        return _missing(path)
    summary = read_csv(path, ("scenario", "title", "expectations", "failed", "passed"))
    passed = summary["passed"].astype(str).str.lower().eq("true")
    results_path = reports / SCENARIO_RESULTS_FILE
    failing = pd.DataFrame(columns=["scenario", "target_table", "where", "field", "expected", "loaded", "page"])
    if results_path.exists():
        results = read_csv(results_path, ("scenario", "target_table", "where", "field", "expected", "loaded", "page"))
        if "passed" in results.columns:
            failing = results.loc[~results["passed"].astype(str).str.lower().eq("true"), list(failing.columns)]
    return {
        "produced": True,
        "scenarios": len(summary),
        "passed": int(passed.sum()),
        "rows": records(summary.assign(passed=passed.map({True: "yes", False: "no"}))),
        "failing": records(failing),
        "links": {
            name: f"../{name}" for name in (SCENARIO_RESULTS_FILE, SCENARIO_SUMMARY_FILE) if (reports / name).exists()
        },
    }


def deltas_section(reports: Path) -> dict[str, Any]:
    path = reports / DELTAS_FILE
    if not path.exists():
        return _missing(path)
    deltas = read_csv(path, ("scope", "target_table", "check", "status"))
    per_table = (
        deltas.groupby(["target_table", "status"]).size().unstack(fill_value=0).reindex(columns=DELTA_STATUSES)
        if not deltas.empty
        else pd.DataFrame(columns=DELTA_STATUSES)
    )
    per_table = per_table.fillna(0).astype(int).reset_index().rename(columns={"index": "target_table"})
    per_scope = deltas.groupby(["scope", "status"]).size().rename("count").reset_index()
    section: dict[str, Any] = {
        "produced": True,
        "totals": {status: int(deltas["status"].eq(status).sum()) for status in DELTA_STATUSES},
        "by_table": records(per_table),
        "by_scope": records(per_scope),
    }
    index_path = reports / RUNS_INDEX
    if index_path.exists():
        runs = read_csv(index_path, ("run_id", "finished_at")).sort_values("finished_at", kind="stable")
        section["runs_kept"] = len(runs)
        section["compared_runs"] = records(runs[["run_id", "finished_at"]].tail(2))
    return section


def report_sections(reports: Path) -> dict[str, dict[str, Any]]:
    """The four report sections, keyed by their section ids."""
    return {
        "reconciliation": reconciliation_section(reports),
        "waiting-lists": waiting_lists_section(reports),
        "trial": trial_section(reports),
        "scenarios": scenarios_section(reports),
        "deltas": deltas_section(reports),
    }
