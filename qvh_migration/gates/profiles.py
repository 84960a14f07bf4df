"""Release profiles: each check's severity and threshold, and the release criteria, as reviewed data.

A profile is a YAML file in ``gates/profiles/`` (or a folder named by ``QVH_RELEASE_PROFILES``):

    checks:        # by check family (``max_length``) or one generated check (``max_length:SURNAME``)
      default: {severity: ERROR, max_failures: 0}
      name_charset: {severity: WARN}
    criteria:      # release criteria: figure name -> {max: n} or {min: n}
      error_findings: {max: 0}

A fault names the file and the key, so a reviewer finds the line to fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qvh_migration.errors import CurationError
from qvh_migration.settings import PACKAGE_DIR

PROFILES_DIR_ENV = "QVH_RELEASE_PROFILES"
PROFILE_NAMES: tuple[str, ...] = ("development", "pre_production", "cutover_ready")
# The profile a dry run gates under and a release is scored under unless the user names another:
# the rehearsal profile, never the development one (whose error threshold lets anything through).
DEFAULT_PROFILE = "pre_production"
SEVERITIES: tuple[str, ...] = ("ERROR", "WARN")
# The release criteria a profile may set; each figure is computed from the stored run (release.py).
CRITERIA: tuple[str, ...] = (
    "error_findings",
    "warning_findings",
    "unresolved_mandatory_fields",
    "crosswalk_rejects",
    "population_ratio",
    "conservation_failures",
    "nhs_numbers_verified",
    "duplicate_patients",
    "patients_without_hospital_number",
    "reconciliation_differences",
    "blocked_tables",
    "failed_invariants",
    "open_decisions",
    # Read from the run's reports (gates/report_figures.py): the oracles outside the mapping.
    "failing_scenarios",
    "waiting_list_differences",
    "unexplained_reconciliation",
    # Read from the register of trial loads (gates/trial_figures.py).
    "named_trials",
    "last_trial_failures",
    "last_trial_window_share",
)


@dataclass(frozen=True)
class CheckPolicy:
    severity: str = "ERROR"
    max_failures: int = 0  # failing rows tolerated before the check fails
    max_failure_rate: float | None = None  # or a share of the rows checked


@dataclass(frozen=True)
class Profile:
    name: str
    path: Path
    description: str
    checks: dict[str, CheckPolicy]
    criteria: dict[str, tuple[str, float]] = field(default_factory=dict)  # figure -> (min|max, bound)

    def policy(self, check: str) -> CheckPolicy:
        """The exact check's policy, else its family's, else the profile default."""
        family = check.split(":", 1)[0]
        return self.checks.get(check) or self.checks.get(family) or self.checks.get("default") or CheckPolicy()


def profiles_dir() -> Path:
    return Path(os.environ.get(PROFILES_DIR_ENV) or PACKAGE_DIR / "gates" / "profiles")


def profile_path(name: str, folder: Path | None = None) -> Path:
    return (folder or profiles_dir()) / f"{name}.yaml"


def load_profile(name_or_path: str | Path, folder: Path | None = None) -> Profile:
    """Read and check one profile; ``name_or_path`` is a profile name or a YAML file."""
    given = Path(name_or_path)
    path = given if given.suffix in (".yaml", ".yml") else profile_path(str(name_or_path), folder)
    if not path.exists():
        known = sorted(p.stem for p in path.parent.glob("*.yaml")) if path.parent.exists() else []
        raise CurationError(path, f"no such release profile (known: {', '.join(known) or 'none'})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CurationError(path, f"not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(raw, dict):
        raise CurationError(path, "a profile is a mapping with 'checks' and 'criteria'")
    unknown = sorted(set(raw) - {"description", "checks", "criteria"})
    if unknown:
        raise CurationError(path, f"unknown key(s) {', '.join(unknown)}", where=unknown[0])
    checks = {key: _policy(path, key, value) for key, value in _mapping(path, raw, "checks").items()}
    criteria = {key: _criterion(path, key, value) for key, value in _mapping(path, raw, "criteria").items()}
    return Profile(path.stem, path, str(raw.get("description", "")), checks, criteria)


def _mapping(path: Path, raw: dict, key: str) -> dict:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise CurationError(path, "must be a mapping", where=key)
    return value


def _policy(path: Path, key: str, value: object) -> CheckPolicy:
    where = f"checks.{key}"
    if not isinstance(value, dict):
        raise CurationError(path, "must be a mapping with severity and thresholds", where=where)
    unknown = sorted(set(value) - {"severity", "max_failures", "max_failure_rate"})
    if unknown:
        raise CurationError(path, f"unknown setting(s) {', '.join(unknown)}", where=f"{where}.{unknown[0]}")
    severity = str(value.get("severity", "ERROR")).upper()
    if severity not in SEVERITIES:
        raise CurationError(path, f"severity {severity!r} is not one of {', '.join(SEVERITIES)}", where=where)
    try:
        max_failures = int(value.get("max_failures", 0))
        rate = value.get("max_failure_rate")
        rate = None if rate is None else float(rate)
    except (TypeError, ValueError):
        raise CurationError(path, "thresholds must be numbers", where=where) from None
    if max_failures < 0 or (rate is not None and not 0 <= rate <= 1):
        raise CurationError(path, "max_failures >= 0 and max_failure_rate within 0-1", where=where)
    return CheckPolicy(severity, max_failures, rate)


def _criterion(path: Path, key: str, value: object) -> tuple[str, float]:
    where = f"criteria.{key}"
    if key not in CRITERIA:
        raise CurationError(path, f"unknown criterion (known: {', '.join(CRITERIA)})", where=where)
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in ("min", "max"):
        raise CurationError(path, "a criterion is {min: n} or {max: n}", where=where)
    bound, number = next(iter(value.items()))
    try:
        return str(bound), float(number)
    except (TypeError, ValueError):
        raise CurationError(path, f"{bound} must be a number", where=where) from None
