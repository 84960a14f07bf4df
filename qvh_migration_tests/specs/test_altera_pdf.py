"""The target guide reader against the real vendor PDF (skipped when it is not present)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from reportlab.pdfgen.canvas import Canvas

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs.altera_pdf import (
    FIELD_COLUMNS,
    TargetGuide,
    code_type,
    loaded_into,
    parse_box,
    read_target_guide,
)
from qvh_migration.specs.catalog_schema import TARGET_TABLE_COLUMNS
from qvh_migration.specs.standin_pdf import render_target_guide

GUIDE_NAME = "Target PAS - PAS 18.4 Data Migration Technical Guide - FOR REF ONLY NOT TO BE USED.pdf"
REAL_GUIDE = Path(__file__).resolve().parents[3] / "shared" / "requirement_spec" / GUIDE_NAME

# Field count per table in guide order, checked by eye against the rendered pages.
FIELD_COUNTS = {
    "LOAD_STAFF": 46,
    "LOAD_USERS": 46,
    "LOAD_SITES": 18,
    "LOAD_PMI": 89,
    "LOAD_PMIIDS": 8,
    "LOAD_PMIALIASES": 15,
    "LOAD_PMIADDRS": 17,
    "LOAD_PMICONTACTS": 23,
    "LOAD_PMIALLERGIES": 9,
    "LOAD_PMISTAFFWARNINGS": 9,
    "LOAD_PMIGPAUDIT": 10,
    "LOAD_CASENOTELOCS": 9,
    "LOAD_PMICASENOTEHISTORY": 14,
    "LOAD_RTT_PATHWAYS": 15,
    "LOAD_REFERRALS": 26,
    "LOAD_RTT_PERIODS": 12,
    "LOAD_RTT_EVENTS": 9,
    "LOAD_OPDWAITLIST": 27,
    "LOAD_OPDWAITLISTDEF": 8,
    "LOAD_OPD_APPOINTMENTS": 33,
    "LOAD_OPD_CODING": 10,
    "LOAD_CMTY_APPOINTMENTS": 43,
    "LOAD_IWL_PROFILES": 13,
    "LOAD_IWL": 35,
    "LOAD_IWL_DEFERRALS": 8,
    "LOAD_IWL_TCIS": 17,
    "LOAD_ADT_ADMISSIONS": 21,
    "LOAD_ADT_EPISODES": 10,
    "LOAD_ADT_WARDSTAYS": 14,
    "LOAD_ADT_CODING": 10,
    "LOAD_MH_DETENTION_MASTER": 9,
    "LOAD_MH_DETENTION_TRANSFERS": 15,
    "LOAD_MH_CPA_MASTER": 11,
    "LOAD_MH_CPA_HISTORY": 11,
    "LOAD_OPD_ARCHIVE": 79,
    "LOAD_ADT_ARCHIVE": 100,
    "LOAD_DETENTION_ARCHIVE": 18,
    "LOAD_CPA_ARCHIVE": 17,
}

# (table, field): (field_order, data_type, length, code_type, code_type_name, loaded_into, page)
SPOT_CHECKS = {
    ("LOAD_STAFF", "external_system_id"): (3, "VARCHAR2", 100, "10599", "Dataload System", "", 6),
    ("LOAD_STAFF", "first_name"): (5, "VARCHAR2", 40, "", "", "maps006.first_name", 6),
    ("LOAD_STAFF", "psswd_expiry_date"): (12, "DATE", None, "", "", "maps006.psswd_expiry_date", 7),
    ("LOAD_USERS", "staff_security_level"): (
        21,
        "VARCHAR2",
        80,
        "10018",
        "SECURITY REQUIRED",
        "maps006.staff_security_level",
        13,
    ),
    ("LOAD_USERS", "mon_allowed"): (38, "VARCHAR2", 1, "", "", "maps006.mon_allowed", 15),
    ("LOAD_PMI", "DATE_ENTERED_COUNTRY"): (18, "DATE", 10, "", "", "PATIENT_MASTER.date_entered_country", 19),
    ("LOAD_PMIIDS", "ADDITIONAL_ID_TYPE"): (6, "VARCHAR2", 80, "9", "", "PATIENT_IDS.id_type_code", 26),
    ("LOAD_RTT_PATHWAYS", "PATHWAY_CODED_DESC_CODE"): (
        11,
        "VARCHAR2",
        80,
        "10869",
        "PATHWAY CODED DESCRIPTIONS",
        "REFERRAL_TO_TREAT_PATHWAYS.PATHWAY_CODED_DESC_CODE",
        39,
    ),
    ("LOAD_REFERRALS", "LOADRTTPWY_RECORD_NUMBER"): (2, "NUMBER", 42, "", "", "", 40),
    ("LOAD_OPDWAITLIST", "ENCOUNTER_TYPE"): (
        16,
        "VARCHAR2",
        1,
        "",
        "",
        "CLINIC_WAITLIST_GROUPS.encounter_type;Opd_wait_list.encounter_type;"
        "referral_to_treat_periods.start_encounter_type;referral_to_treat_periods.stop_encounter_type",
        50,
    ),
    ("LOAD_IWL", "TRANSPORT_REQUIRED"): (
        22,
        "VARCHAR2",
        80,
        "10053",
        "Transport Types",
        "TREATMENT_WAIT_LIST.transport_required",
        67,
    ),
    ("LOAD_ADT_ADMISSIONS", "DISCHARGE_TYPE"): (
        18,
        "VARCHAR2",
        80,
        "10046",
        "Discharge Type",
        "PATIENT_AD.discharge_type",
        74,
    ),
    ("LOAD_MH_CPA_MASTER", "APPLIES_START"): (9, "DATE", 10, "", "", "CPA_MASTER.applies_start", 82),
    ("LOAD_ADT_ARCHIVE", "DIAGNOSIS_1_DESC"): (57, "VARCHAR2", 200, "", "", "ADT_ARCHIVE.diagnosis_1_desc", 96),
    ("LOAD_ADT_ARCHIVE", "COMMENTS"): (100, "VARCHAR2", 2000, "", "", "ADT_ARCHIVE.comments", 99),
    ("LOAD_CPA_ARCHIVE", "CPA_NOTES"): (17, "VARCHAR2", 2000, "", "", "CPA_ARCHIVE.notes", 103),
}


@pytest.fixture(scope="module")
def guide() -> TargetGuide:
    if not REAL_GUIDE.is_file():
        pytest.skip(f"real target guide not available at {REAL_GUIDE} (it is not in the repository)")
    return read_target_guide(REAL_GUIDE)


def _field(guide: TargetGuide, table: str, name: str) -> pd.Series:
    fields = guide.fields
    match = fields[(fields["table_name"] == table) & (fields["field_name"] == name)]
    assert len(match) == 1, (table, name)
    return match.iloc[0]


def test_counts_and_table_names(guide: TargetGuide) -> None:
    assert guide.page_count == 104
    assert len(guide.tables) == 38 and len(guide.fields) == 884
    assert guide.tables["table_name"].tolist() == list(FIELD_COUNTS)
    assert guide.fields.groupby("table_name", sort=False).size().to_dict() == FIELD_COUNTS
    assert guide.tables.set_index("table_name")["field_count"].to_dict() == FIELD_COUNTS
    assert guide.tables["load_order"].tolist() == list(range(1, 39))


def test_frame_contracts(guide: TargetGuide) -> None:
    assert tuple(guide.fields.columns) == FIELD_COLUMNS
    assert tuple(guide.tables.columns) == TARGET_TABLE_COLUMNS
    assert str(guide.fields["length"].dtype) == "Int64"
    text = ["table_name", "field_name", "data_type", "code_type", "code_type_name", "loaded_into", "comment"]
    assert not guide.fields[text].isna().any().any()
    orders = guide.fields.groupby("table_name", sort=False)["field_order"]
    assert all(list(o) == list(range(1, len(o) + 1)) for _, o in orders)
    assert set(guide.fields["data_type"]) == {"VARCHAR2", "NUMBER", "DATE"}


def test_users_is_a_separate_near_copy_of_staff(guide: TargetGuide) -> None:
    staff = guide.fields[guide.fields["table_name"] == "LOAD_STAFF"]
    users = guide.fields[guide.fields["table_name"] == "LOAD_USERS"]
    assert len(staff) == len(users) == 46
    assert staff["field_name"].str.lower().tolist() == users["field_name"].str.lower().tolist()
    assert staff["page"].max() <= users["page"].min()
    tables = guide.tables.set_index("table_name")
    assert tables.loc["LOAD_STAFF", "loader_package"] == "oasloadstaff_package.load_staff"
    assert tables.loc["LOAD_USERS", "loader_package"] == "OASLOADUSER_PACKAGE.load_user"
    assert tables.loc["LOAD_USERS", "creates_records_in"] == "MAPS006;EOASIS_PAGE_LINKS"


@pytest.mark.parametrize(("table", "name"), list(SPOT_CHECKS))
def test_spot_checks(guide: TargetGuide, table: str, name: str) -> None:
    row = _field(guide, table, name)
    order, data_type, length, code, code_name, loaded, page = SPOT_CHECKS[(table, name)]
    assert (row["field_order"], row["data_type"], row["page"]) == (order, data_type, page)
    assert pd.isna(row["length"]) if length is None else row["length"] == length
    assert (row["code_type"], row["code_type_name"], row["loaded_into"]) == (code, code_name, loaded)


def test_wrapped_names_are_joined(guide: TargetGuide) -> None:
    # printed over two lines in the name column: "PATHWAY_CODED_DES" / "C_CODE", etc.
    for table, name in [
        ("LOAD_RTT_PATHWAYS", "PATHWAY_CODED_DESC_CODE"),
        ("LOAD_REFERRALS", "LOADRTTPWY_RECORD_NUMBER"),
        ("LOAD_PMI", "DATE_ENTERED_COUNTRY"),
        ("LOAD_IWL", "TRANSPORT_REQUIRED"),
    ]:
        _field(guide, table, name)


def test_date_prefixed_names_keep_their_own_type(guide: TargetGuide) -> None:
    dated = guide.fields[guide.fields["field_name"].str.startswith("DATE_")]
    assert len(dated) == 12 and set(dated["data_type"]) == {"DATE"}
    assert not guide.fields["field_name"].isin(["DATE", "CHAR"]).any()
    discharge = guide.fields[guide.fields["field_name"].str.contains("DISCHARGE")]
    assert "CHAR" not in set(discharge["data_type"]) and len(discharge) > 5


def test_row_continuing_over_a_page_break_keeps_its_comment(guide: TargetGuide) -> None:
    row = _field(guide, "LOAD_STAFF", "first_name")  # starts on page 6, last line on page 7
    lines = row["comment"].split("\n")
    assert len(lines) == 3 and lines[-1].endswith("maps006.first_name")
    nested = _field(guide, "LOAD_REFERRALS", "ENCOUNTER_TYPE")  # nested code table, pages 43-44
    assert nested["page"] == 43 and len(nested["comment"].split("\n")) == 18
    assert guide.fields.loc[guide.fields["table_name"] == "LOAD_REFERRALS", "field_name"].iloc[-1] == "ENCOUNTER_TYPE"


def test_names_have_no_blanks_and_are_unique(guide: TargetGuide) -> None:
    assert not guide.fields["field_name"].str.contains(r"\s").any()
    assert not guide.fields.duplicated(["table_name", "field_name"]).any()
    # the printed blank in "DIAGNOSIS _n_DESC" is dropped and kept as evidence
    dropped = guide.notes[guide.notes["note"].str.contains("blank")]
    assert dropped["field_name"].tolist() == [f"DIAGNOSIS_{n}_DESC" for n in range(1, 11)]
    assert dropped["printed"].str.contains(" ").all()


def test_stray_header_and_unplaced_text(guide: TargetGuide) -> None:
    headers = guide.notes[guide.notes["note"].str.contains("header")]
    assert headers[["page", "table_name"]].values.tolist() == [[40, "LOAD_REFERRALS"]]
    # only prose outside the tables (a rules list, document control) is left unplaced
    assert set(guide.unplaced["page"]) == {47, 104}
    assert not guide.unplaced["text"].str.match(r"(VARCHAR2|NUMBER|DATE)\b").any()


def test_table_boxes(guide: TargetGuide) -> None:
    tables = guide.tables.set_index("table_name")
    assert tables.loc["LOAD_STAFF", "functional_area"] == "STAFF DATA"
    assert tables.loc["LOAD_PMIIDS", "functional_area"] == tables.loc["LOAD_PMI", "functional_area"]
    assert tables.loc["LOAD_PMI", "creates_records_in"].split(";")[:2] == ["PATIENT_IDS", "PATIENT_MASTER"]
    assert tables.loc["LOAD_OPDWAITLIST", "creates_records_in"] == "OPD_WAIT_LIST;CLINIC_WAITLIST_GROUPS"
    assert tables.loc["LOAD_PMIIDS", "parent_links"] == "LOAD_PMI.loadpmi_record_number"
    assert tables.loc["LOAD_RTT_PERIODS", "parent_links"] == (
        "LOAD_RTT_PATHWAYS.LOADRTTPWY_RECORD_NUMBER;LOAD_REFERRALS.LOADREF_RECORD_NUMBER"
    )
    assert tables.loc["LOAD_STAFF", "parent_links"] == ""
    assert (tables["loader_package"].str.count(r"\.") == 1).all()
    assert (tables["page_start"] <= tables["page_end"]).all()


def test_workers_give_the_same_result(guide: TargetGuide) -> None:
    single = read_target_guide(REAL_GUIDE, workers=1)
    pd.testing.assert_frame_equal(single.fields, guide.fields)
    pd.testing.assert_frame_equal(single.tables, guide.tables)


# ---------------------------------------------------------------- errors


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecDocumentError, match="not found"):
        read_target_guide(tmp_path / "absent.pdf")


def test_text_file_renamed_pdf(tmp_path: Path) -> None:
    path = tmp_path / "guide.pdf"
    path.write_text("this is not a PDF\n", encoding="utf-8")
    with pytest.raises(SpecDocumentError, match="not a readable PDF"):
        read_target_guide(path)


def test_truncated_pdf(tmp_path: Path) -> None:
    if not REAL_GUIDE.is_file():
        pytest.skip(f"real target guide not available at {REAL_GUIDE}")
    path = tmp_path / "truncated.pdf"
    path.write_bytes(REAL_GUIDE.read_bytes()[:20_000])
    with pytest.raises(SpecDocumentError):
        read_target_guide(path)


def test_pdf_without_tables(tmp_path: Path) -> None:
    path = tmp_path / "prose.pdf"
    canvas = Canvas(str(path), invariant=1)
    canvas.drawString(72, 720, "A document with prose only.")
    canvas.save()
    with pytest.raises(SpecDocumentError, match="TABLE NAME"):
        read_target_guide(path)


def _tiny_guide(path: Path, one: list[str], two: list[str]) -> Path:
    tables = pd.DataFrame(
        [
            {
                "table_name": "LOAD_ONE",
                "functional_area": "AREA",
                "description": "One.",
                "creates_records_in": "ONE",
                "loader_package": "pkg.load_one",
                "parent_links": "",
                "load_order": 1,
            },
            {
                "table_name": "LOAD_TWO",
                "functional_area": "AREA",
                "description": "Two.",
                "creates_records_in": "TWO",
                "loader_package": "pkg.load_two",
                "parent_links": "",
                "load_order": 2,
            },
        ]
    )
    fields = pd.DataFrame(
        [
            {
                "table_name": table,
                "field_order": i,
                "field_name": name,
                "data_type": "NUMBER",
                "length": 4,
                "code_type": "",
                "code_type_name": "",
                "loaded_into": "",
                "comment": "A number.",
            }
            for table, names in (("LOAD_ONE", one), ("LOAD_TWO", two))
            for i, name in enumerate(names, start=1)
        ]
    )
    fields["length"] = fields["length"].astype("Int64")
    render_target_guide(tables, fields, path)
    return path


def test_table_without_fields(tmp_path: Path) -> None:
    with pytest.raises(SpecDocumentError, match="no field rows") as raised:
        read_target_guide(_tiny_guide(tmp_path / "empty.pdf", [], ["ID"]))
    assert raised.value.where == "LOAD_ONE"


def test_duplicate_field_name(tmp_path: Path) -> None:
    with pytest.raises(SpecDocumentError, match="duplicate field name") as raised:
        read_target_guide(_tiny_guide(tmp_path / "dup.pdf", ["ID"], ["ID", "CODE", "id"]))
    assert "LOAD_TWO" in str(raised.value.where)


# ---------------------------------------------------------------- traps in another geometry


def _drawn_guide(path: Path) -> Path:
    """A hand-placed guide page pair (no ruling lines) with the guide's traps."""
    canvas = Canvas(str(path), pagesize=(600, 800), invariant=1)

    def text(x: float, y: float, value: str, size: float = 8, font: str = "Helvetica") -> None:
        canvas.setFont(font, size)
        canvas.drawString(x, y, value)

    text(36, 760, "GLUED DATA", 12, "Helvetica-Bold")
    for y, value in [
        (736, "TABLE NAME:LOAD_GLUED"),
        (720, "Glued test table."),
        (704, "Linked to LOAD_PARENT via parent_record_numberand so on."),
        (688, "Creates records in:"),
        (676, "GLUED_MASTER"),
        (660, "Loaded via:"),
        (648, "pkg.load_glued"),
    ]:
        text(46, y, value, 9.5)
    columns = (46, 110, 160, 300)
    for x, value in zip(columns, ["DATATYPE", "LENGTH", "NAME", "COMMENTS"], strict=True):
        text(x, 610, value, 8, "Helvetica-Bold")
    rows = [
        (580, ["NUMBER", "42", "RECORD_NUMBER", "Row key."]),
        (550, ["VARCHAR2", "20", "DATE_OF_A", "Loaded into GLUED_MASTER.arrived"]),
        (450, ["DATE", "", "PARENT_RECORD_NUMBER", "Foreign key to LOAD_PARENT.record_number"]),
        (90, ["VARCHAR2", "80", "DISCHARGE_CHARGE", 'Maps to: code type 42 - "Glue Codes"']),
    ]
    for y, cells in rows:
        for x, value in zip(columns, cells, strict=True):
            text(x, y, value, 8, "Helvetica-Bold" if x == columns[0] else "Helvetica")
    text(160, 540, "RRIVAL")  # the name wrapped inside its cell
    text(500, 20, "page 1", 7)
    canvas.showPage()
    text(300, 760, "Loaded as mapped into: GLUED_MASTER. discharge_charge")  # row goes on
    for x, value in zip(columns, ["Datatype", "Length", "Name", "Comments"], strict=True):
        text(x, 730, value, 8, "Helvetica-Bold")  # stray second header row
    for x, value in zip(columns, ["CHAR", "1", "ACTIVE_FLAG", "Y or N."], strict=True):
        text(x, 700, value, 8, "Helvetica-Bold" if x == columns[0] else "Helvetica")
    text(500, 20, "page 2", 7)
    canvas.save()
    return path


def test_traps_in_a_differently_placed_guide(tmp_path: Path) -> None:
    guide = read_target_guide(_drawn_guide(tmp_path / "drawn.pdf"), workers=1)
    fields = guide.fields.set_index("field_name")
    assert fields.index.tolist() == [
        "RECORD_NUMBER",
        "DATE_OF_ARRIVAL",
        "PARENT_RECORD_NUMBER",
        "DISCHARGE_CHARGE",
        "ACTIVE_FLAG",
    ]
    assert fields["data_type"].tolist() == ["NUMBER", "VARCHAR2", "DATE", "VARCHAR2", "CHAR"]
    assert fields.loc["DATE_OF_ARRIVAL", "loaded_into"] == "GLUED_MASTER.arrived"
    discharge = fields.loc["DISCHARGE_CHARGE"]
    assert (discharge["code_type"], discharge["code_type_name"]) == ("42", "Glue Codes")
    assert discharge["loaded_into"] == "GLUED_MASTER.discharge_charge" and discharge["page"] == 1
    assert pd.isna(fields.loc["PARENT_RECORD_NUMBER", "length"])
    table = guide.tables.iloc[0]
    assert (table["table_name"], table["functional_area"]) == ("LOAD_GLUED", "GLUED DATA")
    assert table["parent_links"] == "LOAD_PARENT.parent_record_number"
    assert (table["creates_records_in"], table["loader_package"]) == ("GLUED_MASTER", "pkg.load_glued")
    assert (table["page_start"], table["page_end"]) == (1, 2)
    assert guide.unplaced.empty and guide.notes["note"].str.contains("header").sum() == 1


# ---------------------------------------------------------------- comment and box text


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ('Maps to: code type 10599 "Dataload System"', ("10599", "Dataload System")),
        ('Maps to: code type 10495 " SOME\nTYPES "', ("10495", "SOME TYPES")),
        ("Maps to: code type 9 -\nLoaded into: T.c", ("9", "")),
        ("Must exist as a code of code type 34", ("", "")),
    ],
)
def test_code_type(comment: str, expected: tuple[str, str]) -> None:
    assert code_type(comment) == expected


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("Loaded into maps006.user_name", "maps006.user_name"),
        ("Loaded as mapped into: maps006. level_code", "maps006.level_code"),
        ("Loaded as mapped into:\nA_ONE.code\nB_TWO.code\ne.g. X, Y", "A_ONE.code;B_TWO.code"),
        ("Loaded into: T1.col,\nt2.col,\nt3.start_x/stop_x.", "T1.col;t2.col;t3.start_x;t3.stop_x"),
        ("Loaded into: SITE_ SITE _CONTACTS.phone", "SITE_SITE_CONTACTS.phone"),
        ("Loaded into maps006 field of same name.", "maps006.mon_allowed"),
        ("Number as loaded into LOAD_PMI.main_crn", ""),
        ("Must be in format: DD/MM/YYYY\nCPA_MASTER.applies_start", "CPA_MASTER.applies_start"),
        ("Maps to: S_MASTER.code and\nS_STAFF.staff_id", ""),
    ],
)
def test_loaded_into(comment: str, expected: str) -> None:
    assert loaded_into(comment, "mon_allowed") == expected


def test_box_without_a_readable_label() -> None:
    # the real guide draws "Creates records in" without text, so only ":" or nothing is left
    box = parse_box(
        [
            "Some data.",
            "Linked to LOAD_PMI via loadpmi_record_number.",
            ":",
            "ONE_TABLE",
            "Optionally TWO_TABLE",
            "Loaded via:",
            "pkg.load_x",
        ]
    )
    assert box.creates == ("ONE_TABLE", "TWO_TABLE") and box.package == "pkg.load_x"
    assert box.links == (("LOAD_PMI", "loadpmi_record_number"),)
    unlabelled = parse_box(
        ["User data.", "MAPS006", "PAGE_LINKS", "Also makes an account.", "Loaded via:", "PKG.load_user"]
    )
    assert unlabelled.creates == ("MAPS006", "PAGE_LINKS")
    assert unlabelled.description == "User data.\nAlso makes an account."
