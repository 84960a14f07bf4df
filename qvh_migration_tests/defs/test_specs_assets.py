"""End-to-end: the specs assets materialise, reuse a parse, and fail clearly on bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from qvh_migration import settings
from qvh_migration.defs import specs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration_tests.conftest import REAL_SPEC_DIR

SPECS_ASSETS = [specs.source_catalog, specs.target_catalog, specs.schema_catalog_summary]


def _materialize(spec_dir: Path, data_dir: Path, selection: list | None = None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        selection or SPECS_ASSETS,
        resources={"settings": MigrationSettings(requirement_spec_dir=str(spec_dir), data_dir=str(data_dir))},
        raise_on_error=False,
    )


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dg.ExecuteInProcessResult, Path]:
    if not (REAL_SPEC_DIR / settings.TARGET_GUIDE_NAME).exists():
        pytest.skip("real requirement documents not available")
    data_dir = tmp_path_factory.mktemp("data")
    return _materialize(REAL_SPEC_DIR, data_dir), data_dir


def test_real_documents_materialise_catalog_files(real_run) -> None:
    result, data_dir = real_run
    assert result.success
    catalogs = data_dir / "catalogs"
    for name in ("source_catalog.csv", "target_catalog.csv", "target_tables.csv", "schema_catalog_summary.json"):
        assert (catalogs / name).stat().st_size > 0, name
    summary = json.loads((catalogs / "schema_catalog_summary.json").read_text())
    assert summary["source"]["tables"] == 417 and summary["source"]["fields"] == 5387
    assert summary["target"]["tables"] == 38 and summary["target"]["fields"] == 884
    assert summary["documents"]["documents"] == "real"
    metadata = result.asset_materializations_for_node("target_catalog")[0].metadata
    assert metadata["fields"].value == 884
    assert metadata["mandatory"].value + metadata["conditional"].value + metadata["optional"].value == 884
    assert "dagster/column_schema" in metadata


def test_rematerialising_unchanged_documents_reuses_the_parse(real_run) -> None:
    _, data_dir = real_run
    again = _materialize(REAL_SPEC_DIR, data_dir, [specs.source_catalog, specs.target_catalog])
    assert again.success
    for node in ("source_catalog", "target_catalog"):
        metadata = again.asset_materializations_for_node(node)[0].metadata
        assert metadata["reused_previous_parse"].value is True
        assert metadata["asset_seconds"].value < 5  # generous here; bench/ holds the real target


def _copy_real(tmp_path: Path) -> Path:
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    for name in (settings.SOURCE_DICTIONARY_NAME, settings.TARGET_GUIDE_NAME):
        shutil.copy(REAL_SPEC_DIR / name, spec_dir / name)
    return spec_dir


@pytest.mark.parametrize(
    ("document", "damage", "message"),
    [
        (settings.SOURCE_DICTIONARY_NAME, "truncate", "not a readable xlsx"),
        (settings.TARGET_GUIDE_NAME, "text", "PDF"),
        (settings.TARGET_GUIDE_NAME, "delete", "not found"),
    ],
)
def test_bad_document_fails_clearly_and_keeps_last_good_files(
    real_run, tmp_path: Path, document: str, damage: str, message: str
) -> None:
    _, good_data = real_run
    data_dir = tmp_path / "data"
    shutil.copytree(good_data, data_dir)
    before = {p.name: p.read_bytes() for p in (data_dir / "catalogs").glob("*.csv")}
    spec_dir = _copy_real(tmp_path)
    broken = spec_dir / document
    if damage == "truncate":
        broken.write_bytes(broken.read_bytes()[:30_000])
    elif damage == "text":
        broken.write_text("this is not a PDF")
    else:
        broken.unlink()
    result = _materialize(spec_dir, data_dir)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = failure.event_specific_data.error.message
    assert message in text and "Traceback" not in text
    assert document in text
    after = {p.name: p.read_bytes() for p in (data_dir / "catalogs").glob("*.csv")}
    assert after == before


def test_target_catalog_checks_pass_on_the_real_guide(real_run) -> None:
    result, _ = real_run
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations == {
        "every_table_has_its_fields": True,
        "mandatory_classes_have_evidence": True,
        "parent_links_resolve": True,
    }


def test_target_catalog_check_catches_a_table_without_fields() -> None:
    import pandas as pd

    fields = pd.DataFrame({"table_name": ["LOAD_PMI"], "mandatory_class": ["mandatory"], "mandatory_evidence": [""]})
    tables = pd.DataFrame(
        {
            "table_name": ["LOAD_PMI", "LOAD_PMIIDS"],
            "field_count": [1, 8],
            "resolved_parent_links": ["", "LOAD_PATIENTS.LOADPMI_RECORD_NUMBER"],
        }
    )
    results = {r.check_name: r for r in specs.target_catalog_checks(fields, tables)}
    assert not results["every_table_has_its_fields"].passed
    assert results["every_table_has_its_fields"].metadata["mismatched"].value == "LOAD_PMIIDS"
    assert not results["mandatory_classes_have_evidence"].passed
    assert results["parent_links_resolve"].metadata["unknown_parents"].value == "LOAD_PATIENTS"
