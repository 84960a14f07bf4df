"""A non-editable install works away from the checkout: reviewed files and stand-ins travel with it.

Builds the wheel, installs it into a fresh virtual environment (its dependencies are borrowed from
the running one through a path file, so nothing is downloaded), then runs the dry run from an
unrelated folder with only QVH_DATA_DIR set.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from qvh_migration import settings

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _build_wheel(out: Path) -> Path:
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(settings.PROJECT_ROOT)]
    # Offline when the running environment can build it; otherwise pip fetches the build backend.
    if importlib.util.find_spec("wheel") is not None:
        pip.insert(4, "--no-build-isolation")
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot build the wheel here: {done.stderr.strip().splitlines()[-1:]}")
    return next(out.glob("qvh_migration-*.whl"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("install")
    wheel = _build_wheel(root / "wheel")
    venv = root / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))").strip()
    # Dependencies from the running environment; its own (editable) qvh_migration is not on that path.
    (Path(purelib) / "zz_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return venv


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QVH_", "DAGSTER_", "PYTHON"))}
    return {**env, **extra}


def test_installed_package_finds_its_shipped_files(installed: Path, tmp_path: Path) -> None:
    script = (
        "import qvh_migration, qvh_migration.settings as s;"
        "print(qvh_migration.__file__);"
        "[print(p) for p in (s.default_crosswalk_dir(), s.default_spec_dir(), s.default_rules_dir(),"
        " s.default_overrides_file())];"
        "import qvh_migration.scenarios.book as b; print(b.BOOK_DIR)"
    )
    lines = _run(installed / "bin" / "python", "-c", script, cwd=tmp_path, env=_clean_env()).split()
    assert all(line.startswith(str(installed)) for line in lines), lines
    package, crosswalks, spec_dir, rules, overrides, scenarios = map(Path, lines)
    assert len(list(crosswalks.glob("*.csv"))) == len(list((settings.PROJECT_ROOT / "crosswalks").glob("*.csv")))
    assert {p.name for p in spec_dir.iterdir()} >= {"standin_target_migration_guide.pdf"}
    assert not any(p.name.startswith(("Source PAS", "Target PAS")) for p in spec_dir.iterdir())
    assert rules.is_dir() and any(rules.glob("*.yaml")) and overrides.is_file()
    shipped_book = {p.name for p in scenarios.glob("*.yaml")}
    assert shipped_book == {p.name for p in (settings.PACKAGE_DIR / "scenarios" / "book").glob("*.yaml")}
    assert package.parent.parent.name == "site-packages"


def test_dry_run_from_another_folder(installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "artifacts"
    out = _run(
        installed / "bin" / "qvh-migration",
        "dry-run",
        "--patients",
        "200",
        cwd=tmp_path,
        env=_clean_env(QVH_DATA_DIR=str(data)),
    )
    # Checks may fail on the injected defects; the runs themselves must all succeed.
    assert "dry run succeeded" in out and "Traceback" not in out
    run_failures = [line for line in out.splitlines() if "FAILED" in line and "check FAILED" not in line]
    assert not run_failures, run_failures
    assert (data / "mapping" / "mapping_contract.csv").stat().st_size > 0
    assert (data / "mapping" / "crosswalks.csv").stat().st_size > 0
    assert (tmp_path / ".dagster_home").is_dir()  # run history where it was run, not in site-packages
