"""Named transforms: the registry and the behaviour of the row transforms."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.mapping import transforms as t


def _s(*values):
    return pd.Series(list(values), dtype="object")


def test_registry_lists_every_transform_with_intent():
    table = t.registry_table()
    assert {
        "format_date_ddmmyyyy",
        "concat_address_lines",
        "split_name",
        "combine_date_time",
        "format_nhs_number",
    } <= set(table["transform"])
    assert (table["intent"].str.len() > 10).all()
    assert set(table["kind"]) <= set(t.KINDS)


def test_dates():
    assert t.format_date_ddmmyyyy(_s("20240131", "31/01/2024", "", None, "2024-99")).tolist()[:2] == [
        "31/01/2024",
        "31/01/2024",
    ]
    assert t.format_date_ddmmyyyy(_s("", "bad")).isna().all()
    assert t.format_datetime_ddmmyyyy_hhmi(_s("202401311230")).tolist() == ["31/01/2024 12:30"]
    assert t.format_datetime_ddmmyyyy_hhmiss(_s("202401311230")).tolist() == ["31/01/2024 12:30:00"]
    assert t.combine_date_time(_s("31/01/2024"), _s("0930")).tolist() == ["31/01/2024 09:30"]
    times = _s("09:30", "2400", "9:30", "", None)
    assert (
        t.combine_date_time(_s(*["31/01/2024"] * 5), times).tolist() == ["31/01/2024 09:30"] + ["31/01/2024 00:00"] * 4
    )
    # Strict: an ISO or two-digit-year date is not guessed at.
    assert t.format_date_ddmmyyyy(_s("2024-01-31", "31/01/24", "20240231")).isna().all()


def test_names_addresses_and_flags():
    assert t.split_name_second(_s("ANN MARIE", "JOHN")).tolist()[0] == "MARIE"
    assert pd.isna(t.split_name_second(_s("JOHN")).iloc[0])
    assert t.split_name_family(_s("JOHN SMITH")).tolist() == ["SMITH"]
    assert t.concat_address_lines(_s("1 High St", ""), _s("Town", "Village")).tolist() == ["1 High St, Town", "Village"]
    assert t.split_address_line_2(_s("1 High St, Town, County")).tolist() == ["Town"]
    assert t.yes_no_flag(_s("YES", "no", "maybe")).tolist()[:2] == ["Y", "N"]
    assert t.active_flag_from_delete_indicator(_s("", "D")).tolist() == ["Y", "N"]
    assert t.new_followup_flag(_s("NEW", "FOL", "FTE")).tolist() == ["N", "F", "F"]


def test_nhs_number_and_national_codes():
    assert t.format_nhs_number(_s("943 476 5919", "12")).tolist()[0] == "9434765919"
    assert t.format_gp_code(_s("G1234567", "X1")).tolist() == ["G1234567", "G9999998"]
    assert t.format_practice_code(_s("a81006", "")).tolist() == ["A81006", "V81999"]


def test_rtt_and_attendance_helpers():
    assert t.rtt_event_action(_s("10", "20", "30", "98")).tolist() == ["START", "CONTINUE", "STOP", "NOACTION"]
    assert t.rtt_pathway_type(_s("98", "30")).tolist() == ["NON-RTT", "RTT"]
    assert t.refine_cancelled_attendance(_s("CANC", "CANC", "ATT"), _s("P", "H", "")).tolist() == ["2", "4", "ATT"]


def test_join_transforms_are_left_to_the_executor():
    with pytest.raises(NotImplementedError, match="contract executor"):
        t.lookup_by_key(_s("1"), _s("A"))


def test_arity_check():
    assert t.accepts("combine_date_time", 2) and not t.accepts("combine_date_time", 1)
    assert t.accepts("first_non_blank", 3)


def test_employee_flag_from_external_consultant():
    flags = t.TRANSFORMS["employee_flag_from_external"].func(pd.Series(["YES", "NO", "", " no ", "Y", "MAYBE"]))
    assert flags.tolist()[:5] == ["N", "Y", "Y", "Y", "N"]
    assert pd.isna(flags.iloc[5])


def test_word_and_join_transforms_keep_each_value_on_its_own_row():
    # Rows of a filtered table keep their original labels (the archive's spells): values follow position.
    forenames = pd.Series(["ANNE MARIE", "", "JO"], index=[7, 0, 42], dtype="string")
    assert t.split_name_first(forenames).tolist() == ["ANNE", pd.NA, "JO"]
    assert t.split_name_family(forenames).index.tolist() == [7, 0, 42]
    lines = (pd.Series(["1 HIGH ST", "FLAT 2"], index=[5, 1]), pd.Series(["TOWN", ""], index=[5, 1]))
    assert t.concat_address_lines(*lines).tolist() == ["1 HIGH ST, TOWN", "FLAT 2"]
    # A row with nothing to join stays in its place, empty; the rows after it keep their own values.
    comments = (_s(None, "SEEN", " ", "LATE"), _s("", "IN CLINIC", None, None))
    assert t.concat_text(*comments).tolist() == [pd.NA, "SEEN / IN CLINIC", pd.NA, "LATE"]
