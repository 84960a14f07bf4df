"""The load order and the one rule every way of loading the 38 tables follows."""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl import load_order

# A small catalog: B and C link to A, D links to B (printed by a long name), E stands alone.
CATALOG = pd.DataFrame(
    {
        "table_name": ["LOAD_A", "LOAD_E", "LOAD_B_ADMISSIONS", "LOAD_C", "LOAD_D"],
        "load_order": ["1", "2", "3", "4", "5"],
        "parent_links": ["", "", "LOAD_A.A_RECORD_NUMBER", "LOAD_A.A_RECORD_NUMBER;LOAD_GONE.X", "LOAD_B.B_NO"],
    }
).sample(frac=1, random_state=3)  # the catalog's row order is not its load order
ORDER = load_order.from_catalog(CATALOG)


def test_order_and_parents_come_from_the_catalog() -> None:
    assert ORDER.tables == ("LOAD_A", "LOAD_E", "LOAD_B_ADMISSIONS", "LOAD_C", "LOAD_D")
    assert ORDER.parents["LOAD_C"] == {"LOAD_A"}  # a parent the catalog never defines is not waited for
    assert ORDER.parents["LOAD_D"] == {"LOAD_B_ADMISSIONS"}
    assert ORDER.descendants("LOAD_A") == ["LOAD_B_ADMISSIONS", "LOAD_C", "LOAD_D"]


def test_a_failed_table_holds_back_its_descendants_naming_it() -> None:
    decision = load_order.decide(ORDER, loaded=["LOAD_E"], failed=["LOAD_A"])
    assert decision.ready == ()
    assert decision.held_back == {"LOAD_B_ADMISSIONS": "LOAD_A", "LOAD_C": "LOAD_A", "LOAD_D": "LOAD_A"}
    line = load_order.held_back_line("LOAD_D", "LOAD_A")
    assert line.startswith("held back") and "LOAD_D" in line and "LOAD_A failed" in line


def test_ready_tables_are_those_whose_parents_loaded_and_not_yet_started() -> None:
    assert load_order.decide(ORDER, loaded=()).ready == ("LOAD_A", "LOAD_E")
    assert load_order.decide(ORDER, loaded=["LOAD_A"], started=["LOAD_E"]).ready == ("LOAD_B_ADMISSIONS", "LOAD_C")


def test_serial_load_never_loads_a_child_of_a_failed_table() -> None:
    attempted: list[str] = []

    def load(table: str) -> bool:
        attempted.append(table)
        return table != "LOAD_B_ADMISSIONS"

    outcome = load_order.load_parents_first(ORDER, load)
    assert attempted == ["LOAD_A", "LOAD_E", "LOAD_B_ADMISSIONS", "LOAD_C"]
    assert outcome.loaded == ["LOAD_A", "LOAD_E", "LOAD_C"] and outcome.failed == ["LOAD_B_ADMISSIONS"]
    assert outcome.held_back == {"LOAD_D": "LOAD_B_ADMISSIONS"}


def test_the_committed_facts_give_the_38_partitions() -> None:
    order = load_order.committed()
    assert len(order.tables) == 38 and order.tables[:2] == ("LOAD_STAFF", "LOAD_USERS")
    assert order.parents["LOAD_PMIIDS"] == {"LOAD_PMI"}
    assert "LOAD_PMIIDS" in load_order.held_back(order, ["LOAD_PMI"])
    assert load_order.held_back_tag({"LOAD_PMIIDS": "LOAD_PMI"}) == "LOAD_PMIIDS<LOAD_PMI"
