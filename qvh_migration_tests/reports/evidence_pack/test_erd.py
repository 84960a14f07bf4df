"""The staging tables' diagram: every table a box, every parent link an edge, columns by depth."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pandas as pd

from qvh_migration.etl import load_order
from qvh_migration.reports.evidence_pack import erd
from qvh_migration_tests.reports.conftest import FACTS

SVG = "{http://www.w3.org/2000/svg}"


def _facts() -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = pd.read_csv(FACTS / "target_tables.csv", dtype=str, keep_default_na=False)
    fields = pd.read_csv(FACTS / "target_fields.csv", dtype=str, keep_default_na=False)
    return tables, fields.assign(field_order=fields["field_order"].astype(int))


def test_every_table_is_a_box_and_every_parent_link_an_edge() -> None:
    tables, fields = _facts()
    diagram = erd.layout(tables, fields)
    svg = ET.fromstring(erd.render_svg(diagram))
    boxes = {g.get("data-table") for g in svg.iter(f"{SVG}g") if g.get("class") == "erd-table"}
    assert len(boxes) == 38 and boxes == set(tables["table_name"])
    edges = {
        (p.get("data-child"), p.get("data-parent")) for p in svg.iter(f"{SVG}path") if p.get("class") == "erd-edge"
    }
    # The diagram draws the printed parent links (not the other waits of the load order).
    links = load_order.from_catalog(tables).parents
    expected = {(child, parent) for child, parents in links.items() for parent in parents}
    assert expected and edges == expected


def test_children_stand_right_of_their_parents() -> None:
    diagram = erd.layout(*_facts())
    boxes = diagram.boxes
    for edge in diagram.edges:
        assert boxes[edge.child].depth > boxes[edge.parent].depth
        assert boxes[edge.child].x > boxes[edge.parent].x
    assert boxes["LOAD_PMI"].depth == 0 and boxes["LOAD_PMIIDS"].depth == 1
    assert boxes["LOAD_ADT_WARDSTAYS"].depth == boxes["LOAD_ADT_EPISODES"].depth + 1


def test_boxes_show_record_number_and_parent_keys() -> None:
    diagram = erd.layout(*_facts())
    keys = {k.upper() for k in diagram.boxes["LOAD_RTT_PERIODS"].key_fields}
    assert {"RECORD_NUMBER", "LOADRTTPWY_RECORD_NUMBER", "LOADREF_RECORD_NUMBER"} <= keys
    assert "RTTPWY_RECNO_OUT_ENCOUNTER" in {k.upper() for k in diagram.boxes["LOAD_OPDWAITLIST"].key_fields}
    # Boxes in one column never overlap.
    for depth in {b.depth for b in diagram.boxes.values()}:
        column = sorted((b for b in diagram.boxes.values() if b.depth == depth), key=lambda b: b.y)
        assert all(a.y + a.height < b.y for a, b in itertools.pairwise(column))


def test_layout_is_deterministic_and_tolerates_unknown_parents_and_cycles() -> None:
    tables, fields = _facts()
    assert erd.render_svg(erd.layout(tables, fields)) == erd.render_svg(erd.layout(tables.iloc[::-1], fields))
    odd = pd.DataFrame(
        {
            "table_name": ["LOAD_A", "LOAD_B"],
            "load_order": ["1", "2"],
            "parent_links": ["LOAD_B.B_RECORD_NUMBER;LOAD_GONE.X", "LOAD_A.A_RECORD_NUMBER;LOAD_B.SELF"],
        }
    )
    diagram = erd.layout(odd, pd.DataFrame(columns=["table_name", "field_order", "field_name"]))
    assert set(diagram.boxes) == {"LOAD_A", "LOAD_B"}
    assert {(e.child, e.parent) for e in diagram.edges} == {("LOAD_A", "LOAD_B"), ("LOAD_B", "LOAD_A")}
    ET.fromstring(erd.render_svg(diagram))
