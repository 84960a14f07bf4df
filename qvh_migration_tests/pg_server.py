"""A throwaway PostgreSQL server from the Debian ``postgresql`` binaries, for tests and the bench.

PostgreSQL refuses to run as root, and CI runs as root: the cluster then belongs to the
``postgres`` system user (created by the Debian package) and every server command runs through
``runuser``. The cluster lives in a fresh folder under /tmp (pytest's own temporary folders are
private to root), listens on 127.0.0.1 at a free port, and asks for a password, so wrong
credentials are a real fault rather than a trust login.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "qvh"
PASSWORD = "qvh-test-password"


def postgres_bin_dir() -> Path | None:
    """The newest installed ``/usr/lib/postgresql/<v>/bin`` holding ``pg_ctl`` (Debian layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres", *, password: str = PASSWORD, schema: str | None = None) -> str:
        options = f"?options=-csearch_path%3D{schema}" if schema else ""
        return f"postgresql://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}{options}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.root)

    def init(self) -> None:
        password_file = self.root / "pwfile"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        self._own(password_file)
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            SUPERUSER,
            "--auth=scram-sha-256",
            f"--pwfile={password_file}",
            "-E",
            "UTF8",
            "--no-locale",
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    @classmethod
    def create(cls, bin_dir: Path) -> PostgresServer:
        root = Path(tempfile.mkdtemp(prefix="qvh-pg-"))
        server = cls(bin_dir, root, _free_port())
        server._own(root)
        server.init()
        server.start()
        return server

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by a fault test
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def superuser_available() -> str | None:
    """Why a server cannot be started here (None when it can)."""
    if postgres_bin_dir() is None:
        return "PostgreSQL binaries not installed (Debian package postgresql: /usr/lib/postgresql/<v>/bin)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres system user to own the cluster"
    return None


def create_database(server: PostgresServer, name: str, schemas: tuple[str, ...] = ()) -> None:
    """A fresh database (and schemas in it) on the test server."""
    import psycopg

    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(server.url(name), autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')


def load_extracts(url: str, frames: dict) -> None:
    """Extract frames as text tables (every column TEXT, NULL kept apart from ''), by COPY."""
    import io

    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with psycopg.connect(url) as conn:
        for table, frame in frames.items():
            columns = ", ".join(f'"{c}" TEXT' for c in frame.columns)
            conn.execute(f'CREATE TABLE "{table}" ({columns})')
            buffer = io.BytesIO()
            arrow = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
            pacsv.write_csv(arrow, buffer, write_options=pacsv.WriteOptions(include_header=False))
            names = ", ".join(f'"{c}"' for c in frame.columns)
            with conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN (FORMAT csv)') as copy:
                copy.write(buffer.getvalue())
