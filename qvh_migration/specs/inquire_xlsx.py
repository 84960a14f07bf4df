"""Reader for the INQuire data-dictionary export (xlsx, sheet ``Columns``).

Keeps every row and column of the sheet verbatim and adds the parsed facts later stages need:
structured code lists, date pairs, logical-delete flags, master-file tables and release-number
descriptions (so no later stage mistakes ``5.1`` for meaning).
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs.catalog_schema import INQUIRE_COLUMNS, SOURCE_CATALOG_COLUMNS

SHEET_NAME = "Columns"
# INQuire cuts Description at this width, so a code list this long lost its tail.
DESCRIPTION_WIDTH = 50

_RELEASE_NUMBER = re.compile(r"^\s*(?:PC\d{2,3}|\d{1,2}(?:\.\d{1,2}){0,2}\.?)\s*$")
_CODE_ENTRY = re.compile(r"^\s*([A-Za-z0-9]{1,4})\s*-\s*(\S.*?)\s*$")
_LOGICAL_DELETE_TEXT = re.compile(r"logical\s+delet", re.IGNORECASE)
_LOGICAL_DELETE_NAME = re.compile(r"(?:MfRecStsInd|LgDelInd|LogDelInd|Ldf|DeleteInd|Deleted)$")
_DATE_FORMATS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(CCYY|CCCC|YYYY)MMDDHHMM", re.IGNORECASE), "CCYYMMDDHHMM"),
    (re.compile(r"(CCYY|CCCC|YYYY)MMDD", re.IGNORECASE), "CCYYMMDD"),
    (re.compile(r"DD/MM/YYYY\s+HH:MM", re.IGNORECASE), "DD/MM/YYYY HH:MM"),
    (re.compile(r"DD/MM/YYYY", re.IGNORECASE), "DD/MM/YYYY"),
    (re.compile(r"\bHHMM\b"), "HHMM"),
)
_INTERNAL_DATE_FORMATS = {"CCYYMMDD", "CCYYMMDDHHMM"}


def read_inquire_workbook(path: str | Path) -> pd.DataFrame:
    """Read the ``Columns`` sheet into a frame of strings, one row per sheet row."""
    path = Path(path)
    if not path.is_file():
        raise SpecDocumentError(path, "document not found")
    rows = _sheet_rows(path)
    if not rows:
        raise SpecDocumentError(path, "sheet is empty", where=f"sheet {SHEET_NAME!r}")
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    missing = [c for c in INQUIRE_COLUMNS if c not in header]
    if missing:
        raise SpecDocumentError(
            path,
            f"missing column(s) {', '.join(missing)}; found {', '.join(h for h in header if h)}",
            where=f"sheet {SHEET_NAME!r} header row",
        )
    frame = pd.DataFrame([list(r) + [None] * (len(header) - len(r)) for r in rows[1:]], columns=header)
    frame = frame[list(INQUIRE_COLUMNS)].map(_cell_text)
    frame.insert(len(frame.columns), "sheet_row", range(2, len(frame) + 2))
    frame = frame[(frame["TableName"] != "") | (frame["Column"] != "")].reset_index(drop=True)
    _reject_incomplete_rows(frame, path)
    return frame


def _sheet_rows(path: Path) -> list[tuple]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise SpecDocumentError(path, f"not a readable xlsx workbook ({type(exc).__name__}: {exc})") from exc
    try:
        if SHEET_NAME not in workbook.sheetnames:
            raise SpecDocumentError(
                path, f"sheet {SHEET_NAME!r} not found; sheets are {', '.join(workbook.sheetnames)}"
            )
        return list(workbook[SHEET_NAME].iter_rows(values_only=True))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SpecDocumentError(path, f"workbook is corrupt ({type(exc).__name__}: {exc})") from exc
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        # Excel stores "1.0"-style release numbers as text, but sizes as numbers.
        return str(int(value))
    return str(value).strip()


def _reject_incomplete_rows(frame: pd.DataFrame, path: Path) -> None:
    blank = frame[(frame["TableName"] == "") | (frame["Column"] == "")]
    if not blank.empty:
        row = int(blank["sheet_row"].iloc[0])
        raise SpecDocumentError(path, f"{len(blank)} row(s) lack TableName or Column", where=f"row {row}")
    duplicated = frame[frame.duplicated(["TableName", "Column"], keep="first")]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise SpecDocumentError(
            path,
            f"duplicate field {first['Column']!r} in table {first['TableName']}",
            where=f"row {int(first['sheet_row'])}",
        )


def build_source_catalog(sheet: pd.DataFrame) -> pd.DataFrame:
    """Add the parsed facts to the verbatim sheet rows."""
    catalog = sheet.copy()
    catalog["field_order"] = catalog.groupby("TableName", sort=False).cumcount() + 1
    catalog["size_chars"] = pd.to_numeric(catalog["Size"].where(catalog["Size"].str.fullmatch(r"\d+")), errors="coerce")
    catalog["size_chars"] = catalog["size_chars"].astype("Int64")
    parsed = catalog["Description"].map(parse_description)
    catalog["description_kind"] = [p[0] for p in parsed]
    catalog["code_list"] = [json.dumps(p[1]) if p[1] else "" for p in parsed]
    catalog["code_list_truncated"] = [p[2] for p in parsed]
    catalog["date_format"] = [p[3] for p in parsed]
    catalog["is_logical_delete_flag"] = (
        catalog["Description"].str.contains(_LOGICAL_DELETE_TEXT) & (catalog["date_format"] == "")
    ) | catalog["Column"].str.contains(_LOGICAL_DELETE_NAME)
    catalog["is_master_file_table"] = catalog["TableName"].str.endswith("MF")
    roles, partners = link_date_pairs(catalog)
    catalog["date_pair_role"] = roles
    catalog["date_pair_column"] = partners
    for column in ("pc60_description", "pc60_data_type", "pc60_conflict"):
        catalog[column] = ""
    return catalog[list(SOURCE_CATALOG_COLUMNS)]


def parse_description(text: str) -> tuple[str, list[dict[str, str]], bool, str]:
    """Classify a Description: (kind, code list, code list truncated, date format)."""
    if not text:
        return "empty", [], False, ""
    if _RELEASE_NUMBER.match(text):
        return "release_number", [], False, ""
    for pattern, name in _DATE_FORMATS:
        if pattern.search(text):
            return "date_format", [], False, name
    codes, truncated = parse_code_list(text)
    if codes:
        return "code_list", codes, truncated, ""
    return "text", [], False, ""


def parse_code_list(text: str) -> tuple[list[dict[str, str]], bool]:
    """Parse ``1-Suspected Cancer,2-Diagnosis ...`` into entries; ([], False) if not a code list.

    A list needs at least two entries, or one entry and a cut tail, so that prose such as
    ``Dist of Residence - see notes`` is not mistaken for a code.
    """
    parts = [p for p in re.split(r"[,;]", text) if p.strip()]
    entries: list[dict[str, str]] = []
    tail_cut = False
    for index, part in enumerate(parts):
        match = _CODE_ENTRY.match(part)
        if match:
            entries.append({"code": match.group(1), "label": match.group(2)})
        elif index == len(parts) - 1 and entries and len(text) >= DESCRIPTION_WIDTH - 2:
            tail_cut = True  # a code with its label cut away by the column width
        else:
            return [], False
    if len(entries) < 2 and not (entries and tail_cut):
        return [], False
    truncated = tail_cut or len(text) >= DESCRIPTION_WIDTH - 2
    return entries, truncated


def link_date_pairs(catalog: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Pair each internal ``...Int`` date with its display field in the same table.

    The data element of an internal field is usually the display field's plus a letter
    (A0372 / A0372A); failing that the names share a stem (ExpDateofDischInt / ExpDateofDischarge).
    """
    roles = [""] * len(catalog)
    partners = [""] * len(catalog)
    position = {idx: i for i, idx in enumerate(catalog.index)}
    for _, table in catalog.groupby("TableName", sort=False):
        internal = table[
            table["date_format"].isin(_INTERNAL_DATE_FORMATS)
            | table["Column"].str.contains(r"(?:Dt|Date|Time|DoB).*Int$")
        ]
        displays = table.drop(index=internal.index)
        for idx, row in internal.iterrows():
            partner = _find_display_partner(row, displays)
            if partner is None:
                continue
            roles[position[idx]] = "internal"
            partners[position[idx]] = displays.at[partner, "Column"]
            if not roles[position[partner]]:
                roles[position[partner]] = "display"
                partners[position[partner]] = row["Column"]
    return roles, partners


def _find_display_partner(row: pd.Series, displays: pd.DataFrame) -> object | None:
    element = row["DataElement"]
    if element and len(element) > 1 and element[-1].isalpha():
        same_element = displays[displays["DataElement"] == element[:-1]]
        if len(same_element) == 1:
            return same_element.index[0]
        # Sibling elements (A0032B internal, A0032C display) share the stem too.
        stem = element.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        siblings = displays[displays["DataElement"].str.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == stem]
        if len(siblings) == 1 and len(stem) >= 4:
            return siblings.index[0]
    stem = re.sub(r"(Int|Internal)$", "", row["Column"])
    stem = re.sub(r"^Internal", "", stem)
    if not stem or (stem == row["Column"] and not row["Column"].startswith("Internal")):
        return None
    names = displays["Column"]
    exact = displays[names.str.lower() == stem.lower()]
    if len(exact) == 1:
        return exact.index[0]
    prefixed = displays[names.str.lower().str.startswith(stem.lower())]
    if len(prefixed) == 1 and len(stem) >= 5:
        return prefixed.index[0]
    return None


def read_source_catalog(path: str | Path) -> pd.DataFrame:
    """Read the INQuire workbook and return the full source catalog."""
    return build_source_catalog(read_inquire_workbook(path))
