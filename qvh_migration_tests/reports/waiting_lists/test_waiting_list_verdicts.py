"""Waiting-list parity that can disagree: each comparison fails on the fault it guards against.

Hand-made extracts and staging tables: a wrong clock start both sides read, a patient dropped from
a target list with a reject explaining it, a date unknown on one side only, NON-RTT pathways, the
admitted split, and the PTL validation counted on both sides.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.reports.waiting_lists import waiting_list as wl
from qvh_migration.reports.waiting_lists import waiting_list_policy as policy
from qvh_migration.reports.waiting_lists import waiting_list_source as src
from qvh_migration.reports.waiting_lists import waiting_list_target as tgt
from qvh_migration.reports.waiting_lists import waiting_list_validation as wv

AS_OF = pd.Timestamp("2026-10-30")
TRUE_START = pd.Timestamp("2026-02-02 09:00")
WRONG_START = pd.Timestamp("2026-03-02 09:00")  # e.g. the date the referral was keyed, not received
POLICIES = policy.load_policies()


def _int(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y%m%d%H%M")


def _periods(start: pd.Timestamp, *, breach: bool = True, status: str = "20", pathway: str = "A") -> pd.DataFrame:
    """One running period recorded with ``start``; the legacy's own figures follow the true start."""
    row = {
        "InternalPatientNumber": "000000001",
        "PathwayNumber": pathway,
        "PPeriodId": "1",
        "RttStartDateTimeInt": _int(start),
        "RttEndDateTimeInt": "",
        "CurrentStatusInt": status,
        "CurrSpec": "PLAS",
        "RttDurn": str((AS_OF.normalize() - TRUE_START.normalize()).days // 7),
        "RttBreachDateInt": _int(TRUE_START + pd.Timedelta(weeks=18)) if breach else "",
    }
    return pd.DataFrame([row], dtype="string")


def _staging(clock_start: pd.Timestamp, *, pathway_type: str = "RTT", status: str = "20") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE LOAD_RTT_PATHWAYS (RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, PATHWAY_ID VARCHAR, "
        "PATHWAY_STATUS VARCHAR, PATHWAY_TYPE VARCHAR, PATHWAY_SPECIALTY VARCHAR)"
    )
    con.execute(
        "CREATE TABLE LOAD_RTT_PERIODS (RECORD_NUMBER BIGINT, LOADRTTPWY_RECORD_NUMBER BIGINT, "
        "CLOCK_START VARCHAR, CLOCK_STOP VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_RTT_PATHWAYS VALUES (1, 'H1', 'A', ?, ?, '160')", [status, pathway_type])
    con.execute("INSERT INTO LOAD_RTT_PERIODS VALUES (1, 1, ?, NULL)", [clock_start.strftime("%d/%m/%Y %H:%M")])
    return con


REGISTRY = pd.DataFrame(
    {
        "target_table": "LOAD_RTT_PATHWAYS",
        "grain_key": ["InternalPatientNumber=000000001|PathwayNumber=A"],
        "record_number": [1],
    }
)


def _evidence(**kwargs) -> wl.CauseEvidence:
    empty = {c: pd.Series(dtype="string") for c in ("target_table", "source_key", "field", "reason_code")}
    outcomes = pd.DataFrame(columns=["target_table", "grain_key", "outcome", "reason"], dtype="string")
    return wl.CauseEvidence(rejects=kwargs.get("rejects", pd.DataFrame(empty)), outcomes=outcomes)


def _ptl_differences(periods: pd.DataFrame, con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    source = src.source_rtt_ptl(periods, AS_OF)
    target = tgt.target_rtt_ptl(con, REGISTRY, AS_OF)
    day = src.legacy_duration_day(source, AS_OF, stated=True)
    return wl.compare_list(wl.LISTS[src.RTT_PTL], source, target, _evidence(), duration_day=day)


def test_a_wrong_clock_start_both_sides_read_differs_from_the_legacy_breach_date() -> None:
    # The target loaded the recorded start, which is wrong; both sides read RttStartDateTimeInt.
    found = _ptl_differences(_periods(WRONG_START), _staging(WRONG_START))
    assert list(found["difference"]) == [wl.MISMATCH]
    assert found.loc[0, "source_clock_start"] == "02/02/2026" and found.loc[0, "target_clock_start"] == "02/03/2026"
    assert "gives another clock start" in found.loc[0, "cause"]
    assert (
        "RttStartDateTimeInt (02/03/2026) is not the clock start of the legacy's breach date" in found.loc[0, "cause"]
    )
    assert "RttDurn" in found.loc[0, "cause"]
    # What the old comparison saw: with only the recorded start, both sides agree.
    blind = _periods(WRONG_START).drop(columns=["RttBreachDateInt", "RttDurn"])
    assert _ptl_differences(blind, _staging(WRONG_START)).empty
    # And the right clock start agrees with the legacy's figures.
    assert _ptl_differences(_periods(TRUE_START), _staging(TRUE_START)).empty


def test_without_a_breach_date_the_legacy_weeks_still_catch_a_wrong_start() -> None:
    found = _ptl_differences(_periods(WRONG_START, breach=False), _staging(WRONG_START))
    assert list(found["difference"]) == [wl.MISMATCH]
    assert "RttDurn" in found.loc[0, "cause"] and "another clock start" not in found.loc[0, "cause"]


def test_the_legacy_duration_day_follows_the_legacy_figures_unless_the_as_of_is_stated() -> None:
    ptl = src.source_rtt_ptl(_periods(TRUE_START), AS_OF)
    assert src.legacy_duration_day(ptl, AS_OF, stated=True) == AS_OF
    inferred = src.legacy_duration_day(ptl.assign(legacy_weeks=ptl["legacy_weeks"] + 1), AS_OF, stated=False)
    assert inferred > AS_OF
    # Three periods counted on 31/10/2026 and one with figures of another day: the three decide.
    starts = pd.to_datetime(["2026-01-05", "2026-03-04", "2026-06-01", "2020-01-01"])
    weeks = [(pd.Timestamp("2026-10-31") - s).days // 7 for s in starts[:3]] + [999]
    frame = pd.DataFrame({"clock_start": starts, "legacy_weeks": pd.array(weeks, dtype="Int64")})
    day = src.legacy_duration_day(frame, AS_OF, stated=False)
    assert day >= pd.Timestamp("2026-10-31") and day < pd.Timestamp("2026-11-07")
    assert all((day - s).days // 7 == w for s, w in zip(starts[:3], weeks[:3], strict=True))


def test_non_rtt_pathways_are_off_both_ptls_and_counted_by_the_validation() -> None:
    periods = _periods(TRUE_START, status="98")
    assert src.source_rtt_ptl(periods, AS_OF).empty
    con = _staging(TRUE_START, pathway_type="NON-RTT", status="98")
    assert tgt.target_rtt_ptl(con, REGISTRY, AS_OF).empty
    lists = {src.RTT_PTL: src.source_rtt_ptl(periods, AS_OF), **_empty_lists()}
    assert wv.source_counts({"RTTPERIOD": periods}, lists, AS_OF)[(src.RTT_PTL, "non_rtt_on_ptl")] == 1
    assert wv.target_counts(con, lists, AS_OF)[(src.RTT_PTL, "non_rtt_on_ptl")] == 1


def test_the_bands_include_the_65_week_boundary() -> None:
    weeks = pd.Series(pd.array([17, 18, 51, 52, 64, 65, 77, 78, 104, -1, None], dtype="Int64"))
    assert list(wl.band_of(weeks)) == [
        "0-17", "18-25", "40-51", "52-64", "52-64", "65-77", "65-77", "78-103", "104+", wl.NOT_YET_DUE, wl.UNKNOWN_BAND
    ]  # fmt: skip


def _empty_lists() -> dict[str, pd.DataFrame]:
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in src.LIST_COLUMNS})
    empty["weeks_waited"] = empty["weeks_waited"].astype("Int64")
    return {src.OUTPATIENT_LIST: empty, src.INPATIENT_LIST: empty}


def _summary(name: str, source, target, found) -> dict:
    banded = wl.list_bands(name, source, target)
    return {"lists": {name: wl.list_summary(source, target, found, banded)}}


NO_VALIDATION = pd.DataFrame(columns=list(wv.VALIDATION_COLUMNS)).astype(
    {"source_count": "Int64", "target_count": "Int64"}
)


def test_a_patient_missing_from_a_target_list_fails_above_development_even_with_a_reject() -> None:
    periods = pd.concat([_periods(TRUE_START), _periods(TRUE_START, pathway="B")], ignore_index=True)
    rejects = pd.DataFrame(
        {
            "target_table": ["LOAD_RTT_PATHWAYS"],
            "source_key": ["InternalPatientNumber=000000001|PathwayNumber=B|PPeriodId=1"],
            "field": ["PATHWAY_SPECIALTY"],
            "reason_code": ["unmapped_code"],
        },
        dtype="string",
    )
    evidence = _evidence(rejects=rejects)
    evidence.source_keys = src.source_row_keys(periods).groupby("entity_key")["source_key"].agg(list).to_dict()
    source, target = src.source_rtt_ptl(periods, AS_OF), tgt.target_rtt_ptl(_staging(TRUE_START), REGISTRY, AS_OF)
    found = wl.compare_list(wl.LISTS[src.RTT_PTL], source, target, evidence)
    assert list(found["difference"]) == [wl.MISSING] and found.loc[0, "cause_kind"] == wl.REJECT
    assert "unmapped_code" in found.loc[0, "cause"]  # the explanation stays beside it
    summary = _summary(src.RTT_PTL, source, target, found)
    summary["verdicts"] = policy.verdicts(found, summary, NO_VALIDATION, POLICIES)
    assert summary["verdicts"]["development"]["passed"]  # as the old check judged it: explained
    for profile in ("pre_production", "cutover_ready"):
        assert not summary["verdicts"][profile]["passed"]
        assert summary["verdicts"][profile]["missing_in_target"] == 1
    outcome = policy.waiting_lists_match(summary)
    assert not outcome.passed and outcome.metadata["profile"] == "pre_production"
    assert outcome.metadata["passed_development"] is True


def _opwl_staging(target_date: str | None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE LOAD_OPDWAITLIST (RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, STATUS VARCHAR, "
        "TARGET_DATE VARCHAR, DATE_REMOVED VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_OPDWAITLIST VALUES (1, 'H1', 'W', ?, NULL)", [target_date])
    return con


def test_an_unknown_date_on_one_side_only_is_a_difference() -> None:
    entries = pd.DataFrame(
        {"InternalPatientNumber": ["000000001"], "EpisodeNumber": ["000200001"], "OPRegDateInt": ["202601051015"]},
        dtype="string",
    )
    registry = pd.DataFrame(
        {
            "target_table": "LOAD_OPDWAITLIST",
            "grain_key": ["InternalPatientNumber=000000001|EpisodeNumber=000200001|OPRegDateInt=202601051015"],
            "record_number": [1],
        }
    )
    source = src.source_outpatient_list(entries, None, AS_OF)
    spec = wl.LISTS[src.OUTPATIENT_LIST]
    assert spec.clock_field == "LOAD_OPDWAITLIST.TARGET_DATE"  # before, the list compared no date at all
    target = tgt.target_outpatient_list(_opwl_staging(None), registry, AS_OF)
    found = wl.compare_list(spec, source, target, _evidence())
    assert list(found["difference"]) == [wl.MISMATCH] and found.loc[0, "target_clock_start"] == ""
    summary = _summary(src.OUTPATIENT_LIST, source, target, found)
    assert "outpatient_waiting_list unknown: +1" in summary["lists"][src.OUTPATIENT_LIST]["differing_bands"]
    verdicts = policy.verdicts(found, summary, NO_VALIDATION, POLICIES)
    assert not verdicts["pre_production"]["passed"] and verdicts["pre_production"]["band_differences"] == 2
    # The same date on both sides agrees.
    target = tgt.target_outpatient_list(_opwl_staging("05/01/2026"), registry, AS_OF)
    assert wl.compare_list(spec, source, target, _evidence()).empty


def test_the_ptl_is_split_admitted_and_non_admitted_on_both_sides() -> None:
    periods = _periods(TRUE_START)
    inpatient = pd.DataFrame({"patient_key": ["000000001"], "pathway_key": ["000300001"]}, dtype="string")
    links = pd.DataFrame(
        {"InternalPatientNumber": ["000000001"], "EpisodeNumber": ["000300001"], "PathwayNumber": ["A"],
         "PPeriodId": ["1"]},
        dtype="string",
    )  # fmt: skip
    source = src.mark_admitted(src.source_rtt_ptl(periods, AS_OF), inpatient, links)
    assert list(source["ptl_type"]) == [src.ADMITTED]
    con = _staging(TRUE_START)
    con.execute(
        "CREATE TABLE LOAD_IWL (RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, STATUS VARCHAR, DATE_REMOVED VARCHAR, "
        "LOADRTTPRD_RECORD_NUMBER BIGINT, WAITLIST_DATE VARCHAR, WAITLIST_PROFILE VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_IWL VALUES (1, 'H1', 'W', NULL, NULL, '01/03/2026', 'PLASWL')")
    unlinked = tgt.target_rtt_ptl(con, REGISTRY, AS_OF)
    found = wl.compare_list(wl.LISTS[src.RTT_PTL], source, unlinked, _evidence())
    assert list(found["target_ptl_type"]) == [src.NON_ADMITTED] and "LOADRTTPRD_RECORD_NUMBER" in found.loc[0, "cause"]
    con.execute("UPDATE LOAD_IWL SET LOADRTTPRD_RECORD_NUMBER = 1")
    linked = tgt.target_rtt_ptl(con, REGISTRY, AS_OF)
    assert list(linked["ptl_type"]) == [src.ADMITTED]
    assert wl.compare_list(wl.LISTS[src.RTT_PTL], source, linked, _evidence()).empty
    bands = wl.list_bands(src.RTT_PTL, source, linked)
    assert set(bands["list"]) == {"rtt_ptl", "rtt_ptl_admitted", "rtt_ptl_non_admitted"}


def test_a_validation_count_higher_on_the_target_fails_above_development() -> None:
    validation = wv.validation_table(
        {("inpatient_waiting_list", "tci_in_past"): 1, ("rtt_ptl", "ptl_size"): 5},
        {("inpatient_waiting_list", "tci_in_past"): 3, ("rtt_ptl", "ptl_size"): 6},
    )
    empty = pd.DataFrame(columns=[*wl.DIFFERENCE_COLUMNS]).astype({"explained": bool})
    verdicts = policy.verdicts(empty, {"lists": {}}, validation, POLICIES)
    assert verdicts["development"]["passed"]
    assert verdicts["pre_production"]["validation_increases"] == ["inpatient_waiting_list tci_in_past: 1 -> 3"]
    assert not verdicts["pre_production"]["passed"]  # a bigger PTL is the go-live change, not a failure


def test_a_parity_policy_fault_names_the_file_and_the_profile(tmp_path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("development: {}\n", encoding="utf-8")
    with pytest.raises(CurationError, match=r"policy\.yaml \(pre_production\): no settings"):
        policy.load_policies(path)
    good = policy.POLICY_FILE.read_text(encoding="utf-8").replace("explained_passes: []", "explained_passes: [x]", 1)
    path.write_text(good, encoding="utf-8")
    with pytest.raises(CurationError, match=r"\(pre_production\.explained_passes\)"):
        policy.load_policies(path)


def _validation_staging() -> duckdb.DuckDBPyConnection:
    """Each target validation fault planted once: a duplicate outpatient entry, an entry on a
    discharged referral, a decision to admit with no inpatient entry, an inpatient entry with no
    clock and a TCI in the past, a duplicate pathway (same patient and specialty) and a pathway on
    a discharged referral."""
    con = _staging(TRUE_START)
    con.execute("INSERT INTO LOAD_RTT_PATHWAYS VALUES (2, 'H1', 'B', '20', 'RTT', '160')")
    con.execute("INSERT INTO LOAD_RTT_PERIODS VALUES (2, 2, '01/04/2026', NULL)")
    con.execute(
        "CREATE TABLE LOAD_REFERRALS "
        "(RECORD_NUMBER BIGINT, LOADRTTPWY_RECORD_NUMBER BIGINT, REF_DISCHARGE_DATE VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_REFERRALS VALUES (10, 2, '01/05/2026'), (11, NULL, NULL)")
    con.execute(
        "CREATE TABLE LOAD_OPDWAITLIST (RECORD_NUMBER BIGINT, LOADREF_RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, "
        "LIST_CODE VARCHAR, STATUS VARCHAR, TARGET_DATE VARCHAR, DATE_REMOVED VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_OPDWAITLIST VALUES (1, 10, 'H1', 'GSFUWL', 'W', NULL, NULL), "
                "(2, 11, 'H1', 'GSFUWL', 'W', NULL, NULL)")  # fmt: skip
    con.execute(
        "CREATE TABLE LOAD_IWL (RECORD_NUMBER BIGINT, MAIN_CRN VARCHAR, STATUS VARCHAR, DATE_REMOVED VARCHAR, "
        "LOADRTTPRD_RECORD_NUMBER BIGINT, WAITLIST_DATE VARCHAR, WAITLIST_PROFILE VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_IWL VALUES (1, 'H1', 'W', NULL, NULL, '01/03/2026', 'PLASWL')")
    con.execute(
        "CREATE TABLE LOAD_IWL_TCIS (RECORD_NUMBER BIGINT, LOADIWL_RECORD_NUMBER BIGINT, STATUS VARCHAR, "
        "TCI_DATE VARCHAR)"
    )
    con.execute("INSERT INTO LOAD_IWL_TCIS VALUES (1, 1, 'L', '01/10/2026')")
    con.execute("CREATE TABLE LOAD_OPD_APPOINTMENTS (MAIN_CRN VARCHAR, OUTCOME VARCHAR)")
    con.execute("INSERT INTO LOAD_OPD_APPOINTMENTS VALUES ('H2', 'ADM'), ('H1', 'ADM')")
    return con


def test_each_target_validation_fault_is_counted() -> None:
    con = _validation_staging()
    lists = {
        src.RTT_PTL: tgt.target_rtt_ptl(con, REGISTRY, AS_OF),
        src.OUTPATIENT_LIST: tgt.target_outpatient_list(con, REGISTRY, AS_OF),
        src.INPATIENT_LIST: tgt.target_inpatient_list(con, REGISTRY, AS_OF),
    }
    counts = wv.target_counts(con, lists, AS_OF)
    assert counts[(src.RTT_PTL, "ptl_size")] == 2
    assert counts[(src.RTT_PTL, "duplicate_pathways")] == 1
    assert counts[(src.RTT_PTL, "discharged_but_open")] == 1
    assert counts[(src.OUTPATIENT_LIST, "duplicate_entries")] == 1
    assert counts[(src.OUTPATIENT_LIST, "discharged_but_open")] == 1
    assert counts[(src.INPATIENT_LIST, "dta_without_entry")] == 1  # H2: decided, never listed
    assert counts[(src.INPATIENT_LIST, "no_active_clock")] == 1
    assert counts[(src.INPATIENT_LIST, "tci_in_past")] == 1
    con.execute("UPDATE LOAD_IWL_TCIS SET STATUS = 'C'")
    con.execute("UPDATE LOAD_IWL SET LOADRTTPRD_RECORD_NUMBER = 1")
    counts = wv.target_counts(con, lists, AS_OF)
    assert counts[(src.INPATIENT_LIST, "tci_in_past")] == 0 and counts[(src.INPATIENT_LIST, "no_active_clock")] == 0


def test_each_source_validation_fault_is_counted() -> None:
    periods = pd.concat([_periods(TRUE_START), _periods(TRUE_START, pathway="B")], ignore_index=True)
    ipn, episode = "000000001", "000300001"
    extracts = {
        "RTTPERIOD": periods,
        "RTTEPIPERIOD": pd.DataFrame(
            {
                "InternalPatientNumber": [ipn, ipn],
                "EpisodeNumber": ["000200001", "000200002"],
                "PathwayNumber": ["B", "Z"],
                "PPeriodId": ["1", "1"],
            },
            dtype="string",
        ),
        "OPREFERRAL": pd.DataFrame(
            {"InternalPatientNumber": [ipn], "EpisodeNumber": ["000200001"], "DischargeDt": ["202605011000"]},
            dtype="string",
        ),
        "OPWLENTRY": pd.DataFrame(
            {
                "InternalPatientNumber": [ipn, ipn],
                "EpisodeNumber": ["000200001", "000200003"],
                "OPRegDateInt": ["202601011000", "202602011000"],
                "TreatmentCode": ["GSFUWL", "GSFUWL"],
            },
            dtype="string",
        ),
        "WLENTRY": pd.DataFrame(
            {
                "InternalPatientNumber": [ipn],
                "EpisodeNumber": [episode],
                "OriginalDateOnList": ["01/03/2026"],
                "EpsCurrActvStsInt": ["2"],
                "WlCode": ["PLASWL"],
            },
            dtype="string",
        ),
        "WLACTIVITY": pd.DataFrame(
            {
                "InternalPatientNumber": [ipn, ipn],
                "EpisodeNumber": [episode, episode],
                "EpsActvDtimeInt": ["202603011000", "202609011000"],
                "EpsActvTypeInt": ["1", "2"],
                "TCIDTimeInt": ["", "202610010800"],
            },
            dtype="string",
        ),
        "OPA": pd.DataFrame({"InternalPatientNumber": ["000000002"], "Disposal": ["ADM"]}, dtype="string"),
    }
    lists = {
        src.RTT_PTL: src.source_rtt_ptl(periods, AS_OF),
        src.OUTPATIENT_LIST: src.source_outpatient_list(extracts["OPWLENTRY"], None, AS_OF),
        src.INPATIENT_LIST: src.source_inpatient_list(extracts["WLENTRY"], AS_OF),
    }
    counts = wv.source_counts(extracts, lists, AS_OF)
    assert counts[(src.RTT_PTL, "duplicate_pathways")] == 1  # A and B: same patient and specialty
    assert counts[(src.RTT_PTL, "discharged_but_open")] == 1  # B's referral is discharged
    assert counts[(src.OUTPATIENT_LIST, "duplicate_entries")] == 1
    assert counts[(src.OUTPATIENT_LIST, "discharged_but_open")] == 1
    assert counts[(src.INPATIENT_LIST, "dta_without_entry")] == 1
    assert counts[(src.INPATIENT_LIST, "no_active_clock")] == 1  # its episode is on no running period
    assert counts[(src.INPATIENT_LIST, "tci_in_past")] == 1
    assert (
        wv.source_counts({**extracts, "RTTEPIPERIOD": None}, lists, AS_OF)[(src.RTT_PTL, "discharged_but_open")] is None
    )
