"""Benchmark: cold read of the real target guide against a plain pdfplumber word pass.

Each timing runs in a fresh interpreter (nothing warm but the OS file cache) and covers the
call only, not interpreter start-up or imports.

    .venv/bin/python bench/bench_target_pdf.py [path/to/guide.pdf] [--workers N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE_NAME = "Target PAS - PAS 18.4 Data Migration Technical Guide - FOR REF ONLY NOT TO BE USED.pdf"
DEFAULT_GUIDE = ROOT.parent / "shared" / "requirement_spec" / GUIDE_NAME

_READER = """
import sys, time
from qvh_migration.specs.altera_pdf import read_target_guide
workers = None if sys.argv[2] == "default" else int(sys.argv[2])
start = time.perf_counter()
guide = read_target_guide(sys.argv[1], workers=workers)
print(time.perf_counter() - start, len(guide.tables), len(guide.fields))
"""

_PDFPLUMBER = """
import sys, time
import pdfplumber
start = time.perf_counter()
with pdfplumber.open(sys.argv[1]) as pdf:
    words = sum(len(page.extract_words()) for page in pdf.pages)
print(time.perf_counter() - start, words)
"""


def _run(snippet: str, *args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", snippet, *args], cwd=ROOT, check=True, capture_output=True, text=True)
    return done.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("guide", nargs="?", type=Path, default=DEFAULT_GUIDE)
    parser.add_argument("--workers", default="default")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not args.guide.is_file():
        sys.exit(f"guide not found: {args.guide}")
    reads = [_run(_READER, str(args.guide), args.workers) for _ in range(args.runs)]
    ours = statistics.median(float(r[0]) for r in reads)
    baseline = float(_run(_PDFPLUMBER, str(args.guide))[0])
    print(
        f"read_target_guide (workers={args.workers}): median of {args.runs} cold runs "
        f"{ours:.2f} s  [{', '.join(f'{float(r[0]):.2f}' for r in reads)}]; "
        f"{reads[0][1]} tables, {reads[0][2]} fields"
    )
    print(f"pdfplumber extract_words baseline (1 run): {baseline:.2f} s")
    print(f"ratio: {ours / baseline:.3f} (target <= 0.5)")


if __name__ == "__main__":
    main()
