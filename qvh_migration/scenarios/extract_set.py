"""One extract set built from every scenario of the book, shaped like the run's extracts.

Each legacy table the run's extract set has is written with exactly the source catalog's columns
(the ETL accepts no other shape); a column a scenario does not fill is blank. Tables keyed by patient
hold the scenarios' rows only; master files (no patient number) keep the run's rows, so codes resolve
as they do in the run, with any scenario rows added. A scenario row for a table the run's extract set
lacks is not written: the scenario reports it as a missing extract. The set's manifest states the
book's own as-of day (``AS_OF``): the scenarios' waits, suspensions and bookings to come are written
to that day, whatever day the run's extract was taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.io.artifacts import write_json, write_parquet
from qvh_migration.scenarios.book import PATIENT_KEY, Scenario

NOT_EXTRACTS = {"defect_ledger"}
AS_OF = "2026-10-30"  # the day the scenarios are written to (the review's as-of day of the synthetic run)
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ExtractSet:
    folder: Path
    tables: tuple[str, ...]
    # (scenario id, legacy table) for every scenario table the run has no extract of
    missing: tuple[tuple[str, str], ...]


def run_extract_tables(run_extracts: Path) -> list[str]:
    return sorted(p.stem for p in run_extracts.glob("*.parquet") if p.stem not in NOT_EXTRACTS)


def build_extract_set(
    scenarios: list[Scenario], run_extracts: Path, catalog: dict[str, set[str]], out: Path
) -> ExtractSet:
    tables = run_extract_tables(run_extracts)
    out.mkdir(parents=True, exist_ok=True)
    for table in tables:
        source = run_extracts / f"{table}.parquet"
        ordered = [c for c in pq.read_schema(source).names if c in catalog.get(table, set())]
        columns = ordered + sorted(catalog.get(table, set()) - set(ordered))
        rows = [row for scenario in scenarios for row in scenario.legacy.get(table, [])]
        base = pd.DataFrame(columns=columns) if PATIENT_KEY in columns else pd.read_parquet(source)
        frame = pd.concat([base.reindex(columns=columns), pd.DataFrame(rows, columns=columns)], ignore_index=True)
        write_parquet(frame.fillna("").astype(str), out / f"{table}.parquet")
    write_json({"as_of": AS_OF, "origin": "scenario book", "tables": {t: {} for t in tables}}, out / MANIFEST_FILE)
    missing = tuple((s.id, t) for s in scenarios for t in s.legacy if t not in tables)
    return ExtractSet(out, tuple(tables), missing)
