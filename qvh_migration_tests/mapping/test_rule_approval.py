"""Curated rules record their author and approver; an approved rule is never approved by its author."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.mapping.curated_rules import load_curated_rules
from qvh_migration.settings import default_rules_dir

CROSSWALKS = {"sex", "ethnic_category"}


def _load(tmp_path: Path, rule: str, tiny_source, tiny_target):
    body = f"table: LOAD_PMI\nsource_table: PATDATA\nrules:\n  SEX: {rule}\n"
    (tmp_path / "LOAD_PMI.yaml").write_text(body, encoding="utf-8")
    return load_curated_rules(tmp_path, tiny_source, tiny_target, CROSSWALKS)


@pytest.mark.parametrize(
    "people",
    [
        "author: mapping owner, approved_by: migration lead",
        "author: mapping owner",  # not yet approved by a named person: allowed
        "approved_by: migration lead",
        "author: mapping owner, approved_by: mapping owner, status: suggested",  # a suggestion awaits approval
    ],
)
def test_author_and_approver_are_accepted(tmp_path, tiny_source, tiny_target, people):
    rules = _load(
        tmp_path, f"{{class: CROSSWALK, source: Sex, crosswalk: sex, rationale: x, {people}}}", tiny_source, tiny_target
    )
    assert list(rules["target_field"]) == ["SEX"]


@pytest.mark.parametrize("approver", ["mapping owner", "Mapping  Owner"])
def test_an_approved_rule_approved_by_its_author_is_refused(tmp_path, tiny_source, tiny_target, approver):
    people = f"author: mapping owner, approved_by: {approver}"
    rule = f"{{class: CROSSWALK, source: Sex, crosswalk: sex, rationale: x, {people}}}"
    with pytest.raises(CurationError) as error:
        _load(tmp_path, rule, tiny_source, tiny_target)
    message = str(error.value)
    assert "LOAD_PMI.yaml" in message and error.value.where == "rule SEX"
    assert "approved by its author (mapping owner)" in message
    assert "\n" not in message


def test_shipped_rules_never_approve_their_own_work():
    """Checked on the YAML itself, so it runs without the catalogs the full load needs."""
    for path in sorted(default_rules_dir().glob("*.yaml")):
        rules = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or {}
        for field, rule in rules.items():
            if isinstance(rule, dict) and rule.get("status", "approved") == "approved" and rule.get("author"):
                assert str(rule["author"]).casefold() != str(rule.get("approved_by", "")).casefold(), (path, field)
