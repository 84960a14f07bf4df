"""Entity-relationship diagram of the staging tables, as inline SVG.

Tables stand in columns by depth (a table with no parent at depth 0, a child one column right of
its deepest parent), in load order inside a column; each box shows the table's name and its key
fields (``RECORD_NUMBER`` and the parent keys), and each edge runs from the child to the parent it
names. The layout depends only on the catalog, so the same guide always draws the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from qvh_migration.etl.load_order import ordered_tables
from qvh_migration.specs.target_links import resolve_parent

BOX_WIDTH = 250
COLUMN_GAP = 90
HEADER = 20
LINE = 14
BOX_GAP = 14
MARGIN = 16
FONT = "font-family:system-ui,sans-serif"


@dataclass(frozen=True)
class Box:
    table: str
    depth: int
    x: int
    y: int
    height: int
    key_fields: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    child: str
    parent: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Diagram:
    boxes: dict[str, Box]
    edges: tuple[Edge, ...]
    width: int
    height: int


def parent_links(tables: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """Each table's parents among the defined tables, with the link columns naming each parent."""
    known = set(tables["table_name"])
    links: dict[str, dict[str, list[str]]] = {}
    for table, text in zip(tables["table_name"], tables["parent_links"].fillna(""), strict=True):
        parents: dict[str, list[str]] = {}
        for link in filter(None, (part.strip() for part in str(text).split(";"))):
            printed, _, column = link.rpartition(".")
            parent = resolve_parent(printed, known)
            # A parent the guide never defines has no box to point at; a self-link is not a relationship.
            if parent in known and parent != table:
                parents.setdefault(parent, []).append(column)
        links[str(table)] = parents
    return links


def depths(order: list[str], links: dict[str, dict[str, list[str]]]) -> dict[str, int]:
    """Depth of each table: 0 without parents, else one more than its deepest parent."""
    depth: dict[str, int] = {}

    def visit(table: str, trail: tuple[str, ...]) -> int:
        if table in depth:
            return depth[table]
        parents = [p for p in links.get(table, {}) if p not in trail]  # a cycle cannot deepen forever
        depth[table] = 1 + max((visit(p, (*trail, table)) for p in parents), default=-1)
        return depth[table]

    for table in order:
        visit(table, ())
    return depth


def key_fields(table: str, fields: pd.DataFrame, link_columns: list[str]) -> tuple[str, ...]:
    """The record number and the parent keys, in the guide's field order."""
    names = fields.loc[fields["table_name"].eq(table)].sort_values("field_order")["field_name"].astype(str)
    wanted = {c.upper() for c in link_columns}
    keys = [n for n in names if n.upper().endswith("RECORD_NUMBER") or n.upper() in wanted]
    return tuple(keys) if keys else ("RECORD_NUMBER",)


def layout(tables: pd.DataFrame, fields: pd.DataFrame) -> Diagram:
    """Place every table (``table_name``, ``load_order``, ``parent_links``) and every parent link."""
    order = ordered_tables(tables)
    ordered = tables.set_index(tables["table_name"].astype(str)).loc[order].reset_index(drop=True)
    links = parent_links(ordered)
    depth = depths(order, links)
    column_heights: dict[int, int] = {}
    boxes: dict[str, Box] = {}
    for table in order:
        columns = [c for cs in links[table].values() for c in cs]
        keys = key_fields(table, fields, columns)
        height = HEADER + LINE * len(keys) + 8
        column = depth[table]
        y = column_heights.get(column, MARGIN)
        boxes[table] = Box(table, column, MARGIN + column * (BOX_WIDTH + COLUMN_GAP), y, height, keys)
        column_heights[column] = y + height + BOX_GAP
    edges = tuple(Edge(child, parent, tuple(cols)) for child in order for parent, cols in links[child].items())
    width = MARGIN * 2 + (max(depth.values(), default=0) + 1) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP
    height = max(column_heights.values(), default=MARGIN) + MARGIN
    return Diagram(boxes, edges, width, height)


def _edge_path(child: Box, parent: Box) -> str:
    start_x, start_y = child.x, child.y + HEADER / 2
    end_x, end_y = parent.x + BOX_WIDTH, parent.y + HEADER / 2
    if parent.depth >= child.depth:  # only when links form a cycle: loop round the right side
        end_x = parent.x
    bend = max(30.0, (start_x - end_x) / 2)
    controls = f"{start_x - bend:.1f},{start_y:.1f} {end_x + bend:.1f},{end_y:.1f}"
    return f"M{start_x},{start_y:.1f} C{controls} {end_x},{end_y:.1f}"


def render_svg(diagram: Diagram) -> str:
    """The diagram as one ``<svg>`` element: boxes (``g.erd-table``) then edges (``path.erd-edge``)."""
    parts = [
        # Scaled to the width it is given (the page's, when printed), its proportions kept by the viewBox.
        f'<svg xmlns="http://www.w3.org/2000/svg" class="erd" role="img" width="100%" '
        f'viewBox="0 0 {diagram.width} {diagram.height}" preserveAspectRatio="xMinYMin meet" '
        'aria-label="Entity-relationship diagram of the staging tables">',
        '<defs><marker id="erd-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
    ]
    for edge in diagram.edges:
        child, parent = diagram.boxes[edge.child], diagram.boxes[edge.parent]
        label = f"{edge.child} → {edge.parent} ({', '.join(edge.columns)})"
        parts.append(
            f'<path class="erd-edge" d="{_edge_path(child, parent)}" fill="none" stroke="#777" stroke-width="1.2" '
            f'marker-end="url(#erd-arrow)" data-child="{escape(edge.child)}" data-parent="{escape(edge.parent)}">'
            f"<title>{escape(label)}</title></path>"
        )
    for box in diagram.boxes.values():
        parts.append(
            f'<g class="erd-table" data-table="{escape(box.table)}" data-depth="{box.depth}">'
            f'<rect x="{box.x}" y="{box.y}" width="{BOX_WIDTH}" height="{box.height}" rx="4" fill="#fff" '
            f'stroke="#0072B2"/><rect x="{box.x}" y="{box.y}" width="{BOX_WIDTH}" height="{HEADER}" rx="4" '
            f'fill="#0072B2"/><text x="{box.x + 6}" y="{box.y + 14}" fill="#fff" '
            f'style="{FONT};font-size:12px;font-weight:600">{escape(box.table)}</text>'
        )
        for index, key in enumerate(box.key_fields):
            marker = "PK" if key.upper() == "RECORD_NUMBER" else "FK"
            parts.append(
                f'<text x="{box.x + 6}" y="{box.y + HEADER + LINE * (index + 1) - 2}" '
                f'style="{FONT};font-size:11px">{marker} {escape(key)}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
