"""Legacy CSV extracts: cp1252 or UTF-8 are read; anything else is named with file and offset."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.extracts.readers import read_file_extracts
from qvh_migration.io.encoding import EncodingProblem, detect_legacy_encoding

CATALOG = pd.DataFrame({"TableName": ["PATDATA", "PATDATA"], "Column": ["Surname", "Forenames"]})
TEXT = "Surname|Forenames\nO'Brien|Zoë Renée\n"


@pytest.mark.parametrize(
    ("data", "encoding", "forename"),
    [
        (TEXT.encode("cp1252"), "cp1252", "Zoë Renée"),
        (TEXT.encode("utf-8"), "utf-8", "Zoë Renée"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig", "Zoë Renée"),
        (b"Surname|Forenames\nSMITH|JOHN\n", "utf-8", "JOHN"),  # plain ASCII reads either way
    ],
)
def test_accepted_encodings(tmp_path: Path, data: bytes, encoding: str, forename: str) -> None:
    path = tmp_path / "PATDATA.csv"
    path.write_bytes(data)
    assert detect_legacy_encoding(path) == encoding
    frame = read_file_extracts(tmp_path, CATALOG, ["PATDATA"])["PATDATA"]
    assert frame["Forenames"].tolist() == [forename]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (TEXT.encode("utf-16"), r"\(byte 0\): PATDATA\.csv is not cp1252/UTF-8 text \(looks like UTF-16\)"),
        (TEXT.encode("utf-16-be"), r"\(byte 0\): PATDATA\.csv is not cp1252/UTF-8 text \(looks like UTF-16\)"),
        (TEXT.encode("utf-32"), r"\(byte 0\): PATDATA\.csv is not cp1252/UTF-8 text \(looks like UTF-32\)"),
        (b"Surname|Forenames\nSMI\x00TH|J\n", r"\(byte 21\): PATDATA\.csv is not cp1252/UTF-8 text \(NUL byte\)"),
        (b"Surname|Forenames\nSM\xc3\x81\x8dTH|J\n", r"\(byte 21\): .*not UTF-8 from byte 22; a byte cp1252 does not "
         r"define at byte 21\)"),
    ],
)  # fmt: skip
def test_other_encodings_are_named_with_the_offset(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "PATDATA.csv"
    path.write_bytes(data)
    with pytest.raises(EncodingProblem, match=message):
        read_file_extracts(tmp_path, CATALOG, ["PATDATA"])


def test_offsets_past_the_first_chunk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qvh_migration.io import encoding

    monkeypatch.setattr(encoding, "_CHUNK", 16)
    path = tmp_path / "PATDATA.csv"
    path.write_bytes(b"Surname|Forenames\n" * 3 + b"X\x00")
    with pytest.raises(EncodingProblem, match=r"\(byte 55\)"):
        detect_legacy_encoding(path)
    # a UTF-8 sequence split across two chunks is still UTF-8
    path.write_bytes(b"a" * 15 + "é".encode() + b"\n")
    assert detect_legacy_encoding(path) == "utf-8"
