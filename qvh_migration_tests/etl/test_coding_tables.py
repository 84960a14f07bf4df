"""Loaded coding tables: diagnoses and procedures linked to loaded episodes and attendances, invalid codes
rejected, each source table of the union conserved."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.etl.key_registry import REGISTRY_FILE, check_append_only, read_registry
from qvh_migration.etl.pipeline import build_key_registry, run_partition
from qvh_migration.etl.row_sources import ROW_SOURCES_FILE
from qvh_migration.gates.pipeline import loaded_and_registered
from qvh_migration.gates.table_gates import record_keys
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.legacy.keys import row_keys
from qvh_migration.mapping.transforms_coding import ICD10_SHAPE, OPCS4_SHAPE
from qvh_migration.reports.reconciliation.reconciliation import BALANCED, reconcile_run
from qvh_migration.reports.trial_comparison.trial_comparison import reference_contract
from qvh_migration_tests.etl.conftest import CROSSWALKS, folders_of

# Parents before children, as the dry run loads them.
TABLES = (
    "LOAD_ADT_ADMISSIONS",
    "LOAD_ADT_EPISODES",
    "LOAD_ADT_CODING",
    "LOAD_OPD_APPOINTMENTS",
    "LOAD_OPD_CODING",
    "LOAD_ADT_ARCHIVE",
    "LOAD_OPD_ARCHIVE",
)


def _load(data_dir: Path, *tables: str) -> None:
    for table in tables:
        run_partition(folders_of(data_dir), CROSSWALKS, table, run_id="run-1")


def _read(data_dir: Path, kind: str, table: str) -> pd.DataFrame:
    return pd.read_parquet(data_dir / "target" / kind / f"{table}.parquet")


@pytest.fixture(scope="module")
def coded_run(upstream_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("coding") / "data"
    shutil.copytree(upstream_data, data_dir)
    _load(data_dir, *TABLES)
    return data_dir


@pytest.mark.parametrize(
    ("child", "link", "parent"),
    [
        ("LOAD_ADT_CODING", "ADT_EPS_RECORD_NUMBER", "LOAD_ADT_EPISODES"),
        ("LOAD_OPD_CODING", "LOAD_OPD_RECORD_NUMBER", "LOAD_OPD_APPOINTMENTS"),
    ],
)
def test_coded_diagnoses_and_procedures_link_to_loaded_parents(coded_run, child, link, parent):
    rows = _read(coded_run, "tables", child)
    parents = _read(coded_run, "tables", parent)
    assert len(rows) > 0
    assert rows[link].astype("int64").isin(parents["RECORD_NUMBER"].astype("int64")).all()
    assert set(rows["DIAGNOSIS_DIVISION"]) == {"Diagnoses", "Procedures"}
    diagnoses = rows[rows["DIAGNOSIS_DIVISION"] == "Diagnoses"]
    procedures = rows[rows["DIAGNOSIS_DIVISION"] == "Procedures"]
    assert diagnoses["DIAGNOSIS"].str.fullmatch(ICD10_SHAPE).all()
    assert procedures["DIAGNOSIS"].str.fullmatch(OPCS4_SHAPE).all()
    # Exactly one primary diagnosis per episode or attendance that has coded diagnoses.
    primaries = diagnoses[diagnoses["NOTE_TYPE"] == "Primary"].groupby(link).size()
    assert set(diagnoses[link]) == set(primaries.index) and (primaries == 1).all()


CODING_SOURCES = [
    ("LOAD_ADT_CODING", ("CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC")),
    ("LOAD_OPD_CODING", ("OPADIAGNOSIS", "OPA", "OPPROCEDURE")),
]
# Where each coded record keeps its primary procedure, the procedure's date and its key.
PRIMARY_PROCEDURES = [
    (
        "LOAD_ADT_CODING",
        "CONSEPISODE",
        "KornerEpisodePrimaryProcedureCode",
        "KornerEpisodeProcedureDateInternal",
        ("InternalPatientNumber", "EpisodeNumber", "FCENumber"),
    ),
    (
        "LOAD_OPD_CODING",
        "OPA",
        "ApptPrimaryProcedureCode",
        "PtApptStartDtimeInt",
        ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt"),
    ),
]


@pytest.mark.parametrize(("table", "source", "code", "date", "keys"), PRIMARY_PROCEDURES)
def test_every_loaded_record_with_a_primary_procedure_has_its_primary_procedure_row(
    coded_run, table, source, code, date, keys
):
    """Guide pp. 57 and 78: the coding tables hold diagnoses and procedures, NOTE_TYPE (code type 313)
    marks the Primary one. The episode's (attendance's) primary procedure loads as its one Primary
    procedure row, dated by the procedure (p. 79 date_recorded), never only its secondaries."""
    rows = _read(coded_run, "tables", table)
    link = "ADT_EPS_RECORD_NUMBER" if table == "LOAD_ADT_CODING" else "LOAD_OPD_RECORD_NUMBER"
    parent = "LOAD_ADT_EPISODES" if table == "LOAD_ADT_CODING" else "LOAD_OPD_APPOINTMENTS"
    registry = read_registry(coded_run / "target" / REGISTRY_FILE)
    parents = registry[registry["target_table"] == parent].set_index("grain_key")["record_number"]
    loaded = set(_read(coded_run, "tables", parent)["RECORD_NUMBER"].astype("int64"))
    extract = pd.read_parquet(coded_run / "extracts" / f"{source}.parquet")
    coded = extract[extract[code].str.strip() != ""]
    numbers = row_keys(coded, source).map(parents)
    coded = coded.assign(number=numbers)[numbers.isin(loaded).to_numpy()]
    assert len(coded) > 0
    primary = rows[(rows["DIAGNOSIS_DIVISION"] == "Procedures") & (rows["NOTE_TYPE"] == "Primary")]
    assert primary[link].is_unique  # one primary procedure per episode or attendance
    found = coded.merge(primary.astype({link: "int64"}), left_on="number", right_on=link, how="left")
    assert found["DIAGNOSIS"].notna().all(), f"{found['DIAGNOSIS'].isna().sum()} records lack their primary procedure"
    assert (found["DIAGNOSIS"] == found[code].str.replace(".", "", regex=False)).all()
    day = pd.to_datetime(found[date].str.slice(0, 8), format="%Y%m%d").dt.strftime("%d/%m/%Y")
    assert (found["DIAGNOSIS_DATE"] == day).all()
    if table == "LOAD_ADT_CODING":  # a secondary procedure is dated by its own procedure date
        secondary = rows[(rows["DIAGNOSIS_DIVISION"] == "Procedures") & (rows["NOTE_TYPE"] == "Secondary")]
        procedures = pd.read_parquet(coded_run / "extracts" / "CONSEPISPROC.parquet")
        ids = "P-" + procedures[[*keys, "SecondaryProcSeqNo"]].agg("-".join, axis=1)
        dated = secondary.merge(procedures.assign(EXTERNAL_SYSTEM_ID=ids), on="EXTERNAL_SYSTEM_ID")
        assert len(dated) > 0
        expected = pd.to_datetime(dated["ProcedureDateInt"], format="%Y%m%d").dt.strftime("%d/%m/%Y")
        assert (dated["DIAGNOSIS_DATE"] == expected).all()


@pytest.mark.parametrize(("table", "sources"), CODING_SOURCES)
def test_every_coding_row_is_loaded_rejected_or_filtered_with_a_reason(coded_run, table, sources):
    outcomes = _read(coded_run, "outcomes", table)
    extracts = [pd.read_parquet(coded_run / "extracts" / f"{source}.parquet") for source in sources]
    # An episode or attendance with no primary procedure is filtered by the part's row filter (counted
    # in the load summary, no record number): it has no primary procedure row.
    _, primary_source, code, _, _ = next(p for p in PRIMARY_PROCEDURES if p[0] == table)
    uncoded = int((extracts[sources.index(primary_source)][code].str.strip() == "").sum())
    assert len(outcomes) == sum(len(e) for e in extracts) - uncoded and outcomes["record_number"].is_unique
    assert set(outcomes["outcome"]) <= {"loaded", "rejected", "filtered"}
    # Coding of archived episodes and appointments is filtered with its parent, saying so.
    filtered = outcomes[outcomes["outcome"] == "filtered"]
    assert len(filtered) > 0 and filtered["reason"].str.contains("archived").all()


def test_archives_carry_the_ranked_codes(coded_run):
    adt = _read(coded_run, "tables", "LOAD_ADT_ARCHIVE")
    assert adt["PRIMARY_DIAGNOSIS_CODE"].notna().any() and adt["DIAGNOSIS_1_CODE"].notna().any()
    # Slots fill in order: no second secondary diagnosis without a first.
    assert not (adt["DIAGNOSIS_2_CODE"].notna() & adt["DIAGNOSIS_1_CODE"].isna()).any()
    assert (adt.loc[adt["DIAGNOSIS_1_CODE"].notna(), "PRIMARY_DIAGNOSIS_CODE"].notna()).all()
    opd = _read(coded_run, "tables", "LOAD_OPD_ARCHIVE")
    assert opd["PRIMARY_PROCEDURE_CODE"].notna().any()
    assert (opd["PROCEDURE_SCHEME"] == "OPCS-4").all() and (adt["DIAGNOSIS_SCHEME"] == "ICD-10").all()


def test_archive_diagnosis_slots_hold_the_spell_diagnoses_besides_its_primary(coded_run):
    archive = _read(coded_run, "tables", "LOAD_ADT_ARCHIVE")
    spells = pd.read_parquet(coded_run / "extracts" / "ADMITDISCH.parquet")
    diagnoses = pd.read_parquet(coded_run / "extracts" / "CONSEPISDIAG.parquet")
    spell = ["InternalPatientNumber", "EpisodeNumber"]
    fce = pd.to_numeric(diagnoses["FCENumber"], errors="coerce")
    last = fce.eq(fce.groupby([diagnoses[c] for c in spell]).transform("max"))
    # Every diagnosis of the spell except the last episode's primary, at most the ten slots.
    kept = diagnoses[~(last & diagnoses["SecondaryDiagSeqNo"].eq("1"))]
    expected = kept.groupby(spell).size().clip(upper=10).rename("expected").reset_index()
    spells = spells.assign(
        CRN=spells["DistrictNumber"],
        ADMIT_DATE=pd.to_datetime(
            spells["IpAdmDtimeInt"].str.slice(0, 8), format="%Y%m%d", errors="coerce"
        ).dt.strftime("%d/%m/%Y"),
    )
    slots = [f"DIAGNOSIS_{i}_CODE" for i in range(1, 11)]
    archive = archive.assign(filled=archive[slots].notna().sum(axis=1))
    unique = archive.drop_duplicates(["CRN", "ADMIT_DATE"], keep=False)
    matched = unique.merge(spells.drop_duplicates(["CRN", "ADMIT_DATE"], keep=False), on=["CRN", "ADMIT_DATE"])
    matched = matched.merge(expected, on=spell, how="left").fillna({"expected": 0})
    assert len(matched) > 10 and (matched["filled"] > 0).any()
    wrong = matched[matched["filled"] != matched["expected"]]
    assert wrong.empty, wrong[[*spell, "filled", "expected", *slots[:4]]].to_string()


def _corrupt(data_dir: Path, table: str, column: str, row: int, value: str) -> str:
    path = data_dir / "extracts" / f"{table}.parquet"
    frame = pd.read_parquet(path)
    frame.loc[frame.index[row], column] = value
    frame.to_parquet(path, index=False)
    return str(row_keys(frame, table).iloc[row])


def test_an_invalid_code_shape_is_rejected_with_its_reason(coded_run, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(coded_run, data_dir)
    loaded = set(_read(data_dir, "tables", "LOAD_ADT_CODING")["EXTERNAL_SYSTEM_ID"])
    diagnoses = pd.read_parquet(data_dir / "extracts" / "CONSEPISDIAG.parquet")
    ids = diagnoses[["InternalPatientNumber", "EpisodeNumber", "FCENumber", "SecondaryDiagSeqNo"]].agg("-".join, axis=1)
    row = int(ids.isin(loaded).to_numpy().nonzero()[0][0])  # a diagnosis of a loaded (live) episode
    key = _corrupt(data_dir, "CONSEPISDIAG", "SecondaryDiagnosis", row, "52.S5")
    before = len(_read(data_dir, "tables", "LOAD_ADT_CODING"))
    _load(data_dir, "LOAD_ADT_CODING")
    rejects = _read(data_dir, "rejects", "LOAD_ADT_CODING")
    hit = rejects[rejects["source_key"] == key]
    assert hit[["field", "reason_code"]].values.tolist() == [["DIAGNOSIS", "invalid_code_shape"]]
    assert "ICD-10" in hit["message"].iloc[0]
    assert len(_read(data_dir, "tables", "LOAD_ADT_CODING")) == before - 1


def test_an_invalid_procedure_code_rejects_the_archive_row(coded_run, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(coded_run, data_dir)
    opa = pd.read_parquet(data_dir / "extracts" / "OPA.parquet")
    archived = (opa["PtApptStartDtimeInt"].str.slice(0, 8) < "20190401") & (opa["ApptPrimaryProcedureCode"] != "")
    row = int(archived.to_numpy().nonzero()[0][0])
    key = _corrupt(data_dir, "OPA", "ApptPrimaryProcedureCode", row, "S6")
    _load(data_dir, "LOAD_OPD_ARCHIVE")
    rejects = _read(data_dir, "rejects", "LOAD_OPD_ARCHIVE")
    hit = rejects[(rejects["source_key"] == key) & (rejects["reason_code"] == "invalid_code_shape")]
    assert hit["field"].tolist() == ["PRIMARY_PROCEDURE_CODE"]
    assert "OPCS-4" in hit["message"].iloc[0]


def test_diagnoses_and_procedures_of_one_episode_load_side_by_side(coded_run):
    rows = _read(coded_run, "tables", "LOAD_ADT_CODING")
    divisions = rows.groupby("ADT_EPS_RECORD_NUMBER")["DIAGNOSIS_DIVISION"].nunique()
    both = divisions[divisions == 2]
    assert len(both) > 0  # an operated episode holds its diagnoses and its procedures
    episode = rows[rows["ADT_EPS_RECORD_NUMBER"] == both.index[0]]
    procedures = episode[episode["DIAGNOSIS_DIVISION"] == "Procedures"]
    assert procedures["DIAGNOSIS"].str.fullmatch(OPCS4_SHAPE).all()
    assert procedures["EXTERNAL_SYSTEM_ID"].str.startswith("P-").all()
    # A procedure and a diagnosis with the same sequence number never share a record or coding id.
    assert rows["RECORD_NUMBER"].is_unique and rows["EXTERNAL_SYSTEM_ID"].is_unique


def test_a_code_not_of_opcs4_shape_in_a_procedure_is_rejected(coded_run, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(coded_run, data_dir)
    loaded = set(_read(data_dir, "tables", "LOAD_ADT_CODING")["EXTERNAL_SYSTEM_ID"])
    procedures = pd.read_parquet(data_dir / "extracts" / "CONSEPISPROC.parquet")
    ids = "P-" + procedures[["InternalPatientNumber", "EpisodeNumber", "FCENumber", "SecondaryProcSeqNo"]].agg(
        "-".join, axis=1
    )
    row = int(ids.isin(loaded).to_numpy().nonzero()[0][0])  # a procedure of a loaded (live) episode
    key = _corrupt(data_dir, "CONSEPISPROC", "OPCS", row, "I10.X")  # an ICD-10 code: no OPCS-4 chapter I
    before = len(_read(data_dir, "tables", "LOAD_ADT_CODING"))
    _load(data_dir, "LOAD_ADT_CODING")
    rejects = _read(data_dir, "rejects", "LOAD_ADT_CODING")
    hit = rejects[rejects["source_key"] == key]
    assert hit[["source_table", "field", "reason_code"]].values.tolist() == [
        ["CONSEPISPROC", "DIAGNOSIS", "invalid_code_shape"]
    ]
    assert "OPCS-4" in hit["message"].iloc[0]
    assert len(_read(data_dir, "tables", "LOAD_ADT_CODING")) == before - 1


@pytest.mark.parametrize(("table", "sources"), CODING_SOURCES)
def test_each_source_table_of_a_union_is_conserved_and_reconciled(coded_run, table, sources):
    summary = pd.read_csv(coded_run / "target" / "load_summary.csv", keep_default_na=False)
    parts = summary[summary["target_table"] == table].set_index("source_table")
    assert tuple(parts.index) == sources
    for source in sources:
        extract = pd.read_parquet(coded_run / "extracts" / f"{source}.parquet")
        counts = parts.loc[source, ["loaded_rows", "rejected_rows", "filtered_rows"]].astype(int)
        assert int(parts.loc[source, "source_rows"]) == len(extract) == counts.sum()
        assert int(parts.loc[source, "loaded_rows"]) > 0
    assert parts["target_rows"].astype(int).sum() == len(_read(coded_run, "tables", table))
    frame = reconcile_run(RunFolders.under(coded_run), [table], ROW_SOURCES_FILE)
    assert frame["source_table"].tolist() == list(sources)
    assert (frame["status"] == BALANCED).all(), frame[["source_table", "gap"]].to_string()


def test_union_keys_name_their_source_table_and_stay_put_on_a_rerun(coded_run, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(coded_run, data_dir)
    before = read_registry(data_dir / "target" / REGISTRY_FILE)
    coding = before[before["target_table"] == "LOAD_ADT_CODING"]
    prefixes = set(coding["grain_key"].str.split(":", n=1).str[0])
    assert prefixes == {"CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC"}
    after, added = build_key_registry(folders_of(data_dir), "run-2")
    assert added.empty and not check_append_only(before, after)
    assert after["record_number"].tolist() == before["record_number"].tolist()


def test_the_gates_trace_a_union_record_to_its_own_source_row(coded_run):
    loaded, _ = loaded_and_registered(coded_run / "target")
    coding = loaded[loaded["target_table"] == "LOAD_ADT_CODING"]
    assert set(coding["source_table"]) == {"CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC"}
    for source, part in coding.groupby("source_table"):
        extract = pd.read_parquet(coded_run / "extracts" / f"{source}.parquet")
        # The defect ledger names rows by the extract's own key: a loaded record must carry it.
        assert part["grain_key"].isin(row_keys(extract, str(source))).all()
    # A finding on a union table's row names the row's own source table and extract key.
    table = _read(coded_run, "tables", "LOAD_ADT_CODING")
    keys = record_keys(coded_run / "target", "LOAD_ADT_CODING", table)
    procedures = ((table["DIAGNOSIS_DIVISION"] == "Procedures") & (table["NOTE_TYPE"] == "Secondary")).to_numpy()
    primary = ((table["DIAGNOSIS_DIVISION"] == "Procedures") & (table["NOTE_TYPE"] == "Primary")).to_numpy()
    assert set(keys.loc[procedures, "source_table"]) == {"CONSEPISPROC"}
    assert set(keys.loc[primary, "source_table"]) == {"CONSEPISODE"}
    assert set(keys.loc[~procedures & ~primary, "source_table"]) == {"CONSEPISDIAG"}
    extract = pd.read_parquet(coded_run / "extracts" / "CONSEPISPROC.parquet")
    assert keys.loc[procedures, "source_key"].isin(row_keys(extract, "CONSEPISPROC")).all()


def test_the_reference_evaluator_agrees_with_the_union_load(coded_run):
    procedures = pd.read_parquet(coded_run / "extracts" / "CONSEPISPROC.parquet")
    patients = set(procedures["InternalPatientNumber"].astype(str).head(60))
    verdicts = reference_contract(coded_run, CROSSWALKS, patients).evaluate_table("LOAD_ADT_CODING")
    outcomes = _read(coded_run, "outcomes", "LOAD_ADT_CODING").set_index("record_number")["outcome"]
    loaded = _read(coded_run, "tables", "LOAD_ADT_CODING").set_index("RECORD_NUMBER", drop=False)
    parts = {v.grain_key.split(":", 1)[0] for v in verdicts}
    assert parts == {"CONSEPISDIAG", "CONSEPISODE", "CONSEPISPROC"}
    compared = 0
    for verdict in verdicts:
        assert verdict.outcome == outcomes[verdict.record_number], verdict.grain_key
        if verdict.outcome != "loaded":
            continue
        row = loaded.loc[verdict.record_number]
        for found in verdict.fields:
            expected = "" if found.value is None else str(found.value)
            actual = "" if pd.isna(row[found.field]) else str(row[found.field])
            assert expected == actual, (verdict.grain_key, found.field)
            compared += 1
    assert compared > 0
