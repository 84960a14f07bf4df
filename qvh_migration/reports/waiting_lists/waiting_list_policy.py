"""The ``waiting_lists_match`` verdict under each release profile, from a reviewed table
(``waiting_list_policy.yaml``): which explained differences pass, whether band counts and PTL
validation counts must agree. Every profile's verdict is computed and kept side by side; the check
reports the one it is asked for (``pre_production`` unless told otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.errors import CurationError
from qvh_migration.gates.profiles import PROFILE_NAMES, SEVERITIES
from qvh_migration.reports.waiting_lists import waiting_list_validation as wv
from qvh_migration.reports.waiting_lists.waiting_list import EXTRA, MISMATCH, MISSING

POLICY_FILE = Path(__file__).with_name("waiting_list_policy.yaml")
HEADLINE_PROFILE = "pre_production"
DIFFERENCE_KINDS = (MISSING, EXTRA, MISMATCH)
SETTINGS = ("severity", "explained_passes", "band_differences_fail", "validation_increase_fails")


@dataclass(frozen=True)
class ParityPolicy:
    profile: str
    severity: str
    explained_passes: tuple[str, ...]
    band_differences_fail: bool
    validation_increase_fails: bool


def load_policies(path: Path = POLICY_FILE) -> dict[str, ParityPolicy]:
    """Every profile's policy; a fault names the file and the key."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read the parity policy: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise CurationError(path, "a mapping of release profile -> settings")
    missing = [p for p in PROFILE_NAMES if p not in raw]
    if missing:
        raise CurationError(path, f"no settings for profile(s) {', '.join(missing)}", where=missing[0])
    return {name: _policy(path, str(name), value) for name, value in raw.items()}


def _policy(path: Path, name: str, value: object) -> ParityPolicy:
    if name not in PROFILE_NAMES:
        raise CurationError(path, f"unknown profile (known: {', '.join(PROFILE_NAMES)})", where=name)
    if not isinstance(value, dict) or set(value) != set(SETTINGS):
        raise CurationError(path, f"settings must be exactly {', '.join(SETTINGS)}", where=name)
    severity = str(value["severity"]).upper()
    if severity not in SEVERITIES:
        raise CurationError(
            path, f"severity {severity!r} is not one of {', '.join(SEVERITIES)}", where=f"{name}.severity"
        )
    kinds = value["explained_passes"]
    if not isinstance(kinds, list) or any(k not in DIFFERENCE_KINDS for k in kinds):
        raise CurationError(path, f"a list of {', '.join(DIFFERENCE_KINDS)}", where=f"{name}.explained_passes")
    flags = {k: value[k] for k in ("band_differences_fail", "validation_increase_fails")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise CurationError(path, "true or false", where=f"{name}.{key}")
    return ParityPolicy(name, severity, tuple(kinds), **flags)


def failing_differences(differences: pd.DataFrame, policy: ParityPolicy) -> pd.Series:
    """True for each difference that fails under the policy: unexplained, or of a kind whose
    explanation does not let it pass."""
    passes = differences["explained"].astype(bool) & differences["difference"].isin(policy.explained_passes)
    return ~passes


def verdict(differences: pd.DataFrame, summary: dict, validation: pd.DataFrame, policy: ParityPolicy) -> dict:
    """One profile's verdict: the failing differences per list and kind, band and validation failures."""
    failing = differences.loc[failing_differences(differences, policy)]
    lists = summary.get("lists", {})
    bands = sum(int(s.get("band_differences", 0)) for s in lists.values()) if policy.band_differences_fail else 0
    increases = wv.increases(validation)
    raised = [f"{r.list} {r.check}: {r.source_count} -> {r.target_count}" for r in increases.itertuples()]
    raised = raised if policy.validation_increase_fails else []
    return {
        "profile": policy.profile,
        "severity": policy.severity,
        "passed": failing.empty and bands == 0 and not raised,
        "failing_differences": len(failing),
        "failing_by_list": {
            f"{k[0]} {k[1]}": int(v) for k, v in failing.groupby(["list", "difference"]).size().items()
        },
        "missing_in_target": int(failing["difference"].eq(MISSING).sum()),
        "band_differences": bands,
        "validation_increases": raised,
    }


def verdicts(differences: pd.DataFrame, summary: dict, validation: pd.DataFrame, policies: dict) -> dict[str, dict]:
    return {name: verdict(differences, summary, validation, p) for name, p in policies.items()}


def waiting_lists_match(summary: dict, profile: str = HEADLINE_PROFILE) -> CheckOutcome:
    """The check under ``profile``, with every profile's verdict in its metadata."""
    all_verdicts = summary.get("verdicts", {})
    if profile not in all_verdicts:
        raise CurationError(POLICY_FILE, f"no parity verdict for profile {profile!r}", where=profile)
    chosen = all_verdicts[profile]
    lists = summary.get("lists", {})
    return CheckOutcome(
        passed=bool(chosen["passed"]),
        metadata={
            "profile": profile,
            "as_of": str(summary.get("as_of", "")),
            "differences": sum(int(s["differences"]) for s in lists.values()),
            "unexplained": sum(int(s["unexplained"]) for s in lists.values()),
            "failing_differences": int(chosen["failing_differences"]),
            "missing_in_target": int(chosen["missing_in_target"]),
            "band_differences": int(chosen["band_differences"]),
            "validation_increases": "; ".join(chosen["validation_increases"]) or "none",
            **{f"passed_{name}": bool(v["passed"]) for name, v in all_verdicts.items()},
        },
    )
