"""A tiny staged run that keeps every business invariant: two patients (one deceased), a pathway with
its period, a referral seen once, an outpatient list entry, an admitted list entry with its TCI, an
admission with one episode, a ward stay and coding. Each test plants one fault in a copy."""

from __future__ import annotations

from datetime import date

import pandas as pd

from qvh_migration.gates.invariants.declarations import load_invariants
from qvh_migration.gates.invariants.evaluate import READS, connect, evaluate

NUMBERS = {"RECORD_NUMBER", "LOADRTTPWY_RECORD_NUMBER", "LOADREF_RECORD_NUMBER", "LOADRTTPRD_RECORD_NUMBER",
           "LOADIWL_RECORD_NUMBER", "ADT_ADM_RECORD_NUMBER", "ADT_EPS_RECORD_NUMBER", "LOADPMI_RECORD_NUMBER",
           "record_number", "source_rows", "loaded_rows"}  # fmt: skip


def frame(rows: list[dict]) -> pd.DataFrame:
    data = pd.DataFrame(rows)
    return data.astype({c: ("Int64" if c in NUMBERS else "string") for c in data.columns})


def clean_world() -> dict[str, pd.DataFrame]:
    """Every table and fact the invariants read, with no invariant broken."""
    return {
        "LOAD_PMI": frame([
            {"RECORD_NUMBER": 1, "MAIN_CRN": "Q1", "NHS_NUMBER": "9434765919", "NHS_NUMBER_STATUS": "01",
             "DATE_OF_BIRTH": "01/02/1950", "DATE_OF_DEATH": None},
            {"RECORD_NUMBER": 2, "MAIN_CRN": "Q2", "NHS_NUMBER": "4010232137", "NHS_NUMBER_STATUS": "01",
             "DATE_OF_BIRTH": "03/04/1960", "DATE_OF_DEATH": "10/08/2022 18:00"},
        ]),
        "LOAD_PMIIDS": frame([
            {"RECORD_NUMBER": 1, "LOADPMI_RECORD_NUMBER": 1, "MAIN_CRN": "Q1", "ADDITIONAL_ID_TYPE": "CASENOTE",
             "ADDITIONAL_ID": "C1"},
            {"RECORD_NUMBER": 2, "LOADPMI_RECORD_NUMBER": 2, "MAIN_CRN": "Q2", "ADDITIONAL_ID_TYPE": "CASENOTE",
             "ADDITIONAL_ID": "C2"},
        ]),
        "LOAD_RTT_PATHWAYS": frame([
            {"RECORD_NUMBER": 1, "MAIN_CRN": "Q1", "PATHWAY_START_DATE": "01/03/2021 09:00",
             "PATHWAY_END_DATE": "01/06/2021 10:00", "PATHWAY_END_EVENT": "30"},
            {"RECORD_NUMBER": 2, "MAIN_CRN": "Q1", "PATHWAY_START_DATE": "01/03/2024 09:00",
             "PATHWAY_END_DATE": None, "PATHWAY_END_EVENT": None},
        ]),
        "LOAD_RTT_PERIODS": frame([
            {"RECORD_NUMBER": 1, "LOADRTTPWY_RECORD_NUMBER": 1, "LOADREF_RECORD_NUMBER": 1,
             "CLOCK_START": "01/03/2021 09:00", "CLOCK_STOP": "01/06/2021 10:00",
             "REFERRAL_AS_START_ENCOUNTER": "Y"},
        ]),
        "LOAD_REFERRALS": frame([
            {"RECORD_NUMBER": 1, "LOADRTTPWY_RECORD_NUMBER": 1, "MAIN_CRN": "Q1", "REF_DATE": "01/03/2021",
             "FIRST_SEEN": "15/03/2021"},
            {"RECORD_NUMBER": 2, "LOADRTTPWY_RECORD_NUMBER": None, "MAIN_CRN": "Q2", "REF_DATE": "01/01/2022",
             "FIRST_SEEN": None},
        ]),
        "LOAD_OPD_APPOINTMENTS": frame([
            {"RECORD_NUMBER": 1, "LOADREF_RECORD_NUMBER": 1, "LOADRTTPRD_RECORD_NUMBER": 1,
             "LOADRTTPRD_ACTION": "STOP", "MAIN_CRN": "Q1", "APPT_DATE": "15/03/2021 10:00", "CANCELLED_DATE": None},
            {"RECORD_NUMBER": 2, "LOADREF_RECORD_NUMBER": 2, "LOADRTTPRD_RECORD_NUMBER": None,
             "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q2", "APPT_DATE": "01/09/2022 10:00",
             "CANCELLED_DATE": "11/08/2022"},
        ]),
        "LOAD_CMTY_APPOINTMENTS": frame([
            {"RECORD_NUMBER": 1, "LOADRTTPRD_RECORD_NUMBER": None, "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q1",
             "APPT_DATE": "01/05/2021 11:00", "CANCELLED_DATE": None},
        ]),
        "LOAD_IWL": frame([
            {"RECORD_NUMBER": 1, "LOADREF_RECORD_NUMBER": 1, "LOADRTTPRD_RECORD_NUMBER": None,
             "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q1", "WAITLIST_DATE": "15/03/2021", "STATUS": "A"},
            {"RECORD_NUMBER": 2, "LOADREF_RECORD_NUMBER": 2, "LOADRTTPRD_RECORD_NUMBER": None,
             "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q2", "WAITLIST_DATE": "01/02/2022", "STATUS": "C"},
        ]),
        "LOAD_OPDWAITLIST": frame([
            {"RECORD_NUMBER": 1, "LOADREF_RECORD_NUMBER": 1, "LOADRTTPRD_RECORD_NUMBER": None,
             "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q1", "STATUS": "W", "NEW_FOLLOWUP_FLAG": "F",
             "TARGET_DATE": "01/09/2021"},
            {"RECORD_NUMBER": 2, "LOADREF_RECORD_NUMBER": 2, "LOADRTTPRD_RECORD_NUMBER": None,
             "LOADRTTPRD_ACTION": None, "MAIN_CRN": "Q2", "STATUS": "C", "NEW_FOLLOWUP_FLAG": "N",
             "TARGET_DATE": None},
        ]),
        "LOAD_IWL_TCIS": frame([
            {"RECORD_NUMBER": 1, "LOADIWL_RECORD_NUMBER": 1, "STATUS": "C", "CANCELLED_DATE": "20/04/2021"},
            {"RECORD_NUMBER": 2, "LOADIWL_RECORD_NUMBER": 1, "STATUS": "A", "CANCELLED_DATE": None},
        ]),
        "LOAD_ADT_ADMISSIONS": frame([
            {"RECORD_NUMBER": 1, "LOADIWL_RECORD_NUMBER": 1, "MAIN_CRN": "Q1", "ADMIT_DATE": "01/06/2021 10:00",
             "DISCHARGE_DATE": "03/06/2021 12:00", "DISCHARGE_TYPE": "1", "DISCHARGE_TO": "19"},
        ]),
        "LOAD_ADT_EPISODES": frame([
            {"RECORD_NUMBER": 1, "ADT_ADM_RECORD_NUMBER": 1, "START_DATE": "01/06/2021 10:00",
             "END_DATE": "03/06/2021 12:00"},
        ]),
        "LOAD_ADT_WARDSTAYS": frame([
            {"RECORD_NUMBER": 1, "ADT_EPS_RECORD_NUMBER": 1, "START_DATE": "01/06/2021 10:00",
             "END_DATE": "03/06/2021 12:00"},
        ]),
        "LOAD_ADT_CODING": frame([
            {"RECORD_NUMBER": 1, "ADT_EPS_RECORD_NUMBER": 1, "DIAGNOSIS_DIVISION": "Procedures",
             "NOTE_TYPE": "Primary", "DIAGNOSIS": "S061"},
        ]),
        "inv_source_first_seen": pd.DataFrame({"record_number": [1], "first_attended": [date(2021, 3, 15)]}),
        "inv_source_primary_procedure": frame([{"record_number": 1, "code": "S06.1"}]),
        "load_summary": frame([
            {"target_table": t, "source_rows": 1, "loaded_rows": 1, "note": ""}
            for t in ("LOAD_PMI", "LOAD_REFERRALS", "LOAD_IWL")
        ] + [{"target_table": "LOAD_MH_CPA_MASTER", "source_rows": 0, "loaded_rows": 0,
              "note": "QVH provides no mental health services"}]),
    }  # fmt: skip


def catalog() -> pd.DataFrame:
    """The guide's mandatory fields for two of the tables (the shape of catalogs/target_catalog)."""
    rows = [("LOAD_PMI", "RECORD_NUMBER"), ("LOAD_PMI", "MAIN_CRN"), ("LOAD_IWL", "LOADREF_RECORD_NUMBER"),
            ("LOAD_IWL", "STATUS"), ("LOAD_REFERRALS", "REF_DATE")]  # fmt: skip
    mandatory = pd.DataFrame(rows, columns=["table_name", "field_name"]).assign(mandatory_class="mandatory")
    optional = pd.DataFrame(
        {"table_name": ["LOAD_PMI"], "field_name": ["DATE_OF_DEATH"], "mandatory_class": "optional"}
    )
    return pd.concat([mandatory, optional], ignore_index=True)


INVARIANTS = load_invariants()


def failures(world: dict[str, pd.DataFrame], only: str | None = None) -> dict[str, int]:
    """Failing rows per invariant (summed over the tables it checks); ``only`` runs one invariant."""
    chosen = [i for i in INVARIANTS if only is None or i.check == only]
    if only is not None:  # register only what the invariant reads: a connection per case stays quick
        reads = {name for i in chosen for c in i.checks for name in READS.findall(c.sql)}
        world = {name: data for name, data in world.items() if name in reads or not chosen[0].checks}
    staged = connect(frames=world)
    _, checked = evaluate(staged, chosen, catalog())
    staged.con.close()
    return checked.groupby("check")["failures"].sum().astype(int).to_dict()


def set_cell(world: dict[str, pd.DataFrame], table: str, row: int, **values: object) -> dict[str, pd.DataFrame]:
    changed = {name: data.copy() for name, data in world.items()}
    for column, value in values.items():
        changed[table].loc[row, column] = value
    return changed
