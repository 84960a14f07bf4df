"""Lint and formatting are part of the build: CI fails as soon as either drifts."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from qvh_migration import settings


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["ruff check", "ruff format"])
def test_ruff_is_clean(command: list[str]) -> None:
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is a dev dependency")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
