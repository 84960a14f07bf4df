"""Shared fixtures: where the real requirement documents live (beside the repo, as in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvh_migration import settings

REAL_SPEC_DIR = Path(__file__).resolve().parents[2] / "shared" / "requirement_spec"
STANDIN_SPEC_DIR = settings.PROJECT_ROOT / "requirement_spec"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real requirement document not available: {path}")
    return path


@pytest.fixture(scope="session")
def real_source_dictionary() -> Path:
    return _require(REAL_SPEC_DIR / settings.SOURCE_DICTIONARY_NAME)


@pytest.fixture(scope="session")
def real_target_guide() -> Path:
    return _require(REAL_SPEC_DIR / settings.TARGET_GUIDE_NAME)


@pytest.fixture(scope="session")
def real_source_catalog(real_source_dictionary: Path):
    from qvh_migration.specs.inquire_xlsx import read_source_catalog

    return read_source_catalog(real_source_dictionary)
