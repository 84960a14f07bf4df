"""Numbered sibling fields: ``TELEPHONE_NO``, ``TELEPHONE_NO_2``, ``TELEPHONE_NO_3`` hold different values.

When the legacy system offers several near-equal sources for a numbered family of target fields
(home, work and mobile phone for three phone slots), each later sibling should take a source its
earlier siblings have not already taken. A taken source is lowered by a margin only, so a family
whose members all come from one clearly best source keeps it; the margin is small for a source
named in the plural, which may hold several values (``PAT_NAME_1..3`` are all split from
``Forenames``), and for a source at least SPLIT_WIDTH times as wide as the slot (a 100-character
address line feeds four 35-character address lines).

The loop runs over sibling families (a few dozen rows), never over all pairs.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qvh_migration.mapping.naming import split_identifier, stem

SPREAD_MARGIN = 0.15  # a single-valued source is rarely the right answer for two numbered slots
PLURAL_MARGIN = 0.05
SPLIT_WIDTH = 2.0  # a source this many times the slot's length is split over several slots
# The slot number may end the name (``TELEPHONE_NO_3``, ``INTENDED_PROCEDURE_CODE2``) or sit before
# its last words (``PROCEDURE_2_CODE``); the family is the name without it.
_NUMBERED = re.compile(r"^(?P<pre>.*?[A-Z])_?(?P<number>\d+)(?P<post>(?:_[A-Z]+)*)$")


def sibling_families(target: pd.DataFrame) -> list[list[int]]:
    """Row positions of each numbered family (two or more fields, one with a number), in number order."""
    names = target["field_name"].str.upper()
    parts = names.str.extract(_NUMBERED)
    number = pd.to_numeric(parts["number"], errors="coerce")
    stem = (parts["pre"].fillna("") + parts["post"].fillna("")).where(number.notna(), names)
    frame = pd.DataFrame(
        {"table": target["table_name"].to_numpy(), "stem": stem.to_numpy(), "number": number.fillna(1).to_numpy()}
    )
    frame["numbered"] = number.notna().to_numpy()
    families = []
    for _, group in frame.groupby(["table", "stem"], sort=False):
        if len(group) >= 2 and group["numbered"].any() and group["number"].is_unique:
            families.append(list(group.sort_values("number").index))
    return families


def spread_siblings(
    target: pd.DataFrame,
    ranked: np.ndarray,
    items: np.ndarray,
    source_names: pd.Series,
    source_sizes: np.ndarray | None = None,
    repeating: np.ndarray | None = None,
) -> np.ndarray:
    """The penalty (targets x sources, mostly zero) that moves later siblings off taken sources.

    ``ranked`` is the score matrix as ranked (all but the best representation of each data item at
    -1); ``items`` gives each source position its data item, so that taking one representation
    takes them all. A source named in the plural (``Forenames``) may hold the values of several
    siblings and is lowered by PLURAL_MARGIN only, as is one SPLIT_WIDTH times as wide as the slot
    (``source_sizes``, characters; 0 when unknown) or one of a table of several records per row
    (``repeating``: the secondary diagnoses of an episode fill DIAGNOSIS_1..n); a singular one by
    SPREAD_MARGIN.
    """
    plural = plural_names(source_names)
    if repeating is not None:
        plural = plural | repeating
    sizes = np.zeros(len(source_names), dtype=np.float32) if source_sizes is None else source_sizes
    lengths = pd.to_numeric(target.get("length", pd.Series(np.nan, index=target.index)), errors="coerce")
    lengths = lengths.astype("Float64").fillna(0).to_numpy(dtype=np.float32)
    penalty = np.zeros_like(ranked)
    for family in sibling_families(target):
        taken: list[int] = []
        for row in family:
            wide = (lengths[row] > 0) & (sizes >= SPLIT_WIDTH * lengths[row])
            margin = np.where(plural | wide, PLURAL_MARGIN, SPREAD_MARGIN).astype(ranked.dtype)
            best = int(np.argmax(ranked[row]))
            if best in taken:
                ids = np.flatnonzero(np.isin(items, items[taken]))
                trial = ranked[row].copy()
                trial[ids] -= margin[ids]
                if int(np.argmax(trial)) not in taken:
                    penalty[row, ids] = margin[ids]
                    best = int(np.argmax(trial))
            taken.append(best)
    return penalty


def plural_names(names: pd.Series) -> np.ndarray:
    """Whether a legacy name ends in a plural word (``Forenames``, ``Comments``, ``Allergies``)."""
    last = names.map(lambda name: (split_identifier(name) or [""])[-1])
    return last.map(lambda word: len(word) > 3 and stem(word) != word).to_numpy(dtype=bool)
