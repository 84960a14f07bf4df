"""The mapping contract: one row per target field, precedence of decisions, blockers."""

from __future__ import annotations

import pandas as pd
import pytest

from qvh_migration.errors import CatalogContractError
from qvh_migration.mapping.contract import blockers, build_mapping_contract, class_counts
from qvh_migration.mapping.contract_schema import CONTRACT_COLUMNS, MAPPING_CLASSES
from qvh_migration.mapping.curated_rules import NOT_MIGRATED_TABLES_FILE, load_curated_rules
from qvh_migration_tests.mapping.test_curated_rules import PRIORITY_TABLES


def test_every_target_field_has_exactly_one_row(contract, target_fields):
    assert len(contract) == len(target_fields) == 884
    keys = contract["target_table"] + "." + contract["target_field"].str.upper()
    assert keys.is_unique
    expected = target_fields["table_name"] + "." + target_fields["field_name"].str.upper()
    assert set(keys) == set(expected)
    assert list(contract.columns) == list(CONTRACT_COLUMNS)


def test_every_row_has_one_known_class_and_a_rationale(contract):
    assert contract["mapping_class"].isin(MAPPING_CLASSES).all()
    assert contract["status"].isin(["suggested", "approved"]).all()
    assert (contract["rationale"].str.len() > 0).all()
    assert int(class_counts(contract).sum()) == len(contract)


def test_load_keys_are_generated_and_parent_links_derived(contract, target_tables):
    # Tables decided away as a whole (not_migrated_tables.yaml) keep no keys and no links.
    not_migrated = contract["rules_file"] == NOT_MIGRATED_TABLES_FILE
    assert not_migrated.any()
    name = contract["target_field"].str.upper()
    keys = contract[name.isin(["RECORD_NUMBER", "SYSTEM_CODE", "EXTERNAL_SYSTEM_ID"]) & ~not_migrated]
    assert (keys["mapping_class"] == "GENERATED").all()
    links = contract[name.str.match(r"^LOAD.*_RECORD_NUMBER$|^ADT_(ADM|EPS)_RECORD_NUMBER$") & ~not_migrated]
    assert len(links) > 20
    # An optional link may be curated away (a community contact has no RTT period), never left open.
    unlinked = links[links["mapping_class"] != "DERIVED"]
    assert (unlinked["mapping_class"] == "NOT_MIGRATED").all() and (unlinked["origin"] == "curated").all()
    assert (unlinked["mandatory_class"] != "mandatory").all()
    assert len(unlinked) < len(links) / 5
    assert set(links.loc[links["mapping_class"] == "DERIVED", "parent_table"]) <= set(target_tables["table_name"])


def test_priority_tables_are_fully_decided(contract):
    priority = contract[contract["target_table"].isin(PRIORITY_TABLES)]
    assert set(priority["origin"]) <= {"curated", "key_rule"}
    mandatory = priority[priority["mandatory_class"] == "mandatory"]
    approved_or_explained = (mandatory["status"] == "approved") | (mandatory["mapping_class"] == "UNRESOLVED")
    assert approved_or_explained.all(), mandatory.loc[~approved_or_explained, ["target_table", "target_field"]]


def test_blockers_are_unresolved_mandatory_fields(contract):
    expected = (contract["mapping_class"] == "UNRESOLVED") & (contract["mandatory_class"] == "mandatory")
    assert (contract["is_blocker"] == expected).all()
    assert len(blockers(contract)) == int(expected.sum())


def test_crosswalk_rules_name_crosswalks_that_exist(contract, crosswalks):
    named = {name for text in contract["crosswalk"] for name in text.split(";") if name}
    assert named <= set(crosswalks)
    assert {"sex", "ethnic_category", "discharge_method", "rtt_period_status"} <= set(named)


def _matrix(rows: list[tuple]) -> pd.DataFrame:
    columns = [
        "target_table",
        "target_field",
        "rank",
        "source_table",
        "source_column",
        "score",
        "table_score",
        "evidence",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_precedence_curated_over_keys_over_matrix(tmp_path, tiny_source, tiny_target, tiny_tables):
    (tmp_path / "LOAD_PMI.yaml").write_text(
        "table: LOAD_PMI\nsource_table: PATDATA\nrules:\n"
        "  SEX: {class: CROSSWALK, source: Sex, crosswalk: sex, rationale: reviewed}\n",
        encoding="utf-8",
    )
    curated = load_curated_rules(tmp_path, tiny_source, tiny_target, {"sex"})
    matrix = _matrix(
        [
            ("LOAD_PMI", "SEX", 1, "PATDATA", "Forenames", 0.95, 1.0, "wrong on purpose"),
            ("LOAD_PMI", "MAIN_CRN", 1, "PATDATA", "DistrictNumber", 0.91, 1.0, "name 1.00"),
            ("LOAD_PMI", "DATE_OF_BIRTH", 1, "PATDATA", "InternalDateOfBirth", 0.88, 1.0, "name 0.9"),
            ("LOAD_PMI", "PAT_NAME_1", 1, "PATDATA", "Forenames", 0.40, 1.0, "weak"),
            ("LOAD_PMI", "RECORD_NUMBER", 1, "PATDATA", "InternalPatientNumber", 0.99, 1.0, "keys win"),
        ]
    )
    result = build_mapping_contract(tiny_target, tiny_tables, matrix, curated).set_index("rule_id")
    assert result.at["LOAD_PMI.SEX", "mapping_class"] == "CROSSWALK"
    assert result.at["LOAD_PMI.SEX", "origin"] == "curated"
    assert result.at["LOAD_PMI.RECORD_NUMBER", "mapping_class"] == "GENERATED"
    assert result.at["LOAD_PMIIDS.LOADPMI_RECORD_NUMBER", "mapping_class"] == "DERIVED"
    assert result.at["LOAD_PMIIDS.LOADPMI_RECORD_NUMBER", "parent_table"] == "LOAD_PMI"
    assert result.at["LOAD_PMI.MAIN_CRN", "mapping_class"] == "DIRECT"
    assert result.at["LOAD_PMI.MAIN_CRN", "status"] == "suggested"
    assert result.at["LOAD_PMI.DATE_OF_BIRTH", "transform"] == "format_date_ddmmyyyy"
    assert result.at["LOAD_PMI.PAT_NAME_1", "mapping_class"] == "UNRESOLVED"
    assert not result.at["LOAD_PMI.PAT_NAME_1", "is_blocker"]


def test_unresolved_mandatory_field_is_a_blocker(tiny_source, tiny_target, tiny_tables):
    empty = pd.DataFrame(columns=["target_table", "target_field"])
    result = build_mapping_contract(tiny_target, tiny_tables, _matrix([]), empty)
    blocked = blockers(result)
    assert list(blocked["target_field"]) == ["DATE_OF_BIRTH"]


def test_legacy_code_field_suggestion_becomes_a_crosswalk(tiny_target, tiny_tables):
    matrix = _matrix([("LOAD_PMI", "SEX", 1, "PATDATA", "Sex", 0.97, 1.0, "name 1.00")])
    empty = pd.DataFrame(columns=["target_table", "target_field"])
    result = build_mapping_contract(tiny_target, tiny_tables, matrix, empty, {("PATDATA", "Sex"): "sex"})
    row = result.set_index("rule_id").loc["LOAD_PMI.SEX"]
    assert (row["mapping_class"], row["crosswalk"], row["status"]) == ("CROSSWALK", "sex", "suggested")


def test_missing_mandatory_classification_is_refused(tiny_target, tiny_tables):
    empty = pd.DataFrame(columns=["target_table", "target_field"])
    with pytest.raises(CatalogContractError, match="mandatory_class"):
        build_mapping_contract(tiny_target.drop(columns="mandatory_class"), tiny_tables, _matrix([]), empty)
