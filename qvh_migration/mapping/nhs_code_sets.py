"""Allowed target codes for each crosswalk, keyed by code-set name.

Targets are NHS Data Dictionary national codes (plus their default codes where the dictionary
defines them). Religion has no national code list at this level of detail, so it is a local set,
documented in ``LOCAL_CODE_SETS``. Every crosswalk target code is checked against these sets.

Admitted patient care items follow the version the Admitted Patient Care Commissioning Data Set
flows use, CDS V6-2 (SOURCE OF ADMISSION CODE, DISCHARGE METHOD CODE and DISCHARGE DESTINATION CODE
of the HOSPITAL PROVIDER SPELL), one version per set: the later ADMISSION SOURCE / DISCHARGE
DESTINATION lists (37 court, 40 penal establishment, 42 police custody, care homes split by nursing)
and the split of discharge method 2 into 6 and 7 are not mixed in. Each crosswalk file names the
list it was checked against.
"""

from __future__ import annotations

SEX: dict[str, str] = {
    "1": "Male",
    "2": "Female",
    "9": "Indeterminate (unable to be classified as male or female)",
    "X": "Not known (not recorded)",
}

ETHNIC_CATEGORY: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - Any other ethnic group",
    "Z": "Not stated (asked and declined to answer)",
    "99": "Not known (not asked)",
}

MARITAL_STATUS: dict[str, str] = {
    "S": "Single",
    "M": "Married / civil partner",
    "D": "Divorced / civil partnership dissolved",
    "W": "Widowed / surviving civil partner",
    "P": "Separated",
    "N": "Not disclosed",
    "8": "Not applicable",
    "9": "Not known",
}

ADMINISTRATIVE_CATEGORY: dict[str, str] = {
    "01": "NHS patient",
    "02": "Private patient",
    "03": "Amenity patient",
    "04": "Category II patient",
}

SOURCE_OF_REFERRAL: dict[str, str] = {
    "01": "Following an emergency admission",
    "02": "Following a domiciliary consultation",
    "03": "Referral from a general medical practitioner",
    "04": "Referral from an accident and emergency department",
    "05": "Referral from a consultant, other than in an A&E department",
    "06": "Self-referral",
    "07": "Referral from a prosthetist",
    "10": "Following an accident and emergency attendance",
    "11": "Other - initiated by the consultant responsible for the episode",
    "12": "Referral from a GP with a special interest",
    "13": "Referral from a specialist nurse (secondary care)",
    "14": "Referral from an allied health professional",
    "15": "Referral from an optometrist",
    "16": "Referral from an orthoptist",
    "17": "Referral from a national screening programme",
    "92": "Referral from a general dental practitioner",
    "93": "Referral from a community dental service",
    "97": "Other - not initiated by the consultant responsible for the episode",
}

# PRIORITY TYPE CODE. The national list has no "soon": the target's own urgency code types hold
# Routine, Soon and Urgent, which is why its urgency fields take the legacy value (see the rules).
PRIORITY_TYPE: dict[str, str] = {
    "1": "Routine",
    "2": "Urgent",
    "3": "Two week wait",
}

ADMISSION_METHOD: dict[str, str] = {
    "11": "Elective - waiting list",
    "12": "Elective - booked",
    "13": "Elective - planned",
    "21": "Emergency - A&E or dental casualty department of this provider",
    "22": "Emergency - general practitioner",
    "23": "Emergency - bed bureau",
    "24": "Emergency - consultant clinic",
    "25": "Emergency - mental health crisis resolution team",
    "2A": "Emergency - A&E department of another provider, not admitted there",
    "2B": "Emergency - transfer of an admitted patient from another provider",
    "2C": "Emergency - baby born at home as intended",
    "2D": "Emergency - other",
    "28": "Emergency - other means",
    "31": "Maternity - admitted ante-partum",
    "32": "Maternity - admitted post-partum",
    "81": "Other - transfer from another provider, not an emergency",
    "82": "Other - birth of a baby in this provider",
    "83": "Other - baby born outside the provider, not at home as intended",
    "98": "Not applicable",
    "99": "Not known",
}

# SOURCE OF ADMISSION CODE (HOSPITAL PROVIDER SPELL), CDS V6-2: national codes plus defaults 98/99.
ADMISSION_SOURCE: dict[str, str] = {
    "19": "Usual place of residence",
    "29": "Temporary place of residence",
    "39": "Penal establishment, court, or police station / police custody suite",
    "49": "NHS other hospital provider - high security psychiatric accommodation",
    "51": "NHS other hospital provider - ward for general patients or the younger physically disabled or A&E",
    "52": "NHS other hospital provider - ward for maternity patients or neonates",
    "53": "NHS other hospital provider - ward for patients who are mentally ill or have learning disabilities",
    "54": "NHS run care home",
    "65": "Local authority residential accommodation (where care is provided)",
    "66": "Local authority foster care",
    "79": "Babies born in or on the way to hospital",
    "85": "Non-NHS (other than local authority) run care home",
    "87": "Non-NHS run hospital",
    "88": "Non-NHS (other than local authority) run hospice",
    "98": "Not applicable",
    "99": "Not known",
}

# DISCHARGE METHOD CODE (HOSPITAL PROVIDER SPELL), CDS V6-2 (2 not yet split into 6 and 7).
DISCHARGE_METHOD: dict[str, str] = {
    "1": "Discharged on clinical advice or with clinical consent",
    "2": "Self-discharged, or discharged by a relative or advocate",
    "3": "Discharged by a mental health review tribunal, Home Secretary or court",
    "4": "Patient died",
    "5": "Stillbirth",
    "8": "Not applicable - spell not finished",
    "9": "Not known",
}

# DISCHARGE DESTINATION CODE (HOSPITAL PROVIDER SPELL), CDS V6-2: national codes plus defaults 98/99.
DISCHARGE_DESTINATION: dict[str, str] = {
    "19": "Usual place of residence",
    "29": "Temporary place of residence",
    "30": "Repatriation from high security psychiatric accommodation in an NHS hospital provider",
    "37": "Court",
    "38": "Penal establishment or police station",
    "48": "High security psychiatric hospital, Scotland",
    "49": "NHS other hospital provider - high security psychiatric accommodation",
    "50": "NHS other hospital provider - medium secure unit",
    "51": "NHS other hospital provider - ward for general patients or the younger physically disabled",
    "52": "NHS other hospital provider - ward for maternity patients or neonates",
    "53": "NHS other hospital provider - ward for patients who are mentally ill or have learning disabilities",
    "54": "NHS run care home",
    "65": "Local authority residential accommodation (where care is provided)",
    "66": "Local authority foster care",
    "79": "Not applicable - patient died or stillbirth",
    "84": "Non-NHS run hospital - medium secure unit",
    "85": "Non-NHS (other than local authority) run care home",
    "87": "Non-NHS run hospital",
    "88": "Non-NHS (other than local authority) run hospice",
    "98": "Not applicable - spell not finished",
    "99": "Not known",
}

ATTENDANCE_STATUS: dict[str, str] = {
    "5": "Attended on time, or late but before the professional was ready",
    "6": "Arrived late but was seen",
    "7": "Arrived late and could not be seen",
    "2": "Appointment cancelled by, or on behalf of, the patient",
    "3": "Did not attend - no advance warning given",
    "4": "Appointment cancelled or postponed by the health care provider",
    "0": "Not applicable - appointment in the future",
}

OUTCOME_OF_ATTENDANCE: dict[str, str] = {
    "1": "Discharged from consultant's care (last attendance)",
    "2": "Another appointment given",
    "3": "Appointment to be made at a later date",
}

FIRST_ATTENDANCE: dict[str, str] = {
    "1": "First attendance face to face",
    "2": "Follow-up attendance face to face",
    "3": "First telephone or telemedicine consultation",
    "4": "Follow-up telephone or telemedicine consultation",
    "5": "Referral to treatment clock stop administrative event",
}

INTENDED_MANAGEMENT: dict[str, str] = {
    "1": "Patient to stay in hospital for at least one night",
    "2": "Patient not to stay in hospital overnight",
    "3": "Planned sequence of admissions with overnight stays",
    "4": "Planned sequence of admissions without overnight stays (regular day admissions)",
    "5": "Planned sequence of admissions at night, discharged during the day (regular night admissions)",
    "8": "Not applicable",
    "9": "Not known",
}

NHS_NUMBER_STATUS: dict[str, str] = {
    "01": "Number present and verified",
    "02": "Number present but not traced",
    "03": "Trace required",
    "04": "Trace attempted - no match or multiple match found",
    "05": "Trace needs to be resolved (NHS number or patient detail conflict)",
    "06": "Trace in progress",
    "07": "Number not present and trace not required",
    "08": "Trace postponed (baby under six weeks old)",
}

RTT_PERIOD_STATUS: dict[str, str] = {
    "10": "First activity in an RTT period",
    "11": "First activity at the end of a period of active monitoring",
    "12": "First activity after a consultant referral for a new condition",
    "20": "Subsequent activity - clock still running",
    "21": "Transfer to another provider - clock still running",
    "30": "Start of first definitive treatment - clock stops",
    "31": "Start of active monitoring initiated by the patient",
    "32": "Start of active monitoring initiated by the care professional",
    "33": "Patient did not attend the first appointment",
    "34": "Decision not to treat, or no further contact required",
    "35": "Patient declined offered treatment",
    "36": "Patient died before treatment",
    "90": "After first definitive treatment",
    "91": "During a period of active monitoring",
    "92": "Not yet referred for treatment (diagnostics by GP)",
    "98": "Not applicable to RTT",
    "99": "Not yet known",
}

# TREATMENT FUNCTION CODE as revised by DCB0028 (Treatment Function and Main Specialty Standard,
# in use from April 2021): the codes QVH's services need, with their DCB0028 service names.
TREATMENT_FUNCTION: dict[str, str] = {
    "100": "General Surgery Service",
    "101": "Urology Service",
    "103": "Breast Surgery Service",
    "110": "Trauma and Orthopaedic Service",
    "120": "Ear Nose and Throat Service",
    "130": "Ophthalmology Service",
    "140": "Oral Surgery Service",
    "141": "Restorative Dentistry Service",
    "142": "Paediatric Dentistry Service",
    "143": "Orthodontic Service",
    "144": "Maxillofacial Surgery Service",
    "145": "Oral and Maxillofacial Surgery Service",
    "160": "Plastic Surgery Service",
    "161": "Burns Care Service",
    "190": "Anaesthetic Service",
    "191": "Pain Management Service",
    "300": "General Internal Medicine Service",
    "330": "Dermatology Service",
    "340": "Respiratory Medicine Service",
    "347": "Sleep Medicine Service",
    "650": "Physiotherapy Service",
    "651": "Occupational Therapy Service",
    "652": "Speech and Language Therapy Service",
    "656": "Clinical Psychology Service",
}

# Local set: the target PAS holds religion under its own code type, and the trust decides the
# list. Chosen to cover the 2011 census headline groups plus "none", "declined" and "not known",
# so that every legacy code has an honest home and nothing is forced into "other".
RELIGION: dict[str, str] = {
    "CHR": "Christian (denomination not specified)",
    "CE": "Christian - Church of England / Anglican",
    "RC": "Christian - Roman Catholic",
    "MET": "Christian - Methodist",
    "BAP": "Christian - Baptist",
    "ORT": "Christian - Orthodox",
    "FRC": "Christian - Free Church / other Protestant",
    "JW": "Jehovah's Witness",
    "BUD": "Buddhist",
    "HIN": "Hindu",
    "JEW": "Jewish",
    "MUS": "Muslim",
    "SIK": "Sikh",
    "OTH": "Other religion or belief",
    "NON": "No religion",
    "DEC": "Declined to disclose",
    "UNK": "Not known",
}

NHS_CODE_SETS: dict[str, dict[str, str]] = {
    "sex": SEX,
    "ethnic_category": ETHNIC_CATEGORY,
    "marital_status": MARITAL_STATUS,
    "religion": RELIGION,
    "administrative_category": ADMINISTRATIVE_CATEGORY,
    "source_of_referral": SOURCE_OF_REFERRAL,
    "priority_type": PRIORITY_TYPE,
    "admission_method": ADMISSION_METHOD,
    "admission_source": ADMISSION_SOURCE,
    "discharge_method": DISCHARGE_METHOD,
    "discharge_destination": DISCHARGE_DESTINATION,
    "attendance_status": ATTENDANCE_STATUS,
    "outcome_of_attendance": OUTCOME_OF_ATTENDANCE,
    "first_attendance": FIRST_ATTENDANCE,
    "intended_management": INTENDED_MANAGEMENT,
    "nhs_number_status": NHS_NUMBER_STATUS,
    "rtt_period_status": RTT_PERIOD_STATUS,
    "treatment_function": TREATMENT_FUNCTION,
}

# Code sets whose targets are local decisions rather than NHS national codes.
LOCAL_CODE_SETS: frozenset[str] = frozenset({"religion"})
