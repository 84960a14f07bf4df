"""The supporting tables generated on the existing timelines: waiting-list removals, removed
outpatient entries, discharges, alerts, attendance tracking, second intended procedures,
pre-admissions, room stays, and carers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.mock.extracts import SourceExtracts
from qvh_migration.mock.recount import reconcile_ledger

NEW_TABLES = (
    "WLREMOVAL",
    "OPWLREMENTRY",
    "OPDISCHARGE",
    "PMISPECIALREG",
    "OPATTTRACK",
    "WLINTENDEDPROC",
    "PREADMISSION",
    "ROOMSTAY",
)
EPISODE = ["InternalPatientNumber", "EpisodeNumber"]


def _when(frame: pd.DataFrame, column: str) -> pd.Series:
    return parse_legacy_dates(frame[column], "auto")


def test_every_new_table_has_rows(clean_extracts: SourceExtracts) -> None:
    for table in NEW_TABLES:
        assert len(clean_extracts.tables[table]) > 0, table


def test_removals_match_the_removed_entries_and_their_outcome(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    removed = t["WLENTRY"].loc[t["WLENTRY"]["EpsCurrActvStsInt"] == "7", EPISODE]
    removals = t["WLREMOVAL"]
    assert len(removals) == len(removed)
    assert set(map(tuple, removals[EPISODE].to_numpy())) == set(map(tuple, removed.to_numpy()))
    act = t["WLACTIVITY"].loc[t["WLACTIVITY"]["EpsActvTypeInt"] == "7", [*EPISODE, "EpsActvDtimeInt", "RemovalReason"]]
    both = removals.merge(act, on=[*EPISODE, "EpsActvDtimeInt"], how="left", validate="one_to_one")
    assert both["RemovalReason"].eq(both["Reason"]).all()  # the same removal, time and reason


def test_outpatient_entries_are_current_or_removed_never_both(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    key = [*EPISODE, "OPRegDateInt"]
    current = set(map(tuple, t["OPWLENTRY"][key].to_numpy()))
    removed = t["OPWLREMENTRY"]
    assert not current & set(map(tuple, removed[key].to_numpy()))
    assert (_when(removed, "OpWlRemDatetimeInt") >= _when(removed, "OPRegDateInt")).all()
    assert set(removed["OpWlRemovalCode"]) <= {"BKD", "CANH", "CANP"}
    assert (t["OPWLENTRY"]["OpWlDateAppointmentRequiredInternal"].str.fullmatch(r"\d{6}")).all()


def test_discharges_are_the_discharged_referrals(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    discharged = t["OPREFERRAL"].loc[t["OPREFERRAL"]["CurrentStatus"] == "DISC"]
    both = discharged.merge(t["OPDISCHARGE"], on=EPISODE, how="outer", indicator=True)
    assert both["_merge"].eq("both").all()
    assert (_when(both, "OpDischargeDTimeInt") == _when(both, "DischargeDt")).all()


def test_tracking_times_run_arrival_seen_complete_on_the_attendance_day(clean_extracts: SourceExtracts) -> None:
    track = clean_extracts.tables["OPATTTRACK"]
    wide = track.pivot_table(
        index=[*EPISODE, "PtApptStartDtimeInt"],
        columns="TrackingStep",
        values="SchPatientTrackingStepDatetimeNeutral",
        aggfunc="first",
    )
    times = {step: parse_legacy_dates(wide[step], "auto") for step in ("ARR", "SEEN", "COMP")}
    assert (times["ARR"] <= times["SEEN"]).all() and (times["SEEN"] <= times["COMP"]).all()
    day = parse_legacy_dates(pd.Series(wide.index.get_level_values(2), index=wide.index), "auto").dt.normalize()
    assert (times["ARR"].dt.normalize() == day).all() and (times["COMP"].dt.normalize() == day).all()
    opa = clean_extracts.tables["OPA"]
    attended = opa.loc[opa["ApptStatus"].isin(["ATT", "WLK", "SATT"]), [*EPISODE, "PtApptStartDtimeInt"]]
    assert set(wide.index) <= set(map(tuple, attended.to_numpy()))


def test_second_intended_procedure_differs_from_the_first(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    both = t["WLINTENDEDPROC"].merge(t["WLENTRY"][[*EPISODE, "IntendedProc"]], on=EPISODE, validate="one_to_one")
    assert len(both) == len(t["WLINTENDEDPROC"]) and (both["SecIProc"] != both["IntendedProc"]).all()


def test_pre_admission_belongs_to_a_tci_offer_and_precedes_it(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    offers = t["WLACTIVITY"].loc[t["WLACTIVITY"]["EpsActvTypeInt"] == "2", [*EPISODE, "EpsActvDtimeInt"]]
    pre = t["PREADMISSION"].merge(offers, on=[*EPISODE, "EpsActvDtimeInt"], how="left", indicator=True)
    assert pre["_merge"].eq("both").all()
    clerking = _when(pre, "ExpClerkingDt")
    assert (clerking < _when(pre, "TCIDtTimeInt")).all() and (clerking > _when(pre, "EpsActvDtimeInt")).all()


def test_room_stays_lie_within_their_ward_stays(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    ward = t["WARDSTAY"].rename(columns={"EpsActvDtimeInt": "WardStart"})
    rooms = t["ROOMSTAY"].copy()
    starts = ward.assign(_s=_when(ward, "WardStart"), _e=_when(ward, "EndDtTimeInt"))
    rooms["_s"], rooms["_e"] = _when(rooms, "EpsActvDtimeInt"), _when(rooms, "EndDateTmInt")
    merged = pd.merge_asof(
        rooms.sort_values("_s"),
        starts[[*EPISODE, "_s", "_e"]].sort_values("_s"),
        on="_s",
        by=EPISODE,
        suffixes=("", "_ward"),
        allow_exact_matches=True,
    )
    assert merged["_e_ward"].isna().eq(merged["_e"].isna()).all()
    closed = merged["_e"].notna()
    assert (merged.loc[closed, "_e"] <= merged.loc[closed, "_e_ward"]).all()
    # Every ward stay has a room stay that starts with it (LOAD_ADT_WARDSTAYS.BED_LOCATION).
    first = set(map(tuple, rooms[[*EPISODE, "EpsActvDtimeInt"]].to_numpy()))
    assert set(map(tuple, ward[[*EPISODE, "WardStart"]].to_numpy())) <= first


def test_alerts_are_distinct_registers_of_known_patients(clean_extracts: SourceExtracts) -> None:
    t = clean_extracts.tables
    reg = t["PMISPECIALREG"]
    assert not reg.duplicated(["InternalPatientNumber", "SpecialRegister"]).any()
    assert reg["InternalPatientNumber"].isin(t["PATDATA"]["InternalPatientNumber"]).all()


def test_a_realistic_share_of_patients_have_a_carer(clean_extracts: SourceExtracts) -> None:
    pat = clean_extracts.tables["PATDATA"]
    carer = pat["CarerName"] != ""
    assert 0.04 < carer.mean() < 0.2
    assert (pat.loc[carer, "Relationship"] != "").all() and (pat.loc[~carer, "Relationship"] == "").all()


def test_a_defect_in_a_new_table_that_is_not_ledgered_is_found(extracts: SourceExtracts, source_catalog) -> None:
    """The ledger check must be able to fail: an unledgered orphan tracking step shows as a difference."""
    tables = dict(extracts.tables)
    track = tables["OPATTTRACK"].copy()
    track.loc[track.index[0], "EpisodeNumber"] = "999999999"
    tables["OPATTTRACK"] = track
    merged = reconcile_ledger(tables, extracts.defect_ledger, source_catalog)
    differing = merged[merged["count_found"] != merged["count_ledger"]]
    assert list(zip(differing["table"], differing["defect_kind"], strict=True)) == [("OPATTTRACK", "orphan_child_row")]
    assert reconcile_ledger(extracts.tables, extracts.defect_ledger, source_catalog).pipe(
        lambda m: (m["count_found"] == m["count_ledger"]).all()
    )
    assert np.isin(NEW_TABLES, extracts.defect_ledger["table"].unique()).all()
