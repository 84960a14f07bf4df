"""Cleansing worklists: the rejects, gate findings, business invariants and PTL validation checks of a
run turned into one row per legacy record to fix in the legacy PAS before cutover, per owning team.

Small pure functions over DataFrames; reading and writing the run's files is ``worklist_run.py``.
An item is known across runs by its legacy key (source table and key), its problem and its field:
``new`` the first run it appears, ``persisting`` while it stays (with the runs it has been open),
``resolved`` the first run it is gone, ``reopened`` when it comes back after that.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qvh_migration.etl.executor import REJECT_COLUMNS as LEDGER_COLUMNS
from qvh_migration.reports.worklists.worklist_areas import Areas, Entry

NEW, PERSISTING, RESOLVED, REOPENED = "new", "persisting", "resolved", "reopened"
OPEN_STATUSES = (NEW, PERSISTING, REOPENED)
KEY_COLUMNS = ("source_table", "source_key", "problem", "field")
ITEM_COLUMNS = (
    "area",
    "source_table",
    "source_key",
    "problem",
    "problem_text",
    "target_table",
    "field",
    "current_value",
    "instruction",
    "guide_or_rule",
)
HISTORY_COLUMNS = (
    "item_key",
    "area",
    *KEY_COLUMNS,
    "status",
    "runs_open",
    "first_found",
    "last_seen",
    "resolved_in",
)
# The columns of a worklist file, in the order a person reads them.
WORKLIST_COLUMNS = (
    "source_table",
    "source_key",
    "problem_text",
    "field",
    "current_value",
    "instruction",
    "guide_or_rule",
    "first_found",
    "status",
    "runs_open",
    "target_table",
    "problem",
)
# The columns read from the rejects ledger and the findings files (a missing one reads as empty).
REJECT_COLUMNS = tuple(c for c in LEDGER_COLUMNS if c != "run_id")  # the rejects ledger's, less the run
FINDING_COLUMNS = ("check", "target_table", "source_table", "source_key", "field", "value_masked")
# Validation counts that size a list rather than flag records to fix.
SIZE_CHECKS = ("ptl_size", "admitted", "non_admitted", "list_size")


@dataclass(frozen=True)
class Invariant:
    """What the business invariants say of themselves (their YAML): used when the areas file has no entry."""

    description: str
    citation: str


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").astype(str)


def _area(areas: Areas, entry: Entry | None, table: str) -> str:
    return (entry.area if entry is not None and entry.area else "") or areas.table_area.get(table, "registration")


def reject_items(rejects: pd.DataFrame, areas: Areas) -> pd.DataFrame:
    """One item per rejected source row, reason and field."""
    if rejects.empty:
        return empty_items()
    frame = rejects.reindex(columns=REJECT_COLUMNS, fill_value="")
    frame = frame.assign(**{c: _text(frame[c]) for c in REJECT_COLUMNS})
    entries = frame["reason_code"].map(areas.reason)
    return pd.DataFrame(
        {
            "area": [_area(areas, e, t) for e, t in zip(entries, frame["target_table"], strict=True)],
            "source_table": frame["source_table"],
            "source_key": frame["source_key"],
            "problem": "reject:" + frame["reason_code"],
            "problem_text": [
                f"{e.problem} ({m})" if m else e.problem for e, m in zip(entries, frame["message"], strict=True)
            ],
            "target_table": frame["target_table"],
            "field": frame["field"],
            "current_value": frame["value_masked"],
            "instruction": [e.instruction for e in entries],
            "guide_or_rule": [_guide(e.guide, r) for e, r in zip(entries, frame["rule_id"], strict=True)],
        }
    ).drop_duplicates(list(KEY_COLUMNS), ignore_index=True)


def finding_items(findings: pd.DataFrame, areas: Areas, invariants: dict[str, Invariant]) -> pd.DataFrame:
    """One item per gate or invariant finding; an invariant without its own entry speaks in its own words."""
    if findings.empty:
        return empty_items()
    frame = findings.reindex(columns=FINDING_COLUMNS, fill_value="")
    frame = frame.assign(**{c: _text(frame[c]) for c in FINDING_COLUMNS})
    rows = []
    for check, table, source_table, key, field, value in zip(
        frame["check"],
        frame["target_table"],
        frame["source_table"],
        frame["source_key"],
        frame["field"],
        frame["value_masked"],
        strict=True,
    ):
        entry = areas.check(check)
        invariant = invariants.get(check)
        fallback = areas.checks["default"]
        chosen = entry or fallback
        problem = invariant.description if invariant and entry is None else chosen.problem
        guide = invariant.citation if invariant else _guide(chosen.guide, check)
        rows.append(
            {
                "area": _area(areas, entry, table),
                "source_table": source_table,
                "source_key": key,
                "problem": "check:" + check,
                "problem_text": problem if invariant else f"{problem} ({check})",
                "target_table": table,
                "field": field,
                "current_value": value,
                "instruction": chosen.instruction,
                "guide_or_rule": guide,
            }
        )
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS)).drop_duplicates(list(KEY_COLUMNS), ignore_index=True)


def validation_items(validation: pd.DataFrame, areas: Areas) -> pd.DataFrame:
    """One item per PTL validation check that flags records in the legacy list (source count above 0).

    The validation report holds counts, not records: the item names the list and check, and its value
    is the count, so the team runs the check on the legacy PTL to find the pathways.
    """
    if validation.empty:
        return empty_items()
    frame = validation.assign(**{c: _text(validation[c]) for c in validation.columns})
    count = pd.to_numeric(frame["source_count"], errors="coerce").fillna(0)
    flagged = frame.loc[count.gt(0) & ~frame["check"].isin(SIZE_CHECKS)]
    entries = flagged["check"].map(areas.validation_check)
    return pd.DataFrame(
        {
            "area": [
                e.area or areas.list_area.get(name, "rtt_validation")
                for e, name in zip(entries, flagged["list"], strict=True)
            ],
            "source_table": flagged["list"],
            "source_key": "(the records the check flags on the legacy list)",
            "problem": "validation:" + flagged["check"],
            "problem_text": [f"{e.problem} ({c})" for e, c in zip(entries, flagged["check"], strict=True)],
            "target_table": "",
            "field": flagged["check"],
            "current_value": flagged["source_count"],
            "instruction": [e.instruction for e in entries],
            "guide_or_rule": [e.guide or "PTL technical validation" for e in entries],
        },
        columns=list(ITEM_COLUMNS),
    ).reset_index(drop=True)


def _guide(guide: str, rule: str) -> str:
    return f"{guide}; rule {rule}" if guide and rule else guide or rule


def empty_items() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in ITEM_COLUMNS})


def item_keys(items: pd.DataFrame) -> pd.Series:
    """An item's key columns joined by a unit separator (column-wise, not a Python call per row)."""
    if items.empty:
        return pd.Series(dtype=str)
    text = items[list(KEY_COLUMNS)].astype(str)
    keys = text[KEY_COLUMNS[0]]
    for column in KEY_COLUMNS[1:]:
        keys = keys + "\x1f" + text[column]
    return keys


def empty_history() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in HISTORY_COLUMNS})
    return frame.astype({"runs_open": "int64"})


def advance(history: pd.DataFrame, items: pd.DataFrame, run_label: str) -> pd.DataFrame:
    """The history after one more run whose open items are ``items``: each item's new status.

    Present now and open before -> persisting (runs_open + 1); present now and resolved before ->
    reopened (runs_open 1); present now and unknown -> new; open before and absent now -> resolved;
    resolved before and absent now -> stays resolved.
    """
    current = items.assign(item_key=item_keys(items)).drop_duplicates("item_key")
    current = current[["item_key", "area", *KEY_COLUMNS]]
    merged = history.merge(current, on="item_key", how="outer", suffixes=("_before", ""), indicator=True)
    before = merged["status"].astype("string").fillna("")
    was_open = before.isin(OPEN_STATUSES)
    here = merged["_merge"].ne("left_only")
    runs = pd.to_numeric(merged["runs_open"], errors="coerce").fillna(0).astype(int)
    status = before.where(~here, NEW)
    status = status.mask(here & was_open, PERSISTING).mask(here & before.eq(RESOLVED), REOPENED)
    status = status.mask(~here & was_open, RESOLVED)
    out = pd.DataFrame({"item_key": merged["item_key"]})
    for column in ("area", *KEY_COLUMNS):
        out[column] = merged[column].where(here, merged[f"{column}_before"])
    out["status"] = status
    out["runs_open"] = runs.where(~here, 1).mask(here & was_open, runs + 1)
    out["first_found"] = merged["first_found"].where(merged["first_found"].notna(), run_label)
    out["last_seen"] = merged["last_seen"].where(~here, run_label)
    out["resolved_in"] = merged["resolved_in"].where(~(~here & was_open), run_label).where(~here, "")
    out["resolved_in"] = out["resolved_in"].fillna("")
    return out[list(HISTORY_COLUMNS)].sort_values(["area", "item_key"], ignore_index=True)


def with_status(items: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """The run's items with their status, runs open and first run from the history."""
    keyed = items.assign(item_key=item_keys(items))
    state = history[["item_key", "status", "runs_open", "first_found"]]
    return keyed.merge(state, on="item_key", how="left").drop(columns="item_key")


def open_by_area(history: pd.DataFrame, titles: dict[str, str]) -> dict[str, int]:
    """Open items per area (every area named, 0 when it has none)."""
    open_items = history.loc[history["status"].isin(OPEN_STATUSES)]
    counts = open_items.groupby("area").size()
    return {area: int(counts.get(area, 0)) for area in titles}


def status_counts(history: pd.DataFrame, area: str | None = None) -> dict[str, int]:
    rows = history if area is None else history.loc[history["area"].eq(area)]
    counts = rows["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in (NEW, PERSISTING, REOPENED, RESOLVED)}
