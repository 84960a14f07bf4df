"""The contract's columns and classes are declared once; every other list is a view of them."""

from __future__ import annotations

from qvh_migration.mapping import contract, curated_rules, export
from qvh_migration.mapping.contract_schema import (
    CONTRACT_COLUMN_DESCRIPTIONS,
    CONTRACT_COLUMNS,
    CURATED_COLUMNS,
    MAPPING_CLASSES,
    WORKBOOK_COLUMNS,
)


def test_rule_and_workbook_columns_are_contract_columns() -> None:
    assert set(CURATED_COLUMNS) <= set(CONTRACT_COLUMNS)
    assert set(WORKBOOK_COLUMNS) <= set(CONTRACT_COLUMNS)
    assert len(set(CONTRACT_COLUMNS)) == len(CONTRACT_COLUMNS)
    assert all(CONTRACT_COLUMN_DESCRIPTIONS.values())


def test_every_class_is_documented_in_the_contract_module() -> None:
    for name in MAPPING_CLASSES:
        assert f"* {name}" in (contract.__doc__ or "")


def test_no_module_keeps_its_own_copy() -> None:
    for module in (contract, curated_rules, export):
        for name in ("CONTRACT_COLUMNS", "MAPPING_CLASSES", "CURATED_COLUMNS", "AREA_COLUMNS"):
            value = getattr(module, name, None)
            assert value is None or value is globals().get(name), (module.__name__, name)
