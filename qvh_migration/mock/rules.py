"""What the generator plants and the recounts find: mandatory fields, start/end pairs, which defect
kinds each table receives, and the ledger's columns. Table lists, row keys, links and delete flags
are facts about the legacy system and live in ``qvh_migration.legacy.keys``."""

from __future__ import annotations

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
# (start internal column, end internal column) pairs checked for end_before_start.
START_END: dict[str, tuple[str, str]] = {
    "ADMITDISCH": ("IpAdmDtimeInt", "IpDschDtimeInt"),
    "RTTPERIOD": ("RttStartDateTimeInt", "RttEndDateTimeInt"),
    "PREVADDRESS": ("EffectiveFromDateInt", "EffectiveToDateInt"),
    "ROOMSTAY": ("EpsActvDtimeInt", "EndDateTmInt"),
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
    "RTTEPIPERIOD": ("orphan_child_row",),
    "RTTALLPRDSTS": ("orphan_child_row", "malformed_legacy_date"),
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
    # Planted after the injector, on the coding repeat groups (qvh_migration.mock.coding).
    "CONSEPISDIAG": ("invalid_code_shape",),
    "OPADIAGNOSIS": ("invalid_code_shape",),
    # Removals, discharges, alerts, tracking steps, second procedures, pre-admissions, room stays.
    "WLREMOVAL": ("orphan_child_row", "malformed_legacy_date"),
    "OPWLREMENTRY": ("orphan_child_row", "malformed_legacy_date"),
    "OPDISCHARGE": ("orphan_child_row", "malformed_legacy_date"),
    "PMISPECIALREG": ("orphan_child_row",),
    "OPATTTRACK": ("orphan_child_row",),
    "WLINTENDEDPROC": ("orphan_child_row",),
    "PREADMISSION": ("orphan_child_row", "malformed_legacy_date"),
    "ROOMSTAY": ("orphan_child_row", "end_before_start"),
}
DEFECT_KINDS: tuple[str, ...] = tuple(sorted({k for kinds in DEFECT_PLAN.values() for k in kinds}))
LEDGER_COLUMNS: tuple[str, ...] = ("table", "row_key", "column", "defect_kind", "detail")
