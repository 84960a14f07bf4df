"""The 38 target tables into PostgreSQL next to the embedded DuckDB path, and the load files' sizes.

Starts a throwaway PostgreSQL server (Debian binaries, as the tests do) unless QVH_TARGET_URL
names one, then:

1. ``qvh-migration dry-run --patients N`` without a target (files + DuckDB) and with
   QVH_TARGET_URL (files + DuckDB + PostgreSQL), each in a fresh data folder: wall time;
2. from the second run's partition files: the 38 tables loaded into PostgreSQL (delete + COPY,
   one transaction each, constraints checked) against ``staging.duckdb`` rebuilt from the same
   files: seconds and rows;
3. sizes of ``target/load_files/`` (CSV and control files).

    .venv/bin/python bench/bench_postgres.py [patients]    # default 100000
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qvh_migration.etl import files as etl_files  # noqa: E402
from qvh_migration.etl import pipeline  # noqa: E402
from qvh_migration.etl.ddl import load_order  # noqa: E402
from qvh_migration.etl.load_files import LOAD_FILES  # noqa: E402
from qvh_migration.etl.postgres_target import PostgresTarget  # noqa: E402
from qvh_migration_tests.pg_server import PostgresServer, create_database, postgres_bin_dir  # noqa: E402


def dry_run(patients: int, data_dir: Path, target_url: str = "") -> float:
    env = {**os.environ, "QVH_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(data_dir.parent / "dagster_home")}
    env.pop("QVH_TARGET_URL", None)
    if target_url:
        env["QVH_TARGET_URL"] = target_url
    started = time.perf_counter()
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "qvh-migration"), "dry-run", "--patients", str(patients)],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"dry run failed:\n{done.stdout[-3000:]}")
    return elapsed


def main(patients: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="qvh-bench-pg-"))
    server = None
    target_url = os.environ.get("QVH_TARGET_URL", "")
    if not target_url:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            sys.exit("no PostgreSQL binaries (apt-get install postgresql) and no QVH_TARGET_URL")
        server = PostgresServer.create(bin_dir)
        create_database(server, "staging")
        target_url = server.url("staging")
    try:
        duck_seconds = dry_run(patients, work / "duck" / "data")
        pg_seconds = dry_run(patients, work / "pg" / "data", target_url)
        data = work / "pg" / "data"
        fields, tables = pipeline.read_target_catalog(data / "catalogs")
        target = PostgresTarget(target_url)
        rows = 0
        started = time.perf_counter()
        for table in load_order(tables):
            frame = pd.read_parquet(etl_files.table_path(data / "target", etl_files.TABLES, table))
            rows += target.load(table, frame, fields, tables)
        pg_load = time.perf_counter() - started
        started = time.perf_counter()
        etl_files.build_staging_database(data / "target", fields, tables)
        duck_load = time.perf_counter() - started
        files = sorted((data / "target" / LOAD_FILES).iterdir())
        csv_bytes = sum(f.stat().st_size for f in files if f.suffix == ".csv")
        ctl_bytes = sum(f.stat().st_size for f in files if f.suffix == ".ctl")
        largest = sorted((f for f in files if f.suffix == ".csv"), key=lambda f: -f.stat().st_size)[:5]
        print(f"patients: {patients:,}; target rows loaded: {rows:,} in {len(tables)} tables")
        print(f"dry run, files + DuckDB:               {duck_seconds:7.1f} s")
        print(f"dry run, files + DuckDB + PostgreSQL:  {pg_seconds:7.1f} s")
        print(f"38 tables from the partition files into PostgreSQL (delete + COPY, FKs at commit): {pg_load:6.1f} s")
        print(f"38 tables from the partition files into staging.duckdb (rebuild):                 {duck_load:6.1f} s")
        print(f"load files: {csv_bytes / 2**20:,.1f} MiB of CSV, {ctl_bytes / 1024:,.1f} KiB of control files")
        for f in largest:
            print(f"  {f.name}: {f.stat().st_size / 2**20:,.1f} MiB")
    finally:
        if server:
            server.destroy()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
