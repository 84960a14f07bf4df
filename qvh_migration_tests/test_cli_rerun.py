"""`qvh-migration rerun`: one target table of an existing dry run reloaded, and with --with-children the
tables that depend on it, parents first, each named as it loads; the release decision follows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from qvh_migration import cli
from qvh_migration.etl import load_order
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR
from qvh_migration_tests.golden import GoldenRun

LOADED = re.compile(r"materialised  target_tables\[(\w+)\]  source \d+, loaded \d+")


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(list(argv))
    return code, out.getvalue()


@pytest.fixture(scope="module")
def dry_run(golden: GoldenRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the golden dry run, shared by the reruns (their runs join it in <folder>/../home)."""
    return golden.copy_to(tmp_path_factory.mktemp("rerun")).data_dir


def rerun(data_dir: Path, *argv: str) -> tuple[int, list[str]]:
    code, out = run_cli("rerun", *argv, "--spec-dir", str(STANDIN_SPEC_DIR), "--data-dir", str(data_dir))
    return code, out.splitlines()


def test_a_folder_without_a_dry_run_is_named_in_one_line(tmp_path: Path) -> None:
    code, lines = rerun(tmp_path / "empty", "LOAD_PMI")
    assert code == 2
    assert lines == [
        f"cannot rerun: no dry run to rerun in {tmp_path / 'empty'} (extracts/manifest.json not found); "
        f"run `qvh-migration dry-run --data-dir {tmp_path / 'empty'}` first"
    ]


def test_an_unknown_table_is_named_with_the_closest(tmp_path: Path) -> None:
    code, lines = rerun(tmp_path, "LOAD_PMI_IDS")
    assert code == 2
    assert lines == [
        "cannot rerun: unknown target table 'LOAD_PMI_IDS'; did you mean LOAD_PMIIDS? (one of the 38 LOAD_ tables "
        "of the guide)"
    ]


def test_the_children_of_a_table_come_after_their_parents() -> None:
    order = load_order.committed()
    children = order.descendants("LOAD_PMI")
    assert children[:3] == ["LOAD_PMIIDS", "LOAD_PMIALIASES", "LOAD_PMIADDRS"] and "LOAD_STAFF" not in children
    for position, table in enumerate(children):
        assert order.parents[table] & set(children[position:]) == set(), table


@pytest.mark.slow
def test_rerun_one_table(dry_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(dry_run.parent / "home"))
    code, lines = rerun(dry_run, "LOAD_PMIIDS")
    assert code == 0, "\n".join(lines)
    assert lines[0] == "rerun: LOAD_PMIIDS (parents before children), then the staging database, gates and reports"
    assert [m.group(1) for line in lines if (m := LOADED.match(line))] == ["LOAD_PMIIDS"]
    assert "materialised  release_decision" in lines
    assert lines[-4].startswith("release decision under pre_production: ")
    assert lines[-3] == "rerun succeeded: reloaded LOAD_PMIIDS"
    assert lines[-2] == (
        f"artifacts under {dry_run}; full log: {dry_run / 'reports' / 'rerun.log'} (and the runs in `qvh-migration ui`)"
    )


@pytest.mark.slow
def test_rerun_with_children_parents_first(dry_run: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", str(dry_run.parent / "home"))
    code, lines = rerun(dry_run, "load_pmi", "--with-children")
    expected = ["LOAD_PMI", *load_order.committed().descendants("LOAD_PMI")]
    assert code == 0, "\n".join(lines)
    assert lines[0] == f"rerun: {', '.join(expected)} (parents before children), then the staging database, gates " \
        "and reports"  # fmt: skip
    assert [m.group(1) for line in lines if (m := LOADED.match(line))] == expected
    assert lines[-3] == f"rerun succeeded: reloaded {', '.join(expected)}"
