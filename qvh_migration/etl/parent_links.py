"""A parent link: the parent staging table's RECORD_NUMBER for the same legacy record.

A link to a parent row that was rejected or filtered in its own load would dangle: the child is
rejected (mandatory link), filtered with the parent's reason, or loaded with the link empty and a
warning (optional link). A parent that loads no rows, or shares no key beyond the patient, leaves
the link empty with a table note; it never guesses which of a patient's parent rows is meant.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.etl.fields import FieldResult, LoadContext, _blank, _empty, filter_issues, issues
from qvh_migration.etl.rtt_links import link_keys, referral_by_date
from qvh_migration.etl.source_rules import FILTER_REASON
from qvh_migration.etl.sources import parent_rows, split_field


def parent_link(rule: pd.Series, ctx: LoadContext) -> FieldResult:
    parent = str(rule["parent_table"])
    if parent not in ctx.parents:  # several links may name the same parent table
        ctx.parents[parent] = parent_rows(parent, ctx.row_sources, ctx.sources, ctx.numbers)
    found = ctx.parents[parent]
    if found is None:
        ctx.note(
            f"{rule['target_field']}: parent {parent} loads no rows from these extracts; link left empty",
            rule["target_field"],
        )
        return FieldResult(_empty(ctx))
    listed = [split_field(s) for s in str(rule["source_fields"]).split(";") if s]
    absent = sorted({t for t, _ in listed if t != ctx.source_table and not ctx.sources.has(t)})
    if absent:
        ctx.note(
            f"{rule['target_field']}: the link to {parent} needs {', '.join(absent)}, not in the extracts; "
            "link left empty",
            rule["target_field"],
        )
        return FieldResult(_empty(ctx))
    own = [c for t, c in listed if t == ctx.source_table]
    keys = link_keys(parent, found, listed, own, ctx)
    if keys is None:
        # The patient alone does not say which of the patient's parent rows is meant: never guess.
        ctx.note(
            f"{rule['target_field']}: {ctx.source_table} shares no key with {parent} beyond the patient; "
            "link left empty",
            rule["target_field"],
        )
        return FieldResult(_empty(ctx))
    rows, on = keys.rows, keys.on
    # Several parent rows per partial key (e.g. a referral's waiting-list entries): the first one.
    parents = keys.parents.dropna(subset=on) if keys.bridge else keys.parents  # no pathway: no match
    first = parents.drop_duplicates(on, keep="first")
    left = rows[on].astype("string").reset_index(names="_row")
    linked = left.merge(first, on=on, how="left").set_index("_row").reindex(ctx.rows.index)
    numbers = linked["record_number"].astype("Int64").astype("string")
    blank_key = pd.concat([_blank(rows[c]) for c in on], axis=1).all(axis=1)
    for column in (c for c in own if c not in on):
        # A listed field outside the join says whether a link applies (BookFromWL blank: direct booking).
        blank_key |= _blank(rows[column])
    mandatory = rule["mandatory_class"] == "mandatory"
    out = []
    derived = [c for c in on if c not in ctx.rows.columns] if keys.bridge else []
    if derived:
        # A key read through the bridge: an episode on no RTT pathway has no such parent.
        unlinked = pd.concat([_blank(rows[c]) for c in derived], axis=1).any(axis=1) & ~blank_key
        by_date = referral_by_date(ctx.source_table, rows, found.frame, list(found.grain), ctx.sources)
        if by_date is not None and mandatory:
            inferred = unlinked & by_date["record_number"].notna()
            linked.loc[inferred, ["record_number", FILTER_REASON]] = by_date.loc[inferred]
            numbers = numbers.mask(inferred, linked["record_number"].astype("Int64").astype("string"))
            out.append(
                issues(
                    ctx.rows.index[inferred.to_numpy()],
                    rule["target_field"],
                    "referral_by_date",
                    f"on no RTT pathway: linked to the patient's latest {parent} row of the same specialty "
                    "made on or before it",
                    ctx.rows[own[-1]].astype("string"),
                    "warn",
                )
            )
            unlinked &= ~inferred
        if mandatory:
            out.append(
                issues(
                    ctx.rows.index[unlinked.to_numpy()],
                    rule["target_field"],
                    "no_rtt_pathway",
                    f"no {keys.bridge} row ties this episode to an RTT pathway, so no {parent} row (mandatory link)",
                    ctx.rows[own[-1]].astype("string"),
                    "reject",
                )
            )
        blank_key |= unlinked
        numbers = numbers.mask(unlinked)
    orphan = numbers.isna() & ~blank_key
    filtered = numbers.notna() & linked[FILTER_REASON].fillna("").ne("")
    key_text = rows[on[0]].astype("string")
    for column in on[1:]:
        key_text = key_text + "|" + rows[column].astype("string")
    out += [
        issues(
            ctx.rows.index[orphan.to_numpy()],
            rule["target_field"],
            "orphan_parent",
            f"no {parent} row for {'+'.join(on)}",
            key_text,
            "reject" if mandatory else "warn",
        )
    ]
    if filtered.any():
        reasons = linked.loc[filtered, FILTER_REASON]
        if mandatory:
            message = f"parent {parent} not loaded: " + reasons
            out.append(filter_issues(rule["target_field"], "parent_filtered", message))
        else:
            out.append(
                issues(
                    ctx.rows.index[filtered.to_numpy()],
                    rule["target_field"],
                    "parent_filtered",
                    f"parent {parent} row not loaded; link left empty",
                    key_text,
                    "warn",
                )
            )
            numbers = numbers.mask(filtered)
    published = ctx.parent_outcomes(parent)
    if published is not None:
        # The parent's own load decides: a link to a rejected or filtered parent row would dangle.
        # Plain str keys and values: an empty outcomes file must map to nothing, not fail on types.
        state, why = published_states(numbers, published, ctx.engine)
        for code, (kind, text) in {
            "parent_rejected": ("rejected", f"the {parent} row was rejected in its own load"),
            "parent_filtered": ("filtered", f"parent {parent} not loaded: "),
        }.items():
            hit = numbers.notna() & ~filtered & state.eq(kind)
            if not hit.any():
                continue
            if kind == "filtered" and mandatory:
                out.append(filter_issues(rule["target_field"], code, text + why[hit]))
            else:
                out.append(
                    issues(
                        ctx.rows.index[hit.to_numpy()],
                        rule["target_field"],
                        code,
                        text.rstrip(": "),
                        key_text,
                        "reject" if mandatory else "warn",
                    )
                )
                numbers = numbers.mask(hit)
    return FieldResult(numbers.mask(orphan), out)


def published_states(numbers: pd.Series, published: pd.DataFrame, engine: str) -> tuple[pd.Series, pd.Series]:
    """(outcome, reason) of each linked record number in the parent's published load ("" where none).

    The pandas engine maps through dicts; the duckdb engine finds the same rows in Arrow (a dict's
    last entry wins, so the lookup runs over the outcomes reversed and takes the first match)."""
    keys = published["record_number"].astype("int64").astype(str)
    outcomes = published["outcome"].astype(str)
    reasons = published["reason"].fillna("").astype(str)
    if engine != "duckdb":
        state = numbers.map(dict(zip(keys.to_numpy(), outcomes, strict=True))).astype("string").fillna("")
        why = numbers.map(dict(zip(keys.to_numpy(), reasons, strict=True))).astype("string").fillna("")
        return state, why
    pool = pa.array(keys.to_numpy()[::-1], type=pa.large_string(), from_pandas=True)
    where = pc.index_in(pa.array(numbers.astype("string").array, type=pa.large_string()), value_set=pool)

    def taken(values: pd.Series) -> pd.Series:
        reversed_values = pa.array(values.to_numpy()[::-1], type=pa.large_string(), from_pandas=True)
        found = pc.take(reversed_values, where).fill_null("")
        return pd.Series(pd.arrays.ArrowStringArray(found), index=numbers.index, dtype="string")

    return taken(outcomes), taken(reasons)
