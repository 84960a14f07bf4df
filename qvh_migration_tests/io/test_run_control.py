"""One run per data folder, and a stop signal that stops the whole run (not one Dagster step)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qvh_migration import cli
from qvh_migration.io.run_control import DataFolderBusy, RunInterrupted, StopSignals, data_folder_lock


def test_a_second_run_on_the_same_folder_is_refused_naming_the_first(tmp_path: Path) -> None:
    busy = rf"in use by another run \(pid {os.getpid()}, started "
    with data_folder_lock(tmp_path), pytest.raises(DataFolderBusy, match=busy), data_folder_lock(tmp_path):
        pass
    with data_folder_lock(tmp_path):  # released when the first run ended
        pass


def test_the_cli_refuses_a_busy_folder_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data_dir = tmp_path / "data"
    with data_folder_lock(data_dir):
        assert cli.main(["dry-run", "--data-dir", str(data_dir), "--patients", "20"]) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"cannot start: {data_dir}: in use by another run (pid {os.getpid()}, " + out[0].split(", ", 1)[1]]


def test_sigterm_is_known_even_when_another_handler_swallowed_it() -> None:
    """Dagster replaces the SIGINT handler during a run and maps SIGTERM onto it: the wakeup fd still tells."""
    with StopSignals() as stops:
        previous = signal.signal(signal.SIGTERM, lambda *_: None)  # a handler that hides the signal
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
        finally:
            signal.signal(signal.SIGTERM, previous)
        with pytest.raises(RunInterrupted) as stopped:
            stops.check()
    assert stopped.value.exit_code == 143
    assert stops.received() == signal.SIGTERM  # still known after the block


def test_sigterm_outside_a_dagster_run_raises_instead_of_killing() -> None:
    with StopSignals() as stops, pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    assert stops.received() == signal.SIGTERM


@pytest.mark.slow
def test_sigterm_during_the_etl_stops_the_whole_dry_run(tmp_path: Path) -> None:
    """Once, SIGTERM stopped only the current table: the run went on and built staging on mixed tables."""
    data_dir = tmp_path / "data"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "qvh_migration.cli", "dry-run", "--patients", "200", "--data-dir", str(data_dir)]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: list[str] = []
    assert run.stdout is not None
    for line in run.stdout:
        seen.append(line)
        if "target_tables[LOAD_PMI]" in line:
            break
    else:
        pytest.fail("the dry run ended before its first table:\n" + "".join(seen))
    # While it runs, the folder is taken.
    busy = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert busy.returncode == 2 and "in use by another run" in busy.stdout
    run.send_signal(signal.SIGTERM)
    rest, _ = run.communicate(timeout=300)
    assert run.returncode == 143, rest
    assert "dry run stopped by SIGTERM; nothing further was published" in rest
    assert "target_tables[LOAD_ADT_CODING]" not in rest  # the tables after the interrupted one never ran
    assert not (data_dir / "target" / "staging.duckdb").exists()
    assert not (data_dir / "reports" / "evidence" / "index.html").exists()
