"""Tables loaded from a union of source tables: the file's shape, and each part's contract rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.errors import CurationError
from qvh_migration.etl.executor import SUMMARY_COLUMNS, TableLoad
from qvh_migration.etl.row_sources import RowSource, RowSourceUnion, load_row_sources
from qvh_migration.etl.source_rules import prepare_rows, split_union_keys
from qvh_migration.etl.union import owning_record, part_rules

HEAD = "system_code: X\ntables:\n  LOAD_ADT_CODING:\n"
DIAG = "      - {source: CONSEPISDIAG, rationale: diagnoses}\n"
PROC = "      - source: CONSEPISPROC\n        rationale: procedures\n"


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "row_sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + "    rationale: r\n    sources:\n" + DIAG, "two or more source tables"),
        (HEAD + "    source: CONSEPISDIAG\n    rationale: r\n    sources:\n" + DIAG + PROC, "not both"),
        (HEAD + "    sources:\n" + DIAG + PROC, "needs a rationale"),
        (HEAD + "    rationale: r\n    sources:\n" + DIAG + DIAG, "CONSEPISDIAG is listed twice"),
        (HEAD + "    rationale: r\n    sources:\n" + DIAG + "      - {rationale: x}\n", "needs 'source'"),
        (
            HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
            "          DIAGNOSIS: {class: TRANSFORM, source: OPCS, transform: opcs5_code, rationale: r}\n",
            "transform 'opcs5_code' is not registered",
        ),
        (
            HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
            "          DIAGNOSIS_DIVISION: {class: DEFAULT, rationale: r}\n",
            "needs 'default'",
        ),
        (
            HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
            "          DIAGNOSIS: {class: TRANSFORM, source: OPCS, transform: opcs4_code}\n",
            "needs a rationale",
        ),
        (
            HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
            "          DIAGNOSIS: {class: DIRECT, source: OPCS, parent: LOAD_PMI, rationale: r}\n",
            "takes only",
        ),
    ],
)
def test_a_bad_union_names_the_file_the_table_and_the_source(tmp_path: Path, text: str, message: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(CurationError, match=message) as error:
        load_row_sources(path)
    assert str(path) in str(error.value) and "LOAD_ADT_CODING" in str(error.value)


def test_the_shipped_coding_tables_are_unions_of_diagnoses_and_procedures() -> None:
    sources = load_row_sources()
    for table, tables in (
        ("LOAD_ADT_CODING", ("CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC")),
        ("LOAD_OPD_CODING", ("OPADIAGNOSIS", "OPA", "OPPROCEDURE")),
    ):
        spec = sources[table]
        assert isinstance(spec, RowSourceUnion) and spec.source_tables == tables
        assert sources.is_union(table) and all(p.in_union for p in sources.parts(table))
        for part, note_type in zip(sources.parts(table)[1:], ("Primary", "Secondary"), strict=True):
            overrides = {f.target_field: f for f in part.fields}
            assert overrides["DIAGNOSIS"].transform == "opcs4_code"
            assert overrides["DIAGNOSIS_DIVISION"].default == "Procedures"
            assert overrides["NOTE_TYPE"].default == note_type
    # A single-source table keeps its one RowSource: the API other code reads is unchanged.
    single = sources["LOAD_ADT_EPISODES"]
    assert isinstance(single, RowSource) and sources.parts("LOAD_ADT_EPISODES") == (single,)
    assert single.source_table == "CONSEPISODE" and single.key_prefix == ""


def test_a_union_part_keys_its_rows_by_its_source_table() -> None:
    frame = pd.DataFrame(
        {"InternalPatientNumber": ["1", "1"], "EpisodeNumber": ["2", "2"], "FCENumber": "1", "SecondaryProcSeqNo": "1"}
    )
    grain = ("InternalPatientNumber", "EpisodeNumber")
    alone = prepare_rows(RowSource("T", "CONSEPISPROC", grain), frame, pd.Series(dtype="string"), pd.Series())
    part = prepare_rows(RowSource("T", "CONSEPISPROC", grain, in_union=True), frame, pd.Series(dtype="string"), None)
    assert alone["_grain_key"].iloc[0] == "InternalPatientNumber=1|EpisodeNumber=2"
    assert part["_grain_key"].iloc[0] == "CONSEPISPROC:InternalPatientNumber=1|EpisodeNumber=2"
    table, key = split_union_keys(pd.concat([alone["_grain_key"], part["_grain_key"]]))
    assert table.tolist() == ["", "", "CONSEPISPROC", "CONSEPISPROC"]
    assert key.nunique() == 1  # the extract's own key, whichever way it was registered


def _rules() -> pd.DataFrame:
    """LOAD_ADT_CODING's contract rows as the mapping contract has them (the columns the executor reads)."""
    rows = [
        ("ADT_EPS_RECORD_NUMBER", "DERIVED", "CONSEPISDIAG.InternalPatientNumber;CONSEPISDIAG.EpisodeNumber", ""),
        ("EXTERNAL_SYSTEM_ID", "GENERATED", "CONSEPISDIAG.InternalPatientNumber", ""),
        ("DIAGNOSIS_DIVISION", "DEFAULT", "", ""),
        ("NOTE_TYPE", "DERIVED", "CONSEPISDIAG.SecondaryDiagnosis", "diagnosis_note_type"),
        ("DIAGNOSIS", "TRANSFORM", "CONSEPISDIAG.SecondaryDiagnosis", "icd10_code"),
        ("DIAGNOSIS_NOTE", "NOT_MIGRATED", "", ""),
        ("DIAGNOSED_BY", "DIRECT", "CONSEPISODE.ConsultantCode", ""),
        ("DIAGNOSIS_DATE", "TRANSFORM", "CONSEPISODE.AdtKornerCodingCompleteDateinternal", "format_date_ddmmyyyy"),
    ]
    frame = pd.DataFrame(rows, columns=["target_field", "mapping_class", "source_fields", "transform"])
    return frame.assign(
        source_table="CONSEPISDIAG",
        crosswalk="",
        default_value=["", "", "Diagnoses", "", "", "", "", ""],
        parent_table=["LOAD_ADT_EPISODES", "", "", "", "", "", "", ""],
        rationale="r",
    )


def test_a_part_fills_the_fields_it_overrides_from_its_own_table() -> None:
    sources = load_row_sources()
    union = sources["LOAD_ADT_CODING"]
    procedures = part_rules(_rules(), union, union.parts[2], "row_sources.yaml").set_index("target_field")
    assert procedures.at["DIAGNOSIS", "source_fields"] == "CONSEPISPROC.OPCS"
    assert procedures.at["DIAGNOSIS", "transform"] == "opcs4_code"
    assert procedures.at["DIAGNOSIS_DIVISION", "default_value"] == "Procedures"
    assert procedures.at["DIAGNOSIS_DATE", "source_fields"] == "CONSEPISPROC.ProcedureDateInt"  # not coding-complete
    # The parent link keeps its parent and takes the part's own key columns.
    assert procedures.at["ADT_EPS_RECORD_NUMBER", "parent_table"] == "LOAD_ADT_EPISODES"
    assert procedures.at["ADT_EPS_RECORD_NUMBER", "source_fields"].startswith("CONSEPISPROC.")
    # A rule reading the record the row belongs to (the episode, itself a part) applies as written.
    assert procedures.at["DIAGNOSED_BY", "source_fields"] == "CONSEPISODE.ConsultantCode"
    diagnoses = part_rules(_rules(), union, union.parts[0], "row_sources.yaml")
    assert diagnoses.equals(_rules())  # the first part is what the contract was written for
    # The episode's own part: the primary procedure, from the episode's columns.
    primary = part_rules(_rules(), union, union.parts[1], "row_sources.yaml").set_index("target_field")
    assert primary.at["DIAGNOSIS", "source_fields"] == "CONSEPISODE.KornerEpisodePrimaryProcedureCode"
    assert primary.at["NOTE_TYPE", "default_value"] == "Primary"
    assert primary.at["ADT_EPS_RECORD_NUMBER", "source_fields"].startswith("CONSEPISODE.")


def test_only_the_owning_record_is_read_across_parts() -> None:
    assert owning_record("CONSEPISODE", "CONSEPISDIAG") and owning_record("OPA", "OPPROCEDURE")
    assert not owning_record("CONSEPISDIAG", "CONSEPISPROC")  # a sibling repeat group: many rows
    assert not owning_record("CONSEPISDIAG", "CONSEPISODE") and not owning_record("NOSUCH", "CONSEPISDIAG")


def test_a_part_must_override_every_rule_reading_another_part(tmp_path: Path) -> None:
    path = _file(tmp_path, HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC)
    union = load_row_sources(path)["LOAD_ADT_CODING"]
    with pytest.raises(CurationError, match="ADT_EPS_RECORD_NUMBER reads CONSEPISDIAG") as error:
        part_rules(_rules(), union, union.parts[1], str(path))
    assert str(path) in str(error.value) and "source CONSEPISPROC" in str(error.value)


def test_an_override_of_a_field_the_table_lacks_is_named(tmp_path: Path) -> None:
    text = HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
    text += "          DIAGNOSYS: {class: DEFAULT, default: x, rationale: r}\n"
    union = load_row_sources(_file(tmp_path, text))["LOAD_ADT_CODING"]
    with pytest.raises(CurationError, match="DIAGNOSYS is not a field of LOAD_ADT_CODING"):
        part_rules(_rules(), union, union.parts[1], "row_sources.yaml")


def test_a_union_loads_totals_add_up_its_parts_counts() -> None:
    summary = pd.DataFrame(
        [
            ["LOAD_ADT_CODING", "CONSEPISDIAG", 10, 6, 1, 3, "archived: 3", 6, 0.5, ""],
            ["LOAD_ADT_CODING", "CONSEPISPROC", 4, 2, 1, 1, "archived: 1", 2, 0.25, "a note"],
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    empty = pd.DataFrame()
    load = TableLoad("LOAD_ADT_CODING", empty, empty, empty, summary)
    totals = load.totals
    assert totals[["source_rows", "loaded_rows", "rejected_rows", "filtered_rows", "target_rows"]].tolist() == [
        14, 8, 2, 4, 8]  # fmt: skip
    assert totals["source_table"] == "CONSEPISDIAG; CONSEPISPROC" and totals["note"] == "a note"
    assert load.conserved
    single = TableLoad("LOAD_ADT_CODING", empty, empty, empty, summary.iloc[:1])
    assert single.totals.equals(summary.iloc[0])


def test_an_override_reading_a_column_the_dictionary_lacks_is_named(tmp_path: Path) -> None:
    text = HEAD + "    rationale: r\n    sources:\n" + DIAG + PROC + "        fields:\n"
    text += "          DIAGNOSIS: {class: TRANSFORM, source: OPCS4, transform: opcs4_code, rationale: r}\n"
    union = load_row_sources(_file(tmp_path, text))["LOAD_ADT_CODING"]
    catalog = {"CONSEPISPROC": {"OPCS", "InternalPatientNumber"}}
    with pytest.raises(CurationError, match=r"CONSEPISPROC\.OPCS4 is not in the source catalog"):
        part_rules(_rules(), union, union.parts[1], "row_sources.yaml", catalog)


def test_a_union_of_one_grain_is_a_parent_of_both_parts_rows(tmp_path: Path) -> None:
    """An appointment booked from the outpatient list links to the entry whether it is still on the
    list (OPWLENTRY) or was removed (OPWLREMENTRY): the union's parts share one grain."""
    from qvh_migration.etl.source_rules import GRAIN_KEY
    from qvh_migration.etl.sources import SourceTables, parent_rows

    text = (
        "system_code: X\ntables:\n  LOAD_OPDWAITLIST:\n    rationale: r\n    sources:\n"
        "      - {source: OPWLENTRY, rationale: on the list}\n"
        "      - {source: OPWLREMENTRY, rationale: removed}\n"
    )
    row_sources = load_row_sources(_file(tmp_path, text))
    entry = {"InternalPatientNumber": "1", "EpisodeNumber": "10", "OPRegDateInt": "202601051000"}
    extracts = {
        "OPWLENTRY": pd.DataFrame([entry], dtype="str"),
        "OPWLREMENTRY": pd.DataFrame([dict(entry, EpisodeNumber="20")], dtype="str"),
    }
    sources = SourceTables(lambda table: extracts.get(table))
    numbers = {}
    for number, part in enumerate(row_sources.parts("LOAD_OPDWAITLIST"), start=1):
        prepared = prepare_rows(part, sources.raw(str(part.source_table)), sources.survivors, sources.districts)
        numbers[prepared[GRAIN_KEY].iloc[0]] = number
    found = parent_rows("LOAD_OPDWAITLIST", row_sources, sources, {"LOAD_OPDWAITLIST": pd.Series(numbers)})
    assert found is not None
    assert found.frame[["EpisodeNumber", "record_number"]].astype(str).values.tolist() == [["10", "1"], ["20", "2"]]


def test_union_keys_split_only_where_a_part_named_its_table() -> None:
    """Keys without a colon skip the regex; the split is what the regex gives over every key."""
    keys = pd.Series(
        ["CONSEPISPROC:InternalPatientNumber=1", "InternalPatientNumber=5", None, "a:b", "X:y:z"], dtype="string"
    )
    table, key = split_union_keys(keys)
    assert table.tolist() == ["CONSEPISPROC", "", "", "", "X"]
    assert key.tolist() == ["InternalPatientNumber=1", "InternalPatientNumber=5", pd.NA, "a:b", "y:z"]
    parts = keys.str.extract(r"^([A-Z][A-Z0-9_]*):(.*)$")
    assert table.equals(parts[0].fillna("").astype("string"))
