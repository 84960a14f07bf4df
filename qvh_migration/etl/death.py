"""Date of death with its time: a death is never recorded before an activity of the same day.

PatientCentre holds the date of death as a date (PATDATA.PtDateOfDeathInt, CCYYMMDD); the guide
wants DD/MM/YYYY HH24:MI (p21). A patient who died in hospital has the time on the spell the death
ended (ADMITDISCH.IpDschDtimeInt, discharge method died): the death takes the latest moment the
rule's other source fields record for the patient on the day of death, so it never precedes that
day's admission or discharge. With no such moment the date loads at 00:00, as before.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.source_rules import PATIENT_KEY
from qvh_migration.etl.sources import split_field
from qvh_migration.legacy.dates import parse_legacy_dates


def death_moments(sources: list[str], rows: pd.DataFrame, lookup: object) -> pd.Series:
    """DD/MM/YYYY HH24:MI of each row's death (``sources[0]``, a column of ``rows``), moved to the
    latest same-day moment among the other source fields (``TABLE.Column`` read via ``lookup``)."""
    death = parse_legacy_dates(rows[split_field(sources[0])[1]].astype("string"), "auto")
    patient = rows[PATIENT_KEY].astype("string").str.strip()
    latest = death.copy()
    for qualified in sources[1:]:
        table, column = split_field(qualified)
        frame = lookup.lookup_table(table)  # type: ignore[attr-defined]
        if frame is None or column not in frame.columns or PATIENT_KEY not in frame.columns:
            continue
        moments = pd.DataFrame(
            {
                PATIENT_KEY: frame[PATIENT_KEY].astype("string").str.strip(),
                "_when": parse_legacy_dates(frame[column].astype("string"), "auto"),
            }
        ).dropna()
        left = pd.DataFrame({PATIENT_KEY: patient, "_death": death}).reset_index(names="_row")
        joined = left.merge(moments, on=PATIENT_KEY, how="inner")
        same_day = joined.loc[joined["_when"].dt.normalize() == joined["_death"].dt.normalize()]
        found = same_day.groupby("_row")["_when"].max().reindex(rows.index)
        latest = latest.where(~(found > latest).fillna(False), found)
    return latest.dt.strftime("%d/%m/%Y %H:%M").astype("string")
