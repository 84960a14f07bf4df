"""Text similarity for the matcher: weighted TF-IDF cosine and name similarity, as dense matrices.

Documents are bags of normalised words with weights (a word that merely repeats the staging
table's theme, such as ``pathway`` in every LOAD_RTT_PATHWAYS field, counts for less). The
cosine of every pair is one matrix product over the shared vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from qvh_migration.mapping.naming import name_tokens

Bag = dict[str, float]

NAME_WORD_SHARE = 0.6  # the rest of the name score is the fuzzy character comparison
HEAD_SHARE = 0.15  # weight of the head word ("...Status", "...Postcode") agreeing
GENERIC_HEADS = frozenset({"code", "number", "id", "flag", "indicator", "key"})
THEME_WEIGHT = 0.5  # weight of a word that runs through most field names of a staging table
THEME_SHARE = 0.35  # a word in at least this share of a table's field names is its theme
_RULE_LINE = r"(?i)(maps to|loaded|must|only|unique|foreign|mandatory|used|for the|as previously)"


def bag(tokens: Iterable[str], weight: float = 1.0, muted: frozenset[str] = frozenset()) -> Bag:
    """Word -> weight; words in ``muted`` count THEME_WEIGHT times as much."""
    counts: Bag = {}
    for token in tokens:
        counts[token] = counts.get(token, 0.0) + weight * (THEME_WEIGHT if token in muted else 1.0)
    return counts


def merge(*bags: Bag) -> Bag:
    merged: Bag = {}
    for one in bags:
        for word, weight in one.items():
            merged[word] = merged.get(word, 0.0) + weight
    return merged


def tfidf_cosine(left: Sequence[Bag], right: Sequence[Bag]) -> np.ndarray:
    """Cosine similarity of TF-IDF vectors (smooth idf over both sides): left x right matrix.

    Only words present on both sides can contribute to a dot product, so the dense matrices are
    built over that shared vocabulary; the norms still count every word.
    """
    documents = [*left, *right]
    frequency = Counter(word for doc in documents for word in doc)
    count = len(documents)
    idf = {word: float(np.log((1 + count) / (1 + df)) + 1.0) for word, df in frequency.items()}
    left_words = set().union(*left) if left else set()
    right_words = set().union(*right) if right else set()
    column = {word: i for i, word in enumerate(sorted(left_words & right_words))}
    return _dense(left, idf, column) @ _dense(right, idf, column).T


def _dense(docs: Sequence[Bag], idf: dict[str, float], column: dict[str, int]) -> np.ndarray:
    """Row-normalised TF-IDF rows restricted to ``column`` (sublinear tf: 1 + log w for w >= 1)."""
    matrix = np.zeros((len(docs), len(column)), dtype=np.float32)
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    norms = np.ones(len(docs), dtype=np.float32)
    for row, doc in enumerate(docs):
        weights = {w: (1.0 + np.log(tf) if tf >= 1.0 else tf) * idf[w] for w, tf in doc.items() if tf > 0}
        if weights:
            norms[row] = np.sqrt(sum(v * v for v in weights.values()))
        for word, weight in weights.items():
            if word in column:
                rows.append(row)
                cols.append(column[word])
                values.append(weight)
    matrix[rows, cols] = values
    return matrix / norms[:, None]


def table_themes(tables: pd.Series, names: pd.Series) -> dict[str, frozenset[str]]:
    """Per staging table, the words found in at least THEME_SHARE of its field names."""
    themes: dict[str, frozenset[str]] = {}
    for table, group in names.groupby(tables, sort=False):
        if len(group) < 5:
            themes[str(table)] = frozenset()
            continue
        counts = Counter(word for name in group for word in set(name_tokens(name)))
        themes[str(table)] = frozenset(w for w, n in counts.items() if n / len(group) >= THEME_SHARE)
    return themes


def name_similarity(
    target_names: Sequence[str], source_names: Sequence[str], muted: Sequence[frozenset[str]] | None = None
) -> np.ndarray:
    """Word TF-IDF cosine blended with a fuzzy character score and head-word agreement.

    Computed once per distinct (name, muted words) and per distinct source name, then expanded.
    """
    muted = muted if muted is not None else [frozenset()] * len(target_names)
    t_keys = list(zip(target_names, muted, strict=True))
    t_unique = list(dict.fromkeys(t_keys))
    t_index = _positions(t_keys, t_unique)
    s_unique, s_index = np.unique(np.asarray(source_names, dtype=str), return_inverse=True)
    t_tokens = [list(name_tokens(n)) for n, _ in t_unique]
    s_tokens = [list(name_tokens(n)) for n in s_unique]
    words = tfidf_cosine(
        [bag(t, muted=m) for t, (_, m) in zip(t_tokens, t_unique, strict=True)], [bag(t) for t in s_tokens]
    )
    t_text = [" ".join(w for w in t if w not in m) or " ".join(t) for t, (_, m) in zip(t_tokens, t_unique, strict=True)]
    chars = (
        process.cdist(
            t_text, [" ".join(t) for t in s_tokens], scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=2
        ).astype(np.float32)
        / 100.0
    )
    t_heads, s_heads = _heads(t_tokens), _heads(s_tokens)
    heads = (t_heads[:, None] == s_heads[None, :]) & (t_heads != "")[:, None]
    blended = NAME_WORD_SHARE * words + (1.0 - NAME_WORD_SHARE) * chars
    blended = (1.0 - HEAD_SHARE) * blended + HEAD_SHARE * heads
    return blended[t_index][:, s_index].astype(np.float32)


def _positions(keys: list, unique: list) -> np.ndarray:
    where = {key: i for i, key in enumerate(unique)}
    return np.array([where[key] for key in keys])


def head_words(token_lists: list[list[str]]) -> list[str]:
    """The non-empty head words of the given names (see ``_heads``)."""
    return [head for head in _heads(token_lists) if head]


def head_words_of(token_lists: list[list[str]]) -> list[str]:
    """The head word of each name ("" when it has none), one per name (see ``_heads``)."""
    return [str(head) for head in _heads(token_lists)]


def _heads(token_lists: list[list[str]]) -> np.ndarray:
    """The head word of each name: its last meaningful word, skipping numbers and generic suffixes."""
    heads = []
    for tokens in token_lists:
        words = [w for w in tokens if not w.isdigit() and w not in GENERIC_HEADS]
        heads.append(words[-1] if words else "")
    return np.array(heads, dtype=object)


def target_labels(target: pd.DataFrame) -> pd.Series:
    """The guide's short descriptive label of each field (first comment line), "" when none.

    Lines that are rules rather than labels (``Maps to``, ``Must be``, ``Loaded into`` ...) are
    not labels; neither are long sentences.
    """
    first = target["comment"].fillna("").str.split("\n").str[0].str.strip()
    first = first.str.replace(r"[.:]$", "", regex=True)
    rule = first.str.match(_RULE_LINE)
    short = first.str.split().str.len().fillna(0) <= 8
    return first.where(~rule & short, "")
