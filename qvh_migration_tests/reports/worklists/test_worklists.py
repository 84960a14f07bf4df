"""Cleansing worklists: the reviewed areas file, items from rejects / findings / validation, and each
item's status across runs (new -> persisting -> resolved -> reopened), on hand-made frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from qvh_migration.defs.etl import TARGET_TABLE_NAMES
from qvh_migration.errors import CurationError
from qvh_migration.reports.worklists import worklist_run
from qvh_migration.reports.worklists import worklists as wl
from qvh_migration.reports.worklists.worklist_areas import AREAS_FILE, load_areas

AREAS = load_areas(tables=TARGET_TABLE_NAMES)


def _reject(key: str, reason: str = "missing_mandatory", table: str = "LOAD_PMI", value: str = "") -> dict:
    return {
        "run_id": "r",
        "target_table": table,
        "source_table": "PATDATA",
        "source_key": key,
        "rule_id": f"{table}.SURNAME",
        "field": "SURNAME",
        "reason_code": reason,
        "message": "mandatory field is empty",
        "value_masked": value,
    }


def _items(*keys: str) -> pd.DataFrame:
    return wl.reject_items(pd.DataFrame([_reject(k) for k in keys]), AREAS)


def test_every_target_table_has_one_area_and_the_five_teams_are_there() -> None:
    assert set(AREAS.titles) == {
        "registration",
        "outpatients",
        "inpatient_waiting_list",
        "rtt_validation",
        "clinical_coding",
    }
    assert set(AREAS.table_area) == set(TARGET_TABLE_NAMES)


def test_status_goes_new_persisting_resolved_reopened() -> None:
    history = wl.advance(wl.empty_history(), _items("A=1", "A=2"), "Trial 1")
    assert history.set_index("source_key")["status"].to_dict() == {"A=1": "new", "A=2": "new"}

    history = wl.advance(history, _items("A=1"), "Trial 2")
    state = history.set_index("source_key")
    assert state.loc["A=1", "status"] == "persisting" and state.loc["A=1", "runs_open"] == 2
    assert state.loc["A=2", "status"] == "resolved" and state.loc["A=2", "resolved_in"] == "Trial 2"

    history = wl.advance(history, _items("A=1", "A=2"), "Trial 3")
    state = history.set_index("source_key")
    assert state.loc["A=1", "status"] == "persisting" and state.loc["A=1", "runs_open"] == 3
    assert state.loc["A=2", "status"] == "reopened" and state.loc["A=2", "runs_open"] == 1
    assert state.loc["A=2", "first_found"] == "Trial 1" and state.loc["A=2", "resolved_in"] == ""

    history = wl.advance(history, _items(), "Trial 4")
    assert set(history["status"]) == {"resolved"}
    history = wl.advance(history, _items(), "Trial 5")  # stays resolved, resolved where it was
    assert set(history["resolved_in"]) == {"Trial 4"}


def test_open_counts_per_area_name_every_area() -> None:
    history = wl.advance(wl.empty_history(), _items("A=1", "A=2"), "run 1")
    counts = wl.open_by_area(history, AREAS.titles)
    assert counts["registration"] == 2 and counts["clinical_coding"] == 0


def test_a_reject_speaks_in_words_with_its_instruction_and_area() -> None:
    frame = pd.DataFrame([_reject("A=1", "no_rtt_pathway", "LOAD_IWL"), _reject("A=2", "made_up_code")])
    items = wl.reject_items(frame, AREAS).set_index("source_key")
    assert items.loc["A=1", "area"] == "rtt_validation"  # the reason sends it to RTT validation
    assert "RTT" in items.loc["A=1", "instruction"]
    assert items.loc["A=2", "problem_text"].startswith(AREAS.reasons["default"].problem)


def test_an_invariant_finding_uses_its_description_and_citation() -> None:
    findings = pd.DataFrame(
        [
            {
                "check": "episode_integrity:activity_within_parent_span",
                "severity": "ERROR",
                "target_table": "LOAD_ADT_WARDSTAYS",
                "record_number": "1",
                "source_table": "WARDSTAY",
                "source_key": "InternalPatientNumber=999|EpisodeNumber=1",
                "field": "START_DATE",
                "value_masked": "29/03/2022",
            }
        ]
    )
    invariants = {"episode_integrity:activity_within_parent_span": wl.Invariant("Stays within the span", "Guide p. 9")}
    item = wl.finding_items(findings, AREAS, invariants).iloc[0]
    assert item["area"] == "inpatient_waiting_list"
    assert item["guide_or_rule"] == "Guide p. 9"
    assert item["instruction"] == AREAS.checks["episode_integrity"].instruction


def test_validation_items_skip_list_sizes_and_zero_counts() -> None:
    validation = pd.DataFrame(
        {
            "list": ["rtt_ptl", "rtt_ptl", "outpatient_waiting_list", "inpatient_waiting_list"],
            "check": ["ptl_size", "duplicate_pathways", "discharged_but_open", "tci_in_past"],
            "source_count": ["48", "1", "2", "0"],
            "target_count": ["48", "1", "2", "0"],
            "difference": ["0", "0", "0", "0"],
            "note": ["", "", "", ""],
        }
    )
    items = wl.validation_items(validation, AREAS)
    assert items["problem"].tolist() == ["validation:duplicate_pathways", "validation:discharged_but_open"]
    assert items["area"].tolist() == ["rtt_validation", "outpatients"]
    assert items["current_value"].tolist() == ["1", "2"]
    # The count is the value, not part of the key: a count that changes is the same item, persisting.
    history = wl.advance(wl.empty_history(), items, "run 1")
    fewer = wl.validation_items(validation.assign(source_count=["48", "1", "1", "0"]), AREAS)
    assert set(wl.advance(history, fewer, "run 2")["status"]) == {"persisting"}


def test_masked_values_are_read_back_from_the_extract(tmp_path: Path) -> None:
    pd.DataFrame({"InternalPatientNumber": ["000010001"], "Surname": ["SMITH"]}).to_parquet(
        tmp_path / "PATDATA.parquet"
    )
    contract = pd.DataFrame(
        {
            "target_table": ["LOAD_PMI", "LOAD_PMIADDRS"],
            "target_field": ["SURNAME", "LOADPMI_RECORD_NUMBER"],
            "source_fields": ["PATDATA.Surname", ""],
            "parent_table": ["", "LOAD_PMI"],
        }
    )
    items = _items("InternalPatientNumber=000010001").assign(current_value="***TH")
    assert worklist_run.unmask(items, tmp_path, contract)["current_value"].tolist() == ["SMITH"]
    # A link to the parent is made from the record's own key: the key's value is the current value.
    link = items.assign(target_table="LOAD_PMIADDRS", field="LOADPMI_RECORD_NUMBER", current_value="*******01")
    assert worklist_run.unmask(link, tmp_path, contract)["current_value"].tolist() == ["000010001"]


def test_many_masked_values_read_each_extract_once_and_keep_ambiguous_ones_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pd.DataFrame(
        {
            "InternalPatientNumber": ["000010001", "000010002", "000010003", "000010003", " 000010004 "],
            "Surname": ["SMITH", "JONES", "BROWN", "GREEN", None],
        }
    ).to_parquet(tmp_path / "PATDATA.parquet")
    contract = pd.DataFrame(
        {
            "target_table": ["LOAD_PMI"],
            "target_field": ["SURNAME"],
            "source_fields": ["PATDATA.Surname"],
            "parent_table": [""],
        }
    )
    reads = []
    read_extract = worklist_run.report_files.read_extract
    monkeypatch.setattr(worklist_run.report_files, "read_extract", lambda *a: reads.append(a[1]) or read_extract(*a))
    keys = [f"InternalPatientNumber=00001000{n}" for n in (1, 2, 3, 4, 9)]
    items = _items(*keys).assign(current_value="***XX")
    values = worklist_run.unmask(items, tmp_path, contract)["current_value"].tolist()
    # Two rows for one key, or none, stay masked; a blank value and a padded key still read back.
    assert values == ["SMITH", "JONES", "***XX", "", "***XX"]
    assert reads == ["PATDATA"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["areas"]["outpatients"]["tables"].append("LOAD_PMI"), "LOAD_PMI is already in area"),
        (lambda d: d["reasons"].pop("default"), "reasons"),
        (lambda d: d["checks"]["rtt"].update(area="finance"), "checks.rtt"),
        (lambda d: d["validation"]["tci_in_past"].pop("instruction"), "validation.tci_in_past"),
        (lambda d: d["areas"]["clinical_coding"]["tables"].remove("LOAD_ADT_CODING"), "LOAD_ADT_CODING"),
    ],
)
def test_a_fault_in_the_areas_file_names_file_and_entry(tmp_path: Path, change, message: str) -> None:
    document = yaml.safe_load(AREAS_FILE.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "areas.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(CurationError) as raised:
        load_areas(path, tables=TARGET_TABLE_NAMES)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_packaging_leaves_data_folders_out() -> None:
    """Worklists live in the data folder: the package ships only qvh_migration*, never a data folder."""
    import tomllib

    from qvh_migration.settings import PROJECT_ROOT

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert include == ["qvh_migration*"]
    data_files = project["tool"]["setuptools"].get("data-files", {})
    assert not any("data" in Path(k).name or "worklists" in k for k in data_files)
    root = PROJECT_ROOT
    assert "/data/" in (root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "data/" in (root / ".dockerignore").read_text(encoding="utf-8").splitlines()
    copied = [
        line for line in (root / "Dockerfile").read_text(encoding="utf-8").splitlines() if line.startswith("COPY")
    ]
    assert copied and not any("data" in line or "worklists" in line for line in copied)


def test_the_pack_counts_the_worklists_but_never_names_or_links_them(complete_run) -> None:
    from qvh_migration.reports.evidence_pack.evidence_html import write_pack

    index, evidence = write_pack(complete_run, run_id="run-b")
    page = index.read_text(encoding="utf-8") + index.with_name("evidence.json").read_text(encoding="utf-8")
    section = evidence["sections"]["worklists"]
    assert section["produced"] and section["runs"] == ["Trial a", "Trial b"]
    assert section["open_by_area"]["registration"] == [6, 6]  # the fixture's six PMI rejects, both runs
    folder = worklist_run.folder_of(complete_run.data_dir)
    items = pd.read_csv(folder / "registration.csv", dtype=str, keep_default_na=False)
    assert not items.empty
    for text in (
        str(folder),
        f"{worklist_run.WORKLISTS_DIR}/",
        "registration.csv",
        "registration.xlsx",
        "history.parquet",
    ):
        assert text not in page, text
    for value in {*items["source_key"], *items["current_value"]} - {""}:
        assert value not in page, value
    assert evidence["sections"]["trials"]["trials"] == 2 and 'id="trials"' in page
