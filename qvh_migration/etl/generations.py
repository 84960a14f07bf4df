"""Which run's extracts each published table was built from: its generation.

The extracts manifest records the id of the run that wrote the extracts (the dry run's id, the
"first run" the terminal prints). Each partition's summary (``target/summary/<T>.csv``) records
the generation it loaded, and the staging database the generation it was built from
(``target/staging.json``). A folder whose tables come from two generations (a run killed
between tables, a table left from an earlier delivery) is refused by whatever would summarise
it (the staging build, the release decision, the evidence pack) with one line naming the stale
tables. A folder written before generations were recorded has none to compare.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.extracts.files import read_manifest

GENERATION = "generation"
SUMMARY_DIR = "summary"
STAGING_GENERATION_FILE = "staging.json"
STAGING = "staging.duckdb"


def current_generation(extracts_dir: Path) -> str:
    """The generation of the extracts in the folder ("" when none is recorded)."""
    return str(read_manifest(extracts_dir).get(GENERATION) or "")


def table_generations(target_dir: Path) -> dict[str, str]:
    """Each published table's generation, from its partition summary ("" when it has none)."""
    found = {}
    for path in sorted((target_dir / SUMMARY_DIR).glob("*.csv")):
        summary = pd.read_csv(path, dtype=str, keep_default_na=False)
        values = summary[GENERATION] if GENERATION in summary.columns else pd.Series([""])
        found[path.stem] = str(values.iloc[0]) if len(values) else ""
    return found


def staging_generation(target_dir: Path) -> str | None:
    """The generation the staging database was built from (None when it was never built)."""
    path = target_dir / STAGING_GENERATION_FILE
    if not (target_dir / STAGING).exists():
        return None
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get(GENERATION) or "")
    except (OSError, ValueError):
        return ""


def stale_artifacts(extracts_dir: Path, target_dir: Path, *, with_staging: bool = True) -> tuple[str, list[str]]:
    """(current generation, the tables (and staging database) built from another one)."""
    current = current_generation(extracts_dir)
    if not current:
        return current, []
    stale = [table for table, generation in table_generations(target_dir).items() if generation != current]
    built = staging_generation(target_dir) if with_staging else None
    if built is not None and built != current:
        stale.append(STAGING)
    return current, stale


def require_one_generation(extracts_dir: Path, target_dir: Path, what: str, *, with_staging: bool = True) -> str:
    """The folder's generation; one clear line naming the stale tables when they are mixed."""
    current, stale = stale_artifacts(extracts_dir, target_dir, with_staging=with_staging)
    if stale:
        shown = ", ".join(stale[:12]) + (", ..." if len(stale) > 12 else "")
        raise MigrationInputError(
            target_dir,
            f"{what} refused: {len(stale)} of the published tables are not from the current extracts "
            f"(run {current}): {shown}; rerun them (or the whole dry run)",
        )
    return current
