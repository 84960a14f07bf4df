"""The strict legacy date grammar: shapes, calendar, clock, two-digit years, blanks and "auto"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qvh_migration.legacy.dates import (
    LEGACY_DATE_FORMATS,
    NO_TIME,
    malformed_legacy_dates,
    parse_legacy_dates,
    parse_minutes,
)


def _parse(values: list, fmt: str) -> list:
    return parse_legacy_dates(pd.Series(values, dtype="object"), fmt).tolist()


def _malformed(values: list, fmt: str) -> list[bool]:
    return malformed_legacy_dates(pd.Series(values, dtype="object"), fmt).tolist()


T = pd.Timestamp


@pytest.mark.parametrize(
    ("fmt", "value", "expected"),
    [
        ("CCYYMMDD", "20240105", T("2024-01-05")),
        ("CCYYMMDD", "20240229", T("2024-02-29")),
        ("CCYYMMDDHHMM", "202401052359", T("2024-01-05 23:59")),
        ("CCYYMMDDHHMM", "202401050000", T("2024-01-05 00:00")),
        ("DD/MM/YYYY", "05/01/2024", T("2024-01-05")),
        ("DD/MM/YYYY HH:MM", "05/01/2024 09:30", T("2024-01-05 09:30")),
        ("DD/MM/YY", "05/01/26", T("2026-01-05")),
        ("DD/MM/YY", "05/01/27", T("1927-01-05")),
        ("DD/MM/YY HH:MM", "05/01/99 10:00", T("1999-01-05 10:00")),
        ("CCYYMMDD", "18000101", T("1800-01-01")),
        ("CCYYMMDD", "99991231", T("9999-12-31")),
    ],
)
def test_valid_values_parse(fmt: str, value: str, expected: pd.Timestamp) -> None:
    assert _parse([value], fmt) == [expected]
    assert _malformed([value], fmt) == [False]


@pytest.mark.parametrize(
    ("fmt", "value"),
    [
        # ISO shapes are not legacy shapes, whatever the field.
        ("CCYYMMDD", "2024-01-05"),
        ("CCYYMMDDHHMM", "2024-01-05 10:00"),
        ("DD/MM/YYYY", "2024-01-05"),
        ("DD/MM/YYYY HH:MM", "2024-01-05T10:00"),
        # Two-digit years only where the format says so.
        ("CCYYMMDD", "240105"),
        ("DD/MM/YYYY", "05/01/24"),
        ("DD/MM/YYYY HH:MM", "05/01/24 10:00"),
        # Zeros are not a "no date" marker.
        ("CCYYMMDD", "00000000"),
        ("CCYYMMDDHHMM", "000000000000"),
        ("DD/MM/YYYY", "00/00/0000"),
        # Impossible calendar dates.
        ("CCYYMMDD", "20240231"),
        ("CCYYMMDD", "20230229"),
        ("CCYYMMDD", "20241301"),
        ("DD/MM/YYYY", "31/04/2024"),
        ("CCYYMMDD", "17991231"),
        # The clock runs 00:00-23:59.
        ("CCYYMMDDHHMM", "202401052400"),
        ("DD/MM/YYYY HH:MM", "05/01/2024 24:00"),
        ("DD/MM/YYYY HH:MM", "05/01/2024 10:60"),
        ("HH:MM", "24:00"),
        # Nothing is trimmed, padded or skipped.
        ("CCYYMMDD", " 20240105"),
        ("CCYYMMDD", "20240105 "),
        ("DD/MM/YYYY", "5/1/2024"),
        ("DD/MM/YYYY", "05-01-2024"),
        ("CCYYMMDD", "2024010５"),  # a full-width digit
        ("CCYYMMDD", "202401051"),
        ("DD/MM/YYYY HH:MM", "05/01/2024"),
        ("CCYYMMDDHHMM", "20240105"),
    ],
)
def test_malformed_values(fmt: str, value: str) -> None:
    assert _malformed([value], fmt) == [True]
    assert pd.isna(_parse([value], fmt)[0])


@pytest.mark.parametrize("blank", ["", "   ", None, np.nan])
@pytest.mark.parametrize("fmt", ["CCYYMMDD", "DD/MM/YYYY HH:MM", "auto"])
def test_blanks_are_neither_dates_nor_malformed(fmt: str, blank: object) -> None:
    assert _malformed([blank], fmt) == [False]
    assert pd.isna(_parse([blank], fmt)[0])


def test_auto_lets_the_shape_decide_among_the_four_year_formats() -> None:
    values = ["20240105", "202401051030", "05/01/2024", "05/01/2024 10:30", "", "05/01/24", "2024-01-05", "20240231"]
    assert _parse(values, "auto")[:4] == [
        T("2024-01-05"),
        T("2024-01-05 10:30"),
        T("2024-01-05"),
        T("2024-01-05 10:30"),
    ]
    assert _malformed(values, "auto") == [False, False, False, False, False, True, True, True]


def test_result_keeps_the_index_and_is_datetime() -> None:
    values = pd.Series(["20240105", "x"], index=[7, 9], dtype="str")
    parsed = parse_legacy_dates(values, "CCYYMMDD")
    assert parsed.index.tolist() == [7, 9]
    assert str(parsed.dtype).startswith("datetime64")
    assert malformed_legacy_dates(values, "CCYYMMDD").index.tolist() == [7, 9]


def test_numbers_read_from_files_parse_like_their_digits() -> None:
    assert _parse([20240105], "CCYYMMDD") == [T("2024-01-05")]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown legacy date format"):
        parse_legacy_dates(pd.Series(["20240105"]), "YYYY-MM-DD")


def test_minutes_engine_agrees_with_the_series_api_on_every_format() -> None:
    for fmt in LEGACY_DATE_FORMATS:
        minutes, ok = parse_minutes(pd.Series(["", "bad"], dtype="str"), fmt)
        assert minutes.tolist() == [NO_TIME, NO_TIME] and ok.tolist() == [True, False]
