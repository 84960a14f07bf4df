"""The bad values the defect injector writes: codes no crosswalk knows, over-long text, non-ASCII
names, dummy NHS numbers and malformed legacy dates."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from qvh_migration.legacy.code_sets import LEGACY_CODE_SETS
from qvh_migration.mock.strings import format_dates, join, padded, pick

# Codes a legacy system really accumulates (retired local codes, national codes typed into local
# fields, junk) that have NO entry in LEGACY_CODE_SETS and so no crosswalk row.
UNMAPPED_CODES: dict[str, tuple[str, ...]] = {
    "sex": ("9", "O", "X"),
    "ethnic_category": ("99", "W", "ZZZ", "A"),
    "marital_status": ("9", "L", "O"),
    "religion": ("COFE", "ATH", "99"),
    "administrative_category": ("9", "X", "E"),
    "source_of_referral": ("DEN", "X", "99"),
    "priority_type": ("2", "E", "X"),
    "admission_method": ("11", "21", "XX"),
    "admission_source": ("19", "ZZ"),
    "discharge_method": ("1", "ZZ"),
    "discharge_destination": ("19", "ZZ"),
    "attendance_status": ("DNA", "5", "X"),
    "outcome_of_attendance": ("1", "FU", "XX"),
    "first_attendance": ("1", "RV", "X"),
    "intended_management": ("1", "X", "9"),
    "nhs_number_status": ("00", "09", "99"),
    "rtt_period_status": ("10", "XX", "OPEN"),
    "treatment_function": ("160", "PLST", "XXX", "C"),
}

# Repeated-digit numbers: "valid" by the arithmetic, never real; must be rejected explicitly.
DUMMY_NHS_NUMBERS: tuple[int, ...] = (9_999_999_999, 0, 1_111_111_111, 4_444_444_444)

NON_ASCII_SURNAMES: tuple[str, ...] = (
    "MÜLLER",
    "NGUYỄN",
    "ØSTERGÅRD",
    "ŁUKASZEWSKA",
    "GARCÍA",
    "BJÖRK",
    "O’BRIEN",
    "ŠIMKUS",
    "DVOŘÁK",
    "STRAßE",
    "ÇELIK",
    "SZŐKE",
)
NON_ASCII_FORENAMES: tuple[str, ...] = (
    "JOSÉ",
    "ZOË",
    "RENÉE",
    "FRANÇOIS",
    "SØREN",
    "ŻANETA",
    "AOIFÉ",
    "MIŁOSZ",
    "THÉO",
    "ÉLODIE",
    "JÜRGEN",
    "ÅSA",
)
# Longer than the field: double-barrelled names, addresses with flat and building, free text.
LONG_VALUES: dict[str, tuple[str, ...]] = {
    "Surname": ("FEATHERSTONEHAUGH-CHOLMONDELEY", "MONTGOMERY-FITZWILLIAMSON", "WORTHINGTON-SMYTHE-JONES"),
    "PtAddrLine1": ("FLAT 12 WOODLAND RISE COURT", "THE OLD RECTORY CHURCH LANE", "UNIT 4 BLACKWELL FARM BARNS"),
    "PtAddLn1": ("FLAT 3 ASHDOWN VIEW HOUSE", "ANNEXE AT 14 COPTHORNE ROAD", "APARTMENT 22 MOAT ROAD HOUSE"),
    "ApptComment": (
        "PATIENT REQUESTS LATE MORNING SLOT DUE TO CHILDCARE, PLEASE CALL MOBILE FIRST",
        "INTERPRETER (POLISH) BOOKED; PATIENT ALSO NEEDS HOSPITAL TRANSPORT FROM CROWBOROUGH",
    ),
}
# Columns each table's malformed_legacy_date defect may hit: display dates, never internal ones
# (the timeline recounts read the internal CCYYMMDD[HHMM] forms).
MALFORMED_COLUMNS: dict[str, tuple[str, ...]] = {
    "PATDATA": ("PtDoB",),
    "GPHISTORY": ("FromDate",),
    "RTTPERIOD": ("RttStartDate",),
    "RTTALLPRDSTS": ("ActivityDateTime",),
    "OPREFERRAL": ("ReferralDate",),
    "OPWLENTRY": ("DateOnList",),
    "OPA": ("ApptDate",),
    "WLENTRY": ("WLOnListDate",),
    "WLACTIVITY": ("ActivityDate",),
    "ADMITDISCH": ("AdmissionDate",),
    "WLREMOVAL": ("ActivityDate",),
    "OPWLREMENTRY": ("OpWlRemDatetimeExt",),
    "OPDISCHARGE": ("DischargeDatetime",),
    "PREADMISSION": ("TCIDate",),
}
# Where over_length_value and non_ascii_name land in each table.
OVER_LENGTH_COLUMNS: dict[str, tuple[str, ...]] = {
    "PATDATA": ("Surname", "PtAddrLine1"),
    "PREVADDRESS": ("PtAddLn1",),
    "OPA": ("ApptComment",),
}
NON_ASCII_COLUMNS: dict[str, tuple[str, ...]] = {"PATDATA": ("Surname", "Forenames"), "PREVSURNAME": ("Surname",)}

# Shapes a legacy date goes wrong in: ISO order from a feed, an impossible calendar date, zeros.
_ISO_OF = {
    "DD/MM/YYYY": "ISO",
    "DD/MM/YYYY HH:MM": "ISO HH:MM",
    "DD/MM/YY HH:MM": "YY-MM-DD HH:MM",
    "DD/MM/YY": "YY-MM-DD",
}


def unmapped_code(rng: np.random.Generator, code_set: str, size: int | None, k: int) -> pa.Array:
    known = {c.code for c in LEGACY_CODE_SETS[code_set]}
    options = [c for c in UNMAPPED_CODES[code_set] if c not in known and (size is None or len(c) <= size)]
    return pick(options, rng.integers(0, len(options), k))


def long_value(rng: np.random.Generator, column: str, size: int | None, k: int) -> pa.Array:
    options = [v for v in LONG_VALUES[column] if size is None or len(v) > size]
    return pick(options, rng.integers(0, len(options), k))


def non_ascii_name(rng: np.random.Generator, column: str, k: int) -> pa.Array:
    options = NON_ASCII_FORENAMES if column == "Forenames" else NON_ASCII_SURNAMES
    return pick(options, rng.integers(0, len(options), k))


def dummy_nhs(rng: np.random.Generator, k: int) -> pa.Array:
    from qvh_migration.mock.identity import format_nhs

    return format_nhs(np.asarray(DUMMY_NHS_NUMBERS)[rng.integers(0, len(DUMMY_NHS_NUMBERS), k)])


def malformed_dates(rng: np.random.Generator, minutes: np.ndarray, fmt: str) -> pa.Array:
    """Same width as ``fmt`` but unparseable in it: ISO order, 31 February, or all zeros."""
    k = minutes.size
    iso = format_dates(minutes, _ISO_OF[fmt])
    year = padded(_year(minutes) % (100 if "YYYY" not in fmt else 10_000), 4 if "YYYY" in fmt else 2)
    tail = format_dates(minutes, "HH:MM") if "HH:MM" in fmt else None
    impossible = join(["31/02/", year] + ([" ", tail] if tail is not None else []))
    zeros = pick(
        [fmt.replace("DD", "00").replace("MM", "00").replace("YYYY", "0000").replace("YY", "00").replace("HH", "00")],
        np.zeros(k, np.int64),
    )
    which = rng.integers(0, 3, k)
    return pa.concat_arrays([iso, impossible, zeros]).take(pa.array(which * k + np.arange(k)))


def _year(minutes: np.ndarray) -> np.ndarray:
    return (minutes // 1440).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
