"""The invariant declarations: every one cites the guide or a rule; a fault names the file and the invariant."""

from __future__ import annotations

from pathlib import Path

import pytest

from qvh_migration.errors import CurationError
from qvh_migration.gates.invariants.declarations import FAMILIES, load_family, load_invariants


def test_every_invariant_cites_its_page_or_rule_and_has_a_family() -> None:
    invariants = load_invariants()
    assert {i.family for i in invariants} == set(FAMILIES)
    for invariant in invariants:
        assert any(word in invariant.citation for word in ("p. ", "pp. ", "Rules", "Dictionary")), invariant.id
        assert invariant.description and invariant.severity in ("ERROR", "WARN")
        assert invariant.kind == "mandatory" or invariant.checks, invariant.id


def test_the_invariants_do_not_read_the_mapping_contract() -> None:
    folder = Path(load_invariants.__code__.co_filename).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "mapping_contract" not in text and "read_contract" not in text, path.name


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("family: identity\ninvariants:\n  - id: x\n    description: d\n    tables: [LOAD_PMI]\n    sql: SELECT 1\n",
         "'citation' is required"),
        ("family: identity\ninvariants:\n  - {id: x, description: d, citation: p. 1, tables: [LOAD_PMI],"
         " sql: 'SELECT {nope}'}\n", "placeholder 'nope' has no value"),
        ("family: nowhere\ninvariants: []\n", "a family file is a mapping"),
        ("family: identity\ninvariants:\n  - {id: x, description: d, citation: p. 1, colour: red}\n",
         "unknown key(s) colour"),
    ],
)  # fmt: skip
def test_a_fault_names_the_file_and_the_invariant(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "identity.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CurationError) as caught:
        load_family(path)
    assert str(path) in str(caught.value) and problem in str(caught.value)
