"""Checks made before any asset runs: what can be known to fail should fail in a second, not
after the catalogs and contract have been rebuilt.

Each check returns problems as single lines (``<file or folder>: <what is wrong>``); the command
line prints them all and starts nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qvh_migration.settings import PC60_DICTIONARY_NAME
from qvh_migration.specs.spec_folder import REAL_NAMES, STANDIN_NAMES, spec_folder_problem

__all__ = ["REAL_NAMES", "STANDIN_NAMES", "spec_folder_problem"]  # the command line's checks read them here

EXTRACT_KINDS = ("synthetic", "files", "duckdb", "sql")


@dataclass(frozen=True)
class RunPlan:
    """What a dry run will read and write; ``None`` means the default from settings."""

    data_dir: Path
    spec_dir: Path
    crosswalk_dir: Path
    rules_dir: Path
    extract_kind: str = "synthetic"
    extract_location: str = ""
    patients: int | None = None
    seed: int | None = None
    defect_rate: float | None = None


def missing_pc60_note(spec_dir: Path) -> str | None:
    """The one line saying a set of real documents has no PC60 Word dictionary, and what that costs.

    The dictionary is optional (the run goes ahead), but its absence changes the source catalog, so
    the terminal says it once rather than leaving the empty PC60 columns to be discovered.
    """
    real = [spec_dir / name for name in REAL_NAMES]
    if not all(path.is_file() for path in real) or (spec_dir / PC60_DICTIONARY_NAME).is_file():
        return None
    return (
        f'note: no PC60 Word dictionary ("{PC60_DICTIONARY_NAME}") in {spec_dir}; it is optional, but without it '
        "the source catalog has no PC60 descriptions or data types (the UI shows INQuire's text) and INQuire "
        "is not cross-checked against PC60 (no size conflicts or PC60-only fields are listed)"
    )


def writable_problem(data_dir: Path) -> str | None:
    """Create the data folder if needed and prove a file can be written and renamed in it."""
    existing = data_dir
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"cannot write to {data_dir}: {existing} is a file, not a folder"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=data_dir)
        os.close(fd)
        os.replace(probe, probe + ".renamed")
        os.unlink(probe + ".renamed")
    except OSError as exc:
        reason = "read-only" if exc.errno == 30 else (exc.strerror or str(exc)).lower()
        return f"cannot write to {data_dir}: {reason}"
    return None


def extract_source_problem(kind: str, location: str) -> str | None:
    if kind not in EXTRACT_KINDS:
        return (
            f"--extracts: unknown source {kind!r}; use files:<folder>, duckdb:<file> or a database URL "
            "(or leave it out)"
        )
    if kind == "synthetic":
        return None
    if kind == "sql":
        from qvh_migration.extracts.sql_source import check_source_url

        return _server_problem(lambda: check_source_url(location))
    path = Path(location)
    if not location:
        return f"--extracts: {kind} needs a location ({kind}:<path>)"
    if kind == "files":
        if not path.is_dir():
            return f"{path}: extract folder not found"
        if not os.access(path, os.R_OK | os.X_OK):
            return f"{path}: extract folder not readable"
        if not any(path.glob("*.parquet")) and not any(path.glob("*.csv")):
            return f"{path}: no <TABLE>.parquet or <TABLE>.csv extracts in the folder"
        return None
    if not path.is_file():
        return f"{path}: extract database not found"
    try:
        import duckdb

        duckdb.connect(str(path), read_only=True).close()
    except Exception as exc:  # duckdb raises several unrelated classes for a bad file
        return f"{path}: cannot open as a DuckDB database ({' '.join(str(exc).split())[:160]})"
    return None


def _server_problem(reach: object) -> str | None:
    """Reaching a database server: wrong credentials or no host is one line, before any work."""
    from qvh_migration.errors import MigrationInputError

    try:
        reach()  # type: ignore[operator]
    except MigrationInputError as exc:
        return str(exc)
    return None


def target_server_problem() -> str | None:
    """The PostgreSQL staging server named by QVH_TARGET_URL, if any, must answer."""
    from qvh_migration.etl.postgres_target import PostgresTarget
    from qvh_migration.settings import default_target_url

    url = default_target_url()
    return _server_problem(lambda: PostgresTarget(url).preflight()) if url else None


def folder_problem(path: Path, what: str, pattern: str) -> str | None:
    if not path.is_dir():
        return f"{path}: {what} folder not found"
    if not any(path.glob(pattern)):
        return f"{path}: no {pattern} files in the {what} folder"
    return None


def unread_rules_problem(rules_dir: Path) -> str | None:
    """A file in the rules folder that the loader would not read (``LOAD_PMI.yml``) is named, not ignored."""
    # Imported here: the pre-flight answers before pandas and the mapping modules load.
    from qvh_migration.mapping.curated_rules import unread_files

    unread = unread_files(rules_dir) if rules_dir.is_dir() else []
    if not unread:
        return None
    return (
        f"{unread[0]}: not read: a rules file must be named <LOAD_TABLE>.yaml (rename it or move it out of the folder)"
    )


ParameterCheck = Callable[[int | None, int | None, float | None], list[str]]


def run_problems(plan: RunPlan, parameter_problems: ParameterCheck | None = None) -> list[str]:
    """Every problem found before the run, one line each (empty: go ahead).

    ``parameter_problems`` validates the synthetic generator's parameters; the generator's Dagster
    wiring owns it (``defs.extracts.synthetic_parameter_problems``) and the command line hands it in,
    so this module stays below the Dagster layer."""
    problems = parameter_problems(plan.patients, plan.seed, plan.defect_rate) if parameter_problems else []
    spec = spec_folder_problem(plan.spec_dir)
    candidates = [
        writable_problem(plan.data_dir),
        f"{plan.spec_dir}: {spec}" if spec else None,
        extract_source_problem(plan.extract_kind, plan.extract_location),
        folder_problem(plan.crosswalk_dir, "crosswalk", "*.csv"),
        folder_problem(plan.rules_dir, "mapping rules", "*.yaml") or unread_rules_problem(plan.rules_dir),
        target_server_problem(),
    ]
    return problems + [problem for problem in candidates if problem]
