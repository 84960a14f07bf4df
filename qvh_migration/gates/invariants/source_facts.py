"""Facts some invariants need from the legacy extracts themselves, mapped to record numbers through
the key registry (never through the mapping contract or the ETL's transforms).

- ``inv_source_first_seen``: per referral (LOAD_REFERRALS record), the date of its earliest attended
  appointment, from OPA rows with ApptStatus ATT, SATT or WLK (live and archived alike).
- ``inv_source_primary_procedure``: per episode (LOAD_ADT_EPISODES record), the primary procedure
  recorded on CONSEPISODE.KornerEpisodePrimaryProcedureCode.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

INTERNAL_START = "PtApptStartDtimeInt"  # CCYYMMDDHHMM, the appointment's start as the system holds it
ATTENDED = ("ATT", "SATT", "WLK")  # legacy OPA attendance statuses: attended, seen, walk-in
FIRST_SEEN_TABLE = "inv_source_first_seen"
PRIMARY_PROCEDURE_TABLE = "inv_source_primary_procedure"


def grain_columns(registry: pd.DataFrame, table: str) -> pd.DataFrame:
    """A table's registry rows with each ``Name=value`` part of the grain key as a column."""
    rows = registry.loc[registry["target_table"] == table, ["grain_key", "record_number"]]
    parts = rows["grain_key"].astype(str).str.split("|")
    columns = pd.DataFrame([dict(part.split("=", 1) for part in key if "=" in part) for key in parts], index=rows.index)
    return columns.assign(record_number=rows["record_number"].astype("int64"))


def _keyed(registry: pd.DataFrame, table: str, source: pd.DataFrame) -> pd.DataFrame:
    keys = grain_columns(registry, table)
    names = [c for c in keys.columns if c != "record_number" and c in source.columns]
    if keys.empty or not names:
        return pd.DataFrame(columns=["record_number", *source.columns])
    source = source.astype({n: "string" for n in names})
    return keys[[*names, "record_number"]].astype({n: "string" for n in names}).merge(source, on=names)


def first_attended(opa: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """(record_number, first_attended) of every referral with an attended appointment."""
    wanted = ["InternalPatientNumber", "EpisodeNumber", "ApptDate", *[c for c in [INTERNAL_START] if c in opa.columns]]
    attended = opa.loc[opa["ApptStatus"].astype(str).str.strip().isin(ATTENDED), wanted]
    # The system's internal start date-time first: the display date is a rendering of it, and a
    # damaged rendering (31/02, 00/00/0000) must not make an attended patient "never seen".
    internal = attended.get(INTERNAL_START, pd.Series("", index=attended.index)).astype("string").str[:8]
    day = pd.to_datetime(internal, format="%Y%m%d", errors="coerce")
    day = day.fillna(pd.to_datetime(attended["ApptDate"], format="%d/%m/%Y", errors="coerce"))
    attended = attended.assign(day=day.dt.date)
    earliest = (
        attended.dropna(subset=["day"]).groupby(["InternalPatientNumber", "EpisodeNumber"], as_index=False)["day"].min()
    )
    keyed = _keyed(registry, "LOAD_REFERRALS", earliest)
    return pd.DataFrame({"record_number": keyed["record_number"].astype("int64"), "first_attended": keyed["day"]})


def primary_procedures(episodes: pd.DataFrame, registry: pd.DataFrame) -> pd.DataFrame:
    """(record_number, code) of every episode whose legacy record names a primary procedure."""
    code = episodes["KornerEpisodePrimaryProcedureCode"].astype("string").fillna("").str.strip()
    coded = episodes.loc[code.ne(""), ["InternalPatientNumber", "EpisodeNumber", "FCENumber"]].assign(code=code)
    keyed = _keyed(registry, "LOAD_ADT_EPISODES", coded)
    return pd.DataFrame({"record_number": keyed["record_number"].astype("int64"), "code": keyed["code"]})


def source_facts(extracts_dir: Path | None, registry: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The fact tables whose extract is present (an invariant whose facts are absent is not run)."""
    facts: dict[str, pd.DataFrame] = {}
    if extracts_dir is None or registry is None or registry.empty:
        return facts
    opa, episodes = extracts_dir / "OPA.parquet", extracts_dir / "CONSEPISODE.parquet"
    if opa.exists():
        columns = ["InternalPatientNumber", "EpisodeNumber", "ApptDate", "ApptStatus", INTERNAL_START]
        facts[FIRST_SEEN_TABLE] = first_attended(pd.read_parquet(opa, columns=columns), registry)
    if episodes.exists():
        columns = ["InternalPatientNumber", "EpisodeNumber", "FCENumber", "KornerEpisodePrimaryProcedureCode"]
        facts[PRIMARY_PROCEDURE_TABLE] = primary_procedures(pd.read_parquet(episodes, columns=columns), registry)
    return facts
