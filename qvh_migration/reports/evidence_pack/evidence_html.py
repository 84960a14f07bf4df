"""Render the evidence pack's facts (``evidence.gather``) as one self-contained HTML page.

Inline CSS and inline SVG only: no script, font, image or stylesheet is fetched, so the page opens
on a hospital network without internet, from a file share or an e-mail attachment. Every value is
escaped; the page states nothing the dict does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from qvh_migration.etl.generations import require_one_generation
from qvh_migration.io.artifacts import atomic_directory
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.reports.evidence_pack import (
    erd,
    evidence_chain,
    evidence_contract_changes,
    evidence_trials,
    svg_charts,
)
from qvh_migration.reports.evidence_pack.evidence import (
    EVIDENCE_DIR,
    EVIDENCE_FILE,
    INDEX_FILE,
    SECTIONS,
    erd_tables,
    gather,
)
from qvh_migration.settings import ProjectPaths

TITLES = {
    "inputs": "Inputs: documents and extracts",
    "version": "Code and mapping contract",
    "release": "Release decision",
    "decisions": "Decisions the trust or vendor must take",
    "contract-changes": evidence_contract_changes.TITLE,
    "tables": "Target tables",
    "rejects": "Rejects by reason",
    "findings": "Gate findings by check",
    "reconciliation": "Reconciliation",
    "waiting-lists": "Waiting-list parity",
    "trial": "Trial comparison (the execution matches the contract)",
    "scenarios": "Scenario book (the guide's expected rows)",
    "deltas": "Changes since the previous run",
    "erd": "Entity-relationship diagram of the staging tables",
    **evidence_trials.TITLES,
}
# On paper (A4) nothing may be cut: tables take the page's width and wrap their cells, the diagram
# and charts scale down to it, and nothing scrolls.
PRINT_CSS = """@page{size:A4;margin:12mm}
@media print{body{background:#fff}nav{display:none}main{padding:0}section{overflow:visible;border:0;padding:4px 0}
table{width:100%;table-layout:fixed;word-wrap:break-word;overflow-wrap:anywhere}th,td{word-break:break-word}
code{word-break:break-all}thead{display:table-header-group}tr{break-inside:avoid}
.erd-wrap{overflow:visible;max-height:none}figure{display:block;margin:4px 0}svg{max-width:100%;height:auto}}
"""
CSS = """
body{font-family:system-ui,sans-serif;margin:0;color:#1b1b1b;background:#f6f7f9}
header{background:#003a70;color:#fff;padding:16px 24px}header h1{margin:0 0 4px;font-size:22px}
nav{padding:8px 24px;background:#e8edf3;font-size:13px}nav a{margin-right:12px;color:#003a70}
main{padding:8px 24px 32px}section{background:#fff;border:1px solid #d8dde3;border-radius:6px;
margin:14px 0;padding:12px 16px;overflow-x:auto}h2{font-size:18px;margin:4px 0 10px}h3{font-size:15px}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #d8dde3;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.notice{background:#fff4ce;border:1px solid #e0c25a;padding:8px 12px;border-radius:4px;margin:10px 0}
.not-produced{color:#8a4b00;font-style:italic}.PASS,.loaded{color:#0a6b2d;font-weight:600}
.FAIL,.blocked,.no-rows-extract-missing{color:#b00020;font-weight:600}.loaded-with-failures{color:#8a4b00;font-weight:600}.badge{display:inline-block;
padding:2px 10px;border-radius:10px;background:#fff;color:#1b1b1b;font-weight:700}code{font-size:11px}
.erd-wrap{overflow:auto;max-height:1100px}figure{display:inline-block;margin:4px 24px 4px 0}
"""
Renderer = Callable[[dict[str, Any]], str]
STATUS_CLASSES = ("PASS", "FAIL", "loaded", "loaded with failures", "blocked", "no rows: extract missing")


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int | float):
        return f'<td class="num">{value:,}</td>'
    text = "" if value is None else str(value)
    css = text.replace(" ", "-").replace(":", "") if text in STATUS_CLASSES else ""
    return f'<td class="{escape(css)}">{escape(text)}</td>' if css else f"<td>{escape(text)}</td>"


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    if not rows:
        return "<p>none</p>"
    columns = list(columns or rows[0].keys())
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(row.get(c)) for c in columns) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _facts(pairs: Sequence[tuple[str, Any]]) -> str:
    return table([{"fact": k, "value": v} for k, v in pairs])


def _not_produced(part: dict[str, Any]) -> str:
    return f'<p class="not-produced">Not produced in this run ({escape(str(part.get("file", "")))}).</p>'


def _inputs(section: dict[str, Any]) -> str:
    out = [f"<p>Requirement documents: <strong>{escape(str(section['documents_kind']))}</strong>.</p>"]
    out.append(table(section["documents"], ["role", "file", "bytes", "sha256"]))
    extracts = section["extracts"]
    if not extracts.get("produced"):
        return "".join([*out, "<h3>Extracts</h3>", _not_produced(extracts)])
    matches = "all match" if extracts["all_match_manifest"] else "DO NOT all match"
    out.append(
        f"<h3>Extracts</h3><p>{len(extracts['files'])} files, {extracts['total_rows']:,} rows; hashes {matches} "
        f"the manifest (manifest SHA-256 <code>{escape(extracts['manifest_sha256'])}</code>).</p>"
    )
    out.append(
        f"<details><summary>The {len(extracts['files'])} extract files</summary>"
        + table(extracts["files"], ["file", "rows", "bytes", "sha256", "matches_manifest"])
        + "</details>"
    )
    return "".join(out)


def _version(section: dict[str, Any]) -> str:
    contract = section["mapping_contract"]
    pairs = [
        ("package", section["package"]),
        ("package version", section["package_version"] or "unknown"),
        ("git commit", section["commit"] or "not a git checkout"),
        ("uncommitted changes", section["uncommitted_changes"]),
    ]
    if contract.get("produced", True):
        pairs += [("mapping contract", contract["file"]), ("mapping contract SHA-256", contract["sha256"])]
    else:
        pairs.append(("mapping contract", "not produced in this run"))
    return _facts(pairs)


def _release(section: dict[str, Any]) -> str:
    decision = escape(str(section["decision"]))
    side = section.get("by_profile") or []
    return (
        f"<p>Headline profile <strong>{escape(str(section['profile']))}</strong>: decision "
        f'<strong class="{decision}">{decision}</strong>.</p>'
        + (
            "<p>The same run under every release profile:</p>"
            + table(side, ["profile", "decision", "failed_criteria", "failed_invariants", "blocked_tables"])
            if side
            else ""
        )
        + f"<p>Criteria under {escape(str(section['profile']))}:</p>"
        + table(section["criteria"], ["criterion", "figure", "threshold", "result"])
    )


def _decisions(section: dict[str, Any]) -> str:
    intro = (
        f"<p><strong>{section['open']}</strong> open, {section['decided']} decided "
        f"(<code>{escape(str(section['file']))}</code>). The cutover_ready profile fails while any is open; "
        "until then the load applies each default.</p>"
    )
    return intro + table(section["open_decisions"], ["id", "question", "options", "default", "evidence"])


def _tables(section: dict[str, Any]) -> str:
    totals = section["totals"]
    intro = "".join(f"{escape(k.replace('_', ' '))}: <strong>{v:,}</strong>; " for k, v in totals.items())
    note = "" if section["gate_summary"] == "produced" else '<p class="not-produced">Gate summary not produced.</p>'
    return f"<p>{intro}</p>{note}" + table(section["rows"])


def _rejects(section: dict[str, Any]) -> str:
    chart = svg_charts.horizontal_bar_chart(
        [(r["reason_code"], r["rejected_rows"]) for r in section["by_reason"]],
        "Rejected rows by reason",
        empty_message="no rejected rows",
    )
    return (
        f"<p>{section['total']:,} reject records (one per reason a source row was rejected for).</p>{chart}"
        "<details><summary>By table and reason</summary>"
        + table(section["by_table"], ["target_table", "reason_code", "rejected_rows"])
        + "</details>"
    )


def _findings(section: dict[str, Any]) -> str:
    chart = svg_charts.horizontal_bar_chart(
        [(r["check"], r["findings"]) for r in section["by_check"]],
        "Gate findings by check",
        colour=svg_charts.PALETTE[5],
        empty_message="no findings",
    )
    more = section["failing_checks_not_listed"]
    return (
        f"<p>{section['checks']:,} checks, {section['checks_failed']:,} failed, {section['findings']:,} findings.</p>"
        f"{chart}<h3>Failing checks</h3>"
        + table(section["failing_checks"])
        + (f"<p>and {more:,} more failing checks (gates/gate_summary.csv).</p>" if more else "")
    )


def _reconciliation(section: dict[str, Any]) -> str:
    return (
        f"<p>Rows with a difference: {section['tables_with_difference']} (total {section['total_difference']:,}); "
        f"unexplained: <strong>{section['unexplained_differences']}</strong>.</p>" + table(section["rows"])
    )


def _waiting_lists(section: dict[str, Any]) -> str:
    out = ["<h3>Summary</h3>"]
    summary = section["summary"]
    if section.get("as_of"):
        out.append(f"<p>Waiting times as of {escape(section['as_of'])}.</p>")
    out.append(table(summary) if isinstance(summary, list) else _not_produced(summary))
    out.extend(f"<p>{escape(note)}</p>" for note in section.get("notes") or [])
    if section.get("verdicts"):
        out.append("<h3>Verdict under each release profile</h3>" + table(section["verdicts"]))
    if section.get("validation"):
        out.append("<h3>PTL technical validation: source and target</h3>" + table(section["validation"]))
    if section.get("predicted_change"):
        out.append("<h3>Predicted change at go-live</h3>" + table(section["predicted_change"]))
    bands = section["bands"]
    out.append("<h3>Weeks waited: source and target</h3>")
    if not bands.get("produced"):
        out.append(_not_produced(bands))
    for name, rows in bands.get("lists", {}).items():
        chart = svg_charts.grouped_bar_chart(
            [r["weeks_band"] for r in rows],
            {"source": [r["source_count"] for r in rows], "target": [r["target_count"] for r in rows]},
            f"{name}: patients by weeks waited",
        )
        out.append(f'<figure data-list="{escape(name)}"><figcaption>{escape(name)}</figcaption>{chart}</figure>')
    differences = section["differences"]
    out.append("<h3>Differences by cause</h3>")
    if not differences.get("produced"):
        return "".join([*out, _not_produced(differences)])
    out.append(f"<p>{differences['total']:,} differences.</p>" + table(differences["by_cause"]))
    out.append(f"<h3>First {len(differences['sample'])} differences (keys masked)</h3>" + table(differences["sample"]))
    return "".join(out)


def _trial(section: dict[str, Any]) -> str:
    links = " ".join(f'<a href="{escape(href)}">{escape(name)}</a>' for name, href in section["links"].items())
    return (
        f"<p>{section['trial_patients']} trial patients; {section['values_compared']:,} values compared, "
        f"<strong>{section['mismatches']:,}</strong> mismatches. Detail: {links or 'no comparison file'}.</p>"
        + table(section["rows"])
    )


def _scenarios(section: dict[str, Any]) -> str:
    links = " ".join(f'<a href="{escape(href)}">{escape(name)}</a>' for name, href in section["links"].items())
    failing = section["failing"]
    return (
        f"<p>Hand-written scenarios whose expected rows come from the guide's pages, run through the ETL with "
        f"this run's rules: <strong>{section['passed']} of {section['scenarios']}</strong> pass. Detail: "
        f"{links or 'no file'}.</p>"
        + table(section["rows"])
        + (
            f"<h3>{len(failing)} failing expectations (expected, loaded, guide page)</h3>" + table(failing)
            if failing
            else ""
        )
    )


def _deltas(section: dict[str, Any]) -> str:
    totals = ", ".join(f"{k}: <strong>{v:,}</strong>" for k, v in section["totals"].items())
    runs = section.get("compared_runs")
    compared = f"<p>Runs compared: {escape(' → '.join(r['run_id'] for r in runs))}.</p>" if runs else ""
    return (
        f"<p>{totals}.</p>{compared}<h3>Per table</h3>"
        + table(section["by_table"])
        + "<h3>Per scope</h3>"
        + table(section["by_scope"])
    )


def _erd(section: dict[str, Any], svg: str) -> str:
    return (
        f"<p>{section['tables']} tables from {escape(section['source'])}; {len(section['links'])} parent links, "
        f"drawn child → parent; columns by depth in load order. PK: RECORD_NUMBER; FK: parent keys.</p>"
        f'<div class="erd-wrap">{svg}</div>'
    )


RENDERERS: dict[str, Renderer] = {
    "inputs": _inputs,
    "version": _version,
    "release": _release,
    "decisions": _decisions,
    "contract-changes": evidence_contract_changes.render_contract_changes,
    "tables": _tables,
    "rejects": _rejects,
    "findings": _findings,
    "reconciliation": _reconciliation,
    "waiting-lists": _waiting_lists,
    "trial": _trial,
    "scenarios": _scenarios,
    "deltas": _deltas,
    **evidence_trials.RENDERERS,
}


def render(evidence: dict[str, Any], erd_svg: str) -> str:
    """The whole page; ``erd_svg`` is the diagram drawn from the same catalog the dict describes."""
    sections = evidence["sections"]
    decision = sections["release"].get("decision") or "no decision"
    headline = sections["release"].get("profile") or ""
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(evidence['title'])}</title><style>{CSS}{PRINT_CSS}</style></head><body>",
        f"<header><h1>{escape(evidence['title'])}</h1>",
        f"<div>Run <code>{escape(str(evidence['run_id'] or 'not recorded'))}</code>, generated "
        f"{escape(evidence['generated_at'])}. Release decision ({escape(str(headline))}): "
        f'<span class="badge {escape(decision)}">{escape(decision)}</span></div></header>',
        "<nav>" + "".join(f'<a href="#{s}">{escape(TITLES[s])}</a>' for s in SECTIONS) + "</nav>",
        f'<main><p id="masking-notice" class="notice"><strong>Identifiers are masked.</strong> '
        f"{escape(evidence['masking_notice'])}</p>",
    ]
    for section_id in SECTIONS:
        section = sections[section_id]
        if section_id == "erd":
            body = _erd(section, erd_svg)
        elif not section.get("produced"):
            body = _not_produced(section)
        else:
            body = RENDERERS[section_id](section)
        parts.append(f'<section id="{section_id}"><h2>{escape(TITLES[section_id])}</h2>{body}</section>')
    parts.append("</main></body></html>\n")
    return "".join(parts)


def write_pack(
    paths: ProjectPaths, *, run_id: str | None = None, generated_at: datetime | None = None
) -> tuple[Path, dict[str, Any]]:
    """Gather, render and write ``reports/evidence/`` as one folder swap; returns the page and the facts."""
    folders = RunFolders.of(paths)
    require_one_generation(folders.extracts, folders.target, "evidence pack")
    evidence = gather(paths, run_id=run_id, generated_at=generated_at)
    tables, fields, _ = erd_tables(folders)
    page = render(evidence, erd.render_svg(erd.layout(tables, fields)))
    target = folders.reports / EVIDENCE_DIR
    with atomic_directory(target) as staging:
        (staging / INDEX_FILE).write_text(page, encoding="utf-8")
        (staging / EVIDENCE_FILE).write_text(json.dumps(evidence, indent=2) + "\n", encoding="utf-8")
        evidence_chain.write_manifest(
            staging, target, paths.data_dir, run_id=run_id, generated_at=evidence["generated_at"]
        )
    return target / INDEX_FILE, evidence
