"""Checks before the run: one line per problem, nothing started."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from qvh_migration import preflight, settings
from qvh_migration.defs.extracts import synthetic_parameter_problems
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR


def _plan(tmp_path: Path, **changes: object) -> preflight.RunPlan:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "spec_dir": STANDIN_SPEC_DIR,
        "crosswalk_dir": settings.PROJECT_ROOT / "crosswalks",
        "rules_dir": settings.default_rules_dir(),
    }
    return preflight.RunPlan(**{**values, **changes})  # type: ignore[arg-type]


def test_a_good_plan_has_no_problems(tmp_path: Path) -> None:
    assert preflight.run_problems(_plan(tmp_path)) == []
    assert (tmp_path / "data").is_dir() and not list((tmp_path / "data").iterdir())  # the probe is gone


def test_half_sets_of_documents_name_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / settings.SOURCE_DICTIONARY_NAME).write_bytes(b"x")
    assert preflight.spec_folder_problem(tmp_path) == (
        f'incomplete set of real documents: "{settings.TARGET_GUIDE_NAME}" not found'
    )
    standins = tmp_path / "standins"
    standins.mkdir()
    shutil.copy(STANDIN_SPEC_DIR / settings.STANDIN_TARGET_GUIDE_NAME, standins)
    assert preflight.spec_folder_problem(standins) == (
        f'incomplete set of stand-in documents: "{settings.STANDIN_SOURCE_DICTIONARY_NAME}", '
        f'"{settings.STANDIN_PC60_DICTIONARY_NAME}" not found'
    )
    assert "requirement spec folder not found" in str(preflight.spec_folder_problem(tmp_path / "nowhere"))


def test_every_problem_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    plan = _plan(
        tmp_path, data_dir=blocker / "data", crosswalk_dir=tmp_path / "none", rules_dir=tmp_path,
        extract_kind="files", extract_location=str(tmp_path), patients=0, seed=-1,
    )  # fmt: skip
    assert preflight.run_problems(plan, synthetic_parameter_problems) == [
        "--patients: patients must be at least 1, got 0",
        "--seed: seed must be a non-negative integer, got -1",
        f"cannot write to {blocker / 'data'}: {blocker} is a file, not a folder",
        f"{tmp_path}: no <TABLE>.parquet or <TABLE>.csv extracts in the folder",
        f"{tmp_path / 'none'}: crosswalk folder not found",
        f"{tmp_path}: no *.yaml files in the mapping rules folder",
    ]


def test_extract_sources(tmp_path: Path) -> None:
    assert "unknown source 'ftp'" in str(preflight.extract_source_problem("ftp", "x"))
    assert preflight.extract_source_problem("files", "") == "--extracts: files needs a location (files:<path>)"
    bad = tmp_path / "copy.duckdb"
    bad.write_text("not a database")
    assert str(preflight.extract_source_problem("duckdb", str(bad))).startswith(f"{bad}: cannot open as a DuckDB")
    good = tmp_path / "good.duckdb"
    duckdb.connect(str(good)).close()
    assert preflight.extract_source_problem("duckdb", str(good)) is None


def test_catalogs_name_the_folder_problem_without_the_command_line(tmp_path: Path) -> None:
    from qvh_migration.errors import SpecDocumentError
    from qvh_migration.specs import catalog_build

    empty = tmp_path / "spec"
    empty.mkdir()
    with pytest.raises(SpecDocumentError, match="the folder holds neither the real documents") as caught:
        catalog_build.source_catalog(settings.locate_documents(empty), tmp_path)
    assert caught.value.source == str(empty)
    assert settings.STANDIN_TARGET_GUIDE_NAME in str(caught.value) and settings.TARGET_GUIDE_NAME in str(caught.value)


def test_a_rules_file_that_would_not_be_read_stops_the_run(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "LOAD_SITES.yaml").write_text("table: LOAD_SITES\n", encoding="utf-8")
    (rules / "LOAD_PMI.yml").write_text("table: LOAD_PMI\n", encoding="utf-8")
    problems = preflight.run_problems(_plan(tmp_path, rules_dir=rules))
    assert problems == [
        f"{rules / 'LOAD_PMI.yml'}: not read: a rules file must be named <LOAD_TABLE>.yaml "
        "(rename it or move it out of the folder)"
    ]


@pytest.mark.parametrize("port", ["1", "55x99"])
def test_a_source_url_with_an_at_in_its_password_is_one_line_without_it(tmp_path: Path, port: str) -> None:
    url = f"postgresql://migrator:Pl4nted@Secret@127.0.0.1:{port}/legacy"
    problems = preflight.run_problems(_plan(tmp_path, extract_kind="sql", extract_location=url))
    assert len(problems) == 1 and len(problems[0].splitlines()) == 1
    assert "Pl4nted" not in problems[0] and "Secret" not in problems[0]


def test_real_documents_without_the_pc60_dictionary_are_noted_not_refused(tmp_path: Path) -> None:
    for name in (settings.SOURCE_DICTIONARY_NAME, settings.TARGET_GUIDE_NAME):
        (tmp_path / name).write_bytes(b"x")
    assert preflight.spec_folder_problem(tmp_path) is None
    note = preflight.missing_pc60_note(tmp_path)
    assert note is not None and "\n" not in note
    assert note.startswith(f'note: no PC60 Word dictionary ("{settings.PC60_DICTIONARY_NAME}") in {tmp_path}; ')
    assert "no PC60 descriptions or data types" in note and "not cross-checked against PC60" in note
    (tmp_path / settings.PC60_DICTIONARY_NAME).write_bytes(b"x")
    assert preflight.missing_pc60_note(tmp_path) is None
    assert preflight.missing_pc60_note(STANDIN_SPEC_DIR) is None  # the stand-ins include their docx
