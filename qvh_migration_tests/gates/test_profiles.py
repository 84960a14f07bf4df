"""Release profiles are reviewed data: the shipped ones load, a malformed one fails by file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvh_migration.errors import CurationError
from qvh_migration.gates.profiles import CRITERIA, PROFILE_NAMES, load_profile


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_shipped_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert set(profile.criteria) <= set(CRITERIA)
    assert profile.policy("max_length:SURNAME").severity in ("ERROR", "WARN")


def test_exact_check_beats_family_beats_default(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "checks:\n  default: {severity: ERROR}\n  postcode: {severity: WARN}\n"
        "  postcode:NOK_POST_CODE: {severity: ERROR, max_failures: 3}\n",
        encoding="utf-8",
    )
    profile = load_profile(path)
    assert profile.policy("postcode:POST_CODE").severity == "WARN"
    assert profile.policy("postcode:NOK_POST_CODE").max_failures == 3
    assert profile.policy("mandatory:SEX").severity == "ERROR"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("checks:\n  mandatory: {severity: FATAL}\n", "checks.mandatory"),
        ("checks:\n  mandatory: {severity: ERROR, max_fails: 2}\n", "checks.mandatory.max_fails"),
        ("checks:\n  mandatory: {max_failure_rate: 2}\n", "checks.mandatory"),
        ("criteria:\n  error_findings: {below: 3}\n", "criteria.error_findings"),
        ("criteria:\n  happiness: {min: 1}\n", "criteria.happiness"),
        ("rules: {}\n", "rules"),
    ],
)
def test_malformed_profile_names_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError) as error:
        load_profile(path)
    assert str(path) in str(error.value)
    assert key in str(error.value)


def test_unparseable_and_unknown_profiles(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("checks: [unclosed\n", encoding="utf-8")
    with pytest.raises(CurationError, match="not valid YAML"):
        load_profile(bad)
    with pytest.raises(CurationError, match="no such release profile"):
        load_profile("nightly", folder=tmp_path)
