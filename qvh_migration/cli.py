"""Command line: the full dry run and the Dagster UI, both with persistent run history.

Both use ``DAGSTER_HOME`` inside the project (git-ignored, telemetry off) unless the caller
set one, so runs started here appear in the UI started here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qvh_migration.settings import PROJECT_ROOT, default_dagster_home, default_data_dir

# nux off: the UI opens on the assets, not on the community sign-up dialog.
DAGSTER_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
"""


def ensure_dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or default_dagster_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def dry_run(run_config: dict | None = None, impute_mode: str | None = None) -> int:
    """Materialise every asset and run every check once, printing what happened.

    The unpartitioned stages run first, then one run per target table in the guide's load order
    (parents before children), then the staging database build.
    """
    import dagster as dg

    from qvh_migration.definitions import (
        DRY_RUN_JOB,
        STAGING_JOB,
        TARGET_TABLE_JOB,
        defs,
        target_table_run_config,
    )
    from qvh_migration.defs.etl import TARGET_TABLE_NAMES

    ensure_dagster_home()
    # The event log keeps every detail for the UI; the terminal gets the summary below.
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    results = []
    with dg.DagsterInstance.get() as instance:
        upstream = defs.resolve_job_def(DRY_RUN_JOB).execute_in_process(
            instance=instance, run_config={**quiet, **(run_config or {})}, raise_on_error=False
        )
        results.append(upstream)
        _print_events(upstream)
        if upstream.success:
            table_job = defs.resolve_job_def(TARGET_TABLE_JOB)
            for table in TARGET_TABLE_NAMES:
                result = table_job.execute_in_process(
                    instance=instance,
                    run_config={**quiet, **target_table_run_config(impute_mode)},
                    partition_key=table,
                    raise_on_error=False,
                )
                results.append(result)
                _print_events(result, partition=table)
            staging = defs.resolve_job_def(STAGING_JOB).execute_in_process(
                instance=instance, run_config=quiet, raise_on_error=False
            )
            results.append(staging)
            _print_events(staging)
    succeeded = all(r.success for r in results)
    print(
        f"dry run {'succeeded' if succeeded else 'FAILED'} (first run {upstream.run_id}); "
        f"artifacts under {default_data_dir().resolve()}"
    )
    return 0 if succeeded else 1


def _print_events(result, partition: str | None = None) -> None:
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            name = materialization.asset_key.to_user_string()
            if partition:
                meta = materialization.metadata
                counts = ", ".join(
                    f"{k.split('_')[0]} {meta[k].value}"
                    for k in ("source_rows", "loaded_rows", "rejected_rows", "filtered_rows")
                    if k in meta
                )
                print(f"materialised  {name}[{partition}]  {counts}")
            else:
                print(f"materialised  {name}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            warn_only = evaluation.severity.value == "WARN"
            status = "passed" if evaluation.passed else ("WARNING" if warn_only else "FAILED")
            where = f"[{partition}]" if partition else ""
            print(f"check {status:7s} {evaluation.asset_key.to_user_string()}{where}:{evaluation.check_name}")
        elif event.event_type_value == "STEP_FAILURE":
            print(f"FAILED        {event.step_key}: {event.event_specific_data.error.message.strip()}")


def ui(port: int) -> int:
    ensure_dagster_home()
    dg_cli = Path(sys.executable).with_name("dg")
    os.chdir(PROJECT_ROOT)
    os.execv(str(dg_cli), [str(dg_cli), "dev", "--port", str(port)])
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qvh-migration", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    dry = commands.add_parser("dry-run", help="materialise every asset on the embedded default store")
    dry.add_argument("--patients", type=int, help="synthetic patients to generate")
    dry.add_argument("--seed", type=int, help="seed for the synthetic extracts")
    dry.add_argument("--defect-rate", type=float, help="share of rows given a controlled defect (0-1)")
    dry.add_argument(
        "--impute-mode",
        choices=["strict", "lenient"],
        help="unmapped legacy codes: strict rejects the row (cutover), lenient loads it empty and warns",
    )
    web = commands.add_parser("ui", help="open the Dagster UI with persistent run history")
    web.add_argument("--port", type=int, default=3000)
    args = parser.parse_args(argv)
    if args.command == "ui":
        return ui(args.port)
    from qvh_migration.definitions import synthetic_run_config

    return dry_run(synthetic_run_config(args.patients, args.seed, args.defect_rate), args.impute_mode)


if __name__ == "__main__":
    sys.exit(main())
