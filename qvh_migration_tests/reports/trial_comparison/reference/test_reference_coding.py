"""The reference evaluator's clinical coding and archive values, and its cover of the real contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from qvh_migration.etl.row_sources import RowSource, RowSources
from qvh_migration.mapping import contract as contract_module
from qvh_migration.mapping import signals, transforms
from qvh_migration.mapping.curated_rules import NOT_MIGRATED_TABLES_FILE
from qvh_migration.reports.trial_comparison.reference import reference_coding as rc
from qvh_migration.reports.trial_comparison.reference.reference_contract import (
    ReferenceContract,
    evaluated_here,
    unevaluable_transforms,
)
from qvh_migration.reports.trial_comparison.reference.reference_sources import ReferenceSources
from qvh_migration.settings import PROJECT_ROOT

RULES = PROJECT_ROOT / "qvh_migration" / "mapping" / "rules"


@pytest.mark.parametrize(
    ("raw", "scheme", "expected"),
    [
        ("S52.5", "diagnosis", "S525"),
        (" i10.x ", "diagnosis", "I10X"),
        ("A15", "diagnosis", "A15"),
        ("M07.30A", "diagnosis", "M0730A"),
        ("G002*", "diagnosis", "G002*"),
        ("XYZ", "diagnosis", None),
        ("1234", "diagnosis", None),
        ("", "diagnosis", None),
        (None, "diagnosis", None),
        ("S60.4", "procedure", "S604"),
        ("I123", "procedure", None),  # no OPCS-4 chapter I
        ("S60", "procedure", None),
    ],
)
def test_codes_leave_without_their_dot_or_not_at_all(raw: str | None, scheme: str, expected: str | None) -> None:
    assert rc.coded(raw, scheme) == expected
    assert rc.invalid_code(raw, rc.coded(raw, scheme)) == (expected is None and bool((raw or "").strip()))


def test_the_reference_agrees_with_the_registered_code_shapes_on_awkward_values() -> None:
    values = ["S52.5", "s525", "I10.X", "A15", "A15XX", "M0730A", "G002*", "C50.9D", "Z99.99", "U07.1", "I10 ", "12A"]
    for name, scheme in rc.CODE_TRANSFORMS.items():
        registered = transforms.TRANSFORMS[name].func(pd.Series(values, dtype="string"))
        mine = [rc.coded(v, scheme) for v in values]
        assert [None if pd.isna(v) else v for v in registered] == mine, name


def test_note_type_days_and_age() -> None:
    assert rc.diagnosis_note_type("S52.5", "s525") == "Primary"
    assert rc.diagnosis_note_type("S525", "T141") == "Secondary"
    assert rc.diagnosis_note_type("S525", None) == "Secondary"
    assert rc.diagnosis_note_type("", "S525") is None
    assert rc.days_between("20190101", "20190101") == "0"
    assert rc.days_between("20181230", "201901020930") == "3"
    assert rc.days_between("20190101", None) is None and rc.days_between("2019-01-01", "20190102") is None
    assert rc.age_in_years("20000229", "20180228") == "17"  # the day before the birthday
    assert rc.age_in_years("20000229", "20180301") == "18"
    assert rc.age_in_years("19891231", "31/12/2019 08:00") == "30"
    assert rc.age_in_years(None, "20190101") is None


def _code(episode: str, sequence: str, code: str) -> dict[str, str]:
    return {"FCENumber": episode, "Seq": sequence, "Code": code}


def test_ranked_diagnoses_leave_out_the_last_episodes_primary_and_follow_episode_then_sequence() -> None:
    group = [
        _code("2", "2", "B02"),
        _code("10", "1", "C10"),  # episode 10 is the last (numeric order, not text)
        _code("2", "1", "B01"),
        _code("10", "2", "C11"),
        _code("1", "1", "A01"),
    ]
    picked = [rc.ranked_code(f"nth_diagnosis_{n}", group, ["FCENumber"], ("Code", "Seq"))[1] for n in range(1, 6)]
    assert picked == ["A01", "B01", "B02", "C11", None]
    # Procedures keep every row (no primary repeated); a value not of OPCS-4's shape has no code.
    procedures = [rc.ranked_code(f"nth_procedure_{n}", group, ["FCENumber"], ("Code", "Seq"))[0] for n in range(1, 7)]
    assert procedures == ["A01", "B01", "B02", "C10", "C11", None]
    raw, code = rc.ranked_code("nth_procedure_4", group, ["FCENumber"], ("Code", "Seq"))
    assert (raw, code) == ("C10", None) and rc.invalid_code(raw, code)


ARCHIVE_RULE = {
    "target_table": "LOAD_A",
    "field_order": "1",
    "data_type": "VARCHAR2",
    "length": "20",
    "mapping_class": "DERIVED",
    "source_table": "ADMITDISCH",
    "crosswalk": "",
    "default_value": "",
    "generator": "",
    "parent_table": "",
    "status": "approved",
    "mandatory_class": "optional",
}


@pytest.fixture
def archive(tmp_path: Path) -> ReferenceContract:
    spells = {"InternalPatientNumber": ["1", "1"], "EpisodeNumber": ["7", "8"], "Note": ["S52.5", "BROKEN"]}
    pd.DataFrame(spells).to_parquet(tmp_path / "ADMITDISCH.parquet")
    codes = {
        "InternalPatientNumber": ["1", "1", "1", "1"],
        "EpisodeNumber": ["7", "7", "8", "8"],
        "FCENumber": ["1", "1", "1", "1"],
        "SecondaryDiagSeqNo": ["1", "2", "1", "2"],
        "SecondaryDiagnosis": ["S52.5", "T14.1", "S52.5", "NOT A CODE"],
    }
    pd.DataFrame(codes).to_parquet(tmp_path / "CONSEPISDIAG.parquet")
    grain = ("InternalPatientNumber", "EpisodeNumber")
    rules = [
        {**ARCHIVE_RULE, "target_field": "DIAGNOSIS_1_CODE", "transform": "nth_diagnosis_1",
         "source_fields": "CONSEPISDIAG.SecondaryDiagnosis;CONSEPISDIAG.SecondaryDiagSeqNo"},
        {**ARCHIVE_RULE, "target_field": "NOTE", "field_order": "2", "transform": "icd10_code",
         "source_fields": "ADMITDISCH.Note"},
    ]  # fmt: skip
    return ReferenceContract(
        pd.DataFrame(rules),
        {},
        {},
        RowSources("PC60", {"LOAD_A": RowSource("LOAD_A", "ADMITDISCH", grain)}),
        {},
        lambda _table: None,
        ReferenceSources(tmp_path),
    )


@pytest.mark.parametrize("impute_mode", ["strict", "lenient"])
def test_a_value_of_no_code_shape_rejects_the_row_or_warns(archive: ReferenceContract, impute_mode: str) -> None:
    archive.failure = "reject" if impute_mode == "strict" else "warn"
    good, bad = archive.evaluate_table("LOAD_A")
    assert good.outcome == "loaded" and [f.value for f in good.fields] == ["T141", "S525"]
    assert good.fields[0].source_value == "CONSEPISDIAG.SecondaryDiagnosis=T14.1"
    if impute_mode == "strict":
        assert bad.outcome == "rejected"
        assert bad.reasons == ["DIAGNOSIS_1_CODE:invalid_code_shape", "NOTE:invalid_code_shape"]
    else:
        assert bad.outcome == "loaded" and [f.value for f in bad.fields] == [None, None]
    assert {f.basis for f in good.fields + bad.fields} == {"reference"}


def test_episode_fields_of_an_archived_spell_come_from_its_last_episode(archive: ReferenceContract) -> None:
    episodes = {
        "InternalPatientNumber": ["1", "1", "1"],
        "EpisodeNumber": ["7", "7", "7"],
        "FCENumber": ["10", "9", "2"],
        "ConsultantCode": ["LAST", "NINTH", "SECOND"],
    }
    pd.DataFrame(episodes).to_parquet(archive.sources.extracts / "CONSEPISODE.parquet")
    spell = {"InternalPatientNumber": "1", "EpisodeNumber": "7"}
    assert archive.column("CONSEPISODE.ConsultantCode", "ADMITDISCH", spell) == "LAST"  # FCE 10 follows FCE 9


def contract_transforms() -> set[str]:
    """Every transform the real contract can name: the curated rules' and the matcher's date transforms."""
    named: set[str] = set()
    for path in sorted(RULES.glob("*.yaml")):
        if path.name == NOT_MIGRATED_TABLES_FILE:
            continue
        rules = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or {}
        named |= {str(r["transform"]) for r in rules.values() if isinstance(r, dict) and r.get("transform")}
    for kind in (signals.T_DATE, signals.T_DATETIME):
        for comment in ("DD/MM/YYYY HH24:MI", "DD/MM/YYYY HH24:MI:SS"):
            named.add(contract_module._date_transform(kind, comment))
    return named


def test_every_transform_of_the_real_contract_is_evaluated_by_the_reference_itself() -> None:
    named = contract_transforms()
    assert {"nth_diagnosis_1", "icd10_code", "days_between", "format_date_ddmmyyyy"} <= named  # the read is real
    assert sorted(t for t in named if not evaluated_here(t)) == []  # no shared_code, no failure


def test_a_transform_the_reference_cannot_evaluate_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert unevaluable_transforms(["", "format_date_ddmmyyyy", "nth_procedure_3", "lookup_by_key"]) == []
    original = transforms.TRANSFORMS["nth_procedure_1"]
    monkeypatch.setitem(transforms.TRANSFORMS, "nth_allergy_1", original)  # a ranked kind it has no rule for
    monkeypatch.setitem(transforms.TRANSFORMS, "one_row_only", transforms.TRANSFORMS["format_date_ddmmyyyy"])
    found = unevaluable_transforms(["nth_allergy_1", "no_such_transform", "one_row_only", "icd10_code"])
    assert found == ["no_such_transform", "nth_allergy_1"]  # a row transform still runs on one row
