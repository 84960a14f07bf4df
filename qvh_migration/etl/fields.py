"""Evaluate one mapping-contract row over a table's rows: the field's values and its issues.

Each contract class executes as the contract says. An *issue* is a row-level fault, each with a
reason code and an action: ``reject`` (the row is not loaded), ``warn`` (loaded with the field
empty) or ``filter`` (the row belongs elsewhere, e.g. its admission is archived).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from qvh_migration.etl.key_registry import numbers_of
from qvh_migration.etl.row_sources import RowSources
from qvh_migration.etl.source_keys import TABLE_KEYS
from qvh_migration.etl.source_rules import GRAIN_KEY
from qvh_migration.etl.sources import SourceTables, align_last, join_columns, split_field
from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.mapping.crosswalks import NO_CODE
from qvh_migration.mapping.transforms import (
    TRANSFORMS,
    format_date_ddmmyyyy,
    format_datetime_ddmmyyyy_hhmi,
)
from qvh_migration.mapping.transforms_coding import CODE_SHAPES
from qvh_migration.mapping.transforms_identity import ATTENDANCE_CROSSWALK, INVALID_INPUT_WARNINGS, SEEN_ATTENDANCE

IMPUTE_MODES = ("strict", "lenient")
# A warning whose field keeps the value loaded (the rule's decided "not known" code), not emptied.
NOT_KNOWN_REASON = "unmapped_code_not_known"
# Warnings about a value the rule decided to load (it loads; the warning says how it was found).
VALUE_STANDS_REASONS = frozenset({NOT_KNOWN_REASON, "referral_by_date"})
ISSUE_COLUMNS = ("row", "field", "reason_code", "message", "value", "action")
_NO_ISSUES = pd.DataFrame(columns=list(ISSUE_COLUMNS))
DATE_TRANSFORMS = ("format_date", "format_datetime", "combine_date_time")
# Tracking steps by the words the step names carry (OPATTTRACK.TrackingStep).
TRACKING_WORDS = {
    "tracking_time_arrived": "ARR",
    "tracking_time_seen": "SEEN|WITH",
    "tracking_time_completed": "COMP|DEP",
}


@dataclass
class LoadContext:
    target_table: str
    source_table: str
    rows: pd.DataFrame  # one row per grain value, candidates only
    group_rows: pd.DataFrame  # every candidate source row, for aggregates over the grain
    grain: tuple[str, ...]
    sources: SourceTables
    crosswalks: dict[str, pd.Series]
    row_sources: RowSources
    numbers: dict[str, pd.Series]
    impute_mode: str = "strict"
    engine: str = "pandas"  # duckdb: a read of another table's last row runs as a DuckDB query
    # The engine of each read of another table's last row made for the field being evaluated.
    lookups: list[str] = field(default_factory=list)
    # A parent table's record outcomes as last loaded (None: never loaded, links not verified).
    parent_outcomes: Callable[[str], pd.DataFrame | None] = lambda _table: None
    table_warnings: list[str] = field(default_factory=list)
    empty_fields: set[str] = field(default_factory=set)
    parents: dict[str, object] = field(default_factory=dict)

    def note(self, message: str, field_name: str | None = None) -> None:
        """A table-level warning; ``field_name`` is left empty for every row because of it."""
        if message not in self.table_warnings:
            self.table_warnings.append(message)
        if field_name:
            self.empty_fields.add(field_name)


@dataclass
class FieldResult:
    values: pd.Series
    issues: list[pd.DataFrame] = field(default_factory=list)


def issues(rows: pd.Index, field_name: str, code: str, message: str, values: pd.Series, action: str) -> pd.DataFrame:
    if len(rows) == 0:  # the common case: skip building a frame (it costs a take per field)
        return _NO_ISSUES
    return pd.DataFrame(
        {
            "row": rows,
            "field": field_name,
            "reason_code": code,
            "message": message,
            "value": values.reindex(rows).astype("string").fillna("").to_numpy(),
            "action": action,
        }
    )


def filter_issues(field_name: str, code: str, messages: pd.Series) -> pd.DataFrame:
    """Rows that belong elsewhere (their parent was not loaded), each with its own reason."""
    return pd.DataFrame(
        {
            "row": messages.index,
            "field": field_name,
            "reason_code": code,
            "message": messages.to_numpy(),
            "value": "",
            "action": "filter",
        }
    )


def _blank(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().eq("")


def _empty(ctx: LoadContext) -> pd.Series:
    return pd.Series(pd.NA, index=ctx.rows.index, dtype="string")


def evaluate(rule: pd.Series, ctx: LoadContext) -> FieldResult:
    """Values of one target field for every row of ``ctx.rows``."""
    mapping_class = rule["mapping_class"]
    if mapping_class in ("NOT_MIGRATED", "UNRESOLVED"):
        return FieldResult(_empty(ctx))
    if mapping_class == "DEFAULT":
        return FieldResult(pd.Series(str(rule["default_value"]), index=ctx.rows.index, dtype="string"))
    if mapping_class == "GENERATED":
        return FieldResult(_generated(rule, ctx))
    if rule["parent_table"]:
        from qvh_migration.etl.parent_links import parent_link  # it builds on this module's helpers

        return parent_link(rule, ctx)
    sources = [s for s in str(rule["source_fields"]).split(";") if s]
    missing = sorted(
        {split_field(s)[0] for s in sources}
        - {ctx.source_table}
        - {t for t in {split_field(s)[0] for s in sources} if ctx.sources.has(t)}
    )
    if missing:
        ctx.note(
            f"{rule['target_field']}: source table {', '.join(missing)} not in the extracts; field left empty",
            rule["target_field"],
        )
        return FieldResult(_empty(ctx))
    transform = str(rule["transform"])
    kind = TRANSFORMS[transform].kind if transform else "row"
    if kind == "join":
        result = _join(rule, transform, sources, ctx)
    elif kind == "aggregate":
        result = _aggregate(rule, transform, sources, ctx)
    elif kind == "ranked":
        from qvh_migration.etl.coding import ranked_codes  # it builds on this module's helpers

        result = ranked_codes(rule, transform, sources, ctx)
    else:
        result = FieldResult(_column(sources[0], ctx)) if sources else FieldResult(_empty(ctx))
        inputs = [_column(s, ctx) for s in sources]
        if rule["crosswalk"]:
            # One name: the first source's crosswalk. ';'-joined: one per source, as a transform that
            # reasons on several code sets declares them (empty = the legacy value as it is).
            crossed_issues: list[pd.DataFrame] = []
            for i, name in enumerate(str(rule["crosswalk"]).split(";")[: len(inputs)]):
                if name:
                    crossed = _crosswalk(rule, inputs[i], ctx, name)
                    inputs[i] = crossed.values
                    crossed_issues.extend(crossed.issues)
            result = FieldResult(inputs[0], crossed_issues)
        if transform:
            result = FieldResult(_transform(transform, inputs, ctx), result.issues)
            if transform.startswith(DATE_TRANSFORMS):
                result.issues.append(_malformed(rule, inputs[0], result.values, ctx))
            if transform in INVALID_INPUT_WARNINGS:  # a held value the transform refused: say so
                code, message = INVALID_INPUT_WARNINGS[transform]
                bad = ~_blank(inputs[0]) & result.values.isna()
                action = "reject" if rule["mandatory_class"] == "mandatory" else "warn"  # a row needs it
                result.issues.append(
                    issues(ctx.rows.index[bad.to_numpy()], rule["target_field"], code, message, inputs[0], action)
                )
            if transform in CODE_SHAPES:
                from qvh_migration.etl.coding import shape_issues

                result.issues.extend(shape_issues(rule, transform, inputs[0], result.values, ctx))
    if rule["data_type"] == "DATE" and not transform and kind == "row" and not rule["crosswalk"]:
        # A DIRECT date still leaves in the guide's format, never as the legacy CCYYMMDD text.
        formatted = format_date_ddmmyyyy(result.values)
        result = FieldResult(formatted, [*result.issues, _malformed(rule, result.values, formatted, ctx)])
    return result


def _column(qualified: str, ctx: LoadContext) -> pd.Series:
    table, column = split_field(qualified)
    if table == ctx.source_table:
        return ctx.rows[column].astype("string")
    other = ctx.sources.lookup_table(table)
    # Every key the two tables share (a spell's episode, not just the patient's last one).
    on = join_columns(ctx.rows, table, other, list(TABLE_KEYS.get(table, ())))
    if not on:
        ctx.note(f"{qualified}: no shared key with {ctx.source_table}; field left empty", qualified)
        return _empty(ctx)
    return _last_row(ctx, ctx.rows, table, other, on, column).astype("string")


def _last_row(
    ctx: LoadContext, rows: pd.DataFrame, table: str, other: pd.DataFrame, on: list[str], column: str
) -> pd.Series:
    """``align_last`` in the load's engine, noted for the field (the engines file says which ran it)."""
    ctx.lookups.append(ctx.engine)
    return align_last(rows, table, other, on, column, ctx.engine)


def _transform(name: str, inputs: list[pd.Series], ctx: LoadContext) -> pd.Series:
    if TRANSFORMS[name].as_of:  # statuses judged on the extract's as-of day (legacy/as_of.py)
        return TRANSFORMS[name].func(*inputs, as_of=ctx.sources.as_of).astype("string")
    return TRANSFORMS[name].func(*inputs).astype("string")


def _failure_action(ctx: LoadContext) -> str:
    return "reject" if ctx.impute_mode == "strict" else "warn"


def _crosswalk(rule: pd.Series, values: pd.Series, ctx: LoadContext, name: str | None = None) -> FieldResult:
    name = name or str(rule["crosswalk"])
    table = ctx.crosswalks[name]
    codes = values.astype("string").str.strip()
    mapped = codes.map(table).astype("string")
    # NO_CODE is a reviewed decision that the legacy code has no honest national code: the record
    # is loaded with the field empty and reported, never rejected for it and never given a guess.
    decided = mapped.eq(NO_CODE).fillna(False)
    unmapped = ~_blank(codes) & (mapped.isna() | _blank(mapped)) & ~decided
    no_code = issues(
        ctx.rows.index[decided.to_numpy()],
        rule["target_field"],
        "no_national_code",
        f"legacy code has no national {name} code by decision (see the crosswalk's notes)",
        codes,
        "warn",
    )
    message = f"legacy code has no {name} crosswalk entry"
    not_known = _not_known_value(rule)
    if not_known is not None:
        # An optional field the rule gives a "not known" value: loaded as that, reported, never rejected.
        found = issues(
            ctx.rows.index[unmapped.to_numpy()],
            rule["target_field"],
            NOT_KNOWN_REASON,
            f"{message}; loaded as not known ({not_known})",
            codes,
            "warn",
        )
        return FieldResult(mapped.mask(decided).mask(unmapped, not_known), [found, no_code])
    found = issues(
        ctx.rows.index[unmapped.to_numpy()], rule["target_field"], "unmapped_code", message, codes, _failure_action(ctx)
    )
    return FieldResult(mapped.mask(unmapped | decided), [found, no_code])


def _not_known_value(rule: pd.Series) -> str | None:
    """The value an unmapped code of a CROSSWALK rule loads as (the rule's ``default``), if it has one."""
    value = rule.get("default_value")
    value = "" if value is None or pd.isna(value) else str(value).strip()
    return value if rule["mapping_class"] == "CROSSWALK" and value else None


def _malformed(rule: pd.Series, raw: pd.Series, parsed: pd.Series, ctx: LoadContext) -> pd.DataFrame:
    bad = ~_blank(raw) & parsed.isna()
    message = "not a valid legacy date"
    return issues(
        ctx.rows.index[bad.to_numpy()], rule["target_field"], "malformed_date", message, raw, _failure_action(ctx)
    )


def _generated(rule: pd.Series, ctx: LoadContext) -> pd.Series:
    generator = rule["generator"]
    if generator == "sequence":
        numbers = ctx.numbers.get(ctx.target_table, pd.Series(dtype="int64"))
        return numbers_of(ctx.rows[GRAIN_KEY], numbers).astype("Int64").astype("string")
    if generator == "system_code":
        return pd.Series(ctx.row_sources.system_code, index=ctx.rows.index, dtype="string")
    columns = [split_field(s)[1] for s in str(rule["source_fields"]).split(";") if s] or list(ctx.grain)
    # "the legacy record key, joined with '-' when it has several fields"
    parts = [ctx.rows[c].astype("string").fillna("").str.strip() for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "-" + part
    return key


def _join(rule: pd.Series, transform: str, sources: list[str], ctx: LoadContext) -> FieldResult:
    if transform.startswith("tracking_time_"):
        return FieldResult(_tracking_time(transform, sources, ctx))
    if transform == "death_datetime":
        from qvh_migration.etl.death import death_moments

        values = death_moments(sources, ctx.rows, ctx.sources)
        raw = ctx.rows[split_field(sources[0])[1]].astype("string")
        return FieldResult(values, [_malformed(rule, raw, values, ctx)])
    if transform == "opd_waitlist_status":
        from qvh_migration.etl.waitlist_status import booked_status  # it builds on this module's helpers

        died = _column(sources[5], ctx) if len(sources) > 5 else None
        return FieldResult(booked_status(ctx.rows, ctx.sources.lookup_table(split_field(sources[2])[0]), sources, died))
    if transform == "override_wait_reset_date":
        from qvh_migration.etl.wait_resets import override_wait_reset  # it builds on this module's context

        return FieldResult(override_wait_reset(sources, ctx))
    (key_table, key_column), (table, column) = split_field(sources[0]), split_field(sources[1])
    other = ctx.sources.lookup_table(table)
    keys = _column(sources[0], ctx) if key_table != ctx.source_table else ctx.rows[key_column].astype("string")
    rows = ctx.rows.assign(**{key_column: keys})
    on = join_columns(rows, table, other, [key_column])
    if key_column not in on:
        # The key field is named differently in the looked-up table: use that table's own key.
        own_key = [c for c in TABLE_KEYS.get(table, ()) if c in other.columns][:1]
        if not own_key:
            ctx.note(
                f"{rule['target_field']}: {table} has no key to look {key_column} up by; field left empty",
                rule["target_field"],
            )
            return FieldResult(_empty(ctx))
        other = other.rename(columns={own_key[0]: key_column})
        on = [key_column]
    values = _last_row(ctx, rows, table, other, on, column).astype("string")
    result = FieldResult(values)
    missing = ~_blank(keys) & values.isna()
    result.issues.append(
        issues(
            ctx.rows.index[missing.to_numpy()],
            rule["target_field"],
            "lookup_not_found",
            f"no live {table} row for {key_column}",
            keys,
            "warn",
        )
    )
    if rule["crosswalk"]:
        crossed = _crosswalk(rule, values, ctx)
        result = FieldResult(crossed.values, [*result.issues, *crossed.issues])
    if rule["data_type"] == "DATE":
        formatted = format_date_ddmmyyyy(result.values)
        result = FieldResult(formatted, [*result.issues, _malformed(rule, result.values, formatted, ctx)])
    return result


def _aggregate(rule: pd.Series, transform: str, sources: list[str], ctx: LoadContext) -> FieldResult:
    table, column = split_field(sources[0])
    frame = ctx.group_rows if table == ctx.source_table else ctx.sources.lookup_table(table)
    if transform == "earliest_attended_date":  # only the appointments the patient was seen at
        status = frame[split_field(sources[1])[1]].astype("string").str.strip()
        seen = status.map(ctx.crosswalks[ATTENDANCE_CROSSWALK]).isin(SEEN_ATTENDANCE).fillna(False)
        frame = frame.loc[seen.to_numpy()]
    on = (
        [c for c in ctx.grain if c in frame.columns]
        if table == ctx.source_table
        else join_columns(ctx.rows, table, frame, list(ctx.grain))
    )
    if not on:
        ctx.note(
            f"{rule['target_field']}: {table} shares no key with {ctx.source_table}; field left empty",
            rule["target_field"],
        )
        return FieldResult(_empty(ctx))
    when = parse_legacy_dates(frame[column], "auto")
    grouped = pd.DataFrame({c: frame[c].astype("string") for c in on}).assign(_when=when)
    latest = transform.startswith("latest")
    by = grouped.groupby(on, dropna=False)["_when"]
    agg = by.max() if latest else by.min()
    if transform == "latest_datetime":
        open_ended = by.apply(lambda s: s.isna().any())  # a pathway with an open period has no end yet
        agg = agg.mask(open_ended)
    pattern = "%d/%m/%Y %H:%M" if transform.endswith("datetime") else "%d/%m/%Y"
    if agg.empty:  # nothing to aggregate (e.g. no appointment was attended): every row blank
        return FieldResult(_empty(ctx))
    formatted = agg.dt.strftime(pattern).rename("_value").reset_index()
    left = ctx.rows[on].astype("string").reset_index(names="_row")
    merged = left.merge(formatted.astype({c: "string" for c in on}), on=on, how="left").set_index("_row")
    return FieldResult(merged["_value"].reindex(ctx.rows.index).astype("string"))


def _tracking_time(transform: str, sources: list[str], ctx: LoadContext) -> pd.Series:
    step_table, step_column = split_field(sources[0])
    _, when_column = split_field(sources[1])
    steps = ctx.sources.lookup_table(step_table)
    words = TRACKING_WORDS[transform.removesuffix("_hhmi")]
    wanted = steps[step_column].astype("string").str.upper().str.contains(words, regex=True)
    steps = steps.loc[wanted.fillna(False)]
    on = join_columns(ctx.rows, step_table, steps, [])
    if not on:
        ctx.note(f"{transform}: {step_table} shares no key with {ctx.source_table}; field left empty")
        return _empty(ctx)
    when = format_datetime_ddmmyyyy_hhmi(_last_row(ctx, ctx.rows, step_table, steps, on, when_column))
    return when.str.slice(11, 16).mask(when.isna()) if transform.endswith("_hhmi") else when
