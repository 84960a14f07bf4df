"""Benchmark: the 38 target tables (load, blocking checks, gates) as one load batch of partition runs,
one after another and N at once (worker processes; each run waits for its parents' runs).

Runs the upstream stages once (stand-in documents, synthetic extracts), copies the data folder so
both loads start from the same files, then times the two loads and prints wall seconds and the ratio.

    .venv/bin/python bench/bench_parallel_tables.py --patients 100000 --workers 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="qvh-bench-"))
    os.environ["DAGSTER_HOME"] = str(scratch / "home")
    (scratch / "home").mkdir()
    (scratch / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    os.environ["QVH_DATA_DIR"] = str(scratch / "serial")
    os.environ.pop("QVH_REQUIREMENT_SPEC_DIR", None)

    import dagster as dg

    from qvh_migration.definitions import DRY_RUN_JOB, defs, synthetic_run_config, target_table_load
    from qvh_migration.defs.table_runs import load_tables

    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    started = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            instance=instance, run_config={**quiet, **synthetic_run_config(patients=args.patients)}
        )
    print(f"upstream stages ({args.patients:,} patients): {time.monotonic() - started:.1f} s, ok={upstream.success}")
    shutil.copytree(scratch / "serial", scratch / "parallel")
    timings = {}
    for label, workers in (("serial", 1), (f"{args.workers} workers", args.workers)):
        os.environ["QVH_DATA_DIR"] = str(scratch / ("serial" if workers == 1 else "parallel"))
        started = time.monotonic()
        runs = load_tables(target_table_load, quiet, workers=workers).runs
        timings[label] = time.monotonic() - started
        failed = [r.table for r in runs if not r.loaded]
        print(f"38 partitions, {label}: {timings[label]:.1f} s ({len(runs)} runs, failed: {failed or 'none'})")
    serial, parallel = timings.values()
    print(f"ratio parallel/serial: {parallel / serial:.2f}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
