"""Master files of the people and places the activity points at: PAS user accounts (``USERS``),
hospital sites (``HOSPDET``) and the consultants of the inpatient waiting lists (``WAITCD``).

Proportionate, not per patient: QVH has a few hundred PAS accounts (clerks, secretaries, nurses,
doctors), one main site and a few outreach clinic sites. Referentially whole: every hospital code
the activity tables carry is a ``HOSPDET`` row, and every waiting list's consultant is a
``CONSMAST`` consultant of the list's specialty.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.mock import identity as ident
from qvh_migration.mock import wordlists as words
from qvh_migration.mock.catalog import ColumnValue
from qvh_migration.mock.parameters import EXTRACT_DAY, MINUTES_PER_DAY, NO_TIME
from qvh_migration.mock.reference import HOSPITAL, PROVIDER, SPECIALTIES, Reference, waiting_list_code
from qvh_migration.mock.strings import LARGE, as_large, format_dates, join, padded, pick

# Accounts grow slowly with the size of the hospital's activity, within what a PAS of a
# specialist trust holds (QVH: about 1,000 staff, a few hundred of them PAS users).
MIN_USERS, MAX_USERS, PATIENTS_PER_USER = 60, 600, 2_000
DISABLED_SHARE = 0.15  # leavers whose accounts were disabled, kept for the audit trail
# Code, name, address lines, postcode: the main hospital first (its code is on every activity row).
SITES: tuple[tuple[str, str, tuple[str, str, str, str], str], ...] = (
    (HOSPITAL, "QUEEN VICTORIA HOSPITAL", ("HOLTYE ROAD", "", "EAST GRINSTEAD", "WEST SUSSEX"), "RH19 3DZ"),
    ("QVHM", "QVH OUTREACH CLINIC MAIDSTONE", ("HERMITAGE LANE", "", "MAIDSTONE", "KENT"), "ME16 9QQ"),
    ("QVHB", "QVH OUTREACH CLINIC BRIGHTON", ("EASTERN ROAD", "", "BRIGHTON", "EAST SUSSEX"), "BN2 5BE"),
)


def add_workforce(rng: np.random.Generator, ref: Reference, patients: int) -> None:
    """Add ``USERS`` and ``HOSPDET`` to the reference tables and give each waiting list its consultant."""
    ref.tables["USERS"] = users(rng, user_count(patients))
    ref.tables["HOSPDET"] = hospital_sites(rng)
    _waiting_list_consultants(ref)
    _consultant_emails(ref)


def user_count(patients: int) -> int:
    return int(np.clip(patients // PATIENTS_PER_USER, MIN_USERS, MAX_USERS))


def users(rng: np.random.Generator, n: int) -> tuple[dict[str, ColumnValue], int]:
    """PAS accounts: login name (initial, surname, number: unique), owner, extension, disabled state."""
    female = rng.random(n) < 0.6
    forename = pc.utf8_split_whitespace(ident.forenames(rng, female), max_splits=1)
    first = as_large(pc.list_element(forename, 0))
    surname = pick(words.SURNAMES, rng.integers(0, len(words.SURNAMES), n))
    squeezed = pc.replace_substring_regex(surname, r"[^A-Z]", "")
    login = join([pc.utf8_slice_codeunits(first, 0, 1), pc.utf8_slice_codeunits(squeezed, 0, 10)])
    user_name = join([login, padded(np.arange(1, n + 1), 3)])
    disabled = rng.random(n) < DISABLED_SHARE
    disabled_day = EXTRACT_DAY - rng.integers(30, 5 * 365, n)
    expiry_day = np.where(disabled, disabled_day, EXTRACT_DAY + rng.integers(1, 90, n))
    values: dict[str, ColumnValue] = {
        "UserName": user_name,
        "OwnerName": as_large(pc.utf8_slice_codeunits(join([first, surname], sep=" "), 0, 30)),
        "PhoneNumber": ident.phones(rng, n, mobile=False),
        "DisabledUser": pick(["NO", "YES"], disabled.astype(np.int64)),
        "DisabledUserInternal": pick(["0", "1"], disabled.astype(np.int64)),
    }
    # The dictionary does not mark these as date pairs, so both sides are written here.
    disabled_minute = np.where(disabled, disabled_day * MINUTES_PER_DAY, NO_TIME)
    for column, minutes, fmt in (
        ("DisabledDateInternal", disabled_minute, "CCYYMMDD"),
        ("DisabledDateExternal", disabled_minute, "DD/MM/YYYY"),
        ("PasswdExpryDateInt", expiry_day * MINUTES_PER_DAY, "CCYYMMDD"),
        ("PasswdExpryDate", expiry_day * MINUTES_PER_DAY, "DD/MM/YYYY"),
    ):
        values[column] = format_dates(minutes, fmt)
    return values, n


def hospital_sites(rng: np.random.Generator) -> tuple[dict[str, ColumnValue], int]:
    n = len(SITES)
    lines = [pa.array([s[2][i] for s in SITES], LARGE) for i in range(4)]
    values: dict[str, ColumnValue] = {
        "HospitalCode": pa.array([s[0] for s in SITES], LARGE),
        "HospitalName": pa.array([s[1] for s in SITES], LARGE),
        "Address": lines[0],
        "HospAddrLine2": lines[1],
        "HospAddrLine3": lines[2],
        "HospAddrLine4": lines[3],
        "Postcode": pa.array([s[3] for s in SITES], LARGE),
        "PhoneNo": ident.phones(rng, n, mobile=False),
        "ProviderCode": PROVIDER,
        "TreatmentSiteCd": pa.array([f"{PROVIDER}{k:02d}" for k in range(1, n + 1)], LARGE),
        "KornerSiteType": "1",
    }
    return values, n


def _waiting_list_consultants(ref: Reference) -> None:
    """WAITCD.MainConsultant: the first internal consultant of the list's specialty; list number 1."""
    values, n = ref.tables["WAITCD"]
    lists = [waiting_list_code(s) for s in SPECIALTIES]
    lead = [ref.consultant_codes[int(ref.by_specialty[s][0])] if ref.by_specialty[s].size else "" for s in range(n)]
    if pc.all(pc.equal(as_large(values["WaitingList"]), pa.array(lists, LARGE))).as_py() is not True:
        raise ValueError("WAITCD rows are not one per specialty, in SPECIALTIES order")
    values["MainConsultant"] = pa.array(lead, LARGE)
    values["ElAdmListNo"] = "01"


def _consultant_emails(ref: Reference) -> None:
    """CONSMAST.EmailId for the trust's own consultants (initial.surname at a reserved domain)."""
    values, _ = ref.tables["CONSMAST"]
    local = pc.utf8_lower(join([values["Inits"], pc.replace_substring_regex(values["Surname"], r"[^A-Z]", "")], "."))
    email = join([local, "@example.com"])
    values["EmailId"] = as_large(pc.if_else(pa.array(ref.consultant_external), pa.scalar("", LARGE), email))
