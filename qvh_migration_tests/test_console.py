"""Progress records and one-line failure messages."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import dagster as dg
import pytest

from qvh_migration import console


def _error(cls_name: str, message: str, cause: object = None) -> SimpleNamespace:
    return SimpleNamespace(cls_name=cls_name, message=message, cause=cause)


def test_progress_goes_to_the_logger_and_optionally_the_terminal(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.INFO, logger=console.PROGRESS_LOGGER):
        console.report_progress("etl", "LOAD_PMI", 250_000, "chunk 3 of 8")
    assert caplog.messages == ["etl: LOAD_PMI - 250,000 rows - chunk 3 of 8"]
    console.show_progress(True)
    try:
        console.report_progress("read guide", "guide.pdf", detail="pages 1-52 of 104")
    finally:
        console.show_progress(False)
    console.report_progress("generate", "OPA", 10)
    assert capsys.readouterr().err == "  ... read guide: guide.pdf - pages 1-52 of 104\n"


def test_failure_line_drops_class_prefix_and_trace() -> None:
    failure = _error("Failure", "dagster._core.definitions.events.Failure: guide.pdf (page 60): page missing\n\nStack")
    assert (
        console.failure_line("target_catalog", failure) == "FAILED   target_catalog: guide.pdf (page 60): page missing"
    )
    wrapped = _error("DagsterExecutionStepExecutionError", "Error occurred while executing op",
                     _error("OSError", "OSError: [Errno 28] No space left on device\n"))  # fmt: skip
    assert console.failure_line("x", wrapped) == "FAILED   x: OSError: [Errno 28] No space left on device"


def test_warning_line_prefers_the_checks_own_description() -> None:
    assert console.warning_line("a", "c", "3 codes: see x.csv", {}) == "WARNING  a:c: 3 codes: see x.csv"
    assert console.warning_line("a", "c", None, {"blockers": 2}) == "WARNING  a:c (blockers 2)"


def test_an_interrupted_step_says_so() -> None:
    interrupted = _error("DagsterExecutionInterruptedError", "dagster._core.errors.DagsterExecutionInterruptedError")
    assert console.failure_line("s", interrupted) == (
        "FAILED   s: interrupted (Ctrl-C or SIGTERM); its previous artifacts are kept"
    )


def test_a_table_held_by_its_blocking_checks_reads_blocked_not_failed() -> None:
    held = _error("DagsterAssetCheckFailedError", "1 blocking asset check failed with ERROR severity:")
    assert console.failure_line("target_table_gates[LOAD_IWL]", held) == (
        "BLOCKED  target_table_gates[LOAD_IWL]: an ERROR check failed; what reads it waits (see the release decision)"
    )


def test_a_failed_blocking_check_names_the_check_and_the_count() -> None:
    """Dagster's message puts the checks on the lines after "failed with ERROR severity:"; the
    first line alone named neither."""

    @dg.asset(
        check_specs=[
            dg.AssetCheckSpec("rows_conserved", asset="loaded", blocking=True),
            dg.AssetCheckSpec("record_numbers_unique", asset="loaded", blocking=True),
        ]
    )
    def loaded() -> dg.MaterializeResult:
        checks = [
            dg.AssetCheckResult(check_name=name, passed=False) for name in ("rows_conserved", "record_numbers_unique")
        ]
        return dg.MaterializeResult(check_results=checks)

    result = dg.materialize([loaded], raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert console.failure_line("loaded", failure.event_specific_data.error) == (
        "BLOCKED  loaded: 2 ERROR checks failed (loaded: rows_conserved,record_numbers_unique); "
        "what reads it waits (see the release decision)"
    )


def test_time_left_is_an_estimate_from_the_pace_so_far() -> None:
    from qvh_migration.console import time_left

    assert time_left(0, 38, 0.0) == ""  # nothing done: no pace yet
    assert time_left(10, 38, 600.0) == "about 28 min left"  # 60 s a table, 28 to go
    assert time_left(37, 38, 370.0) == "under a minute left"
    assert time_left(38, 38, 999.0) == ""  # done
