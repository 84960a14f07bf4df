"""Sign-offs: the reviewed file loads with errors naming file and entry; signing appends and keeps a copy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qvh_migration.errors import CurationError, MigrationInputError
from qvh_migration.io.artifacts import content_sha256
from qvh_migration.mapping.signoffs import HEADER, SIGNOFFS_FILE, load_signoffs, sign_contract

SHA = "a" * 64
WHEN = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def mapping_folder(data_dir: Path, contract: str = "target_table,target_field\nLOAD_PMI,SEX\n") -> Path:
    folder = data_dir / "mapping"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping_contract.csv").write_text(contract, encoding="utf-8")
    (folder / "crosswalks.csv").write_text("code_set,legacy_code,target_code\nsex,F,2\n", encoding="utf-8")
    return folder


def entry(**changes: str) -> str:
    fields = {
        "signed_by": "migration lead",
        "signed_at": "2026-12-07T09:30:00+00:00",
        "trial": "trial load 1",
        "contract_sha256": SHA,
        "crosswalks_sha256": SHA,
        "snapshot": "mapping/signed/x",
        **changes,
    }
    return "  - " + "\n    ".join(f"{k}: {v!r}" if v else f"{k}:" for k, v in fields.items()) + "\n"


def test_the_shipped_file_loads() -> None:
    assert isinstance(load_signoffs(SIGNOFFS_FILE), tuple)


def test_a_missing_file_has_no_signoffs(tmp_path: Path) -> None:
    assert load_signoffs(tmp_path / "none.yaml") == ()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"contract_sha256": "abc"}, "contract_sha256 is not a SHA-256"),
        ({"signed_by": ""}, "signed_by must be given"),
        ({"signed_at": "yesterday"}, "signed_at 'yesterday' is not an ISO date-time"),
        ({"snapshot": "/etc"}, "snapshot must be a path inside the data folder"),
        ({"colour": "red"}, "unknown field colour"),
    ],
)
def test_a_bad_entry_names_file_and_entry(tmp_path: Path, changes: dict, message: str) -> None:
    path = tmp_path / "signoffs.yaml"
    path.write_text(HEADER + entry() + entry(**changes), encoding="utf-8")
    with pytest.raises(CurationError) as error:
        load_signoffs(path)
    assert message in str(error.value)
    assert str(path) in str(error.value) and error.value.where.startswith("sign-off 2")


def test_signing_appends_an_entry_and_keeps_a_signed_copy(tmp_path: Path) -> None:
    data_dir, path = tmp_path / "data", tmp_path / "signoffs.yaml"
    folder = mapping_folder(data_dir)
    first = sign_contract(data_dir, "mapping owner", "trial load 1", WHEN, path)
    mapping_folder(data_dir, "target_table,target_field\nLOAD_PMI,SEX\nLOAD_PMI,TITLE\n")
    second = sign_contract(data_dir, "migration lead", "trial load 2", WHEN, path)
    assert [s.signed_by for s in load_signoffs(path)] == ["mapping owner", "migration lead"]
    assert path.read_text(encoding="utf-8").startswith(HEADER)  # the comments stay as reviewed
    assert second.contract_sha256 == content_sha256(folder / "mapping_contract.csv") != first.contract_sha256
    assert second.trial == "trial load 2" and second.signed_at == "2026-12-07T09:30:00+00:00"
    copy = data_dir / second.snapshot
    assert content_sha256(copy / "mapping_contract.csv") == second.contract_sha256
    assert content_sha256(copy / "crosswalks.csv") == second.crosswalks_sha256
    assert (data_dir / first.snapshot).is_dir() and first.snapshot != second.snapshot


def test_signing_before_a_run_names_the_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MigrationInputError) as error:
        sign_contract(tmp_path, "migration lead", "trial 1", WHEN, tmp_path / "signoffs.yaml")
    assert "mapping_contract.csv" in str(error.value)
    assert not (tmp_path / "signoffs.yaml").exists()
