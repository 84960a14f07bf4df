"""Patient identity rules on a tiny hand-made world: who may load, what optional fields cost a
patient, first-seen dates, death times, merged patients' identifiers and chunked columns."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from pandas.core.arrays.string_arrow import ArrowStringArray

from qvh_migration.etl import key_registry
from qvh_migration.etl.executor import load_table
from qvh_migration.etl.row_sources import RowSource, RowSources, load_row_sources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration.io.arrow_text import STR_DTYPE
from qvh_migration_tests.etl.test_executor import rule

EXTRACTS = {
    "PATDATA": pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "3", "4"],
            "DistrictNumber": ["Q1", "Q2", "Q3", "Q4"],
            "EthnicType": ["A", "W", "", "A"],
            "NoKName": ["JOHN SMITH", "ANN", "MARY JANE KELLY", ""],
            "PtDateOfDeathInt": ["", "20220810", "", ""],
            "OldNHSNumber": ["", "wxr 218 4 ", "", "1111111111"],
        }
    ),
    "MERGEDID": pd.DataFrame({"OldID": ["3", "8"], "NewestID": ["1", "4"]}),  # record 8 is gone from PATDATA
    "ADMITDISCH": pd.DataFrame(
        {
            "InternalPatientNumber": ["2", "2"],
            "EpisodeNumber": ["S1", "S2"],
            "IpAdmDtimeInt": ["202208101230", "202201010900"],
            "IpDschDtimeInt": ["202208101630", "202201021000"],
        }
    ),
    "OPREFERRAL": pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2", "9"],
            "EpisodeNumber": ["E1", "E2", "E9"],
            "DistrictNumber": ["Q1", "Q2", "Q9"],
        }
    ),
    "OPA": pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "1", "1", "2"],
            "EpisodeNumber": ["E1", "E1", "E1", "E2"],
            "PtApptStartDtimeInt": ["202001010900", "202002010900", "202003010900", "202001050900"],
            "ApptStatus": ["CANC", "SATT", "ATT", "NATT"],
        }
    ),
}
CROSSWALKS = {
    "ethnic_category": pd.Series({"A": "A"}),
    "attendance_status": pd.Series({"ATT": "5", "WLK": "5", "SATT": "6", "NATT": "3", "CANC": "NO_CODE"}),
}
ROW_SOURCES = RowSources(
    "PC60",
    {
        "LOAD_PMI": RowSource("LOAD_PMI", "PATDATA", ("InternalPatientNumber",)),
        "LOAD_REFERRALS": RowSource("LOAD_REFERRALS", "OPREFERRAL", ("InternalPatientNumber", "EpisodeNumber")),
    },
)
PMI_KEY = rule("LOAD_PMI", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER")


def world(extracts: dict[str, pd.DataFrame], row_sources: RowSources) -> tuple[SourceTables, dict[str, pd.Series]]:
    sources = SourceTables(lambda table: extracts.get(table))
    registry = key_registry.empty_registry()
    for table in row_sources.tables:
        for spec in row_sources.parts(table):
            prepared = prepare_rows(spec, sources.raw(str(spec.source_table)), sources.survivors, sources.districts)
            registry = key_registry.register(registry, table, prepared[GRAIN_KEY].astype(str), "run-1")
    return sources, {t: key_registry.record_numbers(registry, t) for t in row_sources.tables}


def load(
    table: str, rules: list[dict], mode: str = "strict", outcomes=None, extracts=EXTRACTS, row_sources=ROW_SOURCES
):
    sources, numbers = world(extracts, row_sources)
    return load_table(
        table,
        pd.DataFrame(rules),
        row_sources,
        sources,
        CROSSWALKS,
        numbers,
        impute_mode=mode,
        run_id="run-1",
        parent_outcomes=outcomes,
    )


def pmi_outcomes(rejected: set[int]) -> pd.DataFrame:
    numbers = [1, 2, 3, 4]
    return pd.DataFrame(
        {
            "record_number": numbers,
            "outcome": ["rejected" if n in rejected else "loaded" for n in numbers],
            "reason": "",
        }
    )


def test_activity_of_a_patient_not_in_load_pmi_is_rejected() -> None:
    """Guide pp39, 41, 54, 73: activity names its patient by MAIN_CRN "as loaded into LOAD_PMI".

    The old executor loaded a referral whose patient's PMI row was rejected (6 referrals, 3 pathways,
    1 appointment and 1 admission in the review's run). Patient 2 is rejected in LOAD_PMI; patient 9
    has no PMI row at all."""
    rules = [
        rule("LOAD_REFERRALS", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
        rule("LOAD_REFERRALS", 2, "MAIN_CRN", "DIRECT", source_fields="OPREFERRAL.DistrictNumber"),
    ]
    outcomes = pmi_outcomes({2})
    loaded = load("LOAD_REFERRALS", rules, outcomes=lambda t: outcomes if t == "LOAD_PMI" else None)
    assert loaded.conserved
    assert loaded.table["MAIN_CRN"].tolist() == ["Q1"]
    rejects = loaded.rejects.set_index("source_key")
    assert set(rejects["reason_code"]) == {"patient_not_loaded"}
    assert "rejected" in rejects.loc["InternalPatientNumber=2|EpisodeNumber=E2", "message"]
    assert "no LOAD_PMI row" in rejects.loc["InternalPatientNumber=9|EpisodeNumber=E9", "message"]
    # Lenient mode too: a missing patient is not an imputable field.
    lenient = load("LOAD_REFERRALS", rules, "lenient", lambda t: outcomes if t == "LOAD_PMI" else None)
    assert lenient.table["MAIN_CRN"].tolist() == ["Q1"]


def test_an_unmapped_optional_demographic_loads_as_not_known_in_both_modes() -> None:
    """Guide p19 (ETHNIC_GROUP, code type 10028) and NHS Data Dictionary ETHNIC CATEGORY 99 (not known).

    The old rule rejected the whole patient in strict mode for an unmapped ethnicity ('W')."""
    rules = [
        PMI_KEY,
        rule(
            "LOAD_PMI",
            2,
            "ETHNIC_GROUP",
            "CROSSWALK",
            source_fields="PATDATA.EthnicType",
            crosswalk="ethnic_category",
            default_value="99",
        ),
    ]
    for mode in ("strict", "lenient"):
        pmi = load("LOAD_PMI", rules, mode)
        assert pmi.rejects.empty, mode
        by_number = dict(zip(pmi.table["RECORD_NUMBER"], pmi.table["ETHNIC_GROUP"], strict=True))
        assert by_number[2] == "99" and by_number[1] == "A" and by_number[4] == "A"
        assert pmi.warnings["reason_code"].tolist() == ["unmapped_code_not_known"]
    # Without the rule's not-known value, strict mode still rejects (identity, clinical, waiting-time fields).
    strict = load("LOAD_PMI", [PMI_KEY, {**rules[1], "default_value": ""}])
    assert strict.rejects["reason_code"].tolist() == ["unmapped_code"]


def test_first_seen_is_the_earliest_attended_appointment() -> None:
    """Guide p41 (FIRST_SEEN, APPOINTMENT_REFERRALS.patient_firstseen_date).

    The old rule took the earliest appointment of any status: 01/01/2020 (a cancellation) for E1 and
    05/01/2020 (a DNA) for E2, who was never seen."""
    rules = [
        rule("LOAD_REFERRALS", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
        rule(
            "LOAD_REFERRALS",
            2,
            "FIRST_SEEN",
            "DERIVED",
            source_fields="OPA.PtApptStartDtimeInt;OPA.ApptStatus",
            transform="earliest_attended_date",
            data_type="DATE",
            comment="Must be in format: DD/MM/YYYY",
        ),
    ]
    seen = load("LOAD_REFERRALS", rules).table.set_index("RECORD_NUMBER")["FIRST_SEEN"]
    assert seen[1] == "01/02/2020"  # SATT (arrived late, seen) before the ATT of 01/03
    assert pd.isna(seen[2]) and pd.isna(seen[3])


def test_a_death_is_never_before_an_activity_of_the_same_day() -> None:
    """Guide p21 (DATE_OF_DEATH, DD/MM/YYYY HH24:MI). Patient 2 was admitted at 12:30 and died at
    16:30 on 10/08/2022 (the discharge ending the spell); the old rule loaded 10/08/2022 00:00."""
    rules = [
        PMI_KEY,
        rule(
            "LOAD_PMI",
            2,
            "DATE_OF_DEATH",
            "DERIVED",
            source_fields="PATDATA.PtDateOfDeathInt;ADMITDISCH.IpAdmDtimeInt;ADMITDISCH.IpDschDtimeInt",
            transform="death_datetime",
            data_type="DATE",
            comment="Must be in format: DD/MM/YYYY HH24:MI",
        ),
    ]
    died = load("LOAD_PMI", rules).table.set_index("RECORD_NUMBER")["DATE_OF_DEATH"]
    assert died[2] == "10/08/2022 16:30"
    assert died.drop(2).isna().all()


def test_merged_patients_hospital_numbers_and_old_nhs_numbers_load_as_identifiers() -> None:
    """Guide p26 (LOAD_PMIIDS, additional identifiers, id type through code type 9).

    The old row source loaded case notes only: the retired record 3 (merged into 1) lost its hospital
    number Q3, record 8 (merged into 4, no longer in PATDATA) its internal number, and the old NHS
    numbers (pre-1996 style in PatientCentre, no check digit) were not loaded."""
    row_sources = load_row_sources()
    extracts = {
        **EXTRACTS,
        "CASENOTEDETS": pd.DataFrame({"InternalPatientNumber": ["1"], "PtCasenoteIdPhyskey": ["C1"]}),
    }
    tables = {"LOAD_PMI": row_sources.tables["LOAD_PMI"], "LOAD_PMIIDS": row_sources.tables["LOAD_PMIIDS"]}
    chosen = RowSources(row_sources.system_code, tables, path=row_sources.path)
    rules = [
        rule("LOAD_PMIIDS", 1, "RECORD_NUMBER", "GENERATED", generator="sequence", data_type="NUMBER"),
        rule("LOAD_PMIIDS", 2, "LOADPMI_RECORD_NUMBER", "DERIVED", parent_table="LOAD_PMI", data_type="NUMBER"),
        rule(
            "LOAD_PMIIDS",
            3,
            "EXTERNAL_SYSTEM_ID",
            "GENERATED",
            generator="source_key",
            source_fields="CASENOTEDETS.InternalPatientNumber;CASENOTEDETS.PtCasenoteIdPhyskey",
        ),
        rule(
            "LOAD_PMIIDS",
            4,
            "MAIN_CRN",
            "DERIVED",
            source_fields="CASENOTEDETS.InternalPatientNumber;PATDATA.DistrictNumber",
            transform="lookup_by_key",
        ),
        rule("LOAD_PMIIDS", 5, "ADDITIONAL_ID_TYPE", "DEFAULT", default_value="CASENOTE"),
        rule("LOAD_PMIIDS", 6, "ADDITIONAL_ID", "DIRECT", source_fields="CASENOTEDETS.PtCasenoteIdPhyskey", length=30),
        rule("LOAD_PMIIDS", 7, "VOLUME", "DEFAULT", default_value="1", data_type="NUMBER"),
    ]
    for row in rules:
        row["mandatory_class"] = "mandatory" if row["target_field"] != "VOLUME" else "optional"
    ids = load("LOAD_PMIIDS", rules, extracts=extracts, row_sources=chosen)
    rows = set(zip(ids.table["MAIN_CRN"], ids.table["ADDITIONAL_ID_TYPE"], ids.table["ADDITIONAL_ID"], strict=True))
    assert ("Q1", "CASENOTE", "C1") in rows
    assert ("Q1", "OLDCRN", "Q3") in rows  # the retired record's number, on the survivor
    assert ("Q4", "OLDPASID", "8") in rows  # only the retired internal number is known
    assert ("Q2", "OLDNHS", "WXR 218 4") in rows and ("Q4", "OLDNHS", "1111111111") in rows
    assert ids.rejects.empty and ids.conserved
    assert set(ids.table["LOADPMI_RECORD_NUMBER"]) == {1, 2, 4}  # survivors 1 and 4, and patient 2


def chunked(values: list[str]) -> pd.Series:
    chunks = [pa.array(values[i : i + 2], pa.large_string()) for i in range(0, len(values), 2)]
    return pd.Series(ArrowStringArray(pa.chunked_array(chunks), dtype=STR_DTYPE))


def test_load_pmi_loads_a_patient_table_whose_columns_arrive_in_chunks() -> None:
    """Issue 20: LOAD_PMI crashed at 1M patients (``ChunkedArray`` has no ``offsets``) in
    split_name_family; here every PATDATA column is deliberately in several Arrow chunks."""
    patients = EXTRACTS["PATDATA"]
    columns = {c: chunked(patients[c].tolist()) for c in patients.columns}
    # No merged patient: every row is a candidate, so no row filter re-packs the chunks into one.
    as_chunks = {**EXTRACTS, "MERGEDID": EXTRACTS["MERGEDID"].iloc[0:0], "PATDATA": pd.DataFrame(columns)}
    rules = [
        PMI_KEY,
        rule("LOAD_PMI", 2, "NOK_NAME_1", "TRANSFORM", source_fields="PATDATA.NoKName", transform="split_name"),
        rule(
            "LOAD_PMI",
            3,
            "NOK_NAME_FAMILY",
            "TRANSFORM",
            source_fields="PATDATA.NoKName",
            transform="split_name_family",
        ),
    ]
    pmi = load("LOAD_PMI", rules, extracts=as_chunks)
    assert pmi.conserved
    names = pmi.table.set_index("RECORD_NUMBER")
    assert names.loc[1, "NOK_NAME_FAMILY"] == "SMITH" and names.loc[2, "NOK_NAME_FAMILY"] == "ANN"
    assert names.loc[1, "NOK_NAME_1"] == "JOHN"
