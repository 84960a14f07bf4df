"""The mapping stage's files are replaced together or not at all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration import settings
from qvh_migration.defs import mapping, specs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.mapping import files as mapping_files
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR

ASSETS = [
    specs.source_catalog,
    specs.target_catalog,
    mapping.crosswalk_catalog,
    mapping.semantic_mapping_matrix,
    mapping.mapping_contract,
    mapping.crosswalk_coverage,
]
STAGE_FILES = (
    mapping_files.CROSSWALKS_CSV,
    mapping_files.COVERAGE_CSV,
    mapping_files.CONTRACT_CSV,
    mapping_files.CONTRACT_XLSX,
    mapping_files.MATRIX_FILE,
    mapping_files.MATRIX_CSV,
)


def _materialise(data_dir: Path, crosswalk_dir: Path) -> dg.ExecuteInProcessResult:
    resource = MigrationSettings(
        requirement_spec_dir=str(STANDIN_SPEC_DIR), data_dir=str(data_dir), crosswalk_dir=str(crosswalk_dir)
    )
    return dg.materialize(ASSETS, resources={"settings": resource}, raise_on_error=False)


def test_a_removed_crosswalk_keeps_every_file_of_the_stage(tmp_path: Path) -> None:
    """``sex.csv`` removed while a curated rule names it: before, crosswalks.csv and the coverage
    were rewritten without it while the contract (which failed) kept it."""
    crosswalk_dir, data_dir = tmp_path / "crosswalks", tmp_path / "data"
    shutil.copytree(settings.default_crosswalk_dir(), crosswalk_dir)
    (data_dir / "extracts").mkdir(parents=True)
    pd.DataFrame({"InternalPatientNumber": ["1", "2"], "Sex": ["M", "X"]}).to_parquet(
        data_dir / "extracts" / "PATDATA.parquet", index=False
    )
    assert _materialise(data_dir, crosswalk_dir).success
    stage = data_dir / mapping_files.STAGE
    before = {name: (stage / name).read_bytes() for name in STAGE_FILES}
    (crosswalk_dir / "sex.csv").unlink()
    result = _materialise(data_dir, crosswalk_dir)
    assert not result.success
    for name, content in before.items():
        assert (stage / name).read_bytes() == content, name
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.step_key == "crosswalk_catalog"  # the stage's first step, before it replaced anything
    message = failure.event_specific_data.error.message.strip()
    assert len(message.splitlines()) == 1 and "'sex'" in message
    assert not [p.name for p in stage.iterdir() if p.name.startswith(".")]


def test_an_unchanged_workbook_is_not_rewritten(tmp_path: Path) -> None:
    crosswalk_dir, data_dir = tmp_path / "crosswalks", tmp_path / "data"
    shutil.copytree(settings.default_crosswalk_dir(), crosswalk_dir)
    assets = ASSETS[:5]
    resource = MigrationSettings(
        requirement_spec_dir=str(STANDIN_SPEC_DIR), data_dir=str(data_dir), crosswalk_dir=str(crosswalk_dir)
    )
    assert dg.materialize(assets, resources={"settings": resource}).success
    workbook = data_dir / mapping_files.STAGE / mapping_files.CONTRACT_XLSX
    os.utime(workbook, (0, 0))  # written long ago
    assert dg.materialize(assets, resources={"settings": resource}).success
    assert workbook.stat().st_mtime == 0


def test_a_code_that_differs_only_in_case_is_named(tmp_path: Path) -> None:
    """``m`` beside ``M``: the lookup is exact, so ``m`` stays unmapped; before, nothing said it was a
    case variant of a crosswalk code."""
    data_dir = tmp_path / "data"
    (data_dir / "extracts").mkdir(parents=True)
    pd.DataFrame({"InternalPatientNumber": ["1", "2", "3"], "Sex": ["M", "m", "Q"]}).to_parquet(
        data_dir / "extracts" / "PATDATA.parquet", index=False
    )
    resource = MigrationSettings(requirement_spec_dir=str(STANDIN_SPEC_DIR), data_dir=str(data_dir))
    assets = [specs.source_catalog, specs.target_catalog, mapping.crosswalk_catalog, mapping.crosswalk_coverage]
    result = dg.materialize(assets, resources={"settings": resource})
    evaluation = next(
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == "all_codes_covered"
    )
    assert evaluation.description == (
        "2 legacy codes without a crosswalk (1 differ from a crosswalk code only in case: m for M in sex): "
        "see mapping/crosswalk_coverage.csv"
    )
