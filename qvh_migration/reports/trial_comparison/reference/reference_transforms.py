"""Scalar re-implementations of the contract's named transforms, for the reference evaluator.

Each function takes plain values (``str`` or ``None`` for a value that is not there) and returns
one value, written from the transform's documented intent (``mapping/transforms*.py`` docstrings)
rather than from its vectorised code, so the trial comparison is a second opinion. ``None`` is an
empty target field. The ETL's pandas semantics for a missing input (a null stays null where the
vectorised code cannot decide) are followed, since the comparison is meant to agree with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

Value = str | None

# The four legacy shapes a date may have when the column's own format is not known.
_LEGACY_SHAPES = (
    (re.compile(r"\d{8}"), "%Y%m%d"),
    (re.compile(r"\d{12}"), "%Y%m%d%H%M"),
    (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y"),
    (re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"), "%d/%m/%Y %H:%M"),
)
EARLIEST_YEAR = 1800


def parse_legacy_date(value: Value) -> datetime | None:
    """A legacy date or date-time in one of its four fixed shapes; anything else (or blank) -> None."""
    if value is None:
        return None
    for shape, pattern in _LEGACY_SHAPES:
        if shape.fullmatch(value):
            try:
                moment = datetime.strptime(value, pattern)
            except ValueError:  # no 31 February, no hour 24
                return None
            return moment if moment.year >= EARLIEST_YEAR else None
    return None


def parse_time_of_day(value: Value) -> str | None:
    """HH:MM or HHMM to HH:MM; anything else None."""
    text = value or ""
    match = re.fullmatch(r"(\d{2}):?(\d{2})", text)
    if not match or len(text) not in (4, 5) or (len(text) == 5 and text[2] != ":"):
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return f"{hours:02d}:{minutes:02d}" if hours < 24 and minutes < 60 else None


def text(value: Value) -> Value:
    return None if value is None else value.strip()


def blank_to_none(value: Value) -> Value:
    return None if value is None or value == "" else value


def upper(value: Value) -> Value:
    stripped = text(value)
    return None if stripped is None else stripped.upper()


def as_date(value: Value) -> Value:
    moment = parse_legacy_date(value)
    return moment.strftime("%d/%m/%Y") if moment else None


def as_datetime(value: Value) -> Value:
    moment = parse_legacy_date(value)
    return moment.strftime("%d/%m/%Y %H:%M") if moment else None


def as_datetime_seconds(value: Value) -> Value:
    moment = parse_legacy_date(value)
    return moment.strftime("%d/%m/%Y %H:%M:%S") if moment else None


def combine_date_time(date: Value, time: Value) -> Value:
    day = as_date(date)
    return None if day is None else f"{day} {parse_time_of_day(time) or '00:00'}"


def _words(value: Value, separator: str) -> list[str]:
    return re.split(separator, (value or "").strip())


def word(value: Value, index: int, separator: str = r"\s+") -> Value:
    """Word ``index`` (``-1``: the last) of a value, blank -> None."""
    words = _words(value, separator)
    if index < 0:
        return blank_to_none(words[-1])
    return blank_to_none(words[index]) if index < len(words) else None


def words_from(value: Value, start: int, separator: str, join: str) -> Value:
    return blank_to_none(join.join(_words(value, separator)[start:]))


def join_non_blank(values: tuple[Value, ...], separator: str) -> Value:
    present = [t for t in (text(v) for v in values) if t]
    return separator.join(present) if present else None


def first_non_blank(*values: Value) -> Value:
    return next((t for t in (text(v) for v in values) if t), None)


def yes_no(value: Value) -> Value:
    flags = {"YES": "Y", "Y": "Y", "1": "Y", "TRUE": "Y", "NO": "N", "N": "N", "0": "N", "FALSE": "N"}
    return flags.get(upper(value) or "")


def not_blank_flag(value: Value) -> Value:
    return "Y" if text(value) else "N"


def strip_leading_zeros(value: Value) -> Value:
    stripped = text(value)
    return None if stripped is None else (stripped.lstrip("0") or "0")


def to_integer(value: Value) -> Value:
    try:
        number = float(text(value) or "")
    except ValueError:
        return None
    return str(int(number)) if number.is_integer() else None


def coded(value: Value, pattern: str, unknown: str) -> str:
    code = upper(value) or ""
    return code if re.fullmatch(pattern, code) else unknown


def gp_code(value: Value) -> str:
    """A national practitioner code (G, D or C + 7 digits, guide p42) kept; anything else G9999998."""
    return coded(value, r"[CDG]\d{7}", "G9999998")


def practice_code(value: Value) -> str:
    return coded(value, r"[A-Z]\d{5}", "V81999")


def pathway_id(value: Value) -> Value:
    stripped = text(value)
    return None if stripped is None else blank_to_none(stripped[5:].strip())


def new_followup(value: Value) -> Value:
    flags = {"NEW": "N", "N": "N", "1": "N", "NTE": "N", "FOL": "F", "F": "F", "2": "F", "FTE": "F"}
    return flags.get(upper(value) or "")


def walkin(value: Value) -> str:
    return "Y" if upper(value) == "WLK" else "N"


def encounter_type(value: Value) -> str:
    return "D" if text(value) in ("2", "4") else "I"


def _first_digit(value: Value, actions: dict[str, str]) -> Value:
    stripped = text(value)
    return actions.get(stripped[:1]) if stripped is not None else None


def rtt_event_action(value: Value) -> Value:
    return _first_digit(value, {"1": "START", "2": "CONTINUE", "3": "STOP", "9": "NOACTION"})


def rtt_pathway_type(value: Value) -> Value:
    stripped = text(value)
    return None if stripped is None else ("NON-RTT" if stripped == "98" else "RTT")


def active_flag(value: Value) -> str:
    return "Y" if (upper(value) or "") in ("", "N", "0") else "N"


def days_to_hours(value: Value) -> Value:
    try:
        days = float(text(value) or "")
    except ValueError:
        return None
    return str(int(days * 24))


def outpatient_waitlist_status(removal_code: Value, *_others: Value) -> str:
    return "C" if text(removal_code) else "W"


def opd_appointment_outcome(status: Value, cancel_by: Value, disposal: Value) -> Value:
    code = upper(status)
    if code in ("ATT", "WLK", "SATT"):
        return blank_to_none(upper(disposal))
    if code == "NATT":
        return "NATT"
    if code == "CANC":
        return {"H": "CANC-H", "P": "CANC-P"}.get(upper(cancel_by) or "", "CANC")
    return None


def appointment_status_description(status: Value, cancel_by: Value) -> Value:
    code = upper(status)
    if code == "CANC":
        described = {"H": "Cancelled by hospital", "P": "Cancelled by patient"}
        return described.get(upper(cancel_by) or "", "Cancelled (canceller not recorded)")
    descriptions = {
        "ATT": "Attended",
        "WLK": "Attended (walk-in)",
        "SATT": "Arrived late, seen",
        "NATT": "Did not attend",
        "NR": "Attendance not recorded",
    }
    return descriptions.get(code or "", blank_to_none(code))


def rtt_period_action_at_activity(status: Value, period_start: Value, activity: Value) -> Value:
    action = _first_digit(status, {"1": "START", "3": "STOP"})
    start, moment = parse_legacy_date(period_start), parse_legacy_date(activity)
    return "BOTH" if action == "STOP" and start is not None and start == moment else action


def rtt_stop_reason(status: Value, status_national: Value, clock_stop: Value) -> Value:
    national = text(status_national)
    stopping = national is not None and national.zfill(2) in ("30", "31", "32", "33", "34", "35", "36")
    return blank_to_none(text(status)) if parse_legacy_date(clock_stop) and stopping else None


STOPPING = ("30", "31", "32", "33", "34", "35", "36")


def rtt_action_at_activity(status: Value, period_id: Value, period_start: Value, activity: Value) -> Value:
    """STOP for 30-36; START for 1x on a restarted period only; BOTH when that period began here."""
    national, period = (text(status) or "").zfill(2), to_integer(period_id)
    if period is None:
        return None  # no period: no action
    restarted = int(period) > 1
    if national in STOPPING:
        began = parse_legacy_date(period_start)
        return "BOTH" if restarted and began is not None and began == parse_legacy_date(activity) else "STOP"
    return "START" if restarted and national.startswith("1") else None


def rtt_pathway_end_event(status: Value, clock_stop: Value) -> Value:
    national = (text(status) or "").zfill(2)
    return national if national in STOPPING and parse_legacy_date(clock_stop) is not None else None


def referral_starts_period(period_id: Value) -> str:
    try:
        return "Y" if float(text(period_id) or "") == 1 else "N"
    except ValueError:
        return "N"


def inpatient_admission_outcome(method: Value, destination: Value) -> Value:
    how, where = text(method), text(destination)
    if how in ("4", "5") or where == "79":
        return "DIED"
    if where in ("30", "48", "49", "50", "51", "52", "53", "84", "87"):
        return "TRANSFERRED"
    if how in ("8", "98") or where in ("8", "98") or (how is None and where is None):
        return None
    return "DISCHARGED"


def practice_for_gp(gp: Value, practice: Value) -> str:
    code = upper(practice) or ""
    known = re.fullmatch(r"[A-Z]\d{5}", code) and gp_code(gp) != "G9999998"
    return code if known else "V81999"


def date_or_fallback(date: Value, fallback: Value) -> Value:
    return as_date(date) or as_date(fallback)


def date_when_present(code: Value, date: Value) -> Value:
    return as_date(date) if text(code) else None


def new_followup_from_initial_contact(value: Value) -> Value:
    return {"YES": "N", "Y": "N", "1": "N", "NO": "F", "N": "F", "0": "F"}.get(upper(value) or "")


def employee_flag_from_external(value: Value) -> Value:
    """An external consultant is not the trust's employee; blank (not external) is."""
    return {"YES": "N", "Y": "N", "1": "N", "NO": "Y", "N": "Y", "0": "Y", "": "Y"}.get(upper(value) or "")


# name -> scalar function (the coding and archive ones are in reference_coding.py, the identity ones
# in reference_identity.py); a row transform
# missing from both is run through the ETL's own code (shared_code).
SCALAR_TRANSFORMS: dict[str, Callable[..., Value]] = {
    "format_date_ddmmyyyy": as_date,
    "format_datetime_ddmmyyyy_hhmi": as_datetime,
    "format_datetime_ddmmyyyy_hhmiss": as_datetime_seconds,
    "combine_date_time": combine_date_time,
    "concat_address_lines": lambda *lines: join_non_blank(lines, ", "),
    "split_name_first": lambda v: word(v, 0),
    "split_name_second": lambda v: word(v, 1),
    "split_name_third": lambda v: word(v, 2),
    "split_name": lambda v: word(v, 0),
    "split_name_family": lambda v: word(v, -1),
    "uppercase": lambda v: blank_to_none(upper(v)),
    "yes_no_flag": yes_no,
    "not_blank_flag": not_blank_flag,
    "first_non_blank": first_non_blank,
    "strip_leading_zeros": strip_leading_zeros,
    "to_integer": to_integer,
    "format_gp_code": gp_code,
    "format_practice_code": practice_code,
    "lookup_consultant_gmc": lambda v: coded(v, r"[CDG]\d{7}", "C9999998"),
    "pathway_id_from_number": pathway_id,
    "new_followup_flag": new_followup,
    "concat_text": lambda *values: join_non_blank(values, " / "),
    "walkin_flag": walkin,
    "inpatient_encounter_type": encounter_type,
    "rtt_event_action": rtt_event_action,
    "rtt_pathway_type": rtt_pathway_type,
    "active_flag_from_delete_indicator": active_flag,
    "split_address_line_1": lambda v: word(v, 0, r"\s*,\s*"),
    "split_address_line_2": lambda v: word(v, 1, r"\s*,\s*"),
    "split_address_line_3": lambda v: word(v, 2, r"\s*,\s*"),
    "split_address_line_4": lambda v: words_from(v, 3, r"\s*,\s*", ", "),
    "days_to_hours": days_to_hours,
    "rtt_period_action": lambda v: _first_digit(v, {"1": "START", "3": "STOP"}),
    "outpatient_waitlist_status": outpatient_waitlist_status,
    "opd_appointment_outcome": opd_appointment_outcome,
    "appointment_status_description": appointment_status_description,
    "rtt_period_action_at_activity": rtt_period_action_at_activity,
    "rtt_stop_reason": rtt_stop_reason,
    "rtt_action_at_activity": rtt_action_at_activity,
    "rtt_pathway_end_event": rtt_pathway_end_event,
    "referral_starts_period": referral_starts_period,
    "inpatient_admission_outcome": inpatient_admission_outcome,
    "practice_for_gp": practice_for_gp,
    "date_or_fallback": date_or_fallback,
    "date_when_present": date_when_present,
    "new_followup_from_initial_contact": new_followup_from_initial_contact,
    "employee_flag_from_external": employee_flag_from_external,
}
# Transforms whose output is a date the malformed-date rule applies to (the raw first input).
DATE_TRANSFORM_PREFIXES = ("format_date", "format_datetime", "combine_date_time")

GUIDE_DATE_PATTERNS = {
    "%d/%m/%Y": r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4}",
    "%d/%m/%Y %H:%M": r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4} ([01]\d|2[0-3]):[0-5]\d",
    "%d/%m/%Y %H:%M:%S": r"(0[1-9]|[12]\d|3[01])/(0[1-9]|1[0-2])/\d{4} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d",
}


def guide_format(comment: str) -> str:
    """The strftime pattern a DATE field's guide comment asks for."""
    upper = str(comment or "").upper()
    return "%d/%m/%Y %H:%M:%S" if "HH24:MI:SS" in upper else "%d/%m/%Y %H:%M" if "HH24:MI" in upper else "%d/%m/%Y"


def reformat_guide_date(value: Value, pattern: str) -> Value:
    """A date already in one of the guide's formats, re-emitted in the field's own format."""
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(value or "", fmt).strftime(pattern)
        except ValueError:
            continue
    return value


def number_text(value: Value) -> Value:
    """A NUMBER field's value as the staging table holds it: a whole number without zeros or decimals."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return str(int(number)) if number.is_integer() else repr(number)
