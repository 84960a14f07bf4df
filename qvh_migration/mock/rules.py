"""Facts about the extract shared by the generator, the defect injector and the recounts (and so
by later gates): table lists, row keys, parent-child links, mandatory fields, delete flags."""

from __future__ import annotations

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
)
ALL_TABLES: tuple[str, ...] = PRIORITY_TABLES + SUPPORTING_TABLES

# Columns that identify a row; the defect ledger's row_key is built from them ("Col=value|Col=value").
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "PATDATA": ("InternalPatientNumber",),
    "PREVSURNAME": ("InternalPatientNumber", "SeqNo"),
    "PREVADDRESS": ("InternalPatientNumber", "SeqNo"),
    "GPHISTORY": ("InternalPatientNumber", "SeqNo"),
    "CASENOTEDETS": ("InternalPatientNumber", "PtCasenoteIdPhyskey"),
    "RTTPERIOD": ("InternalPatientNumber", "PathwayNumber", "PPeriodId"),
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
}

# The catalog must have these, or the generator cannot link anything: priority tables' keys and
# the columns children use to point at their parents.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {t: TABLE_KEYS[t] for t in PRIORITY_TABLES}


def _rel(child: str, cols: tuple[str, ...], parent: str, pcols: tuple[str, ...]) -> tuple:
    return (child, cols, parent, pcols)


IPN = ("InternalPatientNumber",)
EPISODE = ("InternalPatientNumber", "EpisodeNumber")
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
)

# Values every row must have; the missing_mandatory_value defect blanks one of them.
MANDATORY: dict[str, tuple[str, ...]] = {
    "PATDATA": ("Surname", "Forenames", "Sex", "InternalDateOfBirth", "PtAddrPostCode", "DistrictNumber"),
    "CASENOTEDETS": ("Location",),
    "OPREFERRAL": ("ReferralDate", "ConsCode", "Specialty"),
    "OPA": ("ClinicCode", "ApptDate", "ApptStatus"),
    "WLENTRY": ("Consultant", "IntdMgmt", "WLOnListDate"),
    "ADMITDISCH": ("Consultant", "Specialty", "MethodOfAdmission"),
}
# Blanking the internal date of birth blanks its display and part fields too (one missing value).
MANDATORY_COMPANIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("PATDATA", "InternalDateOfBirth"): ("PtDoB", "PtDobDayInt", "PtDobMonthInt", "PtDobYearInt"),
}
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "PATDATA": ("Surname", "Forenames"),
    "PREVSURNAME": ("Surname", "Forenames"),
}
# Logical-delete flag values: (active, deleted).
DELETE_FLAG_VALUES: dict[str, tuple[str, str]] = {
    "MfRecStsInd": ("0", "1"),
    "Deleted": ("N", "Y"),
    "LgDelInd": ("N", "Y"),
    "Ldf": ("N", "Y"),
}
# (start internal column, end internal column) pairs checked for end_before_start.
START_END: dict[str, tuple[str, str]] = {
    "ADMITDISCH": ("IpAdmDtimeInt", "IpDschDtimeInt"),
    "RTTPERIOD": ("RttStartDateTimeInt", "RttEndDateTimeInt"),
    "PREVADDRESS": ("EffectiveFromDateInt", "EffectiveToDateInt"),
}
# Which defect kinds each table receives; the table's budget (rate x rows) is shared among them.
DEFECT_PLAN: dict[str, tuple[str, ...]] = {
    "PATDATA": (
        "invalid_nhs_check_digit",
        "dummy_nhs_number",
        "missing_mandatory_value",
        "unmapped_code",
        "future_date_of_birth",
        "duplicate_patient",
        "merged_patient",
        "non_ascii_name",
        "over_length_value",
        "malformed_legacy_date",
    ),
    "PREVSURNAME": ("non_ascii_name", "orphan_child_row"),
    "PREVADDRESS": ("end_before_start", "orphan_child_row", "over_length_value"),
    "GPHISTORY": ("orphan_child_row", "malformed_legacy_date"),
    "CASENOTEDETS": ("orphan_child_row", "missing_mandatory_value"),
    "RTTPERIOD": ("end_before_start", "orphan_child_row", "unmapped_code", "malformed_legacy_date"),
    "OPREFERRAL": ("missing_mandatory_value", "unmapped_code", "malformed_legacy_date"),
    "OPWLENTRY": ("orphan_child_row", "malformed_legacy_date"),
    "OPA": (
        "orphan_child_row",
        "unmapped_code",
        "missing_mandatory_value",
        "malformed_legacy_date",
        "over_length_value",
    ),
    "WLENTRY": ("unmapped_code", "missing_mandatory_value", "malformed_legacy_date"),
    "WLACTIVITY": ("orphan_child_row", "malformed_legacy_date"),
    "ADMITDISCH": ("end_before_start", "unmapped_code", "missing_mandatory_value", "malformed_legacy_date"),
    "CONSEPISODE": ("episode_outside_spell", "overlapping_episodes", "orphan_child_row", "unmapped_code"),
    "WARDSTAY": ("orphan_child_row",),
    "CONSMAST": ("logically_deleted_row",),
    "GP": ("logically_deleted_row",),
    "OUTCLNC": ("logically_deleted_row",),
}
DEFECT_KINDS: tuple[str, ...] = tuple(sorted({k for kinds in DEFECT_PLAN.values() for k in kinds}))
LEDGER_COLUMNS: tuple[str, ...] = ("table", "row_key", "column", "defect_kind", "detail")
