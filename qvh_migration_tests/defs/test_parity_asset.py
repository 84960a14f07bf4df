"""The waiting-list parity asset takes the release profile its check is judged under."""

from __future__ import annotations

import dagster as dg

from qvh_migration.definitions import STAGING_JOB, defs, gate_run_config
from qvh_migration.reports.waiting_lists.waiting_list_policy import HEADLINE_PROFILE


def test_the_staging_job_accepts_the_profile_of_the_parity_check() -> None:
    job = defs.resolve_job_def(STAGING_JOB)
    config = gate_run_config("development", ("release_decision", "waiting_list_parity"))
    assert dg.validate_run_config(job, config)["ops"]["waiting_list_parity"]["config"]["profile"] == "development"
    assert HEADLINE_PROFILE == "pre_production"  # the default is never development
