"""Ragged-array helpers: one parent row with a variable number of children, without Python loops."""

from __future__ import annotations

import numpy as np

from qvh_migration.mock.parameters import MINUTES_PER_DAY


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For children counted per parent: (parent index of each child, 0-based position in its parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(parent.size, dtype=np.int64) - starts[parent]
    return parent, position


def group_cumsum(values: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Running total of ``values`` within each parent (children of a parent must be contiguous)."""
    total = np.cumsum(values)
    if parent.size == 0:
        return total
    first = np.r_[True, parent[1:] != parent[:-1]]
    group = np.cumsum(first) - 1
    return total - (total - values)[first][group]


def group_offsets(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is first child of its parent, is last child of its parent) for contiguous children."""
    if parent.size == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    change = parent[1:] != parent[:-1]
    return np.r_[True, change], np.r_[change, True]


def weighted(rng: np.random.Generator, weights: np.ndarray | list[float], n: int) -> np.ndarray:
    """``n`` indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(w.size, size=n, p=w / w.sum())


def to_weekday(day: np.ndarray) -> np.ndarray:
    """Move Saturdays and Sundays to the next Monday (clinics and lists run on weekdays)."""
    dow = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return day + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))


def at(day: np.ndarray, minute_of_day: np.ndarray | int) -> np.ndarray:
    """Minutes since 1970 for a day number and a time of day in minutes."""
    return np.asarray(day, dtype=np.int64) * MINUTES_PER_DAY + minute_of_day


def slot_times(rng: np.random.Generator, n: int, first: int, last: int, step: int) -> np.ndarray:
    """Clinic-style times of day from ``first`` to ``last`` minutes in ``step``-minute slots."""
    return first + step * rng.integers(0, (last - first) // step + 1, n)


def take_or(values: np.ndarray, index: np.ndarray, fill: int | float) -> np.ndarray:
    """``values[index]`` where index >= 0, else ``fill`` (also safe when ``values`` is empty)."""
    index = np.asarray(index)
    if values.size == 0:
        return np.full(index.shape, fill, dtype=np.result_type(values.dtype, np.asarray(fill).dtype))
    return np.where(index >= 0, values[np.clip(index, 0, values.size - 1)], fill)
