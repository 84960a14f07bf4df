"""`qvh-migration ui` stops with all its children on Ctrl-C (SIGINT) and on SIGTERM."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"qvh-migration ui exited early with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the UI did not listen on port {port} within {seconds} s")


def _running(processes: list[psutil.Process]) -> list[int]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process.pid)
        except psutil.NoSuchProcess:
            pass
    return alive


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_ui_stops_with_its_children(tmp_path: Path, signum: int) -> None:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    ui = subprocess.Popen(
        [str(BIN / "qvh-migration"), "ui", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    children: list[psutil.Process] = []
    try:
        _wait_for_port(port, ui)
        children = psutil.Process(ui.pid).children(recursive=True)
        assert children, "dagster dev should run the webserver and daemon as children"
        ui.send_signal(signum)
        assert ui.wait(timeout=60) == 128 + signum
        deadline = time.monotonic() + 10
        while _running(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _running(children) == []
    finally:
        for process in [psutil.Process(ui.pid), *children] if ui.poll() is None else children:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()


def test_ui_without_an_activated_venv_starts_cleanly(tmp_path: Path) -> None:
    """Run as a user would without `source .venv/bin/activate`: the webserver starts on the project's
    own interpreter, so nothing warns that the virtual environment does not match."""
    port = _free_port()
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != BIN)
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home"), "PATH": path}
    env.pop("VIRTUAL_ENV", None)
    output = tmp_path / "ui.out"
    with output.open("w") as sink:
        ui = subprocess.Popen(
            [str(BIN / "qvh-migration"), "ui", "--port", str(port)], env=env, stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            _wait_for_port(port, ui)
            time.sleep(2)  # the daemon's first lines
        finally:
            ui.send_signal(signal.SIGINT)
            ui.wait(timeout=60)
    text = output.read_text(encoding="utf-8", errors="replace")
    assert f"Serving dagster-webserver on http://127.0.0.1:{port}" in text, text
    assert "virtual environment does not match" not in text.lower(), text
    assert "Warning" not in text, text
