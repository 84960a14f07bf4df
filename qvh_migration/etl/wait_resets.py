"""OVERRIDE_WAIT_RESET_DATE of a referral: its wait reset when the bookings that reset it are archived.

Guide pp. 41, 53 and 58: all cancelled bookings must be loaded, or the override supplied. Bookings
before the archive cut-off are not loaded as bookings (``row_sources.yaml`` sends them to
LOAD_OPD_ARCHIVE), so for a referral still open whose DNAs or patient cancellations lie there, the
override carries the reset (``transforms_activity.latest_archived_wait_reset``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from qvh_migration.etl.row_sources import RowSource
from qvh_migration.etl.sources import join_columns, split_field
from qvh_migration.mapping.transforms_activity import latest_archived_wait_reset, wait_reset_days

if TYPE_CHECKING:
    from qvh_migration.etl.fields import LoadContext

BOOKINGS_TABLE = "LOAD_OPD_APPOINTMENTS"  # the table whose row filters decide what is archived


def _blank(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().eq("")


def override_wait_reset(sources: list[str], ctx: LoadContext) -> pd.Series:
    """Rule sources: the referral's discharge date, then the bookings' appointment date-time, status,
    canceller and cancellation date-time (``TABLE.Column``). Blank for a discharged referral."""
    (_, discharged), (table, start), (_, status), (_, by), (_, cancelled) = (split_field(s) for s in sources)
    empty = pd.Series(pd.NA, index=ctx.rows.index, dtype="string")
    bookings = ctx.sources.lookup_table(table)
    on = join_columns(ctx.rows, table, bookings, list(ctx.grain)) if bookings is not None else []
    if not on:
        ctx.note(f"{table} shares no key with {ctx.source_table}; OVERRIDE_WAIT_RESET_DATE left empty")
        return empty
    spec = ctx.row_sources.tables.get(BOOKINGS_TABLE)
    kept = pd.Series(True, index=bookings.index)
    for row_filter in spec.filters if isinstance(spec, RowSource) else ():
        kept &= row_filter.keeps(bookings)
    key = bookings[on[0]].astype("string").fillna("")
    for column in on[1:]:
        key = key + "|" + bookings[column].astype("string").fillna("")
    resets = wait_reset_days(bookings[status], bookings[by], bookings[start], bookings[cancelled])
    latest = latest_archived_wait_reset(key, resets, ~kept)
    own = ctx.rows[on[0]].astype("string").fillna("")
    for column in on[1:]:
        own = own + "|" + ctx.rows[column].astype("string").fillna("")
    # A dict, not a Series: mapping text keys through an empty datetime Series fails in pandas.
    day = pd.to_datetime(own.map(latest.to_dict()), errors="coerce")
    value = day.dt.strftime("%d/%m/%Y").astype("string")
    return value.where(_blank(ctx.rows[discharged]), empty)
