"""Session fixtures that several test folders read: the contract built from the real requirement documents
(mapping and ETL plan tests) and the synthetic extract sets (generator and extracts-folder tests).

Registered once by the root conftest (``pytest_plugins``), so each is built once per test run; a test
module that imported them instead would build its own copy.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
from qvh_migration.mapping.contract import build_mapping_contract
from qvh_migration.mapping.crosswalks import load_crosswalks
from qvh_migration.mapping.curated_rules import load_curated_rules
from qvh_migration.mapping.matcher import build_semantic_matrix
from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameters
from qvh_migration.settings import default_overrides_file, default_rules_dir

# The real INQuire dictionary when it sits beside the repository (as in CI); otherwise the shipped
# stand-in, which has the same tables and columns, so the generator tests also run on a fresh clone.
REAL_DICTIONARY = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "requirement_spec"
    / "Source PAS - Data Dictionary V83 INQuire DD PC83.xlsx"
)
STANDIN_DICTIONARY = Path(__file__).resolve().parents[1] / "requirement_spec" / "standin_source_inquire_dd.xlsx"
PATIENTS = 2000


@pytest.fixture(scope="session")
def source_catalog() -> pd.DataFrame:
    from qvh_migration.specs.inquire_xlsx import read_source_catalog

    for path in (REAL_DICTIONARY, STANDIN_DICTIONARY):
        if path.is_file():
            return read_source_catalog(path)
    pytest.skip("neither the real INQuire dictionary nor the stand-in is available")


@pytest.fixture(scope="session")
def extracts(source_catalog: pd.DataFrame) -> SourceExtracts:
    """2,000 patients at the default defect rate (treat as read-only)."""
    return generate_extracts(source_catalog, MockParameters(patients=PATIENTS))


@pytest.fixture(scope="session")
def clean_extracts(source_catalog: pd.DataFrame) -> SourceExtracts:
    """The same patients without any injected defect."""
    return generate_extracts(source_catalog, MockParameters(patients=PATIENTS, defect_rate=0.0))


@pytest.fixture(scope="session")
def heavy_extracts(source_catalog: pd.DataFrame) -> SourceExtracts:
    """A high defect rate, so interactions between defects are exercised."""
    return generate_extracts(source_catalog, MockParameters(patients=800, seed=7, defect_rate=0.25))


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
