"""The shipped stand-ins parse, with the same readers, to the committed schema facts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration import settings
from qvh_migration.settings import locate_documents
from qvh_migration.specs import catalog_build
from qvh_migration.specs.standins import (
    TARGET_FIELD_FACT_COLUMNS,
    TARGET_TABLE_FACT_COLUMNS,
    build_standins,
    read_facts,
    source_facts,
    target_facts,
)
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR


@pytest.fixture(scope="module")
def facts() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return read_facts()


@pytest.fixture(scope="module")
def standin_source(tmp_path_factory: pytest.TempPathFactory) -> catalog_build.SourceCatalogResult:
    documents = locate_documents(STANDIN_SPEC_DIR)
    assert documents.uses_standins
    return catalog_build.source_catalog(documents, tmp_path_factory.mktemp("catalogs"))


@pytest.fixture(scope="module")
def standin_target(tmp_path_factory: pytest.TempPathFactory) -> catalog_build.TargetCatalogResult:
    return catalog_build.target_catalog(locate_documents(STANDIN_SPEC_DIR), tmp_path_factory.mktemp("catalogs"))


def test_standin_source_catalog_matches_facts(standin_source, facts) -> None:
    source_fact, _, _ = facts
    catalog = standin_source.catalog
    assert len(catalog) == 5387 and catalog["TableName"].nunique() == 417
    pd.testing.assert_frame_equal(source_facts(catalog).reset_index(drop=True), source_fact, check_dtype=False)


def test_standin_word_dictionary_merges_without_conflict(standin_source) -> None:
    assert standin_source.pc60_conflicts.empty
    assert (standin_source.catalog["pc60_description"] != "").all()


def test_standin_target_catalog_matches_facts(standin_target, facts) -> None:
    _, field_fact, table_fact = facts
    parsed_fields, parsed_tables = target_facts(standin_target.fields, standin_target.tables)
    assert len(parsed_fields) == 884 and parsed_tables["table_name"].nunique() == 38
    for column in TARGET_FIELD_FACT_COLUMNS:
        assert parsed_fields[column].astype(str).tolist() == field_fact[column].astype(str).tolist(), column
    for column in TARGET_TABLE_FACT_COLUMNS:
        assert parsed_tables[column].astype(str).tolist() == table_fact[column].astype(str).tolist(), column


def test_standin_and_real_mandatory_classes_agree(standin_target, real_target_guide: Path, tmp_path: Path) -> None:
    real = catalog_build.target_catalog(locate_documents(real_target_guide.parent), tmp_path)
    assert standin_target.fields["mandatory_class"].tolist() == real.fields["mandatory_class"].tolist()


def test_standin_and_real_date_formats_agree(standin_target, real_target_guide: Path, tmp_path: Path) -> None:
    """A date-time field of the real guide is a date-time field of the stand-in: the load formats by it."""
    from qvh_migration.etl.validation import guide_date_format

    real = catalog_build.target_catalog(locate_documents(real_target_guide.parent), tmp_path)
    formats = [guide_date_format(c) for c in standin_target.fields["comment"].fillna("")]
    assert formats == [guide_date_format(c) for c in real.fields["comment"].fillna("")]
    assert formats.count("%d/%m/%Y %H:%M") >= 30


def test_facts_match_the_real_documents(real_source_catalog, real_target_guide: Path, facts) -> None:
    """Guards the committed facts against drifting from the documents they were distilled from."""
    from qvh_migration.specs.altera_pdf import read_target_guide

    source_fact, field_fact, table_fact = facts
    pd.testing.assert_frame_equal(source_facts(real_source_catalog), source_fact, check_dtype=False)
    guide = read_target_guide(real_target_guide)
    fields, tables = target_facts(guide.fields, guide.tables)
    assert fields.astype(str).values.tolist() == field_fact.astype(str).values.tolist()
    assert tables.astype(str).values.tolist() == table_fact.astype(str).values.tolist()


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    built = build_standins(tmp_path)
    for path in built:
        assert path.read_bytes() == (STANDIN_SPEC_DIR / path.name).read_bytes(), path.name


def test_real_names_are_git_ignored() -> None:
    ignored = (settings.PROJECT_ROOT / ".gitignore").read_text()
    for name in (settings.SOURCE_DICTIONARY_NAME, settings.TARGET_GUIDE_NAME, settings.PC60_DICTIONARY_NAME):
        assert name in ignored
