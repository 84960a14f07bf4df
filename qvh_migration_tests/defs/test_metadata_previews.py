"""Previews in the UI's metadata cut long values short (the event log keeps every one)."""

from __future__ import annotations

import pandas as pd

from qvh_migration.defs.metadata import frame_metadata, preview


def test_a_long_value_is_cut_in_previews() -> None:
    """Before, a 100,000-character comment went whole into each preview: ten rows, 1 MB per event."""
    frame = pd.DataFrame({"RECORD_NUMBER": range(10), "COMMENTS": ["x" * 100_000] * 10})
    shown = preview(frame).value
    assert len(shown) < 3_000 and "(100,000 chars)" in shown
    assert len(frame_metadata(frame)["preview"].value) == len(shown)
    assert "| short |" in preview(pd.DataFrame({"a": ["short"]})).value  # short values as they are


def test_an_extract_preview_masks_only_the_rows_it_shows(tmp_path) -> None:
    """Masking every row of a million-row extract for a ten-row preview took minutes; the shown
    rows are the same when only they are masked."""
    from qvh_migration.defs.extracts import _table_metadata
    from qvh_migration.io.masking import mask_identifiers

    frame = pd.DataFrame(
        {"InternalPatientNumber": [f"{n:09d}" for n in range(50)], "Surname": ["SMITH"] * 50, "Sex": ["F"] * 50}
    )
    shown = _table_metadata(frame, tmp_path / "PATDATA.parquet", {})["preview (identifiers masked)"]
    assert shown.value == preview(mask_identifiers(frame)).value and "SMITH" not in shown.value
