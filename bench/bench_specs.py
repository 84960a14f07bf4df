"""Benchmark: both requirement documents cold, and re-materialising with unchanged documents.

Prints medians of fresh-interpreter runs (cold parse) and of in-process re-materialisations,
whose figure is the asset's own time as recorded in its metadata.

    .venv/bin/python bench/bench_specs.py [spec_dir]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC_DIR = ROOT.parent / "shared" / "requirement_spec"

_COLD = """
import sys, time
from pathlib import Path
from qvh_migration.settings import locate_documents
from qvh_migration.specs.catalog_build import parse_source_catalog, parse_target_catalog
documents = locate_documents(Path(sys.argv[1]))
start = time.perf_counter()
parse_source_catalog(documents)
middle = time.perf_counter()
parse_target_catalog(documents)
end = time.perf_counter()
print(middle - start, end - middle)
"""


def cold_parse(spec_dir: Path, runs: int = 3) -> tuple[list[float], list[float]]:
    source, target = [], []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", _COLD, str(spec_dir)], check=True, capture_output=True, text=True, cwd=ROOT
        ).stdout.split()
        source.append(float(output[0]))
        target.append(float(output[1]))
    return source, target


def rematerialise(spec_dir: Path, runs: int = 5) -> dict[str, list[float]]:
    import dagster as dg

    from qvh_migration.defs import specs
    from qvh_migration.defs.resources import MigrationSettings

    assets = [specs.source_catalog, specs.target_catalog, specs.schema_catalog_summary]
    seconds: dict[str, list[float]] = {"source_catalog": [], "target_catalog": []}
    with tempfile.TemporaryDirectory() as data_dir:
        resources = {"settings": MigrationSettings(requirement_spec_dir=str(spec_dir), data_dir=data_dir)}
        dg.materialize(assets, resources=resources)  # first run parses and writes
        for _ in range(runs):
            result = dg.materialize(assets, resources=resources)
            for node in seconds:
                metadata = result.asset_materializations_for_node(node)[0].metadata
                assert metadata["reused_previous_parse"].value
                seconds[node].append(metadata["asset_seconds"].value)
    return seconds


def main() -> None:
    spec_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC_DIR
    source, target = cold_parse(spec_dir)
    print(f"documents: {spec_dir}")
    print(f"cold source catalog (xlsx + docx if present): median {statistics.median(source):.2f} s")
    print(f"cold target catalog (pdf + mandatory):         median {statistics.median(target):.2f} s")
    print(
        f"cold both documents:                           median "
        f"{statistics.median(s + t for s, t in zip(source, target, strict=True)):.2f} s"
    )
    for node, values in rematerialise(spec_dir).items():
        print(
            f"re-materialise {node}, unchanged documents: median {statistics.median(values) * 1000:.0f} ms "
            f"(asset's own time, {len(values)} runs)"
        )


if __name__ == "__main__":
    main()
