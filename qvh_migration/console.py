"""Progress and failure reporting for people at a terminal.

Progress API (call it from any long step; it costs a log record)::

    from qvh_migration.console import report_progress

    report_progress("generate", "PATDATA", rows=100_000)
    report_progress("read guide", "Target PAS ... Guide.pdf", detail="pages 1-52 of 104")
    report_progress("etl", "LOAD_PMI", rows=250_000, detail="chunk 3 of 8")

Each call goes to the Python logger ``qvh_migration.progress`` (INFO) and, inside a Dagster step,
to the step's log, so it is in the run's event log in the UI. The ``qvh-migration`` command shows
the logger's records on the terminal unless ``--quiet``.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

PROGRESS_LOGGER = "qvh_migration.progress"
_logger = logging.getLogger(PROGRESS_LOGGER)

# "dagster._core.definitions.events.Failure: text" -> "text"; a user-facing message needs no class.
_CLASS_PREFIX = re.compile(r"^(?:[a-z_][\w]*\.)+(?:Failure|DagsterError\w*|DagsterAssetCheckFailedError): ", re.I)


def progress_message(stage: str, table: str, rows: int | None = None, detail: str = "") -> str:
    parts = [f"{stage}: {table}"]
    if rows is not None:
        parts.append(f"{rows:,} rows")
    if detail:
        parts.append(detail)
    return " - ".join(parts)


def report_progress(stage: str, table: str, rows: int | None = None, detail: str = "") -> None:
    """Say how far a long step is: ``stage`` (what is running), ``table`` (what it works on),
    ``rows`` done so far (None when not counted in rows) and an optional ``detail``."""
    message = progress_message(stage, table, rows, detail)
    _logger.info(message)
    context = _dagster_context()
    if context is not None:
        context.log.info(message)


def _dagster_context() -> Any:
    """The running Dagster step's context, or None outside a step (plain scripts, tests)."""
    if "dagster" not in sys.modules:
        return None
    import dagster as dg

    try:
        return dg.OpExecutionContext.get()
    except Exception:  # no step is running in this thread
        return None


def time_left(done: int, total: int, elapsed_seconds: float) -> str:
    """ "about N min left" from the pace so far (blank before the first item is done, or when done);
    an estimate: the tables differ in size, so it is stated as one."""
    if done <= 0 or done >= total or elapsed_seconds <= 0:
        return ""
    left = elapsed_seconds / done * (total - done)
    return f"about {max(1, round(left / 60))} min left" if left >= 60 else "under a minute left"


class _ProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        print(f"  ... {record.getMessage()}", file=sys.stderr, flush=True)


def report_step(step: str) -> None:
    """A Dagster step has started (printed by the command line only; Dagster logs it already)."""
    _logger.info("step: %s started", step)


def show_progress(enabled: bool) -> None:
    """Print progress records on stderr (the command line turns this off for ``--quiet``)."""
    for handler in list(_logger.handlers):
        if isinstance(handler, _ProgressHandler):
            _logger.removeHandler(handler)
    if enabled:
        _logger.addHandler(_ProgressHandler())
        _logger.setLevel(logging.INFO)


# ---------------------------------------------------------------- failures of a Dagster run


def failure_line(step: str, error: Any) -> str:
    """One line for a failed step: the user-facing message, without class prefix or trace.

    ``error`` is Dagster's serialisable error info; a wrapped user error is unwrapped to its
    cause, and only an unexpected exception keeps its class name (it says what kind of fault).
    """
    while error is not None and error.cls_name == "DagsterExecutionStepExecutionError" and error.cause:
        error = error.cause
    if error is None:
        return f"FAILED   {step}: (no message)"
    if error.cls_name == "DagsterExecutionInterruptedError":
        return f"FAILED   {step}: interrupted (Ctrl-C or SIGTERM); its previous artifacts are kept"
    if error.cls_name == "DagsterAssetCheckFailedError":
        # "2 blocking asset checks failed with ERROR severity:", then a line per asset naming its checks
        first, *rest = error.message.strip().split("\n")
        counted = re.search(r"(\d+) blocking asset check", first)
        count = counted.group(1) if counted else "1"
        failed = "an ERROR check failed" if count == "1" else f"{count} ERROR checks failed"
        named = "; ".join(line.strip() for line in rest if line.strip())
        failed += f" ({named})" if named else ""
        return f"BLOCKED  {step}: {failed}; what reads it waits (see the release decision)"
    message = " ".join(error.message.strip().split("\n")[0].split())
    message = _CLASS_PREFIX.sub("", message)
    return f"FAILED   {step}: {message}"


def warning_line(asset: str, check: str, description: str | None, metadata: dict[str, Any]) -> str:
    """A warning check: its own description (count and where to look) when it gives one."""
    if description:
        return f"WARNING  {asset}:{check}: {description}"
    counts = ", ".join(f"{key} {getattr(value, 'value', value)}" for key, value in metadata.items())
    return f"WARNING  {asset}:{check}" + (f" ({counts})" if counts else "")


def print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        print(line, flush=True)
