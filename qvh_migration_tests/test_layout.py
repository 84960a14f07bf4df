"""The package layout holds: only the generator's own package and the Dagster module that wires it
import ``qvh_migration.mock``; everything else takes legacy facts from ``qvh_migration.legacy``; each
stage names its files in its one ``files.py``, and one record holds a run's stage folders."""

from __future__ import annotations

import ast
import re
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


# The load order and parent links are read in one module; the specs package makes the catalog (and its
# Dagster asset previews it), and the trial comparison's reference evaluator reads it on its own on
# purpose (it must not call ETL code).
# The entity diagram draws the parent links as the guide prints them (it orders nothing).
LOAD_ORDER_READERS = {
    PACKAGE / "etl" / "load_order.py",
    PACKAGE / "defs" / "specs.py",
    PACKAGE / "reports" / "trial_comparison" / "trial_comparison.py",
    PACKAGE / "reports" / "evidence_pack" / "erd.py",
}
LOAD_ORDER_FACTS = {"load_order", "parent_links", "target_tables.csv"}


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }


def test_only_the_load_order_module_reads_the_load_order() -> None:
    readers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if (PACKAGE / "specs") not in path.parents
        and path not in LOAD_ORDER_READERS
        and _string_constants(path) & LOAD_ORDER_FACTS
    }
    assert readers == set()


# The load-order rule (wait, hold back, load) is applied by one module of the Dagster layer, the load
# batch every path launches; the rerun command applies it to one table and its descendants in-process.
RULE = {"decide", "held_back", "load_parents_first"}
RULE_APPLIERS = {
    PACKAGE / "etl" / "load_order.py",
    PACKAGE / "defs" / "load_batch.py",
    PACKAGE / "cli_rerun.py",
}


def _rule_calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("load_order")
        for alias in node.names
        if alias.name in RULE
    }
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in RULE:
                calls.add(func.attr)
            elif isinstance(func, ast.Name) and func.id in imported:
                calls.add(func.id)
    return calls


def test_one_module_of_the_dagster_layer_applies_the_load_order_rule() -> None:
    appliers = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py") if p not in RULE_APPLIERS and _rule_calls(p)}
    assert appliers == set()
    assert _rule_calls(PACKAGE / "defs" / "load_batch.py")  # the test would see a call


# The stages in the order data flows through them: a stage may import an earlier one, never a later
# one (the scenario book and the reports both judge the loaded tables, so they share a rank).
STAGE_RANK = {"legacy": 0, "specs": 1, "extracts": 2, "mapping": 3, "etl": 4, "gates": 5, "scenarios": 6, "reports": 6}
# The command line and the Definitions sit above the Dagster layer; every other module below it.
ABOVE_DAGSTER = {"cli", "cli_plan", "cli_rerun", "definitions", "defs"}


def _edges() -> list[tuple[str, str, str]]:
    """(module, its layer, the qvh_migration layer it imports) for every import inside the package."""
    edges = []
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).parts
        layer = parts[0] if len(parts) > 1 else path.stem
        for name in _imports(path):
            if name.startswith("qvh_migration."):
                edges.append((str(path.relative_to(PACKAGE)), layer, name.split(".")[1]))
    return edges


def test_no_stage_imports_a_later_stage() -> None:
    back = [
        (module, imported)
        for module, layer, imported in _edges()
        if layer in STAGE_RANK and imported in STAGE_RANK and STAGE_RANK[imported] > STAGE_RANK[layer]
    ]
    assert back == []


def test_only_the_command_line_and_definitions_reach_the_dagster_layer() -> None:
    up = [
        (module, imported)
        for module, layer, imported in _edges()
        if imported in ("defs", "definitions") and layer not in ABOVE_DAGSTER
    ]
    up += [(module, imported) for module, layer, imported in _edges() if layer == "defs" and imported == "definitions"]
    assert up == []


def test_stages_do_not_import_the_command_lines_preflight() -> None:
    assert [(m, i) for m, layer, i in _edges() if layer in STAGE_RANK and i == "preflight"] == []


def test_the_generator_takes_facts_from_legacy_not_from_later_stages() -> None:
    later = {"specs", "extracts", "mapping", "etl", "gates", "scenarios", "reports", "defs", "definitions"}
    assert [(m, i) for m, layer, i in _edges() if layer == "mock" and i in later] == []


# Each stage folder under the data folder and the package whose files.py names, writes and reads it.
STAGE_PACKAGE_OF_FOLDER = {
    "catalogs": "specs",
    "extracts": "extracts",
    "mapping": "mapping",
    "target": "etl",
    "gates": "gates",
    "reports": "reports",
}
# The role's former module names: none may come back beside files.py.
FORMER_FILES_MODULES = {"catalogs", "store", "artifacts", "run", "stage", "run_files"}


def test_every_stage_folder_has_its_package() -> None:
    assert set(STAGE_PACKAGE_OF_FOLDER) == set(settings.STAGE_FOLDERS)


def test_each_stage_names_its_files_in_one_files_module() -> None:
    for package in STAGE_PACKAGE_OF_FOLDER.values():
        found = sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / package).rglob("files.py"))
        assert found == [f"{package}/files.py"], package


def test_no_stage_keeps_a_former_name_of_its_files_module() -> None:
    former = sorted(
        str(path.relative_to(PACKAGE))
        for package in STAGE_PACKAGE_OF_FOLDER.values()
        for path in (PACKAGE / package).rglob("*.py")
        if path.stem in FORMER_FILES_MODULES
    )
    assert former == []


def test_one_record_of_the_stage_folders() -> None:
    records = [
        f"{path.relative_to(PACKAGE)}: {match}"
        for path in PACKAGE.rglob("*.py")
        for match in re.findall(r"^class (\w*Folders)\b", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    ]
    assert records == ["io/run_folders.py: RunFolders"]
