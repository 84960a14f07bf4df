"""DuckDB SQL expression templates for the field behaviours simple enough to run as one expression.

A template's ``$1``, ``$2``, ... stand for the rule's source columns in order (``render`` puts the
quoted column names in). Each template computes, value for value, what its pandas counterpart in
``mapping/transforms*.py`` or ``etl/fields.py`` computes, including blanks and malformed values:
the tests run both over the same values in DuckDB and pandas. A behaviour with no template here
runs in pandas (``etl/plan.py`` says which engine runs each field).

What the templates must copy exactly:

* text is trimmed of Unicode whitespace (pandas' ``str.strip`` on Arrow strings), not only of
  spaces as SQL ``trim`` does;
* a legacy date is parsed strictly (``legacy/dates.py``): the value's own shape picks one of the four
  four-digit-year formats, nothing is trimmed, the calendar date must exist and the year be >= 1800;
* regular expressions are RE2's, as Arrow's are, so ``\\d`` means ASCII digits on both sides.
"""

from __future__ import annotations

import re

import duckdb

# Unicode whitespace as Arrow's utf8_trim_whitespace sees it (RE2 \s is ASCII only).
_WS = r"[\s\x0b\x1c-\x1f\x{85}\p{Zs}\x{2028}\x{2029}]"


def _trim(expr: str) -> str:
    return f"regexp_replace({expr}, '^{_WS}+|{_WS}+$', '', 'g')"


def _blank_to_null(expr: str) -> str:
    return f"NULLIF({expr}, '')"


def _text(expr: str) -> str:
    """A value trimmed, blank as NULL: the transforms' ``_blank_to_na(_text(...))``."""
    return _blank_to_null(_trim(expr))


# The legacy date grammar of legacy/dates.py's "auto": shape first, then a real calendar moment.
_SHAPES = (
    ("[0-9]{8}", "%Y%m%d"),
    ("[0-9]{12}", "%Y%m%d%H%M"),
    ("[0-9]{2}/[0-9]{2}/[0-9]{4}", "%d/%m/%Y"),
    ("[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}", "%d/%m/%Y %H:%M"),
)


def legacy_moment(expr: str) -> str:
    """The legacy date or date-time as a TIMESTAMP; NULL for blank or malformed values."""
    cases = " ".join(
        f"WHEN regexp_full_match({expr}, '{shape}') THEN try_strptime({expr}, '{fmt}')" for shape, fmt in _SHAPES
    )
    parsed = f"(CASE {cases} END)"
    return f"(CASE WHEN year({parsed}) >= 1800 THEN {parsed} END)"


def _formatted(expr: str, pattern: str) -> str:
    return f"strftime({legacy_moment(expr)}, '{pattern}')"


def _word(expr: str, position: str) -> str:
    """Word ``position`` (1-based, or -1 for the last) of the trimmed value split on ASCII whitespace."""
    return _blank_to_null(f"coalesce(regexp_split_to_array({_trim(expr)}, '\\s+')[{position}], '')")


def _address_part(expr: str, position: int) -> str:
    return _blank_to_null(f"coalesce(regexp_split_to_array({_trim(expr)}, '\\s*,\\s*')[{position}], '')")


def _mapped(expr: str, mapping: dict[str, str]) -> str:
    cases = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"(CASE upper({_trim(expr)}) {cases} END)"


def _flag(condition: str) -> str:
    return f"(CASE WHEN {condition} THEN 'Y' ELSE 'N' END)"


def _national_code(expr: str, shape: str, unknown: str) -> str:
    code = f"upper({_trim(expr)})"
    return f"(CASE WHEN regexp_full_match({code}, '{shape}') THEN {code} ELSE '{unknown}' END)"


def _first_character(expr: str, mapping: dict[str, str]) -> str:
    cases = " ".join(f"WHEN '{key}' THEN '{value}'" for key, value in mapping.items())
    return f"(CASE substr({_trim(expr)}, 1, 1) {cases} END)"


_OR_EMPTY = "coalesce($1, '')"
YES_NO = {"YES": "Y", "Y": "Y", "1": "Y", "TRUE": "Y", "NO": "N", "N": "N", "0": "N", "FALSE": "N"}
NEW_FOLLOW_UP = {"NEW": "N", "N": "N", "1": "N", "NTE": "N", "FOL": "F", "F": "F", "2": "F", "FTE": "F"}
EMPLOYEE = {"YES": "N", "Y": "N", "1": "N", "NO": "Y", "N": "Y", "0": "Y", "": "Y"}

# Transform name -> template over its inputs $1, $2, ... (multi-input templates take any number).
TRANSFORM_SQL: dict[str, str] = {
    "format_date_ddmmyyyy": _formatted("$1", "%d/%m/%Y"),
    "format_datetime_ddmmyyyy_hhmi": _formatted("$1", "%d/%m/%Y %H:%M"),
    "format_datetime_ddmmyyyy_hhmiss": _formatted("$1", "%d/%m/%Y %H:%M:%S"),
    "date_or_fallback": f"strftime(coalesce({legacy_moment('$1')}, {legacy_moment('$2')}), '%d/%m/%Y')",
    "date_when_present": f"(CASE WHEN {_text('$1')} IS NOT NULL THEN {_formatted('$2', '%d/%m/%Y')} END)",
    "uppercase": _blank_to_null(f"upper({_trim('$1')})"),
    "split_name_first": _word("$1", "1"),
    "split_name_second": _word("$1", "2"),
    "split_name_third": _word("$1", "3"),
    "split_name": _word("$1", "1"),
    "split_name_family": _word("$1", "-1"),
    "split_address_line_1": _address_part("$1", 1),
    "split_address_line_2": _address_part("$1", 2),
    "split_address_line_3": _address_part("$1", 3),
    "split_address_line_4": _blank_to_null(
        f"array_to_string(list_slice(regexp_split_to_array({_trim('$1')}, '\\s*,\\s*'), 4, 2147483647), ', ')"
    ),
    "yes_no_flag": _mapped("$1", YES_NO),
    "new_followup_flag": _mapped("$1", NEW_FOLLOW_UP),
    "employee_flag_from_external": _mapped(_OR_EMPTY, EMPLOYEE),
    "not_blank_flag": _flag(f"{_text('$1')} IS NOT NULL"),
    "walkin_flag": _flag(f"coalesce(upper({_trim('$1')}) = 'WLK', false)"),
    "inpatient_encounter_type": f"(CASE WHEN coalesce({_trim('$1')} IN ('2', '4'), false) THEN 'D' ELSE 'I' END)",
    "active_flag_from_delete_indicator": _flag(f"upper({_trim(_OR_EMPTY)}) IN ('', 'N', '0')"),
    "rtt_pathway_type": f"(CASE WHEN $1 IS NULL THEN NULL WHEN {_trim('$1')} = '98' THEN 'NON-RTT' ELSE 'RTT' END)",
    "rtt_event_action": _first_character("$1", {"1": "START", "2": "CONTINUE", "3": "STOP", "9": "NOACTION"}),
    "rtt_period_action": _first_character("$1", {"1": "START", "3": "STOP"}),
    "strip_leading_zeros": f"(CASE WHEN $1 IS NOT NULL THEN coalesce(NULLIF(ltrim({_trim('$1')}, '0'), ''), '0') END)",
    "pathway_id_from_number": _blank_to_null(_trim(f"substr({_trim('$1')}, 6)")),
    "format_gp_code": _national_code("$1", "[CDG][0-9]{7}", "G9999998"),
    "format_practice_code": _national_code("$1", "[A-Z][0-9]{5}", "V81999"),
    "lookup_consultant_gmc": _national_code("$1", "[CDG][0-9]{7}", "C9999998"),
}
# Templates over any number of inputs: $* is the inputs' list, each given as one expression.
VARIADIC_SQL: dict[str, tuple[str, str]] = {
    # name -> (per-input expression over $1, how the list of them is combined)
    "first_non_blank": (_text("$1"), "coalesce({})"),
    "concat_text": (_text("$1"), "NULLIF(concat_ws(' / ', {}), '')"),
    "concat_address_lines": (_text("$1"), "NULLIF(concat_ws(', ', {}), '')"),
}

NULL_SQL = "CAST(NULL AS VARCHAR)"
DIRECT_SQL = "CAST($1 AS VARCHAR)"
DIRECT_DATE_SQL = TRANSFORM_SQL["format_date_ddmmyyyy"]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def render(template: str, columns: list[str]) -> str:
    """The template with ``$n`` replaced by the n-th column, quoted."""
    return re.sub(r"\$(\d+)", lambda m: quote_identifier(columns[int(m.group(1)) - 1]), template)


def has_transform_sql(name: str) -> bool:
    return name in TRANSFORM_SQL or name in VARIADIC_SQL


def transform_sql(name: str, columns: list[str]) -> str | None:
    """The SQL expression of transform ``name`` over ``columns``; None when it has no SQL form."""
    if name in VARIADIC_SQL:
        each, combine = VARIADIC_SQL[name]
        return combine.format(", ".join(render(each, [column]) for column in columns))
    if name in TRANSFORM_SQL:
        return render(TRANSFORM_SQL[name], columns)
    return None


def source_key_sql(columns: list[str]) -> str:
    """The legacy record key: the key columns trimmed, NULL as '', joined with '-' (fields._generated)."""
    return " || '-' || ".join(f"coalesce({_trim(quote_identifier(c))}, '')" for c in columns)


def over_length_sql(value_sql: str, length: int) -> str:
    """True where the value is longer than the field (validate_fields counts characters, not bytes)."""
    return f"coalesce(length({value_sql}) > {int(length)}, false)"


_DATABASE: duckdb.DuckDBPyConnection | None = None


def process_database() -> duckdb.DuckDBPyConnection:
    """The engine's one in-memory DuckDB database per process; each caller works on its own cursor
    (connecting costs tens of ms, and a cursor keeps its registered tables to itself)."""
    global _DATABASE
    if _DATABASE is None:
        _DATABASE = duckdb.connect()
    return _DATABASE
