"""The generator also runs on the shipped stand-in dictionary (a fresh clone has no real one)."""

from __future__ import annotations

import pytest

from qvh_migration.mock.extracts import generate_extracts
from qvh_migration.mock.parameters import MockParameters
from qvh_migration.mock.recount import ledger_counts, recount_defects
from qvh_migration_tests.mock.conftest import STANDIN_DICTIONARY


@pytest.fixture(scope="module")
def standin_catalog():
    if not STANDIN_DICTIONARY.is_file():
        pytest.skip("stand-in dictionary not built")
    from qvh_migration.specs.inquire_xlsx import read_source_catalog

    return read_source_catalog(STANDIN_DICTIONARY)


def test_standin_catalog_gives_whole_extracts(standin_catalog) -> None:
    ex = generate_extracts(standin_catalog, MockParameters(patients=400, seed=9))
    for name, df in ex.tables.items():
        cols = standin_catalog[standin_catalog["TableName"] == name].sort_values("field_order")["Column"]
        assert list(df.columns) == list(cols), name
    recount = recount_defects(ex.tables, standin_catalog)
    ledger = ledger_counts(ex.defect_ledger)
    merged = recount.merge(ledger, on=["table", "defect_kind"], how="outer").fillna(0)
    assert (merged["count_x"] == merged["count_y"]).all(), merged.to_string()
