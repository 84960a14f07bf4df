"""Checks across the fields of one target row: dates the guide orders, and an RTT action that needs
its period link.

``date_order.yaml`` (reviewed data) lists the date pairs; a row whose end is before its start is
rejected (``end_before_start``). An activity's ``LOADRTTPRD_ACTION`` acts on the period of its
``LOADRTTPRD_RECORD_NUMBER`` (guide pp. 48, 53, 58, 65): where the link is empty the action is
cleared and warned (``action_without_period``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.errors import MigrationInputError

DATE_ORDER_FILE = Path(__file__).with_name("date_order.yaml")
# The action field and the link it acts on.
PAIRED_FIELDS: dict[str, str] = {"LOADRTTPRD_ACTION": "LOADRTTPRD_RECORD_NUMBER"}
ISSUE_COLUMNS = ("row", "field", "reason_code", "message", "value", "action")


@dataclass(frozen=True)
class DatePair:
    table: str
    start: str
    end: str
    rationale: str


@cache
def date_pairs(path: Path = DATE_ORDER_FILE) -> tuple[DatePair, ...]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MigrationInputError(path, f"cannot be read ({exc})") from None
    pairs = document.get("pairs") if isinstance(document, dict) else None
    if not isinstance(pairs, list):
        raise MigrationInputError(path, "needs a list under `pairs`")
    out = []
    for i, entry in enumerate(pairs, start=1):
        where = f"pairs entry {i}"
        if not isinstance(entry, dict):
            raise MigrationInputError(path, "is not a mapping", where=where)
        missing = [k for k in ("table", "start", "end", "rationale") if not str(entry.get(k) or "").strip()]
        if missing:
            raise MigrationInputError(path, f"lacks {', '.join(missing)}", where=where)
        out.append(DatePair(str(entry["table"]), str(entry["start"]), str(entry["end"]), str(entry["rationale"])))
    return tuple(out)


def guide_moments(values: pd.Series) -> pd.Series:
    """Dates in any of the guide's formats (DD/MM/YYYY[ HH24:MI[:SS]]) as timestamps."""
    text = values.astype("string")
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        parsed = parsed.fillna(pd.to_datetime(text, format=fmt, errors="coerce"))
    return parsed


def _issues(rows: pd.Index, field: str, code: str, message: str, values: pd.Series, action: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": rows,
            "field": field,
            "reason_code": code,
            "message": message,
            "value": values.reindex(rows).astype("string").fillna("").to_numpy(),
            "action": action,
        },
        columns=list(ISSUE_COLUMNS),
    )


def row_check_issues(target_table: str, table: pd.DataFrame) -> list[pd.DataFrame]:
    """Issues of the cross-field checks for one table's staged values (index = source rows)."""
    found = []
    for pair in date_pairs():
        if pair.table != target_table or pair.start not in table or pair.end not in table:
            continue
        start, end = guide_moments(table[pair.start]), guide_moments(table[pair.end])
        wrong = (start.notna() & end.notna() & (end < start)).to_numpy()
        message = f"{pair.end} is before {pair.start} ({pair.rationale.split(':')[0]})"
        found.append(_issues(table.index[wrong], pair.end, "end_before_start", message, table[pair.end], "reject"))
    for action, link in PAIRED_FIELDS.items():
        if action in table and link in table:
            set_alone = table[action].notna() & table[link].isna()
            message = f"{action} without {link}: an RTT action needs the period it acts on (guide p53)"
            rows = table.index[set_alone.to_numpy()]
            found.append(_issues(rows, action, "action_without_period", message, table[action], "warn"))
    return [f for f in found if not f.empty]
