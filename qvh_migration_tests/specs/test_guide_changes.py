"""A new guide that drops fields named by reviewed files is reported as a guide change."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pandas as pd

from qvh_migration.defs import specs
from qvh_migration.defs.resources import MigrationSettings
from qvh_migration.specs.guide_changes import check_no_named_field_disappeared, reviewed_references
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR


def _fields(*keys: str) -> pd.DataFrame:
    return pd.DataFrame([key.split(".") for key in keys], columns=["table_name", "field_name"])


def test_only_vanished_fields_that_a_reviewed_file_names_fail() -> None:
    previous = _fields("LOAD_PMI.SEX", "LOAD_PMI.OLD", "LOAD_PMI.UNUSED")
    references = {"LOAD_PMI.OLD": ["rules/LOAD_PMI.yaml", "mandatory_overrides.csv"]}
    check_no_named_field_disappeared(Path("g.pdf"), None, _fields("LOAD_PMI.SEX"), references)  # first parse
    check_no_named_field_disappeared(Path("g.pdf"), previous, _fields("LOAD_PMI.SEX", "LOAD_PMI.old"), references)
    try:
        check_no_named_field_disappeared(Path("g.pdf"), previous, _fields("LOAD_PMI.SEX"), references)
    except Exception as exc:
        assert str(exc) == (
            "g.pdf (compared with the previous target catalog): the guide changed: 2 field(s) of the previous "
            "catalog are gone, 1 of them named by reviewed files: LOAD_PMI.OLD (named in rules/LOAD_PMI.yaml, "
            "mandatory_overrides.csv). Update those files (or restore the guide); the previous catalog is kept"
        )
    else:
        raise AssertionError("a vanished reviewed field passed")


def test_reviewed_references_read_rules_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "LOAD_PMI.yaml").write_text("table: LOAD_PMI\nrules:\n  sex: {class: DIRECT}\n")
    (tmp_path / "broken.yaml").write_text("table: [\n")  # its own loader reports it
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("# reviewed\ntable_name,field_name\nLOAD_IWL,TCI_DATE\n")
    named = reviewed_references(tmp_path, overrides)
    assert set(named) == {"LOAD_PMI.SEX", "LOAD_IWL.TCI_DATE"}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_target_catalog_keeps_the_previous_catalog_when_a_ruled_field_vanishes(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "LOAD_PMI.yaml").write_text(
        "table: LOAD_PMI\nsource_table: PATDATA\nrules:\n  OLD_FIELD: {class: NOT_MIGRATED, rationale: gone}\n"
    )
    resources = {"settings": MigrationSettings(requirement_spec_dir=str(STANDIN_SPEC_DIR),
                                               data_dir=str(tmp_path / "data"), rules_dir=str(rules))}  # fmt: skip
    assert dg.materialize([specs.target_catalog], resources=resources).success
    catalogs = tmp_path / "data" / "catalogs"
    # The previous guide had LOAD_PMI.OLD_FIELD; the current one (the stand-in) does not.
    previous = pd.read_parquet(catalogs / "target_catalog.parquet")
    extra = previous[previous["table_name"] == "LOAD_PMI"].head(1).assign(field_name="OLD_FIELD")
    pd.concat([previous, extra]).to_parquet(catalogs / "target_catalog.parquet", index=False)
    (catalogs / ".target_catalog.digest.json").write_text('{"digest": "an older guide", "page_count": 63}')
    before = _digests(catalogs)
    result = dg.materialize([specs.target_catalog], resources=resources, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = failure.event_specific_data.error.message
    assert (
        "the guide changed: 1 field(s) of the previous catalog are gone, 1 of them named by reviewed files: " in message
    )
    assert f"LOAD_PMI.OLD_FIELD (named in {rules / 'LOAD_PMI.yaml'})" in message
    assert _digests(catalogs) == before
