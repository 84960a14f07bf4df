"""The generator's progress lines agree with what is written: one ``generate`` line per table, with the
rows the ``write extracts`` line for that table reports."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.console import PROGRESS_LOGGER
from qvh_migration.extracts.files import LEDGER_NAME, write_extracts
from qvh_migration.mock.extracts import generate_extracts
from qvh_migration.mock.parameters import MockParameters

LINE = re.compile(r"(generate|write extracts): (\w+) - ([\d,]+) rows")


def _counts(records: list[logging.LogRecord], stage: str) -> list[tuple[str, int]]:
    found = [LINE.fullmatch(r.getMessage()) for r in records]
    return [(m.group(2), int(m.group(3).replace(",", ""))) for m in found if m and m.group(1) == stage]


def test_generate_and_write_lines_agree(
    source_catalog: pd.DataFrame, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=PROGRESS_LOGGER):
        extracts = generate_extracts(source_catalog, MockParameters(patients=200, seed=3))
        write_extracts(extracts.tables, extracts.defect_ledger, tmp_path / "extracts")
    generated = _counts(caplog.records, "generate")
    written = dict(_counts(caplog.records, "write extracts"))
    assert len(generated) == len({name for name, _ in generated}), "one generate line per table"
    assert dict(generated) == {name: len(frame) for name, frame in extracts.tables.items()}
    assert {**dict(generated), LEDGER_NAME: len(extracts.defect_ledger)} == written
    # Merged patients are planted by the defects: their count is the one written, never 0 then 3.
    assert dict(generated)["MERGEDID"] == len(extracts.tables["MERGEDID"]) > 0
