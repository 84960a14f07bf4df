"""``qvh-migration verify [--data-dir DIR]``: check a data folder's evidence trail.

Recomputes the SHA-256 of every artifact the latest evidence pack summarises and of every pack's
files, and follows the chain of manifests back to the first pack (``reports/evidence_pack/evidence_chain.py``).
Exit 0 when everything matches; 1 naming the first file or link that does not, in one line.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from qvh_migration.settings import default_data_dir

COMMAND = "verify"


def add_parser(commands: Any) -> None:
    verify = commands.add_parser(
        COMMAND,
        help="check the evidence packs' hashes and chain (exit 1 naming the first mismatch)",
        description="Recompute the hashes the latest evidence pack records and follow the chain of packs\n"
        "back to the first. Example:\n  qvh-migration verify --data-dir /srv/qvh/data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("--data-dir", metavar="DIR", help="the folder to check (default: QVH_DATA_DIR or data/)")


def run(args: argparse.Namespace) -> int:
    from qvh_migration.reports.evidence_pack.evidence import EVIDENCE_DIR
    from qvh_migration.reports.evidence_pack.evidence_chain import TrailBroken, verify_trail

    data_dir = Path(args.data_dir or default_data_dir()).resolve()
    try:
        result = verify_trail(data_dir, data_dir / "reports" / EVIDENCE_DIR)
    except TrailBroken as exc:
        print(f"evidence trail broken: {exc}")
        return 1
    except OSError as exc:
        print(f"evidence trail not readable: {exc}")
        return 1
    print(
        f"evidence trail verified: {result['files']} files of the latest pack match, "
        f"{result['packs']} pack(s) chained back to the first; head manifest SHA-256 {result['head_sha256']}"
    )
    return 0
