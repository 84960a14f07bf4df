"""Benchmark of the synthetic source-extract generator.

Runs each measurement in a fresh child process (so peak memory is that run's own) and prints, per
size: generation seconds (median when repeated), Parquet write seconds, peak RSS of the child and
the total number of rows generated across all tables.

    .venv/bin/python bench/bench_mock.py                      # 100k x3 (median) and 1M x1
    .venv/bin/python bench/bench_mock.py --sizes 100000 --repeat 1 --no-write

Targets: 100,000 patients in <= 30 s; 1,000,000 patients in <= 5 min with peak RSS <= 6 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "requirement_spec" / "Source PAS - Data Dictionary V83 INQuire DD PC83.xlsx"
STANDIN = ROOT / "requirement_spec" / "standin_source_inquire_dd.xlsx"

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
from qvh_migration.specs.inquire_xlsx import read_source_catalog
from qvh_migration.mock.extracts import generate_extracts
from qvh_migration.mock.parameters import MockParameters
from qvh_migration.extracts.files import write_extracts

catalog_path, patients, write = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
catalog = read_source_catalog(catalog_path)
t0 = time.perf_counter()
ex = generate_extracts(catalog, MockParameters(patients=patients))
gen = time.perf_counter() - t0
rows = sum(len(df) for df in ex.tables.values())
write_s = None
if write:
    with tempfile.TemporaryDirectory(prefix="bench_mock_") as tmp:
        t1 = time.perf_counter()
        write_extracts(ex.tables, ex.defect_ledger, Path(tmp) / "extracts")
        write_s = time.perf_counter() - t1
print(json.dumps({"generate_s": gen, "write_s": write_s, "rows": rows, "ledger_rows": len(ex.defect_ledger),
                  "tables": len(ex.tables),
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def run_once(catalog: Path, patients: int, write: bool) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(catalog), str(patients), "1" if write else "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child failed ({patients:,} patients):\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    # Cross-check: the largest child so far, as the kernel accounted it.
    result["children_max_rss_gb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs for sizes below 1,000,000 (median)")
    parser.add_argument("--no-write", action="store_true", help="skip writing Parquet")
    args = parser.parse_args(argv)
    catalog = REAL if REAL.is_file() else STANDIN
    print(f"catalog: {catalog.name}")
    print(f"{'patients':>10} {'runs':>4} {'generate s':>11} {'write s':>8} {'peak RSS GiB':>12} {'rows':>12}")
    for size in args.sizes:
        runs = [run_once(catalog, size, not args.no_write) for _ in range(args.repeat if size < 1_000_000 else 1)]
        gen = statistics.median(r["generate_s"] for r in runs)
        writes = [r["write_s"] for r in runs if r["write_s"] is not None]
        write = f"{statistics.median(writes):8.1f}" if writes else f"{'-':>8}"
        peak = max(r["peak_rss_gb"] for r in runs)
        print(f"{size:>10,} {len(runs):>4} {gen:>11.1f} {write} {peak:>12.2f} {runs[0]['rows']:>12,}", flush=True)


if __name__ == "__main__":
    main()
