"""A throwaway PostgreSQL server from the Debian binaries, for tests of the shared team instance.

PostgreSQL refuses to run as root, so under root (CI) the server runs as the ``postgres`` user
the Debian package creates, in a data folder it owns. Without the binaries the tests skip, except
in CI (``CI`` set), where a missing server is a broken build rather than a reason to skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@contextmanager
def postgres_server() -> Iterator[str]:
    """Starts a server on a free local port; yields a URL to its ``postgres`` database as user ``qvh``."""
    binaries = postgres_bin()
    if binaries is None:
        reason = "PostgreSQL server binaries not installed (Debian package: postgresql)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install them")
        pytest.skip(reason)
    # Outside pytest's tmp folders: those are private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="qvh-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        server_user = pwd.getpwnam("postgres")
        os.chown(root, server_user.pw_uid, server_user.pw_gid)
    port = _free_port()
    try:
        subprocess.run(
            _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "qvh", "--auth=trust", "-E", "UTF8"]),
            check=True,
            capture_output=True,
        )
        options = f"-p {port} -h 127.0.0.1 -k {root}"
        subprocess.run(
            _as_server_user(
                [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield f"postgresql://qvh@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)


def instance_environment(url: str, database: str) -> dict[str, str]:
    """The QVH_DAGSTER_PG_* variables deploy/dagster.yaml reads, for ``database`` on the server at ``url``."""
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.rsplit(":", 1)
    return {
        "QVH_DAGSTER_PG_USER": "qvh",
        "QVH_DAGSTER_PG_PASSWORD": "",
        "QVH_DAGSTER_PG_HOST": host,
        "QVH_DAGSTER_PG_PORT": port,
        "QVH_DAGSTER_PG_DB": database,
    }


def wait_for(url: str, timeout: float = 30) -> None:
    """Blocks until the server accepts connections."""
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(url).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def create_database(admin_url: str, name: str) -> str:
    """Creates database ``name`` on the server (once it accepts connections); returns its URL."""
    import psycopg2

    wait_for(admin_url)
    connection = psycopg2.connect(admin_url)
    connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    connection.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"
