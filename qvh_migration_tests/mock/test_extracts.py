"""Shape, sizes, identities, links and timelines of the generated extracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qvh_migration.legacy.catalog import date_columns, table_specs
from qvh_migration.legacy.dates import parse_minutes
from qvh_migration.legacy.keys import ALL_TABLES, PRIORITY_TABLES, TABLE_KEYS, row_keys
from qvh_migration.mock.extracts import SourceExtracts
from qvh_migration.mock.parameters import EXTRACT_MINUTE, NO_TIME
from qvh_migration.mock.recount import (
    episode_checks,
    nhs_number_faults,
    nhs_number_in_999_range,
    orphan_rows,
    over_length_cells,
)

BS7666 = r"(?:[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABD-HJLNP-UW-Z]{2}|GIR 0AA)"


def _ledger_keys(ex: SourceExtracts, kind: str, table: str | None = None) -> set[tuple[str, str]]:
    led = ex.defect_ledger[ex.defect_ledger["defect_kind"] == kind]
    if table is not None:
        led = led[led["table"] == table]
    return set(zip(led["table"], led["row_key"], strict=True))


def _keys(ex: SourceExtracts, table: str, mask: np.ndarray) -> set[tuple[str, str]]:
    rows = np.flatnonzero(mask)
    return {(table, k) for k in row_keys(ex.tables[table], table).iloc[rows].tolist()}


def _minutes(ex: SourceExtracts, specs, table: str, column: str) -> np.ndarray:
    return parse_minutes(ex.tables[table][column], date_columns(specs[table])[column])[0]


def test_all_tables_with_exactly_the_catalog_columns(extracts: SourceExtracts, source_catalog) -> None:
    specs = table_specs(source_catalog, ALL_TABLES)
    assert set(PRIORITY_TABLES) <= set(extracts.tables)
    assert set(extracts.tables) == {t for t in ALL_TABLES if t in specs}
    for name, df in extracts.tables.items():
        expected = source_catalog[source_catalog["TableName"] == name].sort_values("field_order")["Column"]
        assert list(df.columns) == list(expected), name
    assert extracts.unused_columns == {}, "generator fills columns the dictionary does not have"


def test_all_values_are_strings_with_empty_for_missing(extracts: SourceExtracts) -> None:
    for name, df in extracts.tables.items():
        assert all(dtype == "str" for dtype in df.dtypes), name
        assert not df.isna().any().any(), name
    assert all(dtype == "str" for dtype in extracts.defect_ledger.dtypes)


def test_meaningful_fields_are_filled(extracts: SourceExtracts) -> None:
    pat = extracts.tables["PATDATA"]
    for col in (
        "InternalPatientNumber",
        "DistrictNumber",
        "Surname",
        "Forenames",
        "Sex",
        "PtDoB",
        "InternalDateOfBirth",
        "PtAddrPostCode",
        "NHSNumberStatus",
        "GpCode",
        "EthnicType",
        "Title",
    ):
        assert (pat[col] != "").mean() > 0.98, col
    for table, col in [
        ("OPA", "ClinicCode"),
        ("OPA", "ApptStatus"),
        ("ADMITDISCH", "MethodOfAdmission"),
        ("CONSEPISODE", "ConsultantCode"),
        ("RTTPERIOD", "CurrentStatus"),
        ("WLACTIVITY", "EpsActvTypeInt"),
        ("OPREFERRAL", "RefBy"),
    ]:
        assert (extracts.tables[table][col] != "").mean() > 0.95, (table, col)


def test_every_value_fits_its_size_except_ledgered_over_length(extracts: SourceExtracts, source_catalog) -> None:
    specs = table_specs(source_catalog, extracts.tables)
    found = set()
    for name, df in extracts.tables.items():
        for column, mask in over_length_cells(df, specs[name]).items():
            found |= {(t, k, column) for t, k in _keys(extracts, name, mask)}
    led = extracts.defect_ledger[extracts.defect_ledger["defect_kind"] == "over_length_value"]
    assert found == set(zip(led["table"], led["row_key"], led["column"], strict=True))
    assert found, "the default rate should produce over-length values"


def test_clean_extract_fits_every_size(clean_extracts: SourceExtracts, source_catalog) -> None:
    specs = table_specs(source_catalog, clean_extracts.tables)
    for name, df in clean_extracts.tables.items():
        assert over_length_cells(df, specs[name]) == {}, name
    assert len(clean_extracts.defect_ledger) == 0


def test_row_keys_are_unique(extracts: SourceExtracts) -> None:
    for name, df in extracts.tables.items():
        if name in TABLE_KEYS and len(df):
            keys = row_keys(df, name)
            assert len(set(keys.tolist())) == len(df), name


def test_nhs_numbers_valid_and_synthetic_except_ledgered(extracts: SourceExtracts) -> None:
    pat = extracts.tables["PATDATA"]
    invalid, dummy = nhs_number_faults(pat)
    assert _keys(extracts, "PATDATA", invalid) == _ledger_keys(extracts, "invalid_nhs_check_digit")
    assert _keys(extracts, "PATDATA", dummy) == _ledger_keys(extracts, "dummy_nhs_number")
    present = (pat["NhsNumber"] != "").to_numpy()
    good = present & ~invalid & ~dummy
    assert good.sum() > 0.85 * len(pat)
    assert nhs_number_in_999_range(pat)[good].all()
    assert pat.loc[good, "NhsNumber"].str.fullmatch(r"999 \d{3} \d{4}").all()
    # Unique, apart from a duplicate registration that kept the number.
    dup_keys = {k for _, k in _ledger_keys(extracts, "duplicate_patient")}
    not_dup = ~row_keys(pat, "PATDATA").isin(dup_keys).to_numpy()
    assert not pat.loc[good & not_dup, "NhsNumber"].duplicated().any()


def test_nhs_number_status_mix(extracts: SourceExtracts) -> None:
    pat = extracts.tables["PATDATA"]
    share = pat["NHSNumberStatus"].value_counts(normalize=True)
    assert share["01"] > 0.85
    assert len(share) >= 4
    # Statuses that mean "no number" go with an empty number (duplicates aside).
    without = pat["NHSNumberStatus"].isin(["04", "07", "08"])
    assert (pat.loc[without, "NhsNumber"] == "").all()


def test_local_identifiers(clean_extracts: SourceExtracts) -> None:
    extracts = clean_extracts
    pat = extracts.tables["PATDATA"]
    assert pat["InternalPatientNumber"].str.fullmatch(r"\d{9}").all()
    assert pat["DistrictNumber"].str.fullmatch(r"Q\d{7}").all()
    assert not pat["DistrictNumber"].duplicated().any()
    gmc = extracts.tables["CONSMAST"]["GMCCode"]
    assert gmc.str.fullmatch(r"C\d{7}").all() and not gmc.duplicated().any()
    gp = extracts.tables["GP"]
    assert gp["GpCode"].str.fullmatch(r"G\d{7}").all()
    assert gp["PracticeCode"].str.fullmatch(r"[A-Z]\d{5}").all()
    assert "G9999998" in set(gp["GpCode"]) and "V81999" in set(gp["PracticeCode"])


def test_postcodes_and_old_numbers(clean_extracts: SourceExtracts) -> None:
    extracts = clean_extracts
    pc = extracts.tables["PATDATA"]["PtAddrPostCode"]
    pseudo = pc.str.startswith("ZZ99 ")
    assert pc[~pseudo].str.fullmatch(BS7666).all()
    assert 0 < pseudo.mean() < 0.05
    old = extracts.tables["PATDATA"]["OldNHSNumber"]
    assert 0.02 < (old != "").mean() < 0.5


def test_links_hold_except_ledgered_orphans(extracts: SourceExtracts) -> None:
    found = set()
    for table, mask in orphan_rows(extracts.tables).items():
        found |= _keys(extracts, table, mask)
    assert found == _ledger_keys(extracts, "orphan_child_row")
    assert found


def test_clean_extract_is_referentially_whole(clean_extracts: SourceExtracts) -> None:
    for table, mask in orphan_rows(clean_extracts.tables).items():
        assert not mask.any(), table


def test_episode_defects_match_the_ledger(extracts: SourceExtracts, source_catalog) -> None:
    specs = table_specs(source_catalog, extracts.tables)
    outside, overlap = episode_checks(extracts.tables, specs)
    assert _keys(extracts, "CONSEPISODE", outside) == _ledger_keys(extracts, "episode_outside_spell")
    assert _keys(extracts, "CONSEPISODE", overlap) == _ledger_keys(extracts, "overlapping_episodes")


def test_clean_timelines(clean_extracts: SourceExtracts, source_catalog) -> None:
    ex = clean_extracts
    specs = table_specs(source_catalog, ex.tables)
    m = lambda t, c: _minutes(ex, specs, t, c)  # noqa: E731
    # Spells: admission <= discharge; episodes tile the spell (start at admission, end at discharge,
    # each starts where the previous ended); ward stays likewise.
    ad = ex.tables["ADMITDISCH"]
    adm, dis = m("ADMITDISCH", "IpAdmDtimeInt"), m("ADMITDISCH", "IpDschDtimeInt")
    assert (dis[dis != NO_TIME] >= adm[dis != NO_TIME]).all()
    assert (adm <= EXTRACT_MINUTE).all()
    spell_key = ad["InternalPatientNumber"] + "|" + ad["EpisodeNumber"]
    for table, start_col, end_col in [
        ("CONSEPISODE", "EpsActvDtimeInt", "EpisodeEndDt"),
        ("WARDSTAY", "EpsActvDtimeInt", "EndDtTimeInt"),
    ]:
        df = ex.tables[table]
        spell = pd.Index(spell_key).get_indexer(df["InternalPatientNumber"] + "|" + df["EpisodeNumber"])
        assert (spell >= 0).all(), table
        frame = pd.DataFrame({"spell": spell, "start": m(table, start_col), "end": m(table, end_col)})
        grouped = frame.groupby("spell")
        assert (grouped["start"].min().to_numpy() == adm[grouped["start"].min().index]).all(), table
        last_end = grouped["end"].last().to_numpy()
        assert (last_end == dis[grouped["end"].last().index]).all(), table
        ordered = frame.sort_values(["spell", "start"])
        same = ordered["spell"].to_numpy()[1:] == ordered["spell"].to_numpy()[:-1]
        assert (ordered["start"].to_numpy()[1:][same] == ordered["end"].to_numpy()[:-1][same]).all(), table
    outside, overlap = episode_checks(ex.tables, specs)
    assert not outside.any() and not overlap.any()
    # RTT periods, previous addresses: end >= start.
    for table, s, e in [
        ("RTTPERIOD", "RttStartDateTimeInt", "RttEndDateTimeInt"),
        ("PREVADDRESS", "EffectiveFromDateInt", "EffectiveToDateInt"),
    ]:
        start, end = m(table, s), m(table, e)
        assert (end[end != NO_TIME] >= start[end != NO_TIME]).all(), table
    # Births: not in the future, before every referral and appointment of the patient.
    pat = ex.tables["PATDATA"]
    dob = pd.Series(m("PATDATA", "InternalDateOfBirth"), index=pat["InternalPatientNumber"])
    assert (dob <= EXTRACT_MINUTE).all()
    ref = ex.tables["OPREFERRAL"]
    assert (m("OPREFERRAL", "OpRegDtimeInt") >= dob.loc[ref["InternalPatientNumber"]].to_numpy()).all()
    # Deaths: after the last activity, never in the future.
    death = m("PATDATA", "PtDateOfDeathInt")
    assert (death[death != NO_TIME] <= EXTRACT_MINUTE).all()
    opa = ex.tables["OPA"]
    appt = m("OPA", "PtApptStartDtimeInt")
    death_of = pd.Series(death, index=pat["InternalPatientNumber"]).loc[opa["InternalPatientNumber"]].to_numpy()
    dead = death_of != NO_TIME
    assert (appt[dead] < death_of[dead] + 1440).all()
    # Outpatients: booked before the appointment, referral before the first appointment.
    booked = m("OPA", "DateApptBookedInt")
    assert (booked <= appt).all()
    ref_key = ref["InternalPatientNumber"] + "|" + ref["EpisodeNumber"]
    ref_of = pd.Index(ref_key).get_indexer(opa["InternalPatientNumber"] + "|" + opa["EpisodeNumber"])
    assert (ref_of >= 0).all()
    assert (m("OPREFERRAL", "OpRegDtimeInt")[ref_of] <= appt).all()
    assert (appt != NO_TIME).all() and (booked != NO_TIME).all()
    # Waiting-list activity in time order within each entry, none after the extract.
    wa = ex.tables["WLACTIVITY"]
    act = m("WLACTIVITY", "EpsActvDtimeInt")
    entry = (wa["InternalPatientNumber"] + "|" + wa["EpisodeNumber"]).to_numpy()
    same = entry[1:] == entry[:-1]
    assert (act[1:][same] > act[:-1][same]).all()
    assert (act <= EXTRACT_MINUTE).all()


def test_cancellations_dnas_and_suspensions_are_present(extracts: SourceExtracts) -> None:
    status = extracts.tables["OPA"]["ApptStatus"].value_counts(normalize=True)
    assert 0.03 < status["NATT"] < 0.15 and 0.05 < status["CANC"] < 0.2 and status["ATT"] > 0.6
    assert (
        extracts.tables["OPA"]["CancelBy"].isin(["H", "P"]) == (extracts.tables["OPA"]["ApptStatus"] == "CANC")
    ).mean() > 0.99
    kinds = extracts.tables["WLACTIVITY"]["EpsActvTypeInt"].value_counts()
    for kind in ("1", "2", "3", "4", "5", "6", "7"):
        assert kinds.get(kind, 0) > 0, kind
    rtt = extracts.tables["RTTPERIOD"]
    assert (rtt["RttEndDate"] != "").mean() > 0.5 and (rtt["RttEndDate"] == "").any()


def test_case_mix_fits_qvh(clean_extracts: SourceExtracts, source_catalog) -> None:
    ex = clean_extracts
    specs = table_specs(source_catalog, ex.tables)
    pat = ex.tables["PATDATA"]
    age = pd.Series(
        (EXTRACT_MINUTE - _minutes(ex, specs, "PATDATA", "InternalDateOfBirth")) / (1440 * 365.25),
        index=pat["InternalPatientNumber"],
    )
    ref = ex.tables["OPREFERRAL"]
    ref_age = age.loc[ref["InternalPatientNumber"]].to_numpy()
    by_spec = pd.Series(ref_age).groupby(ref["Specialty"].to_numpy()).median()
    assert by_spec["OPHC"] > 60 and by_spec["ORTD"] < 35
    burns = ref["Specialty"].to_numpy() == "BURN"
    assert (ref_age[burns] < 30).mean() > 0.2  # children and young adults among burns
    sex = pd.Series(pat["Sex"].to_numpy(), index=pat["InternalPatientNumber"]).loc[ref["InternalPatientNumber"]]
    assert (sex.to_numpy()[ref["Specialty"].to_numpy() == "BRST"] == "F").mean() > 0.9
    n = len(pat)
    assert 1.2 < len(ref) / n < 2.0
    assert 2.0 < len(ex.tables["OPA"]) / n < 5.0
    assert 0.2 < len(ex.tables["ADMITDISCH"]) / n < 0.8
    assert 0.02 < (pat["PtDateOfDeathInt"] != "").mean() < 0.4


@pytest.mark.parametrize("table", ["OPA", "ADMITDISCH", "CONSEPISODE", "WLENTRY", "RTTPERIOD", "OPREFERRAL"])
def test_consultants_and_specialties_resolve(clean_extracts: SourceExtracts, table: str) -> None:
    cons = set(clean_extracts.tables["CONSMAST"]["Consultant"])
    spec = set(clean_extracts.tables["SPEC"]["Specialty"])
    df = clean_extracts.tables[table]
    for col in ("Consultant", "ConsultantCode", "ConsCode", "CurrCons", "ClinicConsultant", "RefConsultant"):
        if col in df:
            assert df.loc[df[col] != "", col].isin(cons).all(), (table, col)
    for col in ("Specialty", "SpecialtyCode", "CurrSpec", "ClinicSpecialty", "RefSpecialty"):
        if col in df:
            assert df.loc[df[col] != "", col].isin(spec).all(), (table, col)
