"""The key registry built from the extracts on disk: the same numbers, one extract in memory at a time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qvh_migration.etl import pipeline
from qvh_migration.etl.sources import SourceTables
from qvh_migration_tests.etl.conftest import folders_of


def test_a_rebuilt_registry_numbers_every_key_as_before_holding_one_extract_at_a_time(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = pd.read_parquet(data_dir / "target/key_registry.parquet")
    (data_dir / "target/key_registry.parquet").unlink()
    held: list[int] = []
    original_raw = SourceTables.raw

    def counting_raw(self: SourceTables, table: str) -> pd.DataFrame | None:
        frame = original_raw(self, table)
        held.append(sum(f is not None for f in self._raw.values()))
        return frame

    monkeypatch.setattr(SourceTables, "raw", counting_raw)
    registry, added = pipeline.build_key_registry(folders_of(data_dir), "rebuilt")

    columns = ["target_table", "grain_key", "record_number"]
    assert registry[columns].equals(before[columns])
    assert len(added) == len(before)
    # At a million patients all extracts at once outgrow a 24 GB machine (the registry step was killed).
    assert held and max(held) == 1, f"extracts held at once: {max(held)}"
