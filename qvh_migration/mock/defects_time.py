"""Timeline defects: ends before starts, episodes outside their spell, overlapping episodes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from qvh_migration.mock.injector import Injector
from qvh_migration.mock.parameters import MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.rules import START_END
from qvh_migration.mock.strings import join
from qvh_migration.mock.vector import take_or

# Display and time columns that show the same moment as each internal column.
COMPANIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("ADMITDISCH", "IpDschDtimeInt"): ("DischargeDate", "DischargeTime"),
    ("RTTPERIOD", "RttEndDateTimeInt"): ("RttEndDate",),
    ("PREVADDRESS", "EffectiveToDateInt"): ("EffectiveToDate",),
    ("CONSEPISODE", "EpsActvDtimeInt"): ("EpisodeStartDate", "EpisodeStartTime"),
    ("CONSEPISODE", "EpisodeEndDt"): ("EpisodeEndTm", "ConsultantEpisodeEndDttm"),
    ("ROOMSTAY", "EndDateTmInt"): ("EndDate", "EndTime"),
}
# How far back the end is set, in minutes (low, high).
END_SHIFT = {
    "ADMITDISCH": (60, 5 * MINUTES_PER_DAY),
    "RTTPERIOD": (MINUTES_PER_DAY, 90 * MINUTES_PER_DAY),
    "PREVADDRESS": (MINUTES_PER_DAY, 300 * MINUTES_PER_DAY),
    "ROOMSTAY": (60, 2 * MINUTES_PER_DAY),
}


def _write(inj: Injector, table: str, column: str, rows: np.ndarray, minutes: np.ndarray) -> None:
    for target in (column, *COMPANIONS.get((table, column), ())):
        inj.set_dates(table, target, rows, minutes)


def end_before_start(inj: Injector, table: str, k: int) -> None:
    start_col, end_col = START_END[table]
    if not (inj.has(table, start_col) and inj.has(table, end_col)):
        return
    start = inj.minutes(table, start_col)
    end = inj.minutes(table, end_col)
    rows = inj.pick(table, (start != NO_TIME) & (end != NO_TIME), k)
    low, high = END_SHIFT[table]
    new_end = start[rows] - inj.rng.integers(low, high, rows.size)
    _write(inj, table, end_col, rows, new_end)
    inj.record(
        table,
        rows,
        end_col,
        "end_before_start",
        join([f"{end_col} before {start_col} ", inj.col(table, start_col).take(pa.array(rows))]),
    )
    if table == "ADMITDISCH" and "CONSEPISODE" in inj.tables:
        # An impossible spell cannot judge its episodes: keep episode defects away from it.
        spell_keys = _keys(inj, "ADMITDISCH").iloc[rows]
        inj.used["CONSEPISODE"] |= _keys(inj, "CONSEPISODE").isin(spell_keys).to_numpy()


def _keys(inj: Injector, table: str) -> pd.Series:
    df = inj.tables[table]
    return df["InternalPatientNumber"] + "|" + df["EpisodeNumber"]


def episode_frame(tables: Mapping[str, pd.DataFrame], parse: Callable[[str, str], np.ndarray]) -> pd.DataFrame:
    """CONSEPISODE rows with their spell's admission and discharge (NO_TIME where unknown)."""
    ce, ad = tables["CONSEPISODE"], tables["ADMITDISCH"]
    ce_key = ce["InternalPatientNumber"] + "|" + ce["EpisodeNumber"]
    ad_key = ad["InternalPatientNumber"] + "|" + ad["EpisodeNumber"]
    # First spell row per key (a real extract may repeat a key; the recount must not fail on it).
    first = pd.Series(np.arange(len(ad_key)), index=ad_key.to_numpy())[~ad_key.duplicated().to_numpy()]
    spell = first.reindex(ce_key.to_numpy()).fillna(-1).astype(np.int64).to_numpy()
    adm_start = parse("ADMITDISCH", "IpAdmDtimeInt")
    adm_end = parse("ADMITDISCH", "IpDschDtimeInt")
    frame = pd.DataFrame(
        {
            "spell": spell,
            "fce": pd.to_numeric(ce["FCENumber"], errors="coerce").fillna(0).astype(np.int64).to_numpy(),
            "start": parse("CONSEPISODE", "EpsActvDtimeInt"),
            "end": parse("CONSEPISODE", "EpisodeEndDt"),
            "adm_start": take_or(adm_start, spell, NO_TIME),
            "adm_end": take_or(adm_end, spell, NO_TIME),
        }
    )
    frame["row"] = np.arange(len(frame))
    frame = frame.sort_values(["spell", "fce"], kind="stable")
    same = frame["spell"].to_numpy()[1:] == frame["spell"].to_numpy()[:-1]
    frame["prev_row"] = np.r_[-1, np.where(same, frame["row"].to_numpy()[:-1], -1)]
    frame["is_last"] = np.r_[~same, True]
    return frame.sort_values("row").reset_index(drop=True)


def episode_defects(inj: Injector, k: int) -> None:
    """``k`` overlapping episodes and ``k`` outside their spell (first starts early / last ends late)."""
    if k == 0:
        return
    frame = episode_frame(inj.tables, lambda t, c: inj.minutes(t, c))
    valid = (frame["spell"] >= 0) & (frame["adm_start"] != NO_TIME) & (frame["start"] != NO_TIME)
    valid &= (frame["adm_end"] == NO_TIME) | (frame["adm_end"] >= frame["adm_start"])
    start = frame["start"].to_numpy()
    prev = frame["prev_row"].to_numpy()
    # Overlap: start the episode inside the previous one (the previous is left untouched).
    can_overlap = (valid & (prev >= 0)).to_numpy().copy()
    can_overlap &= start - take_or(start, prev, 0) >= 2
    can_overlap &= ~take_or(inj.used["CONSEPISODE"], prev, True)
    rows = inj.pick("CONSEPISODE", can_overlap, k)
    inj.used["CONSEPISODE"][prev[rows]] = True
    prev_start = start[prev[rows]]
    new = prev_start + ((start[rows] - prev_start) * inj.rng.uniform(0.2, 0.8, rows.size)).astype(np.int64)
    new = np.clip(new, prev_start + 1, start[rows] - 1)
    _write(inj, "CONSEPISODE", "EpsActvDtimeInt", rows, new)
    inj.record(
        "CONSEPISODE",
        rows,
        "EpsActvDtimeInt",
        "overlapping_episodes",
        "episode starts before the previous consultant episode ends",
    )
    # Outside: the first episode starts before admission, or the last ends after discharge.
    first = (valid & (frame["fce"] == frame.groupby("spell")["fce"].transform("min"))).to_numpy()
    last_closed = (valid & frame["is_last"] & (frame["end"] != NO_TIME) & (frame["adm_end"] != NO_TIME)).to_numpy()
    early_k, late_k = inj.split(k, 2)
    early = inj.pick("CONSEPISODE", first, int(early_k))
    shift = inj.rng.integers(60, 3 * MINUTES_PER_DAY, early.size)
    _write(inj, "CONSEPISODE", "EpsActvDtimeInt", early, frame["adm_start"].to_numpy()[early] - shift)
    inj.record("CONSEPISODE", early, "EpsActvDtimeInt", "episode_outside_spell", "episode starts before admission")
    late = inj.pick("CONSEPISODE", last_closed, int(late_k))
    shift = inj.rng.integers(60, 3 * MINUTES_PER_DAY, late.size)
    _write(inj, "CONSEPISODE", "EpisodeEndDt", late, frame["adm_end"].to_numpy()[late] + shift)
    inj.record("CONSEPISODE", late, "EpisodeEndDt", "episode_outside_spell", "episode ends after discharge")
