"""The patient model and PATDATA.

Each patient has a "home" service that shapes age and sex the way QVH's case mix does: burns
include many young children, orthodontics teenagers, corneo-plastic and skin cancer the elderly,
breast reconstruction women.  Internal numbers are allocated in registration order, with the gaps
a live PAS has (merged patients' retired numbers come from those gaps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.legacy.code_sets import code_values, code_weights
from qvh_migration.mock import identity as ident
from qvh_migration.mock import wordlists as words
from qvh_migration.mock.catalog import ColumnValue, Dates
from qvh_migration.mock.parameters import (
    EXTRACT_DAY,
    FIRST_REGISTRATION_DAY,
    MINUTES_PER_DAY,
    NO_TIME,
)
from qvh_migration.mock.reference import SPECIALTIES, Reference, internal_numbers
from qvh_migration.mock.strings import as_large, blank_where, join, pick, plain_int
from qvh_migration.mock.vector import at, slot_times, weighted

# Age at registration (mean, sd, min, max) and share female, per home service.
AGE_PROFILE: dict[str, tuple[float, float, int, int, float]] = {
    "PLAS": (62, 17, 1, 99, 0.53),
    "HAND": (42, 16, 5, 95, 0.40),
    "BURN": (38, 18, 16, 95, 0.40),
    "MAXF": (40, 18, 12, 95, 0.50),
    "OMFS": (38, 17, 12, 95, 0.52),
    "ORAL": (35, 15, 12, 90, 0.55),
    "ORTD": (14, 3, 9, 40, 0.55),
    "OPHC": (68, 14, 18, 100, 0.58),
    "ENT": (45, 22, 2, 95, 0.50),
    "GS": (65, 14, 20, 98, 0.50),
    "BRST": (50, 10, 25, 85, 0.99),
    "SLEP": (52, 13, 18, 90, 0.30),
}
BURNS_CHILD_SHARE = 0.45  # of burns patients, children under 16
SPECIALTY_MIX = code_weights("treatment_function")
LANGUAGES = ("ENGLISH", "POLISH", "URDU", "PUNJABI", "BENGALI", "PORTUGUESE", "ROMANIAN", "TAMIL")
ALLERGIES = ("PENICILLIN", "LATEX", "ELASTOPLAST", "CODEINE", "NKDA", "IODINE")
OCCUPATIONS = (
    "RETIRED",
    "TEACHER",
    "NURSE",
    "ENGINEER",
    "STUDENT",
    "ELECTRICIAN",
    "CARPENTER",
    "CHEF",
    "ACCOUNTANT",
    "FARMER",
    "DRIVER",
    "SHOP ASSISTANT",
    "UNEMPLOYED",
    "HOUSEWIFE",
)
NHS_STATUS = code_values("nhs_number_status")
# Statuses under which the record holds no NHS number.
NO_NUMBER_STATUSES = ("03", "04", "07", "08")


@dataclass
class Patients:
    n: int
    ipn: np.ndarray
    district: np.ndarray
    reg_minute: np.ndarray
    dob_day: np.ndarray
    female: np.ndarray
    sex: np.ndarray  # index into the sex code set
    home: np.ndarray  # index into SPECIALTIES
    area: np.ndarray
    gp: np.ndarray  # index into Reference.gp_codes
    gdp: np.ndarray  # index into Reference.gdp_codes, -1 none
    nhs: np.ndarray  # int64, -1 none
    nhs_status: np.ndarray  # index into NHS_STATUS
    marital: np.ndarray  # index into the marital status code set
    married: np.ndarray  # married now or before: titles and previous surnames follow it
    retired_ids: np.ndarray  # numbers in the gaps, free for merged patients' old ids
    text: dict[str, pa.Array] = field(default_factory=dict)  # rendered values other tables copy
    death_day: np.ndarray | None = None
    last_activity_minute: np.ndarray | None = None


def build_patients(rng: np.random.Generator, n: int, ref: Reference) -> Patients:
    reg_day = np.sort(
        FIRST_REGISTRATION_DAY + ((EXTRACT_DAY - 30 - FIRST_REGISTRATION_DAY) * rng.random(n) ** 0.8).astype(np.int64)
    )
    reg_minute = at(reg_day, slot_times(rng, n, 8 * 60, 18 * 60, 5))
    steps = np.where(rng.random(n) < 0.12, 2, 1)  # numbers skipped by deleted/merged records
    ipn = 10_000 + np.cumsum(steps)
    gaps = ipn[steps == 2] - 1
    home = weighted(rng, SPECIALTY_MIX, n)
    female, age = _age_and_sex(rng, home)
    dob_day = reg_day - (age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
    sex = np.where(female, 0, 1)  # F, M in the code set
    odd = rng.random(n)
    sex = np.where(odd < 0.008, 2, np.where(odd < 0.010, 3, sex))  # U, I
    status = _nhs_status(rng, n)
    has_number = ~np.isin(np.asarray(NHS_STATUS)[status], NO_NUMBER_STATUSES)
    has_number, status = _cap_to_999_range(has_number, status)
    nhs = np.full(n, -1, dtype=np.int64)
    nhs[has_number] = ident.draw_nhs_numbers(rng, int(has_number.sum()))
    gdp = np.where(rng.random(n) < 0.4, rng.integers(0, len(ref.gdp_codes), n), -1)
    gp = rng.integers(0, len(ref.gp_codes) - 1, n)
    gp = np.where(rng.random(n) < 0.01, len(ref.gp_codes) - 1, gp)  # GP not known
    age_now = (EXTRACT_DAY - dob_day) / 365.25
    marital = _marital(rng, age_now >= 16)
    married = np.isin(np.asarray(code_values("marital_status"))[marital], ["M", "C", "W", "D", "X"])
    return Patients(
        n=n,
        ipn=ipn,
        district=100_000 + np.arange(n),
        reg_minute=reg_minute,
        dob_day=dob_day,
        female=female,
        sex=sex,
        home=home,
        area=ident.area_index(rng, n),
        gp=gp,
        gdp=gdp,
        nhs=nhs,
        nhs_status=status,
        marital=marital,
        married=married,
        retired_ids=gaps,
    )


def _age_and_sex(rng: np.random.Generator, home: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prof = np.array([AGE_PROFILE[s] for s in SPECIALTIES])[home]
    age = np.clip(rng.normal(prof[:, 0], prof[:, 1]), prof[:, 2], prof[:, 3])
    child = (np.asarray(SPECIALTIES)[home] == "BURN") & (rng.random(home.size) < BURNS_CHILD_SHARE)
    age = np.where(child, np.minimum(rng.exponential(4.0, home.size), 15.5), age)
    return rng.random(home.size) < prof[:, 4], age


def _nhs_status(rng: np.random.Generator, n: int) -> np.ndarray:
    return weighted(rng, code_weights("nhs_number_status"), n)


def _cap_to_999_range(has_number: np.ndarray, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 999 range holds ~909,000 valid numbers: beyond that, the oldest records go untraced (07)."""
    excess = int(has_number.sum()) - ident.NHS_999_CAPACITY
    if excess <= 0:
        return has_number, status
    oldest = np.flatnonzero(has_number)[:excess]
    has_number = has_number.copy()
    status = status.copy()
    has_number[oldest] = False
    status[oldest] = NHS_STATUS.index("07")
    return has_number, status


def assign_deaths(rng: np.random.Generator, pats: Patients, last_minute: np.ndarray, busy: np.ndarray) -> None:
    """Deaths among older patients with nothing open, some time after their last contact."""
    age_now = (EXTRACT_DAY - pats.dob_day) / 365.25
    p = np.where(age_now >= 85, 0.35, np.where(age_now >= 75, 0.18, np.where(age_now >= 60, 0.06, 0.005)))
    gap = 1 + rng.exponential(900, pats.n).astype(np.int64)
    death = last_minute // MINUTES_PER_DAY + gap
    dies = (rng.random(pats.n) < p) & ~busy & (death < EXTRACT_DAY)
    pats.death_day = np.where(dies, death, -1)
    pats.last_activity_minute = last_minute


def render_patdata(rng: np.random.Generator, pats: Patients, ref: Reference) -> dict[str, ColumnValue]:
    n = pats.n
    age_now = (EXTRACT_DAY - pats.dob_day) / 365.25
    adult = age_now >= 16
    surname = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), n))
    forename = ident.forenames(rng, pats.female)
    pseudo = rng.random(n) < 0.012
    postcode = ident.postcodes(rng, pats.area)
    pseudo_code = pick(words.PSEUDO_POSTCODES, rng.integers(0, len(words.PSEUDO_POSTCODES), n), pseudo)
    line1, line2, line3, line4 = ident.address_lines(rng, pats.area)
    dob = at(pats.dob_day, 0)
    dead = pats.death_day >= 0
    death_min = np.where(dead, at(pats.death_day, 0), NO_TIME)
    recorded = np.where(
        dead,
        np.minimum(at(pats.death_day + rng.integers(1, 10, n), slot_times(rng, n, 540, 1020, 1)), at(EXTRACT_DAY, 0)),
        NO_TIME,
    )
    modified = np.maximum(np.maximum(pats.last_activity_minute, pats.reg_minute), recorded)
    text = {
        "InternalPatientNumber": internal_numbers(pats.ipn),
        "DistrictNumber": ident.district_numbers(pats.district),
        "NhsNumber": ident.format_nhs(np.maximum(pats.nhs, 0), pats.nhs >= 0),
        "Surname": surname,
        "Forenames": forename,
        "PtAddrPostCode": as_large(pc.if_else(pa.array(pseudo), pseudo_code, postcode)),
        "Sex": pick(code_values("sex"), pats.sex),
    }
    pats.text.update(text)
    mrsa = rng.random(n) < 0.01
    allergy = rng.random(n) < 0.12
    old_nhs = (pats.dob_day < -10 * 365) & (rng.random(n) < 0.25)
    nok = adult & (rng.random(n) < 0.7)
    lang = np.where(rng.random(n) < 0.93, 0, rng.integers(1, len(LANGUAGES), n))
    values: dict[str, ColumnValue] = {
        **text,
        "PtPseudoPostCode": pseudo_code,
        "PtAddrLine1": blank_where(line1, pseudo),
        "PtAddrLine2": blank_where(line2, pseudo),
        "PtAddrLine3": blank_where(line3, pseudo),
        "PtAddrLine4": blank_where(line4, pseudo),
        "NHSNumberStatus": pick(NHS_STATUS, pats.nhs_status),
        "OldNHSNumber": blank_where(ident.old_nhs_numbers(rng, n), ~old_nhs),
        "Title": ident.titles(rng, pats.female, age_now, pats.married),
        "PtDoB": Dates(dob),
        "InternalDateOfBirth": Dates(dob),
        "PtDobDayInt": plain_int(_part(dob, "D")),
        "PtDobMonthInt": plain_int(_part(dob, "M")),
        "PtDobYearInt": plain_int(_part(dob, "Y")),
        "MaritalStatus": pick(code_values("marital_status"), pats.marital),
        "EthnicType": pick(code_values("ethnic_category"), weighted(rng, code_weights("ethnic_category"), n)),
        "Religion": pick(code_values("religion"), weighted(rng, code_weights("religion"), n)),
        "GpCode": pick(ref.gp_codes, pats.gp),
        "GdpCode": pick(ref.gdp_codes, np.maximum(pats.gdp, 0), pats.gdp >= 0),
        "PtHomePhone": ident.phones(rng, n, mobile=False, present=rng.random(n) < 0.75),
        "PtMobilePhone": ident.phones(rng, n, mobile=True, present=adult & (rng.random(n) < 0.7)),
        "PtEmail": ident.emails(forename, surname, adult & (rng.random(n) < 0.25)),
        "NoKName": blank_where(
            join([pick(words.FEMALE_FORENAMES + words.MALE_FORENAMES, rng.integers(0, 104, n)), surname], sep=" "), ~nok
        ),
        "NoKRelationship": pick(words.NOK_RELATIONSHIPS, rng.integers(0, len(words.NOK_RELATIONSHIPS), n), nok),
        "NoKHomePhone": ident.phones(rng, n, mobile=False, present=nok),
        "NoKAddrLine1": blank_where(line1, ~nok | pseudo),
        "NoKPostCode": blank_where(postcode, ~nok | pseudo),
        "PtDateOfDeath": Dates(death_min),
        "PtDateOfDeathInt": Dates(death_min),
        "PtDeathIndInt": pick(["0", "1"], dead.astype(np.int64)),
        "PtDeathRecordedDt": Dates(recorded),
        "PtDeathInformedBy": pick(["GP", "RELATIVE", "WARD", "PDS"], rng.integers(0, 4, n), dead),
        "DateTimeModified": Dates(modified),
        "MRSA": pick(["YES"], np.zeros(n, np.int64), mrsa),
        "MRSASetDt": Dates(np.where(mrsa, pats.reg_minute, NO_TIME)),
        "Allergies": pick(ALLERGIES, rng.integers(0, len(ALLERGIES), n), allergy),
        "SpokenLanguage": pick(LANGUAGES, lang),
        "Occupation": pick(
            OCCUPATIONS, np.where(age_now >= 66, 0, rng.integers(1, len(OCCUPATIONS), n)), adult & (rng.random(n) < 0.5)
        ),
        "PlaceOfBirth": pick(words.POSTCODE_AREAS[0][4], rng.integers(0, 6, n), rng.random(n) < 0.3),
    }
    # Drawn after everything else so that adding carers left every other PATDATA value unchanged.
    values.update(_carers(rng, age_now, surname, [line1, line2, line3, postcode], pseudo))
    return values


# Share of patients with a carer recorded, by age: the very old, the old, other adults, children.
CARER_SHARE = ((80, 0.30), (65, 0.12), (16, 0.03), (0, 0.06))
CARER_RELATIONSHIPS = ("WIFE", "HUSBAND", "PARTNER", "DAUGHTER", "SON", "MOTHER", "FATHER", "CARER", "FRIEND")


def _carers(
    rng: np.random.Generator, age_now: np.ndarray, surname: pa.Array, address: list[pa.Array], pseudo: np.ndarray
) -> dict[str, ColumnValue]:
    """PATDATA's carer block (CarerName, Relationship, CarerAddress, phones, comments) for some
    patients: spouses and children of the old, parents of children, paid carers; most carers live
    with the patient (same address)."""
    n = age_now.size
    share = np.select([age_now >= a for a, _ in CARER_SHARE], [p for _, p in CARER_SHARE], 0.0)
    carer = rng.random(n) < share
    child = age_now < 16
    relation = np.where(
        child, rng.integers(5, 7, n), np.where(age_now >= 65, rng.integers(0, 5, n), rng.integers(2, 9, n))
    )
    paid = np.asarray(CARER_RELATIONSHIPS)[relation] == "CARER"
    forenames = pick(words.FEMALE_FORENAMES + words.MALE_FORENAMES, rng.integers(0, 104, n))
    carer_surname = choose_surname(rng, surname, paid)
    same_home = ~paid & ~pseudo & (rng.random(n) < 0.8)
    home = join([address[0], ", ", address[1], ", ", address[2], ", ", address[3]])
    return {
        "CarerName": blank_where(join([forenames, carer_surname], sep=" "), ~carer),
        "Relationship": pick(CARER_RELATIONSHIPS, relation, carer),
        "CarerAddress": blank_where(home, ~(carer & same_home)),
        "HomePhone": ident.phones(rng, n, mobile=False, present=carer & (rng.random(n) < 0.8)),
        "WorkPhone": ident.phones(rng, n, mobile=True, present=carer & (rng.random(n) < 0.5)),
        "Comments": pick(["LIVES WITH PATIENT", "VISITS DAILY", "CONTACT FIRST"], rng.integers(0, 3, n), carer),
        "CarerSupport": pick(["YES"], np.zeros(n, np.int64), carer),
    }


def choose_surname(rng: np.random.Generator, surname: pa.Array, other: np.ndarray) -> pa.Array:
    """The patient's surname, or another one where ``other`` (a paid carer is not family)."""
    others = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), len(surname)))
    return as_large(pc.if_else(pa.array(other), others, surname))


def _marital(rng: np.random.Generator, adult: np.ndarray) -> np.ndarray:
    codes = code_values("marital_status")
    weights = np.array(code_weights("marital_status"))
    weights[codes.index("K")] = 0.0
    drawn = weighted(rng, weights, adult.size)
    return np.where(adult, drawn, codes.index("K"))


def _part(minutes: np.ndarray, part: str) -> np.ndarray:
    days = (minutes // MINUTES_PER_DAY).astype("datetime64[D]")
    if part == "Y":
        return days.astype("datetime64[Y]").astype(np.int64) + 1970
    if part == "M":
        return (days.astype("datetime64[M]") - days.astype("datetime64[Y]")).astype(np.int64) + 1
    return (days - days.astype("datetime64[M]")).astype(np.int64) + 1


def plant_duplicates(rng: np.random.Generator, pats: Patients, values: dict[str, ColumnValue], k: int) -> np.ndarray:
    """Append a second registration of ``k`` patients to the PATDATA values (duplicate_patient):
    new internal and hospital numbers, same name, birth, sex and address; half of the new records
    have no NHS number (status 03, trace required).  Returns the rows copied."""
    k = min(k, pats.n)
    sources = np.sort(rng.choice(pats.n, size=k, replace=False))
    take = pa.array(sources)
    no_number = rng.random(k) < 0.5
    for name, value in list(values.items()):
        if isinstance(value, Dates):
            values[name] = Dates(np.r_[value.minutes, value.minutes[sources]])
        elif not isinstance(value, str):
            extra = value.take(take)
            if name == "NhsNumber":
                extra = pc.if_else(pa.array(no_number), "", extra)
            elif name == "NHSNumberStatus":
                extra = pc.if_else(pa.array(no_number), "03", extra)
            elif name == "InternalPatientNumber":
                extra = internal_numbers(pats.ipn.max() + 1 + np.arange(k))
            elif name == "DistrictNumber":
                extra = ident.district_numbers(pats.district.max() + 1 + np.arange(k))
            values[name] = pa.concat_arrays([as_large(value), as_large(extra)])
    return sources
