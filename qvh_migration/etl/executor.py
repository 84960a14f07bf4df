"""Execute one target table's contract rows over the source extracts.

Every source row considered ends in exactly one of three places, and the counts reconcile:
*loaded* (into the table), *rejected* (a fault in the row: one reject row per reason), or
*filtered* (the row belongs elsewhere or is not migrated: deleted, merged away, archived, ...).
A table loaded from a union of source tables (``etl/union.py``) loads each part this way and
reports each under its own source table: one load summary row per part.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl import duckdb_engine
from qvh_migration.etl.fields import ISSUE_COLUMNS, VALUE_STANDS_REASONS, LoadContext, evaluate
from qvh_migration.etl.key_registry import numbers_of
from qvh_migration.etl.patient_link import patient_issues
from qvh_migration.etl.row_checks import row_check_issues
from qvh_migration.etl.row_sources import RowSource, RowSources, RowSourceUnion
from qvh_migration.etl.source_keys import duplicate_key_issues
from qvh_migration.etl.source_rules import FILTER_REASON, GRAIN_KEY, SOURCE_KEY, prepare_rows
from qvh_migration.etl.sources import SourceTables
from qvh_migration.etl.union import combined_table, part_rules
from qvh_migration.etl.validation import validate_fields
from qvh_migration.io.arrow_text import is_in
from qvh_migration.io.masking import identifier_fields, is_identifier_column, mask_values

REJECT_COLUMNS = (
    "run_id",
    "target_table",
    "source_table",
    "source_key",
    "rule_id",
    "field",
    "reason_code",
    "message",
    "value_masked",
)
OUTCOME_COLUMNS = ("record_number", "outcome", "reason")
SUMMARY_COLUMNS = (
    "target_table",
    "source_table",
    "source_rows",
    "loaded_rows",
    "rejected_rows",
    "filtered_rows",
    "filter_reasons",
    "target_rows",
    "seconds",
    "note",
)


@dataclass
class TableLoad:
    """The outcome of one partition: the table as loaded, its rejects, warnings and counts."""

    target_table: str
    table: pd.DataFrame
    rejects: pd.DataFrame
    warnings: pd.DataFrame
    summary: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    # record_number, outcome (loaded/rejected/filtered), reason: what child tables link against.
    outcomes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(OUTCOME_COLUMNS)))
    # Fields holding an identifier by name or by source (io/masking.identifier_fields): masked when shown.
    identifier_fields: frozenset[str] = frozenset()
    # Which engine computed each field of each part (duckdb_engine.ENGINE_COLUMNS).
    engines: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(duckdb_engine.ENGINE_COLUMNS)))

    @property
    def engine_counts(self) -> dict[str, int]:
        return duckdb_engine.engine_counts(self.engines)

    @property
    def totals(self) -> pd.Series:
        """The summary as one row: a union table's parts' counts added up, their source tables listed."""
        if len(self.summary) == 1:
            return self.summary.iloc[0]
        counts = ["source_rows", "loaded_rows", "rejected_rows", "filtered_rows", "target_rows", "seconds"]
        total = self.summary[counts].sum()
        texts = {
            c: "; ".join(t for t in self.summary[c].astype(str) if t)
            for c in ("source_table", "filter_reasons", "note")
        }
        return pd.Series({"target_table": self.target_table, **texts, **total.to_dict()})[list(SUMMARY_COLUMNS)]

    @property
    def conserved(self) -> bool:
        s = self.summary
        return bool((s["source_rows"] == s["loaded_rows"] + s["rejected_rows"] + s["filtered_rows"]).all())


def empty_issues(run_id: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in REJECT_COLUMNS}).assign(run_id=run_id)


def table_rules(contract: pd.DataFrame, target_fields: pd.DataFrame, target_table: str) -> pd.DataFrame:
    """One table's contract rows in the guide's field order, with each field's guide comment."""
    rules = contract.loc[contract["target_table"] == target_table].copy()
    fields = target_fields.loc[target_fields["table_name"] == target_table, ["field_name", "comment"]]
    comments = dict(zip(fields["field_name"], fields["comment"].fillna(""), strict=True))
    rules["comment"] = rules["target_field"].map(comments).fillna("")
    rules["field_order"] = pd.to_numeric(rules["field_order"])
    return rules.sort_values("field_order", kind="stable").reset_index(drop=True)


def load_table(
    target_table: str,
    contract: pd.DataFrame,
    row_sources: RowSources,
    sources: SourceTables,
    crosswalks: dict[str, pd.Series],
    numbers: dict[str, pd.Series],
    *,
    impute_mode: str = "strict",
    run_id: str = "",
    parent_outcomes: Callable[[str], pd.DataFrame | None] | None = None,
    engine: str = duckdb_engine.DEFAULT_ENGINE,
) -> TableLoad:
    """Load one table: ``contract`` holds that table's rows, in the guide's field order.

    ``engine`` duckdb computes the fields that have an SQL form in DuckDB and the rest in pandas;
    pandas computes every field in pandas (the reference). Both give the same table and issues."""
    if engine not in duckdb_engine.ENGINES:
        raise MigrationInputError("run config", f"engine {engine!r} is not one of {', '.join(duckdb_engine.ENGINES)}")
    started = time.perf_counter()
    rules = contract.sort_values("field_order", kind="stable").reset_index(drop=True)
    spec = row_sources[target_table]
    common = (row_sources, sources, crosswalks, numbers, impute_mode, run_id, parent_outcomes, engine)
    if isinstance(spec, RowSourceUnion):
        parts = [
            _load_source(
                target_table, part_rules(rules, spec, part, row_sources.path, sources.catalog_columns), part, *common
            )
            for part in spec.parts
        ]
        return _combined(target_table, parts)
    return _load_source(target_table, rules, spec, *common, started=started)


def _load_source(
    target_table: str,
    rules: pd.DataFrame,
    spec: RowSource,
    row_sources: RowSources,
    sources: SourceTables,
    crosswalks: dict[str, pd.Series],
    numbers: dict[str, pd.Series],
    impute_mode: str,
    run_id: str,
    parent_outcomes: Callable[[str], pd.DataFrame | None] | None,
    engine: str,
    started: float | None = None,
) -> TableLoad:
    """Load a table's rows from one source table (the table itself, or one part of a union)."""
    started = time.perf_counter() if started is None else started
    columns = list(rules["target_field"])
    if not spec.loads_rows or not sources.has(str(spec.source_table)):
        note = spec.rationale if not spec.loads_rows else f"source table {spec.source_table} not in the extracts"
        return _empty_load(target_table, str(spec.source_table or ""), columns, note, run_id, started)
    source_table = str(spec.source_table)
    prepared = prepare_rows(spec, sources.raw(source_table), sources.survivors, sources.districts)
    candidates = prepared.loc[prepared[FILTER_REASON].eq("")]
    rows = candidates.drop_duplicates(GRAIN_KEY, keep="first")
    unknown = ~is_in(rows[GRAIN_KEY], numbers.get(target_table, pd.Series(dtype="int64")).index)
    if unknown.any():
        raise MigrationInputError(
            "target/key_registry.parquet",
            f"{int(unknown.sum())} {source_table} row(s) have no record number for {target_table}; "
            "the extracts changed since the registry was built: materialise key_registry first",
        )
    ctx = LoadContext(
        target_table, source_table, rows, candidates, spec.grain, sources, crosswalks, row_sources, numbers, impute_mode
    )
    if parent_outcomes is not None:
        ctx.parent_outcomes = parent_outcomes
    ctx.engine = engine
    values: dict[str, pd.Series] = {}
    found: list[pd.DataFrame] = [duplicate_key_issues(candidates, rows, SOURCE_KEY, GRAIN_KEY)]
    plans = duckdb_engine.field_plans(rules, source_table, spec.grain, row_sources.system_code)
    ran = ["duckdb" if engine == "duckdb" and duckdb_engine.runs_in_sql(p) else "pandas" for p in plans]
    in_sql = iter(duckdb_engine.sql_values(rows, [p for p, e in zip(plans, ran, strict=True) if e == "duckdb"]))
    # Rules are taken in order whichever engine computed them, so issues come out in the same order.
    looked: list[str] = []  # the engine of the field's reads of another table's last row ("" for none)
    for (_, rule), plan, used in zip(rules.iterrows(), plans, ran, strict=True):
        ctx.lookups.clear()
        result = duckdb_engine.sql_result(rule, plan, next(in_sql), ctx) if used == "duckdb" else evaluate(rule, ctx)
        looked.append(ctx.lookups[-1] if ctx.lookups else "")
        values[rule["target_field"]] = result.values
        found += [f for f in result.issues if not f.empty]
    table = pd.DataFrame(values, index=rows.index, columns=columns)
    found.append(patient_issues(target_table, rules, rows, table, ctx.numbers, ctx.parent_outcomes))
    table, checked = validate_fields(table, rules, ctx)
    found += [f for f in checked if not f.empty]
    issues = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(ISSUE_COLUMNS))
    issues = _downgrade_suggested(issues, rules)
    table = _empty_warned_fields(table, issues)
    across = row_check_issues(target_table, table)
    if across:  # dates the guide orders, an RTT action without its period
        issues = pd.concat([issues, *across], ignore_index=True)
        table = _empty_warned_fields(table, issues)
    load = _assemble(target_table, source_table, rules, prepared, rows, table, issues, ctx, run_id, started)
    load.engines = duckdb_engine.engine_rows(target_table, source_table, plans, ran, looked)
    return load


def _combined(target_table: str, parts: list[TableLoad]) -> TableLoad:
    """One load of a union table: its parts' rows, rejects and warnings, one summary row per part."""
    outcomes = [p.outcomes for p in parts if not p.outcomes.empty]
    return TableLoad(
        target_table,
        combined_table([p.table for p in parts]),
        pd.concat([p.rejects for p in parts], ignore_index=True),
        pd.concat([p.warnings for p in parts], ignore_index=True),
        pd.concat([p.summary for p in parts], ignore_index=True),
        list(dict.fromkeys(n for p in parts for n in p.notes)),
        pd.concat(outcomes, ignore_index=True) if outcomes else parts[0].outcomes,
        frozenset().union(*(p.identifier_fields for p in parts)),
        pd.concat([p.engines for p in parts], ignore_index=True),
    )


def _downgrade_suggested(issues: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """A rule nobody has approved (a matcher suggestion) never rejects a row: it warns instead.

    Rejecting patients' records because of an unreviewed guess would hide the guess's error
    behind the data's; the warning names the field so the reviewer sees it.
    """
    suggested = set(rules.loc[rules["status"] != "approved", "target_field"])
    downgrade = issues["field"].isin(suggested) & issues["action"].eq("reject")
    return issues.assign(action=issues["action"].mask(downgrade, "warn"))


def _empty_warned_fields(table: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """Fields loaded with a warning are loaded empty, never with the value that failed (except a rule's
    decided "not known" code or a referral found by date: the values the rule says to load)."""
    warned = issues.loc[
        issues["action"].eq("warn") & ~issues["reason_code"].isin(VALUE_STANDS_REASONS), ["row", "field"]
    ]
    for name, rows in warned.groupby("field")["row"]:
        table.loc[table.index.isin(rows), name] = pd.NA
    return table


def _assemble(
    target_table: str,
    source_table: str,
    rules: pd.DataFrame,
    prepared: pd.DataFrame,
    rows: pd.DataFrame,
    table: pd.DataFrame,
    issues: pd.DataFrame,
    ctx: LoadContext,
    run_id: str,
    started: float,
) -> TableLoad:
    filtered_rows = set(issues.loc[issues["action"] == "filter", "row"])
    rejected_rows = set(issues.loc[issues["action"] == "reject", "row"]) - filtered_rows
    # A mask, not a list of labels: selecting hundreds of thousands of rows by label costs a hash each.
    loaded = ~rows.index.isin(list(filtered_rows | rejected_rows))
    # Outcomes are decided per grain row and shared by every source row of that grain.
    outcome = pd.Series("loaded", index=rows.index, dtype="string")
    outcome[list(rejected_rows)] = "rejected"
    outcome[list(filtered_rows)] = "filtered"
    reason = pd.Series("", index=rows.index, dtype="string")
    if filtered_rows:
        first = issues.loc[issues["action"] == "filter"].drop_duplicates("row").set_index("row")["message"]
        reason[list(filtered_rows)] = first.reindex(list(filtered_rows)).astype("string").to_numpy()
    by_grain = pd.DataFrame({GRAIN_KEY: rows[GRAIN_KEY], "_outcome": outcome, "_reason": reason})
    per_source = prepared[[GRAIN_KEY, SOURCE_KEY, FILTER_REASON]].merge(by_grain, on=GRAIN_KEY, how="left")
    pre_filtered = per_source[FILTER_REASON].ne("")
    per_source.loc[pre_filtered, "_outcome"] = "filtered"
    per_source.loc[pre_filtered, "_reason"] = per_source.loc[pre_filtered, FILTER_REASON]
    counts = per_source["_outcome"].value_counts()
    reasons = per_source.loc[per_source["_outcome"] == "filtered", "_reason"].value_counts()
    rejects = _issue_rows(issues, "reject", rejected_rows, rows, prepared, target_table, source_table, rules, run_id)
    loaded_rows = set(rows.index[loaded])
    warnings = _issue_rows(issues, "warn", loaded_rows, rows, prepared, target_table, source_table, rules, run_id)
    warned = warnings
    if ctx.table_warnings:
        table_level = pd.DataFrame(
            {
                "run_id": run_id,
                "target_table": target_table,
                "source_table": source_table,
                "source_key": "",
                "rule_id": "",
                "field": "",
                "reason_code": "table_note",
                "message": ctx.table_warnings,
                "value_masked": "",
            }
        )
        warned = pd.concat([warnings, table_level], ignore_index=True).astype("string")
    finished = _finish_table(table.loc[loaded], rules)
    summary = pd.DataFrame(
        [
            {
                "target_table": target_table,
                "source_table": source_table,
                "source_rows": len(prepared),
                "loaded_rows": int(counts.get("loaded", 0)),
                "rejected_rows": int(counts.get("rejected", 0)),
                "filtered_rows": int(counts.get("filtered", 0)),
                "filter_reasons": "; ".join(f"{r}: {n}" for r, n in reasons.items()),
                "target_rows": len(finished),
                "seconds": round(time.perf_counter() - started, 3),
                "note": "; ".join(ctx.table_warnings),
            }
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    numbers = numbers_of(rows[GRAIN_KEY], ctx.numbers.get(target_table, pd.Series(dtype="int64")))
    outcomes = pd.DataFrame(
        {
            "record_number": numbers.astype("int64").to_numpy(),
            "outcome": outcome.to_numpy(),
            "reason": reason.to_numpy(),
        }
    )
    return TableLoad(
        target_table,
        finished,
        rejects,
        warned,
        summary,
        list(ctx.table_warnings),
        outcomes,
        frozenset(identifier_fields(rules)),
    )


def _issue_rows(
    issues: pd.DataFrame,
    action: str,
    keep: set,
    rows: pd.DataFrame,
    prepared: pd.DataFrame,
    target_table: str,
    source_table: str,
    rules: pd.DataFrame,
    run_id: str,
) -> pd.DataFrame:
    """One output row per source row and issue (a grain's issue applies to all its source rows)."""
    chosen = issues.loc[(issues["action"] == action) & issues["row"].isin(keep)]
    if chosen.empty:
        return empty_issues(run_id)
    grain = rows[GRAIN_KEY].reindex(chosen["row"]).to_numpy()
    chosen = chosen.assign(**{GRAIN_KEY: grain}).drop_duplicates(["row", "field", "reason_code"])
    expanded = chosen.merge(prepared.loc[prepared[FILTER_REASON].eq(""), [GRAIN_KEY, SOURCE_KEY]], on=GRAIN_KEY)
    # A parent link's rejected value is the parent's legacy key (a patient number), not a record number.
    links = set(rules.loc[rules["parent_table"].fillna("").astype(str).ne(""), "target_field"].astype(str))
    derived = identifier_fields(rules) | links
    identifying = expanded["field"].map(
        {f: is_identifier_column(str(f)) or str(f) in derived for f in expanded["field"].unique()}
    )
    value = expanded["value"].astype("string").fillna("")
    masked = value.where(~identifying, mask_values(value))
    rule_ids = dict(zip(rules["target_field"], rules["rule_id"], strict=True))
    return (
        pd.DataFrame(
            {
                "run_id": run_id,
                "target_table": target_table,
                "source_table": source_table,
                "source_key": expanded[SOURCE_KEY].to_numpy(),
                "rule_id": expanded["field"].map(rule_ids).fillna("").to_numpy(),
                "field": expanded["field"].to_numpy(),
                "reason_code": expanded["reason_code"].to_numpy(),
                "message": expanded["message"].to_numpy(),
                "value_masked": masked.to_numpy(),
            }
        )
        .astype("string")
        .sort_values(["source_key", "field", "reason_code"], kind="stable")
        .reset_index(drop=True)
    )


def _finish_table(table: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Exactly the catalog's columns in the guide's order; record numbers and NUMBERs as integers."""
    out = table.reset_index(drop=True).astype("string")
    for name, data_type in zip(rules["target_field"], rules["data_type"], strict=True):
        if data_type == "NUMBER":
            out[name] = pd.to_numeric(out[name], errors="coerce").astype("Float64")
            if (out[name].dropna() % 1 == 0).all():
                out[name] = out[name].astype("Int64")
    key = next((c for c in out.columns if str(c).upper() == "RECORD_NUMBER"), None)
    return out.sort_values(key, kind="stable").reset_index(drop=True) if key else out


def _empty_load(
    target_table: str, source_table: str, columns: list[str], note: str, run_id: str, started: float
) -> TableLoad:
    summary = pd.DataFrame(
        [
            {
                "target_table": target_table,
                "source_table": source_table,
                "source_rows": 0,
                "loaded_rows": 0,
                "rejected_rows": 0,
                "filtered_rows": 0,
                "filter_reasons": "",
                "target_rows": 0,
                "seconds": round(time.perf_counter() - started, 3),
                "note": note,
            }
        ],
        columns=list(SUMMARY_COLUMNS),
    )
    table = pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    return TableLoad(target_table, table, empty_issues(run_id), empty_issues(run_id), summary, [note])
