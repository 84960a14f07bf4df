"""Fields whose value sits in a master or child table the staging table's row source points to.

A legacy master or child table leaves out of its column names what its records are about (the
``Postcode`` of the ``GP`` table is the practice's postcode; the ``Reason`` of ``WLREMOVAL`` is why
a waiting-list entry was removed). The reviewed ``record_subjects`` of ``concepts.yaml`` say it, and
two signals use them:

* names   - such a column is also compared by its name read with the subject (``gp practice
            Postcode``), so ``PRACTICE_POST_CODE`` finds it;
* table   - a staging table listing the table as a supporting source (``table_affinity.yaml``)
            takes from it, at RECORD_LIFT (CHILD_LIFT for a child table), the fields whose own
            name says the subject in a word that is not the staging table's theme
            (``PRACTICE_POST_CODE`` from ``GP``, ``DATE_REMOVED`` from ``WLREMOVAL``); its other
            fields keep the supporting weight. A master file (or history) lends only attributes
            (``lends: attributes``): a field naming a code or identifier (``GP_PRACTICE_CODE``) is
            the key the row table itself carries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qvh_migration.mapping import textsim
from qvh_migration.mapping.concepts import CONCEPTS
from qvh_migration.mapping.naming import name_tokens

# Words naming a key; a GMC code is the consultant's national identifier, which the row's consultant
# code stands for.
KEY_WORDS = frozenset({"code", "number", "id", "identifier", "key", "gmc"})

RECORD_LIFT = 0.9  # table score of a master file for a field that names what its records are about ...
CHILD_LIFT = 1.0  # ... and of a child table (its records are the field's own: a removal, a discharge)


def subject_names(source: pd.DataFrame) -> pd.Series:
    """Each column name read with its table's record subject before it (words already there once).

    A master file's ``Description`` is the display name of the coded thing (the list name of an
    outpatient waiting list), so it also reads as a name.
    """
    about = source["TableName"].map(CONCEPTS.records).fillna("")
    master = source["TableName"].isin(CONCEPTS.lends_attributes).to_numpy()

    def read(column: str, subject: str, is_master: bool) -> str:
        words = name_tokens(column)
        missing = [w for w in subject.split() if w not in words]
        if is_master and words == ("description",):
            missing.append("name")
        return " ".join([*missing, column]) if missing else column

    return pd.Series(
        [read(c, s, m) for c, s, m in zip(source["Column"], about, master, strict=True)],
        index=source.index,
        dtype=object,
    )


def record_lift(
    target: pd.DataFrame, source: pd.DataFrame, affinity: np.ndarray, muted: list[frozenset[str]]
) -> np.ndarray:
    """The table signal with supporting tables lifted for the fields that name their subject.

    Only where the table holds the kind of value the field names (its head word, ``postcode`` of
    PRACTICE_POST_CODE, is a word of one of its columns read with the subject): a field naming the
    subject but another kind of value (DIAGNOSIS_SCHEME, the classification's name) is not lifted.
    """
    lifted = affinity.copy()
    subject_words = {table: set(words.split()) for table, words in CONCEPTS.records.items()}
    target_words = [set(name_tokens(n)) - m for n, m in zip(target["field_name"], muted, strict=True)]
    heads = textsim.head_words_of([list(name_tokens(n)) for n in target["field_name"]])
    keys = np.array([_names_a_key(n) for n in target["field_name"]], dtype=bool)
    read_names = subject_names(source)
    for table in set(source["TableName"]) & set(subject_words):
        columns = np.flatnonzero((source["TableName"] == table).to_numpy())
        held = {w for name in read_names.iloc[columns] for w in name_tokens(name)}
        rows = np.array(
            [
                bool(words & subject_words[table]) and head in held
                for words, head in zip(target_words, heads, strict=True)
            ]
        )
        lift = RECORD_LIFT if table in CONCEPTS.lends_attributes else CHILD_LIFT
        if table in CONCEPTS.lends_attributes:
            rows &= ~keys
        block = lifted[np.ix_(rows, columns)]
        lifted[np.ix_(rows, columns)] = np.where(block > 0, np.maximum(block, lift), block)
    return lifted


def _names_a_key(field_name: str) -> bool:
    """Whether a field's name ends in a code or identifier word (``GP_PRACTICE_CODE``, ``CONSULTANT_GMC`` not)."""
    words = [w for w in name_tokens(field_name) if not w.isdigit()]
    return bool(words) and words[-1] in KEY_WORDS


def repeating_records(source: pd.DataFrame) -> np.ndarray:
    """Per source field, whether its table holds several records per row (``lends: values``)."""
    child = set(CONCEPTS.records) - CONCEPTS.lends_attributes
    return source["TableName"].isin(child).to_numpy(dtype=bool)
