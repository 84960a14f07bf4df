"""One id and one readable name for all the Dagster runs of one dry run (about 40: the upstream
stages, one per target table, the staging build), so the UI's run list shows them together and the
evidence pack names the dry run it describes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

DRY_RUN_TAG = "qvh/dry_run"
DRY_RUN_NAME_TAG = "qvh/dry_run_name"


@dataclass(frozen=True)
class DryRunTags:
    dry_run_id: str
    name: str

    @property
    def tags(self) -> dict[str, str]:
        return {DRY_RUN_TAG: self.dry_run_id, DRY_RUN_NAME_TAG: self.name}

    def runs_path(self) -> str:
        """The UI's run list filtered to this dry run's runs (the filter its tag search writes), readable as
        typed; a browser encodes it."""
        return f"/runs?q[0]=tag:{DRY_RUN_TAG}={self.dry_run_id}"

    def line(self) -> str:
        return f"dry run id {self.dry_run_id} ({self.name}): its runs in `qvh-migration ui` at {self.runs_path()}"


def new_dry_run(now: datetime | None = None) -> DryRunTags:
    """An id sortable by start time, unique by its random tail; the name says when it started (UTC)."""
    started = (now or datetime.now(UTC)).astimezone(UTC)
    return DryRunTags(f"{started:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}", f"dry run {started:%Y-%m-%d %H:%M}")


def dry_run_id(tags: dict[str, str], run_id: str) -> str:
    """The dry run a Dagster run belongs to, or the run's own id when it was started on its own."""
    return tags.get(DRY_RUN_TAG) or run_id
