"""Benchmark: semantic matrix build time, gold precision/recall, and contract class counts.

The matrix time is the median of three in-process builds over the full source catalog (5,387
fields) against every target field (884), catalogs already parsed.

    .venv/bin/python bench/bench_mapping.py [spec_dir]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC_DIR = ROOT.parent / "shared" / "requirement_spec"


def main(spec_dir: Path) -> None:
    from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
    from qvh_migration.mapping.contract import blockers, build_mapping_contract, class_counts
    from qvh_migration.mapping.crosswalks import load_crosswalks
    from qvh_migration.mapping.curated_rules import load_curated_rules
    from qvh_migration.mapping.matcher import build_semantic_matrix, evaluate_matrix, gold_misses, read_gold
    from qvh_migration.settings import default_overrides_file, default_rules_dir, locate_documents
    from qvh_migration.specs import mandatory
    from qvh_migration.specs.altera_pdf import read_target_guide
    from qvh_migration.specs.inquire_xlsx import read_source_catalog

    documents = locate_documents(spec_dir)
    source = read_source_catalog(documents.source_dictionary)
    guide = read_target_guide(documents.target_guide)
    overrides = (
        mandatory.read_overrides()
        if default_overrides_file().is_file()
        else pd.DataFrame(columns=list(mandatory.OVERRIDE_COLUMNS))
    )
    fields = mandatory.classify_fields(guide.fields, guide.tables, overrides)
    print(
        f"documents: {'stand-ins' if documents.uses_standins else 'real'}; "
        f"{len(source)} source fields, {len(fields)} target fields"
    )

    timings = []
    for _ in range(3):
        start = time.perf_counter()
        matrix = build_semantic_matrix(source, fields, guide.tables, top_k=5)
        timings.append(time.perf_counter() - start)
    print(
        f"matrix build: median {statistics.median(timings):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in timings)}); {len(matrix)} candidate rows"
    )

    gold = read_gold()
    scores = evaluate_matrix(matrix, gold)
    print(f"gold: n={scores['n']} precision@1={scores['precision_at_1']:.3f} recall@5={scores['recall_at_5']:.3f}")
    ranked = matrix.assign(candidate=matrix["source_table"] + "." + matrix["source_column"])
    ranked = ranked.groupby([matrix["target_table"], matrix["target_field"].str.upper()])["candidate"].agg(list)
    for miss in gold_misses(matrix, gold).itertuples(index=False):
        accepted = set(miss.accepted.split(";"))
        rank = next((i for i, c in enumerate(ranked[tuple(miss.target.split(".", 1))], 1) if c in accepted), None)
        print(f"  miss {miss.target}: proposed {miss.proposed}; gold {miss.accepted} at rank {rank or '>5'}")

    crosswalks = load_crosswalks()
    curated = load_curated_rules(default_rules_dir(), source, fields, set(crosswalks))
    contract = build_mapping_contract(fields, guide.tables, matrix, curated, LEGACY_CODE_FIELDS)
    print(f"contract: {len(contract)} rows")
    for mapping_class, count in class_counts(contract).items():
        print(f"  {mapping_class:<13} {count:>4}")
    blocked = blockers(contract)
    print(f"blockers (mandatory and UNRESOLVED): {len(blocked)}")
    for row in blocked.itertuples(index=False):
        print(f"  {row.target_table}.{row.target_field}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SPEC_DIR)
