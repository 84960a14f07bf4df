"""Legacy (PatientCentre, local) code sets: the codes the source PAS stores in each coded field.

These are the codes the *source* PAS stores, not NHS Data Dictionary codes: the crosswalk files map
each of them to its NHS code.  ``LEGACY_CODE_FIELDS`` says which source fields hold which set; it
drives the mapping contract and the crosswalk coverage of real extracts as well as the generator.
The crosswalk author works from this module, so:

* codes are STABLE once written: add new codes, never rename or reuse one;
* a code set lists every code the generator emits for a field in ``LEGACY_CODE_FIELDS`` (apart from
  the ``unmapped_code`` defects, which are deliberately outside these sets);
* ``weight`` is the base relative frequency the generator draws with (normalised per set), chosen
  to look like a plastics / burns / maxillofacial / corneo-plastic hospital.  Context overrides it
  where it must: children are "K" (marital status not applicable), only real deaths get discharge
  method "DE" / destination "DD", dentists refer to the dental services, and so on.

Where the INQuire dictionary documents a field's codes they are used (OPA.ApptStatus
"ATT/WLK/NATT/SATT/NR", OPA.ApptCategory "NEW/FOL"); NHS number status uses 01..08 as PatientCentre
itself does.  Everything else is a plausible local code that still needs a crosswalk entry.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LegacyCode:
    code: str
    label: str
    weight: float


def _codes(*rows: tuple[str, str, float]) -> list[LegacyCode]:
    return [LegacyCode(code, label, weight) for code, label, weight in rows]


LEGACY_CODE_SETS: dict[str, list[LegacyCode]] = {
    # Size 1 in PATDATA.Sex / OPA.Sex.
    "sex": _codes(
        ("F", "Female", 0.528),
        ("M", "Male", 0.462),
        ("U", "Unknown", 0.008),
        ("I", "Indeterminate", 0.002),
    ),
    # Size 4 (PATDATA.EthnicType, ETHN.EthnicOriginCode): old 4-letter local ethnic origin codes.
    "ethnic_category": _codes(
        ("WBRI", "White - British", 0.72),
        ("WIRI", "White - Irish", 0.01),
        ("WOTH", "White - Any other White background", 0.05),
        ("MWBC", "Mixed - White and Black Caribbean", 0.004),
        ("MWBA", "Mixed - White and Black African", 0.003),
        ("MWAS", "Mixed - White and Asian", 0.005),
        ("MOTH", "Mixed - Any other mixed background", 0.004),
        ("AIND", "Asian - Indian", 0.012),
        ("APAK", "Asian - Pakistani", 0.006),
        ("ABAN", "Asian - Bangladeshi", 0.004),
        ("AOTH", "Asian - Any other Asian background", 0.008),
        ("BCAR", "Black - Caribbean", 0.005),
        ("BAFR", "Black - African", 0.01),
        ("BOTH", "Black - Any other Black background", 0.002),
        ("CHIN", "Chinese", 0.004),
        ("OTHR", "Any other ethnic group", 0.008),
        ("NSTA", "Not stated (patient declined)", 0.06),
        ("NK", "Not known (not asked)", 0.083),
    ),
    # Size 1 (PATDATA.MaritalStatus, MARITALS.MaritalStatus).  S/M/D/W look national but X, C, U, Z
    # and K do not, so the whole set goes through the crosswalk.
    "marital_status": _codes(
        ("S", "Single", 0.30),
        ("M", "Married", 0.36),
        ("D", "Divorced", 0.07),
        ("W", "Widowed", 0.08),
        ("X", "Separated", 0.02),
        ("C", "Civil partnership", 0.01),
        ("K", "Child (not applicable)", 0.06),
        ("U", "Unknown", 0.08),
        ("Z", "Not disclosed", 0.02),
    ),
    # Size 4 (PATDATA.Religion, RELIGION.Religion).
    "religion": _codes(
        ("CE", "Church of England", 0.30),
        ("RC", "Roman Catholic", 0.08),
        ("METH", "Methodist", 0.02),
        ("BAPT", "Baptist", 0.01),
        ("CHR", "Christian - other", 0.10),
        ("JEW", "Jewish", 0.005),
        ("MUS", "Muslim", 0.03),
        ("HIN", "Hindu", 0.01),
        ("SIKH", "Sikh", 0.005),
        ("BUD", "Buddhist", 0.005),
        ("OTH", "Other religion", 0.01),
        ("NONE", "No religion", 0.22),
        ("DECL", "Declined to state", 0.03),
        ("NK", "Not known", 0.175),
    ),
    # Size 1 so it fits every category field, including RTTPERIOD.CurrCategory.
    "administrative_category": _codes(
        ("N", "NHS patient", 0.955),
        ("P", "Private patient", 0.03),
        ("A", "Amenity patient", 0.01),
        ("C", "Category II patient", 0.005),
    ),
    # Size 3 (OPREFERRAL.RefBy, OPA.RefBy, OPREFSOURCE.ReferredBy).  Dentists and optometrists refer
    # a lot here (maxillofacial, corneo-plastic).
    "source_of_referral": _codes(
        ("GP", "General practitioner", 0.42),
        ("GDP", "General dental practitioner", 0.14),
        ("CON", "Consultant - other hospital", 0.17),
        ("OWN", "Consultant - this hospital", 0.05),
        ("OPT", "Optometrist", 0.06),
        ("AE", "A&E department", 0.05),
        ("MIU", "Minor injuries unit", 0.03),
        ("SLF", "Self referral", 0.01),
        ("CSP", "Community service", 0.02),
        ("OTH", "Other", 0.05),
    ),
    # Size 1 (OPREFERRAL.PriorityType, OPA.RefPriority, WLENTRY.Urgency, URG.UrgencyCode).
    "priority_type": _codes(
        ("R", "Routine", 0.76),
        ("S", "Soon", 0.04),
        ("U", "Urgent", 0.15),
        ("C", "Cancer two week wait", 0.05),
    ),
    # Size 2 (ADMITDISCH.MethodOfAdmission, WLENTRY.MethodOfAdm, MOA.MethodOfAdmission).  Mostly
    # elective; emergencies arrive as burns/trauma transfers.
    "admission_method": _codes(
        ("WL", "Elective - waiting list", 0.36),
        ("BK", "Elective - booked", 0.30),
        ("PL", "Elective - planned", 0.08),
        ("AE", "Emergency - via A&E", 0.06),
        ("GP", "Emergency - GP", 0.03),
        ("CL", "Emergency - via clinic", 0.06),
        ("TR", "Transfer from other hospital", 0.08),
        ("OE", "Emergency - other", 0.03),
    ),
    # Size 2 (ADMITDISCH.SourceOfAdm, SOAD.SourceOfAdm).
    "admission_source": _codes(
        ("HO", "Usual place of residence", 0.89),
        ("TA", "Temporary place of residence", 0.02),
        ("GH", "Other NHS hospital", 0.06),
        ("PH", "Private hospital", 0.01),
        ("NH", "Nursing home", 0.015),
        ("PR", "Penal establishment", 0.005),
    ),
    # Size 2 (ADMITDISCH.MethodOfDischarge, MOD.MethodOfDischarge).
    "discharge_method": _codes(
        ("CA", "On clinical advice", 0.975),
        ("SD", "Self discharge", 0.015),
        ("MH", "By tribunal / court", 0.001),
        ("DE", "Patient died", 0.009),
    ),
    # Size 2 (ADMITDISCH.DestinationOnDischarge, DOD.DestinationCode).
    "discharge_destination": _codes(
        ("HM", "Home (usual residence)", 0.91),
        ("TA", "Temporary residence", 0.015),
        ("NH", "Nursing home", 0.015),
        ("RH", "Residential home", 0.01),
        ("TH", "Transfer - other NHS hospital", 0.035),
        ("PV", "Private hospital", 0.006),
        ("DD", "Died", 0.009),
        # Prisoners are treated here (maxillofacial injuries) and go back to prison or to court.
        ("CT", "Court", 0.0005),
        ("PE", "Penal establishment or police custody", 0.001),
    ),
    # Size 4 (OPA.ApptStatus).  The dictionary documents ATT/WLK/NATT/SATT/NR; CANC is how cancelled
    # appointments show (with OPA.CancelBy H or P).  NR = not recorded (future or never outcomed).
    "attendance_status": _codes(
        ("ATT", "Attended", 0.78),
        ("WLK", "Walk-in (attended without appointment)", 0.01),
        ("SATT", "Attended late, seen", 0.02),
        ("NATT", "Did not attend", 0.07),
        ("CANC", "Cancelled (CancelBy H=hospital, P=patient)", 0.10),
        ("NR", "Not recorded", 0.02),
    ),
    # Size 4 (OPA.Disposal, DISP.DisposalCode).
    "outcome_of_attendance": _codes(
        ("DIS", "Discharged to GP", 0.30),
        ("FUP", "Follow-up appointment booked", 0.40),
        ("FUWL", "Follow-up to OP waiting list", 0.13),
        ("ADM", "Added to inpatient waiting list", 0.12),
        ("REF", "Referred to another consultant", 0.05),
    ),
    # Size 3 (OPA.ApptCategory "NEW/FOL"); telephone contacts added as local codes.
    "first_attendance": _codes(
        ("NEW", "New", 0.30),
        ("FOL", "Follow-up", 0.62),
        ("NTE", "New - telephone", 0.02),
        ("FTE", "Follow-up - telephone", 0.06),
    ),
    # Size 1 (WLENTRY.IntdMgmt, ADMITDISCH.IntdMgmt, INMAN.IntdMgmt).
    "intended_management": _codes(
        ("D", "Day case", 0.60),
        ("I", "Inpatient", 0.37),
        ("R", "Regular day admission", 0.02),
        ("N", "Regular night admission", 0.01),
    ),
    # Size 2 (PATDATA.NHSNumberStatus): PatientCentre stores the national 01..08 values.
    "nhs_number_status": _codes(
        ("01", "Number present and verified", 0.93),
        ("02", "Number present but not traced", 0.025),
        ("03", "Trace required", 0.015),
        ("04", "Trace attempted - no match or multiple match found", 0.002),
        ("05", "Trace needs to be resolved (NHS number or detail conflict)", 0.003),
        ("06", "Trace in progress", 0.015),
        ("07", "Number not present and trace not required", 0.005),
        ("08", "Trace postponed (baby under six weeks old)", 0.005),
    ),
    # Size 4 RTT status codes (RTTPERIOD.CurrentStatus/LatestStatus, OPREFERRAL.RTTPeriodStatus, ...).
    # The companion ...Int fields hold the national value (RTT_STATUS_INTERNAL_VALUE), as the PAS does.
    "rtt_period_status": _codes(
        ("FACT", "First activity - start of RTT period", 0.20),
        ("AMEN", "End of active monitoring - new period", 0.01),
        ("CREF", "Consultant referral - new period", 0.02),
        ("SUBA", "Subsequent activity - period continues", 0.27),
        ("TRAN", "Transfer to another provider", 0.01),
        ("FDT", "First definitive treatment - stop", 0.25),
        ("AMPT", "Active monitoring (patient) - stop", 0.02),
        ("AMCP", "Active monitoring (clinician) - stop", 0.05),
        ("DNA1", "DNA first appointment - stop", 0.02),
        ("DNTT", "Decision not to treat - stop", 0.06),
        ("DECL", "Patient declined treatment - stop", 0.01),
        ("DIED", "Patient died before treatment - stop", 0.002),
        ("PTRT", "Post-treatment activity", 0.04),
        ("AMON", "During active monitoring", 0.01),
        ("DIAG", "Diagnostics, not yet referred for treatment", 0.008),
        ("NA", "Not applicable to RTT", 0.01),
        ("UNK", "Not yet known", 0.01),
    ),
    # Size 4 local specialty codes (SPEC.Specialty and every specialty field).  Local sub-specialties
    # (HAND, BRST, OMFS vs MAXF) mean the crosswalk to treatment function is many-to-one.
    "treatment_function": _codes(
        ("PLAS", "Plastic surgery", 0.28),
        ("HAND", "Hand surgery (plastics)", 0.08),
        ("BURN", "Burns care", 0.05),
        ("MAXF", "Maxillofacial surgery", 0.10),
        ("OMFS", "Oral and maxillofacial surgery", 0.09),
        ("ORAL", "Oral surgery", 0.04),
        ("ORTD", "Orthodontics", 0.05),
        ("OPHC", "Corneo-plastic / ophthalmology", 0.14),
        ("ENT", "Ear, nose and throat", 0.03),
        ("GS", "General surgery (skin cancer)", 0.03),
        ("BRST", "Breast reconstruction", 0.05),
        ("SLEP", "Sleep disorders", 0.04),
    ),
}

# The national RTT status each local code carries internally (RTTPERSTSMF.RttStsInternalValue and
# the ...StatusInt fields).  Values follow the dictionary's CurrentStatusInt list (10-1st Act'y ...).
RTT_STATUS_INTERNAL_VALUE: dict[str, str] = {
    "FACT": "10",
    "AMEN": "11",
    "CREF": "12",
    "SUBA": "20",
    "TRAN": "21",
    "FDT": "30",
    "AMPT": "31",
    "AMCP": "32",
    "DNA1": "33",
    "DNTT": "34",
    "DECL": "35",
    "DIED": "36",
    "PTRT": "90",
    "AMON": "91",
    "DIAG": "92",
    "NA": "98",
    "UNK": "99",
}
# Codes that stop the clock (the period ends at the status date).
RTT_STOP_CODES: tuple[str, ...] = ("FDT", "AMPT", "AMCP", "DNA1", "DNTT", "DECL", "DIED", "TRAN")

# What SPEC.TreatmentFunction holds for each local specialty: the master file carries the national
# treatment function code, which is what the crosswalk author checks against.
SPECIALTY_TREATMENT_FUNCTION: dict[str, str] = {
    "PLAS": "160",
    "HAND": "160",
    "BURN": "161",
    "MAXF": "144",
    "OMFS": "145",
    "ORAL": "140",
    "ORTD": "143",
    "OPHC": "130",
    "ENT": "120",
    "GS": "100",
    "BRST": "103",
    "SLEP": "347",
}
# SPEC.MainSpecialty: the consultants' main specialty.  Sleep medicine has a treatment function of
# its own (347 since April 2021) but its consultants' main specialty stays respiratory medicine.
SPECIALTY_MAIN_SPECIALTY: dict[str, str] = {**SPECIALTY_TREATMENT_FUNCTION, "SLEP": "340"}

# (source table, source column) -> code-set name, for every field that carries one of the sets above.
# Master-file key columns are included: they are where the PAS defines the codes.
LEGACY_CODE_FIELDS: dict[tuple[str, str], str] = {
    ("PATDATA", "Sex"): "sex",
    ("OPA", "Sex"): "sex",
    ("PATDATA", "EthnicType"): "ethnic_category",
    ("ETHN", "EthnicOriginCode"): "ethnic_category",
    ("PATDATA", "MaritalStatus"): "marital_status",
    ("MARITALS", "MaritalStatus"): "marital_status",
    ("PATDATA", "Religion"): "religion",
    ("RELIGION", "Religion"): "religion",
    ("OPREFERRAL", "Category"): "administrative_category",
    ("OPWLENTRY", "Category"): "administrative_category",
    ("OPA", "PtCategory"): "administrative_category",
    ("WLENTRY", "Category"): "administrative_category",
    ("WLACTIVITY", "Category"): "administrative_category",
    ("ADMITDISCH", "Category"): "administrative_category",
    ("RTTPERIOD", "CurrCategory"): "administrative_category",
    ("PATCAT", "Category"): "administrative_category",
    ("OPREFERRAL", "RefBy"): "source_of_referral",
    ("OPA", "RefBy"): "source_of_referral",
    ("OPREFSOURCE", "ReferredBy"): "source_of_referral",
    ("OPREFERRAL", "PriorityType"): "priority_type",
    ("OPA", "RefPriority"): "priority_type",
    ("WLENTRY", "Urgency"): "priority_type",
    ("WLACTIVITY", "Urgency"): "priority_type",
    ("URG", "UrgencyCode"): "priority_type",
    ("ADMITDISCH", "MethodOfAdmission"): "admission_method",
    ("WLENTRY", "MethodOfAdm"): "admission_method",
    ("MOA", "MethodOfAdmission"): "admission_method",
    ("ADMITDISCH", "SourceOfAdm"): "admission_source",
    ("SOAD", "SourceOfAdm"): "admission_source",
    ("ADMITDISCH", "MethodOfDischarge"): "discharge_method",
    ("MOD", "MethodOfDischarge"): "discharge_method",
    ("ADMITDISCH", "DestinationOnDischarge"): "discharge_destination",
    ("DOD", "DestinationCode"): "discharge_destination",
    ("OPA", "ApptStatus"): "attendance_status",
    ("OPA", "Disposal"): "outcome_of_attendance",
    ("DISP", "DisposalCode"): "outcome_of_attendance",
    ("OPA", "ApptCategory"): "first_attendance",
    ("WLENTRY", "IntdMgmt"): "intended_management",
    ("ADMITDISCH", "IntdMgmt"): "intended_management",
    ("INMAN", "IntdMgmt"): "intended_management",
    ("PATDATA", "NHSNumberStatus"): "nhs_number_status",
    ("RTTPERIOD", "CurrentStatus"): "rtt_period_status",
    ("RTTPERIOD", "LatestStatus"): "rtt_period_status",
    ("OPREFERRAL", "RTTPeriodStatus"): "rtt_period_status",
    ("OPA", "RttPeriodStatus"): "rtt_period_status",
    ("ADMITDISCH", "RttPeriodStatus"): "rtt_period_status",
    ("RTTPERSTSMF", "RttStatusCode"): "rtt_period_status",
    ("SPEC", "Specialty"): "treatment_function",
    ("OPREFERRAL", "Specialty"): "treatment_function",
    ("OPA", "ClinicSpecialty"): "treatment_function",
    ("OPA", "RefSpecialty"): "treatment_function",
    ("WLENTRY", "Specialty"): "treatment_function",
    ("WLACTIVITY", "Specialty"): "treatment_function",
    ("ADMITDISCH", "Specialty"): "treatment_function",
    ("CONSEPISODE", "SpecialtyCode"): "treatment_function",
    ("CONSMAST", "PrimarySpecialty"): "treatment_function",
    ("RTTPERIOD", "CurrSpec"): "treatment_function",
    ("WARDSTAY", "Specialty"): "treatment_function",
    ("OUTCLNC", "Specialty"): "treatment_function",
    ("WAITCD", "SpecOfList"): "treatment_function",
    ("OPWLMF", "Specialty"): "treatment_function",
}


def code_values(code_set: str) -> list[str]:
    """The codes of one set, in declaration order."""
    return [c.code for c in LEGACY_CODE_SETS[code_set]]


def code_weights(code_set: str) -> list[float]:
    """Normalised draw probabilities of one set, aligned with ``code_values``."""
    weights = [c.weight for c in LEGACY_CODE_SETS[code_set]]
    total = sum(weights)
    return [w / total for w in weights]
