"""Benchmark of the whole dry run at a given size: seconds per stage and peak memory.

Per size (synthetic patients), ``qvh-migration dry-run`` runs as a child process on a fresh data folder
and Dagster home under /tmp. The stages' seconds come from the run's own event log
(``<data>/reports/dry_run.log``: each step's start and end, summed over the runs of the dry run, so a
step run once per target table is the sum over the 38 tables); what no step accounts for (process
start, Dagster's run set-up between steps) is shown as ``between steps``. Peak memory is the process
tree's resident set: sampled every 0.2 s with psutil (all processes of the tree together, so a
parallel load counts every worker) and the kernel's high-water mark of the largest child
(``RUSAGE_CHILDREN``), which a sampler can miss between samples.

    .venv/bin/python bench/bench_scale.py                       # 2,000 patients
    .venv/bin/python bench/bench_scale.py --sizes 2000 --workers 2 --keep
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
LOG = Path("reports") / "dry_run.log"
# "2026-12-07T04:49:18.302+00:00 source_catalog STEP_START: ..." (cli.write_event_log)
EVENT = re.compile(r"^(\S+) (\S+) (STEP_START|STEP_SUCCESS|STEP_FAILURE):")
SAMPLE_SECONDS = 0.2
GIB = 1024**3


def step_seconds(log: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds per step key over every run in the log, and how many times each step ran."""
    seconds: dict[str, float] = defaultdict(float)
    runs: dict[str, int] = defaultdict(int)
    started: dict[str, datetime] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        if line.startswith("run "):
            started.clear()  # a step key is unique within one run only
            continue
        match = EVENT.match(line)
        if not match:
            continue
        when, step, kind = datetime.fromisoformat(match.group(1)), match.group(2), match.group(3)
        if kind == "STEP_START":
            started[step] = when
        elif step in started:
            seconds[step] += (when - started.pop(step)).total_seconds()
            runs[step] += 1
    return dict(seconds), dict(runs)


class TreeSampler(threading.Thread):
    """The largest summed RSS of a process and its descendants, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:  # a process that ended between listing and reading
                    continue
            self.peak = max(self.peak, total)
            self.stopped.wait(SAMPLE_SECONDS)


def dry_run(patients: int, workers: int, folder: Path) -> tuple[float, int, int, str]:
    """(wall seconds, sampled tree peak bytes, kernel child peak bytes, last output line) of one dry run."""
    env = {**os.environ, "DAGSTER_HOME": str(folder / "dagster_home"), "PYTHONPATH": str(ROOT)}
    env.pop("QVH_REQUIREMENT_SPEC_DIR", None)
    env.pop("QVH_SOURCE_URL", None)
    command = [sys.executable, "-m", "qvh_migration.cli", "dry-run", "--patients", str(patients)]
    command += ["--data-dir", str(folder / "data"), "--quiet", "--workers", str(workers)]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = TreeSampler(child.pid)
    sampler.start()
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    # ru_maxrss is in KiB on Linux: the largest single descendant waited for by this process.
    kernel_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if child.returncode not in (0, 1):  # 1: the run finished with a failed verdict, still a full run
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise SystemExit(f"dry run at {patients:,} patients stopped with exit {child.returncode}:\n{tail}")
    last = next((line for line in output.splitlines() if line.startswith("dry run ")), "")
    return seconds, sampler.peak, kernel_peak, last


def report(patients: int, seconds: float, tree_peak: int, kernel_peak: int, log: Path, verdict: str) -> None:
    stages, runs = step_seconds(log)
    print(f"\n=== {patients:,} patients: {verdict}")
    print(f"{'stage':<34}{'runs':>6}{'seconds':>10}{'share':>8}")
    for step, spent in sorted(stages.items(), key=lambda item: -item[1]):
        print(f"{step:<34}{runs[step]:>6}{spent:>10.1f}{spent / seconds:>8.1%}")
    between = seconds - sum(stages.values())
    print(f"{'between steps':<34}{'':>6}{between:>10.1f}{between / seconds:>8.1%}")
    print(f"{'whole run':<34}{'':>6}{seconds:>10.1f}{1:>8.0%}")
    print(
        f"peak resident memory: {tree_peak / GIB:.2f} GiB (process tree, sampled), "
        f"{kernel_peak / GIB:.2f} GiB (largest child, kernel high-water mark)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000", help="comma-separated synthetic patient counts (default 2000)")
    parser.add_argument("--workers", type=int, default=1, help="tables loaded at once, as dry-run --workers")
    parser.add_argument("--keep", action="store_true", help="keep each size's data folder (its path is printed)")
    args = parser.parse_args()
    # Smallest first: the kernel's child high-water mark only grows over the sizes run.
    for patients in sorted(int(size) for size in args.sizes.split(",")):
        folder = Path(tempfile.mkdtemp(prefix=f"bench_scale_{patients}_"))
        try:
            seconds, tree_peak, kernel_peak, verdict = dry_run(patients, args.workers, folder)
            report(patients, seconds, tree_peak, kernel_peak, folder / "data" / LOG, verdict)
        finally:
            if args.keep:
                print(f"data folder kept: {folder / 'data'}")
            else:
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
