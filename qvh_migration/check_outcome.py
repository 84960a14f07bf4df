"""What a check function returns, so that check logic stays in plain modules testable without Dagster.

``defs/`` turns an outcome into an asset check result (adding the check's severity); the stage
modules only say whether the data passed and the figures a reviewer needs to see why.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool
    metadata: dict[str, object] = field(default_factory=dict)
