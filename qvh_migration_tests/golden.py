"""The golden run: one whole dry run of the command line, at a fixed seed and size on the stand-ins, built once
for the whole test run and shared by every test that reads a dry run's output.

Tests read it in place (the ``golden`` fixture; never write to it: the fixture checks at the end that no file
changed) or take a private copy to change (``golden_copy``, or :meth:`GoldenRun.copy_to`). Under
pytest-xdist the workers share one build: the first to take the lock builds it into a folder beside the
workers' own temporary folders, the others wait for it and read it.

The layout is the one the command line leaves: ``data/`` (the data folder) beside ``home/`` (its
DAGSTER_HOME, whose run storage the UI serves), so ``data_dir.parent / "home"`` finds the runs, as
``qvh-migration rerun`` expects.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from qvh_migration import settings

PATIENTS = 300
SEED = 11
# The command line's arguments: every run that must reproduce the golden extracts byte for byte uses them.
ARGUMENTS = ("--patients", str(PATIENTS), "--seed", str(SEED))
SPEC_DIR = settings.PROJECT_ROOT / "requirement_spec"  # the stand-ins, as on a fresh clone
# The webserver launches runs itself (no daemon in the tests that serve the run storage).
INSTANCE_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: DefaultRunCoordinator
"""
# What the stages before the target tables (the dry_run job) leave: a test that loads tables itself starts
# from these. The staging job writes its mapping reports into mapping/ after the tables: not copied.
UPSTREAM_FOLDERS = ("catalogs", "extracts", "mapping")
UPSTREAM_FILES = ("target/key_registry.parquet", "reports/scenario_acceptance.csv", "reports/scenario_summary.csv")
AFTER_THE_TABLES = ("data_mapping_report.*", "open_decisions.*")
FIRST_RUN = re.compile(r"^dry run (?:succeeded|FAILED) \(first run (\S+)\)", re.M)
_DONE = "exit_code.txt"
_BUILDER = "builder.pid"


@dataclass(frozen=True)
class GoldenRun:
    root: Path
    code: int
    out: str
    err: str
    spec_dir: Path = SPEC_DIR

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def upstream_run_id(self) -> str:
        """The run of the dry_run job (the stages before the tables), as the closing lines name it."""
        found = FIRST_RUN.search(self.out)
        assert found, self.out[-2000:]
        return found.group(1)

    def stored_run(self, run_id: str) -> StoredRun:
        """One run of the golden run's instance, read back from its run storage."""
        return StoredRun(_events(self.home, run_id=run_id))

    def stored_partition_run(self, job: str, partition: str) -> StoredRun:
        """The golden run's run of ``job`` for ``partition`` (one per target table)."""
        return StoredRun(_events(self.home, job=job, partition=partition))

    def copy_to(self, root: Path) -> GoldenRun:
        """A private copy (data folder and run storage) a test may change."""
        for name in ("data", "home"):
            shutil.copytree(self.root / name, root / name, symlinks=True)
        return replace(self, root=root)

    def copy_upstream_to(self, data_dir: Path) -> Path:
        """The upstream stages' files alone (catalogs, extracts, contract, key registry, scenario book), as the
        dry_run job leaves them before any table is loaded."""
        for name in UPSTREAM_FOLDERS:
            shutil.copytree(self.data_dir / name, data_dir / name, ignore=shutil.ignore_patterns(*AFTER_THE_TABLES))
        for name in UPSTREAM_FILES:
            (data_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(self.data_dir / name, data_dir / name)
        return data_dir


@dataclass(frozen=True)
class StoredRun:
    """A finished run's Dagster events, with the methods of an in-process result that the tests read."""

    all_events: list

    @property
    def success(self) -> bool:
        return any(event.event_type_value == "PIPELINE_SUCCESS" for event in self.all_events)

    def get_asset_materialization_events(self) -> list:
        return [event for event in self.all_events if event.event_type_value == "ASSET_MATERIALIZATION"]

    def get_asset_check_evaluations(self) -> list:
        checks = [event for event in self.all_events if event.event_type_value == "ASSET_CHECK_EVALUATION"]
        return [event.event_specific_data for event in checks]


def _events(home: Path, run_id: str | None = None, job: str | None = None, partition: str | None = None) -> list:
    """The events of one run in the run storage under ``home`` (by id, or by job and partition)."""
    import dagster as dg

    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            if run_id is None:
                tags = {"dagster/partition": partition} if partition else {}
                (run,) = instance.get_runs(filters=dg.RunsFilter(job_name=job, tags=tags))
                run_id = run.run_id
            return [entry.dagster_event for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved


def _quiet_environment() -> dict[str, str | None]:
    """The variables a developer's shell may set that would change the run: none of them is inherited."""
    names = [name for name in os.environ if name.startswith(("QVH_", "DAGSTER_"))]
    return dict.fromkeys(names)


def build(root: Path) -> GoldenRun:
    """The dry run, in this process (as a user runs it, without ``--quiet``), into ``root``."""
    from qvh_migration import cli
    from qvh_migration.mapping.signoffs import SIGNOFFS_FILE_ENV

    root.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir()
    (root / "home" / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    try:
        for name in _quiet_environment():
            os.environ.pop(name, None)
        os.environ["DAGSTER_HOME"] = str(root / "home")
        os.environ[SIGNOFFS_FILE_ENV] = str(root / "signoffs.yaml")  # no contract signed yet
        argv = ["dry-run", "--spec-dir", str(SPEC_DIR), "--data-dir", str(root / "data"), *ARGUMENTS]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    (root / "out.txt").write_text(out.getvalue(), encoding="utf-8")
    (root / "err.txt").write_text(err.getvalue(), encoding="utf-8")
    (root / _DONE).write_text(str(code), encoding="utf-8")  # last: the build is complete
    return GoldenRun(root, code, out.getvalue(), err.getvalue())


def read(root: Path) -> GoldenRun:
    def text(name: str) -> str:
        return (root / name).read_text(encoding="utf-8")

    return GoldenRun(root, int(text(_DONE)), text("out.txt"), text("err.txt"))


def _building(root: Path) -> bool:
    """Whether a background build of ``root`` (``start``) is still running."""
    import psutil

    try:
        process = psutil.Process(int((root / _BUILDER).read_text(encoding="utf-8")))
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except (FileNotFoundError, ValueError, psutil.NoSuchProcess):
        return False


def start(root: Path) -> None:
    """Start the build in a process of its own, so the tests that do not need it run meanwhile; does
    nothing when the run is built or being built (the lock makes the check and the start one step)."""
    from filelock import FileLock

    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root) + ".lock"):
        if (root / _DONE).is_file() or _building(root):
            return
        if root.exists():  # a build that broke off: start again
            shutil.rmtree(root)
        root.mkdir()
        with open(root / "builder.log", "w", encoding="utf-8") as log:
            builder = subprocess.Popen(
                [sys.executable, "-m", "qvh_migration_tests.golden", str(root)],
                cwd=settings.PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        (root / _BUILDER).write_text(str(builder.pid), encoding="utf-8")


def build_upstream(data_dir: Path) -> Path:
    """The upstream stages alone (the dry_run job: catalogs, extracts, contract, key registry, scenario book)
    at the golden run's seed and size on the stand-ins: what a test run that selects no whole-run test
    builds instead of the golden run (the fast lane). The files are those ``GoldenRun.copy_upstream_to``
    takes from a golden run."""
    from qvh_migration.definitions import DRY_RUN_JOB, defs, synthetic_run_config

    saved = dict(os.environ)
    try:
        for name in _quiet_environment():
            os.environ.pop(name, None)
        os.environ["QVH_DATA_DIR"] = str(data_dir)
        os.environ["QVH_REQUIREMENT_SPEC_DIR"] = str(SPEC_DIR)
        result = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            run_config=synthetic_run_config(patients=PATIENTS, seed=SEED), raise_on_error=False
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.success, f"the upstream stages of the golden run's size failed ({data_dir})"
    return data_dir


def shared_upstream(root: Path) -> Path:
    """``build_upstream`` once for all pytest-xdist workers: the first builds it under ``root``, the others
    wait for it on the lock."""
    from filelock import FileLock

    root.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root) + ".lock"):
        if not (root / _DONE).is_file():
            if root.exists():  # a build that broke off: start again
                shutil.rmtree(root)
            build_upstream(root / "data")
            (root / _DONE).write_text("0", encoding="utf-8")
    return root / "data"


def shared(root: Path) -> GoldenRun:
    """The run under ``root``: read when built, waited for while a background build runs, else built here."""
    from filelock import FileLock

    root.parent.mkdir(parents=True, exist_ok=True)
    while True:
        with FileLock(str(root) + ".lock"):
            if (root / _DONE).is_file():
                return read(root)
            if not _building(root):
                if root.exists():  # a build that broke off (its log says why): start again
                    shutil.rmtree(root)
                return build(root)
        time.sleep(1)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file: enough to see that a test wrote to the shared run."""
    return {
        str(path.relative_to(folder)): (stat.st_size, stat.st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink() and (stat := path.stat())
    }


def changed(before: dict[str, tuple[int, int]], folder: Path) -> list[str]:
    after = snapshot(folder)
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


if __name__ == "__main__":  # the background build (``start``)
    build(Path(sys.argv[1]))
