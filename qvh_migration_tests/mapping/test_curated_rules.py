"""Curated rules: the real files validate against the real catalogs; broken rules name file and rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvh_migration.errors import CurationError
from qvh_migration.mapping.contract_schema import MAPPING_CLASSES
from qvh_migration.mapping.curated_rules import load_curated_rules
from qvh_migration.settings import default_rules_dir

PRIORITY_TABLES = {
    "LOAD_PMI",
    "LOAD_PMIIDS",
    "LOAD_PMIALIASES",
    "LOAD_PMIADDRS",
    "LOAD_PMICONTACTS",
    "LOAD_PMIALLERGIES",
    "LOAD_PMISTAFFWARNINGS",
    "LOAD_PMIGPAUDIT",
    "LOAD_CASENOTELOCS",
    "LOAD_PMICASENOTEHISTORY",
    "LOAD_RTT_PATHWAYS",
    "LOAD_REFERRALS",
    "LOAD_RTT_PERIODS",
    "LOAD_RTT_EVENTS",
    "LOAD_OPDWAITLIST",
    "LOAD_OPD_APPOINTMENTS",
    "LOAD_IWL",
    "LOAD_IWL_TCIS",
    "LOAD_IWL_DEFERRALS",
    "LOAD_ADT_ADMISSIONS",
    "LOAD_ADT_EPISODES",
    "LOAD_ADT_WARDSTAYS",
}
CROSSWALKS = {"sex", "ethnic_category"}


def test_every_priority_table_has_a_rules_file():
    assert {path.stem for path in default_rules_dir().glob("*.yaml")} >= PRIORITY_TABLES


def test_real_rules_validate_against_real_catalogs(curated_rules):
    assert set(curated_rules["target_table"]) >= PRIORITY_TABLES
    assert set(curated_rules["mapping_class"]) <= set(MAPPING_CLASSES)
    assert curated_rules["rationale"].str.len().min() >= 8
    assert not curated_rules.duplicated(["target_table", "target_field"]).any()


def _write(tmp_path: Path, body: str, name: str = "LOAD_PMI.yaml") -> Path:
    (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


def _load(directory: Path, tiny_source, tiny_target):
    return load_curated_rules(directory, tiny_source, tiny_target, CROSSWALKS)


def test_valid_tiny_rules_load(tmp_path, tiny_source, tiny_target):
    body = """
table: LOAD_PMI
source_table: PATDATA
rules:
  MAIN_CRN: {class: DIRECT, source: DistrictNumber, rationale: hospital number}
  sex: {class: CROSSWALK, source: Sex, crosswalk: sex, rationale: national codes}
  PAT_NAME_1: {class: TRANSFORM, source: Forenames, transform: split_name_first, rationale: first forename}
"""
    rules = _load(_write(tmp_path, body), tiny_source, tiny_target)
    assert list(rules["target_field"]) == ["MAIN_CRN", "SEX", "PAT_NAME_1"]
    assert rules.loc[1, "source_fields"] == "PATDATA.Sex"
    assert set(rules["status"]) == {"approved"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{class: DIRECT, source: NoSuchColumn, rationale: x}", "source field PATDATA.NoSuchColumn does not exist"),
        ("{class: DIRECT, source: NOTABLE.Sex, rationale: x}", "source table 'NOTABLE' is not in the source catalog"),
        ("{class: TRANSFORM, source: Sex, transform: no_such_fn, rationale: x}", "transform 'no_such_fn'"),
        ("{class: CROSSWALK, source: Sex, crosswalk: gender, rationale: x}", "crosswalk 'gender' does not exist"),
        ("{class: DIRECT, source: Sex}", "rationale is empty"),
        ("{class: COPY, source: Sex, rationale: x}", "class 'COPY' is not one of"),
        ("{class: DIRECT, source: [Sex, Forenames], rationale: x}", "DIRECT needs exactly one source field"),
        ("{class: DEFAULT, rationale: x}", "DEFAULT needs a default value"),
        ("{class: GENERATED, generator: uuid, rationale: x}", "GENERATED needs a generator"),
        ("{class: DIRECT, source: Sex, rationale: x, status: done}", "status 'done'"),
        ("{class: DIRECT, source: Sex, rationale: x, colour: red}", "unknown key(s) colour"),
        (
            "{class: TRANSFORM, source: [Sex, Forenames], transform: split_name_first, rationale: x}",
            "takes 1 source field(s), the rule names 2",
        ),
        (
            "{class: TRANSFORM, source: [Sex, Forenames], transform: inpatient_admission_outcome, crosswalk: sex,"
            " rationale: x}",
            "translates its inputs itself",
        ),
        (
            "{class: TRANSFORM, source: [Sex, Forenames], transform: inpatient_admission_outcome, rationale: x}",
            "needs missing crosswalk(s) discharge_destination, discharge_method",
        ),
    ],
)
def test_broken_rule_names_yaml_file_and_rule(tmp_path, tiny_source, tiny_target, rule, message):
    body = f"table: LOAD_PMI\nsource_table: PATDATA\nrules:\n  SEX: {rule}\n"
    with pytest.raises(CurationError) as error:
        _load(_write(tmp_path, body), tiny_source, tiny_target)
    assert message in str(error.value)
    assert "LOAD_PMI.yaml" in str(error.value)
    assert error.value.where == "rule SEX"


def test_unknown_target_field_is_refused(tmp_path, tiny_source, tiny_target):
    body = "table: LOAD_PMI\nrules:\n  NOT_A_FIELD: {class: NOT_MIGRATED, rationale: x}\n"
    with pytest.raises(CurationError, match="LOAD_PMI has no field 'NOT_A_FIELD'"):
        _load(_write(tmp_path, body), tiny_source, tiny_target)


def test_unknown_target_table_is_refused(tmp_path, tiny_source, tiny_target):
    body = "table: LOAD_NOTHING\nrules:\n  X: {class: NOT_MIGRATED, rationale: x}\n"
    with pytest.raises(CurationError, match="not a staging table"):
        _load(_write(tmp_path, body), tiny_source, tiny_target)


def test_duplicate_rule_key_is_refused(tmp_path, tiny_source, tiny_target):
    body = (
        "table: LOAD_PMI\nsource_table: PATDATA\nrules:\n"
        "  SEX: {class: DIRECT, source: Sex, rationale: x}\n"
        "  SEX: {class: NOT_MIGRATED, rationale: y}\n"
    )
    with pytest.raises(CurationError) as error:
        _load(_write(tmp_path, body), tiny_source, tiny_target)
    assert "duplicate key 'SEX'" in str(error.value) and error.value.where == "line 5"


def test_invalid_yaml_names_the_line(tmp_path, tiny_source, tiny_target):
    body = "table: LOAD_PMI\nrules:\n  SEX: {class: DIRECT, source: [Sex\n"
    with pytest.raises(CurationError, match="not valid YAML"):
        _load(_write(tmp_path, body), tiny_source, tiny_target)


def test_same_field_in_two_files_is_refused(tmp_path, tiny_source, tiny_target):
    rule = "table: LOAD_PMI\nsource_table: PATDATA\nrules:\n  SEX: {class: DIRECT, source: Sex, rationale: x}\n"
    _write(tmp_path, rule, "A.yaml")
    _write(tmp_path, rule, "B.yaml")
    with pytest.raises(CurationError, match="more than one file"):
        _load(tmp_path, tiny_source, tiny_target)


def test_qualified_source_in_other_table(tmp_path, tiny_source, tiny_target):
    body = """
table: LOAD_PMI
source_table: PATDATA
rules:
  MAIN_CRN: {class: DERIVED, source: [InternalPatientNumber, GP.PracticeCode], transform: lookup_by_key,
             rationale: join}
"""
    rules = _load(_write(tmp_path, body), tiny_source, tiny_target)
    assert rules.loc[0, "source_fields"] == "PATDATA.InternalPatientNumber;GP.PracticeCode"


TINY_PMI = """
table: LOAD_PMI
source_table: PATDATA
rules:
  MAIN_CRN: {class: DIRECT, source: DistrictNumber, rationale: hospital number}
"""


@pytest.mark.parametrize("name", ["LOAD_PMI.yml", "LOAD_PMI.YAML", "LOAD_PMI.yaml.bak"])
def test_a_rules_file_the_loader_would_skip_is_named_not_ignored(tmp_path, tiny_source, tiny_target, name):
    """A rules file saved as ``LOAD_PMI.yml`` once handed all of LOAD_PMI to the matcher's guesses, silently."""
    _write(tmp_path, TINY_PMI, name=name)
    with pytest.raises(CurationError, match=rf"{name}: not read: a rules file must be named <LOAD_TABLE>\.yaml"):
        _load(tmp_path, tiny_source, tiny_target)


def test_a_readme_in_the_rules_folder_is_not_a_rules_file(tmp_path, tiny_source, tiny_target):
    _write(tmp_path, TINY_PMI)
    (tmp_path / "README.md").write_text("what these files are\n", encoding="utf-8")
    assert list(_load(tmp_path, tiny_source, tiny_target)["target_field"]) == ["MAIN_CRN"]


def test_a_table_whose_rules_vanish_fails_the_run(tmp_path, tiny_source, tiny_target):
    """The run's rules folder must cover every staging table: curated, or decided not migrated."""
    _write(tmp_path, TINY_PMI)
    missing = sorted(set(tiny_target["table_name"]) - {"LOAD_PMI"})
    assert missing, "the tiny target catalog needs a second table for this test"
    with pytest.raises(CurationError, match=f"no curated rules for {missing[0]}"):
        load_curated_rules(tmp_path, tiny_source, tiny_target, CROSSWALKS, every_table=True)
    # Without the whole-folder demand (a test's partial folder) the same rules load.
    assert len(_load(tmp_path, tiny_source, tiny_target)) == 1


def test_the_shipped_rules_cover_every_table(real_source_catalog, real_target_guide, curated_rules):
    assert curated_rules["target_table"].nunique() == 38


def test_the_shipped_rules_mark_the_fields_a_review_found_unmasked(curated_rules) -> None:
    from qvh_migration.io.masking import identifier_fields

    by_table = {t: identifier_fields(rows) for t, rows in curated_rules.groupby("target_table")}
    assert {"DATE_REGISTERED", "EXTERNAL_SYSTEM_ID"} <= by_table["LOAD_PMI"]
    assert "ADDITIONAL_ID" in by_table["LOAD_PMIIDS"]
    assert "ID_NUMBER" in by_table["LOAD_PMICASENOTEHISTORY"]
