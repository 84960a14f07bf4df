"""Master files (lookups) and the reference model the activity generators draw from.

QVH-shaped: a few dozen consultants across plastics, burns, maxillofacial, corneo-plastic and the
smaller services; each consultant runs two clinics; wards by service; GP practices and dentists
from the South East.  Codes in the code-set master files are exactly ``LEGACY_CODE_SETS``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.code_sets import (
    LEGACY_CODE_SETS,
    RTT_STATUS_INTERNAL_VALUE,
    SPECIALTY_MAIN_SPECIALTY,
    SPECIALTY_TREATMENT_FUNCTION,
    code_values,
)
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES
from qvh_migration.mock import identity as ident
from qvh_migration.mock import wordlists as words
from qvh_migration.mock.catalog import ColumnValue
from qvh_migration.mock.strings import join, padded, pick

HOSPITAL = "QVH"
PROVIDER = "RPC"  # QVH's ODS code; RTT pathway numbers start with it
SPECIALTIES = code_values("treatment_function")
# fmt: off
# Internal consultants per specialty (QVH-sized), then referring consultants at other hospitals.
CONSULTANTS_PER_SPECIALTY = {"PLAS": 14, "HAND": 5, "BURN": 4, "MAXF": 7, "OMFS": 6, "ORAL": 3, "ORTD": 4,
                             "OPHC": 8, "ENT": 2, "GS": 2, "BRST": 4, "SLEP": 3}
EXTERNAL_CONSULTANTS = 20
# Ward code, name, services it takes.  DSU takes day cases of every service, PAED children.
WARDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("DSU", "DAY SURGERY UNIT", ()),
    ("PLW", "PLASTICS WARD", ("PLAS", "HAND", "BRST", "GS")),
    ("BCU", "BURNS CENTRE", ("BURN",)),
    ("BICU", "BURNS INTENSIVE CARE", ("BURN",)),
    ("PAED", "CHILDRENS WARD", ()),
    ("MFW", "MAXILLOFACIAL WARD", ("MAXF", "OMFS", "ORAL", "ORTD", "ENT")),
    ("EYEW", "CORNEO PLASTIC UNIT", ("OPHC",)),
    ("SLU", "SLEEP UNIT", ("SLEP",)),
)
CASENOTE_LOCATIONS = (("MREC", "MEDICAL RECORDS"), ("ARCH", "OFFSITE ARCHIVE"), ("SCAN", "SCANNED"),
                      ("OPD", "OUTPATIENTS"), ("WRDS", "WARDS"), ("SECR", "SECRETARIES"))
SUSPENSION_REASONS = (("PTUN", "PATIENT UNAVAILABLE"), ("MEDU", "MEDICALLY UNFIT"),
                      ("HOL", "PATIENT ON HOLIDAY"), ("SOC", "SOCIAL REASONS"))
# (code, description, cancelled by H=hospital / P=patient)
REMOVAL_REASONS = (("ADM", "ADMITTED", "H"), ("PTDC", "PATIENT DECLINED TREATMENT", "P"),
                   ("TRTE", "TREATED ELSEWHERE", "P"), ("NLRQ", "NO LONGER REQUIRED", "H"),
                   ("DNA", "DID NOT ATTEND TCI", "P"), ("DIED", "PATIENT DIED", "H"))
TCI_CANCEL_REASONS = (("HBED", "NO BED AVAILABLE", "H"), ("HLST", "LIST OVERRUN", "H"),
                      ("HSTF", "SURGEON UNAVAILABLE", "H"), ("PILL", "PATIENT UNWELL", "P"),
                      ("PWRK", "PATIENT WORK COMMITMENTS", "P"))
REFERRAL_REASONS = (("LES", "SKIN LESION"), ("SKCA", "SKIN CANCER"), ("SCAR", "SCAR REVISION"),
                    ("HAND", "HAND INJURY"), ("BURN", "BURN INJURY"), ("JAW", "JAW / TMJ"),
                    ("TETH", "IMPACTED TEETH"), ("ORTH", "ORTHODONTIC ASSESSMENT"),
                    ("EYEL", "EYELID / LACRIMAL"), ("CORN", "CORNEAL DISEASE"), ("SLEE", "SLEEP APNOEA"),
                    ("BREC", "BREAST RECONSTRUCTION"), ("OTH", "OTHER"))
# fmt: on


@dataclass
class Reference:
    consultant_codes: list[str]
    consultant_specialty: np.ndarray  # index into SPECIALTIES
    consultant_external: np.ndarray
    by_specialty: list[np.ndarray]  # internal consultant indices per specialty
    clinic_codes: list[str]
    clinic_consultant: np.ndarray
    ward_codes: list[str]
    gp_codes: list[str]
    gp_practice: np.ndarray
    practice_codes: list[str]
    gdp_codes: list[str]
    tables: dict[str, tuple[dict[str, ColumnValue], int]]


def _unique_ints(rng: np.random.Generator, low: int, high: int, k: int) -> np.ndarray:
    return low + rng.choice(high - low, size=k, replace=False)


def build_reference(rng: np.random.Generator, patients: int) -> Reference:
    tables: dict[str, tuple[dict[str, ColumnValue], int]] = {}
    cons = _consultants(rng, tables)
    clinic_codes, clinic_consultant = _clinics(cons, tables)
    gp_codes, gp_practice, practice_codes = _gps(rng, patients, tables)
    gdp_codes = _gdps(rng, patients, tables)
    _wards(tables)
    _lists(tables)
    _code_set_masters(tables)
    return Reference(
        consultant_codes=cons["codes"],
        consultant_specialty=cons["spec"],
        consultant_external=cons["external"],
        by_specialty=[np.flatnonzero((cons["spec"] == s) & ~cons["external"]) for s in range(len(SPECIALTIES))],
        clinic_codes=clinic_codes,
        clinic_consultant=clinic_consultant,
        ward_codes=[w[0] for w in WARDS],
        gp_codes=gp_codes,
        gp_practice=gp_practice,
        practice_codes=practice_codes,
        gdp_codes=gdp_codes,
        tables=tables,
    )


def _consultants(rng: np.random.Generator, tables: dict) -> dict:
    codes: list[str] = []
    spec: list[int] = []
    for s, name in enumerate(SPECIALTIES):
        for k in range(CONSULTANTS_PER_SPECIALTY[name]):
            codes.append(f"{name[:3]}{k + 1:02d}")
            spec.append(s)
    internal = len(codes)
    codes += [f"EXT{k + 1:02d}" for k in range(EXTERNAL_CONSULTANTS)]
    spec += list(rng.integers(0, len(SPECIALTIES), EXTERNAL_CONSULTANTS))
    n = len(codes)
    spec_arr = np.asarray(spec, dtype=np.int64)
    external = np.arange(n) >= internal
    female = rng.random(n) < 0.4
    surname = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), n))
    initial = pick(list(words.MIDDLE_INITIALS), rng.integers(0, len(words.MIDDLE_INITIALS), n))
    title = pick(["MR", "MS", "DR"], np.where(female, 1, np.where(rng.random(n) < 0.3, 2, 0)))
    values: dict[str, ColumnValue] = {
        "Consultant": pa.array(codes, pa.large_string()),
        "GMCCode": padded(_unique_ints(rng, 1_000_000, 9_999_990, n), 7, prefix="C"),
        "Surname": surname,
        "Inits": initial,
        "ForenamePfx": title,
        "Name": join([title, initial, surname], sep=" "),
        "PrimarySpecialty": pick(SPECIALTIES, spec_arr),
        "ContractedSpecialty": pick(SPECIALTIES, spec_arr),
        "ProviderCode": pick([PROVIDER, ""], external.astype(np.int64)),
        "ExternalCons": pick(["NO", "YES"], external.astype(np.int64)),
        "Midwife": "NO",
        "Deleted": "N",
    }
    tables["CONSMAST"] = (values, n)
    tables["CONSPEC"] = (
        {
            "Consultant": values["Consultant"],
            "Specialty": values["PrimarySpecialty"],
            "ConsultantPrimarySpecialtyCode": values["PrimarySpecialty"],
        },
        n,
    )
    return {"codes": codes, "spec": spec_arr, "external": external, "surname": surname}


def _clinics(cons: dict, tables: dict) -> tuple[list[str], np.ndarray]:
    internal = np.flatnonzero(~cons["external"])
    consultant = np.repeat(internal, 2)
    suffix = np.tile(np.array(["A", "B"]), internal.size)
    codes = [f"{cons['codes'][c]}{s}" for c, s in zip(consultant, suffix, strict=True)]
    n = len(codes)
    spec = cons["spec"][consultant]
    cons_codes = pa.array([cons["codes"][c] for c in consultant], pa.large_string())
    desc = pc.utf8_slice_codeunits(
        join(
            [
                pick(SPECIALTIES, spec),
                cons["surname"].take(pa.array(consultant)),
                pick(["AM", "PM"], (suffix == "B").astype(np.int64)),
            ],
            sep=" ",
        ),
        0,
        20,
    )
    tables["OUTCLNC"] = (
        {
            "SchedResGrpMfCd": pa.array(codes, pa.large_string()),
            "Description": desc,
            "ConsCode": cons_codes,
            "Specialty": pick(SPECIALTIES, spec),
            "FunctionCode": pick(SPECIALTIES, spec),
            "ProviderCode": PROVIDER,
            "DestinationHospCd": HOSPITAL,
            "ServiceGroup": "OUTPAT",
            "MfRecStsInd": "0",
        },
        n,
    )
    return codes, consultant


def _gps(rng: np.random.Generator, patients: int, tables: dict) -> tuple[list[str], np.ndarray, list[str]]:
    practices = int(np.clip(patients // 400, 20, 2500))
    prefix = np.array(["G81", "G82", "G83", "H81", "H82"])[rng.integers(0, 5, practices)]
    nums = _unique_ints(rng, 0, 1000, practices) if practices <= 1000 else _unique_ints(rng, 0, 100_000, practices)
    width = 3 if practices <= 1000 else 5
    practice_codes = [f"{p}{x:0{width}d}"[:6] for p, x in zip(prefix, nums, strict=True)]
    practice_codes = list(dict.fromkeys(practice_codes))  # keep unique codes, stable order
    practices = len(practice_codes)
    per = rng.integers(2, 8, practices)
    gp_practice = np.repeat(np.arange(practices), per)
    n = gp_practice.size
    gp_codes = [f"G{x:07d}" for x in _unique_ints(rng, 1_000_000, 9_000_000, n)]
    # Default codes for "GP not known" / "practice unknown" are master-file rows too.
    gp_codes.append("G9999998")
    practice_codes.append("V81999")
    gp_practice = np.r_[gp_practice, practices]
    n += 1
    areas = ident.area_index(rng, practices + 1)[gp_practice]
    line1, _, town, county = ident.address_lines(rng, areas)
    surname = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), n))
    initials = pick(list(words.MIDDLE_INITIALS), rng.integers(0, len(words.MIDDLE_INITIALS), n))
    unknown = np.arange(n) == n - 1
    tables["GP"] = (
        {
            "GpCode": pa.array(gp_codes, pa.large_string()),
            "PracticeCode": pick(practice_codes, gp_practice),
            "Title": pick(["DR", ""], unknown.astype(np.int64)),
            "Surname": pc.if_else(pa.array(unknown), "GP NOT KNOWN", surname),
            "Initials": pc.if_else(pa.array(unknown), "", initials),
            "GpName": pc.if_else(pa.array(unknown), "GP NOT KNOWN", join(["DR", initials, surname], sep=" ")),
            "Address": pc.if_else(pa.array(unknown), "", join(["THE SURGERY"])),
            "GpAddrLine2": pc.if_else(pa.array(unknown), "", line1),
            "GpAddrLine3": pc.if_else(pa.array(unknown), "", town),
            "GpAddrLine4": pc.if_else(pa.array(unknown), "", county),
            "Postcode": pc.if_else(pa.array(unknown), "", ident.postcodes(rng, areas)),
            "Phone": ident.phones(rng, n, mobile=False, present=~unknown),
            "NationalCode": pc.utf8_slice_codeunits(pa.array(gp_codes, pa.large_string()), 0, 7),
            "LeadGpExt": pick(["NO", "YES"], (np.r_[True, gp_practice[1:] != gp_practice[:-1]]).astype(np.int64)),
            "MfRecStsInd": "0",
        },
        n,
    )
    return gp_codes, gp_practice, practice_codes


def _gdps(rng: np.random.Generator, patients: int, tables: dict) -> list[str]:
    n = int(np.clip(patients // 1500, 10, 1000))
    codes = [f"D{x:05d}" for x in _unique_ints(rng, 10_000, 99_999, n)]
    areas = ident.area_index(rng, n)
    line1, _, town, county = ident.address_lines(rng, areas)
    surname = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), n))
    tables["GDP"] = (
        {
            "GdpCode": pa.array(codes, pa.large_string()),
            "Title": "DR",
            "Surname": surname,
            "Name": join(["DR", surname], sep=" "),
            "Address": "DENTAL PRACTICE",
            "GdpAddLine2": line1,
            "GdpAddrLine3": town,
            "GdpAddrLine4": county,
            "Postcode": ident.postcodes(rng, areas),
            "Phone": ident.phones(rng, n, mobile=False),
            "MfRecStsInd": "0",
        },
        n,
    )
    return codes


def _simple(
    codes: list[str],
    key: str,
    desc: str,
    extra: dict | None = None,
    flag: str = "MfRecStsInd",
    descs: list[str] | None = None,
) -> tuple[dict[str, ColumnValue], int]:
    values: dict[str, ColumnValue] = {key: pa.array(codes, pa.large_string()), flag: DELETE_FLAG_VALUES[flag][0]}
    if descs is not None:
        values[desc] = pa.array(descs, pa.large_string())
    values.update(extra or {})
    return values, len(codes)


def _wards(tables: dict) -> None:
    codes = [w[0] for w in WARDS]
    tables["WARD"] = _simple(
        codes, "Ward", "WardName", {"HospitalCode": HOSPITAL, "ProviderCode": PROVIDER}, descs=[w[1] for w in WARDS]
    )
    tables["CASENLOC"] = _simple(
        [c for c, _ in CASENOTE_LOCATIONS], "Location", "LocationName", descs=[d for _, d in CASENOTE_LOCATIONS]
    )
    tables["WLSUSPREASONMF"] = _simple(
        [c for c, _ in SUSPENSION_REASONS], "ReasonCode", "Description", descs=[d for _, d in SUSPENSION_REASONS]
    )
    tables["WLREMOVALREASON"] = _simple(
        [c for c, _, _ in REMOVAL_REASONS],
        "RemovalCode",
        "Description",
        {"CancelledBy": pa.array([b for _, _, b in REMOVAL_REASONS])},
        descs=[d for _, d, _ in REMOVAL_REASONS],
    )
    tables["WLCANCRSN"] = _simple(
        [c for c, _, _ in TCI_CANCEL_REASONS],
        "CancReasonCode",
        "Description",
        descs=[d for _, d, _ in TCI_CANCEL_REASONS],
    )
    tables["OPREFREASON"] = _simple(
        [c for c, _ in REFERRAL_REASONS], "ReasonForRefCode", "Description", descs=[d for _, d in REFERRAL_REASONS]
    )


def waiting_list_code(spec: str) -> str:
    return f"{spec}WL"  # WAITCD.WaitingList, size 6


def op_waiting_list_code(spec: str) -> str:
    return f"{spec}FUWL"  # OPWLMF.TreatmentCode, size 8


def _lists(tables: dict) -> None:
    specs = pa.array(SPECIALTIES, pa.large_string())
    labels = [c.label.upper() for c in LEGACY_CODE_SETS["treatment_function"]]
    tables["SPEC"] = _simple(
        SPECIALTIES,
        "Specialty",
        "Description",
        {
            "TreatmentFunction": pa.array([SPECIALTY_TREATMENT_FUNCTION[s] for s in SPECIALTIES], pa.large_string()),
            "MainSpecialty": pa.array([SPECIALTY_MAIN_SPECIALTY[s] for s in SPECIALTIES], pa.large_string()),
        },
        descs=[lb[:30] for lb in labels],
    )
    tables["WAITCD"] = _simple(
        [waiting_list_code(s) for s in SPECIALTIES],
        "WaitingList",
        "WlDescription",
        {
            "SpecOfList": specs,
            "HospitalCode": HOSPITAL,
            "ProviderCode": PROVIDER,
        },
        descs=[f"{lb[:17]} WAITING LIST" for lb in labels],
    )
    tables["OPWLMF"] = _simple(
        [op_waiting_list_code(s) for s in SPECIALTIES],
        "TreatmentCode",
        "Description",
        {
            "Specialty": specs,
            "HospitalCode": HOSPITAL,
            "SchedulingApplicationAreaExternal": "OUTPAT",
        },
        descs=[f"{lb} FOLLOW UP" for lb in labels],
    )


# Master file that defines each code set: (table, key column, description column).
CODE_SET_MASTERS: dict[str, tuple[str, str, str]] = {
    "ethnic_category": ("ETHN", "EthnicOriginCode", "EthnicOriginDesc"),
    "marital_status": ("MARITALS", "MaritalStatus", "Description"),
    "religion": ("RELIGION", "Religion", "Description"),
    "administrative_category": ("PATCAT", "Category", "Description"),
    "source_of_referral": ("OPREFSOURCE", "ReferredBy", "Description"),
    "priority_type": ("URG", "UrgencyCode", "Description"),
    "admission_method": ("MOA", "MethodOfAdmission", "Description"),
    "admission_source": ("SOAD", "SourceOfAdm", "Description"),
    "discharge_method": ("MOD", "MethodOfDischarge", "Description"),
    "discharge_destination": ("DOD", "DestinationCode", "Description"),
    "outcome_of_attendance": ("DISP", "DisposalCode", "Description"),
    "intended_management": ("INMAN", "IntdMgmt", "Description"),
    "rtt_period_status": ("RTTPERSTSMF", "RttStatusCode", "RttStsDescription"),
}
_DESC_SIZES = {
    "ETHN": 30,
    "MARITALS": 10,
    "RELIGION": 20,
    "PATCAT": 20,
    "OPREFSOURCE": 25,
    "URG": 15,
    "MOA": 20,
    "SOAD": 20,
    "MOD": 20,
    "DOD": 20,
    "DISP": 30,
    "INMAN": 20,
    "RTTPERSTSMF": 30,
}


def _code_set_masters(tables: dict) -> None:
    for code_set, (table, key, desc) in CODE_SET_MASTERS.items():
        codes = LEGACY_CODE_SETS[code_set]
        labels = [c.label.upper()[: _DESC_SIZES[table]] for c in codes]
        extra: dict[str, ColumnValue] = {}
        if table in ("MOA", "SOAD", "MOD", "DOD"):
            extra["FullDescription"] = pa.array([c.label.upper()[:50] for c in codes], pa.large_string())
        if table == "DISP":
            extra["Applications"] = "OTH"
        if table == "RTTPERSTSMF":
            extra["RttStsInternalValue"] = pa.array([RTT_STATUS_INTERNAL_VALUE[c.code] for c in codes])
        tables[table] = _simple([c.code for c in codes], key, desc, extra, descs=labels)


def internal_numbers(values: np.ndarray) -> pa.Array:
    """InternalPatientNumber / EpisodeNumber form: 9 digits, zero padded."""
    return padded(values, 9)
