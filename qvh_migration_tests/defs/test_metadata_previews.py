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
