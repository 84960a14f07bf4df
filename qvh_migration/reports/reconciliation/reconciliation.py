"""Reconciliation: per entity and target table, the source rows against loaded, rejected and filtered.

The source count is taken from the extract file itself, not from the load summary, and the
rejected count from the rejects ledger (distinct source rows), so a row the load silently dropped,
or a reject missing from the ledger, shows as a difference instead of being conserved on paper.
``difference = source_rows - loaded - rejected - filtered``. A row whose counts disagree is never
explained away: its ``explanation`` stays empty, its ``status`` is ``unexplained`` and ``gap`` says
where the rows went missing. ``explanation`` is filled only for what is explained (a table not
migrated, with its reason).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.io.artifacts import write_csv
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.legacy.keys import TABLE_KEYS
from qvh_migration.reports import files as report_files

RECONCILIATION_FILE = "reconciliation.csv"
COLUMNS = (
    "entity",
    "target_table",
    "source_table",
    "source_rows",
    "loaded",
    "rejected",
    "filtered",
    "difference",
    "rejected_by_reason",
    "filtered_by_reason",
    "explanation",
    # Beyond the shared contract: the rows in the target table (one per pathway for a table loaded
    # at a coarser grain than its source rows), whether the row balances, and where it does not.
    "target_rows",
    "status",
    "gap",
)
BALANCED, NOT_MIGRATED, UNEXPLAINED = "balanced", "not_migrated", "unexplained"
# The entities the migration lead signs off, in the order they are read; other tables follow under
# their own names in load order.
ENTITIES: dict[str, str] = {
    "LOAD_PMI": "patients",
    "LOAD_REFERRALS": "referrals",
    "LOAD_RTT_PATHWAYS": "RTT pathways",
    "LOAD_RTT_PERIODS": "RTT periods",
    "LOAD_RTT_EVENTS": "RTT events",
    "LOAD_OPDWAITLIST": "outpatient waiting-list entries",
    "LOAD_OPD_APPOINTMENTS": "appointments",
    "LOAD_IWL": "inpatient waiting-list entries",
    "LOAD_IWL_TCIS": "TCIs",
    "LOAD_ADT_ADMISSIONS": "admissions",
    "LOAD_ADT_EPISODES": "episodes",
    "LOAD_ADT_WARDSTAYS": "ward stays",
    "LOAD_ADT_CODING": "coding",
    "LOAD_OPD_CODING": "outpatient coding",
    "LOAD_OPD_ARCHIVE": "archived appointments",
    "LOAD_ADT_ARCHIVE": "archived admissions",
}
# The other tables' entities, named for a reader who does not know the staging table names.
OTHER_ENTITIES: dict[str, str] = {
    "LOAD_STAFF": "staff",
    "LOAD_USERS": "users",
    "LOAD_SITES": "sites",
    "LOAD_PMIIDS": "patient identifiers (case notes, merged hospital numbers, old NHS numbers)",
    "LOAD_PMIALIASES": "patient aliases",
    "LOAD_PMIADDRS": "previous addresses",
    "LOAD_PMICONTACTS": "patient contacts (carers)",
    "LOAD_PMIALLERGIES": "allergies",
    "LOAD_PMISTAFFWARNINGS": "staff warnings",
    "LOAD_PMIGPAUDIT": "GP registration history",
    "LOAD_CASENOTELOCS": "case-note locations",
    "LOAD_PMICASENOTEHISTORY": "case-note movements",
    "LOAD_OPDWAITLISTDEF": "outpatient waiting-list deferrals",
    "LOAD_CMTY_APPOINTMENTS": "community contacts",
    "LOAD_IWL_PROFILES": "inpatient waiting-list profiles",
    "LOAD_IWL_DEFERRALS": "inpatient waiting-list suspensions",
    "LOAD_MH_DETENTION_MASTER": "mental health detentions",
    "LOAD_MH_DETENTION_TRANSFERS": "mental health detention transfers",
    "LOAD_MH_CPA_MASTER": "care programme approach episodes",
    "LOAD_MH_CPA_HISTORY": "care programme approach history",
    "LOAD_DETENTION_ARCHIVE": "archived detentions",
    "LOAD_CPA_ARCHIVE": "archived care programme approach",
}
_REASON_COUNT = re.compile(r"(.+?): (\d+)(?:; |$)")


def entity_name(table: str) -> str:
    """The entity a table holds: its sign-off name, else the table's own name in words."""
    return ENTITIES.get(table) or OTHER_ENTITIES.get(table) or table.removeprefix("LOAD_").lower().replace("_", " ")


def parse_reason_counts(text: str) -> dict[str, int]:
    """``reason: n; reason: n`` (a reason may itself hold ``: ``) -> {reason: n}."""
    return {reason: int(n) for reason, n in _REASON_COUNT.findall(text or "")}


def format_reason_counts(counts: dict[str, int] | pd.Series) -> str:
    items = counts.items() if isinstance(counts, dict) else zip(counts.index, counts.to_numpy(), strict=True)
    return "; ".join(f"{reason}: {int(n)}" for reason, n in items if int(n))


def reject_counts(rejects: pd.DataFrame) -> tuple[pd.Series, dict[str, pd.Series]]:
    """Per table, distinct rejected source rows; and per table, distinct source rows per reason.

    A row rejected for two reasons counts once in the table's total and under both reasons.
    """
    if rejects.empty or "source_key" not in rejects.columns:
        return pd.Series(dtype="int64"), {}
    rows = rejects[["target_table", "source_key", "reason_code"]].drop_duplicates()
    totals = rows.drop_duplicates(["target_table", "source_key"]).groupby("target_table").size()
    by_reason = {
        str(table): part.groupby("reason_code").size().sort_values(ascending=False, kind="stable")
        for table, part in rows.groupby("target_table")
    }
    return totals, by_reason


def reconcile_table(
    table: str,
    summary: pd.Series | None,
    extract_rows: int | None,
    ledger_rejected: int,
    rejected_by_reason: pd.Series | None,
    target_rows: int | None,
    one_per_source_row: bool = False,
) -> dict[str, object]:
    """One reconciliation row: counts, the difference and what explains it.

    ``one_per_source_row``: the table loads one target row per source row (its grain is the source
    table's key), so its row count must equal the loaded source rows; two source rows under one key
    loaded as one target row would otherwise pass unseen.
    """
    row: dict[str, object] = {"entity": entity_name(table), "target_table": table}
    if summary is None:
        return {
            **row,
            "source_table": "",
            **dict.fromkeys(("source_rows", "loaded", "rejected", "filtered", "difference"), 0),
            "rejected_by_reason": "",
            "filtered_by_reason": "",
            "explanation": "",
            "target_rows": 0,
            "status": UNEXPLAINED,
            "gap": "the table's partition has not been loaded: no load summary row",
        }
    source_table = str(summary["source_table"] or "")
    note = str(summary.get("note", "") or "")
    if not source_table or extract_rows is None:
        why = note or (f"source table {source_table} not in the extracts" if source_table else "no source table")
        return {
            **row,
            "source_table": source_table,
            **dict.fromkeys(("source_rows", "loaded", "rejected", "filtered", "difference"), 0),
            "rejected_by_reason": "",
            "filtered_by_reason": "",
            "explanation": f"not migrated: {why}",
            "target_rows": int(target_rows or 0),
            "status": NOT_MIGRATED,
            "gap": "",
        }
    loaded, filtered = int(summary["loaded_rows"]), int(summary["filtered_rows"])
    difference = extract_rows - loaded - ledger_rejected - filtered
    filter_reasons = parse_reason_counts(str(summary["filter_reasons"]))
    problems = _difference_sources(summary, extract_rows, ledger_rejected, filter_reasons)
    if one_per_source_row and target_rows is not None and target_rows != loaded:
        problems.append(f"{loaded} source rows loaded but the target table holds {target_rows} rows")
    if difference != 0 and not problems:
        problems = [f"{difference} source rows neither loaded, rejected nor filtered"]
    return {
        **row,
        "source_table": source_table,
        "source_rows": extract_rows,
        "loaded": loaded,
        "rejected": ledger_rejected,
        "filtered": filtered,
        "difference": difference,
        "rejected_by_reason": format_reason_counts(rejected_by_reason) if rejected_by_reason is not None else "",
        "filtered_by_reason": format_reason_counts(filter_reasons),
        "explanation": "",
        "target_rows": int(target_rows or 0),
        "status": UNEXPLAINED if difference != 0 or problems else BALANCED,
        "gap": "; ".join(problems),
    }


def _difference_sources(
    summary: pd.Series, extract_rows: int, ledger_rejected: int, filter_reasons: dict[str, int]
) -> list[str]:
    """Where the independent counts disagree with the load's own (each one a gap to investigate)."""
    problems = []
    read = int(summary["source_rows"])
    if read != extract_rows:
        problems.append(f"the load read {read} {summary['source_table']} rows, the extract holds {extract_rows}")
    if ledger_rejected != int(summary["rejected_rows"]):
        recorded = int(summary["rejected_rows"])
        problems.append(f"the rejects ledger lists {ledger_rejected} rejected rows, the load summary {recorded}")
    accounted = int(summary["loaded_rows"]) + int(summary["rejected_rows"]) + int(summary["filtered_rows"])
    if accounted != read:
        problems.append(f"{read - accounted} rows of the load are neither loaded, rejected nor filtered")
    if sum(filter_reasons.values()) != int(summary["filtered_rows"]):
        problems.append("the filter reasons do not add up to the filtered rows")
    return problems


def build_reconciliation(
    tables: list[str],
    load_summary: pd.DataFrame,
    rejects: pd.DataFrame,
    extract_rows: dict[str, int | None],
    target_rows: dict[str, int | None],
    one_per_source_row: set[str] | None = None,
) -> pd.DataFrame:
    """The reconciliation of every target table (``tables`` in load order), sign-off entities first.

    A table loaded from a union of source tables has one load summary row per source table and
    reconciles each on its own row, against that extract and that source table's rejects. The
    table's rows are shared out by the parts' loaded counts (the table's rows less the other parts'
    loaded rows), so a table one row short shows on every part's row.
    """
    by_table: dict[str, list[pd.Series]] = {}
    for _, r in load_summary.iterrows():
        by_table.setdefault(str(r["target_table"]), []).append(r)
    totals, by_reason = reject_counts(rejects)
    part_totals, part_reasons = _reject_counts_by_source(rejects)
    rows = []
    for table in tables:
        summaries = by_table.get(table) or [None]
        one_each = table in (one_per_source_row or set())
        if len(summaries) == 1:
            summary = summaries[0]
            source = str(summary["source_table"] or "") if summary is not None else ""
            rejected, reasons = int(totals.get(table, 0)), by_reason.get(table)
            rows.append(
                reconcile_table(
                    table, summary, extract_rows.get(source), rejected, reasons, target_rows.get(table), one_each
                )
            )
            continue
        loaded = [int(s["loaded_rows"]) for s in summaries]
        for i, summary in enumerate(summaries):
            source = str(summary["source_table"] or "")
            total = target_rows.get(table)
            share = None if total is None else total - (sum(loaded) - loaded[i])
            rejected, reasons = int(part_totals.get((table, source), 0)), part_reasons.get((table, source))
            rows.append(reconcile_table(table, summary, extract_rows.get(source), rejected, reasons, share, one_each))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    order = {t: i for i, t in enumerate(ENTITIES)}
    frame["_order"] = frame["target_table"].map(lambda t: order.get(t, len(order)))
    return frame.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def _reject_counts_by_source(
    rejects: pd.DataFrame,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], pd.Series]]:
    """``reject_counts`` per (target table, source table), for tables loaded from several."""
    if rejects.empty or "source_table" not in rejects.columns:
        return {}, {}
    totals: dict[tuple[str, str], int] = {}
    reasons: dict[tuple[str, str], pd.Series] = {}
    for (table, source), part in rejects.groupby(["target_table", "source_table"]):
        key = (str(table), str(source))
        part_totals, part_reasons = reject_counts(part)
        totals[key] = int(part_totals.get(str(table), 0))
        reasons[key] = part_reasons.get(str(table), pd.Series(dtype="int64"))
    return totals, reasons


def one_row_per_source_row(row_sources_file: Path) -> set[str]:
    """Tables whose grain is their source table's own key (``row_sources.yaml``)."""
    sources = load_row_sources(row_sources_file)
    return {
        table
        for table in sources.tables
        if sources.parts(table)
        and all(tuple(p.grain) == TABLE_KEYS.get(str(p.source_table)) for p in sources.parts(table))
    }


def reconcile_run(folders: RunFolders, tables: list[str], row_sources_file: Path) -> pd.DataFrame:
    """Read the run's files and build its reconciliation."""
    summary = report_files.read_load_summary(folders.target)
    rejects = report_files.read_table_files(folders.target, "rejects")
    sources = {str(s) for s in summary["source_table"] if str(s)}
    extract_rows = {s: report_files.extract_row_count(folders.extracts, s) for s in sources}
    target_rows = {t: report_files.target_row_count(folders.target, t) for t in tables}
    grains = one_row_per_source_row(row_sources_file)
    return build_reconciliation(tables, summary, rejects, extract_rows, target_rows, grains)


def write_reconciliation(frame: pd.DataFrame, reports: Path) -> Path:
    return write_csv(frame, reports / RECONCILIATION_FILE)


def differences_explained(frame: pd.DataFrame) -> CheckOutcome:
    """Passes when every table balances or is not migrated with its reason."""
    unexplained = frame.loc[frame["status"] == UNEXPLAINED]
    return CheckOutcome(
        passed=unexplained.empty,
        metadata={
            "tables": len(frame),
            "balanced": int((frame["status"] == BALANCED).sum()),
            "not_migrated": int((frame["status"] == NOT_MIGRATED).sum()),
            "unexplained": len(unexplained),
            "unexplained_tables": ", ".join(unexplained["target_table"]) or "none",
        },
    )
