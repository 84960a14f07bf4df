"""``qvh-migration rerun <TABLE> [--with-children]``: reload target tables of an existing dry run.

What the UI's ``target_table_rerun`` job does for one partition, from the terminal: the table's
``target_table_load`` run (the partition, its blocking checks and its gates), then one
``staging_database_build`` run (staging database, cross-table gates, release decision, reports),
the two halves of that job's selection, run as the dry run runs them. ``--with-children`` also
reloads every table that depends on it, parents first, by the rule of ``etl/load_order.py``: a
table whose load fails holds back its descendants.

The folder must hold a previous dry run (its extracts, mapping and key registry are read, not
rebuilt): a crosswalk fix is picked up, a change of the mapping rules needs a new dry run.
"""

from __future__ import annotations

import argparse
import difflib
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qvh_migration import console, preflight
from qvh_migration.gates.profiles import DEFAULT_PROFILE
from qvh_migration.io import run_control
from qvh_migration.settings import default_crosswalk_dir, default_data_dir, default_rules_dir, default_spec_dir

if TYPE_CHECKING:  # the load order reads the guide's facts with pandas: not while building the parser
    from qvh_migration.etl import load_order

LOG_NAME = "rerun.log"  # under <data>/reports; the dry run's own log is left as it was
RERUN_TAG = "qvh/rerun"  # on every run of a rerun: the table asked for


def add_parser(commands: Any) -> None:
    """The ``rerun`` subcommand, with the dry run's folder options and their defaults."""
    rerun = commands.add_parser(
        "rerun",
        help="reload one target table of an existing dry run (and, with --with-children, the tables depending on it)",
        description="Reload one target table of an existing dry run, as the UI's target_table_rerun job does:\n"
        "the table's run (its load, blocking checks and gates), then the staging database, gates and\n"
        "reports once. --with-children also reloads the tables that depend on it, parents first; a\n"
        "table whose load fails holds back its descendants. Examples:\n"
        "  qvh-migration rerun LOAD_PMI\n"
        "  qvh-migration rerun LOAD_PMI --with-children --data-dir /srv/qvh/data",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rerun.add_argument(
        "table", metavar="TABLE", help="the target table to reload, e.g. LOAD_PMI (a partition of target_tables)"
    )
    rerun.add_argument(
        "--with-children",
        action="store_true",
        help="also reload every table that depends on it, parents first (default: only TABLE)",
    )
    rerun.add_argument(
        "--data-dir", metavar="DIR", help="the previous dry run's folder (default: QVH_DATA_DIR or data/)"
    )
    rerun.add_argument(
        "--spec-dir",
        metavar="DIR",
        help="requirement documents (default: QVH_REQUIREMENT_SPEC_DIR or requirement_spec/)",
    )
    rerun.add_argument("--crosswalks", metavar="DIR", help="crosswalk folder (default: crosswalks/)")
    rerun.add_argument(
        "--impute-mode",
        choices=["strict", "lenient"],
        help="unmapped legacy codes: strict rejects the row, lenient loads it empty and warns (default strict)",
    )
    rerun.add_argument("--profile", help=f"release profile of the gates and the decision (default {DEFAULT_PROFILE})")
    rerun.add_argument("--quiet", action="store_true", help="no progress lines, only the outcome of each step")


def unknown_table_line(name: str, tables: tuple[str, ...]) -> str:
    """One line naming a table that is not a target table, with the closest name."""
    close = difflib.get_close_matches(name.upper(), tables, n=1, cutoff=0.0)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown target table {name!r}{hint} (one of the {len(tables)} LOAD_ tables of the guide)"


def tables_to_rerun(table: str, with_children: bool) -> list[str]:
    """``table``, then (with children) its descendants in load order: parents before children."""
    from qvh_migration.etl import load_order

    return [table, *(load_order.committed().descendants(table) if with_children else [])]


def missing_run_line(data_dir: Path) -> str | None:
    """Why ``data_dir`` holds no dry run to rerun a table of (None when it does)."""
    from qvh_migration.etl.key_registry import REGISTRY_FILE

    needed = [data_dir / "extracts" / "manifest.json", data_dir / "target" / REGISTRY_FILE]
    missing = [path for path in needed if not path.is_file()]
    if not missing:
        return None
    return (
        f"no dry run to rerun in {data_dir} ({missing[0].relative_to(data_dir)} not found); "
        f"run `qvh-migration dry-run --data-dir {data_dir}` first"
    )


def plan_from_args(args: argparse.Namespace) -> preflight.RunPlan:
    """The folders of the rerun. The extracts and the mapping contract are the stored ones, so neither an
    extract source nor a rules folder is asked for (the rules are read when the contract is built)."""
    return preflight.RunPlan(
        data_dir=Path(args.data_dir or default_data_dir()).resolve(),
        spec_dir=Path(args.spec_dir or default_spec_dir()).resolve(),
        crosswalk_dir=Path(args.crosswalks or default_crosswalk_dir()).resolve(),
        rules_dir=default_rules_dir().resolve(),
    )


def start_problems(plan: preflight.RunPlan, table: str) -> list[str]:
    """What stops a rerun before it starts, one line each (empty: go ahead)."""
    from qvh_migration.etl import load_order

    tables = load_order.committed().tables
    if table.upper() not in tables:
        return [unknown_table_line(table, tables)]
    missing = missing_run_line(plan.data_dir)
    if missing:
        return [missing]
    spec = preflight.spec_folder_problem(plan.spec_dir)
    candidates = [
        preflight.writable_problem(plan.data_dir),
        f"{plan.spec_dir}: {spec}" if spec else None,
        preflight.folder_problem(plan.crosswalk_dir, "crosswalk", "*.csv"),
    ]
    return [problem for problem in candidates if problem]


def main(args: argparse.Namespace) -> int:
    """The ``rerun`` command: exit 0 when every table and the staging build ran (a table held by its gates
    is loaded), 1 when one failed, 2 when it could not start."""
    table = args.table.upper()  # load_pmi names LOAD_PMI
    plan = plan_from_args(args)
    problems = start_problems(plan, args.table)
    if problems:
        console.print_lines(f"cannot rerun: {problem}" for problem in problems)
        return 2
    stops = run_control.StopSignals()
    try:
        with run_control.data_folder_lock(plan.data_dir), stops:
            tables = tables_to_rerun(table, args.with_children)
            return rerun(plan, tables, args.impute_mode, args.profile, args.quiet, stops)
    except run_control.DataFolderBusy as exc:
        print(f"cannot rerun: {exc}")
        return 2
    except (run_control.RunInterrupted, KeyboardInterrupt) as exc:
        from qvh_migration import cli  # it imports this module

        return cli.stopped("rerun", exc, stops)


def rerun(
    plan: preflight.RunPlan,
    tables: list[str],
    impute_mode: str | None,
    profile: str | None,
    quiet: bool,
    stops: run_control.StopSignals | None = None,
) -> int:
    """Reload ``tables`` (in load order) one run each, then build staging, gates and reports once."""
    import dagster as dg

    from qvh_migration import cli
    from qvh_migration.definitions import STAGING_JOB, TARGET_TABLE_JOB, defs, gate_run_config, target_table_run_config
    from qvh_migration.etl import load_order

    console.show_progress(not quiet)
    print(f"rerun: {', '.join(tables)} (parents before children), then the staging database, gates and reports")
    cli.ensure_dagster_home()
    silent = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    shared = cli.resources_config(plan)
    tags = {RERUN_TAG: tables[0]}
    results: list[Any] = []
    with dg.DagsterInstance.get() as instance:

        def execute(job_name: str, config: dict, partition: str | None = None) -> Any:
            run_id = str(uuid.uuid4())
            instance.add_event_listener(run_id, lambda entry: cli._print_live(entry, quiet, partition))
            result = defs.resolve_job_def(job_name).execute_in_process(
                instance=instance,
                run_config=cli._merge(silent, config),
                partition_key=partition,
                raise_on_error=False,
                run_id=run_id,
                tags=tags,
            )
            results.append(result)
            if stops is not None:
                stops.check()
            return result

        table_config = cli._merge(target_table_run_config(impute_mode), gate_run_config(profile), shared)
        order = subset(load_order.committed(), tables)

        def load(table: str) -> bool:
            number = order.tables.index(table) + 1
            console.report_progress("rerun", table, None, f"table {number} of {len(order.tables)}")
            result = execute(TARGET_TABLE_JOB, table_config, partition=table)
            return bool(result.success or cli.blocked_only(result))  # a table held by its gates is loaded

        outcome = load_order.load_parents_first(order, load)
        console.print_lines(load_order.held_back_line(t, ancestor) for t, ancestor in outcome.held_back.items())
        execute(STAGING_JOB, cli._merge(gate_run_config(profile, cli.RELEASE_ASSETS), shared))
        log_path = cli.write_event_log(instance, [r.run_id for r in results], plan.data_dir / "reports" / LOG_NAME)
    console.show_progress(False)
    succeeded = all(r.success or cli.blocked_only(r) for r in results) and not outcome.held_back
    blocked = sum(1 for r in results if not r.success and cli.blocked_only(r))
    print("\n".join(cli.stored_decision_lines(plan.data_dir, blocked)))
    print(rerun_summary(succeeded, outcome))
    print(f"artifacts under {plan.data_dir}; full log: {log_path} (and the runs in `qvh-migration ui`)")
    pack = plan.data_dir / "reports" / "evidence" / "index.html"
    if succeeded and pack.exists():
        print(f"evidence pack: {pack}")
    return 0 if succeeded else 1


def rerun_summary(succeeded: bool, outcome: load_order.Outcome) -> str:
    """The last word on the tables: which were reloaded, which failed or were held back."""
    parts = [f"reloaded {', '.join(outcome.loaded) or 'none'}"]
    if outcome.failed:
        parts.append(f"failed {', '.join(outcome.failed)} (see the lines above)")
    if outcome.held_back:
        parts.append(f"held back {', '.join(outcome.held_back)}")
    return f"rerun {'succeeded' if succeeded else 'FAILED'}: " + "; ".join(parts)


def subset(order: load_order.LoadOrder, tables: list[str]) -> load_order.LoadOrder:
    """The load order restricted to ``tables``: each keeps only the parents being reloaded with it (the
    others are already loaded)."""
    from qvh_migration.etl.load_order import LoadOrder

    chosen = [t for t in order.tables if t in set(tables)]
    return LoadOrder(tuple(chosen), {t: order.parents[t] & set(chosen) for t in chosen})
