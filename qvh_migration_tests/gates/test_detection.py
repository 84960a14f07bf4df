"""Recall against the ledger: each defect's handling found by joins gives what a per-defect scan gave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qvh_migration.gates.detection import detect

KINDS = ("unmapped_code", "invalid_nhs_check_digit", "over_length_value", "kind_with_no_expectations")
EXPECTATIONS = {
    "unmapped_code": {
        "rejects": ["unmapped_code"],
        "filters": [],
        "warnings": ["code_warned"],
        "checks": ["code_value"],
    },
    "invalid_nhs_check_digit": {"rejects": [], "filters": [], "warnings": [], "checks": ["nhs_number"]},
    "over_length_value": {"rejects": ["too_long"], "filters": [], "warnings": ["truncated"], "checks": ["max_length"]},
}


def _scanned(ledger, rejects, warnings, findings, loaded, expectations) -> dict[str, list[bool]]:
    """Each defect's handlings a defect at a time, every reject, warning and finding scanned for it."""
    pair = ledger["table"] + "\x1f" + ledger["row_key"]
    loaded_pairs = set(loaded["source_table"] + "\x1f" + loaded["grain_key"])
    family = findings["check"].str.split(":", n=1).str[0]
    out: dict[str, list[bool]] = {"rejected": [], "filtered": [], "warned": [], "found": []}
    for key, kind in zip(pair, ledger["defect_kind"], strict=True):
        want = expectations.get(kind, {"rejects": [], "warnings": [], "checks": []})
        hit = (rejects["source_table"] + "\x1f" + rejects["source_key"]).eq(key)
        out["rejected"].append(bool(rejects["reason_code"][hit].isin(want["rejects"]).any()))
        hit = (warnings["source_table"] + "\x1f" + warnings["source_key"]).eq(key)
        out["warned"].append(bool(warnings["reason_code"][hit].isin(want["warnings"]).any()))
        hit = (findings["source_table"] + "\x1f" + findings["source_key"]).eq(key)
        out["found"].append(bool(family[hit].isin(want["checks"]).any()))
        out["filtered"].append(key not in loaded_pairs)
    return out


def test_joined_handlings_equal_a_scan_per_defect() -> None:
    rng = np.random.default_rng(11)
    keys = [f"InternalPatientNumber={n}" for n in range(60)]

    def frame(n: int, codes: list[str], column: str = "reason_code") -> pd.DataFrame:
        return pd.DataFrame(
            {
                "source_table": rng.choice(["PATDATA", "OPA"], n),
                "source_key": rng.choice(keys, n),
                column: rng.choice(codes, n),
            }
        )

    ledger = pd.DataFrame(
        {
            "table": rng.choice(["PATDATA", "OPA"], 300),
            "row_key": rng.choice(keys, 300),
            "column": "X",
            "defect_kind": rng.choice(KINDS, 300),
            "detail": "",
        }
    )
    rejects = frame(80, ["unmapped_code", "too_long", "other"])
    warnings = frame(40, ["code_warned", "truncated", "other"])
    findings = frame(90, ["code_value:F", "nhs_number:NHS", "max_length:G", "other:H"], column="check")
    loaded = frame(100, ["LOAD_PMI", "LOAD_OPD_APPOINTMENTS"], column="target_table").rename(
        columns={"source_key": "grain_key"}
    )
    _, detail = detect(ledger, rejects, warnings, findings, loaded, {}, EXPECTATIONS)
    scanned = pd.DataFrame(_scanned(ledger, rejects, warnings, findings, loaded, EXPECTATIONS))
    seen = pd.Series(False, index=scanned.index)
    for handling in ("rejected", "found", "warned", "filtered"):  # each defect under its first handling
        scanned[handling] &= ~seen
        seen |= scanned[handling]
    for handling in ("rejected", "found", "warned", "filtered"):
        assert scanned[handling].any(), handling
        assert detail[handling].tolist() == scanned[handling].tolist(), handling


def test_detection_reads_only_an_extracts_key_and_delete_flags(tmp_path) -> None:
    from qvh_migration.gates.pipeline import detection_columns

    path = tmp_path / "PATDATA.parquet"
    pd.DataFrame({"Surname": ["A"], "InternalPatientNumber": ["1"], "MfRecStsInd": ["0"]}).to_parquet(path)
    assert detection_columns(path, "PATDATA") == ["InternalPatientNumber", "MfRecStsInd"]
