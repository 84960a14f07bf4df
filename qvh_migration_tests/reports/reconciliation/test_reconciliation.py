"""Reconciliation on small hand-made load summaries, rejects and extract counts."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.row_sources import ROW_SOURCES_FILE
from qvh_migration.reports.reconciliation.reconciliation import (
    BALANCED,
    NOT_MIGRATED,
    UNEXPLAINED,
    build_reconciliation,
    differences_explained,
    one_row_per_source_row,
    parse_reason_counts,
)


def _summary(rows: list[dict]) -> pd.DataFrame:
    base = {"filter_reasons": "", "note": "", "target_rows": 0, "seconds": 0.0}
    return pd.DataFrame([{**base, **row} for row in rows])


def _row(table: str, source: str, source_rows: int, loaded: int, rejected: int, filtered: int, **extra) -> dict:
    return {
        "target_table": table,
        "source_table": source,
        "source_rows": source_rows,
        "loaded_rows": loaded,
        "rejected_rows": rejected,
        "filtered_rows": filtered,
        **extra,
    }


def _rejects(table: str, keys_and_reasons: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"target_table": table, "source_key": k, "reason_code": r, "field": "F"} for k, r in keys_and_reasons]
    )


def test_a_balanced_table_lists_rejects_and_filters_by_reason() -> None:
    summary = _summary([_row("LOAD_IWL_TCIS", "WLACTIVITY", 10, 5, 2, 3, filter_reasons="not a TCI activity: 3")])
    rejects = _rejects("LOAD_IWL_TCIS", [("k1", "orphan_parent"), ("k1", "missing_mandatory"), ("k2", "orphan_parent")])
    frame = build_reconciliation(["LOAD_IWL_TCIS"], summary, rejects, {"WLACTIVITY": 10}, {"LOAD_IWL_TCIS": 5})
    row = frame.iloc[0]
    assert (row["entity"], row["source_rows"], row["rejected"], row["difference"]) == ("TCIs", 10, 2, 0)
    assert row["rejected_by_reason"] == "orphan_parent: 2; missing_mandatory: 1"
    assert row["filtered_by_reason"] == "not a TCI activity: 3"
    assert row["status"] == BALANCED and row["explanation"] == ""
    assert differences_explained(frame).passed


def test_a_source_row_lost_without_a_reject_is_an_unexplained_difference() -> None:
    # The load read (and conserved) 9 rows, but the extract file holds 10: one vanished before the load.
    summary = _summary([_row("LOAD_PMI", "PATDATA", 9, 8, 1, 0)])
    rejects = _rejects("LOAD_PMI", [("InternalPatientNumber=1", "unmapped_code")])
    frame = build_reconciliation(["LOAD_PMI"], summary, rejects, {"PATDATA": 10}, {"LOAD_PMI": 8})
    row = frame.iloc[0]
    assert row["difference"] == 1 and row["status"] == UNEXPLAINED
    assert "the load read 9 PATDATA rows, the extract holds 10" in row["gap"]
    assert row["explanation"] == ""  # nothing explains it
    outcome = differences_explained(frame)
    assert not outcome.passed and outcome.metadata["unexplained_tables"] == "LOAD_PMI"


def test_a_reject_missing_from_the_ledger_shows_as_a_difference() -> None:
    summary = _summary([_row("LOAD_REFERRALS", "OPREFERRAL", 5, 3, 2, 0)])
    rejects = _rejects("LOAD_REFERRALS", [("k1", "malformed_date")])
    frame = build_reconciliation(["LOAD_REFERRALS"], summary, rejects, {"OPREFERRAL": 5}, {})
    assert frame.iloc[0]["difference"] == 1
    assert "rejects ledger lists 1 rejected rows, the load summary 2" in frame.iloc[0]["gap"]


def test_tables_not_migrated_or_not_loaded_carry_their_reason() -> None:
    summary = _summary(
        [
            _row("LOAD_ADT_CODING", "", 0, 0, 0, 0, note="episode diagnosis extract not delivered"),
            _row("LOAD_RTT_EVENTS", "RTTALLPRDSTS", 0, 0, 0, 0, note="source table RTTALLPRDSTS not in the extracts"),
        ]
    )
    tables = ["LOAD_ADT_CODING", "LOAD_RTT_EVENTS", "LOAD_PMI"]
    frame = build_reconciliation(tables, summary, pd.DataFrame(), {"RTTALLPRDSTS": None}, {}).set_index("target_table")
    assert frame.loc["LOAD_ADT_CODING", "status"] == NOT_MIGRATED
    assert frame.loc["LOAD_ADT_CODING", "explanation"] == "not migrated: episode diagnosis extract not delivered"
    assert frame.loc["LOAD_RTT_EVENTS", "status"] == NOT_MIGRATED
    # A partition that never ran is a gap, not a reason.
    assert frame.loc["LOAD_PMI", "status"] == UNEXPLAINED
    assert list(frame.index[:2]) == ["LOAD_PMI", "LOAD_RTT_EVENTS"]  # sign-off entities first


def test_reason_counts_keep_reasons_that_hold_a_colon() -> None:
    text = "parent LOAD_ADT_EPISODES not loaded: archived (before 01/04/2019): 76; deleted: 2"
    reason = "parent LOAD_ADT_EPISODES not loaded: archived (before 01/04/2019)"
    assert parse_reason_counts(text) == {reason: 76, "deleted": 2}


def test_two_source_rows_loaded_as_one_target_row_show() -> None:
    summary = _summary([_row("LOAD_PMIALIASES", "PREVSURNAME", 4, 4, 0, 0)])
    frame = build_reconciliation(
        ["LOAD_PMIALIASES"], summary, pd.DataFrame(), {"PREVSURNAME": 4}, {"LOAD_PMIALIASES": 3}, {"LOAD_PMIALIASES"}
    )
    assert frame.iloc[0]["status"] == UNEXPLAINED
    assert "4 source rows loaded but the target table holds 3 rows" in frame.iloc[0]["gap"]
    # A table loaded at a coarser grain (a pathway from its periods) may hold fewer rows.
    coarser = build_reconciliation(
        ["LOAD_PMIALIASES"], summary, pd.DataFrame(), {"PREVSURNAME": 4}, {"LOAD_PMIALIASES": 3}
    )
    assert coarser.iloc[0]["status"] == BALANCED


def test_tables_loaded_one_row_per_source_row_come_from_the_row_sources() -> None:
    tables = one_row_per_source_row(ROW_SOURCES_FILE)
    assert {"LOAD_PMI", "LOAD_RTT_PERIODS", "LOAD_IWL"} <= tables
    assert "LOAD_RTT_PATHWAYS" not in tables and "LOAD_MH_CPA_MASTER" not in tables  # grain; no source


def test_a_union_table_reconciles_each_source_table_on_its_own_row() -> None:
    summary = _summary(
        [
            _row("LOAD_ADT_CODING", "CONSEPISDIAG", 10, 7, 1, 2, filter_reasons="archived: 2"),
            _row("LOAD_ADT_CODING", "CONSEPISPROC", 5, 4, 1, 0),
        ]
    )
    rejects = pd.concat(
        [
            _rejects("LOAD_ADT_CODING", [("d1", "invalid_code_shape")]).assign(source_table="CONSEPISDIAG"),
            _rejects("LOAD_ADT_CODING", [("p1", "invalid_code_shape")]).assign(source_table="CONSEPISPROC"),
        ]
    )
    extracts = {"CONSEPISDIAG": 10, "CONSEPISPROC": 5}
    tables, one_each = ["LOAD_ADT_CODING"], {"LOAD_ADT_CODING"}
    frame = build_reconciliation(tables, summary, rejects, extracts, {"LOAD_ADT_CODING": 11}, one_each)
    assert frame["source_table"].tolist() == ["CONSEPISDIAG", "CONSEPISPROC"]
    assert frame["rejected"].tolist() == [1, 1] and frame["target_rows"].tolist() == [7, 4]
    assert (frame["status"] == BALANCED).all() and differences_explained(frame).passed
    # One procedure row missing from the extract: its own row shows it, the diagnoses still balance.
    short = build_reconciliation(tables, summary, rejects, {**extracts, "CONSEPISPROC": 6}, {"LOAD_ADT_CODING": 11})
    assert short["status"].tolist() == [BALANCED, UNEXPLAINED] and short["difference"].tolist() == [0, 1]
    # A target row lost after the load shows on every part (the table is one row short).
    lost = build_reconciliation(tables, summary, rejects, extracts, {"LOAD_ADT_CODING": 10}, one_each)
    assert (lost["status"] == UNEXPLAINED).all() and lost["gap"].str.contains("target table holds").all()
