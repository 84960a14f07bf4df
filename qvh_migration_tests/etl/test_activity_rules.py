"""Issue 18 section 2 items 5, 7, 11 and 13, each run as the reviewed rules file says, on a tiny world.

Every test builds its contract rows from the curated rules YAML (``mapping/rules/``), so it pins the
rule (sources and transform), not just a transform, and fails on the rule it replaced.
"""

from __future__ import annotations

import pandas as pd
import yaml

from qvh_migration.etl import key_registry
from qvh_migration.etl.executor import load_table
from qvh_migration.etl.row_sources import RowFilter, RowSource, RowSources
from qvh_migration.etl.source_rules import GRAIN_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration.settings import default_rules_dir
from qvh_migration_tests.etl.test_executor import rule

PATIENTS = pd.DataFrame({"InternalPatientNumber": ["1", "2", "3"], "DistrictNumber": ["Q1", "Q2", "Q3"]})


def yaml_rules(table: str, *fields: str, dates: dict[str, str] | None = None) -> pd.DataFrame:
    """Contract rows of the named fields as the table's reviewed rules file states them."""
    spec = yaml.safe_load((default_rules_dir() / f"{table}.yaml").read_text(encoding="utf-8"))
    rows = [rule(table, 1, "EXTERNAL_SYSTEM_ID", "GENERATED", generator="source_key", length=100)]
    for order, name in enumerate(fields, start=2):
        entry = spec["rules"][name]
        listed = entry.get("source") or []
        listed = listed if isinstance(listed, list) else [listed]
        qualified = ";".join(s if "." in s else f"{spec['source_table']}.{s}" for s in listed)
        comment = (dates or {}).get(name, "")
        rows.append(
            rule(
                table,
                order,
                name,
                entry["class"],
                source_fields=qualified,
                transform=entry.get("transform", ""),
                crosswalk=entry.get("crosswalk", ""),
                data_type="DATE" if comment else "VARCHAR2",
                comment=comment,
                status=entry.get("status", "approved"),
                length=80,
            )
        )
    return pd.DataFrame(rows)


def run(table: str, spec: RowSource, extracts: dict[str, pd.DataFrame], rules: pd.DataFrame, **more: RowSource):
    row_sources = RowSources("PC60", {table: spec, **more})
    sources = SourceTables(lambda name: extracts.get(name))
    prepared = prepare_rows(spec, sources.raw(str(spec.source_table)), sources.survivors, sources.districts)
    registry = key_registry.register(key_registry.empty_registry(), table, prepared[GRAIN_KEY].astype(str), "r")
    numbers = {table: key_registry.record_numbers(registry, table)}
    loaded = load_table(table, rules, row_sources, sources, {}, numbers, run_id="r")
    return loaded.table.set_index("EXTERNAL_SYSTEM_ID")


# -- item 5: TCIs and the IWL status ----------------------------------------------------------------
ENTRIES = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "2", "3"],
        "EpisodeNumber": ["E1", "E2", "E3"],
        "EpsCurrActvStsInt": ["6", "5", "3"],  # admitted; suspended; TCI cancelled
        "AdmissionDateTmInt": ["202603020730", "", ""],
        "EpsActvDtimeInt": ["202603020730", "202607131400", "202610301000"],
    }
)
ACTIVITIES = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "1", "1", "1", "2", "3", "3"],
        "EpisodeNumber": ["E1", "E1", "E1", "E1", "E2", "E3", "E3"],
        # offer, cancelled by hospital, re-offer, admitted | suspended | offer, cancelled on the day
        "EpsActvDtimeInt": [
            "202601051000",
            "202601201000",
            "202602021000",
            "202603020730",
            "202607131400",
            "202610011000",
            "202610301000",
        ],
        "EpsActvTypeInt": ["2", "3", "2", "6", "5", "2", "3"],
        "TCIDTimeInt": ["202601260730", "202601260730", "202603020730", "", "", "202610300730", "202610300730"],
        "OpCancelled": ["", "2", "", "", "", "", "1"],
        "DefEndDateInt": ["", "", "", "", "202609081400", "", ""],
        "DefRevisedEndDateInt": ["", "", "", "", "", "", ""],
    }
)
IWL_EXTRACTS = {"PATDATA": PATIENTS, "WLENTRY": ENTRIES, "WLACTIVITY": ACTIVITIES}
ENTRY_GRAIN = ("InternalPatientNumber", "EpisodeNumber")
TCI_SOURCE = RowSource(
    "LOAD_IWL_TCIS",
    "WLACTIVITY",
    (*ENTRY_GRAIN, "EpsActvDtimeInt"),
    (RowFilter("EpsActvTypeInt", "in", ["2", "3", "4"], "not a TCI activity"),),
)


def test_tci_status_and_cancelled_date_follow_the_guide() -> None:
    """Guide pp. 71-72 (review A6): CANCELLED_DATE only on cancelled TCIs (today every offer carried
    its activity date); the offer the entry was admitted on is A (today L); a superseded offer is C;
    a TCI cancelled on the day of surgery is N (admitted, not treated)."""
    rules = yaml_rules("LOAD_IWL_TCIS", "STATUS", "CANCELLED_DATE", dates={"CANCELLED_DATE": "DD/MM/YYYY"})
    table = run("LOAD_IWL_TCIS", TCI_SOURCE, IWL_EXTRACTS, rules)
    first_offer, cancelled, admitted_offer = "1-E1-202601051000", "1-E1-202601201000", "1-E1-202602021000"
    assert table.loc[admitted_offer, "STATUS"] == "A"
    assert table.loc[first_offer, "STATUS"] == "C"
    assert table.loc[cancelled, "STATUS"] == "C"
    assert table.loc["3-E3-202610301000", "STATUS"] == "N"
    assert table.loc["3-E3-202610011000", "STATUS"] == "C"  # the entry's offer was cancelled on the day
    assert table.loc[cancelled, "CANCELLED_DATE"] == "20/01/2026"
    offers = table.loc[[first_offer, admitted_offer, "3-E3-202610011000"], "CANCELLED_DATE"]
    assert offers.isna().all()


def test_iwl_status_judges_suspensions_on_the_as_of_day_and_produces_n() -> None:
    """Guide p. 66 (review A18): an entry suspended until 08/09/2026 is W again on the as-of day
    30/10/2026 (the latest recorded activity; today it stayed D); a TCI cancelled on the day of
    surgery leaves the entry N (admitted, not treated; today W)."""
    rules = yaml_rules("LOAD_IWL", "STATUS")
    spec = RowSource("LOAD_IWL", "WLENTRY", ENTRY_GRAIN)
    table = run("LOAD_IWL", spec, IWL_EXTRACTS, rules)
    assert table["STATUS"].to_dict() == {"1-E1": "A", "2-E2": "W", "3-E3": "N"}
    # The same entry before its suspension ended: still deferred.
    early = dict(
        IWL_EXTRACTS,
        WLACTIVITY=ACTIVITIES.assign(DefEndDateInt=ACTIVITIES["DefEndDateInt"].replace("202609081400", "202612311400")),
    )
    assert run("LOAD_IWL", spec, early, rules).loc["2-E2", "STATUS"] == "D"


def test_the_load_and_the_parity_report_share_one_as_of_day(tmp_path) -> None:
    """Guide p. 66: the as-of day is the manifest's when it states one, else the latest recorded activity."""
    from qvh_migration.legacy.as_of import extract_as_of

    sources = SourceTables(lambda name: IWL_EXTRACTS.get(name))
    assert sources.as_of == pd.Timestamp("2026-10-30")
    (tmp_path / "manifest.json").write_text('{"as_of": "2026-08-01"}', encoding="utf-8")
    assert extract_as_of(tmp_path, IWL_EXTRACTS.get) == pd.Timestamp("2026-08-01")
    stated = SourceTables(lambda name: IWL_EXTRACTS.get(name), location=tmp_path)
    rules = yaml_rules("LOAD_IWL", "STATUS")
    row_sources = RowSources("PC60", {"LOAD_IWL": RowSource("LOAD_IWL", "WLENTRY", ENTRY_GRAIN)})
    prepared = prepare_rows(row_sources["LOAD_IWL"], ENTRIES, stated.survivors, stated.districts)
    registry = key_registry.register(key_registry.empty_registry(), "LOAD_IWL", prepared[GRAIN_KEY].astype(str), "r")
    numbers = {"LOAD_IWL": key_registry.record_numbers(registry, "LOAD_IWL")}
    table = load_table("LOAD_IWL", rules, row_sources, stated, {}, numbers).table.set_index("EXTERNAL_SYSTEM_ID")
    assert table.loc["2-E2", "STATUS"] == "D"  # on 01/08/2026 the suspension to 08/09/2026 is in force


# -- item 7: community DNAs and cancellations --------------------------------------------------------
def test_community_dnas_and_cancellations_load_as_such_in_outcome() -> None:
    """Guide p. 58 (review A8): cancelled and DNA contacts load as cancellations and DNAs in OUTCOME
    (code type 10380, p. 62) as the outpatient mapping does; today they carried the clinical outcome."""
    contacts = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "1", "1", "1"],
            "EpisodeNumber": ["C1", "C1", "C1", "C1"],
            "ContactDatetimeInt": ["202501011000", "202501081000", "202501151000", "202501221000"],
            "ApptAttendanceCode": ["ATT", "DNA", "CND", "CNW"],
            "PrimaryOutcome": ["FURA", "FURA", "DISC", "FURA"],
        }
    )
    spec = RowSource(
        "LOAD_CMTY_APPOINTMENTS", "CPPTCONTACT", ("InternalPatientNumber", "EpisodeNumber", "ContactDatetimeInt")
    )
    table = run(
        "LOAD_CMTY_APPOINTMENTS",
        spec,
        {"PATDATA": PATIENTS, "CPPTCONTACT": contacts},
        yaml_rules("LOAD_CMTY_APPOINTMENTS", "OUTCOME"),
    )
    assert table["OUTCOME"].tolist() == ["FURA", "NATT", "CANC-CND", "CANC-CNW"]


# -- item 11: admissions ----------------------------------------------------------------------------
def test_admission_wl_date_and_estimated_discharge_follow_the_guide() -> None:
    """Guide p. 73 (review A15): WL_DATE from the filled DateOnWl (today the empty WlDateCcyy);
    ESTIMATED_DISCHARGE_DATE the held expected discharge, else admit date + 1 as the guide recommends
    (today always empty)."""
    admissions = pd.DataFrame(
        {
            "InternalPatientNumber": ["1", "2"],
            "EpisodeNumber": ["A1", "A2"],
            "DateOnWl": ["20250110", ""],
            "WlDateCcyy": ["", ""],
            "IpAdmDtimeInt": ["202503011230", "202503050800"],
            "ExpDateofDischInt": ["", "202503091100"],
        }
    )
    spec = RowSource("LOAD_ADT_ADMISSIONS", "ADMITDISCH", ("InternalPatientNumber", "EpisodeNumber"))
    rules = yaml_rules(
        "LOAD_ADT_ADMISSIONS",
        "WL_DATE",
        "ESTIMATED_DISCHARGE_DATE",
        dates={"WL_DATE": "DD/MM/YYYY", "ESTIMATED_DISCHARGE_DATE": "DD/MM/YYYY HH24:MI"},
    )
    table = run("LOAD_ADT_ADMISSIONS", spec, {"PATDATA": PATIENTS, "ADMITDISCH": admissions}, rules)
    assert table.loc["1-A1", "WL_DATE"] == "10/01/2025"
    assert pd.isna(table.loc["2-A2", "WL_DATE"])
    assert table["ESTIMATED_DISCHARGE_DATE"].tolist() == ["02/03/2025 12:30", "09/03/2025 11:00"]


# -- item 13: wait resets ---------------------------------------------------------------------------
REFERRALS = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "2", "3", "1"],
        "EpisodeNumber": ["R1", "R2", "R3", "R4"],
        "DischargeDt": ["", "", "", "201901011200"],
    }
)
BOOKINGS = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "1", "1", "2", "2", "3", "1"],
        "EpisodeNumber": ["R1", "R1", "R1", "R2", "R2", "R3", "R4"],
        "PtApptStartDtimeInt": [
            "201801101000",  # archived DNA
            "201811201000",  # archived cancellation by the patient, cancelled 02/11/2018
            "202002031000",  # live hospital cancellation: never a reset
            "201705051000",  # archived hospital cancellation
            "202001011000",  # live DNA: loaded, the target sees it
            "201806061000",  # archived patient cancellation, no cancellation date recorded
            "201810101000",  # archived DNA of a discharged referral
        ],
        "ApptStatus": ["NATT", "CANC", "CANC", "CANC", "NATT", "CANC", "NATT"],
        "CancelBy": ["", "P", "H", "H", "", "P", ""],
        "ApptCancDTimeInt": ["", "201811020900", "202001150900", "201704010900", "", "", ""],
    }
)
OPD = RowSource(
    "LOAD_OPD_APPOINTMENTS",
    "OPA",
    ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt"),
    (RowFilter("PtApptStartDtimeInt", "on_or_after", "20190401", "archived"),),
)


def test_open_referrals_get_the_wait_reset_of_their_archived_bookings() -> None:
    """Guide pp. 41, 53 (review A17): bookings before the archive cut-off are not loaded as bookings,
    so an open referral whose DNA or patient cancellation is archived gets OVERRIDE_WAIT_RESET_DATE
    (today never set); a referral whose resets are loaded, or that is discharged, gets none."""
    spec = RowSource("LOAD_REFERRALS", "OPREFERRAL", ("InternalPatientNumber", "EpisodeNumber"))
    extracts = {"PATDATA": PATIENTS, "OPREFERRAL": REFERRALS, "OPA": BOOKINGS}
    table = run(
        "LOAD_REFERRALS",
        spec,
        extracts,
        yaml_rules("LOAD_REFERRALS", "OVERRIDE_WAIT_RESET_DATE"),
        LOAD_OPD_APPOINTMENTS=OPD,
    )
    assert table["OVERRIDE_WAIT_RESET_DATE"].fillna("").to_dict() == {
        "1-R1": "02/11/2018",
        "2-R2": "",
        "3-R3": "06/06/2018",
        "1-R4": "",
    }
