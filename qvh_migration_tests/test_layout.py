"""The package layout holds: only the generator's own package and the Dagster module that wires it
import ``qvh_migration.mock``; everything else takes legacy facts from ``qvh_migration.legacy``."""

from __future__ import annotations

import ast
from pathlib import Path

from qvh_migration import settings

PACKAGE = settings.PACKAGE_DIR
ALLOWED = {PACKAGE / "defs" / "extracts.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_only_the_generator_wiring_imports_mock() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.startswith("qvh_migration.mock"))
        for path in PACKAGE.rglob("*.py")
        if (PACKAGE / "mock") not in path.parents and path not in ALLOWED
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_legacy_facts_do_not_depend_on_the_generator_or_dagster() -> None:
    for path in (PACKAGE / "legacy").rglob("*.py"):
        imported = _imports(path)
        assert not any(n.startswith(("qvh_migration.mock", "dagster")) for n in imported), path.name
