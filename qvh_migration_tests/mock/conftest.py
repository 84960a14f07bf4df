"""Fixtures for the synthetic-extract tests: one source catalog and a few generated extract sets.

The real INQuire dictionary is used when it sits beside the repository (as in CI); otherwise the
shipped stand-in, which has the same tables and columns, so the tests also run on a fresh clone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.mock.extracts import SourceExtracts, generate_extracts
from qvh_migration.mock.parameters import MockParameters

REAL_DICTIONARY = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "requirement_spec"
    / "Source PAS - Data Dictionary V83 INQuire DD PC83.xlsx"
)
STANDIN_DICTIONARY = Path(__file__).resolve().parents[2] / "requirement_spec" / "standin_source_inquire_dd.xlsx"
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
