"""Debian's Chromium for the browser tests: required in CI, a reason to skip elsewhere."""

from __future__ import annotations

import os
import shutil

import pytest

# Headless in a container: no sandbox, no GPU, and no calls home.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    """The system Chromium; fails in CI (``CI`` set, where .ci/run installs it) and skips elsewhere."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = "no Chromium on this machine (Debian package: chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
    return found
