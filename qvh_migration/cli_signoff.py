"""``qvh-migration sign-contract --by NAME [--trial NAME]``: sign the data folder's mapping contract.

Copies the folder's ``mapping/mapping_contract.csv`` and ``mapping/crosswalks.csv`` to their signed
snapshot (``mapping/signed/...``) and appends who, when, the trial and both SHA-256 to the sign-off
file (``qvh_migration/mapping/signoffs.yaml``, or ``QVH_SIGNOFFS_FILE``), to be reviewed and
committed. Every later run lists what changed since (``mapping/contract_changes.csv``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qvh_migration.settings import default_data_dir

COMMAND = "sign-contract"


def add_parser(commands: Any) -> None:
    sign = commands.add_parser(
        COMMAND,
        help="sign the data folder's mapping contract and crosswalks (appends to the sign-off file)",
        description="Record a sign-off of the data folder's mapping contract and crosswalks: who, when, the\n"
        "trial, their SHA-256 and a signed copy under mapping/signed/. Example:\n"
        '  qvh-migration sign-contract --by "migration lead" --trial "trial load 2"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sign.add_argument(
        "--by", required=True, metavar="NAME", help="who signs, a person or a role (required: no default)"
    )
    sign.add_argument(
        "--trial",
        metavar="NAME",
        help="the trial load it is signed on (default: the run of the folder's evidence pack, or its date)",
    )
    sign.add_argument("--data-dir", metavar="DIR", help="the dry run's folder (default: QVH_DATA_DIR or data/)")


def pack_run(data_dir: Path) -> str:
    """``run <id>`` of the folder's evidence pack (or when it was written), "" when there is none."""
    try:
        evidence = json.loads((data_dir / "reports" / "evidence" / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    if not isinstance(evidence, dict):
        return ""
    # A pack re-scored by `qvh-migration release` has no run id: it is named by when it was written.
    if evidence.get("run_id"):
        return f"run {evidence['run_id']}"
    return f"evidence pack of {evidence['generated_at']}" if evidence.get("generated_at") else ""


def run(args: argparse.Namespace) -> int:
    from qvh_migration.errors import MigrationInputError
    from qvh_migration.mapping.signoffs import default_signoffs_file, sign_contract

    data_dir = Path(args.data_dir or default_data_dir()).resolve()
    trial = (args.trial or "").strip() or pack_run(data_dir)
    if not trial:
        print(f"cannot sign: {data_dir} has no evidence pack to name the trial by: give --trial NAME")
        return 2
    path = default_signoffs_file()
    try:
        entry = sign_contract(data_dir, args.by, trial, datetime.now(UTC), path)
    except (MigrationInputError, OSError) as exc:
        print(f"cannot sign: {exc}")
        return 2
    print(
        f"signed by {entry.signed_by} on {entry.trial}: contract {entry.contract_sha256[:12]}, "
        f"crosswalks {entry.crosswalks_sha256[:12]}"
    )
    print(f"entry appended to {path} (review and commit it); signed copy in {data_dir / entry.snapshot}")
    return 0
