"""Parent links that need more than the child's own keys: through a bridge table, or by date.

*Through a bridge.* A rule may name a third table's columns (``RTTEPIPERIOD.PathwayNumber``): the
bridge table that ties episodes to RTT pathways and periods.  Both sides of the link are keyed on
the patient plus the bridge columns: a child that lacks them reads them from the (last) bridge row
of its own episode (patient and episode number), so a waiting-list entry finds the referral on the
same pathway, and an appointment finds the period of its pathway *and* period id (period ids repeat
across a patient's pathways).  A parent that lacks them is found from every bridge row of its
episode: a referral whose clock restarted is the referral of each of its periods.

*Off the pathway.* A child that must link to a referral but is on no RTT pathway (a waiting-list
entry listed before RTT began, or a private patient's) links to the patient's latest referral of
the same specialty made on or before the child's own date (``REFERRAL_BY_DATE``); the link is
flagged with a warning, and a child with no such referral is still rejected.

*By date.* A child that knows its pathway but not its period (an RTT status, RTTALLPRDSTS) belongs
to the pathway's period whose clock started last on or before the child's date (and a ward stay,
which knows its spell but not its FCE, to the spell's episode begun last on or before it), so a status at a
restarted clock goes to the new period (statuses off the clock are filtered before: row_sources.yaml).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qvh_migration.etl.sources import ParentRows, SourceTables, align_last, join_columns
from qvh_migration.legacy.dates import parse_legacy_dates

PATIENT = "InternalPatientNumber"
# Parent tables a child may link to by date: the source table and column of each row's start.
DATED_PARENTS: dict[str, tuple[str, str, str]] = {
    "LOAD_RTT_PERIODS": ("RTTPERIOD", "RttStartDateTimeInt", "PPeriodId"),
    # A ward stay names its spell, not its FCE: it belongs to the episode in force when it began.
    "LOAD_ADT_EPISODES": ("CONSEPISODE", "EpsActvDtimeInt", "FCENumber"),
}


# Child source table -> (its date, its specialty, the parent's source table, the parent's date): the
# columns of the off-pathway referral link. Specialty has the same name on both sides.
REFERRAL_BY_DATE: dict[str, tuple[str, str, str, str]] = {
    "WLENTRY": ("WlOnListDtTmInt", "Specialty", "OPREFERRAL", "OpRegDtimeInt"),
}


@dataclass(frozen=True)
class LinkKeys:
    rows: pd.DataFrame  # the child's rows with the key columns the link needs
    parents: pd.DataFrame  # the parent rows (grain, record_number, filter reason) with the same
    on: list[str]
    bridge: str | None = None  # the table the link read its keys through


def link_keys(parent: str, found: ParentRows, listed: list[tuple[str, str]], own: list[str], ctx) -> LinkKeys | None:
    """How a child row finds its parent row: the keys of both sides and the columns to join on.

    None when the child shares no key with the parent beyond the patient (the link stays empty)."""
    spec = ctx.row_sources.tables.get(parent)
    parent_source = getattr(spec, "source_table", None)
    bridges = [(t, c) for t, c in listed if t not in (ctx.source_table, parent_source)]
    if bridges:
        table = bridges[0][0]
        ctx.lookups.append(ctx.engine)  # the child's bridge columns are the bridge's last row
        columns = [c for t, c in bridges if t == table]
        keys = bridged(ctx.rows, found.frame, table, columns, own, ctx.sources, ctx.engine)
        return None if keys is None else LinkKeys(keys.rows, keys.parents, keys.on, table)
    rows = ctx.rows
    on = [c for c in found.grain if c in rows.columns and (not own or c in own or c == PATIENT)]
    dates = [c for c in own if c not in found.grain]
    if parent in DATED_PARENTS and DATED_PARENTS[parent][2] not in rows.columns and dates and len(on) > 1:
        return dated(parent, rows, found.frame, on, dates[0], ctx.sources)
    if not on or (on == [PATIENT] and list(found.grain) != on):
        return None
    return LinkKeys(rows, found.frame, on)


def bridged(
    rows: pd.DataFrame,
    parents: pd.DataFrame,
    bridge_table: str,
    bridge_columns: list[str],
    own: list[str],
    sources: SourceTables,
    engine: str = "pandas",
) -> LinkKeys | None:
    """Key both sides on the patient and ``bridge_columns``, reading them from ``bridge_table``
    where a side lacks them (the child's in ``engine``).  None when the bridge shares no key with a side."""
    bridge = sources.lookup_table(bridge_table)
    if bridge is None:
        return None
    on = [PATIENT, *bridge_columns]
    child = _with_columns(rows, bridge_table, bridge, bridge_columns, own, engine)
    parent = _with_every_bridge_row(parents, bridge_table, bridge, bridge_columns)
    if child is None or parent is None:
        return None
    return LinkKeys(child, parent, on)


def _with_columns(
    frame: pd.DataFrame, table: str, bridge: pd.DataFrame, columns: list[str], wanted: list[str], engine: str
) -> pd.DataFrame | None:
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return frame
    on = [c for c in join_columns(frame, table, bridge, wanted) if c not in missing]
    if on == [PATIENT] or not on:
        return None  # the patient alone does not say which of the patient's pathways is meant
    out = frame.copy()
    for column in missing:
        out[column] = align_last(frame, table, bridge, on, column, engine).astype("string")
    return out


def _with_every_bridge_row(
    frame: pd.DataFrame, table: str, bridge: pd.DataFrame, columns: list[str]
) -> pd.DataFrame | None:
    """The parent side: one row per bridge row of each parent's episode, so a referral whose clock
    stopped and restarted is found from each of its periods (guide p44), not only its last one.
    A parent with no bridge row keeps one row with the columns empty."""
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return frame
    on = [c for c in join_columns(frame, table, bridge, []) if c not in missing]
    if on == [PATIENT] or not on:
        return None  # the patient alone does not say which of the patient's pathways is meant
    values = bridge[[*on, *missing]].astype("string").drop_duplicates()
    left = frame.astype({c: "string" for c in on})
    return left.merge(values, on=on, how="left")


def dated(
    parent: str, rows: pd.DataFrame, parents: pd.DataFrame, on: list[str], date_column: str, sources: SourceTables
) -> LinkKeys | None:
    """Give each child row the id of the parent row (same ``on`` keys) that started last on or
    before the child's ``date_column``; the link then keys on the parent's whole grain."""
    table, start_column, id_column = DATED_PARENTS[parent]
    source = sources.lookup_table(table)
    if source is None or id_column in rows.columns:
        return None
    grain = [*on, id_column]
    starts = source[[*grain, start_column]].astype("string").drop_duplicates(grain)
    candidates = parents[grain].merge(starts, on=grain, how="left")
    candidates["_start"] = parse_legacy_dates(candidates[start_column], "auto")
    left = rows[on].astype("string").reset_index(names="_row")
    left["_when"] = parse_legacy_dates(rows[date_column], "auto").to_numpy()
    pairs = left.merge(candidates[[*grain, "_start"]], on=on, how="inner")
    pairs = pairs[pairs["_start"].notna() & pairs["_when"].notna() & (pairs["_start"] <= pairs["_when"])]
    latest = pairs.sort_values(["_row", "_start"]).drop_duplicates("_row", keep="last").set_index("_row")
    out = rows.copy()
    out[id_column] = latest[id_column].reindex(rows.index).astype("string")
    return LinkKeys(out, parents, grain)


def referral_by_date(
    source_table: str, rows: pd.DataFrame, parents: pd.DataFrame, grain: list[str], sources: SourceTables
) -> pd.DataFrame | None:
    """Per child row, the parent row (``record_number`` and filter reason) of the patient's latest
    referral of the same specialty made on or before the child's date; None when the child table
    has no such link, or the extracts lack its columns. Of referrals made at the same moment the
    first in the parent's key order is taken."""
    if source_table not in REFERRAL_BY_DATE:
        return None
    child_date, specialty, table, parent_date = REFERRAL_BY_DATE[source_table]
    source = sources.lookup_table(table)
    if source is None or not {PATIENT, child_date, specialty} <= set(rows.columns):
        return None
    if not {*grain, parent_date, specialty} <= set(source.columns) or PATIENT not in grain:
        return None
    made = source[[*grain, parent_date, specialty]].astype("string").drop_duplicates(grain)
    candidates = parents.astype({c: "string" for c in grain}).merge(made, on=grain, how="inner")
    candidates["_start"] = parse_legacy_dates(candidates[parent_date], "auto")
    left = pd.DataFrame(
        {
            "_row": rows.index,
            PATIENT: rows[PATIENT].astype("string").to_numpy(),
            specialty: rows[specialty].astype("string").to_numpy(),
            "_when": parse_legacy_dates(rows[child_date], "auto").to_numpy(),
        }
    )
    pairs = left.merge(candidates.drop(columns=[c for c in grain if c != PATIENT]), on=[PATIENT, specialty])
    pairs = pairs[pairs["_start"].notna() & pairs["_when"].notna() & (pairs["_start"] <= pairs["_when"])]
    pairs = pairs.sort_values(["_row", "_start"], kind="stable").drop_duplicates(["_row", "_start"], keep="first")
    latest = pairs.drop_duplicates("_row", keep="last").set_index("_row")
    return latest.drop(columns=[PATIENT, specialty, "_when", "_start", parent_date]).reindex(rows.index)
