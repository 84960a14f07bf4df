"""The reference evaluator's own reading of the RTT links, row by row (independent of etl/).

A link rule naming a third table (RTTEPIPERIOD, the bridge from episodes to RTT pathways and
periods) matches child and parent on the patient plus the bridge columns; a child that lacks them
takes them from the last bridge row of its own patient and episode, a parent matches through any
bridge row of its own (a referral whose clock restarted is on each of its periods).  An RTT status
(RTTALLPRDSTS) belongs to the period of its pathway whose clock started last on or before it.
Also the reference's version of the cross-field row checks (date_order.yaml, an RTT action
without its period).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache

import yaml

from qvh_migration.reports.trial_comparison.reference import reference_transforms as rt
from qvh_migration.reports.trial_comparison.reference.reference_sources import (
    PATIENT,
    ReferenceSources,
    Row,
    SourceRow,
    last_match,
    shared_keys,
)
from qvh_migration.settings import PACKAGE_DIR

DATE_ORDER = PACKAGE_DIR / "etl" / "date_order.yaml"
# Parents found by date: (source table's start column, the id the child lacks).
# Parents found by date: the parent's start column and the id the child lacks (guide p53: the period
# an RTT status falls in; p76: the consultant episode a ward stay began in).
BY_DATE = {
    "LOAD_RTT_PERIODS": ("RttStartDateTimeInt", "PPeriodId"),
    "LOAD_ADT_EPISODES": ("EpsActvDtimeInt", "FCENumber"),
}
ACTION_LINKS = {"LOADRTTPRD_ACTION": "LOADRTTPRD_RECORD_NUMBER"}
Value = str | None


def _blank(value: Value) -> bool:
    return value is None or value.strip() == ""


def bridge_values(sources: ReferenceSources, bridge: str, row: Row, columns: list[str], own: list[str]) -> Row | None:
    """``row`` with ``columns`` filled from its bridge row; None when only the patient is shared."""
    if all(c in row for c in columns):
        return row
    others = sources.live(bridge)
    keys = [k for k in shared_keys(bridge, row, others, wanted=own or None) if k not in columns]
    if keys in ([], [PATIENT]):
        return None
    match = last_match(others, row, keys)
    return dict(row, **{c: (match.get(c) if match else None) for c in columns if c not in row})


def bridged_parent(
    sources: ReferenceSources,
    candidates: list[SourceRow],
    bridge: str,
    columns: list[str],
    own: list[str],
    row: Row,
) -> tuple[SourceRow | None, list[str], bool, bool]:
    """(first matching parent, the join columns, child unlinked, no key) for a bridged link."""
    child = bridge_values(sources, bridge, row, columns, own)
    on = [PATIENT, *columns]
    if child is None:
        return None, on, False, True
    if any(_blank(child.get(c)) for c in columns):
        return None, on, True, False
    for candidate in candidates:
        if any(
            all(p.get(c) == child.get(c) for c in on)
            for p in parent_bridge_rows(sources, bridge, candidate.row, columns)
        ):
            return candidate, on, False, False
    return None, on, False, False


def parent_bridge_rows(sources: ReferenceSources, bridge: str, row: Row, columns: list[str]) -> list[Row]:
    """The parent ``row`` once per bridge row of its own episode (a referral whose clock restarted
    is on each of its periods, guide p44); the row itself when it carries ``columns``."""
    if all(c in row for c in columns):
        return [row]
    others = sources.live(bridge)
    keys = [k for k in shared_keys(bridge, row, others) if k not in columns]
    if keys in ([], [PATIENT]):
        return []
    matches = [r for r in others if all(r.get(c) == row.get(c) for c in keys)]
    return [dict(row, **{c: m.get(c) for c in columns if c not in row}) for m in matches]


def dated_parent(
    candidates: list[SourceRow], on: list[str], date_column: str, start: str, row: Row
) -> SourceRow | None:
    """The parent with the same ``on`` values whose start is the latest on or before the row's date."""
    when = rt.parse_legacy_date(row.get(date_column))
    best: tuple[datetime, SourceRow] | None = None
    if when is None:
        return None
    for candidate in candidates:
        if not all(candidate.row.get(c) == row.get(c) for c in on):
            continue
        began = rt.parse_legacy_date(candidate.row.get(start))
        if began is not None and began <= when and (best is None or began > best[0]):
            best = (began, candidate)
    return None if best is None else best[1]


def _guide_moment(value: Value) -> datetime | None:
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(value or "", fmt)
        except ValueError:
            continue
    return None


@cache
def date_order_pairs() -> tuple[dict, ...]:
    """The date-order pairs, read once per process (every row of every table checks them)."""
    return tuple((yaml.safe_load(DATE_ORDER.read_text(encoding="utf-8")) or {}).get("pairs", []))


def row_checks(table: str, values: dict[str, Value]) -> list[tuple[str, str, str]]:
    """(field, reason code, action) of the cross-field checks for one row's expected values."""
    pairs = date_order_pairs()
    found = []
    for pair in pairs:
        if pair["table"] == table and pair["start"] in values and pair["end"] in values:
            start, end = _guide_moment(values[pair["start"]]), _guide_moment(values[pair["end"]])
            if start is not None and end is not None and end < start:
                found.append((pair["end"], "end_before_start", "reject"))
    for action, link in ACTION_LINKS.items():
        if action in values and link in values and values[action] is not None and values[link] is None:
            found.append((action, "action_without_period", "warn"))
    return found


def first_of_grain(prepared: Callable[[], list[SourceRow]]) -> list[SourceRow]:
    seen: set[str] = set()
    out = []
    for candidate in prepared():
        if candidate.grain_key not in seen:
            seen.add(candidate.grain_key)
            out.append(candidate)
    return out


def rtt_link(
    contract,
    rule: dict[str, str],
    parent: str,
    spec,
    bridges: list[tuple[str, str]],
    own_columns: list[str],
    on: list[str],
    dates: list[str],
    row: Row,
) -> tuple[Value, str, list]:
    """A link through the RTT bridge table, or to the period an RTT status falls in: (value, the
    source values shown, issues) as ``ReferenceContract.parent_link`` gives them."""
    from qvh_migration.reports.trial_comparison.reference.reference_contract import (
        Issue,  # the contract module imports this one
    )

    name, mandatory = rule["target_field"], rule["mandatory_class"] == "mandatory"
    candidates = first_of_grain(lambda: contract.sources.prepared(spec))
    if bridges:
        bridge = bridges[0][0]
        columns = [c for t, c in bridges if t == bridge]
        found, on, unlinked, no_key = bridged_parent(contract.sources, candidates, bridge, columns, own_columns, row)
        if no_key:  # the patient alone names no pathway
            return None, "", [Issue(name, "table_note", "empty")]
        derived = [c for c in columns if c not in row]
        unlinked = unlinked and bool(derived)
    else:
        found = dated_parent(candidates, on, dates[0], BY_DATE[parent][0], row)
        unlinked = False
    shown = "; ".join(f"{c}={row.get(c) or ''}" for c in on)
    no_key = any(_blank(row.get(c)) for c in own_columns if c not in on)
    if no_key:
        return None, shown, []
    inferred = []
    if unlinked and mandatory and spec.source_table == "OPREFERRAL" and "WlOnListDtTmInt" in row:
        # Guide p65: the referral is mandatory; an entry on no pathway takes the patient's latest
        # referral of the same specialty made on or before the day it was listed.
        found = dated_parent(candidates, [PATIENT, "Specialty"], "WlOnListDtTmInt", "OpRegDtimeInt", row)
        unlinked = found is None
        inferred = [] if unlinked else [Issue(name, "referral_by_date", "warn")]
    if unlinked:
        return None, shown, [Issue(name, "no_rtt_pathway", "reject")] if mandatory else []
    if found is None:
        return None, shown, [Issue(name, "orphan_parent", "reject" if mandatory else "warn")]
    number = contract.registry.get(parent, {}).get(found.grain_key)
    value, shown, found_issues = contract.link_outcome(rule, parent, (number, found.filter_reason), shown)
    return value, shown, [*inferred, *found_issues]
