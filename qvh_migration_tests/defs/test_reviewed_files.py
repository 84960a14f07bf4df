"""Reviewed files (crosswalks, curated rules, mandatory overrides) can live in a team's own folder,
chosen by environment variable or by the settings resource, exactly like the crosswalks."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from qvh_migration import settings
from qvh_migration.defs import mapping, specs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR

SETTINGS = {
    settings.CROSSWALK_DIR_ENV: settings.default_crosswalk_dir,
    settings.RULES_DIR_ENV: settings.default_rules_dir,
    settings.OVERRIDES_FILE_ENV: settings.default_overrides_file,
}


@pytest.fixture
def team_repo(tmp_path: Path) -> Path:
    """A copy of the shipped reviewed files, as a team would keep them in its own repository."""
    repo = tmp_path / "team"
    shutil.copytree(settings.default_crosswalk_dir(), repo / "crosswalks")
    shutil.copytree(settings.default_rules_dir(), repo / "rules")
    shutil.copy(settings.default_overrides_file(), repo / "overrides.csv")
    return repo


@pytest.mark.parametrize("variable", SETTINGS)
def test_each_default_follows_its_environment_variable(variable: str, tmp_path: Path, monkeypatch) -> None:
    shipped = SETTINGS[variable]()
    assert shipped.exists() and settings.PROJECT_ROOT in shipped.parents
    monkeypatch.setenv(variable, str(tmp_path))
    assert SETTINGS[variable]() == tmp_path


def test_resource_config_wins_over_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(settings.RULES_DIR_ENV, "/elsewhere")
    chosen = MigrationSettings(rules_dir=str(tmp_path), crosswalk_dir=str(tmp_path), overrides_file=str(tmp_path))
    assert chosen.rules_path() == chosen.crosswalk_path() == chosen.overrides_path() == tmp_path.resolve()
    assert MigrationSettings().rules_path() == Path("/elsewhere")


def _materialise(assets: list, data_dir: Path, **locations: str) -> dg.ExecuteInProcessResult:
    resource = MigrationSettings(requirement_spec_dir=str(STANDIN_SPEC_DIR), data_dir=str(data_dir), **locations)
    return dg.materialize(assets, resources={"settings": resource}, raise_on_error=False)


def _failure(result: dg.ExecuteInProcessResult) -> str:
    assert not result.success
    return next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE").event_specific_data.error.message


def test_contract_uses_the_teams_files(team_repo: Path, tmp_path: Path) -> None:
    """The team's rules are read, not the shipped ones; a table the team's folder leaves out fails the run
    (once, a vanished LOAD_PMI.yaml silently handed all of LOAD_PMI to the matcher's guesses)."""
    rules = team_repo / "rules" / "LOAD_PMI.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("rationale:", "rationale: (team)", 1), encoding="utf-8")
    assets = [
        specs.source_catalog,
        specs.target_catalog,
        mapping.crosswalk_catalog,
        mapping.semantic_mapping_matrix,
        mapping.mapping_contract,
    ]
    locations = {
        "crosswalk_dir": str(team_repo / "crosswalks"),
        "rules_dir": str(team_repo / "rules"),
        "overrides_file": str(team_repo / "overrides.csv"),
    }
    result = _materialise(assets, tmp_path / "data", **locations)
    assert result.success
    contract = pd.read_csv(tmp_path / "data" / "mapping" / "mapping_contract.csv", dtype=str, keep_default_na=False)
    curated = contract[contract["origin"] == "curated"]
    assert curated["rationale"].str.contains("(team)", regex=False).any()
    rules.unlink()  # the team has not curated LOAD_PMI yet
    message = _failure(_materialise(assets, tmp_path / "data2", **locations))
    assert "no curated rules for LOAD_PMI" in message


def test_a_fault_in_the_teams_crosswalk_names_the_teams_file(team_repo: Path, tmp_path: Path, monkeypatch) -> None:
    sex = team_repo / "crosswalks" / "sex.csv"
    sex.write_text(sex.read_text(encoding="utf-8") + "F,2,Female again,\n", encoding="utf-8")
    monkeypatch.setenv(settings.CROSSWALK_DIR_ENV, str(team_repo / "crosswalks"))
    message = _failure(_materialise([mapping.crosswalk_catalog], tmp_path / "data"))
    assert str(sex) in message


def test_a_fault_in_the_teams_overrides_names_the_teams_file(team_repo: Path, tmp_path: Path, monkeypatch) -> None:
    overrides = team_repo / "overrides.csv"
    overrides.write_text(overrides.read_text(encoding="utf-8") + "LOAD_PMI,SURNAME,required,,team\n", encoding="utf-8")
    monkeypatch.setenv(settings.OVERRIDES_FILE_ENV, str(overrides))
    message = _failure(_materialise([specs.target_catalog], tmp_path / "data"))
    assert str(overrides) in message and "required" in message
