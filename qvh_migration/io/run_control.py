"""Control over a whole run: one run per data folder, and a stop signal that stops all of it.

Both exist because a dry run is many Dagster runs in a row. A second run on the same folder
would interleave its artifacts with the first (the first run's evidence pack showing the
second's data), and a Ctrl-C or SIGTERM that Dagster turns into one failed step would let the
loop go on to the next table and publish a staging database of mixed generations.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from qvh_migration.errors import MigrationInputError

LOCK_NAME = ".run.lock"
STOP_SIGNALS = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


class DataFolderBusy(MigrationInputError):
    """Another run holds the data folder."""


class RunInterrupted(Exception):
    """A stop signal arrived: the run stops where it is and publishes nothing further."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(STOP_SIGNALS.get(signal.Signals(signum), f"signal {signum}"))


@contextlib.contextmanager
def data_folder_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``<data_dir>/.run.lock`` for the whole run; a second run is refused, naming the first.

    ``flock`` is released by the kernel when the process dies, so a killed run never leaves a
    stale lock behind (the file stays, harmless, with the last holder's details).
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handle = (data_dir / LOCK_NAME).open("a+", encoding="utf-8")
    except OSError:  # an unwritable folder: the run's pre-flight names it, in its own words
        yield
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DataFolderBusy(
                data_dir, f"in use by another run ({holder}); wait for it to finish or use another --data-dir"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


class StopSignals:
    """Which stop signal reached the process, whichever Python handler (ours or Dagster's) ran.

    Dagster swaps the SIGINT handler during a run and maps SIGTERM onto it, so a handler of ours
    never sees the signal. The wakeup fd is written by the interpreter's C-level handler for
    every signal, before any Python handler runs, so reading it after each Dagster run tells
    whether (and which) stop signal arrived.
    """

    def __init__(self) -> None:
        self._seen: int | None = None
        self._read: socket.socket | None = None

    def __enter__(self) -> StopSignals:
        self._read, self._write = socket.socketpair()
        self._read.setblocking(False)
        self._write.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        # Outside Dagster's runs SIGTERM would kill the process on the spot; raise like Ctrl-C instead.
        self._previous_term = signal.signal(signal.SIGTERM, signal.default_int_handler)
        return self

    def received(self) -> int | None:
        """The first stop signal received so far (``None``: none); still answers after the block ends."""
        if self._read is None or self._read.fileno() == -1:
            return self._seen
        with contextlib.suppress(BlockingIOError):
            while chunk := self._read.recv(64):
                for signum in chunk:
                    if self._seen is None and signum in STOP_SIGNALS:
                        self._seen = signum
        return self._seen

    def check(self) -> None:
        """Raise ``RunInterrupted`` if a stop signal has arrived."""
        signum = self.received()
        if signum is not None:
            raise RunInterrupted(signum)

    def __exit__(self, *_: object) -> None:
        self.received()  # what arrived stays known to the caller's error handling
        signal.set_wakeup_fd(self._previous_fd)
        signal.signal(signal.SIGTERM, self._previous_term)
        self._read.close()
        self._write.close()
