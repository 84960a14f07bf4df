"""The evidence trail: each pack's manifest hashes what it summarises and links to the pack before it;
``verify`` names the first file or link that does not match.

The chain is built from small artifact files and the manifest function itself (no dry run); one slow
test runs it on a copy of the golden dry run.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from qvh_migration import cli
from qvh_migration.io.artifacts import atomic_directory
from qvh_migration.mapping.signoffs import SIGNOFFS_FILE_ENV
from qvh_migration.reports.evidence_pack import evidence_html
from qvh_migration.reports.evidence_pack.evidence_chain import (
    HISTORY_DIR,
    MANIFEST_FILE,
    TrailBroken,
    verify_trail,
    write_manifest,
)
from qvh_migration.settings import ProjectPaths
from qvh_migration_tests.golden import GoldenRun

TABLE = "target/tables/LOAD_PMI.parquet"
ARTIFACTS = {
    TABLE: b"PAR1 loaded rows PAR1",
    "target/load_summary.csv": b"target_table,loaded_rows\nLOAD_PMI,3\n",
    "mapping/mapping_contract.csv": b"target_table,target_field\nLOAD_PMI,SEX\n",
    "gates/release_decision.json": b'{"decision": "PASS"}\n',
}


def evidence_dir(data_dir: Path) -> Path:
    return data_dir / "reports" / "evidence"


def write_pack(data_dir: Path, run_id: str) -> dict:
    """A pack as ``evidence_html.write_pack`` writes one: its files built aside, then swapped in."""
    with atomic_directory(evidence_dir(data_dir)) as staging:
        (staging / "index.html").write_text(f"<h1>pack of {run_id}</h1>\n", encoding="utf-8")
        (staging / "evidence.json").write_text(json.dumps({"run_id": run_id}) + "\n", encoding="utf-8")
        return write_manifest(
            staging, evidence_dir(data_dir), data_dir, run_id=run_id, generated_at="2026-12-07T05:00:00+00:00"
        )


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    """Three runs, each changing the target table, each writing its pack: a chain of three."""
    data_dir = tmp_path / "data"
    for number in (1, 2, 3):
        for name, content in ARTIFACTS.items():
            path = data_dir / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content + (b"run %d" % number if name == TABLE else b""))
        write_pack(data_dir, f"run{number}-0000-uuid")
    return data_dir


def past_pack(data_dir: Path, sequence: int) -> Path:
    return next((evidence_dir(data_dir) / HISTORY_DIR).glob(f"{sequence:04d}-*"))


def flip_one_byte(path: Path) -> None:
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))


def verify(data_dir: Path) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["verify", "--data-dir", str(data_dir)])
    return code, out.getvalue()


def test_an_untouched_chain_verifies(chain: Path) -> None:
    result = verify_trail(chain, evidence_dir(chain))
    assert result["packs"] == 3 and result["files"] == len(ARTIFACTS) + 2 and result["sequence"] == 3
    code, out = verify(chain)
    assert code == 0 and out.count("\n") == 1
    assert "3 pack(s) chained back to the first" in out and result["head_sha256"] in out


def test_the_manifest_records_artifacts_pack_files_and_the_link(chain: Path) -> None:
    head = json.loads((evidence_dir(chain) / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert set(head["artifacts"]) == set(ARTIFACTS) and set(head["pack"]) == {"index.html", "evidence.json"}
    assert head["run_id"] == "run3-0000-uuid" and head["previous_chain"] == "verified"
    assert head["previous"]["manifest"] == f"{HISTORY_DIR}/0002-run2-000/{MANIFEST_FILE}"
    first = json.loads((past_pack(chain, 1) / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert first["previous"] is None and first["previous_chain"] == "none (first pack)"
    assert sorted(p.name for p in past_pack(chain, 1).iterdir()) == ["evidence.json", "index.html", MANIFEST_FILE]


def test_one_byte_of_a_target_table_is_named(chain: Path) -> None:
    flip_one_byte(chain / TABLE)
    code, out = verify(chain)
    assert code == 1 and out.count("\n") == 1 and "Traceback" not in out
    assert out.startswith(f"evidence trail broken: {TABLE}: SHA-256 does not match reports/evidence/manifest.json")


def test_one_byte_of_a_past_pack_is_named(chain: Path) -> None:
    page = past_pack(chain, 1) / "evidence.json"
    flip_one_byte(page)
    code, out = verify(chain)
    assert code == 1 and out.count("\n") == 1
    assert f"{page.relative_to(chain).as_posix()}: SHA-256 does not match" in out


def test_a_past_manifest_rewritten_breaks_the_link_to_it(chain: Path) -> None:
    manifest = past_pack(chain, 1) / MANIFEST_FILE
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("run1", "runX"), encoding="utf-8")
    code, out = verify(chain)
    assert code == 1
    assert f"{manifest.relative_to(chain).as_posix()}: SHA-256 does not match the link in" in out
    assert "0002-run2-000/manifest.json" in out  # the pack whose link it breaks


def test_a_pack_deleted_in_the_middle_of_the_chain_is_named(chain: Path) -> None:
    middle = past_pack(chain, 2)
    for path in middle.iterdir():
        path.unlink()
    middle.rmdir()
    code, out = verify(chain)
    assert code == 1 and out.count("\n") == 1
    assert f"{(middle / MANIFEST_FILE).relative_to(chain).as_posix()}: missing (the previous pack that" in out


def test_a_deleted_artifact_and_an_unrecorded_one_are_named(chain: Path) -> None:
    (chain / "gates" / "release_decision.json").unlink()
    with pytest.raises(TrailBroken, match=r"^gates/release_decision.json: missing \(recorded in"):
        verify_trail(chain, evidence_dir(chain))
    (chain / "gates" / "release_decision.json").write_bytes(ARTIFACTS["gates/release_decision.json"])
    (chain / "target" / "tables" / "LOAD_EXTRA.parquet").write_bytes(b"PAR1")
    with pytest.raises(TrailBroken, match=r"^target/tables/LOAD_EXTRA.parquet: not recorded in"):
        verify_trail(chain, evidence_dir(chain))


def test_the_current_pack_page_is_checked_too(chain: Path) -> None:
    flip_one_byte(evidence_dir(chain) / "index.html")
    assert "reports/evidence/index.html: SHA-256 does not match" in verify(chain)[1]


def test_a_folder_without_a_pack_is_not_verified(tmp_path: Path) -> None:
    code, out = verify(tmp_path)
    assert (code, out) == (1, "evidence trail broken: reports/evidence/manifest.json: missing\n")


def test_a_break_found_when_a_pack_is_written_stays_on_record(chain: Path) -> None:
    flip_one_byte(past_pack(chain, 1) / "index.html")
    head = write_pack(chain, "run4-0000-uuid")
    assert head["sequence"] == 4
    assert head["previous_chain"].startswith("history/0001-run1-000/index.html: SHA-256 does not match")


def test_a_chain_restarted_after_its_head_manifest_went_missing_is_named(chain: Path) -> None:
    (evidence_dir(chain) / MANIFEST_FILE).unlink()
    head = write_pack(chain, "run4-0000-uuid")
    assert head["previous"] is None and head["sequence"] == 3  # after the two packs kept in history/
    assert head["previous_chain"].startswith("restarted: no manifest beside the previous pack")
    code, out = verify(chain)
    assert code == 1 and "reports/evidence/manifest.json: links to no previous pack but is pack 3" in out
    head = write_pack(chain, "run5-0000-uuid")  # later packs link to the restarted one; the gap stays named
    assert head["previous"]["manifest"] == f"{HISTORY_DIR}/0003-run4-000/{MANIFEST_FILE}"
    assert "links to no previous pack but is pack 3" in verify(chain)[1]


def test_an_unreadable_manifest_is_linked_and_named(chain: Path) -> None:
    (evidence_dir(chain) / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    head = write_pack(chain, "run4-0000-uuid")
    assert head["sequence"] == 4 and head["previous"]["manifest"] == f"{HISTORY_DIR}/0003-no-run/{MANIFEST_FILE}"
    assert "0003-no-run/manifest.json: not an evidence manifest" in verify(chain)[1]


def test_the_pack_writer_chains_its_packs(complete_run: ProjectPaths) -> None:
    evidence_html.write_pack(complete_run, run_id="run-a")
    evidence_html.write_pack(complete_run, run_id="run-b")
    result = verify_trail(complete_run.data_dir, evidence_dir(complete_run.data_dir))
    assert result["packs"] == 2 and result["sequence"] == 2
    head = json.loads((evidence_dir(complete_run.data_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    recorded = set(head["artifacts"])
    assert {"mapping/mapping_contract.csv", "mapping/contract_changes.csv", "extracts/manifest.json"} <= recorded
    assert any(name.startswith("target/rejects/") for name in recorded)


@pytest.mark.slow
def test_a_real_dry_run_leaves_a_trail_that_verifies(
    golden_copy: GoldenRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dry run's pack verifies; signing and re-scoring adds a linked pack; a changed table is named."""
    monkeypatch.setenv("DAGSTER_HOME", str(golden_copy.home))
    monkeypatch.setenv(SIGNOFFS_FILE_ENV, str(tmp_path / "signoffs.yaml"))
    data_dir = golden_copy.data_dir
    changes = json.loads((data_dir / "mapping" / "contract_changes.json").read_text(encoding="utf-8"))
    assert changes["basis"].startswith("no contract signed yet")
    assert verify(data_dir)[0] == 0
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(["sign-contract", "--by", "migration lead", "--data-dir", str(data_dir)]) == 0
        cli.main(["release", "--data-dir", str(data_dir)])  # re-scored: a second pack, linked to the first
    code, text = verify(data_dir)
    assert code == 0 and "2 pack(s) chained back to the first" in text, text
    flip_one_byte(data_dir / "target" / "tables" / "LOAD_PMI.parquet")
    code, text = verify(data_dir)
    assert code == 1 and "target/tables/LOAD_PMI.parquet: SHA-256 does not match" in text
