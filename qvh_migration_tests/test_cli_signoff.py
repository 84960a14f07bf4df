"""``qvh-migration sign-contract``: appends a sign-off for the data folder's contract, or says in one line why not."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from qvh_migration import cli
from qvh_migration.mapping.signoffs import SIGNOFFS_FILE_ENV, load_signoffs
from qvh_migration_tests.mapping.test_signoffs import mapping_folder


def sign(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["sign-contract", *argv])
    return code, out.getvalue()


@pytest.fixture
def signoffs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "signoffs.yaml"
    monkeypatch.setenv(SIGNOFFS_FILE_ENV, str(path))
    return path


def test_signing_names_signer_trial_and_copy(tmp_path: Path, signoffs: Path) -> None:
    mapping_folder(tmp_path / "data")
    code, out = sign("--by", "migration lead", "--trial", "trial load 2", "--data-dir", str(tmp_path / "data"))
    assert code == 0, out
    (entry,) = load_signoffs(signoffs)
    assert (entry.signed_by, entry.trial) == ("migration lead", "trial load 2")
    assert out.startswith("signed by migration lead on trial load 2: contract ")
    assert str(tmp_path / "data" / entry.snapshot) in out


def test_the_trial_defaults_to_the_run_of_the_folders_pack(tmp_path: Path, signoffs: Path) -> None:
    data_dir = tmp_path / "data"
    mapping_folder(data_dir)
    pack = data_dir / "reports" / "evidence" / "evidence.json"
    pack.parent.mkdir(parents=True)
    pack.write_text(json.dumps({"run_id": "0b5e-run"}), encoding="utf-8")
    assert sign("--by", "mapping owner", "--data-dir", str(data_dir))[0] == 0
    assert load_signoffs(signoffs)[0].trial == "run 0b5e-run"
    pack.write_text(json.dumps({"run_id": None, "generated_at": "2026-12-07T05:00:00+00:00"}), encoding="utf-8")
    assert sign("--by", "mapping owner", "--data-dir", str(data_dir))[0] == 0
    assert load_signoffs(signoffs)[1].trial == "evidence pack of 2026-12-07T05:00:00+00:00"


def test_without_a_trial_or_a_run_nothing_is_signed(tmp_path: Path, signoffs: Path) -> None:
    mapping_folder(tmp_path)
    code, out = sign("--by", "mapping owner", "--data-dir", str(tmp_path))
    assert code == 2 and out.count("\n") == 1 and "give --trial NAME" in out
    assert not signoffs.exists()


def test_a_folder_without_a_contract_is_refused_in_one_line(tmp_path: Path, signoffs: Path) -> None:
    code, out = sign("--by", "mapping owner", "--trial", "t1", "--data-dir", str(tmp_path))
    assert code == 2 and out.count("\n") == 1
    assert out.startswith("cannot sign: ") and "mapping_contract.csv" in out and "Traceback" not in out
