from __future__ import annotations

import pandas as pd

from qvh_migration.specs.target_links import resolve_parent, resolve_parent_links, unresolved_parents

KNOWN = {"LOAD_RTT_PERIODS", "LOAD_ADT_ADMISSIONS", "LOAD_PMI"}


def test_long_and_short_forms_resolve() -> None:
    assert resolve_parent("LOAD_REFERRAL_TO_TREAT_PERIODS", KNOWN) == "LOAD_RTT_PERIODS"
    assert resolve_parent("LOAD_ADT", KNOWN) == "LOAD_ADT_ADMISSIONS"
    assert resolve_parent("LOAD_PMI", KNOWN) == "LOAD_PMI"
    assert resolve_parent("LOAD_NOWHERE", KNOWN) == "LOAD_NOWHERE"


def test_links_keep_their_columns_and_unknown_parents_are_reported() -> None:
    tables = pd.DataFrame(
        {
            "table_name": sorted(KNOWN),
            "parent_links": ["LOAD_ADT.ADT_ADM_RECORD_NUMBER;LOAD_NOWHERE.X", "", ""],
        }
    )
    tables["resolved_parent_links"] = resolve_parent_links(tables)
    assert tables["resolved_parent_links"].iloc[0] == "LOAD_ADT_ADMISSIONS.ADT_ADM_RECORD_NUMBER;LOAD_NOWHERE.X"
    assert unresolved_parents(tables) == ["LOAD_NOWHERE"]
