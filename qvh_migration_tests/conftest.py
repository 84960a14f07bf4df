"""Shared fixtures: where the real requirement documents live (beside the repo, as in CI), and the golden
run (``golden.py``): one whole dry run on the stand-ins, built once, that tests read or copy."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from qvh_migration import settings
from qvh_migration_tests import golden as golden_run

# The session fixtures several folders share (the contract from the real documents, the synthetic extracts).
pytest_plugins = ["qvh_migration_tests.shared_fixtures"]

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


def _golden_root(factory: pytest.TempPathFactory) -> Path:
    """Under pytest-xdist the workers share the folder: it sits beside their own temporary folders."""
    base = factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "golden"


# Fixtures that hand a test the whole golden run; ``upstream_data`` needs only its upstream stages.
WHOLE_RUN_FIXTURES = {"golden", "golden_copy", "file_path_run"}
GOLDEN_SELECTED = pytest.StashKey[bool]()


def _needs_golden(item: pytest.Item) -> bool:
    return bool(WHOLE_RUN_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The modules that read the golden run go last (whole modules, in their order), so the tests that do not
    need it run while it is built; every pytest-xdist worker sorts alike, as the scheduler requires."""
    waiting = {item.module.__name__ for item in items if _needs_golden(item) and getattr(item, "module", None)}
    items.sort(key=lambda item: getattr(item, "module", None) is not None and item.module.__name__ in waiting)


def pytest_collection_finish(session: pytest.Session) -> None:
    """When a selected test needs the golden run, its build starts now, beside the tests that do not."""
    # Every pytest-xdist worker collects the same items, so all of them decide alike.
    session.config.stash[GOLDEN_SELECTED] = any(_needs_golden(item) for item in session.items)
    if session.config.option.collectonly:
        return
    if session.config.stash[GOLDEN_SELECTED]:
        golden_run.start(_golden_root(session.config._tmp_path_factory))


@pytest.fixture(scope="session")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Iterator[golden_run.GoldenRun]:
    """The golden dry run, read-only: a test that writes takes ``golden_copy`` instead. Built once per
    test run, by a background process started at collection (or here, when that one broke off)."""
    run = golden_run.shared(_golden_root(tmp_path_factory))
    assert run.code == 0, f"the golden dry run failed ({run.root}):\n{run.out[-3000:]}\n{run.err[-3000:]}"
    before = golden_run.snapshot(run.data_dir)
    yield run
    written = golden_run.changed(before, run.data_dir)
    assert not written, f"tests wrote to the shared golden run (take golden_copy to write): {written[:10]}"


@pytest.fixture
def golden_copy(golden: golden_run.GoldenRun, tmp_path: Path) -> golden_run.GoldenRun:
    """A private copy of the golden run (data folder and run storage) that a test may change."""
    return golden.copy_to(tmp_path / "golden")


@pytest.fixture(scope="session")
def upstream_data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden run's upstream stages (catalogs, synthetic extracts, contract, key registry) alone, as the
    dry_run job leaves them before any table is loaded (read-only: copy it to change it). Taken from the
    golden run when the test run builds it; else (the fast lane) built alone, which costs a fraction of it."""
    if request.config.stash.get(GOLDEN_SELECTED, True):
        golden: golden_run.GoldenRun = request.getfixturevalue("golden")
        return golden.copy_upstream_to(tmp_path_factory.mktemp("upstream") / "data")
    return golden_run.shared_upstream(_golden_root(tmp_path_factory).with_name("upstream"))


@pytest.fixture(scope="session")
def file_path_run(golden: golden_run.GoldenRun) -> Path:
    """The golden run's data folder: the 38 tables, their load files and the staging database on files
    (no server), with the gates and reports after them (read-only: copy it to change it)."""
    return golden.data_dir
