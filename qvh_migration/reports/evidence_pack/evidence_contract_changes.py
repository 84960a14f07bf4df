"""The evidence pack's contract change log: what changed since the contract was last signed.

Read from the ``contract_changes`` asset's files (``mapping/contract_changes.csv`` and its summary),
so the pack states what the run wrote; rendered here, registered in ``evidence.py`` and
``evidence_html.py`` under the id ``contract-changes``.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from qvh_migration.errors import MigrationInputError
from qvh_migration.mapping.contract_changes import CHANGE_COLUMNS, CHANGES_CSV, CHANGES_JSON
from qvh_migration.reports.evidence_pack.evidence_reports import NOT_PRODUCED, read_csv, records, scrub

SECTION_ID = "contract-changes"
TITLE = "Contract changes since the last sign-off"
LISTED = 300  # rows in the pack; the CSV has them all


def contract_changes_section(mapping: Path) -> dict[str, Any]:
    """The basis line, the counts and the changed fields and crosswalk entries (the first ``LISTED``)."""
    summary_path, csv_path = mapping / CHANGES_JSON, mapping / CHANGES_CSV
    if not summary_path.exists() or not csv_path.exists():
        return {"produced": False, "note": NOT_PRODUCED, "file": CHANGES_CSV}
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MigrationInputError(summary_path, f"not valid JSON: {exc.msg}", where=f"line {exc.lineno}") from None
    changes = read_csv(csv_path, CHANGE_COLUMNS)
    for column in ("rationale_before", "rationale_now"):
        changes[column] = scrub(changes[column])
    return {
        "produced": True,
        "file": f"mapping/{CHANGES_CSV}",
        "basis": str(summary.get("basis", "")),
        "signoff": summary.get("signoff"),
        "compared": bool(summary.get("compared")),
        "fields_changed": int(summary.get("fields_changed", 0)),
        "crosswalk_entries_changed": int(summary.get("crosswalk_entries_changed", 0)),
        "rows": records(changes.head(LISTED)),
        "not_listed": max(0, len(changes) - LISTED),
    }


def render_contract_changes(section: dict[str, Any]) -> str:
    from qvh_migration.reports.evidence_pack.evidence_html import (
        table,  # the page's table helper; imported late (no cycle)
    )

    text = section["basis"]
    basis = f"<p>{escape(text[:1].upper() + text[1:])}.</p>"
    if not section["rows"]:
        return basis + ("<p>No field or crosswalk entry changed.</p>" if section["compared"] else "")
    more = section["not_listed"]
    return (
        basis + f"<p><strong>{section['fields_changed']:,}</strong> fields and "
        f"<strong>{section['crosswalk_entries_changed']:,}</strong> crosswalk entries changed "
        f"(<code>{escape(section['file'])}</code>).</p>"
        + table(section["rows"], list(CHANGE_COLUMNS))
        + (f"<p>and {more:,} more rows in {escape(section['file'])}.</p>" if more else "")
    )
