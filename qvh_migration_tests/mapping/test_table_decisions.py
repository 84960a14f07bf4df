"""Table-level decisions: whole tables not migrated, and the people-and-places tables fully decided."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.mapping.curated_rules import NOT_MIGRATED_TABLES_FILE, load_curated_rules
from qvh_migration.settings import default_rules_dir

MAPPED_TABLES = ("LOAD_STAFF", "LOAD_USERS", "LOAD_SITES", "LOAD_IWL_PROFILES", "LOAD_CMTY_APPOINTMENTS")
MENTAL_HEALTH_TABLES = (
    "LOAD_MH_DETENTION_MASTER",
    "LOAD_MH_DETENTION_TRANSFERS",
    "LOAD_MH_CPA_MASTER",
    "LOAD_MH_CPA_HISTORY",
    "LOAD_DETENTION_ARCHIVE",
    "LOAD_CPA_ARCHIVE",
)
DECISION = "tables:\n  LOAD_PMIIDS: {reason: no identifiers held, checked_against: guide p26}\n"


def _decisions() -> dict[str, dict[str, str]]:
    return yaml.safe_load((default_rules_dir() / NOT_MIGRATED_TABLES_FILE).read_text(encoding="utf-8"))["tables"]


def _load(tmp_path: Path, body: str, tiny_source, tiny_target, extra: dict[str, str] | None = None):
    (tmp_path / NOT_MIGRATED_TABLES_FILE).write_text(body, encoding="utf-8")
    for name, text in (extra or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_curated_rules(tmp_path, tiny_source, tiny_target, set())


def test_every_field_of_a_table_not_migrated_gets_the_reason(tmp_path, tiny_source, tiny_target):
    rules = _load(tmp_path, DECISION, tiny_source, tiny_target)
    assert sorted(rules["target_field"]) == ["LOADPMI_RECORD_NUMBER", "RECORD_NUMBER"]
    assert set(rules["mapping_class"]) == {"NOT_MIGRATED"}
    assert rules["rationale"].str.contains("no identifiers held").all()
    assert set(rules["rules_file"]) == {NOT_MIGRATED_TABLES_FILE}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("tables:\n  LOAD_NOTHING: {reason: x, checked_against: y}\n", "not a staging table"),
        ("tables:\n  LOAD_PMIIDS: {checked_against: y}\n", "needs a 'reason'"),
        ("tables:\n  LOAD_PMIIDS: {reason: x}\n", "checked_against"),
        ("tables:\n  LOAD_PMIIDS: {reason: x, checked_against: y, why: z}\n", "a decision is a mapping"),
        ("tables: []\n", "non-empty mapping"),
    ],
)
def test_a_bad_decision_names_file_and_table(tmp_path, tiny_source, tiny_target, body, message):
    with pytest.raises(CurationError) as caught:
        _load(tmp_path, body, tiny_source, tiny_target)
    assert NOT_MIGRATED_TABLES_FILE in str(caught.value) and message in str(caught.value)


def test_a_table_with_field_rules_cannot_also_be_not_migrated(tmp_path, tiny_source, tiny_target):
    rules_file = "table: LOAD_PMIIDS\nrules:\n  RECORD_NUMBER: {class: GENERATED, generator: sequence, rationale: k}\n"
    with pytest.raises(CurationError, match=r"LOAD_PMIIDS also has field rules in LOAD_PMIIDS\.yaml"):
        _load(tmp_path, DECISION, tiny_source, tiny_target, {"LOAD_PMIIDS.yaml": rules_file})


def test_decisions_agree_with_the_row_sources():
    sources = load_row_sources()
    decisions = _decisions()
    assert set(MENTAL_HEALTH_TABLES) <= set(decisions)
    for table, decision in decisions.items():
        assert not sources[table].loads_rows, table
        assert sources[table].rationale == decision["reason"], table


def test_mapped_tables_have_a_row_source_and_are_not_decided_away():
    sources = load_row_sources()
    for table in MAPPED_TABLES:
        assert sources[table].loads_rows, table
        assert table not in _decisions()


def test_contract_leaves_nothing_unresolved_in_the_mapped_tables(contract):
    mine = contract[contract["target_table"].isin(MAPPED_TABLES)]
    assert set(mine["target_table"]) == set(MAPPED_TABLES)
    assert not mine["mapping_class"].eq("UNRESOLVED").any()
    assert mine["rationale"].str.strip().ne("").all()
    filled = mine[~mine["mapping_class"].isin(["NOT_MIGRATED"])]
    assert filled.groupby("target_table").size().min() >= 5  # each table really carries data


def test_contract_has_every_field_of_a_table_not_migrated_with_its_reason(contract):
    for table, decision in _decisions().items():
        fields = contract[contract["target_table"] == table]
        assert len(fields) > 0, table
        assert fields["mapping_class"].eq("NOT_MIGRATED").all(), table
        assert fields["rationale"].str.contains(decision["reason"], regex=False).all(), table
