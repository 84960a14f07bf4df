"""LOAD_ADT_EPISODES.ACTUAL_MANAGEMENT against the guide (p75, code type 10033 Patient Management
Codes, e.g. Inpatient, Day case) and the NHS Data Dictionary PATIENT CLASSIFICATION.

The test reads the curated rule as it stands in the rules file and evaluates it as the ETL does
(crosswalks first, then the transform), so it failed on the old rule, which copied the intended
management and loaded a day case who stayed the night as a day case (2)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.mapping.crosswalks import crosswalk_lookup, load_crosswalks
from qvh_migration.mapping.transforms import TRANSFORMS
from qvh_migration.settings import PROJECT_ROOT

RULES = Path(__file__).resolve().parents[2] / "qvh_migration" / "mapping" / "rules" / "LOAD_ADT_EPISODES.yaml"
# The spell columns the rule may read, one row per case.
SPELLS = {
    "ADMITDISCH.IntdMgmt": ["D", "D", "D", "I", "R", "N", "D"],
    "ADMITDISCH.IpAdmDtimeInt": [
        "202311060800", "202311060800", "202611300900", "202311060800", "202311060800", "202311062200", "",
    ],
    "ADMITDISCH.IpDschDtimeInt": ["202311071015", "202311061700", "", "202311101000", "202311061600", "", ""],
}  # fmt: skip
# Ordinary (stayed overnight), day case (same day), ordinary (still in on a later as-of day),
# ordinary (planned overnight), regular day (3), regular night (4), day case (no dates known).
EXPECTED = ["1", "2", "1", "1", "3", "4", "2"]


def _evaluate(rule: dict, as_of: pd.Timestamp) -> list[str | None]:
    sources = rule["source"] if isinstance(rule["source"], list) else [rule["source"]]
    crosswalks = load_crosswalks(PROJECT_ROOT / "crosswalks")
    code_sets = list(TRANSFORMS[rule["transform"]].code_sets) if rule.get("transform") else [rule["crosswalk"]]
    inputs = []
    for i, source in enumerate(sources):
        column = pd.Series(SPELLS[source], dtype="string")
        code_set = code_sets[i] if i < len(code_sets) else ""
        inputs.append(column.map(crosswalk_lookup(crosswalks[code_set])).astype("string") if code_set else column)
    if not rule.get("transform"):
        return [None if pd.isna(v) else str(v) for v in inputs[0]]
    spec = TRANSFORMS[rule["transform"]]
    values = spec.func(*inputs, as_of=as_of) if spec.as_of else spec.func(*inputs)
    return [None if pd.isna(v) else str(v) for v in values]


def test_actual_management_is_the_patient_classification_of_the_stay() -> None:
    """Guide p75; NHS Data Dictionary PATIENT CLASSIFICATION: a planned day case who stayed the night
    is an ordinary admission (1), regular day and night admissions are 3 and 4, not the intended
    management's 4 and 5 (scenario S28)."""
    rule = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]["ACTUAL_MANAGEMENT"]
    assert _evaluate(rule, pd.Timestamp("2026-12-01")) == EXPECTED


def test_the_old_rule_loaded_the_intention() -> None:
    """The rule before (a crosswalk of the intended management) fails the same cases: the planted fault."""
    old = {"class": "CROSSWALK", "source": "ADMITDISCH.IntdMgmt", "crosswalk": "intended_management"}
    assert _evaluate(old, pd.Timestamp("2026-12-01")) != EXPECTED
