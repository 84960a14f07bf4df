"""The dry run as a user meets it: faults reported in one line each, previous artifacts kept.

The golden run (a good dry run on the stand-ins, ``golden.py``) is the baseline; each fault is then
tried on a copy of its data folder, and the artifacts' checksums must not change.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration import cli, settings
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration_tests import golden as golden_run
from qvh_migration_tests.specs.test_guide_completeness import without_pages

# Builds a whole dry run, starts a server or a browser, or loads all 38 tables: the full suite only.
pytestmark = pytest.mark.slow

PATIENTS = list(golden_run.ARGUMENTS)  # every run uses the golden run's, so extracts are byte-identical
ARTIFACT_FOLDERS = ("catalogs", "extracts", "mapping")


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def checksums(data_dir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in ARTIFACT_FOLDERS
        for path in sorted((data_dir / folder).rglob("*"))
        # A workbook embeds the time it was written, the extracts manifest the id of the run that wrote it.
        if path.is_file() and path.suffix != ".xlsx" and path.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def baseline(golden: golden_run.GoldenRun) -> dict:
    """The golden run as these tests read it (read-only: the faults are tried on ``copy_of``)."""
    spec = golden.spec_dir
    real = (spec / settings.TARGET_GUIDE_NAME).exists()
    return {"real": real, "spec_dir": spec, "data_dir": golden.data_dir, "out": golden.out, "err": golden.err,
            "home": golden.home}  # fmt: skip


@pytest.fixture
def copy_of(golden_copy: golden_run.GoldenRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    return golden_copy.data_dir


def spec_copy(baseline: dict, folder: Path) -> Path:
    """The baseline's documents, copied so one of them can be damaged."""
    folder.mkdir()
    for document in baseline["spec_dir"].iterdir():
        if document.suffix in (".xlsx", ".docx", ".pdf"):
            shutil.copy(document, folder / document.name)
    return folder


def guide_name(baseline: dict) -> str:
    return settings.TARGET_GUIDE_NAME if baseline["real"] else settings.STANDIN_TARGET_GUIDE_NAME


def test_summary_names_documents_extracts_and_the_log(baseline: dict) -> None:
    lines = baseline["out"].splitlines()
    documents = "real documents" if baseline["real"] else "stand-ins"
    assert f"documents: {documents} from {baseline['spec_dir']}" in lines[-3]
    assert f"extracts: synthetic ({golden_run.PATIENTS} patients)" in lines[-3]
    log = baseline["data_dir"] / "reports" / cli.LOG_NAME
    assert lines[-2] == f"artifacts under {baseline['data_dir']}; full log: {log} (and the runs in `qvh-migration ui`)"
    assert lines[-1] == f"evidence pack: {baseline['data_dir'] / 'reports' / 'evidence' / 'index.html'}"
    assert "PIPELINE_SUCCESS" in log.read_text()


def test_a_missing_pc60_dictionary_is_said_once(baseline: dict) -> None:
    """The real documents come without the optional PC60 docx: one line says so and what is lost."""
    said = [line for line in (baseline["out"] + baseline["err"]).splitlines() if "no PC60 Word dictionary" in line]
    lacks_docx = baseline["real"] and not (baseline["spec_dir"] / settings.PC60_DICTIONARY_NAME).exists()
    assert len(said) == (1 if lacks_docx else 0)  # the stand-ins include their docx
    if said:
        assert said[0].startswith("note: ") and "no PC60 descriptions or data types" in said[0]


def test_progress_names_stage_table_and_rows(baseline: dict) -> None:
    progress = baseline["err"]
    assert re.search(r"generate: PATDATA - [\d,]+ rows", progress)
    assert re.search(r"write extracts: OPA - [\d,]+ rows", progress)
    assert re.search(r"read guide: .+\.pdf - pages 1-\d+ of \d+", progress)
    assert "  ... step: semantic_mapping_matrix started\n" in progress


def test_warnings_say_how_many_and_where_to_look(baseline: dict) -> None:
    warnings = [line for line in baseline["out"].splitlines() if line.startswith("WARNING")]
    coverage = next(line for line in warnings if line.startswith("WARNING  crosswalk_coverage:"))
    assert re.fullmatch(
        r"WARNING  crosswalk_coverage:all_codes_covered: \d+ legacy codes without a crosswalk"
        r"( \(\d+ differ from a crosswalk code only in case: [^)]+\))?: "
        r"see mapping/crosswalk_coverage\.csv",
        coverage,
    )
    # The synthetic extracts hold the consultant master: a warning while no staff table loads it.
    watched = [line for line in warnings if line.startswith("WARNING  data_mapping_report:")]
    for line in watched:
        assert re.fullmatch(
            r"WARNING  data_mapping_report:not_migrated_tables_empty: delivered rows for tables the contract does "
            r"not migrate: .+ \([A-Z]+ [\d,]+ rows.*\): see watch_tables in qvh_migration/etl/row_sources\.yaml",
            line,
        )
    staff_unloaded = not load_row_sources().tables["LOAD_STAFF"].loads_rows
    assert any("LOAD_STAFF (CONSMAST " in line for line in watched) == staff_unloaded


@pytest.mark.parametrize("page", [22, 50, 60])
def test_guide_with_a_page_removed_fails_in_one_line_and_keeps_the_catalog(
    baseline: dict, copy_of: Path, tmp_path: Path, page: int
) -> None:
    before = checksums(copy_of)
    spec_dir = spec_copy(baseline, tmp_path / "spec")
    guide = spec_dir / guide_name(baseline)
    without_pages(guide, guide, {page})
    code, out, err = run_cli("dry-run", "--spec-dir", str(spec_dir), "--data-dir", str(copy_of), *PATIENTS, "--quiet")
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert failures == [
        f"FAILED   target_catalog: {guide} (page {page}): the document is incomplete: printed page {page} "
        f"missing (printed page {page - 1} is followed by {page + 1})"
    ]
    assert "Traceback" not in out + err and "dagster._core" not in out + err
    assert err == ""  # --quiet: no progress
    assert out.splitlines()[-1].startswith(f"artifacts under {copy_of}; full log: ")
    log = (copy_of / "reports" / cli.LOG_NAME).read_text()
    assert f"printed page {page} missing" in log and 'File "' in log  # the stack trace stays in the log
    assert checksums(copy_of) == before


def test_utf16_extract_is_named_as_an_encoding_problem(baseline: dict, copy_of: Path, tmp_path: Path) -> None:
    before = checksums(copy_of)
    extracts = tmp_path / "secure_extracts"
    extracts.mkdir()
    for parquet in (copy_of / "extracts").glob("*.parquet"):
        if parquet.stem != "defect_ledger":
            shutil.copy(parquet, extracts / parquet.name)
    patdata = pd.read_parquet(extracts / "PATDATA.parquet")
    (extracts / "PATDATA.parquet").unlink()
    patdata.to_csv(extracts / "PATDATA.csv", sep="|", index=False, encoding="utf-16")
    code, out, _ = run_cli(
        "dry-run", "--spec-dir", str(baseline["spec_dir"]), "--data-dir", str(copy_of),
        "--extracts", f"files:{extracts}", "--quiet",
    )  # fmt: skip
    assert code == 1
    failures = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1
    # the step is named after the extracts multi-asset, whatever it is called
    assert re.fullmatch(r"FAILED   \w*source_extracts: (.+)", failures[0]).group(1) == (
        f"{extracts / 'PATDATA.csv'} (byte 0): PATDATA.csv is not cp1252/UTF-8 text (looks like UTF-16)"
    )
    assert f"extracts: files:{extracts}" in out
    assert checksums(copy_of) == before


@pytest.mark.parametrize("contents", ["empty", "other files"])
def test_spec_folder_without_either_set_lists_both(copy_of: Path, tmp_path: Path, contents: str) -> None:
    before = checksums(copy_of)
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    if contents == "other files":
        (spec_dir / "guide.pdf").write_bytes(b"%PDF-1.4")
    code, out, _ = run_cli("dry-run", "--spec-dir", str(spec_dir), "--data-dir", str(copy_of))
    assert code == 2
    assert out.splitlines() == [
        f"cannot start: {spec_dir}: the folder holds neither the real documents "
        f'("{settings.SOURCE_DICTIONARY_NAME}", "{settings.TARGET_GUIDE_NAME}", optionally '
        f'"{settings.PC60_DICTIONARY_NAME}") nor the stand-ins ("{settings.STANDIN_SOURCE_DICTIONARY_NAME}", '
        f'"{settings.STANDIN_PC60_DICTIONARY_NAME}", "{settings.STANDIN_TARGET_GUIDE_NAME}")'
    ]
    assert checksums(copy_of) == before


def test_bad_run_parameters_are_refused_before_the_run(copy_of: Path) -> None:
    before = checksums(copy_of)
    code, out, err = run_cli("dry-run", "--data-dir", str(copy_of), "--patients", "0", "--defect-rate", "2")
    assert code == 2
    assert out.splitlines() == [
        "cannot start: --patients: patients must be at least 1, got 0",
        "cannot start: --defect-rate: defect_rate must be a number in [0, 1], got 2.0",
    ]
    assert err == ""
    assert checksums(copy_of) == before


def test_unreachable_extract_source_is_refused(copy_of: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli("dry-run", "--data-dir", str(copy_of), "--extracts", f"duckdb:{tmp_path / 'none.duckdb'}")
    assert code == 2
    assert out.splitlines() == [f"cannot start: {tmp_path / 'none.duckdb'}: extract database not found"]


def _read_only_mount_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _with_read_only(folder: Path, *command: str) -> subprocess.CompletedProcess:
    """Run ``command`` where ``folder`` is mounted read-only (a private mount namespace)."""
    mount = f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$@"'
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", mount, "sh", *command], capture_output=True, text=True, check=False
    )


@pytest.mark.skipif(not _read_only_mount_available(), reason="needs `unshare -rm` to mount a folder read-only")
def test_read_only_data_folder_is_refused_before_any_work(copy_of: Path) -> None:
    before = checksums(copy_of)
    done = _with_read_only(copy_of, sys.executable, "-m", "qvh_migration.cli", "dry-run", "--data-dir", str(copy_of))
    assert done.returncode == 2, done.stderr
    assert done.stdout.splitlines() == [f"cannot start: cannot write to {copy_of}: read-only"]
    assert done.stderr == ""
    # without the command line (UI, dg launch), the asset fails with the same words
    done = _with_read_only(copy_of, sys.executable, "-c", MATERIALISE_READ_ONLY, str(copy_of))
    assert done.stdout.splitlines() == [f"FAILED   target_catalog: cannot write to {copy_of / 'catalogs'}: read-only"]
    assert checksums(copy_of) == before


MATERIALISE_READ_ONLY = (
    "import sys, dagster as dg; from qvh_migration.defs import specs; "
    "from qvh_migration.defs.resources import MigrationSettings; from qvh_migration.console import failure_line; "
    "r = dg.materialize([specs.target_catalog], raise_on_error=False, "
    "resources={'settings': MigrationSettings(data_dir=sys.argv[1])}); "
    "e = next(x for x in r.all_events if x.event_type_value == 'STEP_FAILURE'); "
    "print(failure_line(e.step_key, e.event_specific_data.error))"
)


def test_the_decision_block(tmp_path: Path) -> None:
    assert cli.stored_decision_lines(tmp_path) == [
        f"no release decision in this run ({tmp_path / 'gates' / 'release_decision.json'} not written)"
    ]
    (tmp_path / "gates").mkdir()
    lenient = {"profile": "development", "decision": "PASS", "criteria": []}
    strict = {"profile": "pre_production", "decision": "FAIL", "failed_invariants": ["rtt:x"],
              "criteria": [{"criterion": "failed_invariants", "result": "FAIL"}]}  # fmt: skip
    decision = {**strict, "profiles": [lenient, strict]}
    (tmp_path / "gates" / "release_decision.json").write_text(__import__("json").dumps(decision))
    lines = cli.stored_decision_lines(tmp_path, blocked_runs=1)
    assert lines[0].startswith("1 table run(s) held by blocking checks")
    assert "  development      PASS  failed: none" in lines
    assert "  pre_production   FAIL  failed: failed_invariants  <- headline" in lines
    assert lines[-1] == "release decision under pre_production: FAIL"


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9]{6,}", text))


def test_no_patient_identifier_reaches_a_shared_surface(baseline: dict) -> None:
    """Every NHS number, hospital number and internal patient number of the extracts is looked for in
    the terminal, the run log, Dagster's run storage (event log: previews, check samples, metadata) and
    the evidence pack. Once, reject samples, EXTERNAL_SYSTEM_ID and ADDITIONAL_ID previews showed them."""
    patients = pd.read_parquet(baseline["data_dir"] / "extracts" / "PATDATA.parquet")
    planted = set()
    for column in ("NhsNumber", "DistrictNumber", "InternalPatientNumber"):
        values = patients[column].dropna().astype(str).str.replace(" ", "").str.strip()
        planted |= set(values[values.str.len() >= 6])
    surfaces = {"terminal": baseline["out"] + baseline["err"]}
    surfaces["run log"] = (baseline["data_dir"] / "reports" / "dry_run.log").read_text(encoding="utf-8")
    for path in sorted((baseline["data_dir"] / "reports" / "evidence").rglob("*")):
        if path.is_file():
            surfaces[f"evidence pack {path.name}"] = path.read_text(encoding="utf-8", errors="replace")
    for path in sorted(Path(baseline["home"]).rglob("*.db")):
        surfaces[f"run storage {path.name}"] = path.read_bytes().decode("utf-8", errors="replace")
    assert len(surfaces) > 4, "the scan found too few surfaces to mean anything"
    leaks = {surface: sorted(_tokens(text) & planted)[:5] for surface, text in surfaces.items()}
    assert not {s: found for s, found in leaks.items() if found}
