"""Semantic mapping matrix: for every target field, the best candidate source fields.

Every target field is scored against every source field (all 5,387) from five signals, each 0..1:

* name        - TF-IDF cosine of normalised name words, blended with a fuzzy character score;
* description - TF-IDF cosine of the target comment / code-type name against the source
                description (release-number junk ignored) and name;
* type        - DATE vs internal CCYYMMDD / display dates, VARCHAR2(n) vs Size;
* code        - target maps to a PAS code type vs source has a code list / looks coded;
* table       - affinity of the staging table for the source table (priority-table map).

All signals are dense matrices (targets x sources) built with numpy; no Python loop over pairs.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from qvh_migration.mapping import signals, textsim
from qvh_migration.mapping.naming import name_tokens, normalised_name, text_tokens

WEIGHTS: dict[str, float] = {"name": 0.30, "description": 0.16, "type": 0.14, "code": 0.06, "table": 0.34}
MIN_TOP_K = 5  # recall@5 needs five candidates per target field
GOLD_PATH = Path(__file__).with_name("gold_mappings.csv")
MATRIX_COLUMNS: tuple[str, ...] = (
    "target_table",
    "target_field",
    "target_order",
    "rank",
    "source_table",
    "source_column",
    "score",
    "name_score",
    "description_score",
    "type_score",
    "code_score",
    "table_score",
    "evidence",
)

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
_FORMAT_TEXT = re.compile(r"format\s*[-:]?\s*\S+|CC(?:YY|CC)MMDD\S*|YYYYMMDD\S*|\bint(?:ernal)?\b", re.IGNORECASE)


def build_semantic_matrix(
    source_catalog: pd.DataFrame, target_fields: pd.DataFrame, target_tables: pd.DataFrame, top_k: int = 5
) -> pd.DataFrame:
    """Rank, for every target field, its ``top_k`` (at least 5) most likely source fields, score 0..1.

    The two halves of a display/internal date pair hold one value, so only the better-scoring
    half is ranked; the evidence text names its partner.
    """
    source = source_catalog.reset_index(drop=True)
    target = target_fields.reset_index(drop=True)
    components = score_components(source, target, target_tables)
    combined = sum(WEIGHTS[name] * matrix for name, matrix in components.items())
    top = _top_k(_one_per_date_pair(source, combined), max(top_k, MIN_TOP_K))
    return _candidate_frame(source, target, components, combined, top)


def score_components(source: pd.DataFrame, target: pd.DataFrame, target_tables: pd.DataFrame) -> dict[str, np.ndarray]:
    """The five signal matrices, each (targets x sources) float32 in 0..1."""
    s_profile = signals.source_profile(source)
    t_profile = signals.target_profile(target)
    themes = textsim.table_themes(target["table_name"], target["field_name"])
    muted = [themes.get(t, frozenset()) for t in target["table_name"]]
    name = textsim.name_similarity(list(target["field_name"]), list(source["Column"]), muted)
    labels = textsim.target_labels(target)
    label = textsim.name_similarity(list(labels), list(source["Column"]), muted)
    has_label = (labels != "").to_numpy()[:, None]
    context = textsim.tfidf_cosine(_target_context(target, target_tables, muted), _source_context(source))
    return {
        "name": np.where(has_label, np.maximum(name, 0.5 * (name + label)), name),
        "description": context,
        "type": signals.type_fit(t_profile, s_profile),
        "code": signals.code_fit(t_profile, s_profile),
        "table": signals.table_affinity(target["table_name"], source["TableName"]),
    }


def _target_context(
    target: pd.DataFrame, target_tables: pd.DataFrame, muted: list[frozenset[str]]
) -> list[textsim.Bag]:
    """Target name + cleaned comment + code-type name, and (weakly) the staging table's description."""
    table_text = dict(zip(target_tables["table_name"], target_tables["description"].fillna(""), strict=False))
    docs = []
    for name, comment, code_name, table, mute in zip(
        target["field_name"],
        target["comment"].fillna(""),
        target["code_type_name"].fillna(""),
        target["table_name"],
        muted,
        strict=True,
    ):
        lookups = " ".join(words for table, words in LOOKUP_WORDS.items() if f"{table}." in comment)
        own = [
            *name_tokens(name),
            *text_tokens(_BOILERPLATE.sub(" ", comment)),
            *text_tokens(code_name),
            *text_tokens(lookups),
        ]
        theme = textsim.bag(text_tokens(table_text.get(table, "")), weight=textsim.THEME_WEIGHT)
        docs.append(textsim.merge(textsim.bag(own, muted=mute), theme))
    return docs


def _source_context(source: pd.DataFrame) -> list[textsim.Bag]:
    """Source name + description, ignoring release numbers and descriptions that repeat the name."""
    useful = ~source["description_kind"].isin(["empty", "release_number"]) & (
        source["Description"].str.replace(" ", "").str.lower() != source["Column"].str.lower()
    )
    descriptions = source["Description"].where(useful, "").map(lambda d: _FORMAT_TEXT.sub(" ", d))
    # A logical-delete flag says whether the record is still active: give it those words.
    flags = source["is_logical_delete_flag"].fillna(False).map(lambda f: "active flag deleted record" if f else "")
    return [
        textsim.bag([*name_tokens(n), *text_tokens(d), *text_tokens(f)])
        for n, d, f in zip(source["Column"], descriptions, flags, strict=True)
    ]


def date_pairs(source: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (internal, display) of each linked date pair in the source catalog."""
    position = pd.Series(
        np.arange(len(source)), index=pd.MultiIndex.from_arrays([source["TableName"], source["Column"]])
    )
    internal = source.index[source["date_pair_role"] == "internal"].to_numpy()
    keys = pd.MultiIndex.from_arrays(
        [source["TableName"].to_numpy()[internal], source["date_pair_column"].to_numpy()[internal]]
    )
    partner = position.reindex(keys).to_numpy()
    found = ~np.isnan(partner.astype(float))
    return internal[found], partner[found].astype(int)


def _one_per_date_pair(source: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """Rank only the better member of each display/internal date pair (they hold one value)."""
    internal, display = date_pairs(source)
    ranked = scores.copy()
    internal_wins = scores[:, internal] >= scores[:, display]
    ranked[:, display] = np.where(internal_wins, -1.0, scores[:, display])
    ranked[:, internal] = np.where(internal_wins, scores[:, internal], -1.0)
    return ranked


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k best sources per target, best first (ties: catalog order)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _candidate_frame(
    source: pd.DataFrame,
    target: pd.DataFrame,
    components: dict[str, np.ndarray],
    combined: np.ndarray,
    top: np.ndarray,
) -> pd.DataFrame:
    k = top.shape[1]
    rows = np.repeat(np.arange(len(target)), k)
    cols = top.ravel()
    frame = pd.DataFrame(
        {
            "target_table": target["table_name"].to_numpy()[rows],
            "target_field": target["field_name"].to_numpy()[rows],
            "target_order": target["field_order"].to_numpy()[rows],
            "rank": np.tile(np.arange(1, k + 1), len(target)),
            "source_table": source["TableName"].to_numpy()[cols],
            "source_column": source["Column"].to_numpy()[cols],
            "score": combined[rows, cols].round(4),
        }
    )
    for name, matrix in components.items():
        frame[f"{name}_score"] = matrix[rows, cols].round(4)
    facts = zip(
        source["Size"].to_numpy()[cols],
        source["date_format"].to_numpy()[cols],
        source["date_pair_column"].to_numpy()[cols],
        target["data_type"].to_numpy()[rows],
        target["length"].to_numpy()[rows],
        strict=True,
    )
    frame["evidence"] = [_evidence(row, *fact) for row, fact in zip(frame.itertuples(index=False), facts, strict=True)]
    return frame[list(MATRIX_COLUMNS)]


def _evidence(row: tuple, size: str, date_format: str, partner: str, data_type: str, length: object) -> str:
    target_type = f"{data_type}({length})" if pd.notna(length) else str(data_type)
    source_type = f"size {size or '?'}" + (f", {date_format}" if date_format else "")
    parts = [
        f"name {row.name_score:.2f} ({normalised_name(row.target_field)} ~ {normalised_name(row.source_column)})",
        f"description {row.description_score:.2f}",
        f"type {row.type_score:.2f} ({target_type} <- {source_type})",
        f"code {row.code_score:.2f}",
        signals.affinity_label(row.target_table, row.source_table),
    ]
    if partner:
        parts.append(f"date pair with {partner}")
    return "; ".join(parts)


def read_gold(path: Path = GOLD_PATH) -> pd.DataFrame:
    """The hand-checked gold list: one row per target field, accepted sources as a set of TABLE.Column."""
    gold = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    gold["accepted"] = [
        frozenset(_qualify(table, entry) for entry in columns.split(";") if entry.strip())
        for table, columns in zip(gold["source_table"], gold["source_column"], strict=True)
    ]
    return gold


def _qualify(table: str, entry: str) -> str:
    entry = entry.strip()
    return entry if "." in entry else f"{table}.{entry}"


def evaluate_matrix(matrix: pd.DataFrame, gold: pd.DataFrame) -> dict[str, float]:
    """precision@1 and recall@5 of the matrix against the gold list (target names case-insensitive)."""
    ranked = matrix.assign(
        key=matrix["target_table"] + "." + matrix["target_field"].str.upper(),
        candidate=matrix["source_table"] + "." + matrix["source_column"],
    ).sort_values(["key", "rank"])
    candidates = ranked.groupby("key", sort=False)["candidate"].agg(list)
    keys = gold["target_table"] + "." + gold["target_field"].str.upper()
    hits_1 = hits_5 = n = 0
    for key, accepted in zip(keys, gold["accepted"], strict=True):
        listed = candidates.get(key)
        if listed is None:
            continue
        n += 1
        hits_1 += listed[0] in accepted
        hits_5 += any(c in accepted for c in listed[:5])
    return {
        "precision_at_1": hits_1 / n if n else 0.0,
        "recall_at_5": hits_5 / n if n else 0.0,
        "n": n,
    }


def gold_misses(matrix: pd.DataFrame, gold: pd.DataFrame) -> pd.DataFrame:
    """Gold rows whose rank-1 candidate is not accepted, with what the matcher proposed instead."""
    top = matrix[matrix["rank"] == 1].assign(key=lambda f: f["target_table"] + "." + f["target_field"].str.upper())
    top = top.set_index("key")
    rows = []
    for _, g in gold.iterrows():
        key = f"{g['target_table']}.{g['target_field'].upper()}"
        if key in top.index:
            proposed = f"{top.at[key, 'source_table']}.{top.at[key, 'source_column']}"
            if proposed not in g["accepted"]:
                rows.append((key, proposed, ";".join(sorted(g["accepted"])), top.at[key, "evidence"]))
    return pd.DataFrame(rows, columns=["target", "proposed", "accepted", "evidence"])
