"""Stand-in for the target migration guide: same layout family, different geometry (A4).

Rendered with reportlab from catalog frames (the reader's output columns; comment text is the
caller's own wording). ``read_target_guide`` reads the result back to the same tables, field
names and order, types, lengths, code types, loaded_into targets and parent links; facts the
caller's comment does not already state are appended as canonical lines, and a comment that
contradicts its row's facts is refused rather than rendered into a guide that reads differently.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from qvh_migration.specs import altera_pdf

MARGIN = 50.0
PADDING = 6.0  # cell padding; section headings sit left of the cell text by this much
BODY_SIZE = 8.0
COLUMN_WIDTHS = (62.0, 44.0, 118.0)  # DATATYPE, LENGTH, NAME; COMMENTS takes the rest
BAND = colors.HexColor("#E4E4F8")  # alternate-row banding only; it means nothing else
RULE = colors.HexColor("#6E78E6")

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=BODY_SIZE, leading=10, splitLongWords=0)
_BOLD = ParagraphStyle("bold", parent=_BODY, fontName="Helvetica-Bold")
_BOX = ParagraphStyle("box", fontName="Helvetica", fontSize=9.5, leading=12, spaceAfter=5, splitLongWords=0)
_HEADING = ParagraphStyle(
    "heading", fontName="Helvetica-Bold", fontSize=11, leading=14, textColor=RULE, spaceBefore=10, spaceAfter=6
)
_TITLE = ParagraphStyle("title", fontName="Helvetica", fontSize=20, leading=26, spaceAfter=18)
_PROSE = ParagraphStyle("prose", fontName="Helvetica", fontSize=10, leading=14, spaceAfter=8)


def _text(value: object) -> str:
    """Cell text; missing values (None, NaN, NA) render as nothing."""
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in text.split("\n")), style)


def wrap_name(name: str, width: float, font: str = "Helvetica", size: float = BODY_SIZE) -> str:
    """Break a name anywhere so each line fits ``width``, as the guide does for long names."""
    lines, current = [], ""
    for char in name:
        if current and stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = ""
        current += char
    return "\n".join([*lines, current])


def _checked_comment(row: pd.Series) -> str:
    """The caller's comment plus any canonical fact lines it lacks; refuses contradictions."""
    comment = _text(row["comment"])
    extra: list[str] = []
    expected_code = (_text(row["code_type"]), _text(row["code_type_name"]))
    if altera_pdf.code_type(comment) != expected_code and expected_code[0]:
        suffix = f' "{expected_code[1]}"' if expected_code[1] else ""
        extra.append(f"Maps to: code type {expected_code[0]}{suffix}")
    expected_targets = _text(row["loaded_into"])
    if altera_pdf.loaded_into(comment, row["field_name"]) != expected_targets:
        extra += [f"Loaded into: {t}" for t in expected_targets.split(";") if t]
    full = "\n".join([comment, *extra]) if comment else "\n".join(extra)
    reads = (altera_pdf.code_type(full), altera_pdf.loaded_into(full, row["field_name"]))
    if reads != (expected_code, expected_targets):
        raise ValueError(
            f"{row['table_name']}.{row['field_name']}: comment reads as {reads}, "
            f"not {(expected_code, expected_targets)}"
        )
    return full


def _link_lines(table: pd.Series, fields: pd.DataFrame, description: str) -> list[str]:
    """ "Linked to P via c" lines so the box states every parent link in the given order."""
    wanted = [link for link in _text(table["parent_links"]).split(";") if link]
    said = {f"{p}.{c}".lower() for p, c in altera_pdf.parse_box(description.split("\n")).links}
    lines = [
        f"Linked to {link.split('.', 1)[0]} via {link.split('.', 1)[1]}." for link in wanted if link.lower() not in said
    ]
    box = altera_pdf.parse_box([*description.split("\n"), *lines])
    records = [
        {"field_name": _text(n), "comment": _text(c)}
        for n, c in zip(fields["field_name"], fields["comment"], strict=True)
    ]
    if altera_pdf.parent_links(box, records) != ";".join(wanted):
        raise ValueError(f"{table['table_name']}: comments imply parent links other than {';'.join(wanted)!r}")
    return lines


def _box(table: pd.Series, fields: pd.DataFrame) -> Table:
    description = _text(table["description"])
    parts: list[Flowable] = [Paragraph(f"<b>TABLE NAME:</b> <i>{escape(str(table['table_name']))}</i>", _BOX)]
    parts += [_para(line, _BOX) for line in description.split("\n") if line.strip()]
    parts += [_para(line, _BOX) for line in _link_lines(table, fields, description)]
    created = [t for t in _text(table["creates_records_in"]).split(";") if t]
    parts += [_para("Creates records in:", _BOX), _para("\n".join(created), _BOX)]
    parts += [_para("Loaded via:", _BOX), _para(_text(table["loader_package"]), _BOX)]
    box = Table([[parts]], colWidths=[300.0], hAlign="LEFT")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black), ("LEFTPADDING", (0, 0), (-1, -1), PADDING)]))
    return box


def _field_table(fields: pd.DataFrame, width: float) -> Table:
    widths = [*COLUMN_WIDTHS, width - sum(COLUMN_WIDTHS)]
    header = [Paragraph(text, _BOLD) for text in altera_pdf.HEADER]
    rows: list[list[Flowable]] = [header]
    for _, row in fields.iterrows():
        if not _text(row["data_type"]):  # the reader starts a row at its DATATYPE text
            raise ValueError(f"{row['table_name']}.{row['field_name']}: no data type")
        length = "" if pd.isna(row["length"]) else str(int(row["length"]))
        rows.append(
            [
                Paragraph(escape(str(row["data_type"])), _BOLD),
                Paragraph(length, _BODY),
                _para(wrap_name(str(row["field_name"]), widths[2] - 2 * PADDING), _BODY),
                _para(_checked_comment(row), _BODY),
            ]
        )
    style = [
        ("GRID", (0, 0), (-1, -1), 1.2, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 7),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 9),
    ]
    style += [("BACKGROUND", (0, i), (-1, i), BAND) for i in range(1, len(rows), 2)]
    # No repeated header; rows may split over a page break, as in the real guide.
    return Table(rows, colWidths=widths, repeatRows=0, splitByRow=0, splitInRow=30, style=TableStyle(style))


def _intro(tables: pd.DataFrame) -> list[Flowable]:
    areas = list(dict.fromkeys(a for a in tables["functional_area"].map(_text) if a))
    story: list[Flowable] = [
        Paragraph("Target PAS data migration guide (stand-in)", _TITLE),
        Paragraph(
            "Generated stand-in with the layout of the vendor guide. It lists the "
            "staging tables in load order; every table has a header box and a field "
            "table.",
            _PROSE,
        ),
        PageBreak(),
        Paragraph("Load order of the functional areas", _TITLE),
    ]
    story += [Paragraph(f"{i}. {escape(a.title())}", _PROSE) for i, a in enumerate(areas, 1)]
    return [*story, PageBreak(), Paragraph("Data dictionary", _TITLE)]


def _footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
    canvas.setFont("Helvetica", 7)
    canvas.drawRightString(A4[0] - MARGIN, 24, f"Stand-in guide - page {document.page}")


def _ordered(tables: pd.DataFrame, fields: pd.DataFrame) -> list[tuple[pd.Series, pd.DataFrame]]:
    groups = {name: group.sort_values("field_order") for name, group in fields.groupby("table_name")}
    return [
        (table, groups.get(table["table_name"], fields.iloc[0:0]))
        for _, table in tables.sort_values("load_order").iterrows()
    ]


def render_target_guide(tables: pd.DataFrame, fields: pd.DataFrame, path: Path) -> None:
    """Write the stand-in guide to ``path``; byte-identical for identical input."""
    document = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=60,
        bottomMargin=80,
        invariant=1,
        title="Target PAS migration guide (stand-in)",
        author="qvh_migration",
        creator="qvh_migration",
        producer="qvh_migration",
    )
    story, area = _intro(tables), ""
    for table, table_fields in _ordered(tables, fields):
        if _text(table["functional_area"]) not in ("", area):
            # Headings are upper case: that is how the reader tells them from prose.
            story.append(Paragraph(escape(_text(table["functional_area"]).upper()), _HEADING))
        area = _text(table["functional_area"])
        story += [_box(table, table_fields), Spacer(1, 14), _field_table(table_fields, document.width), Spacer(1, 18)]
    document.build(story, onFirstPage=_footer, onLaterPages=_footer)
