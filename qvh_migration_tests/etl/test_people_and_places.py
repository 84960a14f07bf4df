"""Staff, users, sites and waiting-list profiles load whole from their masters; the tables decided
away load no rows and say why."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.etl.pipeline import run_partition
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of

MAPPED = ("LOAD_STAFF", "LOAD_USERS", "LOAD_SITES", "LOAD_IWL_PROFILES", "LOAD_CMTY_APPOINTMENTS")


@pytest.fixture(scope="module")
def loads(upstream_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import shutil

    data_dir = tmp_path_factory.mktemp("people_and_places") / "data"
    shutil.copytree(upstream_data, data_dir)
    tables = (*MAPPED, "LOAD_MH_CPA_MASTER", "LOAD_OPDWAITLISTDEF")
    loaded = {t: run_partition(folders_of(data_dir), CROSSWALKS, t, run_id="run-1")[0] for t in tables}
    return {"loads": loaded, "extracts": data_dir / "extracts"}


def _extract(loads: dict, table: str) -> pd.DataFrame:
    return pd.read_parquet(loads["extracts"] / f"{table}.parquet")


def retired_consultants(loads: dict) -> set[str]:
    """Consultants the legacy master marks deleted: LOAD_STAFF leaves them out by its reviewed rule, while
    older activity may still name them (a data fault for the trust, not a broken link of the load)."""
    consultants = _extract(loads, "CONSMAST")
    return set(consultants.loc[consultants["Deleted"].eq("Y"), "Consultant"])


@pytest.mark.parametrize("table", MAPPED)
def test_mapped_table_loads_every_live_row_without_rejects(loads: dict, table: str) -> None:
    load = loads["loads"][table]
    summary = load.summary.iloc[0]
    assert load.rejects.empty
    assert summary["loaded_rows"] > 0
    assert summary["loaded_rows"] + summary["filtered_rows"] == summary["source_rows"]
    record_number = next(c for c in load.table.columns if c.upper() == "RECORD_NUMBER")
    assert load.table[record_number].is_unique


def test_staff_are_the_live_consultants(loads: dict) -> None:
    staff = loads["loads"]["LOAD_STAFF"].table
    consultants = _extract(loads, "CONSMAST")
    live = consultants[consultants["Deleted"] != "Y"].set_index("Consultant")
    assert sorted(staff["staff_id"]) == sorted(live.index)
    assert staff["gp_national_code"].isna().all()  # consultants are not GPs (GP_MASTER)
    emails = live.loc[staff["staff_id"], "EmailId"].replace("", pd.NA).to_numpy()
    assert (staff["email_address"].fillna("").to_numpy() == pd.Series(emails).fillna("").to_numpy()).all()
    external = live.loc[staff["staff_id"], "ExternalCons"].eq("YES").to_numpy()
    assert (staff["employee_flag"].to_numpy() == pd.Series(external).map({True: "N", False: "Y"}).to_numpy()).all()
    assert staff["family_name"].str.isupper().all()


def test_disabled_users_may_not_log_on_after_their_disabled_date(loads: dict) -> None:
    users = loads["loads"]["LOAD_USERS"].table.set_index("external_system_id")
    source = _extract(loads, "USERS").set_index("UserName").loc[users.index]
    disabled = source["DisabledUserInternal"].eq("1")
    assert disabled.any() and (~disabled).any()
    assert (users.loc[disabled, "allow_logon"] == "N").all()
    assert (users.loc[~disabled, "allow_logon"] == "Y").all()
    assert users.loc[disabled, "login_to_date"].str.fullmatch(r"\d{2}/\d{2}/\d{4}").all()
    assert users.loc[~disabled, "login_to_date"].isna().all()
    assert users["user_name"].eq(users["user_name"].str.upper()).all()
    assert users["Password"].isna().all()  # the guide spells this one field with a capital


def test_every_site_code_of_the_activity_is_a_loaded_site(loads: dict) -> None:
    sites = set(loads["loads"]["LOAD_SITES"].table["site_code"])
    for table, column in (("WARD", "HospitalCode"), ("WAITCD", "HospitalCode"), ("OPWLMF", "HospitalCode")):
        codes = _extract(loads, table)[column]
        assert set(codes[codes != ""]) <= sites, (table, column)


def test_waiting_list_profiles_point_at_loaded_staff(loads: dict) -> None:
    profiles = loads["loads"]["LOAD_IWL_PROFILES"].table
    staff = set(loads["loads"]["LOAD_STAFF"].table["staff_id"])
    assert set(profiles["CONSULTANT_CODE"]) <= staff | retired_consultants(loads)
    assert profiles["LIST_NO"].str.len().max() <= 2
    assert set(profiles["WAITLIST_PROFILE"]) == set(_extract(loads, "WAITCD")["WaitingList"])


def test_community_contacts_carry_their_referral_and_patient(loads: dict) -> None:
    contacts = loads["loads"]["LOAD_CMTY_APPOINTMENTS"].table
    source = _extract(loads, "CPPTCONTACT")
    referrals = _extract(loads, "CPSGREFERRAL").set_index(["InternalPatientNumber", "EpisodeNumber"])
    patients = _extract(loads, "PATDATA").drop_duplicates("InternalPatientNumber").set_index("InternalPatientNumber")
    assert len(contacts) == len(source)
    key = source.set_index(["InternalPatientNumber", "EpisodeNumber"]).index
    assert key.isin(referrals.index).all()
    assert (contacts["REF_TEAM"].to_numpy() == referrals.loc[key, "ServGroup"].to_numpy()).all()
    assert (contacts["MAIN_CRN"].to_numpy() == patients.loc[source["InternalPatientNumber"], "DistrictNumber"]).all()
    when = source["ContactDatetimeInt"]
    day = when.str[6:8] + "/" + when.str[4:6] + "/" + when.str[:4]
    assert (contacts["APPT_DATE"].str[:10].to_numpy() == day.to_numpy()).all()  # time too where the guide has it
    first = source["InitialContact"].eq("YES").to_numpy()
    assert (contacts.loc[first, "REF_NEW_FOLLOWUP_FLAG"] == "N").all()
    assert (contacts.loc[~first, "REF_NEW_FOLLOWUP_FLAG"] == "F").all()
    cancelled = source["ApptAttendanceCode"].isin(["CND", "CNW"]).to_numpy()
    assert cancelled.any()  # cancelled contacts are loaded (guide p58)
    staff = set(loads["loads"]["LOAD_STAFF"].table["staff_id"]) | retired_consultants(loads)
    assert set(contacts["CONSULTANT_CODE"]) <= staff and set(contacts["REF_CONSULTANT"]) <= staff


@pytest.mark.parametrize("table", ["LOAD_MH_CPA_MASTER", "LOAD_OPDWAITLISTDEF"])
def test_tables_decided_away_load_nothing_and_say_why(loads: dict, table: str) -> None:
    load = loads["loads"][table]
    assert load.table.empty and load.rejects.empty
    assert load.summary.iloc[0]["note"]
