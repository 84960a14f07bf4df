"""Benchmark of the gates against the ETL they check, on a data folder a dry run filled.

Times every table's gates (the generated Pandera schema and the table rules, pandas on each
partition's file) plus cross-table integrity, and prints it beside the ETL's own time for the same
tables (the ``seconds`` the load summary recorded per partition). Goal: gates <= ETL.

    QVH_DATA_DIR=/tmp/run .venv/bin/qvh-migration dry-run --patients 100000
    QVH_DATA_DIR=/tmp/run .venv/bin/python bench/bench_gates.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.gates.pipeline import gate_partition, run_cross_table
from qvh_migration.gates.profiles import load_profile
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.settings import ProjectPaths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--profile", default="development")
    args = parser.parse_args()
    paths = ProjectPaths.from_environment()
    folders = RunFolders.of(paths)
    summary = pd.read_csv(folders.target / "load_summary.csv", keep_default_na=False)
    profile = load_profile(args.profile)
    timings, per_table = [], {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as scratch:
            started = time.perf_counter()
            for table in TARGET_TABLE_NAMES:
                t0 = time.perf_counter()
                result, _ = gate_partition(folders, Path(scratch), table, profile)
                per_table[table] = (time.perf_counter() - t0, len(result.summary))
            run_cross_table(folders, Path(scratch), profile)
            timings.append(time.perf_counter() - started)
    etl = float(summary["seconds"].sum())
    rows = int(summary["loaded_rows"].sum())
    slowest = sorted(per_table.items(), key=lambda kv: -kv[1][0])[:5]
    print(f"target rows: {rows:,}; generated checks: {sum(n for _, n in per_table.values()):,}")
    print(f"ETL (38 partitions, load summary): {etl:.1f} s")
    print(f"gates (38 partitions + cross-table, median of {args.repeat}): {statistics.median(timings):.1f} s")
    print(f"ratio gates / ETL: {statistics.median(timings) / etl:.2f}")
    print("slowest tables: " + ", ".join(f"{t} {s:.1f} s" for t, (s, _) in slowest))


if __name__ == "__main__":
    main()
