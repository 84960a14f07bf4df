"""Table rules from the guide, as named checks over one loaded table (plain functions, no Dagster).

Each rule returns findings ``(check, row, field, value)`` with ``row`` the position in the table.
Rules that need a parent table read it through ``read_table`` (the parent's last load): episodes
against their admission, RTT events against their period, case-note history against the ids.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from qvh_migration.etl.load_order import GATE_READS
from qvh_migration.gates.formats import parse_guide_dates, present
from qvh_migration.gates.schema import FINDING_COLUMNS
from qvh_migration.io.arrow_text import is_in
from qvh_migration.legacy.nhs_number import valid_nhs_numbers

TableReader = Callable[[str], pd.DataFrame | None]
# Rule name -> the tables it applies to; the names are the check names in findings and profiles.
TABLE_RULES: dict[str, tuple[str, ...]] = {
    "record_number_unique": (),  # every table with a RECORD_NUMBER
    "episode_within_admission": ("LOAD_ADT_EPISODES",),
    "first_episode_at_admission": ("LOAD_ADT_EPISODES",),
    "last_episode_at_discharge": ("LOAD_ADT_EPISODES",),
    "episodes_contiguous": ("LOAD_ADT_EPISODES",),
    "rtt_one_start_one_stop": ("LOAD_RTT_EVENTS",),
    "rtt_start_not_after_stop": ("LOAD_RTT_EVENTS",),
    "rtt_event_within_period": ("LOAD_RTT_EVENTS",),
    "rtt_periods_no_overlap": ("LOAD_RTT_PERIODS",),
    "casenote_before_history": ("LOAD_PMICASENOTEHISTORY",),
    "no_duplicate_patients": ("LOAD_PMI",),
    "hospital_number_present": ("LOAD_PMI",),
}


# Tables a table's rules read besides its parents (etl/load_order.py waits for them as for a parent).
RULE_READS = GATE_READS


def findings(check: str, rows: pd.Index | list, field: str, values: pd.Series | str) -> pd.DataFrame:
    rows = list(rows)
    if isinstance(values, str):
        values = pd.Series(values, index=rows, dtype="string")
    return pd.DataFrame(
        {
            "check": check,
            "row": rows,
            "field": field,
            "value": values.reindex(rows).astype("string").fillna("").to_numpy(),
        },
        columns=list(FINDING_COLUMNS),
    )


def key_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in frame.columns if str(c).upper() == "RECORD_NUMBER"), None)


def record_number_unique(frame: pd.DataFrame) -> pd.DataFrame:
    key = key_column(frame)
    if key is None:
        return findings("record_number_unique", [], "", "")
    bad = frame[key].isna() | frame[key].duplicated(keep=False)
    return findings("record_number_unique", frame.index[bad], key, frame[key].astype("string"))


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    # Compared at the precision the values carry: the day, or the minute where the legacy time is known.
    return parse_guide_dates(frame[column])


def episode_rules(episodes: pd.DataFrame, read_table: TableReader) -> list[pd.DataFrame]:
    admissions = read_table("LOAD_ADT_ADMISSIONS")
    if admissions is None or episodes.empty:
        return []
    spells = pd.DataFrame(
        {
            "link": admissions["RECORD_NUMBER"].astype("Int64"),
            "admit": _dates(admissions, "ADMIT_DATE"),
            "discharge": _dates(admissions, "DISCHARGE_DATE"),
        }
    ).drop_duplicates("link")
    eps = pd.DataFrame(
        {
            "link": pd.to_numeric(episodes["ADT_ADM_RECORD_NUMBER"], errors="coerce").astype("Int64"),
            "start": _dates(episodes, "START_DATE"),
            "end": _dates(episodes, "END_DATE"),
        },
        index=episodes.index,
    )
    joined = eps.reset_index(names="row").merge(spells, on="link", how="inner").set_index("row")
    value = episodes["START_DATE"].astype("string").fillna("") + "-" + episodes["END_DATE"].astype("string").fillna("")
    outside = (joined["start"] < joined["admit"]) | (joined["end"] > joined["discharge"]).fillna(False)
    outside |= (joined["end"].isna() & joined["discharge"].notna()).fillna(False)
    ordered = joined.sort_values(["link", "start", "end"], kind="stable")
    first = ~ordered.duplicated("link", keep="first")
    last = ~ordered.duplicated("link", keep="last")
    not_at_admission = first & (ordered["start"] != ordered["admit"]).fillna(False)
    not_at_discharge = last & ordered["discharge"].notna() & (ordered["end"] != ordered["discharge"]).fillna(True)
    previous_end = ordered.groupby("link")["end"].shift()
    # The next episode starts the day the previous one ends: anything else is a gap or an overlap.
    broken = previous_end.notna() & (ordered["start"] != previous_end).fillna(True)
    # Both episodes of a gap or an overlap are at fault: which one moved is not knowable from the data.
    broken = broken | broken.groupby(ordered["link"]).shift(-1, fill_value=False).astype(bool)
    return [
        findings("episode_within_admission", joined.index[outside.fillna(False)], "START_DATE>END_DATE", value),
        findings("first_episode_at_admission", ordered.index[not_at_admission], "START_DATE", value),
        findings("last_episode_at_discharge", ordered.index[not_at_discharge], "END_DATE", value),
        findings("episodes_contiguous", ordered.index[broken], "START_DATE", value),
    ]


def rtt_event_rules(events: pd.DataFrame, read_table: TableReader) -> list[pd.DataFrame]:
    if events.empty:
        return []
    link = events["LOADRTTPRD_RECORD_NUMBER"].astype("string")
    action = events["EVENT_ACTION_CODE"].astype("string").str.upper().fillna("")
    when = parse_guide_dates(events["EVENT_DATE"])
    out = []
    for kind in ("START", "STOP"):
        is_kind = action.eq(kind)
        extra = is_kind & is_kind.groupby(link).transform("sum").gt(1)
        out.append(findings("rtt_one_start_one_stop", events.index[extra], "EVENT_ACTION_CODE", action))
    start = when.where(action.eq("START")).groupby(link).transform("min")
    stop = when.where(action.eq("STOP")).groupby(link).transform("max")
    late_start = action.eq("START") & (start > stop).fillna(False)
    out.append(findings("rtt_start_not_after_stop", events.index[late_start], "EVENT_DATE", events["EVENT_DATE"]))
    periods = read_table("LOAD_RTT_PERIODS")
    if periods is not None and not periods.empty:
        bounds = pd.DataFrame(
            {
                "link": periods["RECORD_NUMBER"].astype("string"),
                "clock_start": parse_guide_dates(periods["CLOCK_START"]).dt.normalize(),
                "clock_stop": parse_guide_dates(periods["CLOCK_STOP"]).dt.normalize(),
            }
        ).drop_duplicates("link")
        joined = pd.DataFrame({"link": link, "when": when.dt.normalize()}).reset_index(names="row")
        joined = joined.merge(bounds, on="link", how="inner").set_index("row")
        outside = (joined["when"] < joined["clock_start"]).fillna(False) | (
            joined["when"] > joined["clock_stop"]
        ).fillna(False)
        out.append(findings("rtt_event_within_period", joined.index[outside], "EVENT_DATE", events["EVENT_DATE"]))
    return out


def rtt_period_rules(periods: pd.DataFrame) -> list[pd.DataFrame]:
    if periods.empty:
        return []
    frame = pd.DataFrame(
        {
            "pathway": periods["LOADRTTPWY_RECORD_NUMBER"].astype("string"),
            "start": parse_guide_dates(periods["CLOCK_START"]),
            "stop": parse_guide_dates(periods["CLOCK_STOP"]),
        },
        index=periods.index,
    ).sort_values(["pathway", "start"], kind="stable")
    previous_stop = frame.groupby("pathway")["stop"].shift()
    previous_open = frame.groupby("pathway")["stop"].shift().isna() & frame.duplicated("pathway", keep="first")
    # Periods of one pathway follow each other: a period starting before the previous stops overlaps it.
    overlap = (frame["start"] < previous_stop).fillna(False) | previous_open
    value = periods["CLOCK_START"].astype("string").fillna("") + "-" + periods["CLOCK_STOP"].astype("string").fillna("")
    return [findings("rtt_periods_no_overlap", frame.index[overlap], "CLOCK_START", value)]


def casenote_rules(history: pd.DataFrame, read_table: TableReader) -> list[pd.DataFrame]:
    ids = read_table("LOAD_PMIIDS")
    if history.empty or ids is None:
        return []
    # The guide loads case-note identifiers (LOAD_PMIIDS) before their location history.
    number = history["ID_NUMBER"].astype("string")
    # In Arrow: pandas' isin on a set of a million identifiers builds an object per identifier.
    missing = ~is_in(number, ids["ADDITIONAL_ID"].astype("string"))
    return [findings("casenote_before_history", history.index[missing], "ID_NUMBER", number)]


def patient_rules(patients: pd.DataFrame) -> list[pd.DataFrame]:
    if patients.empty:
        return []
    nhs = patients["NHS_NUMBER"].astype("string").str.replace(" ", "", regex=False)
    valid = valid_nhs_numbers(nhs.fillna("").astype(str))
    same_number = valid & nhs.duplicated(keep=False)
    # The same person twice: same surname, forename, date of birth and sex (all present).
    person = [c for c in ("PAT_NAME_FAMILY", "PAT_NAME_1", "DATE_OF_BIRTH", "SEX") if c in patients.columns]
    demographics = patients[person].astype("string").apply(lambda s: s.str.upper().str.strip())
    complete = demographics.notna().all(axis=1)
    same_person = complete & demographics.duplicated(keep=False) & (len(person) == 4)
    duplicate = same_number | same_person
    no_crn = ~present(patients["MAIN_CRN"])
    return [
        findings("no_duplicate_patients", patients.index[duplicate], "NHS_NUMBER", nhs),
        findings("hospital_number_present", patients.index[no_crn], "MAIN_CRN", patients["MAIN_CRN"]),
    ]


def date_pair_rules(frame: pd.DataFrame, pairs: list[tuple[str, str]]) -> list[pd.DataFrame]:
    """``start_not_after_end`` again, on values that may carry the legacy time of day."""
    out = []
    for start, end in pairs:
        late = (parse_guide_dates(frame[start]) > parse_guide_dates(frame[end])).fillna(False)
        value = frame[start].astype("string").fillna("") + " | " + frame[end].astype("string").fillna("")
        out.append(findings(f"start_not_after_end:{start}>{end}", frame.index[late], f"{start}>{end}", value))
    return out


def applicable_rules(table: str, columns: list[str]) -> list[str]:
    has_key = any(str(c).upper() == "RECORD_NUMBER" for c in columns)
    return [name for name, tables in TABLE_RULES.items() if (table in tables) or (not tables and has_key)]


def run_table_rules(table: str, frame: pd.DataFrame, read_table: TableReader) -> pd.DataFrame:
    data = frame.reset_index(drop=True)
    found = [record_number_unique(data)]
    if table == "LOAD_ADT_EPISODES":
        found += episode_rules(data, read_table)
    elif table == "LOAD_RTT_EVENTS":
        found += rtt_event_rules(data, read_table)
    elif table == "LOAD_RTT_PERIODS":
        found += rtt_period_rules(data)
    elif table == "LOAD_PMICASENOTEHISTORY":
        found += casenote_rules(data, read_table)
    elif table == "LOAD_PMI":
        found += patient_rules(data)
    found = [f for f in found if not f.empty]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(FINDING_COLUMNS))
