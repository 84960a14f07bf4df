"""The reviewed row-source file: every table decided, every filter with a reason, errors named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.etl.row_sources import RowFilter, load_row_sources
from qvh_migration.settings import PROJECT_ROOT

FACT_TABLES = set(pd.read_csv(PROJECT_ROOT / "qvh_migration/specs/facts/target_tables.csv")["table_name"])


def test_the_shipped_file_decides_all_38_tables() -> None:
    sources = load_row_sources(target_tables=FACT_TABLES)
    assert set(sources.tables) == FACT_TABLES and len(FACT_TABLES) == 38
    for spec in sources.tables.values():
        assert spec.rationale, spec.target_table  # a source with its rationale, or none with the reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("system_code: X\ntables:\n  LOAD_PMI: {source: null}\n", "needs a reason"),
        ("system_code: X\ntables:\n  LOAD_PMI: {rationale: x}\n", "needs 'source'"),
        (
            "system_code: X\ntables:\n  LOAD_PMI: {source: PATDATA, filters: [{column: Sex, reason: r}]}\n",
            "exactly one of",
        ),
        ("tables: {}\n", "system_code is empty"),
        ("system_code: X\ntables:\n  LOAD_NOPE: {source: PATDATA}\n", "LOAD_NOPE is not a staging table"),
    ],
)
def test_a_bad_row_source_file_names_the_file_and_table(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "row_sources.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError, match=message) as error:
        load_row_sources(path, target_tables={"LOAD_PMI", "LOAD_NOPE"} if "NOPE" not in text else {"LOAD_PMI"})
    assert str(path) in str(error.value)


def test_filters_split_live_and_archive_on_the_cut_off() -> None:
    frame = pd.DataFrame({"When": ["201903312359", "201904010000", ""]})
    live = RowFilter("When", "on_or_after", "20190401", "archived").keeps(frame)
    archive = RowFilter("When", "before", "20190401", "live").keeps(frame)
    assert live.tolist() == [False, True, True] and archive.tolist() == [True, False, False]
    assert (live ^ archive).all()  # every row goes to exactly one of the two tables


SOURCE_TABLES = set(pd.read_csv(PROJECT_ROOT / "qvh_migration/specs/facts/source_fields.csv")["TableName"])


def test_every_table_loading_no_rows_is_watched_with_dictionary_tables() -> None:
    sources = load_row_sources(target_tables=FACT_TABLES, source_tables=SOURCE_TABLES)
    no_source = {name for name, spec in sources.tables.items() if not spec.loads_rows}
    assert set(sources.watch_tables) == no_source and no_source
    for watched in sources.watch_tables.values():
        assert watched.note and set(watched.source_tables) <= SOURCE_TABLES, watched.target_table
    assert sources.watch_tables["LOAD_MH_DETENTION_MASTER"].source_tables == ("LEGALSTATUSDETS",)
    assert sources.watch_tables["LOAD_MH_CPA_MASTER"].source_tables == ()  # none in the dictionary


WATCH_BASE = "system_code: X\ntables:\n  LOAD_PMI: {source: PATDATA}\n  LOAD_MH_CPA_MASTER: {source: null, reason: r}\n"


@pytest.mark.parametrize(
    ("watch", "message"),
    [
        ("watch_tables:\n  LOAD_MH_CPA_MASTER: [LEGALSTATUSDETS]\n", "needs 'tables'"),
        ("watch_tables:\n  LOAD_MH_CPA_MASTER: {tables: LEGALSTATUSDETS, note: n}\n", "needs 'tables'"),
        ("watch_tables:\n  LOAD_MH_CPA_MASTER: {tables: []}\n", "needs a 'note'"),
        ("watch_tables:\n  LOAD_MH_CPA_MASTER: {tables: [NOSUCHTABLE], note: n}\n", "NOSUCHTABLE is not a table"),
        ("watch_tables:\n  LOAD_MH_CPA_MASTER: {tables: [''], note: n}\n", "name is empty"),
        ("watch_tables:\n  LOAD_PMI: {tables: [PATDATA], note: n}\n", "loads rows from PATDATA"),
        ("watch_tables:\n  LOAD_NOPE: {tables: [], note: n}\n", "no entry under 'tables'"),
        ("watch_tables: [LOAD_MH_CPA_MASTER]\n", "must map each table"),
        ("", "LOAD_MH_CPA_MASTER loads no rows but has no watch_tables entry"),
    ],
)
def test_a_malformed_watch_entry_is_one_line_naming_file_and_table(tmp_path: Path, watch: str, message: str) -> None:
    path = tmp_path / "row_sources.yaml"
    path.write_text(WATCH_BASE + watch, encoding="utf-8")
    with pytest.raises(CurationError, match=message) as error:
        load_row_sources(path, target_tables={"LOAD_PMI", "LOAD_MH_CPA_MASTER"}, source_tables=SOURCE_TABLES)
    text = str(error.value)
    assert str(path) in text and "\n" not in text
    named = "LOAD_PMI" if "LOAD_PMI:" in watch else "LOAD_NOPE" if "NOPE" in watch else "LOAD_MH_CPA_MASTER"
    assert "watch_tables" in text and (named in text or "must map" in text)
