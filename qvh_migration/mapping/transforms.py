"""Registry of the named transforms a mapping rule may use.

A curated rule names its transform (``transform: format_date_ddmmyyyy``); the rules loader refuses
a name that is not registered here, so a typo fails at review time, not mid-migration. Each
transform is a small vectorised function over pandas Series (one per source field, in the order
the rule lists them) returning the target Series; its docstring states the intent. A transform
that declares ``code_sets`` receives each input translated through the named crosswalk first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.io.arrow_text import as_large
from qvh_migration.legacy.dates import AUTO, parse_legacy_dates
from qvh_migration.legacy.nhs_number import valid_nhs_numbers

TransformFunc = Callable[..., pd.Series]
# A national practitioner code as REF_GP_CODE takes it (guide p42: C0000048, D2008756, G3293160).
NATIONAL_PRACTITIONER_CODE = r"[CDG]\d{7}"


@dataclass(frozen=True)
class Transform:
    name: str
    func: TransformFunc
    intent: str
    inputs: str  # "1", "2", "1+" : how many source fields the rule must name
    kind: str  # row: value by value | join: needs a second table | aggregate: over a patient's records
    # | ranked: the n-th row of a repeat group in another table
    # Crosswalk each input is translated through before the call ("" = legacy value as it is), for
    # transforms that reason on national codes of several code sets; empty when none is needed.
    code_sets: tuple[str, ...] = ()
    # The executor passes the extract's as-of day (legacy/as_of.py) as keyword ``as_of``.
    as_of: bool = False


TRANSFORMS: dict[str, Transform] = {}
KINDS = ("row", "join", "aggregate", "ranked")


def transform(
    inputs: str = "1", kind: str = "row", code_sets: tuple[str, ...] = (), as_of: bool = False
) -> Callable[[TransformFunc], TransformFunc]:
    def register(func: TransformFunc) -> TransformFunc:
        intent = (func.__doc__ or "").strip().splitlines()[0]
        TRANSFORMS[func.__name__] = Transform(func.__name__, func, intent, inputs, kind, code_sets, as_of)
        return func

    return register


def _executor_only(name: str) -> pd.Series:
    raise NotImplementedError(f"{name} is executed by the contract executor (it needs other records)")


def accepts(name: str, count: int) -> bool:
    """Whether transform ``name`` takes ``count`` source fields."""
    spec = TRANSFORMS[name].inputs
    return count >= 1 if spec == "1+" else count == int(spec)


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def _blank_to_na(series: pd.Series) -> pd.Series:
    return series.mask(series.fillna("") == "")


def _parse_date(series: pd.Series) -> pd.Series:
    """Legacy date or date-time in whichever of the four legacy shapes it has; anything else -> NaT.

    Strict (``qvh_migration.legacy.dates``): an ISO or two-digit-year value is not guessed at, so
    a transform never turns a malformed source date into a plausible target one.
    """
    return parse_legacy_dates(series, AUTO)


@transform()
def format_date_ddmmyyyy(series: pd.Series) -> pd.Series:
    """Legacy date (CCYYMMDD internal or DD/MM/YYYY display) to the target DD/MM/YYYY text."""
    return _parse_date(series).dt.strftime("%d/%m/%Y").astype("string")


@transform()
def format_datetime_ddmmyyyy_hhmi(series: pd.Series) -> pd.Series:
    """Legacy date-time (CCYYMMDDHHMM or DD/MM/YYYY HH:MM) to DD/MM/YYYY HH24:MI; a date alone gets 00:00."""
    return _parse_date(series).dt.strftime("%d/%m/%Y %H:%M").astype("string")


@transform()
def format_datetime_ddmmyyyy_hhmiss(series: pd.Series) -> pd.Series:
    """Legacy date-time to DD/MM/YYYY HH24:MI:SS (RTT event dates)."""
    return _parse_date(series).dt.strftime("%d/%m/%Y %H:%M:%S").astype("string")


@transform("2")
def combine_date_time(date: pd.Series, time: pd.Series) -> pd.Series:
    """Join a display date and a separate HH:MM / HHMM time into DD/MM/YYYY HH24:MI; a blank or
    malformed time (strict legacy grammar: no 24:00, no 9:30) gives 00:00."""
    day = _parse_date(date).dt.strftime("%d/%m/%Y")
    moment = parse_legacy_dates(time, "HH:MM").fillna(parse_legacy_dates(time, "HHMM"))
    clock = moment.dt.strftime("%H:%M").fillna("00:00")
    return (day + " " + clock).astype("string")


@transform()
def format_nhs_number(series: pd.Series) -> pd.Series:
    """Strip the formatted NHS number (``999 123 4567``) to 10 digits; a value that is not ten digits,
    fails the Modulus 11 check digit or is one digit repeated becomes null (never a number)."""
    digits = _text(series).str.replace(r"[\s-]", "", regex=True)
    return digits.where(valid_nhs_numbers(digits.fillna("")).to_numpy(dtype=bool))


@transform("1+")
def concat_address_lines(*lines: pd.Series) -> pd.Series:
    """Join address lines with ", " skipping blanks (target line wider than the legacy one)."""
    return _join_non_blank(lines, ", ")


def _words(series: pd.Series, separator: str) -> pa.Array:
    """Each value split on a regex separator, as one Arrow list array (vectorised, no Python loop).

    A large column arrives in several chunks (``pa.array`` of it is a ChunkedArray); the chunks are
    combined, so callers may read the list array's offsets as those of one contiguous array.
    """
    text = as_large(pa.array(_text(series).fillna(""), type=pa.large_string()))
    return pc.split_pattern_regex(pc.utf8_trim_whitespace(text), separator)


def _word(series: pd.Series, separator: str, start: int, stop: int | None = None, join: str = " ") -> pd.Series:
    """Words ``start:stop`` of each value (``start=-1``: the last word), blank -> null."""
    if series.empty:
        return pd.Series(pd.NA, index=series.index, dtype="string")
    parts = _words(series, separator)
    if start < 0:
        # Every value splits into at least one (possibly empty) word, so the flat offsets are safe.
        length = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
        first = parts.offsets.to_numpy()[:-1]
        values = pc.list_flatten(parts).take(pa.array(first + np.maximum(length + start, 0)))
    else:
        values = pc.binary_join(
            pc.list_slice(parts, start, stop if stop is not None else start + 1), pa.scalar(join, pa.large_string())
        )
    # .array: placed by position (a Series given an index would be re-aligned on labels).
    return _blank_to_na(
        pd.Series(values.to_pandas(types_mapper=pd.ArrowDtype).array, index=series.index).astype("string")
    )


def _join_non_blank(series: tuple[pd.Series, ...], separator: str) -> pd.Series:
    """Element-wise join of the non-blank values, skipping blanks; null when every value is blank.

    Column by column rather than Arrow's binary_join_element_wise, whose ``skip`` drops a row whose
    values are all null (its output is shorter than its input, so later rows would move up).
    """
    index = series[0].index
    joined = pd.Series(pd.NA, index=index, dtype="string")
    for values in series:
        value = _blank_to_na(_text(values)).set_axis(index)  # the inputs are the same rows, in order
        joined = (joined + separator + value).fillna(joined).fillna(value)
    return joined


def _forename(series: pd.Series, index: int) -> pd.Series:
    return _word(series, r"\s+", index)


@transform()
def split_name_first(series: pd.Series) -> pd.Series:
    """First word of the legacy Forenames field."""
    return _forename(series, 0)


@transform()
def split_name_second(series: pd.Series) -> pd.Series:
    """Second word of the legacy Forenames field (middle name), null when there is none."""
    return _forename(series, 1)


@transform()
def split_name_third(series: pd.Series) -> pd.Series:
    """Third word of the legacy Forenames field, null when there is none."""
    return _forename(series, 2)


@transform()
def split_name(series: pd.Series) -> pd.Series:
    """First forename from a free-text full name such as NoKName ("JOHN SMITH" -> "JOHN")."""
    return _forename(series, 0)


@transform()
def split_name_family(series: pd.Series) -> pd.Series:
    """Family name from a free-text full name: the last word ("JOHN SMITH" -> "SMITH")."""
    return _word(series, r"\s+", -1)


@transform()
def uppercase(series: pd.Series) -> pd.Series:
    """Trim and upper-case free text (the target wants upper-case names and codes)."""
    return _blank_to_na(_text(series).str.upper())


@transform()
def yes_no_flag(series: pd.Series) -> pd.Series:
    """YES/NO, Y/N, 1/0, TRUE/FALSE to Y/N; anything else null."""
    values = _text(series).str.upper()
    mapping = {"YES": "Y", "Y": "Y", "1": "Y", "TRUE": "Y", "NO": "N", "N": "N", "0": "N", "FALSE": "N"}
    return values.map(mapping).astype("string")


@transform()
def not_blank_flag(series: pd.Series) -> pd.Series:
    """Y when the legacy field holds any value, N when blank (e.g. a date that marks an event)."""
    return _blank_to_na(_text(series)).notna().map({True: "Y", False: "N"}).astype("string")


@transform("1+")
def first_non_blank(*series: pd.Series) -> pd.Series:
    """The first non-blank value among the source fields, in the order listed."""
    result = _blank_to_na(_text(series[0]))
    for other in series[1:]:
        result = result.fillna(_blank_to_na(_text(other)))
    return result


@transform()
def strip_leading_zeros(series: pd.Series) -> pd.Series:
    """Numeric identifiers held as zero-padded text (``000123``) to their plain form."""
    return _blank_to_na(_text(series).str.lstrip("0").replace("", "0"))


@transform()
def to_integer(series: pd.Series) -> pd.Series:
    """Text digits to a whole number; non-numeric values become null."""
    return pd.to_numeric(_text(series), errors="coerce").astype("Int64")


@transform()
def format_gp_code(series: pd.Series) -> pd.Series:
    """GP national code: a national practitioner code (G, D or C + 7 digits, e.g. D2008756 for a dentist,
    guide p42) kept, upper-cased; anything else becomes G9999998 (GP not known)."""
    code = _text(series).str.upper()
    return code.where(code.str.fullmatch(NATIONAL_PRACTITIONER_CODE).fillna(False), "G9999998")


@transform()
def format_practice_code(series: pd.Series) -> pd.Series:
    """GP practice ODS code: letter + 5 digits kept; anything else becomes V81999 (practice unknown)."""
    code = _text(series).str.upper()
    return code.where(code.str.fullmatch(r"[A-Z]\d{5}").fillna(False), "V81999")


@transform()
def lookup_consultant_gmc(series: pd.Series) -> pd.Series:
    """Consultant code to the national GMC code (C + 7 digits kept); anything else -> C9999998.

    Local consultant codes are first joined to CONSMAST.GMCCode by the executor; here the shape
    of the national code is enforced.
    """
    code = _text(series).str.upper()
    return code.where(code.str.fullmatch(r"[CDG]\d{7}").fillna(False), "C9999998")


@transform()
def pathway_id_from_number(series: pd.Series) -> pd.Series:
    """RTT PathwayNumber is the 5-character provider code followed by the 20-character pathway id."""
    return _blank_to_na(_text(series).str.slice(5).str.strip())


@transform("2")
def refine_cancelled_attendance(status: pd.Series, cancel_by: pd.Series) -> pd.Series:
    """Cancelled appointments: CancelBy P -> patient cancelled (2), H -> provider cancelled (4).

    Other statuses pass through for the attendance_status crosswalk.
    """
    by = _text(cancel_by).str.upper().map({"P": "2", "H": "4"})
    cancelled = _text(status).str.upper().eq("CANC").fillna(False)
    return _text(status).mask(cancelled & by.notna(), by)


@transform()
def new_followup_flag(series: pd.Series) -> pd.Series:
    """NEW/FOL, 1/2 (new / follow-up) to the target's N/F."""
    values = _text(series).str.upper()
    mapping = {"NEW": "N", "N": "N", "1": "N", "NTE": "N", "FOL": "F", "F": "F", "2": "F", "FTE": "F"}
    return values.map(mapping).astype("string")


@transform("1+")
def concat_text(*series: pd.Series) -> pd.Series:
    """Join the non-blank free-text values with " / " (two legacy comment fields into one note)."""
    return _blank_to_na(_join_non_blank(series, " / "))


@transform()
def walkin_flag(series: pd.Series) -> pd.Series:
    """Y when the appointment status is WLK (walk-in), N otherwise."""
    return _text(series).str.upper().eq("WLK").fillna(False).map({True: "Y", False: "N"}).astype("string")


@transform()
def inpatient_encounter_type(series: pd.Series) -> pd.Series:
    """National intended management to the archive encounter type: no overnight stay (2, 4) -> D, else I."""
    return _text(series).isin(["2", "4"]).fillna(False).map({True: "D", False: "I"}).astype("string")


@transform()
def rtt_event_action(series: pd.Series) -> pd.Series:
    """RTT period status (national 10..99) to the target event action: 1x START, 2x CONTINUE, 3x STOP."""
    first = _text(series).str.slice(0, 1)
    return first.map({"1": "START", "2": "CONTINUE", "3": "STOP", "9": "NOACTION"}).astype("string")


@transform()
def rtt_pathway_type(series: pd.Series) -> pd.Series:
    """RTT or NON-RTT: status 98 (not applicable) is NON-RTT, every other status is RTT."""
    return _text(series).eq("98").map({True: "NON-RTT", False: "RTT"}).astype("string")


@transform("1")
def active_flag_from_delete_indicator(series: pd.Series) -> pd.Series:
    """Logical-delete indicator to an active flag: blank/N/0 (not deleted) -> Y, anything else -> N."""
    deleted = _text(series).fillna("").str.upper().isin(["", "N", "0"])
    return deleted.map({True: "Y", False: "N"}).astype("string")


def _address_line(series: pd.Series, index: int) -> pd.Series:
    return _word(series, r"\s*,\s*", index)


@transform()
def split_address_line_1(series: pd.Series) -> pd.Series:
    """First comma-separated part of a one-line address (e.g. PATDATA.CarerAddress)."""
    return _address_line(series, 0)


@transform()
def split_address_line_2(series: pd.Series) -> pd.Series:
    """Second comma-separated part of a one-line address."""
    return _address_line(series, 1)


@transform()
def split_address_line_3(series: pd.Series) -> pd.Series:
    """Third comma-separated part of a one-line address."""
    return _address_line(series, 2)


@transform()
def split_address_line_4(series: pd.Series) -> pd.Series:
    """Fourth and later comma-separated parts of a one-line address, joined."""
    return _word(series, r"\s*,\s*", 3, 1 << 30, join=", ")


@transform()
def days_to_hours(series: pd.Series) -> pd.Series:
    """A duration in days (expected length of stay) to hours."""
    return (pd.to_numeric(_text(series), errors="coerce") * 24).astype("Int64")


@transform()
def rtt_period_action(series: pd.Series) -> pd.Series:
    """National RTT status of the activity to the link action: 1x START, 3x STOP, otherwise none."""
    first = _text(series).str.slice(0, 1)
    return first.map({"1": "START", "3": "STOP"}).astype("string")


@transform("1+")
def outpatient_waitlist_status(*series: pd.Series) -> pd.Series:
    """OPD waiting-list status W/D/L/A/C from removal code, removal date and booked appointment.

    Entries still on OPWLENTRY are W (waiting); removed entries (OPWLREMENTRY) are A when removed
    because an appointment was attended, C otherwise; the executor refines L (booked) from OPA.
    """
    removed = _blank_to_na(_text(series[0])).notna()
    return removed.map({True: "C", False: "W"}).astype("string")


@transform("2", kind="join")
def lookup_by_key(key: pd.Series, looked_up: pd.Series) -> pd.Series:
    """The second field's value for the record matching the first (a join, e.g. IPN -> DistrictNumber)."""
    return _executor_only("lookup_by_key")


@transform("1", kind="aggregate")
def latest_date(series: pd.Series) -> pd.Series:
    """The latest date among the patient's (or pathway's) records, formatted DD/MM/YYYY."""
    return _executor_only("latest_date")


@transform("1", kind="aggregate")
def earliest_date(series: pd.Series) -> pd.Series:
    """The earliest date among the referral's (or patient's) records, formatted DD/MM/YYYY."""
    return _executor_only("earliest_date")


@transform("2", kind="join")
def tracking_time_arrived(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of the appointment's arrival tracking step (OPATTTRACK step whose OPTRACKSTEP status is arrived)."""
    return _executor_only("tracking_time_arrived")


@transform("2", kind="join")
def tracking_time_seen(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of the appointment's seen-by-clinician tracking step (OPATTTRACK / OPTRACKSTEP)."""
    return _executor_only("tracking_time_seen")


@transform("2", kind="join")
def tracking_time_completed(step: pd.Series, when: pd.Series) -> pd.Series:
    """Time of the appointment's completion tracking step (OPATTTRACK / OPTRACKSTEP)."""
    return _executor_only("tracking_time_completed")


@transform("1", kind="aggregate")
def earliest_datetime(series: pd.Series) -> pd.Series:
    """The earliest date-time among the pathway's records, formatted DD/MM/YYYY HH24:MI."""
    return _executor_only("earliest_datetime")


@transform("1", kind="aggregate")
def latest_datetime(series: pd.Series) -> pd.Series:
    """The latest date-time among the pathway's records (blank while any is open), DD/MM/YYYY HH24:MI."""
    return _executor_only("latest_datetime")


def registry_table() -> pd.DataFrame:
    """Name, inputs, kind and intent of every transform (for the contract workbook and reviewers)."""
    rows = [(t.name, t.inputs, t.kind, ";".join(t.code_sets), t.intent) for t in TRANSFORMS.values()]
    return pd.DataFrame(rows, columns=["transform", "inputs", "kind", "code_sets", "intent"])


# Transforms of activity and of GP/GDP registration live in their own modules (file size); importing
# them here registers them, so every caller of TRANSFORMS sees the whole registry.
from qvh_migration.mapping import (  # noqa: E402, F401
    transforms_activity,
    transforms_archive,
    transforms_coding,
    transforms_community,
    transforms_identity,
    transforms_opd_waitlist,
    transforms_registration,
    transforms_waitlist,
    transforms_workforce,
)
