"""Clinical coding in the contract executor: code-shape rejects and ranked repeat groups.

A diagnosis or procedure code that is not of its classification's shape is rejected with
``invalid_code_shape`` (warned in lenient mode), like a malformed date: the vendor's code mapping
could not find it, and a person has to correct it in the source. The archive tables spread a
record's repeat group over numbered columns (DIAGNOSIS_1_CODE ... DIAGNOSIS_10_CODE); a ``ranked``
rule takes the n-th row of that group, found through the key columns both tables share.
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.etl.fields import FieldResult, LoadContext, _blank, _empty, _failure_action, issues
from qvh_migration.etl.sources import join_columns, split_field
from qvh_migration.legacy.keys import TABLE_KEYS
from qvh_migration.mapping.transforms_coding import CODE_SHAPES, icd10_code, opcs4_code

SCHEME_CODES = {"diagnosis": ("ICD-10", icd10_code), "procedure": ("OPCS-4", opcs4_code)}


def invalid_code_issues(rule: pd.Series, raw: pd.Series, coded: pd.Series, ctx: LoadContext, scheme: str):
    """Rows whose legacy value is present but not a code of ``scheme``'s shape."""
    bad = ~_blank(raw) & coded.isna()
    return issues(
        ctx.rows.index[bad.to_numpy()],
        rule["target_field"],
        "invalid_code_shape",
        f"not an {scheme} code",
        raw,
        _failure_action(ctx),
    )


def shape_issues(rule: pd.Series, transform: str, raw: pd.Series, coded: pd.Series, ctx: LoadContext) -> list:
    if transform not in CODE_SHAPES:
        return []
    return [invalid_code_issues(rule, raw, coded, ctx, CODE_SHAPES[transform])]


def ranked_codes(rule: pd.Series, transform: str, sources: list[str], ctx: LoadContext) -> FieldResult:
    """The code at rank n of the record's repeat group (``nth_<scheme>_<n>``), in its clean shape."""
    _, scheme, position = transform.split("_")  # nth_<scheme>_<n>
    (table, code_column), (_, sequence_column) = split_field(sources[0]), split_field(sources[1])
    other = ctx.sources.lookup_table(table)
    on = join_columns(ctx.rows, table, other, list(TABLE_KEYS.get(table, ())))  # every shared key
    if not on:
        ctx.note(f"{rule['target_field']}: {table} shares no key with {ctx.source_table}; field left empty")
        return FieldResult(_empty(ctx))
    group = other[[*dict.fromkeys([*on, *TABLE_KEYS.get(table, ()), code_column, sequence_column])]]
    sequence = pd.to_numeric(group[sequence_column], errors="coerce")
    # Within the record: episode (or any further key) order, then the group's own sequence.
    inner = [c for c in TABLE_KEYS.get(table, ()) if c not in on and c != sequence_column]
    order = pd.DataFrame({c: pd.to_numeric(group[c], errors="coerce") for c in inner}, index=group.index)
    ranked = group.assign(_sequence=sequence, **{f"_{c}": order[c] for c in inner})
    ranked = ranked.sort_values([*on, *(f"_{c}" for c in inner), "_sequence"], kind="stable")
    if scheme == "diagnosis":
        # Rank 1 of the last episode repeats the record's primary (its own PRIMARY_DIAGNOSIS_CODE);
        # an earlier episode's primary is secondary to the record and keeps its place.
        last = pd.Series(True, index=ranked.index)
        for c in inner:
            last &= ranked[f"_{c}"].eq(ranked.groupby(on, sort=False)[f"_{c}"].transform("last"))
        ranked = ranked[~(last & ranked["_sequence"].eq(1))]
    ranked = ranked[ranked.groupby(on, sort=False).cumcount().add(1).eq(int(position))]
    picked = ranked[[*on, code_column]].astype("string").rename(columns={code_column: "_code"})
    left = ctx.rows[on].astype("string").reset_index(names="_row")
    raw = left.merge(picked, on=on, how="left").set_index("_row")["_code"].reindex(ctx.rows.index)
    label, shaped = SCHEME_CODES[scheme]
    coded = shaped(raw)
    return FieldResult(coded, [invalid_code_issues(rule, raw, coded, ctx, label)])
