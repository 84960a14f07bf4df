"""The evidence trail: each pack's manifest, chained to the pack before it, so anyone can verify a run.

``reports/evidence/manifest.json`` records the SHA-256 of every artifact the pack summarises (paths
relative to the data folder), of the pack's own files (relative to the manifest's folder) and of the
previous pack's manifest, with that manifest's path (relative to ``reports/evidence``). Each earlier
pack is kept whole under ``reports/evidence/history/<sequence>-<run>/``, so the chain runs back to
the first pack. ``verify`` recomputes the head's artifacts and every pack's files, and follows the
links; it names the first file or link that does not match. The head manifest's own hash is printed
on success: recorded elsewhere (a ticket, an e-mail) it anchors the chain.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qvh_migration.etl.files import LOAD_SUMMARY_FILE
from qvh_migration.extracts.files import MANIFEST_FILE as EXTRACTS_MANIFEST
from qvh_migration.gates.files import GATE_SUMMARY_FILE
from qvh_migration.gates.release import DECISION_FILE
from qvh_migration.io.artifacts import content_sha256
from qvh_migration.mapping.contract_changes import CHANGES_CSV, CHANGES_JSON
from qvh_migration.mapping.files import CONTRACT_CSV, CROSSWALKS_CSV
from qvh_migration.reports.evidence_pack import evidence_reports as er
from qvh_migration.scenarios.acceptance import RESULTS_FILE, SUMMARY_FILE
from qvh_migration.specs.files import SUMMARY_FILE as CATALOG_SUMMARY
from qvh_migration.specs.files import TARGET_FIELDS_FILE, TARGET_TABLES_FILE

MANIFEST_FILE = "manifest.json"
HISTORY_DIR = "history"
PACK_FILES = ("index.html", "evidence.json")
FORMAT = 1
# What a pack summarises: per stage folder of the data folder, file names or glob patterns. Only files
# written before the pack in a dry run (its upstream): a later step would make a fresh pack fail.
SUMMARISED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("catalogs", (CATALOG_SUMMARY, TARGET_TABLES_FILE, TARGET_FIELDS_FILE)),
    ("extracts", (EXTRACTS_MANIFEST, "*.parquet")),
    ("mapping", (CONTRACT_CSV, CROSSWALKS_CSV, CHANGES_CSV, CHANGES_JSON)),
    ("target", (LOAD_SUMMARY_FILE, "staging.json", "tables/*.parquet", "rejects/*.parquet", "summary/*.csv")),
    ("gates", (DECISION_FILE, GATE_SUMMARY_FILE)),
    (
        "reports",
        (
            er.RECONCILIATION_FILE,
            er.PARITY_FILE,
            er.BANDS_FILE,
            er.WAITING_SUMMARY_FILE,
            er.TRIAL_SUMMARY_FILE,
            er.TRIAL_PATIENTS_FILE,
            *er.TRIAL_COMPARISON_FILES,
            er.DELTAS_FILE,
            er.RUNS_INDEX.as_posix(),
            RESULTS_FILE,
            SUMMARY_FILE,
        ),
    ),
)


def summarised_files(data_dir: Path) -> list[str]:
    """The summarised files present in the data folder, as sorted paths relative to it."""
    found = set()
    for stage, patterns in SUMMARISED:
        for pattern in patterns:
            found.update(p for p in (Path(data_dir) / stage).glob(pattern) if p.is_file())
    return sorted(p.relative_to(data_dir).as_posix() for p in found)


def _hashes(root: Path, names: list[str] | tuple[str, ...]) -> dict[str, str]:
    return {name: content_sha256(root / name) for name in names if (root / name).is_file()}


def _link_or_copy(source: str, target: str) -> None:
    """A hard link where the file system allows one (the history is carried into every new pack folder)."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        shutil.copy2(source, target)


def write_manifest(
    staging: Path, evidence_dir: Path, data_dir: Path, *, run_id: str | None, generated_at: str
) -> dict[str, Any]:
    """Chain the pack built in ``staging`` (about to replace ``evidence_dir``) to the pack there now.

    The current pack moves into the history with the history before it; the new manifest records the
    artifacts, the new pack's files and the link to the current pack's manifest.
    """
    previous_path = evidence_dir / MANIFEST_FILE
    if (evidence_dir / HISTORY_DIR).is_dir():
        shutil.copytree(evidence_dir / HISTORY_DIR, staging / HISTORY_DIR, copy_function=_link_or_copy)
    # Without a manifest beside the current pack the chain restarts, numbered after the packs kept.
    previous, sequence = None, _count_history(staging) + 1
    if previous_path.is_file():
        before = _read_manifest(previous_path) or {}  # unreadable: linked all the same, verify names it
        sequence = _sequence(before, _count_history(staging) + 1) + 1
        run = str(before.get("run_id") or "no-run")[:8]
        name = _free_name(staging / HISTORY_DIR, f"{sequence - 1:04d}-{run}")
        archive = staging / HISTORY_DIR / name
        archive.mkdir(parents=True)
        for file in (MANIFEST_FILE, *PACK_FILES):
            if (evidence_dir / file).is_file():
                _link_or_copy(str(evidence_dir / file), str(archive / file))
        previous = {"manifest": f"{HISTORY_DIR}/{name}/{MANIFEST_FILE}", "sha256": content_sha256(previous_path)}
    manifest = {
        "format": FORMAT,
        "sequence": sequence,
        "run_id": run_id,
        "generated_at": generated_at,
        "artifacts": _hashes(Path(data_dir), summarised_files(data_dir)),
        "pack": _hashes(staging, PACK_FILES),
        "previous": previous,
        # The chain as found when this pack was written: a break before it stays on record.
        "previous_chain": _restart_note(sequence)
        if previous is None
        else (chain_problem(staging, {"previous": previous}, "this pack") or "verified"),
    }
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _sequence(manifest: dict[str, Any], fallback: int) -> int:
    try:
        return int(manifest["sequence"])
    except (KeyError, TypeError, ValueError):
        return fallback


def _restart_note(sequence: int) -> str:
    if sequence == 1:
        return "none (first pack)"
    return f"restarted: no manifest beside the previous pack; {sequence - 1} earlier pack(s) under history/ not linked"


def _free_name(history: Path, name: str) -> str:
    """``name``, or ``name-2``, ... when a chain restarted (its head manifest deleted) already used it."""
    candidate, number = name, 1
    while (history / candidate).exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _count_history(folder: Path) -> int:
    history = folder / HISTORY_DIR
    return sum(1 for p in history.iterdir() if p.is_dir()) if history.is_dir() else 0


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return manifest if isinstance(manifest, dict) else None


class TrailBroken(Exception):
    """The first file or link of the trail that does not match; the message is one line."""


def _check_files(root: Path, recorded: object, owner: str, shown: Path) -> int:
    """Each recorded file of ``root`` against its SHA-256; returns how many were checked."""
    if not isinstance(recorded, dict):
        raise TrailBroken(f"{owner}: not an evidence manifest (no file list)")
    for name, sha in sorted(recorded.items()):
        path = root / name
        label = (shown / name).as_posix()
        if not path.is_file():
            raise TrailBroken(f"{label}: missing (recorded in {owner})")
        if content_sha256(path) != sha:
            raise TrailBroken(f"{label}: SHA-256 does not match {owner} (the file changed after the pack)")
    return len(recorded)


def _load(path: Path, label: str) -> dict[str, Any]:
    if not path.is_file():
        raise TrailBroken(f"{label}: missing")
    manifest = _read_manifest(path)
    if manifest is None or manifest.get("format") != FORMAT:
        raise TrailBroken(f"{label}: not an evidence manifest (unreadable JSON or unknown format)")
    return manifest


def _chain(evidence_dir: Path, head: dict[str, Any], head_label: str, shown: Path) -> Iterator[str]:
    """Follow the links from ``head``, checking each earlier pack's files; yields each manifest reached."""
    seen: set[str] = set()
    manifest, label = head, head_label
    while manifest.get("previous"):
        link = manifest["previous"]
        relative = str(link.get("manifest") or "") if isinstance(link, dict) else ""
        path = evidence_dir / relative
        target = (shown / relative).as_posix()
        if not relative or relative in seen or Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise TrailBroken(f"{label}: the link to the previous pack is not a manifest under history/")
        seen.add(relative)
        if not path.is_file():
            raise TrailBroken(f"{target}: missing (the previous pack that {label} links to)")
        if content_sha256(path) != link.get("sha256"):
            raise TrailBroken(f"{target}: SHA-256 does not match the link in {label}")
        manifest, label = _load(path, target), target
        _check_files(path.parent, manifest.get("pack"), label, Path(target).parent)
        yield label
    if manifest.get("sequence") != 1:
        raise TrailBroken(
            f"{label}: links to no previous pack but is pack {manifest.get('sequence')} "
            "(the chain was restarted: an earlier manifest went missing)"
        )


def chain_problem(evidence_dir: Path, head: dict[str, Any], label: str) -> str | None:
    """The first broken link or earlier pack file behind ``head`` (None when the chain is intact)."""
    try:
        for _ in _chain(evidence_dir, head, label, Path()):
            pass
    except TrailBroken as exc:
        return str(exc)
    return None


def verify_trail(data_dir: Path, evidence_dir: Path) -> dict[str, Any]:
    """Recompute everything the head manifest records and follow the chain to the first pack.

    Raises ``TrailBroken`` naming the first mismatch; returns the counts and the head's SHA-256.
    """
    shown = evidence_dir.relative_to(data_dir) if evidence_dir.is_relative_to(data_dir) else evidence_dir
    head_label = (shown / MANIFEST_FILE).as_posix()
    head = _load(evidence_dir / MANIFEST_FILE, head_label)
    artifacts = head.get("artifacts")
    checked = _check_files(Path(data_dir), artifacts, head_label, Path())
    unrecorded = sorted(set(summarised_files(data_dir)) - set(artifacts))
    if unrecorded:
        raise TrailBroken(f"{unrecorded[0]}: not recorded in {head_label} (written after the pack)")
    checked += _check_files(evidence_dir, head.get("pack"), head_label, shown)
    earlier = list(_chain(evidence_dir, head, head_label, shown))
    return {
        "packs": 1 + len(earlier),
        "files": checked,
        "head_sha256": content_sha256(evidence_dir / MANIFEST_FILE),
        "sequence": head.get("sequence"),
    }
