"""Row folds: an offered TCI and its cancellation are one planned admission (guide pp. 71-72)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.etl.row_folds import RowFold, apply_row_fold, parse_row_fold
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.reports.trial_comparison.reference.reference_sources import SourceRow, fold_rows

FOLD = RowFold(
    key=("InternalPatientNumber", "EpisodeNumber", "TCIDTimeInt"),
    column="EpsActvTypeInt",
    fold=("2",),
    into=("3", "4"),
    carry=("TCIOfferDateInt", "Ward"),
    reason="offer later cancelled",
)
ACTIVITY = pd.DataFrame(
    {
        "InternalPatientNumber": ["1", "1", "1", "1", "2"],
        "EpisodeNumber": ["W1", "W1", "W1", "W1", "W2"],
        "EpsActvTypeInt": ["2", "3", "2", "2", "4"],
        "EpsActvDtimeInt": ["202302011000", "202303011500", "202303101000", "202304011000", "202305011000"],
        "TCIDTimeInt": ["202303060730", "202303060730", "202304030730", "202304030730", "202306010730"],
        "TCIOfferDateInt": ["20230201", "", "20230310", "20230401", ""],
        "Ward": ["PLW", "", "PLW", "BCU", "DSU"],
    }
)


def test_an_offer_and_its_cancellation_load_as_one_row() -> None:
    rows, reason = apply_row_fold(FOLD, ACTIVITY, pd.Series("", index=ACTIVITY.index))
    assert reason.tolist() == ["offer later cancelled", "", "", "", ""]
    assert rows.loc[1, "TCIOfferDateInt"] == "20230201" and rows.loc[1, "Ward"] == "PLW"  # carried
    # Re-offers of one TCI date-time with no cancellation stay rows of their own; a cancellation
    # with no offer in the extract keeps its own (blank) values.
    assert rows.loc[4, "TCIOfferDateInt"] == "" and rows.loc[4, "Ward"] == "DSU"


def test_rows_already_filtered_take_no_part() -> None:
    reason = pd.Series(["", "deleted", "", "", ""], index=ACTIVITY.index)
    rows, out = apply_row_fold(FOLD, ACTIVITY, reason)
    assert out.tolist() == reason.tolist() and rows.equals(ACTIVITY)


def test_the_reference_folds_the_same_rows() -> None:
    """The trial comparison's reference folds row by row, on its own; both must agree."""
    source = [SourceRow(r, r, str(i), str(i), "") for i, r in enumerate(ACTIVITY.astype(object).to_dict("records"))]
    folded = fold_rows(FOLD, source)
    rows, reason = apply_row_fold(FOLD, ACTIVITY, pd.Series("", index=ACTIVITY.index))
    assert [r.filter_reason for r in folded] == reason.tolist()
    assert [r.row["TCIOfferDateInt"] for r in folded] == rows["TCIOfferDateInt"].tolist()


def test_the_tci_table_folds_offers_into_their_cancellations() -> None:
    folds = load_row_sources().tables["LOAD_IWL_TCIS"].folds
    assert [(f.fold, f.into) for f in folds] == [(("2",), ("3", "4"))]


def test_a_fold_folding_rows_into_their_own_kind_is_named(tmp_path: Path) -> None:
    with pytest.raises(CurationError, match="into itself"):
        parse_row_fold(tmp_path / "row_sources.yaml", "table X", {**FOLD.__dict__, "into": ["2"]})


def test_many_keys_fold_as_a_set_comparison_would() -> None:
    """The key comparisons run in Arrow; the rows folded and filled are those of a plain set test."""
    rng = np.random.default_rng(5)
    n = 2_000
    frame = pd.DataFrame(
        {
            "InternalPatientNumber": rng.integers(0, 200, n).astype(str),
            "EpisodeNumber": rng.choice(["W1", "W2", ""], n),
            "EpsActvTypeInt": rng.choice(["2", "3", "4", "9"], n),
            "EpsActvDtimeInt": "202301011000",
            "TCIDTimeInt": rng.choice(["202303060730", "202304030730"], n),
            "TCIOfferDateInt": rng.choice(["20230201", ""], n),
            "Ward": rng.choice(["PLW", ""], n),
        },
        dtype="str",
    )
    rows, reason = apply_row_fold(FOLD, frame, pd.Series("", index=frame.index))
    key = frame["InternalPatientNumber"] + "|" + frame["EpisodeNumber"] + "|" + frame["TCIDTimeInt"]
    complete = frame[["InternalPatientNumber", "EpisodeNumber", "TCIDTimeInt"]].ne("").all(axis=1)
    carrier_keys = set(key[complete & frame["EpsActvTypeInt"].isin(["3", "4"])])
    folded = complete & frame["EpsActvTypeInt"].eq("2") & key.map(lambda k: k in carrier_keys)
    assert folded.any() and reason.eq(FOLD.reason).tolist() == folded.tolist()
    donors = set(key[folded])
    filled = complete & frame["EpsActvTypeInt"].isin(["3", "4"]) & key.map(lambda k: k in donors)
    changed = rows["Ward"].ne(frame["Ward"]) | rows["TCIOfferDateInt"].ne(frame["TCIOfferDateInt"])
    assert changed.any() and not (changed & ~filled).any()
