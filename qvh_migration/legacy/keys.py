"""Keys of the legacy extract: which tables are extracted, the columns that identify a row, the
parent-child links, and the logical-delete flags.

Real-data paths (the extract checks, the ETL, the gates) and the generator read the same facts, and
``row_keys`` is the one spelling of a row's identity, so a defect ledger entry, a gate failure and
an ETL reject name the same row the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.io.arrow_text import LARGE, as_large, series_arrow, to_series

PRIORITY_TABLES: tuple[str, ...] = (
    "PATDATA",
    "PREVSURNAME",
    "PREVADDRESS",
    "GPHISTORY",
    "CASENOTEDETS",
    "RTTPERIOD",
    "OPREFERRAL",
    "OPWLENTRY",
    "OPA",
    "WLENTRY",
    "WLACTIVITY",
    "ADMITDISCH",
    "CONSEPISODE",
)
# Generated when the catalog has them; a stand-in catalog without them still yields the priority set.
SUPPORTING_TABLES: tuple[str, ...] = (
    "CONSMAST",
    "CONSPEC",
    "GP",
    "GDP",
    "WARDSTAY",
    "MERGEDID",
    "SPEC",
    "OUTCLNC",
    "WARD",
    "WAITCD",
    "OPWLMF",
    "CASENLOC",
    "WLSUSPREASONMF",
    "WLREMOVALREASON",
    "WLCANCRSN",
    "OPREFREASON",
    "ETHN",
    "MARITALS",
    "RELIGION",
    "PATCAT",
    "OPREFSOURCE",
    "URG",
    "MOA",
    "SOAD",
    "MOD",
    "DOD",
    "DISP",
    "INMAN",
    "RTTPERSTSMF",
    # Staff, users and sites (LOAD_STAFF, LOAD_USERS, LOAD_SITES).
    "USERS",
    "HOSPDET",
    # Community service referrals and contacts (LOAD_CMTY_APPOINTMENTS).
    "CPSGREFERRAL",
    "CPPTCONTACT",
    # Removals, discharges, alerts, attendance tracking, second intended procedures, pre-admissions
    # and room stays: the rows and fields of LOAD_IWL, LOAD_OPDWAITLIST, LOAD_REFERRALS,
    # LOAD_PMISTAFFWARNINGS, LOAD_OPD_APPOINTMENTS, LOAD_IWL_TCIS and LOAD_ADT_WARDSTAYS they feed.
    "WLREMOVAL",
    "OPWLREMENTRY",
    "OPDISCHARGE",
    "PMISPECIALREG",
    "OPATTTRACK",
    "WLINTENDEDPROC",
    "PREADMISSION",
    "ROOMSTAY",
)
# Clinical coding of consultant episodes and outpatient attendances (PC60 repeat groups).
CODING_TABLES: tuple[str, ...] = ("CONSEPISDIAG", "CONSEPISPROC", "OPADIAGNOSIS", "OPPROCEDURE")
# RTT statuses and the episodes of each RTT period (LOAD_RTT_EVENTS and every RTT link).
RTT_TABLES: tuple[str, ...] = ("RTTEPIPERIOD", "RTTALLPRDSTS")
ALL_TABLES: tuple[str, ...] = PRIORITY_TABLES + SUPPORTING_TABLES + CODING_TABLES + RTT_TABLES

# Columns that identify a row; the defect ledger's row_key is built from them ("Col=value|Col=value").
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "PATDATA": ("InternalPatientNumber",),
    "PREVSURNAME": ("InternalPatientNumber", "SeqNo"),
    "PREVADDRESS": ("InternalPatientNumber", "SeqNo"),
    "GPHISTORY": ("InternalPatientNumber", "SeqNo"),
    "CASENOTEDETS": ("InternalPatientNumber", "PtCasenoteIdPhyskey"),
    "RTTPERIOD": ("InternalPatientNumber", "PathwayNumber", "PPeriodId"),
    "RTTEPIPERIOD": ("InternalPatientNumber", "EpisodeNumber", "PathwayNumber", "PPeriodId"),
    "RTTALLPRDSTS": ("InternalPatientNumber", "PathwayNumber", "ActivityDateTimeInt", "PRDStsType"),
    "OPREFERRAL": ("InternalPatientNumber", "EpisodeNumber"),
    "OPWLENTRY": ("InternalPatientNumber", "EpisodeNumber", "OPRegDateInt"),
    "OPA": ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt"),
    "WLENTRY": ("InternalPatientNumber", "EpisodeNumber"),
    "WLACTIVITY": ("InternalPatientNumber", "EpisodeNumber", "EpsActvDtimeInt"),
    "ADMITDISCH": ("InternalPatientNumber", "EpisodeNumber"),
    "CONSEPISODE": ("InternalPatientNumber", "EpisodeNumber", "FCENumber"),
    "WARDSTAY": ("InternalPatientNumber", "EpisodeNumber", "EpsActvDtimeInt"),
    "MERGEDID": ("OldID",),
    "CONSMAST": ("Consultant",),
    "CONSPEC": ("Consultant", "Specialty"),
    "GP": ("GpCode",),
    "GDP": ("GdpCode",),
    "SPEC": ("Specialty",),
    "OUTCLNC": ("SchedResGrpMfCd",),
    "WARD": ("Ward",),
    "WAITCD": ("WaitingList",),
    "OPWLMF": ("TreatmentCode",),
    "CASENLOC": ("Location",),
    "WLSUSPREASONMF": ("ReasonCode",),
    "WLREMOVALREASON": ("RemovalCode",),
    "WLCANCRSN": ("CancReasonCode",),
    "OPREFREASON": ("ReasonForRefCode",),
    "ETHN": ("EthnicOriginCode",),
    "MARITALS": ("MaritalStatus",),
    "RELIGION": ("Religion",),
    "PATCAT": ("Category",),
    "OPREFSOURCE": ("ReferredBy",),
    "URG": ("UrgencyCode",),
    "MOA": ("MethodOfAdmission",),
    "SOAD": ("SourceOfAdm",),
    "MOD": ("MethodOfDischarge",),
    "DOD": ("DestinationCode",),
    "DISP": ("DisposalCode",),
    "INMAN": ("IntdMgmt",),
    "RTTPERSTSMF": ("RttStatusCode",),
    "USERS": ("UserName",),
    "HOSPDET": ("HospitalCode",),
    "CPSGREFERRAL": ("InternalPatientNumber", "EpisodeNumber"),
    "CPPTCONTACT": ("InternalPatientNumber", "EpisodeNumber", "ContactDatetimeInt"),
    "WLREMOVAL": ("InternalPatientNumber", "EpisodeNumber", "EpsActvDtimeInt"),
    "OPWLREMENTRY": ("InternalPatientNumber", "EpisodeNumber", "OPRegDateInt"),
    "OPDISCHARGE": ("InternalPatientNumber", "EpisodeNumber"),
    "PMISPECIALREG": ("InternalPatientNumber", "SpecialRegister", "ActivityDateTime"),
    "OPATTTRACK": ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt", "TrackingStep"),
    "WLINTENDEDPROC": ("InternalPatientNumber", "EpisodeNumber", "RptGrpKey"),
    "PREADMISSION": ("InternalPatientNumber", "EpisodeNumber", "EpsActvDtimeInt"),
    "ROOMSTAY": ("InternalPatientNumber", "EpisodeNumber", "EpsActvDtimeInt"),
    "CONSEPISDIAG": ("InternalPatientNumber", "EpisodeNumber", "FCENumber", "SecondaryDiagSeqNo"),
    "CONSEPISPROC": ("InternalPatientNumber", "EpisodeNumber", "FCENumber", "SecondaryProcSeqNo"),
    "OPADIAGNOSIS": ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt", "SeqNo"),
    "OPPROCEDURE": (
        "InternalPatientNumber",
        "EpisodeNumber",
        "PtApptStartDtimeInt",
        "OpAppointmentProcedureSequenceNumber",
    ),
}

# The catalog must have these, or the generator cannot link anything: priority tables' keys and
# the columns children use to point at their parents.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {t: TABLE_KEYS[t] for t in PRIORITY_TABLES}


def _rel(child: str, cols: tuple[str, ...], parent: str, pcols: tuple[str, ...]) -> tuple:
    return (child, cols, parent, pcols)


IPN = ("InternalPatientNumber",)
EPISODE = ("InternalPatientNumber", "EpisodeNumber")
FCE = ("InternalPatientNumber", "EpisodeNumber", "FCENumber")
ATTENDANCE = ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt")
# (child table, child columns, parent table, parent columns).  Empty child values are not links.
RELATIONS: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    _rel("PREVSURNAME", IPN, "PATDATA", IPN),
    _rel("PREVADDRESS", IPN, "PATDATA", IPN),
    _rel("GPHISTORY", IPN, "PATDATA", IPN),
    _rel("GPHISTORY", ("GpCode",), "GP", ("GpCode",)),
    _rel("CASENOTEDETS", IPN, "PATDATA", IPN),
    _rel("CASENOTEDETS", ("Location",), "CASENLOC", ("Location",)),
    _rel("RTTPERIOD", IPN, "PATDATA", IPN),
    _rel("RTTPERIOD", ("CurrCons",), "CONSMAST", ("Consultant",)),
    # Pathway numbers are unique to a pathway (provider code + pathway id).
    _rel("RTTEPIPERIOD", ("PathwayNumber",), "RTTPERIOD", ("PathwayNumber",)),
    _rel("RTTALLPRDSTS", ("PathwayNumber",), "RTTPERIOD", ("PathwayNumber",)),
    _rel("OPREFERRAL", IPN, "PATDATA", IPN),
    _rel("OPREFERRAL", ("ConsCode",), "CONSMAST", ("Consultant",)),
    _rel("OPREFERRAL", ("EpiReferringCon",), "CONSMAST", ("Consultant",)),
    _rel("OPREFERRAL", ("EpiGPCode",), "GP", ("GpCode",)),
    _rel("OPREFERRAL", ("EpiGDPCode",), "GDP", ("GdpCode",)),
    _rel("OPREFERRAL", ("ReasonForRef",), "OPREFREASON", ("ReasonForRefCode",)),
    _rel("OPWLENTRY", EPISODE, "OPREFERRAL", EPISODE),
    _rel("OPWLENTRY", ("TreatmentCode",), "OPWLMF", ("TreatmentCode",)),
    _rel("OPA", EPISODE, "OPREFERRAL", EPISODE),
    _rel("OPA", ("ClinicCode",), "OUTCLNC", ("SchedResGrpMfCd",)),
    _rel("OPA", ("ClinicConsultant",), "CONSMAST", ("Consultant",)),
    _rel("OPA", ("BookFromWL",), "OPWLMF", ("TreatmentCode",)),
    _rel("WLENTRY", IPN, "PATDATA", IPN),
    _rel("WLENTRY", ("Consultant",), "CONSMAST", ("Consultant",)),
    _rel("WLENTRY", ("WlCode",), "WAITCD", ("WaitingList",)),
    _rel("WLACTIVITY", EPISODE, "WLENTRY", EPISODE),
    _rel("WLACTIVITY", ("SuspReason",), "WLSUSPREASONMF", ("ReasonCode",)),
    _rel("WLACTIVITY", ("RemovalReason",), "WLREMOVALREASON", ("RemovalCode",)),
    _rel("WLACTIVITY", ("CharterCancelCode",), "WLCANCRSN", ("CancReasonCode",)),
    _rel("ADMITDISCH", IPN, "PATDATA", IPN),
    _rel("ADMITDISCH", ("Consultant",), "CONSMAST", ("Consultant",)),
    _rel("ADMITDISCH", ("AdmWard",), "WARD", ("Ward",)),
    _rel("CONSEPISODE", EPISODE, "ADMITDISCH", EPISODE),
    _rel("CONSEPISODE", ("ConsultantCode",), "CONSMAST", ("Consultant",)),
    _rel("WARDSTAY", EPISODE, "ADMITDISCH", EPISODE),
    _rel("WARDSTAY", ("WardCode",), "WARD", ("Ward",)),
    _rel("PATDATA", ("GpCode",), "GP", ("GpCode",)),
    _rel("PATDATA", ("GdpCode",), "GDP", ("GdpCode",)),
    _rel("MERGEDID", ("NewestID",), "PATDATA", IPN),
    _rel("OUTCLNC", ("ConsCode",), "CONSMAST", ("Consultant",)),
    _rel("WAITCD", ("MainConsultant",), "CONSMAST", ("Consultant",)),
    _rel("WARD", ("HospitalCode",), "HOSPDET", ("HospitalCode",)),
    _rel("WAITCD", ("HospitalCode",), "HOSPDET", ("HospitalCode",)),
    _rel("OPWLMF", ("HospitalCode",), "HOSPDET", ("HospitalCode",)),
    _rel("CPSGREFERRAL", IPN, "PATDATA", IPN),
    _rel("CPSGREFERRAL", ("LeadClinician",), "CONSMAST", ("Consultant",)),
    _rel("CPPTCONTACT", EPISODE, "CPSGREFERRAL", EPISODE),
    _rel("CPPTCONTACT", ("PrimaryClinician",), "CONSMAST", ("Consultant",)),
    _rel("CONSEPISDIAG", FCE, "CONSEPISODE", FCE),
    _rel("CONSEPISPROC", FCE, "CONSEPISODE", FCE),
    _rel("OPADIAGNOSIS", ATTENDANCE, "OPA", ATTENDANCE),
    _rel("OPPROCEDURE", ATTENDANCE, "OPA", ATTENDANCE),
    _rel("WLREMOVAL", EPISODE, "WLENTRY", EPISODE),
    _rel("WLREMOVAL", ("Reason",), "WLREMOVALREASON", ("RemovalCode",)),
    _rel("OPWLREMENTRY", EPISODE, "OPREFERRAL", EPISODE),
    _rel("OPWLREMENTRY", ("TreatmentCode",), "OPWLMF", ("TreatmentCode",)),
    _rel("OPDISCHARGE", EPISODE, "OPREFERRAL", EPISODE),
    _rel("PMISPECIALREG", IPN, "PATDATA", IPN),
    # Tracking steps point at their attendance (OPA key); they are checked against the referral,
    # whose key no defect moves (an orphaned OPA row would otherwise orphan its steps too).
    _rel("OPATTTRACK", EPISODE, "OPREFERRAL", EPISODE),
    _rel("WLINTENDEDPROC", EPISODE, "WLENTRY", EPISODE),
    _rel("PREADMISSION", EPISODE, "WLENTRY", EPISODE),
    _rel("ROOMSTAY", EPISODE, "ADMITDISCH", EPISODE),
    _rel("ROOMSTAY", ("Ward",), "WARD", ("Ward",)),
)

# Logical-delete flag values: (active, deleted).
DELETE_FLAG_VALUES: dict[str, tuple[str, str]] = {
    "MfRecStsInd": ("0", "1"),
    "Deleted": ("N", "Y"),
    "LgDelInd": ("N", "Y"),
    "Ldf": ("N", "Y"),
}


def _key_text(column: pd.Series) -> pa.Array:
    """A key column as text; real extracts may hold numbers or nulls where the generator has strings."""
    if column.dtype != "str":
        column = column.astype("str")
    arr = series_arrow(column)
    return as_large(pc.fill_null(arr, "")) if arr.null_count else arr


def row_key_array(frame: pd.DataFrame, table: str, rows: np.ndarray | None = None) -> pa.Array:
    """Key strings of ``rows`` (all rows when None) as one Arrow array (the generator's zero-copy form)."""
    take = None if rows is None else pa.array(np.asarray(rows, dtype=np.int64))
    parts: list[pa.Array | pa.Scalar] = []
    for i, col in enumerate(TABLE_KEYS[table]):
        values = _key_text(frame[col])
        values = values if take is None else values.take(take)
        parts += ([pa.scalar("|", LARGE)] if i else []) + [pa.scalar(f"{col}=", LARGE), values]
    return as_large(pc.binary_join_element_wise(*parts, pa.scalar("", LARGE)))


def row_keys(frame: pd.DataFrame, table: str) -> pd.Series:
    """Stable key per row, e.g. "InternalPatientNumber=000012345|EpisodeNumber=000200017"."""
    keys = to_series(row_key_array(frame, table))
    keys.index = frame.index
    return keys.rename("row_key")
