"""The target tables' column descriptions are the guide's own comment on each field, read from the
parsed guide at run time: the stand-in's and the real one's (the real text is never in the repo)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from qvh_migration.etl.load_order import committed
from qvh_migration.settings import locate_documents
from qvh_migration.specs import catalog_build
from qvh_migration.specs.field_descriptions import field_descriptions, running_text
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR


def _words(text: str) -> list[str]:
    # The descriptions only add full stops between lines; everything else is the guide's text.
    return [w.rstrip(".") for w in re.split(r"\s+", text) if w.rstrip(".")]


def test_wrapped_lines_run_on_and_statements_end_with_a_full_stop() -> None:
    comment = "Ward of the stay\nMaps to: code type 7 -\nLoaded into: WARD.code when the ward is\nknown."
    assert running_text(comment) == (
        "Ward of the stay. Maps to: code type 7 - Loaded into: WARD.code when the ward is known."
    )
    assert running_text("") == ""


def test_columns_match_field_names_case_blind() -> None:
    fields = pd.DataFrame({"table_name": ["T", "T"], "field_name": ["Code", "NAME"], "comment": ["A code.", None]})
    assert field_descriptions(fields, "T", ["CODE", "name", "EXTRA"]) == {"CODE": "A code.", "name": "", "EXTRA": ""}


def _check_every_table(fields: pd.DataFrame) -> None:
    for table in committed().tables:
        rows = fields.loc[fields["table_name"] == table]
        described = field_descriptions(fields, table, list(rows["field_name"]))
        for name, comment in zip(rows["field_name"], rows["comment"].fillna(""), strict=True):
            assert _words(described[name]) == _words(str(comment)), f"{table}.{name}"
            assert "\n" not in described[name]


def test_standin_guide_descriptions_are_its_comments(tmp_path: Path) -> None:
    target = catalog_build.target_catalog(locate_documents(STANDIN_SPEC_DIR), tmp_path)
    _check_every_table(target.fields)


def test_real_guide_descriptions_are_the_vendors_comments(real_target_guide: Path, tmp_path: Path) -> None:
    from qvh_migration.specs.altera_pdf import read_target_guide
    from qvh_migration.specs.standins import read_facts, standin_comment

    fields = read_target_guide(real_target_guide).fields
    _check_every_table(fields)
    pmi = fields.loc[fields["table_name"] == "LOAD_PMI"]
    described = field_descriptions(fields, "LOAD_PMI", list(pmi["field_name"]))
    # The vendor's text, not the stand-in's invented one ("<Field name>. Loaded into ...").
    _, facts, _ = read_facts()
    invented = {
        r.field_name: standin_comment(pd.Series(r._asdict())) for r in facts.itertuples() if r.table_name == "LOAD_PMI"
    }
    same = [name for name, text in described.items() if text and text == running_text(invented.get(name, ""))]
    assert len(same) < len(described) / 4, same
    assert sum(bool(text) for text in described.values()) > len(described) / 2
