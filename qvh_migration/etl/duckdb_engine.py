"""The DuckDB engine: a table part's SQL-form fields computed in one SELECT over the prepared rows.

The executor (``etl/executor.py``) asks ``plan_fields.classify`` how each contract row is filled; the
fields whose plan holds an SQL expression (engine ``duckdb``) are computed here, all at once, over the
rows the pandas engine would evaluate them on (registered as an Arrow table in an in-memory DuckDB).
The rest go through ``fields.evaluate`` as before: the pandas engine stays the reference.

A field keeps every issue ``fields.evaluate`` would raise for it: of the SQL forms only the legacy
dates raise one (``malformed_date``: a held value that gives no date), found here in pandas from the
raw column and the SQL's value exactly as ``evaluate`` finds it. The checks on the finished values
(length, date format, mandatory) run afterwards on every field alike, whichever engine computed it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from qvh_migration.etl.fields import DATE_TRANSFORMS, FieldResult, LoadContext, _malformed
from qvh_migration.etl.plan_fields import FieldPlan, classify
from qvh_migration.etl.sql_forms import process_database
from qvh_migration.mapping.transforms_coding import CODE_SHAPES
from qvh_migration.mapping.transforms_identity import INVALID_INPUT_WARNINGS

ENGINES = ("duckdb", "pandas")
DEFAULT_ENGINE = "duckdb"
# lookup_engine: the engine that read another table's last row for the field (a lookup), "" if none.
ENGINE_COLUMNS = ("target_table", "source_table", "target_field", "kind", "engine", "lookup_engine")
_IDENTIFIER = re.compile(r'"((?:[^"]|"")*)"')
_ROWS = "part_rows"


def field_plans(rules: pd.DataFrame, source_table: str, grain: Sequence[str], system_code: str) -> list[FieldPlan]:
    """The plan of each rule (in the rules' order) as the rows of ``source_table`` execute it."""
    return [classify(rule, source_table, tuple(grain), system_code) for rule in rules.to_dict("records")]


def runs_in_sql(plan: FieldPlan) -> bool:
    """The plan holds the field's SQL and no issue ``evaluate`` raises for it is beyond this engine."""
    beyond = plan.transform in INVALID_INPUT_WARNINGS or plan.transform in CODE_SHAPES
    return plan.engine == "duckdb" and not beyond


def _columns_of(expressions: Sequence[str], available: pd.Index) -> list[str]:
    """The source columns the expressions read (their quoted identifiers), in the rows' order."""
    named = {m.replace('""', '"') for e in expressions for m in _IDENTIFIER.findall(e)}
    return [c for c in available if c in named]


def _arrow_rows(rows: pd.DataFrame, columns: list[str]) -> pa.Table:
    # Each column as text, as fields.evaluate reads it (``ctx.rows[column].astype("string")``).
    arrays = [pa.array(rows[c].astype("string"), type=pa.string(), from_pandas=True) for c in columns]
    return pa.Table.from_arrays(arrays, names=columns) if columns else pa.table({"_n": pa.nulls(len(rows))})


def sql_values(rows: pd.DataFrame, plans: Sequence[FieldPlan]) -> list[pd.Series]:
    """Each plan's values over ``rows`` (in their order, on their index) from one DuckDB SELECT."""
    if not plans:
        return []
    expressions = [p.sql for p in plans]
    table = _arrow_rows(rows, _columns_of(expressions, rows.columns))
    select = ", ".join(f"CAST({e} AS VARCHAR) AS f{i}" for i, e in enumerate(expressions))
    with process_database().cursor() as con:
        con.register(_ROWS, table)
        # A projection keeps the scan's row order (DuckDB preserves insertion order by default).
        result = con.sql(f"SELECT {select} FROM {_ROWS}").to_arrow_table()
        con.unregister(_ROWS)
    # Arrow text straight into pandas' Arrow-backed strings: the dtype fields.evaluate gives.
    return [pd.Series(pd.arrays.ArrowStringArray(result.column(i)), index=rows.index) for i in range(len(plans))]


def sql_result(rule: pd.Series, plan: FieldPlan, values: pd.Series, ctx: LoadContext) -> FieldResult:
    """The field's values from SQL with the issues ``fields.evaluate`` raises for the same rule."""
    transform = str(rule["transform"])
    dated = transform.startswith(DATE_TRANSFORMS) if transform else plan.kind == "direct" and plan.data_type == "DATE"
    if not dated or not plan.source_fields:
        return FieldResult(values)
    raw = ctx.rows[plan.source_fields[0].split(".", 1)[1]].astype("string")
    return FieldResult(values, [_malformed(rule, raw, values, ctx)])


def engine_rows(
    target_table: str,
    source_table: str,
    plans: Sequence[FieldPlan],
    ran: Sequence[str],
    looked: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Which engine computed each field of one table part, and which read its lookups (``looked``)."""
    return pd.DataFrame(
        {
            "target_table": target_table,
            "source_table": source_table,
            "target_field": [p.target_field for p in plans],
            "kind": [p.kind for p in plans],
            "engine": list(ran),
            "lookup_engine": list(looked) if looked is not None else "",
        },
        columns=list(ENGINE_COLUMNS),
    ).astype("string")


def engine_counts(engines: pd.DataFrame) -> dict[str, int]:
    """Fields per engine over every part of a table."""
    counts = engines["engine"].value_counts() if not engines.empty else pd.Series(dtype="int64")
    return {engine: int(counts.get(engine, 0)) for engine in ENGINES}
