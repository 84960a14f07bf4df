"""Fixtures for the mapping tests: the real catalogs, parsed once per session, and small fakes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
from qvh_migration.mapping.contract import build_mapping_contract
from qvh_migration.mapping.crosswalks import load_crosswalks
from qvh_migration.mapping.curated_rules import load_curated_rules
from qvh_migration.mapping.matcher import build_semantic_matrix
from qvh_migration.settings import default_overrides_file, default_rules_dir
from qvh_migration_tests.etl.conftest import upstream_data  # noqa: F401 - the dry run on 300 patients


@pytest.fixture(scope="session")
def target_guide(real_target_guide: Path):
    from qvh_migration.specs.altera_pdf import read_target_guide

    return read_target_guide(real_target_guide)


@pytest.fixture(scope="session")
def target_tables(target_guide) -> pd.DataFrame:
    return target_guide.tables


@pytest.fixture(scope="session")
def target_fields(target_guide) -> pd.DataFrame:
    """Target fields with the mandatory classification (reviewed overrides when the file exists)."""
    from qvh_migration.specs import mandatory

    if default_overrides_file().is_file():
        overrides = mandatory.read_overrides()
    else:
        overrides = pd.DataFrame(columns=list(mandatory.OVERRIDE_COLUMNS))
    return mandatory.classify_fields(target_guide.fields, target_guide.tables, overrides)


@pytest.fixture(scope="session")
def semantic_matrix(real_source_catalog, target_fields, target_tables) -> pd.DataFrame:
    return build_semantic_matrix(real_source_catalog, target_fields, target_tables, top_k=5)


@pytest.fixture(scope="session")
def crosswalks() -> dict[str, pd.DataFrame]:
    return load_crosswalks()


@pytest.fixture(scope="session")
def curated_rules(real_source_catalog, target_fields, crosswalks) -> pd.DataFrame:
    return load_curated_rules(
        default_rules_dir(), real_source_catalog, target_fields, set(crosswalks), every_table=True
    )


@pytest.fixture(scope="session")
def contract(target_fields, target_tables, semantic_matrix, curated_rules) -> pd.DataFrame:
    return build_mapping_contract(target_fields, target_tables, semantic_matrix, curated_rules, LEGACY_CODE_FIELDS)


@pytest.fixture
def tiny_source() -> pd.DataFrame:
    """A three-table source catalog with the columns the rules loader reads."""
    rows = [
        ("PATDATA", "InternalPatientNumber"),
        ("PATDATA", "DistrictNumber"),
        ("PATDATA", "Sex"),
        ("PATDATA", "Forenames"),
        ("PATDATA", "InternalDateOfBirth"),
        ("PREVADDRESS", "Postcode"),
        ("GP", "PracticeCode"),
    ]
    return pd.DataFrame(rows, columns=["TableName", "Column"])


@pytest.fixture
def tiny_target() -> pd.DataFrame:
    rows = [
        ("LOAD_PMI", 1, "RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
        ("LOAD_PMI", 2, "SYSTEM_CODE", "VARCHAR2", 10, "10599", "Dataload System", "", "mandatory"),
        ("LOAD_PMI", 3, "MAIN_CRN", "VARCHAR2", 30, "", "", "", "optional"),
        ("LOAD_PMI", 4, "SEX", "VARCHAR2", 80, "3", "Sex", "Maps to: code type 3", "optional"),
        ("LOAD_PMI", 5, "PAT_NAME_1", "VARCHAR2", 40, "", "", "", "optional"),
        ("LOAD_PMI", 6, "DATE_OF_BIRTH", "DATE", 10, "", "", "Must be in format: DD/MM/YYYY", "mandatory"),
        ("LOAD_PMIIDS", 1, "RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
        ("LOAD_PMIIDS", 2, "LOADPMI_RECORD_NUMBER", "NUMBER", 42, "", "", "", "mandatory"),
    ]
    columns = [
        "table_name",
        "field_order",
        "field_name",
        "data_type",
        "length",
        "code_type",
        "code_type_name",
        "comment",
        "mandatory_class",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["length"] = frame["length"].astype("Int64")
    frame["loaded_into"] = ""
    frame["mandatory_condition"] = ""
    return frame


@pytest.fixture
def tiny_tables() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table_name": ["LOAD_PMI", "LOAD_PMIIDS"],
            "functional_area": ["PATIENT DEMOGRAPHIC DATA", "PATIENT DEMOGRAPHIC DATA"],
            "description": ["Main patient demographic data.", "Additional patient identifiers."],
            "parent_links": ["", "LOAD_PMI.LOADPMI_RECORD_NUMBER"],
        }
    )
