"""Semantic mapping matrix: for every target field, the best candidate source fields.

Every target field is scored against every source field (all 5,387) from five signals, each 0..1:

* name        - TF-IDF cosine of normalised name words, blended with a fuzzy character score; a
                source is also known by the other names of its data element; the guide's label
                (or the PAS lookup the value maps to) is averaged in; whose value it is must agree
                (``NOK_`` vs ``NoK...``/``Carer...``) - see ``context.name_score``;
* description - TF-IDF cosine of the target comment / code-type name / loaded-into column against
                the source description and name, widened by what its data element says elsewhere
                (aliases, element block, master-file lookup) - see ``context`` and ``element_signal``;
* type        - DATE vs internal CCYYMMDD / display dates, VARCHAR2(n) vs Size, example code widths;
* code        - target maps to a PAS code type vs source has a code list / codes a lookup / looks
                coded, and the role the names announce (identifier, text, flag);
* table       - affinity of the staging table for the source table (priority-table map), lifted for
                a master or child table when the field names what its records are about and the
                kind of value they hold (``masters``: PRACTICE_POST_CODE from ``GP``).

Names and texts are read through the reviewed concepts (``concepts.yaml``: domain synonyms with a
reason each). The weighted sum is then scaled by factors for whose value a source holds against the
staging table's subject (the contacts table takes the carer's fields), a table the staging table
does not list, and value shapes that cannot meet (a status from a date).

All signals are dense matrices (targets x sources) built with numpy; no Python loop over pairs.
Ranking then keeps one representation per data item (date-pair halves, ext/int codes), moves
numbered sibling targets (``TELEPHONE_NO``, ``_2``, ``_3``) onto different near-equal sources and
breaks ties toward the staging table's priority source. A source coded in a scheme no target field
takes (Read Codes) scores a little less than its ICD-10/OPCS-4 twin (``signals.scheme_fit``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.mapping import context, element_signal, masters, siblings, signals, textsim
from qvh_migration.mapping.naming import normalised_name

WEIGHTS: dict[str, float] = {"name": 0.30, "description": 0.16, "type": 0.14, "code": 0.06, "table": 0.34}
MIN_TOP_K = 5
TIE_POOL = 20  # candidates beyond k looked at when breaking ties  # recall@5 needs five candidates per target field
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


def build_semantic_matrix(
    source_catalog: pd.DataFrame, target_fields: pd.DataFrame, target_tables: pd.DataFrame, top_k: int = 5
) -> pd.DataFrame:
    """Rank, for every target field, its ``top_k`` (at least 5) most likely source fields, score 0..1.

    The representations of one data item (the halves of a display/internal date pair, ext/int
    codes) hold one value, so only the best-scoring one is ranked; the evidence names the others.
    """
    source = source_catalog.reset_index(drop=True)
    target = target_fields.reset_index(drop=True)
    components = score_components(source, target, target_tables)
    combined = sum(WEIGHTS[name] * matrix for name, matrix in components.items())
    combined = combined * signals.scheme_fit(target, source) * context.subject_fit(source, target)
    combined = (
        combined
        * signals.unlisted_fit(components["table"])
        * signals.shape_gate(components["type"], signals.target_profile(target))
    )
    items = element_signal.item_groups(source, *date_pairs(source))
    sizes = source["size_chars"].astype("Float64").fillna(0).to_numpy(dtype=np.float32)
    repeating = masters.repeating_records(source)
    penalty = siblings.spread_siblings(
        target, _one_per_item(items, combined), items, source["Column"], sizes, repeating
    )
    combined = np.clip(combined - penalty, 0.0, 1.0)
    top = _top_k(_one_per_item(items, combined), max(top_k, MIN_TOP_K), components["table"])
    return _candidate_frame(source, target, components, combined, top, penalty, items)


def score_components(source: pd.DataFrame, target: pd.DataFrame, target_tables: pd.DataFrame) -> dict[str, np.ndarray]:
    """The five signal matrices, each (targets x sources) float32 in 0..1."""
    descriptions = context.clean_descriptions(source)
    alias_names, alias_texts = element_signal.aliases(source, descriptions)
    lookup_coded, lookup_words = element_signal.lookup_references(source)
    s_profile = signals.source_profile(source, lookup_coded)
    t_profile = signals.target_profile(target)
    themes = textsim.table_themes(target["table_name"], target["field_name"])
    muted = [themes.get(t, frozenset()) for t in target["table_name"]]
    source_docs = context.source_context(
        source, descriptions, element_signal.alias_tokens(alias_names, alias_texts), lookup_words
    )
    target_docs = context.target_context(target, target_tables, muted)
    return {
        "name": context.name_score(source, target, alias_names, muted, masters.subject_names(source)),
        "description": textsim.tfidf_cosine(target_docs, source_docs),
        "type": signals.type_fit(t_profile, s_profile),
        "code": signals.code_fit(t_profile, s_profile),
        "table": masters.record_lift(
            target,
            source,
            signals.table_affinity(target["table_name"], source["TableName"])
            * signals.identifier_lending(target, source["TableName"]),
            muted,
        ),
    }


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


def _one_per_item(items: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Rank only the best representation of each data item (date pair halves, ext/int codes).

    ``items`` gives each source position its item id; the other members score -1 so they drop out
    (on a tie the first in catalog order stays). Only the columns of multi-field items are touched.
    """
    counts = np.bincount(items, minlength=len(items))
    shared = np.flatnonzero(counts[items] > 1)
    if len(shared) == 0:
        return scores
    order = shared[np.argsort(items[shared], kind="stable")]
    new_item = np.r_[True, items[order][1:] != items[order][:-1]]
    starts = np.flatnonzero(new_item)
    slot = np.cumsum(new_item) - 1  # item number of each sorted position
    in_order = scores[:, order]
    is_best = (in_order >= np.maximum.reduceat(in_order, starts, axis=1)[:, slot]).astype(np.int32)
    seen = np.cumsum(is_best, axis=1)
    before = (seen - is_best)[:, starts][:, slot]
    keep = (is_best == 1) & (seen - before == 1)
    ranked = scores.copy()
    ranked[:, order] = np.where(keep, in_order, -1.0)
    return ranked


def _top_k(scores: np.ndarray, k: int, affinity: np.ndarray) -> np.ndarray:
    """Column indices of the k best sources per target, best first.

    Scores equal at the reported precision (4 decimals) go to the source table with the higher
    affinity for the staging table (its priority source first), then catalog order.
    """
    k = min(k, scores.shape[1])
    pool = min(k + TIE_POOL, scores.shape[1])
    part = np.argpartition(-scores, pool - 1, axis=1)[:, :pool]
    part = np.sort(part, axis=1)  # catalog order, the last tie-break
    rounded = np.round(np.take_along_axis(scores, part, axis=1), 4)
    tables = np.take_along_axis(affinity, part, axis=1)
    order = np.lexsort((-tables, -rounded), axis=1)[:, :k]
    return np.take_along_axis(part, order, axis=1)


def _candidate_frame(
    source: pd.DataFrame,
    target: pd.DataFrame,
    components: dict[str, np.ndarray],
    combined: np.ndarray,
    top: np.ndarray,
    penalty: np.ndarray,
    items: np.ndarray,
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
    columns = source["Column"].to_numpy()
    members: dict[int, list[str]] = {}
    for position in np.flatnonzero(np.isin(items, items[cols])):
        members.setdefault(int(items[position]), []).append(columns[position])
    same_item = ["/".join(c for c in members[int(items[col])] if c != columns[col]) for col in cols]
    facts = zip(
        source["Size"].to_numpy()[cols],
        source["date_format"].to_numpy()[cols],
        same_item,
        target["data_type"].to_numpy()[rows],
        target["length"].to_numpy()[rows],
        penalty[rows, cols],
        strict=True,
    )
    frame["evidence"] = [_evidence(row, *fact) for row, fact in zip(frame.itertuples(index=False), facts, strict=True)]
    return frame[list(MATRIX_COLUMNS)]


def _evidence(
    row: tuple, size: str, date_format: str, partner: str, data_type: str, length: object, taken: float
) -> str:
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
        parts.append(f"same data item as {partner}")
    if taken:
        parts.append(f"already taken by an earlier numbered sibling (-{taken:.2f})")
    return "; ".join(parts)


GOLD_COLUMNS: tuple[str, ...] = ("target_table", "target_field", "source_table", "source_column", "checked_against")


def read_gold(path: Path = GOLD_PATH) -> pd.DataFrame:
    """The hand-checked gold list: one row per target field, accepted sources as a set of TABLE.Column."""
    try:
        gold = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise CurationError(path, f"cannot read the gold list ({exc})") from exc
    missing = [c for c in GOLD_COLUMNS if c not in gold.columns]
    if missing:
        raise CurationError(path, f"missing column(s) {', '.join(missing)}")
    for position, row in enumerate(gold[list(GOLD_COLUMNS)].itertuples(index=False), start=1):
        blank = [c for c, v in zip(GOLD_COLUMNS, row, strict=True) if not str(v).strip()]
        if blank:
            raise CurationError(path, f"{', '.join(blank)} is blank", where=f"row {position} ({row[0]}.{row[1]})")
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
    """Gold rows whose rank-1 candidate is not accepted, with what the matcher proposed instead.

    ``in_top_5`` says whether an accepted source is among the five candidates at all (a recall miss
    when not); the evidence is the rank-1 candidate's.
    """
    ranked = matrix.assign(
        key=matrix["target_table"] + "." + matrix["target_field"].str.upper(),
        candidate=matrix["source_table"] + "." + matrix["source_column"],
    ).sort_values(["key", "rank"])
    listed = ranked.groupby("key", sort=False)["candidate"].agg(list)
    evidence = ranked.drop_duplicates("key").set_index("key")["evidence"]
    rows = []
    for table, field, accepted in zip(gold["target_table"], gold["target_field"], gold["accepted"], strict=True):
        key = f"{table}.{field.upper()}"
        candidates = listed.get(key)
        if candidates and candidates[0] not in accepted:
            in_top_5 = any(c in accepted for c in candidates[:5])
            rows.append((key, candidates[0], ";".join(sorted(accepted)), in_top_5, evidence[key]))
    return pd.DataFrame(rows, columns=["target", "proposed", "accepted", "in_top_5", "evidence"])


def misses_report(misses: pd.DataFrame) -> str:
    """One line per miss, recall misses first: what the matcher proposed and what the gold accepts."""
    ordered = misses.sort_values(["in_top_5", "target"], kind="stable")
    return "\n".join(
        f"{'top-5' if row.in_top_5 else 'NOT IN TOP 5'}: {row.target} -> {row.proposed} (gold: {row.accepted})"
        for row in ordered.itertuples(index=False)
    )
