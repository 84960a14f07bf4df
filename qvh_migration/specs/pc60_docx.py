"""Reader for a PC60 Word data dictionary, and its merge into the source catalog.

The hospital's PC60 dictionary is not available to the project, so the reader accepts the two
layouts such dictionaries use: a heading per table followed by a field table, or one long table
with a table-name column. Header cells are matched by synonym, not position.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from qvh_migration.errors import SpecDocumentError

PC60_COLUMNS = ("table_name", "column", "data_type", "length", "description", "location")

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "table_name": ("table", "table name", "tablename", "file", "file name"),
    "column": ("field", "field name", "column", "column name", "data item", "item"),
    "data_type": ("type", "data type", "datatype", "format"),
    "length": ("length", "size", "len", "width"),
    "description": ("description", "meaning", "notes", "comments", "definition"),
}
_TABLE_NAME_IN_HEADING = re.compile(r"\b([A-Z][A-Z0-9_]{1,39})\b")


def read_pc60_dictionary(path: str | Path) -> pd.DataFrame:
    """Return one row per field described in the Word dictionary."""
    path = Path(path)
    if not path.is_file():
        raise SpecDocumentError(path, "document not found")
    document = _open_document(path)
    rows: list[dict[str, object]] = []
    heading = ""
    table_number = 0
    for block in _body_blocks(document):
        if block[0] == "paragraph":
            if block[2] and (block[1].lower().startswith("heading") or block[1].lower() == "title"):
                heading = block[2]
            continue
        table_number += 1
        rows.extend(_field_rows(block[1], heading, table_number, path))
    if not rows:
        raise SpecDocumentError(path, "no field table found (expected a header with Field/Column and Type)")
    frame = pd.DataFrame(rows, columns=list(PC60_COLUMNS))
    frame["length"] = pd.to_numeric(frame["length"], errors="coerce").astype("Int64")
    duplicated = frame[frame.duplicated(["table_name", "column"])]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise SpecDocumentError(
            path, f"duplicate field {first['column']!r} in table {first['table_name']}", where=first["location"]
        )
    return frame


def _open_document(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        return docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpecDocumentError(path, f"not a readable Word document ({type(exc).__name__}: {exc})") from exc


def _body_blocks(document) -> list[tuple]:
    """Paragraphs and tables in document order (python-docx lists them separately)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[tuple] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            blocks.append(("paragraph", style or "", paragraph.text.strip()))
        elif tag == "tbl":
            blocks.append(("table", Table(child, document)))
    return blocks


def _field_rows(table, heading: str, table_number: int, path: Path) -> list[dict[str, object]]:
    cells = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    if not cells:
        return []
    roles = header_roles(cells[0])
    if "column" not in roles or not ({"data_type", "length", "description"} & roles.keys()):
        return []  # not a field table (a revision history, say)
    heading_table = table_name_from_heading(heading)
    if "table_name" not in roles and not heading_table:
        raise SpecDocumentError(
            path,
            "field table has neither a table-name column nor a table heading above it",
            where=f"table {table_number}",
        )
    rows: list[dict[str, object]] = []
    for row_number, values in enumerate(cells[1:], start=2):
        if header_roles(values).keys() >= {"column"} and values == cells[0]:
            continue  # header repeated on a new page
        field = values[roles["column"]] if roles["column"] < len(values) else ""
        if not field:
            continue
        table_name = values[roles["table_name"]] if "table_name" in roles else heading_table
        rows.append(
            {
                "table_name": table_name.strip().upper(),
                "column": field,
                "data_type": _cell(values, roles, "data_type"),
                "length": _cell(values, roles, "length"),
                "description": _cell(values, roles, "description"),
                "location": f"table {table_number} row {row_number}",
            }
        )
    return rows


def header_roles(header: list[str]) -> dict[str, int]:
    """Map canonical roles to column positions by header synonyms."""
    roles: dict[str, int] = {}
    for index, text in enumerate(header):
        key = re.sub(r"\s+", " ", text.strip().lower())
        for role, synonyms in _HEADER_SYNONYMS.items():
            if key in synonyms and role not in roles:
                roles[role] = index
    return roles


def table_name_from_heading(heading: str) -> str:
    """``Table: PATDATA - Patient details`` -> ``PATDATA`` (the last upper-case identifier)."""
    names = [n for n in _TABLE_NAME_IN_HEADING.findall(heading) if n not in {"TABLE", "PC60", "PAS"}]
    return names[0] if names else ""


def _cell(values: list[str], roles: dict[str, int], role: str) -> str:
    index = roles.get(role)
    return values[index] if index is not None and index < len(values) else ""


def merge_pc60(catalog: pd.DataFrame, pc60: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add PC60 descriptions and types; return (catalog, conflicts).

    Disagreements are recorded on the catalog row and listed in ``conflicts``; neither side is
    dropped. Fields only one dictionary knows are listed as conflicts too.
    """
    merged = catalog.copy()
    key = merged["TableName"].str.upper() + "." + merged["Column"].str.lower()
    pc60_key = pc60["table_name"] + "." + pc60["column"].str.lower()
    by_key = pc60.assign(_key=pc60_key).set_index("_key")
    matched = key.isin(by_key.index)
    looked_up = by_key.reindex(key)
    merged["pc60_description"] = looked_up["description"].fillna("").to_numpy()
    merged["pc60_data_type"] = looked_up["data_type"].fillna("").to_numpy()
    pc60_length = looked_up["length"].to_numpy()
    size_differs = (
        matched.to_numpy()
        & pd.notna(pc60_length)
        & (merged["size_chars"].astype("Float64").to_numpy() != pd.array(pc60_length, dtype="Float64"))
    )
    size_differs = pd.Series(size_differs, index=merged.index).fillna(False).astype(bool)
    merged["pc60_conflict"] = ""
    merged.loc[size_differs, "pc60_conflict"] = (
        "size: INQuire "
        + merged.loc[size_differs, "Size"]
        + " vs PC60 "
        + pd.Series(pc60_length, index=merged.index)[size_differs].astype(str)
    )
    conflicts = merged.loc[size_differs, ["TableName", "Column", "pc60_conflict"]].rename(
        columns={"pc60_conflict": "conflict"}
    )
    only_pc60 = pc60[~pc60_key.isin(set(key))]
    conflicts = pd.concat(
        [
            conflicts,
            pd.DataFrame(
                {
                    "TableName": only_pc60["table_name"],
                    "Column": only_pc60["column"],
                    "conflict": "only in PC60 dictionary (" + only_pc60["location"] + ")",
                }
            ),
        ],
        ignore_index=True,
    )
    return merged, conflicts
