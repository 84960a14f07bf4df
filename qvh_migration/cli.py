"""Command line: the full dry run and the Dagster UI, both with persistent run history.

Examples:
  qvh-migration dry-run
  qvh-migration dry-run --patients 20000 --seed 7 --defect-rate 0.02
  qvh-migration dry-run --extracts files:/secure/extracts --data-dir /srv/qvh/data
  qvh-migration dry-run --extracts duckdb:/secure/legacy_copy.duckdb --quiet
  qvh-migration rerun LOAD_PMI --with-children
  qvh-migration ui --port 3000

Both use ``DAGSTER_HOME`` inside the project (git-ignored, telemetry off) unless the caller
set one, so runs started here appear in the UI started here.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qvh_migration import cli_plan, cli_rerun, cli_signoff, cli_verify, console, preflight, run_tags
from qvh_migration.gates.profiles import DEFAULT_PROFILE
from qvh_migration.io import run_control
from qvh_migration.io.secrets import redact_url
from qvh_migration.settings import (
    DATA_DIR_ENV,
    PROJECT_ROOT,
    SOURCE_URL_ENV,
    default_crosswalk_dir,
    default_dagster_home,
    default_data_dir,
    default_rules_dir,
    default_source_url,
    default_spec_dir,
    locate_documents,
)

if TYPE_CHECKING:  # Dagster loads only once a command runs
    from qvh_migration.defs.table_runs import LoadedTables, TableRun

# nux off: the UI opens on the assets, not on the community sign-up dialog.
DAGSTER_YAML = """\
telemetry:
  enabled: false
nux:
  enabled: false
"""
LOG_NAME = "dry_run.log"  # under <data>/reports: the full event log of the last dry run
# Judged under the chosen profile in the run after the tables (the waiting-list parity too).
RELEASE_ASSETS = ("cross_table_integrity", "business_invariants", "release_decision", "waiting_list_parity")


def ensure_dagster_home() -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or default_dagster_home()).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def parse_extracts(value: str | None) -> tuple[str, str]:
    """``files:/secure/extracts`` -> ("files", "/secure/extracts"); nothing -> QVH_SOURCE_URL or synthetic."""
    if not value:
        url = default_source_url()
        return ("sql", url) if url else ("synthetic", "")
    if "://" in value:  # a SQLAlchemy URL names a source database
        return "sql", value.strip()
    kind, _, location = value.partition(":")
    return kind.strip().lower(), location.strip()


def plan_from_args(args: argparse.Namespace) -> preflight.RunPlan:
    kind, location = parse_extracts(args.extracts)
    return preflight.RunPlan(
        data_dir=Path(args.data_dir or default_data_dir()).resolve(),
        spec_dir=Path(args.spec_dir or default_spec_dir()).resolve(),
        crosswalk_dir=Path(args.crosswalks or default_crosswalk_dir()).resolve(),
        rules_dir=Path(args.rules or default_rules_dir()).resolve(),
        extract_kind=kind,
        extract_location=location if kind == "sql" else (str(Path(location).resolve()) if location else ""),
        patients=args.patients,
        seed=args.seed,
        defect_rate=args.defect_rate,
    )


def resources_config(plan: preflight.RunPlan) -> dict[str, Any]:
    """The plan's folders and extract source as resource config, the same for every run."""
    settings = {
        "data_dir": str(plan.data_dir),
        "requirement_spec_dir": str(plan.spec_dir),
        "crosswalk_dir": str(plan.crosswalk_dir),
        "rules_dir": str(plan.rules_dir),
    }
    extracts = {"kind": plan.extract_kind, "location": plan.extract_location}
    if plan.extract_kind == "sql":
        # The URL may carry a password, and run config is kept in Dagster's run storage and shown in the
        # UI: the runs read it from the environment of this process instead.
        os.environ[SOURCE_URL_ENV] = plan.extract_location
        extracts["location"] = ""
    return {"resources": {"settings": {"config": settings}, "extract_source": {"config": extracts}}}


def run_config_for(plan: preflight.RunPlan) -> dict[str, Any]:
    from qvh_migration.definitions import synthetic_run_config

    return {**synthetic_run_config(plan.patients, plan.seed, plan.defect_rate), **resources_config(plan)}


def describe(plan: preflight.RunPlan) -> str:
    documents = "stand-ins" if locate_documents(plan.spec_dir).uses_standins else "real documents"
    if plan.extract_kind == "synthetic":
        patients = plan.patients if plan.patients is not None else 2000
        extracts = f"synthetic ({patients:,} patients)"
    else:
        location = redact_url(plan.extract_location) if plan.extract_kind == "sql" else plan.extract_location
        extracts = f"{plan.extract_kind}:{location}"
    return f"documents: {documents} from {plan.spec_dir}; extracts: {extracts}"


def dry_run(
    run_config: dict | None = None,
    impute_mode: str | None = None,
    plan: preflight.RunPlan | None = None,
    quiet: bool = False,
    profile: str | None = None,
    workers: int = 1,
    stops: run_control.StopSignals | None = None,
    engine: str | None = None,
    trial: str | None = None,
) -> int:
    """Materialise every asset and run every check once, printing one line per outcome.

    With ``stops``, a Ctrl-C or SIGTERM stops the whole dry run after the Dagster run it
    interrupted (``RunInterrupted``): no further table, staging database or report is published.

    The unpartitioned stages run first, then one run per target table (each with its gates) as one
    load batch in the guide's load order, ``workers`` at once, each run waiting for its parents' runs;
    then the staging database build and the release gates (cross-table integrity, defect detection,
    release decision under ``profile``).
    """
    plan = plan or plan_from_args(build_parser().parse_args(["dry-run"]))
    from qvh_migration.defs.extracts import synthetic_parameter_problems  # the generator's wiring owns them

    started_at = datetime.now(UTC).isoformat()  # a trial's run time is measured from here
    problems = preflight.run_problems(plan, synthetic_parameter_problems)
    if problems:
        console.print_lines(f"cannot start: {problem}" for problem in problems)
        return 2
    console.print_lines(filter(None, [preflight.missing_pc60_note(plan.spec_dir)]))
    console.show_progress(not quiet)
    console.report_progress("start", "dry run", None, describe(plan))  # loading Dagster takes seconds
    import dagster as dg

    from qvh_migration.definitions import (
        DRY_RUN_JOB,
        STAGING_JOB,
        defs,
        gate_run_config,
        target_table_run_config,
    )

    ensure_dagster_home()
    # Dagster's console logger would print each failure's stack trace; the event log keeps them.
    silent = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    shared = resources_config(plan)
    this_run = run_tags.new_dry_run()  # one tag on every run of this dry run, for the UI's run list
    run_ids: list[str] = []
    results = []
    with dg.DagsterInstance.get() as instance:

        def execute(job_name: str, config: dict, partition: str | None = None) -> Any:
            run_id = str(uuid.uuid4())
            run_ids.append(run_id)
            # Outcomes are printed as they happen (a large run takes minutes), not all at the end.
            instance.add_event_listener(run_id, lambda entry: _print_live(entry, quiet, partition))
            result = defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                run_config=_merge(silent, config),
                partition_key=partition,
                raise_on_error=False,
                run_id=run_id,
                tags=this_run.tags,
            )
            results.append(result)
            if stops is not None:
                stops.check()
            return result

        upstream = execute(DRY_RUN_JOB, {**(run_config or run_config_for(plan)), **shared})
        table_config = _merge(silent, target_table_run_config(impute_mode, engine), gate_run_config(profile), shared)
        tables: list[TableRun] = []
        if upstream.success:
            tables = _load_tables(instance, table_config, workers, this_run, stops).runs
            run_ids.extend(r.run_id for r in tables)
            # Everything after the tables in one run: staging database, cross-table gates, business invariants,
            # release decision, reports (the waiting-list parity judged under the same profile).
            from qvh_migration.defs.trials import trial_run_config

            trial_config = trial_run_config(trial, started_at) if trial else {}
            execute(STAGING_JOB, _merge(gate_run_config(profile, RELEASE_ASSETS), trial_config, shared))
        log_path = write_event_log(instance, run_ids, plan.data_dir / "reports" / LOG_NAME)
    console.show_progress(False)
    # A table whose gates failed is a verdict on the data (the decision says it), not a run that broke;
    # a table whose load or blocking checks failed holds back its descendants and fails the dry run.
    # A held-back table is not loaded: it fails the dry run like its failed ancestor.
    succeeded = all(result.success or blocked_only(result) for result in results) and all(r.loaded for r in tables)
    blocked = sum(1 for result in results if not result.success and blocked_only(result))
    blocked += sum(1 for r in tables if r.blocked)
    print(this_run.line())  # before the decision, so the closing lines keep their order
    print("\n".join(stored_decision_lines(plan.data_dir, blocked)))
    print(f"dry run {'succeeded' if succeeded else 'FAILED'} (first run {upstream.run_id}); {describe(plan)}")
    print(f"artifacts under {plan.data_dir}; full log: {log_path} (and the runs in `qvh-migration ui`)")
    pack = plan.data_dir / "reports" / "evidence" / "index.html"
    if succeeded and pack.exists():
        print(f"evidence pack: {pack}")
    return 0 if succeeded else 1


def _load_tables(
    instance: Any,
    table_config: dict,
    workers: int,
    this_run: run_tags.DryRunTags,
    stops: run_control.StopSignals | None,
) -> LoadedTables:
    """The 38 tables as one load batch (``defs/table_runs.py``), ``workers`` at once, each table's lines
    printed as its run finishes: its outcomes, or the line naming the failed ancestor holding it back."""
    from qvh_migration.definitions import target_table_load
    from qvh_migration.defs.load_batch import BATCH_TAG
    from qvh_migration.defs.table_runs import load_tables
    from qvh_migration.etl import load_order

    total = len(load_order.committed().tables)
    started, finished = time.monotonic(), []
    at_once = f", {workers} at once" if workers > 1 else ""
    console.report_progress("etl", f"{total} tables", None, f"parents first{at_once}")

    def done(table_run: TableRun) -> None:
        finished.append(table_run.table)
        if table_run.held_back_by:
            console.print_lines([load_order.held_back_line(table_run.table, table_run.held_back_by)])
        else:
            events = [e.dagster_event for e in instance.all_logs(table_run.run_id) if e.dagster_event is not None]
            console.print_lines(outcome_lines(events, table_run.table))
        left = console.time_left(len(finished), total, time.monotonic() - started)
        detail = f"{len(finished)} of {total} tables done" + (f", {left}" if left else "")
        console.report_progress("etl", table_run.table, None, detail)
        if stops is not None:
            stops.check()

    tags = {**this_run.tags, BATCH_TAG: this_run.dry_run_id}
    try:
        return load_tables(target_table_load, table_config, workers, tags, done)
    except Exception as exc:  # a config Dagster refuses: one line, not its traceback
        import dagster as dg

        if not isinstance(exc, dg.DagsterInvalidConfigError):
            raise
        problems = "; ".join(error.message for error in exc.errors) or str(exc)
        raise SystemExit(f"cannot load the {total} target tables: {problems}") from None


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _merge(*configs: dict) -> dict:
    """Run configs merged one level deep (each may name its own ops and resources)."""
    merged: dict = {}
    for config in configs:
        for key, value in config.items():
            merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def release(profile: str | None = None, data_dir: str | None = None) -> int:
    """Re-score the stored run under every profile, headed by ``profile``: the decision file, the evidence
    pack and the UI's release metadata are rewritten together. Exit 0 on PASS and 1 on FAIL."""
    from qvh_migration.errors import MigrationInputError
    from qvh_migration.gates.release import decide_all, write_decision
    from qvh_migration.io.run_folders import RunFolders
    from qvh_migration.reports.evidence_pack.evidence_html import write_pack
    from qvh_migration.settings import DATA_DIR_ENV, ProjectPaths

    if data_dir:
        os.environ[DATA_DIR_ENV] = data_dir
    paths = ProjectPaths.from_environment()
    folders = RunFolders.of(paths)
    try:
        decision = decide_all(folders, paths.stage_dir("gates"), profile or DEFAULT_PROFILE)
        write_decision(paths.stage_dir("gates"), decision)
        pack, _ = write_pack(paths)
    except (MigrationInputError, FileNotFoundError) as exc:
        print(f"cannot score the stored run: {exc}")
        return 2
    for c in decision["criteria"]:
        print(f"{c['result']:4s}  {c['criterion']:34s} {c['figure']!s:>10}  {c['threshold']}")
    print("\n".join(decision_lines(decision)))
    print(f"evidence pack rewritten: {pack}")
    recorded = _record_release(decision, pack)
    if recorded:
        print(recorded)
    return 0 if decision["decision"] == "PASS" else 1


def decision_lines(decision: dict) -> list[str]:
    """The decision under every profile side by side, then the headline (the named profile's)."""
    lines = ["decision by profile:"]
    for d in decision.get("profiles", [decision]):
        failed = [c["criterion"] for c in d["criteria"] if c["result"] == "FAIL"]
        mark = "  <- headline" if d["profile"] == decision["profile"] else ""
        lines.append(f"  {d['profile']:16s} {d['decision']:4s}  failed: {', '.join(failed) or 'none'}{mark}")
    invariants = decision.get("failed_invariants", [])
    if invariants:
        lines.append(f"failing invariants under {decision['profile']}: {', '.join(invariants)}")
    ledger = decision.get("ledger_explanations")
    if ledger and ledger["failures"]:
        unexplained = ledger["unexplained_rejects"] + ledger["unexplained_invariant_rows"]
        lines.append(
            f"defect ledger: {ledger['explained']} of {ledger['failures']} rejected or failing rows trace to an "
            f"injected defect; {unexplained} do not (gates/failure_explanations.parquet)"
        )
    lines.append(f"release decision under {decision['profile']}: {decision['decision']}")
    return lines


def blocked_only(result: Any) -> bool:
    """True when a run's only step failures are blocking checks that failed (a table held by its gates)."""
    from qvh_migration.defs.table_runs import held_by_gates

    return held_by_gates(result)


def stored_decision_lines(data_dir: Path, blocked_runs: int = 0) -> list[str]:
    """The run's stored decision side by side per profile, or one line saying there is none."""
    import json

    held = [f"{blocked_runs} table run(s) held by blocking checks (failed in the partition view)"]
    held = held if blocked_runs else []
    path = data_dir / "gates" / "release_decision.json"
    try:
        return held + decision_lines(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError):
        return [*held, f"no release decision in this run ({path} not written)"]


def _record_release(decision: dict, pack: Path) -> str:
    """The re-scored decision as the release_decision and evidence_pack assets' latest metadata in the UI."""
    try:
        import dagster as dg

        from qvh_migration.defs.gates import decision_metadata

        ensure_dagster_home()
        metadata = {**decision_metadata(decision), "rescored_by": "qvh-migration release"}
        with dg.DagsterInstance.get() as instance:
            instance.report_runless_asset_event(dg.AssetMaterialization("release_decision", metadata=metadata))
            pack_metadata = {
                "decision": decision["decision"],
                "profile": decision["profile"],
                "evidence_pack": dg.MetadataValue.path(str(pack)),
            }
            instance.report_runless_asset_event(dg.AssetMaterialization("evidence_pack", metadata=pack_metadata))
    except Exception as exc:  # the files are the record; the UI copy is a convenience
        return f"note: the UI's release metadata was not updated ({type(exc).__name__}: {exc})"
    return ""


def _print_live(entry: Any, quiet: bool, partition: str | None = None) -> None:
    event = entry.dagster_event
    if event is None:
        return
    if event.event_type_value == "STEP_START" and not quiet:
        console.report_step(event.step_key)
    console.print_lines(outcome_lines([event], partition))


def outcome_lines(events: list[Any], partition: str | None = None) -> list[str]:
    """One line per materialisation, check and failed step; a target-table partition is named
    with its row counts."""
    lines = []
    for event in events:
        kind = event.event_type_value
        # A partition run names its partition once for all its events.
        data = event.event_specific_data
        part = partition or event.partition or getattr(data, "partition", None)
        where = f"[{part}]" if part else ""
        if kind == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            meta = materialization.metadata
            # The gates' partition repeats its table's row counts (for the UI): the terminal says them once.
            keys = (
                ("generated_checks", "findings")
                if "generated_checks" in meta
                else ("source_rows", "loaded_rows", "rejected_rows", "filtered_rows")
            )
            counts = ", ".join(f"{key.split('_')[0]} {meta[key].value}" for key in keys if part and key in meta)
            name = materialization.asset_key.to_user_string() + where
            lines.append(f"materialised  {name}" + (f"  {counts}" if counts else ""))
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            asset = evaluation.asset_key.to_user_string() + where
            if evaluation.passed and evaluation.asset_key.to_user_string() == "target_table_gates":
                continue  # ten gate groups per table: the terminal shows only those that fail
            if evaluation.passed:
                lines.append(f"check passed  {asset}:{evaluation.check_name}")
            elif evaluation.severity.value == "WARN":
                metadata = dict(evaluation.metadata)
                lines.append(console.warning_line(asset, evaluation.check_name, evaluation.description, metadata))
            else:
                lines.append(f"check FAILED  {asset}:{evaluation.check_name}")
        elif kind == "STEP_FAILURE":
            lines.append(
                console.failure_line(
                    event.step_key + (f"[{partition}]" if partition else ""), event.event_specific_data.error
                )
            )
    return lines


def write_event_log(instance: Any, run_ids: list[str], path: Path) -> Path:
    """Every event of the runs with full stack traces, for whoever needs more than one line."""
    lines = []
    for run_id in run_ids:
        lines.append(f"run {run_id}")
        for entry in instance.all_logs(run_id):
            step = entry.step_key or "-"
            event = entry.dagster_event
            kind = event.event_type_value if event is not None else logging.getLevelName(entry.level)
            when = datetime.fromtimestamp(entry.timestamp, tz=UTC).isoformat(timespec="milliseconds")
            lines.append(f"{when} {step} {kind}: {entry.message}")
            error = getattr(event.event_specific_data, "error", None) if event is not None else None
            if error is not None:
                lines.append(error.to_string())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError:  # the runs' events stay in DAGSTER_HOME either way
        return Path(os.environ["DAGSTER_HOME"])
    return path


class _StopRequested(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _request_stop(signum: int, _frame: object) -> None:
    # Raised out of the wait below; waiting inside the handler would block on Popen's lock.
    raise _StopRequested(signum)


def ui(port: int) -> int:
    """Run ``dagster dev`` in its own process group and stop the whole group on Ctrl-C or SIGTERM.

    It runs on this interpreter (``sys.executable -m dagster``), so an unactivated venv is not
    reported as a mismatch. ``dagster dev`` ignores SIGTERM and its webserver and daemon outlive it,
    so it gets the SIGINT it handles, and whatever is left of its group is killed after a grace period.
    """
    ensure_dagster_home()
    # Dagster calls `dagster dev` superseded by `dg dev` (a FutureWarning); `dg dev` is what checks the venv.
    command = [sys.executable, "-W", "ignore::FutureWarning", "-m", "dagster", "dev", "-w", "workspace.yaml"]
    command += ["--port", str(port)]
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, start_new_session=True)
    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)
    try:
        return child.wait()
    except _StopRequested as stop:
        return 128 + stop.signum
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _stop_group(child)


def _stop_group(child: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGINT to the group (what dagster dev handles), then SIGKILL for anything still running."""
    try:
        os.killpg(child.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):  # children that outlived the leader
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(timeout=5)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qvh-migration", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    dry = commands.add_parser(
        "dry-run",
        help="materialise every asset and run every check, with checks before starting",
        description="Materialise every asset and run every check once. Example:\n"
        "  qvh-migration dry-run --extracts files:/secure/extracts --crosswalks crosswalks --data-dir data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dry.add_argument("--patients", type=int, help="synthetic patients to generate (default 2000)")
    dry.add_argument("--seed", type=int, help="seed for the synthetic extracts (default 42)")
    dry.add_argument("--defect-rate", type=float, help="share of rows given a controlled defect, 0-1 (default 0.015)")
    dry.add_argument(
        "--impute-mode",
        choices=["strict", "lenient"],
        help="unmapped legacy codes: strict rejects the row (cutover), lenient loads it empty and warns "
        "(default strict)",
    )
    dry.add_argument(
        "--extracts",
        metavar="KIND:PATH",
        help="real extracts instead of synthetic ones: files:/secure/extracts, duckdb:/path/copy.duckdb, or a "
        "database copy by SQLAlchemy URL, postgresql://user:password@host/db (default: QVH_SOURCE_URL when set, "
        "else synthetic extracts)",
    )
    dry.add_argument("--crosswalks", metavar="DIR", help="crosswalk folder (default: crosswalks/)")
    dry.add_argument(
        "--rules",
        metavar="DIR",
        help="curated mapping rules folder (default: QVH_RULES_DIR or qvh_migration/mapping/rules)",
    )
    dry.add_argument("--data-dir", metavar="DIR", help="where artifacts are written (default: QVH_DATA_DIR or data/)")
    dry.add_argument(
        "--spec-dir",
        metavar="DIR",
        help="requirement documents (default: QVH_REQUIREMENT_SPEC_DIR or requirement_spec/)",
    )
    dry.add_argument("--quiet", action="store_true", help="no progress lines, only the outcome of each step")
    dry.add_argument(
        "--profile",
        help=f"release profile deciding the gates' severities and heading the decision (default {DEFAULT_PROFILE}; "
        "the decision under every profile is shown beside it)",
    )
    dry.add_argument(
        "--workers",
        type=int,
        default=1,
        help="target-table runs at once (default 1: one after another; 2 or more: that many worker processes, "
        "each run waiting for its parents' runs)",
    )
    dry.add_argument(
        "--engine",
        choices=["duckdb", "pandas"],
        default="duckdb",
        help="engine computing the target fields (default duckdb: the fields with an SQL form in DuckDB, the "
        "rest in pandas; pandas: every field in pandas, the reference)",
    )
    dry.add_argument(
        "--trial",
        metavar="NAME",
        help='name the dry run as a trial load ("Trial 2"): its figures join reports/trials (default: not a trial)',
    )
    scored = commands.add_parser(
        "release",
        help="re-score the stored run under every release profile, headed by one (exit 1 on FAIL)",
        description="Re-score the stored run without rerunning anything, and rewrite the release decision, the "
        "evidence pack and the UI's release metadata together. Example:\n"
        "  qvh-migration release --profile cutover_ready",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scored.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        help=f"profile heading the decision: development, pre_production or cutover_ready (default {DEFAULT_PROFILE}, "
        "as for dry-run); every profile's decision is shown beside it",
    )
    scored.add_argument("--data-dir", metavar="DIR", help="the stored run (default: QVH_DATA_DIR or data/)")
    cli_rerun.add_parser(commands)
    web = commands.add_parser(
        "ui",
        help="open the Dagster UI with persistent run history",
        description="Open the Dagster UI. Example:\n  qvh-migration ui --port 3000",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    web.add_argument("--port", type=int, default=3000, help="port the UI listens on (default %(default)s)")
    cli_plan.add_parser(commands)
    cli_signoff.add_parser(commands)
    cli_verify.add_parser(commands)
    return parser


def stopped(what: str, exc: BaseException, stops: run_control.StopSignals) -> int:
    """The line and exit code (128 + signal) of a run stopped by Ctrl-C or SIGTERM. Artifacts are
    written atomically: nothing half-written remains, and nothing after the interrupted step was
    published."""
    console.show_progress(False)
    signum = exc.signum if isinstance(exc, run_control.RunInterrupted) else stops.received() or signal.SIGINT
    name = run_control.STOP_SIGNALS.get(signal.Signals(signum), f"signal {signum}")
    print(f"{what} stopped by {name}; nothing further was published and the previous artifacts are kept")
    return 128 + signum


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "ui":
        return ui(args.port)
    if args.command == "plan":
        return cli_plan.run(args)
    if args.command == "rerun":
        return cli_rerun.main(args)
    if args.command == cli_signoff.COMMAND:
        return cli_signoff.run(args)
    if args.command == cli_verify.COMMAND:
        return cli_verify.run(args)
    if args.command == "release":
        data_dir_before = os.environ.get(DATA_DIR_ENV)
        try:
            return release(args.profile, args.data_dir)
        finally:
            _restore_env(DATA_DIR_ENV, data_dir_before)  # --data-dir is this command's, not the process's
    plan = plan_from_args(args)
    stops = run_control.StopSignals()
    source_url_before = os.environ.get(SOURCE_URL_ENV)
    try:
        with run_control.data_folder_lock(plan.data_dir), stops:
            return dry_run(
                impute_mode=args.impute_mode,
                plan=plan,
                quiet=args.quiet,
                profile=args.profile,
                workers=args.workers,
                stops=stops,
                engine=args.engine,
                trial=args.trial,
            )
    except run_control.DataFolderBusy as exc:
        print(f"cannot start: {exc}")
        return 2
    except (run_control.RunInterrupted, KeyboardInterrupt) as exc:
        return stopped("dry run", exc, stops)
    finally:
        # The source URL was handed to the runs through the environment (never run config): take it back.
        _restore_env(SOURCE_URL_ENV, source_url_before)


if __name__ == "__main__":
    sys.exit(main())
