"""The text the matcher compares: name scores and the context documents of both sides.

Target side: the field name, the guide's comment (boilerplate removed, the ``Loaded into`` column
kept), the code-type name and the PAS lookup the value maps to. Source side: the column name and a
useful description, plus (weakly) what the data element says elsewhere: other names and
descriptions of the same item, the words of its element block, the columns of the lookup it codes.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from qvh_migration.mapping import element_signal, signals, textsim
from qvh_migration.mapping.concepts import CONCEPTS
from qvh_migration.mapping.naming import name_tokens, text_tokens

ALIAS_WEIGHT = 0.5  # context weight of a word from another name/description of the same data element
BLOCK_WEIGHT = 0.5  # ... of a word used by every other field of the element block
LOOKUP_WEIGHT = 0.4  # ... of a column name of the master-file lookup the field codes
ALIAS_NAME_SHARE = 0.7  # name score through another name of the same data element, relative to the own name
LABEL_SHARE = 0.5  # share of the name score taken from the guide's label of the field
TARGET_QUALIFIER_NAMES = 2  # a leading word starting this many names of a staging table is a qualifier
SOURCE_QUALIFIER_NAMES = 3  # ... of a legacy table

_BOILERPLATE = re.compile(
    r"must be in format:?|DD/MM/YYYY(?: HH24:MI(?::SS)?)?|code type \d+|maps to:?|loaded(?: as mapped)? into:?"
    r"|\b[A-Z][A-Z0-9_]{2,}\.(?=[A-Za-z])|e\.g\.|only (?:two|three|four) accepted values:?",
    re.IGNORECASE,
)
# What a target lookup table means in legacy words (the guide names the PAS table a value maps to).
LOOKUP_WORDS: dict[str, str] = {
    "STAFF_IDS": "consultant staff",
    "GP_MASTER": "gp",
    "GP_PRACTICE_MASTER": "gp practice",
    "DIAGNOSIS_CODES": "diagnosis procedure",
    "TREATMENT_MASTER": "treatment list",
    "OASIS_LOCATIONS": "location",
}
_FORMAT_TEXT = re.compile(
    r"\(\d+ characters?\)|\bextended\b|format\s*[-:]?\s*\S+|CC(?:YY|CC)MMDD\S*|YYYYMMDD\S*|\bint(?:ernal)?\b",
    re.IGNORECASE,
)


def lookup_text(comment: str, maps_only: bool = False) -> str:
    """Legacy words for the PAS lookup tables a comment names (only ``Maps to:`` ones if asked)."""
    marker = "Maps to: " if maps_only else ""
    return " ".join(words for table, words in LOOKUP_WORDS.items() if f"{marker}{table}." in comment)


def clean_descriptions(source: pd.DataFrame) -> pd.Series:
    """Useful source descriptions with date-format notes removed."""
    return element_signal.useful_descriptions(source).map(lambda d: _FORMAT_TEXT.sub(" ", d))


def name_score(
    source: pd.DataFrame,
    target: pd.DataFrame,
    alias_names: list[list[str]],
    muted: list[frozenset[str]],
    subject_names: pd.Series | None = None,
) -> np.ndarray:
    """Name similarity (targets x sources) from the names, the guide's labels and the qualifiers.

    * a source is also known by the other names of its data element (``ALIAS_NAME_SHARE``);
    * the guide's short label of a field ("Patient Permanent Address Phone 1"), or else the legacy
      words of the PAS lookup its value maps to (``STAFF_IDS``: a consultant), is averaged in;
    * a target naming whose value it holds (``NOK_``, ``PAT_``) fits a source naming someone
      else's (``Carer...``) or nobody's less well (``signals.qualifier_fit``);
    * a column of a master or child table is also read with what its records are about
      (``subject_names``, see ``masters``).
    """
    targets = list(target["field_name"])
    name = textsim.name_similarity(targets, list(source["Column"]), muted)
    if subject_names is not None:
        read = (subject_names != source["Column"]).to_numpy()
        if read.any():
            name[:, read] = np.maximum(
                name[:, read], textsim.name_similarity(targets, list(subject_names[read]), muted)
            )
    name = np.maximum(name, ALIAS_NAME_SHARE * _alias_name_similarity(targets, alias_names, muted))
    labels = textsim.target_labels(target)
    lookups = target["comment"].fillna("").map(lambda c: lookup_text(c, maps_only=True))
    labels = labels.where(labels != "", lookups)
    label = textsim.name_similarity(list(labels), list(source["Column"]), muted)
    has_label = (labels != "").to_numpy()[:, None]
    qualifiers = signals.qualifier_fit(
        signals.leading_qualifiers(target["table_name"], target["field_name"], TARGET_QUALIFIER_NAMES),
        source["TableName"],
        signals.leading_qualifiers(source["TableName"], source["Column"], SOURCE_QUALIFIER_NAMES),
    )
    blended = np.where(has_label, (1.0 - LABEL_SHARE) * name + LABEL_SHARE * label, name)
    return (blended * qualifiers).astype(np.float32)


def _alias_name_similarity(
    target_names: list[str], alias_names: list[list[str]], muted: list[frozenset[str]]
) -> np.ndarray:
    """Per pair, the best name similarity of the target to another name of the source's data item."""
    owners = np.array([row for row, names in enumerate(alias_names) for _ in names], dtype=int)
    best = np.zeros((len(target_names), len(alias_names)), dtype=np.float32)
    if len(owners) == 0:
        return best
    flat = [name for names in alias_names for name in names]
    scores = textsim.name_similarity(target_names, flat, muted)
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    best[:, owners[starts]] = np.maximum.reduceat(scores, starts, axis=1)
    return best


def target_context(target: pd.DataFrame, target_tables: pd.DataFrame, muted: list[frozenset[str]]) -> list[textsim.Bag]:
    """Target name (head word twice) + cleaned comment + code-type name + lookup words, and
    (weakly) the staging table's description."""
    table_text = dict(zip(target_tables["table_name"], target_tables["description"].fillna(""), strict=False))
    docs = []
    for name, comment, code_name, loaded, table, mute in zip(
        target["field_name"],
        target["comment"].fillna(""),
        target["code_type_name"].fillna(""),
        target.get("loaded_into", pd.Series("", index=target.index)).fillna(""),
        target["table_name"],
        muted,
        strict=True,
    ):
        tokens = list(name_tokens(name))
        own = [
            *tokens,
            *textsim.head_words([tokens]),
            *text_tokens(_BOILERPLATE.sub(" ", comment)),
            *text_tokens(code_name),
            *text_tokens(lookup_text(comment)),
            *[w for column in _loaded_columns(loaded, comment) for w in name_tokens(column)],
        ]
        theme = textsim.bag(text_tokens(table_text.get(table, "")), weight=textsim.THEME_WEIGHT)
        docs.append(textsim.merge(textsim.bag(own, muted=mute), theme))
    return docs


def _loaded_columns(loaded_into: str, comment: str) -> list[str]:
    """The PAS columns a field is loaded into that its comment does not already spell out."""
    flat = re.sub(r"\s+", "", comment).lower()
    columns = [part.split(".")[-1] for part in loaded_into.split(";") if part]
    return [c for c in columns if c.lower() not in flat]


def source_context(
    source: pd.DataFrame, descriptions: pd.Series, alias_words: list[list[str]], lookup_words: list[list[str]]
) -> list[textsim.Bag]:
    """Source name + description, plus (weakly) its aliases, its element block and its lookup.

    A logical-delete flag says whether the record is still active: it gets those words.
    """
    flags = source["is_logical_delete_flag"].fillna(False).map(lambda f: "active flag deleted record" if f else "")
    blocks = element_signal.block_tokens(source, element_signal.element_blocks(source))
    docs = []
    for name, text, flag, alias, block, lookup in zip(
        source["Column"], descriptions, flags, alias_words, blocks, lookup_words, strict=True
    ):
        own = textsim.bag([*name_tokens(name), *text_tokens(text), *text_tokens(flag)])
        group = {w: BLOCK_WEIGHT * share for w, share in block.items()}
        docs.append(textsim.merge(own, textsim.bag(alias, ALIAS_WEIGHT), textsim.bag(lookup, LOOKUP_WEIGHT), group))
    return docs


SUBJECT_CLASH = 0.6  # score factor of a source holding another party's value than the staging table's subject


def subject_fit(source: pd.DataFrame, target: pd.DataFrame) -> np.ndarray:
    """Score factor (targets x sources): whose value a source holds against the staging table's subject.

    A staging table with a subject (``concepts.yaml``: the contacts table holds the carer's values)
    takes, in its fields that name no party themselves, the values of that party: where the source's
    table qualifies names with the subject, a source of another party (``Surname`` is the patient's,
    ``NoKName`` the next of kin's) scores SUBJECT_CLASH. Identifier fields (``MAIN_CRN``) are exempt.
    An unqualified legacy field in an element block of one party's fields (``HomePhone`` among
    ``Carer...``) is that party's.
    """
    fit = np.ones((len(target), len(source)), dtype=np.float32)
    subjects = target["table_name"].map(CONCEPTS.subjects).fillna("").to_numpy(dtype=object)
    if not (subjects != "").any():
        return fit
    parties = source_parties(source)
    own = signals.leading_qualifiers(target["table_name"], target["field_name"], TARGET_QUALIFIER_NAMES)
    # Identifiers say which patient the row belongs to, not whose attribute it holds.
    identifier = signals.name_roles(target["field_name"]) == signals.R_IDENTIFIER
    rows = np.flatnonzero((subjects != "") & ~identifier & ~np.isin(own, list(set(parties) - {""})))
    tables = source["TableName"].to_numpy()
    for subject in set(subjects[rows]):
        judged = np.isin(tables, list(set(tables[parties == subject])))
        value = np.where(judged & (parties != subject), SUBJECT_CLASH, 1.0).astype(np.float32)
        fit[rows[subjects[rows] == subject]] = value
    return fit
    qualifiers = source_parties(source)
    tables = source["TableName"].to_numpy()
    for subject in set(subjects[rows]):
        known = set(tables[qualifiers == subject])
        judged = np.isin(tables, list(known))
        value = np.where(judged & (qualifiers != subject), SUBJECT_CLASH, 1.0).astype(np.float32)
        fit[rows[subjects[rows] == subject]] = value
    return fit


def source_parties(source: pd.DataFrame) -> np.ndarray:
    """Per source field, the party whose value it holds: its leading qualifier; else the one
    qualifier the qualified fields of its element block share (``HomePhone`` among ``Carer...``);
    else its table's most used qualifier ("" when the table uses none)."""
    tables = source["TableName"].to_numpy()
    columns = source["Column"].to_numpy()
    leading = signals.leading_qualifiers(source["TableName"], source["Column"], SOURCE_QUALIFIER_NAMES)
    frame = pd.DataFrame({"table": tables, "qualifier": leading})
    qualified = frame[frame["qualifier"] != ""]
    dominant = qualified.groupby("table")["qualifier"].agg(lambda q: pd.Series(q).value_counts().index[0])
    parties = leading.copy()
    for rows in element_signal.element_blocks(source):
        block_parties = {leading[r] for r in rows if leading[r]}
        for row in rows:
            if not leading[row] and len(block_parties) == 1 and columns[row] not in set(columns[rows]) - {columns[row]}:
                parties[row] = next(iter(block_parties))
    blank = parties == ""
    parties[blank] = pd.Series(tables[blank]).map(dominant).fillna("").to_numpy(dtype=object)
    return parties
