"""Past one machine: the Definitions load with Dagster's Kubernetes executor, and the shipped
deployment files agree with the code location."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import yaml

from qvh_migration import settings

DEPLOY = settings.PROJECT_ROOT / "deploy" / "k8s"

# Run in a fresh interpreter: the executor is chosen when the code location is imported.
PROBE = """
import json, yaml, dagster as dg
from qvh_migration.definitions import defs, TARGET_TABLE_JOB, DRY_RUN_JOB
run_config = yaml.safe_load(open({run_config!r}))
report = {{}}
for name in (DRY_RUN_JOB, TARGET_TABLE_JOB):
    job = defs.resolve_job_def(name)
    dg.validate_run_config(job, run_config)  # raises when the example config does not fit
    report[name] = job.executor_def.name
print(json.dumps(report))
"""


def test_definitions_load_with_the_k8s_job_executor() -> None:
    probe = PROBE.format(run_config=str(DEPLOY / "run_config.yaml"))
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "QVH_EXECUTOR": "k8s"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    executors = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(executors.values()) == {"k8s"}


def test_image_and_chart_values_point_at_the_code_location() -> None:
    dockerfile = (settings.PROJECT_ROOT / "Dockerfile").read_text()
    assert "qvh_migration.definitions" in dockerfile and "QVH_EXECUTOR=k8s" in dockerfile
    ignored = (settings.PROJECT_ROOT / ".dockerignore").read_text().splitlines()
    assert "requirement_spec/*" in ignored  # real documents never enter an image
    values = yaml.safe_load((DEPLOY / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["--module-name", "qvh_migration.definitions"]
    assert {"name": "QVH_EXECUTOR", "value": "k8s"} in deployment["env"]
    limits = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]["tagConcurrencyLimits"]
    assert {"key": "qvh/stage", "value": "target_table", "limit": 8} in limits
