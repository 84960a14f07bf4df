"""Waiting-list parity on a hand-made RTT extract and staging tables: each kind of difference and its cause."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from qvh_migration.reports.waiting_lists import waiting_list as wl
from qvh_migration.reports.waiting_lists import waiting_list_source as src
from qvh_migration.reports.waiting_lists import waiting_list_target as tgt

AS_OF = pd.Timestamp("2026-10-30")
# patient, pathway, start, end, national status, deleted
PERIODS = [
    ("000000001", "A", "202601011000", "", "20", "N"),  # open in both, same values
    ("000000002", "B", "202602011000", "", "20", "N"),  # open in both, clock start mis-mapped
    ("000000003", "C", "202603011000", "", "20", "N"),  # rejected by the load
    ("000000004", "D", "202604011000", "", "20", "N"),  # vanished without a trace
    ("000000005", "E", "202601011000", "202603011000", "30", "N"),  # stopped, but loaded without a stop
    ("000000006", "F", "202601011000", "", "20", "Y"),  # logically deleted: on no list
]


def _key(patient: str, pathway: str) -> str:
    return f"InternalPatientNumber={patient}|PathwayNumber={pathway}"


@pytest.fixture()
def rtt_periods() -> pd.DataFrame:
    columns = ["InternalPatientNumber", "PathwayNumber", "RttStartDateTimeInt", "RttEndDateTimeInt", "CurrentStatusInt"]
    frame = pd.DataFrame([p[:5] for p in PERIODS], columns=columns, dtype="string")
    return frame.assign(PPeriodId="1", Deleted=[p[5] for p in PERIODS])


@pytest.fixture()
def registry() -> pd.DataFrame:
    keys = [_key(p[0], p[1]) for p in PERIODS]
    return pd.DataFrame(
        {"target_table": "LOAD_RTT_PATHWAYS", "grain_key": keys, "record_number": range(1, len(keys) + 1)}
    )


@pytest.fixture()
def staging() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE LOAD_RTT_PATHWAYS "
        "(RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, PATHWAY_ID VARCHAR, PATHWAY_STATUS VARCHAR)"
    )
    con.execute(
        "CREATE TABLE LOAD_RTT_PERIODS (RECORD_NUMBER BIGINT, LOADRTTPWY_RECORD_NUMBER BIGINT, "
        "CLOCK_START VARCHAR, CLOCK_STOP VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_RTT_PATHWAYS VALUES (1, 'H1', 'A', '20'), (2, 'H2', 'B', '20'), (5, 'H5', 'E', '30')")
    con.execute(
        "INSERT INTO LOAD_RTT_PERIODS VALUES (1, 1, '01/01/2026 10:00', NULL), (2, 2, '02/02/2026', ''), "
        "(5, 5, '01/01/2026', NULL)"
    )
    return con


def test_the_source_ptl_follows_the_legacy_rules(rtt_periods: pd.DataFrame) -> None:
    ptl = src.source_rtt_ptl(rtt_periods, AS_OF).set_index("pathway_key")
    assert sorted(ptl.index) == ["A", "B", "C", "D"]  # stopped E and deleted F are off the list
    assert ptl.loc["A", "weeks_waited"] == (AS_OF - pd.Timestamp("2026-01-01")).days // 7
    assert ptl.loc["A", "status"] == "20"


def test_the_target_ptl_reads_the_guide_dates(staging, registry) -> None:
    ptl = tgt.target_rtt_ptl(staging, registry, AS_OF).set_index("pathway_key")
    assert sorted(ptl.index) == ["A", "B", "E"]
    assert ptl.loc["B", "clock_start"] == pd.Timestamp("2026-02-02")
    assert ptl.loc["A", "entity_key"] == _key("000000001", "A")


def _evidence(rtt_periods: pd.DataFrame) -> wl.CauseEvidence:
    rejects = pd.DataFrame(
        {
            "target_table": ["LOAD_RTT_PATHWAYS"],
            "source_key": ["InternalPatientNumber=000000003|PathwayNumber=C|PPeriodId=1"],
            "field": ["PATHWAY_SPECIALTY"],
            "reason_code": ["unmapped_code"],
        }
    )
    outcomes = pd.DataFrame(columns=["target_table", "grain_key", "outcome", "reason"], dtype="string")
    pairs = src.source_row_keys(rtt_periods)
    return wl.CauseEvidence(
        rejects=rejects,
        outcomes=outcomes,
        source_keys=pairs.groupby("entity_key")["source_key"].agg(list).to_dict(),
        source_state={src.RTT_PTL: {_key("000000005", "E"): "RTTPERIOD.RttEndDateTimeInt='202603011000'"}},
        rule_status={"LOAD_RTT_PERIODS.CLOCK_START": "approved"},
    )


def test_every_difference_has_its_cause_or_is_unexplained(rtt_periods, staging, registry) -> None:
    source = src.source_rtt_ptl(rtt_periods, AS_OF)
    target = tgt.target_rtt_ptl(staging, registry, AS_OF)
    evidence = _evidence(rtt_periods)
    evidence.target_state = {src.RTT_PTL: tgt.rtt_state(staging, registry)}
    found = wl.compare_list(wl.LISTS[src.RTT_PTL], source, target, evidence).set_index("pathway_key")
    assert sorted(found.index) == ["B", "C", "D", "E"]  # A matches
    assert found.loc["B", "difference"] == wl.MISMATCH
    assert (found.loc["B", "source_clock_start"], found.loc["B", "target_clock_start"]) == ("01/02/2026", "02/02/2026")
    assert "LOAD_RTT_PERIODS.CLOCK_START (approved rule)" in found.loc["B", "cause"]
    assert found.loc["C", "difference"] == wl.MISSING and found.loc["C", "cause_kind"] == wl.REJECT
    assert "unmapped_code (PATHWAY_SPECIALTY)" in found.loc["C", "cause"]
    assert found.loc["D", "cause_kind"] == wl.UNEXPLAINED and not found.loc["D", "explained"]
    assert found.loc["E", "difference"] == wl.EXTRA and found.loc["E", "cause_kind"] == wl.MAPPING
    assert "RttEndDateTimeInt='202603011000'" in found.loc["E", "cause"]
    assert found.loc["B", "patient_key"] == "*******02"  # masked
    banded = wl.list_bands(src.RTT_PTL, source, target)
    summary = {"lists": {src.RTT_PTL: wl.list_summary(source, target, found.reset_index(), banded)}}
    assert summary["lists"][src.RTT_PTL]["unexplained"] == 1


def test_inpatient_entries_leave_the_list_when_admitted_or_removed() -> None:
    entries = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4"],
            "EpisodeNumber": ["10", "20", "30", "40"],
            "OriginalDateOnList": ["01/01/2026", "01/02/2026", "01/03/2026", "01/04/2026"],
            "EpsCurrActvStsInt": ["1", "5", "6", "07"],
        },
        dtype="string",
    )
    listed = src.source_inpatient_list(entries, AS_OF).set_index("pathway_key")
    assert sorted(listed.index) == ["10", "20"]
    assert listed.loc["20", "status"] == "suspended"


def test_bands_count_both_sides_and_unknown_waits() -> None:
    source = pd.DataFrame({"weeks_waited": pd.array([3, 20, 104, 200], dtype="Int64")})
    target = pd.DataFrame({"weeks_waited": pd.array([3, 20, 104, None], dtype="Int64")})
    bands = wl.bands("rtt_ptl", source, target).set_index("weeks_band")
    assert bands.loc["104+", "source_count"] == 2 and bands.loc["104+", "difference"] == -1
    assert bands.loc["unknown", "target_count"] == 1
    assert list(bands.index[:2]) == ["0-17", "18-25"]


def test_the_as_of_day_comes_from_the_manifest_or_the_latest_recorded_activity() -> None:
    from qvh_migration.reports.waiting_lists.waiting_list_run import as_of_day

    extracts = {"RTTPERIOD": pd.DataFrame({"LatestStsDtInt": ["202610301600", "202001010900", ""]}, dtype="string")}
    day, basis = as_of_day({}, extracts)
    assert day == pd.Timestamp("2026-10-30") and "latest recorded status or activity date" in basis
    day, basis = as_of_day({"as_of": "2026-10-31"}, extracts)
    assert day == pd.Timestamp("2026-10-31") and "manifest" in basis


def test_a_missing_staging_database_is_named(tmp_path) -> None:
    from qvh_migration.errors import MigrationInputError
    from qvh_migration.io.run_folders import RunFolders
    from qvh_migration.reports.waiting_lists.waiting_list_run import parity_run

    with pytest.raises(MigrationInputError, match=r"staging\.duckdb: no staging database yet"):
        parity_run(RunFolders.under(tmp_path))
