"""Benchmark of the contract ETL against a hand-written DuckDB SQL baseline, and of the whole ETL stage.

Per size (synthetic patients), on one data folder under /tmp prepared once by the upstream stages
(catalogs, extracts, mapping contract, key registry), each measurement in a fresh child process:

  (b) all 38 partitions serially in load order (``pipeline.run_partition``): wall seconds, peak RSS,
      target rows/s; this also publishes the parents' outcomes the SQL baseline links against;
  (a) LOAD_PMI and LOAD_OPD_APPOINTMENTS: the contract ETL under each engine given (``--engine``:
      duckdb, pandas or both) vs ``bench/handwritten_sql/<TABLE>.sql``, run in turn (DUCKDB, PANDAS,
      SQL, DUCKDB, ...) so machine drift hits all; medians and the ratios of each pair of runs, with
      each side's loaded rows and rejects so a reader can see they do the same work;
  (c) one partition rerun in a fresh process (the slowest table of (b)): whole-process wall seconds.

    .venv/bin/python bench/bench_etl.py                        # 100k and 1M patients, 3 repeats
    .venv/bin/python bench/bench_etl.py --sizes 100000 --repeat 5
    .venv/bin/python bench/bench_etl.py --sizes 20000 --parts a --engine duckdb pandas

Targets (1M patients, 2 cores): ETL within 1.5x of the SQL on the two tables (stretch 1.0x); all 38
partitions <= 5 min and <= 8 GB peak RSS; one partition rerun <= 30 s. Reference: the older tool's
contract ETL moved about 7,500 target rows/s on this machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL_DIR = ROOT / "bench" / "handwritten_sql"
CROSSWALKS = ROOT / "crosswalks"
COMPARED = ("LOAD_PMI", "LOAD_OPD_APPOINTMENTS")
ENGINES = ("duckdb", "pandas")
# The SQL baseline reads these tables' published outcomes (links to a rejected parent are rejected).
PARENTS = ("LOAD_REFERRALS", "LOAD_OPDWAITLIST", "LOAD_RTT_PATHWAYS", "LOAD_RTT_PERIODS")
READY = ".bench_ready"  # written last by the preparation, so a half-prepared folder is redone
OLD_TOOL_ROWS_PER_S = 7_500
TARGETS = {"ratio": 1.5, "ratio_stretch": 1.0, "all_s": 300.0, "all_gb": 8.0, "rerun_s": 30.0}

PREPARE = r"""
import os, sys
os.environ["QVH_DATA_DIR"] = sys.argv[1]
os.environ.pop("QVH_REQUIREMENT_SPEC_DIR", None)
from qvh_migration.definitions import DRY_RUN_JOB, defs, synthetic_run_config
result = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
    run_config=synthetic_run_config(patients=int(sys.argv[2])), raise_on_error=False)
sys.exit(0 if result.success else 1)
"""

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, data_dir, engine = sys.argv[1], Path(sys.argv[2]), sys.argv[4]
from qvh_migration.etl import pipeline
from qvh_migration.io.run_folders import RunFolders
folders = RunFolders.under(data_dir)
crosswalks = Path(sys.argv[3])

def etl(table):
    load, _ = pipeline.run_partition(folders, crosswalks, table, engine=engine)
    s = load.summary.iloc[0]
    return {"target_rows": len(load.table), "rejected_rows": int(s["rejected_rows"]),
            "reject_rows": len(load.rejects), "filtered_rows": int(s["filtered_rows"])}

out = {}
if mode == "all":
    from qvh_migration.defs.etl import TARGET_TABLE_NAMES
    wanted = sys.argv[5].split(",") if len(sys.argv) > 5 else TARGET_TABLE_NAMES
    t0 = time.perf_counter()
    per_table = {}
    for table in [t for t in TARGET_TABLE_NAMES if t in wanted]:
        t1 = time.perf_counter()
        per_table[table] = {**etl(table), "seconds": time.perf_counter() - t1}
        print(f"  {table}: {per_table[table]['seconds']:.1f} s", file=sys.stderr, flush=True)
    out = {"seconds": time.perf_counter() - t0, "tables": per_table,
           "target_rows": sum(t["target_rows"] for t in per_table.values())}
elif mode == "etl":
    t0 = time.perf_counter()
    out = etl(sys.argv[5])
    out["seconds"] = time.perf_counter() - t0
else:
    import duckdb
    sql_file, out_dir = Path(sys.argv[5]), data_dir / "handwritten_out"
    out_dir.mkdir(exist_ok=True)
    places = {"EXTRACTS": folders.extracts, "CROSSWALKS": crosswalks, "TARGET": folders.target, "OUT": out_dir}
    sql = sql_file.read_text(encoding="utf-8")
    for name, path in places.items():
        sql = sql.replace("{{" + name + "}}", str(path))
    t0 = time.perf_counter()
    with duckdb.connect() as con:
        row = con.execute(sql).fetchone()
    out = {"seconds": time.perf_counter() - t0, "target_rows": row[2], "rejected_rows": row[3],
           "reject_rows": row[4], "filtered_rows": row[1]}
out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
print(json.dumps(out))
"""


def child(script: str, *args: str) -> dict:
    """Run ``script`` in a fresh interpreter; its last stdout line is JSON. Adds whole-process wall seconds."""
    started = time.perf_counter()
    # stderr passes through: progress lines, and the traceback when a child fails.
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({' '.join(args[:1] + args[4:])}), see above")
    result = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    result["wall_s"] = wall
    return result


def prepare(data_dir: Path, patients: int) -> float:
    """Run the upstream stages once into ``data_dir`` (reused when already prepared for this size)."""
    marker = data_dir / READY
    if marker.exists() and marker.read_text().strip() == str(patients):
        return 0.0
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    seconds = child(PREPARE, str(data_dir), str(patients))["wall_s"]
    marker.write_text(str(patients))
    return seconds


def compare(data_dir: Path, table: str, repeat: int, engines: list[str]) -> dict:
    """The ETL under each engine and the SQL for one table, in turn, ``repeat`` times each; each ratio
    is the median of the ratios of runs side by side (so drift between rounds cancels)."""
    sql_file = SQL_DIR / f"{table}.sql"
    sides = [*engines, "sql"]
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(repeat):
        for engine in engines:
            runs[engine].append(child(CHILD, "etl", str(data_dir), str(CROSSWALKS), engine, table))
        runs["sql"].append(child(CHILD, "sql", str(data_dir), str(CROSSWALKS), "-", str(sql_file)))
    pairs = [(a, b) for i, a in enumerate(sides) for b in sides[i + 1 :]]
    ratios = {
        (a, b): statistics.median(x["seconds"] / y["seconds"] for x, y in zip(runs[a], runs[b], strict=True))
        for a, b in pairs
    }
    return {"runs": runs, "ratios": ratios}


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def flag(ok: bool) -> str:
    return "met" if ok else "MISSED"


def report_size(patients: int, data_dir: Path, repeat: int, parts: str, tables: list[str], engines: list[str]) -> None:
    print(f"\n=== {patients:,} patients  (data: {data_dir})", flush=True)
    prep = prepare(data_dir, patients)
    print(f"upstream stages: {'reused' if not prep else f'{prep:.0f} s'}", flush=True)
    if "b" in parts:
        print("\n(b) all 38 partitions serially (one process), progress:", flush=True)
        report_all(data_dir, parts, engines[0])
    elif "a" in parts:
        unverified_parents(data_dir)
    if "a" in parts:
        report_compare(data_dir, repeat, tables, engines)


def unverified_parents(data_dir: Path) -> None:
    """Without (b) the parents may be unloaded: publish every registered parent record as loaded, so
    both sides link alike and neither rejects for a parent's own load."""
    import duckdb

    target = data_dir / "target"
    missing = [p for p in PARENTS if not (target / "outcomes" / f"{p}.parquet").exists()]
    (target / "outcomes").mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for parent in missing:
            con.execute(
                f"COPY (SELECT record_number, 'loaded' AS outcome, '' AS reason "
                f"FROM read_parquet('{target / 'key_registry.parquet'}') WHERE target_table = '{parent}') "
                f"TO '{target / 'outcomes' / f'{parent}.parquet'}' (FORMAT parquet)"
            )
    if missing:
        print(f"parents not loaded ({', '.join(missing)}): published as all loaded, so no parent_rejected either side")


def report_compare(data_dir: Path, repeat: int, tables: list[str], engines: list[str]) -> None:
    print(
        f"\n(a) contract ETL ({', '.join(engines)}) vs hand-written SQL, {repeat} run(s) each in turn, "
        "medians (in-process seconds)"
    )
    head = f"{'table':<24}{'side':<5}{'seconds':>9}{'process s':>10}{'rows/s':>10}{'peak GB':>8}"
    print(head + f"{'target rows':>12}{'rejected':>9}{'reject rows':>12}{'filtered':>10}")
    for table in tables:
        result = compare(data_dir, table, repeat, engines)
        for side, runs in result["runs"].items():
            seconds, last = median(runs, "seconds"), runs[-1]
            print(
                f"{table:<24}{side.upper()[:6]:<7}{seconds:>7.2f}{median(runs, 'wall_s'):>10.2f}"
                f"{last['target_rows'] / seconds:>10,.0f}{max(r['peak_rss_gb'] for r in runs):>8.2f}"
                f"{last['target_rows']:>12,}{last['rejected_rows']:>9,}{last['reject_rows']:>12,}"
                f"{last['filtered_rows']:>10,}"
            )
        for (a, b), ratio in result["ratios"].items():
            target = (
                f"  (target <= {TARGETS['ratio']}x: {flag(ratio <= TARGETS['ratio'])}; "
                f"stretch <= {TARGETS['ratio_stretch']}x: {flag(ratio <= TARGETS['ratio_stretch'])})"
                if b == "sql"
                else ""
            )
            print(f"{'':<24}{a.upper()}/{b.upper()} = {ratio:.2f}x{target}", flush=True)


def report_all(data_dir: Path, parts: str, engine: str) -> None:
    everything = child(CHILD, "all", str(data_dir), str(CROSSWALKS), engine)
    tables = everything["tables"]
    peak = max(everything["peak_rss_gb"], resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2)
    rate = everything["target_rows"] / everything["seconds"]
    print(
        f"  {everything['seconds']:.1f} s in-process, {everything['wall_s']:.1f} s whole process "
        f"(target <= {TARGETS['all_s']:.0f} s: {flag(everything['wall_s'] <= TARGETS['all_s'])})"
    )
    print(
        f"  peak RSS {everything['peak_rss_gb']:.2f} GB (target <= {TARGETS['all_gb']:.0f} GB: "
        f"{flag(everything['peak_rss_gb'] <= TARGETS['all_gb'])}); largest child so far {peak:.2f} GB"
    )
    print(
        f"  {everything['target_rows']:,} target rows, {rate:,.0f} rows/s "
        f"({rate / OLD_TOOL_ROWS_PER_S:.1f}x the older tool's ~{OLD_TOOL_ROWS_PER_S:,} rows/s)"
    )
    print(
        "  slowest partitions: "
        + ", ".join(
            f"{t} {tables[t]['seconds']:.1f} s" for t in sorted(tables, key=lambda t: -tables[t]["seconds"])[:6]
        )
    )

    if "c" not in parts:
        return
    slowest = max(tables, key=lambda t: tables[t]["seconds"])
    rerun = child(CHILD, "etl", str(data_dir), str(CROSSWALKS), engine, slowest)
    print(f"\n(c) one partition rerun in a fresh process: {slowest}")
    print(
        f"  {rerun['wall_s']:.1f} s whole process ({rerun['seconds']:.1f} s in run_partition), "
        f"peak RSS {rerun['peak_rss_gb']:.2f} GB (target <= {TARGETS['rerun_s']:.0f} s: "
        f"{flag(rerun['wall_s'] <= TARGETS['rerun_s'])})",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="ETL and SQL runs per table (median)")
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/qvh-etl-bench"), help="data folders, per size")
    parser.add_argument("--parts", default="abc", help="which of (a), (b), (c) to run, e.g. 'a' or 'bc'")
    parser.add_argument("--tables", nargs="+", choices=COMPARED, default=list(COMPARED), help="tables for (a)")
    parser.add_argument(
        "--engine",
        nargs="+",
        choices=ENGINES,
        default=list(ENGINES),
        help="ETL engine(s) compared in (a) (default both); (b) and (c) use the first",
    )
    args = parser.parse_args(argv)
    for size in args.sizes:
        report_size(size, args.data_root / f"p{size}", args.repeat, args.parts, args.tables, args.engine)


if __name__ == "__main__":
    main()
