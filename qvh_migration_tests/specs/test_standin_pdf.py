"""The stand-in guide renders a synthetic catalog that the real reader reads back unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.specs.altera_pdf import read_target_guide
from qvh_migration.specs.standin_pdf import COLUMN_WIDTHS, PADDING, render_target_guide, wrap_name

LONG_NAME = "REFERRAL_OUTCOME_ENCOUNTER_NUMBER"
FIELD_FACTS = [
    "table_name",
    "field_order",
    "field_name",
    "data_type",
    "length",
    "code_type",
    "code_type_name",
    "loaded_into",
]
TABLE_FACTS = [
    "table_name",
    "functional_area",
    "creates_records_in",
    "loader_package",
    "parent_links",
    "load_order",
    "field_count",
]


def _field(
    table: str,
    name: str,
    data_type: str = "VARCHAR2",
    length: int | None = 30,
    *,
    code: tuple[str, str] = ("", ""),
    loaded: str = "",
    comment: str = "",
) -> dict:
    return {
        "table_name": table,
        "field_name": name,
        "data_type": data_type,
        "length": length,
        "code_type": code[0],
        "code_type_name": code[1],
        "loaded_into": loaded,
        "comment": comment or f"Synthetic {name.lower()} value.",
    }


def _keys(table: str) -> list[dict]:
    return [
        _field(table, "RECORD_NUMBER", "NUMBER", 42, comment="Row key of this extract."),
        _field(table, "SYSTEM_CODE", length=10, code=("10599", "Dataload System")),
        _field(table, "EXTERNAL_SYSTEM_ID", length=100),
    ]


def _catalog() -> tuple[pd.DataFrame, pd.DataFrame]:
    alpha = [
        *_keys("LOAD_ALPHA"),
        _field("LOAD_ALPHA", "DATE_OF_ARRIVAL", "DATE", None, loaded="ALPHA_MASTER.arrived_on"),
        _field("LOAD_ALPHA", LONG_NAME, "NUMBER", 42, loaded="ALPHA_MASTER.outcome_id"),
        _field(
            "LOAD_ALPHA",
            "DISCHARGE_METHOD",
            length=80,
            code=("10046", "Discharge Type"),
            comment='Maps to: code type 10046 "Discharge Type"\nLoaded into ALPHA_MASTER.method',
            loaded="ALPHA_MASTER.method",
        ),
        *[_field("LOAD_ALPHA", f"ATTRIBUTE_{i}", length=20, loaded=f"ALPHA_EXTRA.attribute_{i}") for i in range(1, 10)],
    ]
    beta = [
        *_keys("LOAD_BETA"),
        _field("LOAD_BETA", "ALPHA_RECORD_NUMBER", "NUMBER", 42, comment="Foreign key to LOAD_ALPHA.record_number"),
        _field(
            "LOAD_BETA",
            "SITE",
            length=80,
            code=("10454", "Site Codes"),
            loaded="BETA_MASTER.site_code;BETA_HISTORY.site_code",
        ),
        *[
            _field("LOAD_BETA", f"NOTE_{i}", length=2000, code=("297", "Multiple Note Types"), loaded="NOTES.text")
            for i in range(1, 8)
        ],
    ]
    long_comment = "\n".join(f"Rule {i}: the value is checked against the reference list." for i in range(1, 70))
    gamma = [
        *_keys("LOAD_GAMMA"),
        _field("LOAD_GAMMA", "BETA_RECORD_NUMBER", "NUMBER", 42, comment="Foreign key to LOAD_BETA.record_number"),
        _field("LOAD_GAMMA", "CHECKED_VALUE", length=1, comment=long_comment, loaded="GAMMA_MASTER.checked"),
        _field("LOAD_GAMMA", "DATE_CLOSED", "DATE", 10, loaded="GAMMA_MASTER.closed_on"),
        *[_field("LOAD_GAMMA", f"MEASURE_{i}", "NUMBER", 6) for i in range(1, 6)],
    ]
    fields = pd.DataFrame(alpha + beta + gamma)
    fields["field_order"] = fields.groupby("table_name", sort=False).cumcount() + 1
    fields["length"] = fields["length"].astype("Int64")
    fields["page"] = 0
    tables = pd.DataFrame(
        [
            (
                "LOAD_ALPHA",
                "ALPHA DATA",
                "Synthetic first table.",
                "ALPHA_MASTER;ALPHA_EXTRA",
                "alpha_package.load_alpha",
                "",
            ),
            (
                "LOAD_BETA",
                "ALPHA DATA",
                "Synthetic child table.",
                "BETA_MASTER;BETA_HISTORY;NOTES",
                "alpha_package.load_beta",
                "LOAD_ALPHA.alpha_record_number",
            ),
            (
                "LOAD_GAMMA",
                "GAMMA DATA",
                "Synthetic grandchild table.",
                "GAMMA_MASTER",
                "gamma_package.load_gamma",
                "LOAD_BETA.BETA_RECORD_NUMBER",
            ),
        ],
        columns=[
            "table_name",
            "functional_area",
            "description",
            "creates_records_in",
            "loader_package",
            "parent_links",
        ],
    )
    tables["load_order"] = range(1, 4)
    tables["field_count"] = tables["table_name"].map(fields.groupby("table_name").size())
    return tables, fields[[*FIELD_FACTS, "comment", "page"]]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    tables, fields = _catalog()
    path = tmp_path_factory.mktemp("standin") / "guide.pdf"
    render_target_guide(tables, fields, path)
    return path, tables, fields


def test_round_trip(rendered: tuple[Path, pd.DataFrame, pd.DataFrame]) -> None:
    path, tables, fields = rendered
    guide = read_target_guide(path)
    assert len(fields) == 38
    pd.testing.assert_frame_equal(guide.fields[FIELD_FACTS], fields[FIELD_FACTS], check_dtype=False)
    assert str(guide.fields["length"].dtype) == "Int64"
    pd.testing.assert_frame_equal(guide.tables[TABLE_FACTS], tables[TABLE_FACTS], check_dtype=False)
    assert guide.unplaced.empty and guide.notes.empty


def test_layout_traps_are_present(rendered: tuple[Path, pd.DataFrame, pd.DataFrame]) -> None:
    path, _, _ = rendered
    guide = read_target_guide(path)
    assert wrap_name(LONG_NAME, COLUMN_WIDTHS[2] - 2 * PADDING).count("\n") == 1  # two lines
    tables = guide.tables.set_index("table_name")
    assert guide.page_count > 4
    assert (tables["page_end"] > tables["page_start"]).any()  # a table runs over pages
    pages = guide.fields.set_index("field_name")["page"]
    checked = guide.fields[guide.fields["field_name"] == "CHECKED_VALUE"].iloc[0]
    assert len(checked["comment"].split("\n")) >= 69  # a long row, split over a page break
    assert pages["DATE_CLOSED"] > pages["CHECKED_VALUE"]


def test_rendering_is_deterministic(rendered: tuple[Path, pd.DataFrame, pd.DataFrame], tmp_path: Path) -> None:
    path, tables, fields = rendered
    again = tmp_path / "again.pdf"
    render_target_guide(tables, fields, again)
    assert again.read_bytes() == path.read_bytes()


def test_contradicting_comment_is_refused(tmp_path: Path) -> None:
    tables, fields = _catalog()
    fields.loc[0, "comment"] = 'Maps to: code type 5 "Other"'
    with pytest.raises(ValueError, match="RECORD_NUMBER"):
        render_target_guide(tables, fields, tmp_path / "bad.pdf")
