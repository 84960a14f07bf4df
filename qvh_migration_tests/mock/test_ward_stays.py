"""Ward stays lie within one consultant episode, as PatientCentre records them (WARDSTAY carries the
stay's consultant; guide p. 76 links each stay to its episode)."""

from __future__ import annotations

import numpy as np

from qvh_migration.mock.inpatients import Stays, split_at_episodes
from qvh_migration.mock.parameters import NO_TIME


def stays(adm, start, end, who=None) -> Stays:
    adm = np.asarray(adm)
    first = np.r_[True, adm[1:] != adm[:-1]]
    index = np.arange(adm.size)
    position = index - np.maximum.accumulate(np.where(first, index, 0))
    return Stays(adm, position, np.asarray(start), np.asarray(end), np.asarray(who if who is not None else adm))


def test_a_stay_across_a_change_of_consultant_is_cut_there() -> None:
    # Spell 0: episodes 0-100, 100-300; one ward stay 0-300. Spell 1: episodes 10-50, 50-NO_TIME
    # (in hospital) with stays 10-20, 20-open. Spell 2: one episode, one stay.
    episodes = stays([0, 0, 1, 1, 2], [0, 100, 10, 50, 5], [100, 300, 50, NO_TIME, 9])
    wards = stays([0, 1, 1, 2], [0, 10, 20, 5], [300, 20, NO_TIME, 9], who=[7, 3, 4, 5])
    cut = split_at_episodes(wards, episodes)
    assert cut.adm.tolist() == [0, 0, 1, 1, 1, 2]
    assert cut.start.tolist() == [0, 100, 10, 20, 50, 5]
    assert cut.end.tolist() == [100, 300, 20, 50, NO_TIME, 9]
    assert cut.who.tolist() == [7, 7, 3, 4, 4, 5]  # the ward does not change
    assert cut.position.tolist() == [0, 1, 0, 1, 2, 0]


def test_a_stay_that_begins_with_the_episode_is_not_cut() -> None:
    episodes = stays([0, 0], [0, 100], [100, 200])
    wards = stays([0, 0], [0, 100], [100, 200])
    cut = split_at_episodes(wards, episodes)
    assert cut.start.tolist() == [0, 100] and cut.end.tolist() == [100, 200]
