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


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the session (Debian binaries; see pg_server.py).

    Outside CI a machine without the binaries skips these tests, saying why; in CI
    (``CI`` or ``QVH_REQUIRE_POSTGRES`` set, as ``.ci/run`` does) that is a failure.
    """
    import os

    from qvh_migration_tests.pg_server import PostgresServer, postgres_bin_dir, superuser_available

    reason = superuser_available()
    if reason:
        if os.environ.get("CI") or os.environ.get("QVH_REQUIRE_POSTGRES"):
            pytest.fail(f"CI must test against a real PostgreSQL server: {reason}")
        pytest.skip(reason)
    server = PostgresServer.create(postgres_bin_dir())
    yield server
    server.destroy()
