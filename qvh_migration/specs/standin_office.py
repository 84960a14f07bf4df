"""Stand-in source dictionaries (INQuire xlsx and PC60 docx) rendered from committed facts.

Facts are names, sizes, data elements, code lists and formats; every sentence of prose is
written fresh here from the field name, so no hospital text is reproduced.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from qvh_migration.io.artifacts import atomic_path

FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
_ABBREVIATIONS = {
    "pt": "patient",
    "dob": "date of birth",
    "adm": "admission",
    "disch": "discharge",
    "cons": "consultant",
    "nok": "next of kin",
    "addr": "address",
    "dt": "date",
    "tm": "time",
    "int": "internal",
    "wl": "waiting list",
    "epi": "episode",
    "ref": "referral",
    "appt": "appointment",
    "spec": "specialty",
    "gp": "GP",
    "nhs": "NHS",
    "ip": "inpatient",
    "op": "outpatient",
    "no": "number",
}
_DATE_FORMAT_WORDING = {
    "CCYYMMDD": "Held internally as CCYYMMDD.",
    "CCYYMMDDHHMM": "Held internally as CCYYMMDDHHMM.",
    "DD/MM/YYYY": "Shown as DD/MM/YYYY.",
    "DD/MM/YYYY HH:MM": "Shown as DD/MM/YYYY HH:MM.",
    "HHMM": "Time as HHMM.",
}


def humanise(name: str) -> str:
    """``PtDoBInt`` -> ``Patient date of birth internal`` (fresh wording from the name alone)."""
    words = re.findall(r"[A-Z]{2,}(?=[A-Z][a-z]|\b|\d|_)|[A-Z]?[a-z]+|[A-Z]+|\d+", name)
    expanded = [_ABBREVIATIONS.get(w.lower(), w.lower()) for w in words]
    text = " ".join(expanded).strip() or name
    return text[0].upper() + text[1:]


def source_description(fact: pd.Series) -> str:
    """The stand-in Description cell for one field, from its fact kind."""
    kind, value = fact["description_kind"], fact["description_fact"]
    if kind in {"code_list", "release_number"}:
        return value
    if kind == "date_format":
        return _DATE_FORMAT_WORDING.get(value, "")
    if kind == "logical_delete":
        return "Logical delete indicator"
    if kind == "text":
        return humanise(fact["Column"])[:50]
    return ""


def write_inquire_workbook(facts: pd.DataFrame, path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Columns"
    sheet.append(["TableName", "Column", "Size", "DataElement", "Description", "LogicalDeleteFlag", "ReleasedAt"])
    for _, fact in facts.iterrows():
        size = int(fact["Size"]) if str(fact["Size"]).isdigit() else (fact["Size"] or None)
        flag = int(fact["LogicalDeleteFlag"]) if fact["LogicalDeleteFlag"] not in ("", None) else None
        sheet.append(
            [
                fact["TableName"],
                fact["Column"],
                size,
                fact["DataElement"] or None,
                source_description(fact) or None,
                flag,
                fact["ReleasedAt"] or None,
            ]
        )
    workbook.create_sheet("Sheet1")
    workbook.properties.creator = "qvh-migration stand-in generator"
    workbook.properties.created = FIXED_TIME
    workbook.properties.modified = FIXED_TIME
    with atomic_path(path) as tmp:
        workbook.save(tmp)
        _normalise_zip(tmp)


def pc60_data_type(fact: pd.Series) -> str:
    if fact["description_kind"] == "date_format" and fact["description_fact"] in {"CCYYMMDD", "CCYYMMDDHHMM"}:
        return "NUMERIC"
    if fact["description_kind"] == "date_format":
        return "DATE"
    return "CODE" if fact["description_kind"] == "code_list" else "CHAR"


def write_pc60_document(facts: pd.DataFrame, path: Path) -> None:
    """Heading-per-table layout for clinical tables, one long table for the master files.

    Using both layouts keeps the reader honest about the two shapes real dictionaries take.
    """
    import docx

    document = docx.Document()
    document.core_properties.author = "qvh-migration stand-in generator"
    document.core_properties.created = FIXED_TIME
    document.core_properties.modified = FIXED_TIME
    document.core_properties.last_printed = FIXED_TIME
    document.add_heading("PC60 data dictionary (stand-in)", level=0)
    document.add_paragraph("Generated from schema facts for testing; not the hospital's document.")
    is_master = facts["TableName"].str.endswith("MF")
    for table_name, fields in facts[~is_master].groupby("TableName", sort=False):
        document.add_heading(f"Table {table_name}", level=2)
        _add_table(
            document,
            ["Field", "Type", "Length", "Description"],
            [[f["Column"], pc60_data_type(f), f["Size"], _pc60_text(f)] for _, f in fields.iterrows()],
        )
    document.add_heading("Master files", level=1)
    _add_table(
        document,
        ["Table", "Field", "Type", "Length", "Description"],
        [
            [f["TableName"], f["Column"], pc60_data_type(f), f["Size"], _pc60_text(f)]
            for _, f in facts[is_master].iterrows()
        ],
    )
    with atomic_path(path) as tmp:
        document.save(str(tmp))
        _normalise_zip(tmp)


def _pc60_text(fact: pd.Series) -> str:
    if fact["description_kind"] == "code_list":
        return "Codes: " + fact["description_fact"]
    return humanise(fact["Column"]) + "."


def _add_table(document, header: list[str], rows: list[list[str]]) -> None:
    # Build the XML once instead of through python-docx's cell API, which is quadratic here.
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def cell(text: object) -> str:
        escaped = str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f'<w:tc><w:p><w:r><w:t xml:space="preserve">{escaped}</w:t></w:r></w:p></w:tc>'

    body = "".join("<w:tr>" + "".join(cell(v) for v in row) + "</w:tr>" for row in [header, *rows])
    grid = "".join("<w:gridCol/>" for _ in header)
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
    )
    document.element.body.append(parse_xml(xml))
    # Keep the section properties last, as Word expects.
    sect = document.element.body.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sectPr")
    if sect is not None:
        document.element.body.remove(sect)
        document.element.body.append(sect)


def _normalise_zip(path: Path) -> None:
    """Rewrite the package with fixed entry times and order, so regeneration is byte-identical."""
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    # openpyxl stamps the save time over the modified property we set.
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [
        (
            name,
            re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            if name == "docProps/core.xml"
            else data,
        )
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
