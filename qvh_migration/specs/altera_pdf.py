"""Reader for the target PAS data migration guide (PDF): staging tables and their fields.

Layout (real guide and the generated stand-in): a boxed header per table (``TABLE NAME:``,
description, created PAS tables, loader package) then a ``DATATYPE | LENGTH | NAME | COMMENTS``
table running over pages without a repeated header. Rows are found from word positions:
column edges come from the header words and are carried across page breaks; a row starts at a
line with text in the DATATYPE column, and lines without one continue the open row (wrapped
names, comment lines, rows split over a page break). Fill colours are ignored on purpose: the
lavender banding alternates and says nothing about mandatory fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs import guide_completeness, pdf_layout
from qvh_migration.specs.catalog_schema import TARGET_FIELD_COLUMNS, TARGET_TABLE_COLUMNS
from qvh_migration.specs.pdf_layout import Columns, Line
from qvh_migration.specs.target_links import resolve_parent_links

FIELD_COLUMNS: tuple[str, ...] = TARGET_FIELD_COLUMNS[:10]  # the mandatory_* columns come later
UNPLACED_COLUMNS: tuple[str, ...] = ("page", "text", "reason")
NOTE_COLUMNS: tuple[str, ...] = ("page", "table_name", "field_name", "printed", "note")
HEADER = ("DATATYPE", "LENGTH", "NAME", "COMMENTS")

# Glued forms ("TABLE NAME:LOAD_STAFF") occur; the label must start the line.
_TABLE_NAME = re.compile(r"\s*TABLE\s*NAME\s*:\s*([A-Za-z][\w$#]*)", re.IGNORECASE)
_CODE_TYPE = re.compile(r'Maps\s+to\s*:?\s*code\s*type\s*(\d+)(?:\s*[-\u2013\u2014]?\s*"([^"]*)")?', re.IGNORECASE)
_LOADED = re.compile(r"\bloaded\s+(?:as\s+mapped\s+)?into\s*:?\s*", re.IGNORECASE)
# Table and column of at least two characters each, so "e.g." and "i.e." are not targets;
# blanks after the dot occur in the guide ("maps006. staff_security_level").
_TARGET = re.compile(r"([A-Za-z][\w$#]+)\s*\.\s*([A-Za-z_][\w$#]+(?:/[A-Za-z_][\w$#]+)*)")
_TARGET_SEPARATOR = re.compile(r"\s*(?:,|\band\b)?\s*")
_BARE_TARGET = re.compile(r"^\s*([A-Za-z][\w$#]+)\s*\.\s*([A-Za-z_][\w$#]+)\s*\.?\s*$")
_MAPS_TO = re.compile(r"\bMaps\s+to\b", re.IGNORECASE)
_UNDERSCORE_GAP = re.compile(r"(?<=\w)_[ \t]+(?=\w)|(?<=\w)[ \t]+_(?=\w)")
_SAME_NAME = re.compile(r"([A-Za-z][\w$#]+)\s+field\s+of\s+(?:the\s+)?same\s+name", re.I)
_FOREIGN_KEY = re.compile(r"Foreign\s+key\s+to\s+(LOAD_[\w$#]*)\s*\.", re.IGNORECASE)
_LINKED = re.compile(r"Linked\s+to\s+(LOAD_[\w$#]*)\s+via\s+([A-Za-z_][\w$#]*)", re.I)
_LOADED_VIA = re.compile(r"^Loaded\s+via\s*:?\s*(.*)$", re.IGNORECASE)
# "Creates records in:"; in the real guide the words are outlines with no text, leaving ":".
_RECORDS_IN = re.compile(r"^(?:(?:\S+\s+)?records\s+in\s*:?|:)$", re.IGNORECASE)
_IDENTIFIER = re.compile(r"^[A-Za-z][\w$#]*$")
_PACKAGE = re.compile(r"[A-Za-z][\w$#]*\.[A-Za-z][\w$#]*")


@dataclass(frozen=True)
class TargetGuide:
    fields: pd.DataFrame  # FIELD_COLUMNS
    tables: pd.DataFrame  # TARGET_TABLE_COLUMNS
    unplaced: pd.DataFrame  # UNPLACED_COLUMNS: text outside any table (never field rows)
    page_count: int
    # NOTE_COLUMNS: deliberate readings with their evidence (blank dropped from a printed
    # field name, repeated header row skipped), so a reviewer can check each one.
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(NOTE_COLUMNS)))


@dataclass
class _Row:
    page: int
    data_type: str
    length: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    comment: list[str] = field(default_factory=list)


@dataclass
class _Table:
    name: str
    area: str
    page_start: int
    page_end: int
    box: list[str] = field(default_factory=list)
    columns: Columns | None = None
    rows: list[_Row] = field(default_factory=list)


class _GuideParser:
    """Walks the lines of the document in reading order, one state change per line."""

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.unplaced: list[tuple[int, str, str]] = []
        self.notes: list[tuple[int, str, str, str, str]] = []
        self.area = ""
        self.mode = "before"  # before | box | rows | after

    def feed(self, line: Line) -> None:
        match = _TABLE_NAME.match(line.text)
        table = self.tables[-1] if self.tables else None
        if match and not (
            self.mode == "rows" and table and table.columns and table.columns.index(line.x0) >= 2
        ):  # not quoted in a comment
            self.tables.append(_Table(match.group(1), self.area, line.page, line.page))
            self.mode = "box"
            return
        if self.mode == "box" and table is not None:
            header = pdf_layout.header_words(line, HEADER)
            if header:
                table.columns = Columns.from_header(header)
                self.mode = "rows"
            else:
                table.box.append(line.text)
            table.page_end = line.page
            return
        if self.mode == "rows" and table is not None and table.columns is not None:
            if pdf_layout.header_words(line, HEADER):  # e.g. a second, title-case header
                self.notes.append(
                    (line.page, table.name, "", line.text, "header row repeated inside the table; skipped")
                )
                return
            if table.columns.contains(line):
                self._row_line(table, table.columns, line)
                return
            self.mode = "after"
        self._outside_line(line)

    def _row_line(self, table: _Table, columns: Columns, line: Line) -> None:
        type_cell, length_cell, name_cell, comment_cell = ([w.text for w in cell] for cell in columns.split(line))
        if type_cell:
            table.rows.append(_Row(line.page, " ".join(type_cell)))
        elif not table.rows:
            self.unplaced.append((line.page, line.text, f"{table.name}: text before first row"))
            return
        row = table.rows[-1]
        # Name parts are kept per line: a name wrapped over lines is split at any character.
        if name_cell:
            row.name.append(" ".join(name_cell))
        if length_cell:
            row.length.append(" ".join(length_cell))
        if comment_cell:
            row.comment.append(" ".join(comment_cell))
        table.page_end = line.page

    def _outside_line(self, line: Line) -> None:
        text = line.text.strip()
        if pdf_layout.is_upper_case(text):  # section headings (functional areas)
            self.area = text.rstrip(":").strip()
        elif self.mode != "before":
            self.unplaced.append((line.page, text, "text outside any table"))


# ---------------------------------------------------------------- comment and box text


def code_type(comment: str) -> tuple[str, str]:
    """``Maps to: code type 10599 - "Dataload System"`` -> ("10599", "Dataload System").

    Only the "Maps to" form counts: other mentions ("of code type 34", "for code type 9")
    describe validation or id types, not the mapping of this field.
    """
    match = _CODE_TYPE.search(comment)
    if not match:
        return "", ""
    return match.group(1), " ".join((match.group(2) or "").split())


def loaded_into(comment: str, field_name: str) -> str:
    """PAS columns a field is loaded into, ";"-joined; staging (LOAD_*) references excluded.

    From "Loaded [as mapped] into[:] t.c[, t.c ...]" phrases; where there is none, from lines
    holding nothing but ``TABLE.column`` (the guide's date rows), unless that line continues a
    "Maps to" phrase. Blanks next to an underscore are printing artefacts and are dropped.
    """
    text = _UNDERSCORE_GAP.sub("_", comment)
    targets = _phrase_targets(text, field_name) or _bare_targets(text)
    kept = [t for t in targets if not t.upper().startswith("LOAD_")]
    return ";".join(dict.fromkeys(kept))


def _phrase_targets(text: str, field_name: str) -> list[str]:
    targets: list[str] = []
    for phrase in _LOADED.finditer(text):
        same = _SAME_NAME.match(text, phrase.end())
        if same:  # "Loaded into maps006 field of same name."
            targets.append(f"{same.group(1)}.{field_name}")
            continue
        position = phrase.end()
        while target := _TARGET.match(text, position):
            table, columns = target.groups()
            # "t.start_x/stop_x" names two columns of one table
            targets.extend(f"{table}.{column}" for column in columns.split("/"))
            position = _TARGET_SEPARATOR.match(text, target.end()).end()  # type: ignore[union-attr]
    return targets


def _bare_targets(text: str) -> list[str]:
    lines = text.split("\n")
    targets = []
    for index, line in enumerate(lines):
        match = _BARE_TARGET.match(line)
        if match and not (index and _MAPS_TO.search(lines[index - 1])):
            targets.append(f"{match.group(1)}.{match.group(2)}")
    return targets


def _list_entry(text: str) -> str | None:
    """A created-table list line: an identifier, optionally after one qualifier word
    ("Optionally CLINIC_WAITLIST_GROUPS"); the qualifier is dropped."""
    words = text.split()
    if len(words) == 1 and _IDENTIFIER.match(words[0]):
        return words[0]
    if len(words) == 2 and _IDENTIFIER.match(words[1]) and ("_" in words[1] or words[1].isupper()):
        return words[1]
    return None


class _Box(NamedTuple):
    description: str
    creates: tuple[str, ...]
    package: str
    links: tuple[tuple[str, str], ...]  # (parent table, linking column) as printed


def parse_box(lines: list[str]) -> _Box:
    """Split a table's header box into description, created tables, loader and parent links."""
    via = next((i for i, text in enumerate(lines) if _LOADED_VIA.match(text)), len(lines))
    package, package_at = "", None
    rest = _LOADED_VIA.match(lines[via]).group(1) if via < len(lines) else ""  # type: ignore[union-attr]
    if _PACKAGE.fullmatch(rest.strip()):
        package = rest.strip()
    elif via + 1 < len(lines) and _PACKAGE.fullmatch(lines[via + 1].strip()):
        package, package_at = lines[via + 1].strip(), via + 1
    label = next((i for i in reversed(range(via)) if _RECORDS_IN.match(lines[i].strip())), None)
    listed = _created_list(lines, label, via)
    skip = set(listed) | {via, package_at, label}
    description = "\n".join(t for i, t in enumerate(lines) if i not in skip)
    links = tuple((p.upper(), c) for p, c in _LINKED.findall(" ".join(lines)))
    creates = tuple(e for i in listed if (e := _list_entry(lines[i])))
    return _Box(description, creates, package, links)


def _created_list(lines: list[str], label: int | None, via: int) -> list[int]:
    """Indexes of the created-table lines: the run after the label, or, where the label has no
    text at all, the last run of list lines before "Loaded via"."""
    if label is not None:
        return list(takewhile(lambda i: _list_entry(lines[i]) is not None, range(label + 1, via)))
    listed = {i for i in range(via) if _list_entry(lines[i]) is not None}
    start = end = max(listed, default=-1)
    while start - 1 in listed:
        start -= 1
    return list(range(start, end + 1)) if listed else []


# ---------------------------------------------------------------- assembly


def field_name(parts: list[str]) -> str:
    """Join a name cell's lines without separators: names wrap at any character.

    Decision on blanks: the guide prints a few names with a blank inside one line
    ("DIAGNOSIS _1_DESC" beside "DIAGNOSIS_1_CODE", loaded into ...diagnosis_1_desc). Column
    names cannot contain blanks, so the blank is a typesetting artefact: the catalog name is
    the joined one and the printed form is kept as a note.
    """
    return "".join("".join(part.split()) for part in parts)


def _length(parts: list[str]) -> int | None:
    text = "".join(parts).replace(",", "").strip()
    return int(text) if text.isdigit() else None


def _field_records(table: _Table, notes: list[tuple[int, str, str, str, str]]) -> list[dict]:
    records = []
    for order, row in enumerate(table.rows, start=1):
        name = field_name(row.name)
        printed = "".join(row.name)
        if printed != name:
            notes.append((row.page, table.name, name, printed, "blank inside the printed field name dropped"))
        comment = "\n".join(row.comment)
        code, code_name = code_type(comment)
        records.append(
            {
                "table_name": table.name,
                "field_order": order,
                "field_name": name,
                "data_type": row.data_type,
                "length": _length(row.length),
                "code_type": code,
                "code_type_name": code_name,
                "loaded_into": loaded_into(comment, name),
                "comment": comment,
                "page": row.page,
            }
        )
    return records


def _resolve_column(column: str, names: list[str]) -> str:
    """The link column as printed, cut back to a field name when words were glued on
    ("loadpmi_record_numberand")."""
    lowered = [n.lower() for n in names]
    if column.lower() in lowered:
        return column
    prefixes = [n for n in lowered if column.lower().startswith(n)]
    return column[: len(max(prefixes, key=len))] if prefixes else column


def parent_links(box: _Box, records: list[dict[str, object]]) -> str:
    """Box "Linked to P via c" links first, then "Foreign key to P.x" on field c; "P.c" each."""
    names = [str(r["field_name"]) for r in records]
    links = [f"{parent}.{_resolve_column(column, names)}" for parent, column in box.links]
    for record in records:
        for parent in _FOREIGN_KEY.findall(str(record["comment"])):
            links.append(f"{parent.upper()}.{record['field_name']}")
    unique: dict[str, str] = {}
    for link in links:
        unique.setdefault(link.lower(), link)
    return ";".join(unique.values())


def _check_table(path: Path, table: _Table, records: list[dict[str, object]]) -> None:
    if table.columns is None:
        raise SpecDocumentError(
            path,
            "no DATATYPE | LENGTH | NAME | COMMENTS header after the table box",
            where=f"{table.name}, page {table.page_start}",
        )
    if not records:
        raise SpecDocumentError(path, "table has no field rows", where=table.name)
    seen: dict[str, object] = {}
    for record in records:
        key, where = str(record["field_name"]).lower(), f"{table.name}, page {record['page']}"
        if not key:
            raise SpecDocumentError(path, "field row without a name", where=where)
        if key in seen:  # column names are case-insensitive in the target database
            raise SpecDocumentError(
                path, f"duplicate field name {record['field_name']!r} (also on page {seen[key]})", where=where
            )
        seen[key] = record["page"]


def _frames(path: Path, parser: _GuideParser) -> tuple[pd.DataFrame, pd.DataFrame]:
    field_rows: list[dict[str, object]] = []
    table_rows: list[dict[str, object]] = []
    for order, table in enumerate(parser.tables, start=1):
        records = _field_records(table, parser.notes)
        _check_table(path, table, records)
        box = parse_box(table.box)
        field_rows.extend(records)
        table_rows.append(
            {
                "table_name": table.name,
                "functional_area": table.area,
                "description": box.description,
                "creates_records_in": ";".join(box.creates),
                "loader_package": box.package,
                "parent_links": parent_links(box, records),
                "load_order": order,
                "page_start": table.page_start,
                "page_end": table.page_end,
                "field_count": len(records),
            }
        )
    fields = pd.DataFrame(field_rows, columns=list(FIELD_COLUMNS))
    fields["length"] = fields["length"].astype("Int64")
    tables = pd.DataFrame(table_rows)
    tables["resolved_parent_links"] = resolve_parent_links(tables)
    return fields, tables[list(TARGET_TABLE_COLUMNS)]


# ---------------------------------------------------------------- entry point


def _extract(path: Path, workers: int) -> list[pdf_layout.PageText]:
    try:
        count = pdf_layout.page_count(str(path))
        if count == 0:
            raise SpecDocumentError(path, "the PDF has no pages")
        return pdf_layout.extract_pages(path, count, workers)
    except SpecDocumentError:
        raise
    except Exception as exc:  # pdfium / pool errors must not escape as library tracebacks
        raise SpecDocumentError(path, f"not a readable PDF (damaged, truncated or not a PDF): {exc}") from exc


def read_target_guide(path: str | Path, *, workers: int | None = None) -> TargetGuide:
    """Read every staging table and field of the target migration guide.

    ``workers`` processes share the page extraction (default: up to 2, one per core).
    Raises SpecDocumentError for a missing / unreadable file, a PDF without a ``TABLE NAME:``
    table, a table without fields, or a field name repeated within a table.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecDocumentError(path, "file not found" if not path.exists() else "not a file")
    pages = _extract(path, pdf_layout.default_workers() if workers is None else max(1, workers))
    guide_completeness.check_pages(path, pages)  # before parsing: a gap would only show as lost rows
    parser = _GuideParser()
    for page in pages:
        for line in pdf_layout.group_lines(page):
            if not pdf_layout.is_furniture(line, page.height):
                parser.feed(line)
    if not parser.tables:
        raise SpecDocumentError(path, "no 'TABLE NAME:' table found; not the migration guide?")
    guide_completeness.check_table_runs(path, [(t.name, t.area, t.page_start, t.page_end) for t in parser.tables])
    fields, tables = _frames(path, parser)
    unplaced = pd.DataFrame(parser.unplaced, columns=list(UNPLACED_COLUMNS))
    notes = pd.DataFrame(parser.notes, columns=list(NOTE_COLUMNS))
    return TargetGuide(fields, tables, unplaced, len(pages), notes)
