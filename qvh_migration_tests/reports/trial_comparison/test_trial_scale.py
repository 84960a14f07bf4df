"""The trial comparison's costs that could grow with the trust: the code cover's choice, the masking
of the outcome lines' row keys, and the archive rows read back by position, on hand-made data."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pandas as pd

from qvh_migration.io.masking import mask_row_keys
from qvh_migration.reports.trial_comparison.trial_comparison import _masked_key_lists, rows_by_position
from qvh_migration.reports.trial_comparison.trial_patients import greedy_cover


def _recount_everyone(everyone: list[str], elements: dict[str, set[str]], taken: set[str]) -> list[str]:
    """The plain greedy cover: every candidate's gain re-counted each round, ties to the earliest."""
    order, covered, chosen = {p: i for i, p in enumerate(everyone)}, set(), []
    while True:
        gains = {p: len(elements.get(p, set()) - covered) for p in everyone if p not in taken and p not in chosen}
        best = max(gains.items(), key=lambda item: (item[1], -order[item[0]]), default=(None, 0))
        if best[0] is None or best[1] == 0:
            return chosen
        chosen.append(best[0])
        covered |= elements[best[0]]


def test_the_heap_cover_chooses_as_recounting_everyone_does() -> None:
    rng = random.Random(3)
    for _ in range(40):
        everyone = [f"{n:09d}" for n in range(rng.randint(0, 60))]
        elements = {p: {f"v{rng.randint(0, 25)}" for _ in range(rng.randint(0, 6))} for p in everyone}
        taken = set(rng.sample(everyone, k=min(3, len(everyone))))
        covered = set().union(*(elements[p] for p in taken)) if taken else set()
        expected = _recount_everyone(everyone, {p: e - covered for p, e in elements.items()}, taken)
        assert list(greedy_cover(everyone, elements, covered, taken)) == expected


def test_outcome_line_keys_are_masked_one_key_at_a_time() -> None:
    lists = pd.Series(
        [
            "InternalPatientNumber=000010001|EpisodeNumber=3; InternalPatientNumber=000010001|EpisodeNumber=14",
            "",
            "A=1",
        ],
        index=[4, 9, 2],
    )
    expected = lists.map(lambda keys: "; ".join(mask_row_keys(pd.Series(keys.split("; ")))))
    assert _masked_key_lists(lists).equals(expected)
    assert _masked_key_lists(lists)[4] == "InternalPatientNumber=*******01|EpisodeNumber=3; " + (
        "InternalPatientNumber=*******01|EpisodeNumber=14"
    )


def test_archive_rows_are_read_only_for_the_wanted_numbers(tmp_path: Path) -> None:
    outcomes = {10: ("loaded", ""), 11: ("rejected", "x"), 12: ("loaded", ""), 13: ("loaded", ""), 14: ("loaded", "")}
    with duckdb.connect(str(tmp_path / "s.duckdb")) as database:
        database.execute("CREATE TABLE ARCHIVE (NOTE VARCHAR)")
        database.execute("INSERT INTO ARCHIVE VALUES ('first'), ('second'), ('third')")  # 14's row is missing
        found = rows_by_position("ARCHIVE", database, outcomes, {12, 14, 11})
    assert found == {12: {"NOTE": "second"}}
