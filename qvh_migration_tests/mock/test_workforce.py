"""The staff, user and site masters: proportionate, seeded, and whole with the activity pointing at them."""

from __future__ import annotations

import pandas as pd

from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameters
from qvh_migration.mock.workforce import MAX_USERS, MIN_USERS, user_count

# Columns of the generated tables that carry a hospital (site) code.
HOSPITAL_CODE_COLUMNS = ("HospitalCode", "Hospital", "HospCode", "DestinationHospCd")


def test_users_are_proportionate_unique_and_fit_their_sizes(clean_extracts: SourceExtracts, source_catalog) -> None:
    users = clean_extracts.tables["USERS"]
    assert MIN_USERS <= len(users) <= MAX_USERS
    assert users["UserName"].is_unique
    sizes = source_catalog[source_catalog["TableName"] == "USERS"].set_index("Column")["Size"].astype(int)
    for column in users.columns:
        assert users[column].str.len().max() <= sizes[column], column
    assert user_count(10) == MIN_USERS < user_count(1_000_000) <= user_count(10_000_000) == MAX_USERS


def test_disabled_accounts_carry_their_disabled_date(clean_extracts: SourceExtracts) -> None:
    users = clean_extracts.tables["USERS"]
    disabled = users["DisabledUserInternal"].eq("1")
    assert 0 < disabled.sum() < len(users)
    assert users.loc[disabled, "DisabledDateInternal"].str.fullmatch(r"\d{8}").all()
    assert users.loc[~disabled, "DisabledDateInternal"].eq("").all()
    assert (users["DisabledUser"] == disabled.map({True: "YES", False: "NO"})).all()


def test_every_hospital_code_on_any_table_is_a_site(clean_extracts: SourceExtracts) -> None:
    sites = set(clean_extracts.tables["HOSPDET"]["HospitalCode"])
    used = 0
    for table, frame in clean_extracts.tables.items():
        for column in HOSPITAL_CODE_COLUMNS:
            if column in frame.columns and table != "HOSPDET":
                codes = frame.loc[frame[column] != "", column]
                used += len(codes)
                assert codes.isin(sites).all(), (table, column)
    assert used > 0
    assert clean_extracts.tables["HOSPDET"]["HospitalCode"].is_unique


def test_waiting_list_consultants_are_consultants_of_the_list_specialty(clean_extracts: SourceExtracts) -> None:
    lists = clean_extracts.tables["WAITCD"]
    consultants = clean_extracts.tables["CONSMAST"].set_index("Consultant")
    assert lists["MainConsultant"].ne("").all()
    assert lists["MainConsultant"].isin(consultants.index).all()
    specialty = consultants.loc[lists["MainConsultant"], "PrimarySpecialty"].to_numpy()
    assert (specialty == lists["SpecOfList"].to_numpy()).all()
    assert consultants.loc[lists["MainConsultant"], "ExternalCons"].eq("NO").all()


def test_own_consultants_have_an_email_and_others_none(clean_extracts: SourceExtracts) -> None:
    consultants = clean_extracts.tables["CONSMAST"]
    own = consultants["ExternalCons"].eq("NO")
    assert consultants.loc[own, "EmailId"].str.fullmatch(r"[a-z]\.[a-z]+@example\.com").all()
    assert consultants.loc[~own, "EmailId"].eq("").all()


def test_same_seed_same_masters_other_seed_other_users(source_catalog: pd.DataFrame) -> None:
    first = generate_extracts(source_catalog, MockParameters(patients=200, seed=3, defect_rate=0.0))
    again = generate_extracts(source_catalog, MockParameters(patients=200, seed=3, defect_rate=0.0))
    other = generate_extracts(source_catalog, MockParameters(patients=200, seed=4, defect_rate=0.0))
    for table in ("USERS", "HOSPDET", "WAITCD"):
        pd.testing.assert_frame_equal(first.tables[table], again.tables[table])
    assert not first.tables["USERS"].equals(other.tables["USERS"])


def test_community_contacts_belong_to_referrals_of_known_patients(clean_extracts: SourceExtracts) -> None:
    tables = clean_extracts.tables
    referrals, contacts = tables["CPSGREFERRAL"], tables["CPPTCONTACT"]
    patients = set(tables["PATDATA"]["InternalPatientNumber"])
    consultants = tables["CONSMAST"].set_index("Consultant")
    assert 0.01 < referrals["InternalPatientNumber"].nunique() / len(tables["PATDATA"]) < 0.1
    assert not referrals.duplicated(["InternalPatientNumber", "EpisodeNumber"]).any()
    assert not contacts.duplicated(["InternalPatientNumber", "EpisodeNumber", "ContactDatetimeInt"]).any()
    assert referrals["InternalPatientNumber"].isin(patients).all()
    pairs = referrals.set_index(["InternalPatientNumber", "EpisodeNumber"])
    key = contacts.set_index(["InternalPatientNumber", "EpisodeNumber"]).index
    assert key.isin(pairs.index).all()
    # No contact before its referral; clinicians are the trust's own consultants.
    assert (contacts["ContactDatetimeInt"].to_numpy() > pairs.loc[key, "RefDtTmInt"].to_numpy()).all()
    for clinicians in (contacts["PrimaryClinician"], referrals["LeadClinician"]):
        assert consultants.loc[clinicians, "ExternalCons"].eq("NO").all()
    # Seen contacts have an actual time; booked (future) ones no attendance yet.
    seen = contacts["ApptAttendanceCode"].isin(["ATT", "WLK"])
    assert (contacts.loc[seen, "ActualContactDtTmInt"] != "").all()
    assert (contacts.loc[~seen, "ActualContactDtTmInt"] == "").all()
