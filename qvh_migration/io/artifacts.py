"""Atomic artifact writers: write beside the target, then rename.

A failed or interrupted run therefore leaves the previous good file in place, and readers never
see half a file. Inside ``published_together()`` the renames wait for the end of the block, so a
step's files (a table and its load files, a contract and its workbook) are replaced together, and
only once everything in the block succeeded (a server load committed, say); a failure anywhere in
the block keeps every previous file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)

# (written file, its final path) of the innermost ``published_together`` block, if any.
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("pending_artifacts", default=None)


@contextmanager
def atomic_path(path: Path, *, unchanged: Callable[[Path, Path], bool] | None = None) -> Iterator[Path]:
    """Yield a temporary path in the same folder; rename onto ``path`` only on success.

    ``unchanged(new, old)`` True keeps the old file untouched (same content, so no rewrite).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if unchanged and tmp.exists() and path.exists() and unchanged(tmp, path):
            return
        if tmp.exists():
            # mkstemp creates 0600; artifacts are meant to be read by the team.
            os.chmod(tmp, 0o666 & ~_UMASK)
        pending = _PENDING.get()
        if pending is None:
            os.replace(tmp, path)
        else:
            pending.append((tmp, path))
    finally:
        if tmp.exists() and not any(tmp == waiting for waiting, _ in _PENDING.get() or []):
            tmp.unlink()


@contextmanager
def published_together() -> Iterator[None]:
    """Files written atomically inside the block are renamed into place at its end, all of them, and
    only when the block succeeds; otherwise none is (a nested block publishes with the outer one)."""
    if _PENDING.get() is not None:
        yield
        return
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
        _PENDING.reset(token)
        token = None
        for tmp, path in pending:
            os.replace(tmp, path)
    finally:
        if token is not None:
            _PENDING.reset(token)
        for tmp, _ in pending:
            if tmp.exists():
                tmp.unlink()


def same_workbook(new: Path, old: Path) -> bool:
    """Two xlsx files with the same content: every part equal but the creation time in docProps/core.xml."""
    try:
        with zipfile.ZipFile(new) as a, zipfile.ZipFile(old) as b:
            names = sorted(set(a.namelist()) | set(b.namelist()))
            return all(
                name in a.namelist() and name in b.namelist() and a.read(name) == b.read(name)
                for name in names
                if name != "docProps/core.xml"
            )
    except (OSError, zipfile.BadZipFile, KeyError):
        return False


def write_atomically(
    path: Path, writer: Callable[[Path], Any], *, unchanged: Callable[[Path, Path], bool] | None = None
) -> Path:
    with atomic_path(path, unchanged=unchanged) as tmp:
        writer(tmp)
    return path


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_atomically(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    return write_atomically(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(payload: Any, path: Path) -> Path:
    text = json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n"
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@contextmanager
def atomic_directory(path: Path) -> Iterator[Path]:
    """Build a whole folder of files aside, then swap it in (the old folder survives a failure).

    The folder is owned by the caller: files in it that the new build does not produce go with it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    # mkdtemp makes it private; an artifact folder is a normal one.
    os.chmod(staging, 0o777 & ~_UMASK)
    try:
        yield staging
        _swap_in(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _swap_in(staging: Path, path: Path) -> None:
    """Replace ``path`` by ``staging`` with renames; put the old folder back if that fails."""
    if not path.exists():
        os.replace(staging, path)
        return
    backup = path.with_name(f".{path.name}.old")
    if backup.exists():
        shutil.rmtree(backup)
    os.replace(path, backup)
    try:
        os.replace(staging, path)
    except BaseException:
        os.replace(backup, path)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def content_sha256(path: Path) -> str:
    """SHA-256 of one file's bytes (what a manifest records, so anyone can check it with sha256sum)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_digest(*paths: Path | None) -> str:
    """Content hash over documents; the key for reusing a previous parse."""
    digest = hashlib.sha256()
    for path in paths:
        if path is None:
            digest.update(b"<none>")
            continue
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
