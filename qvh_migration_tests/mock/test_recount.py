"""The recount's orphan test runs in Arrow: the same rows as pandas' own comparison."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.core.arrays.string_arrow import ArrowStringArray

from qvh_migration.io.arrow_text import STR_DTYPE
from qvh_migration.mock.recount import orphan_rows

REFERRALS = pd.DataFrame({"InternalPatientNumber": ["1", "1", "2"], "EpisodeNumber": ["E1", "E2", "E1"]}, dtype="str")
APPOINTMENTS = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "1", "2", "2", "", "3"],
        "EpisodeNumber": ["E1", "E3", "E1", "", "E1", "E1"],
    },
    dtype="str",
)


def _pandas_orphans(child: pd.DataFrame, parent: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """The comparison as pandas made it before (string concatenation and ``isin``)."""
    key = child[cols[0]] + "|" + child[cols[1]]
    pool = parent[cols[0]] + "|" + parent[cols[1]]
    linked = np.logical_and.reduce([(child[c] != "").to_numpy(dtype=bool) for c in cols])
    return linked & ~key.isin(pool).to_numpy(dtype=bool)


def _chunked(frame: pd.DataFrame, pieces: int) -> pd.DataFrame:
    """The same frame with every column held in several Arrow chunks (a multi-row-group read)."""

    def split(series: pd.Series) -> pd.Series:
        values = series.tolist()
        bounds = np.linspace(0, len(values), pieces + 1).astype(int)
        chunks = [pa.array(values[a:b], type=pa.large_string()) for a, b in itertools.pairwise(bounds)]
        return pd.Series(ArrowStringArray(pa.chunked_array(chunks), dtype=STR_DTYPE), index=series.index)

    return pd.DataFrame({c: split(frame[c]) for c in frame.columns})


def test_a_link_to_no_parent_row_is_an_orphan_and_a_blank_link_is_none() -> None:
    found = orphan_rows({"OPA": APPOINTMENTS, "OPREFERRAL": REFERRALS})["OPA"]
    assert found.tolist() == [False, True, False, False, False, True]
    cols = ["InternalPatientNumber", "EpisodeNumber"]
    assert found.tolist() == _pandas_orphans(APPOINTMENTS, REFERRALS, cols).tolist()


def test_chunked_columns_give_the_same_orphans() -> None:
    rng = np.random.default_rng(3)
    parent = pd.DataFrame(
        {"InternalPatientNumber": rng.integers(0, 50, 300).astype(str), "EpisodeNumber": rng.choice(["E1", "E2"], 300)},
        dtype="str",
    )
    child = pd.DataFrame(
        {
            "InternalPatientNumber": rng.integers(0, 70, 900).astype(str),
            "EpisodeNumber": rng.choice(["E1", "E3", ""], 900),
        },
        dtype="str",
    )
    whole = orphan_rows({"OPA": child, "OPREFERRAL": parent})["OPA"]
    chunked = orphan_rows({"OPA": _chunked(child, 4), "OPREFERRAL": _chunked(parent, 3)})["OPA"]
    expected = _pandas_orphans(child, parent, ["InternalPatientNumber", "EpisodeNumber"])
    assert whole.any() and whole.tolist() == expected.tolist() == chunked.tolist()
