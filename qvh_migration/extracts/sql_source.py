"""Extracts read from a SQL database copy of the legacy system, named by a SQLAlchemy URL.

One table per source table (any case of the name), checked against the source catalog before
a row is read: a missing or unknown column, or a column whose type would have lost the legacy
text, names the table and column, and nothing is written. Rows are fetched with a server-side
cursor in batches of ``BATCH_ROWS`` and kept as Arrow text, so Python never holds a driver's
row tuples or object columns for a whole table, only the compact text the extracts need.

Why text columns only: the extracts are the legacy export's text (``CCYYMMDD`` dates, codes and
hospital numbers with leading zeros). A copy whose column is numeric or a real date has already
re-typed the value, and which spelling the legacy system held can no longer be told.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from qvh_migration.errors import CatalogContractError, MigrationInputError
from qvh_migration.extracts.readers import catalog_columns, conform_to_catalog
from qvh_migration.io.secrets import DatabaseUrlError, parse_database_url, scrub

BATCH_ROWS = 50_000
TEXT_TYPES = ("CHAR", "VARCHAR", "TEXT", "STRING", "CLOB", "NCHAR", "NVARCHAR", "NTEXT", "CITEXT")


class SourceDatabaseError(MigrationInputError):
    """The source database refused, was unreachable, or its tables do not match the catalog."""


def sqlalchemy_url(url: str) -> str:
    """The URL as SQLAlchemy should read it: password percent-encoded (an ``@`` in it must not end the
    user information early), and PostgreSQL through psycopg 3, the one PostgreSQL driver installed."""
    if url.startswith("duckdb:") or url.startswith("sqlite:"):
        return url  # file databases: no authority to parse
    parsed = parse_database_url(url, "QVH_SOURCE_URL")
    driver_url = parsed.for_driver()
    if parsed.scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return "postgresql+psycopg" + driver_url[len(parsed.scheme) :]
    return driver_url


def describe_source(url: str) -> str:
    """``source database dialect user@host:port/database``: no password."""
    try:
        parts = parse_database_url(url)
    except DatabaseUrlError:
        return "source database (URL withheld: it could not be parsed)"
    user = f"{parts.user}@" if parts.user else ""
    port = f":{parts.port}" if parts.port else ""
    return f"source database {parts.scheme.split('+')[0]} {user}{parts.host}{port}{parts.path}"


def _first_line(exc: BaseException, url: str = "") -> str:
    text = scrub(str(getattr(exc, "orig", None) or exc), url)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def connect_engine(url: str):
    """An engine that has connected once (the preflight): bad credentials fail here, clearly."""
    import sqlalchemy as sa

    where = describe_source(url)
    try:
        engine = sa.create_engine(sqlalchemy_url(url))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as exc:
        raise SourceDatabaseError("QVH_SOURCE_URL", f"not a usable SQLAlchemy URL ({_first_line(exc, url)})") from None
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except (sa.exc.SQLAlchemyError, ValueError) as exc:
        engine.dispose()
        raise SourceDatabaseError(where, f"cannot connect: {_first_line(exc, url)}") from None
    return engine


def check_source_url(url: str) -> None:
    """The preflight: connect once and let go."""
    connect_engine(url).dispose()


def _column_types(inspector, table: str) -> dict[str, str]:
    return {str(c["name"]): str(c["type"]) for c in inspector.get_columns(table)}


def check_table(where: str, table: str, types: dict[str, str], expected: list[str]) -> None:
    """Every catalog column present, none unknown, every one a text type; else name them."""
    by_lower = {name.lower(): name for name in types}
    missing = [c for c in expected if c.lower() not in by_lower]
    if missing:
        raise CatalogContractError(where, f"table {table} lacks catalog column(s) {', '.join(missing[:10])}")
    known = {c.lower() for c in expected}
    unknown = [name for name in types if name.lower() not in known]
    if unknown:
        raise CatalogContractError(
            where, f"table {table} has column(s) the catalog does not know: {', '.join(unknown[:10])}"
        )
    for column in expected:
        declared = types[by_lower[column.lower()]]
        if not declared.upper().startswith(TEXT_TYPES):
            raise CatalogContractError(
                where,
                f"table {table} column {column} is {declared}; extracts are the legacy text, so it must be a "
                "character type",
            )


def read_sql_extracts(
    url: str, source_catalog: pd.DataFrame, tables: Iterable[str], batch_rows: int = BATCH_ROWS
) -> dict[str, pd.DataFrame]:
    """Every table checked first (nothing read if one is wrong), then read in batches."""
    import sqlalchemy as sa

    where = describe_source(url)
    engine = connect_engine(url)
    try:
        inspector = sa.inspect(engine)
        present = {name.upper(): name for name in inspector.get_table_names()}
        plan: dict[str, tuple[str, list[str]]] = {}
        for table in tables:
            if table.upper() not in present:
                raise SourceDatabaseError(where, f"no table {table} in the source database")
            expected = catalog_columns(source_catalog, table)
            types = _column_types(inspector, present[table.upper()])
            check_table(where, table, types, expected)
            by_lower = {name.lower(): name for name in types}
            plan[table] = (present[table.upper()], [by_lower[c.lower()] for c in expected])
        return {
            table: conform_to_catalog(_read_batches(engine, name, columns, batch_rows), expected, where, table)
            for table, (name, columns) in plan.items()
            for expected in [catalog_columns(source_catalog, table)]
        }
    except sa.exc.SQLAlchemyError as exc:
        raise SourceDatabaseError(where, f"reading failed: {_first_line(exc, url)}") from None
    finally:
        engine.dispose()


def _read_batches(engine, table: str, columns: list[str], batch_rows: int) -> pd.DataFrame:
    import sqlalchemy as sa

    query = sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(table))
    batches: list[pa.Table] = []
    with engine.connect().execution_options(stream_results=True, max_row_buffer=batch_rows) as connection:
        result = connection.execute(query)
        while rows := result.fetchmany(batch_rows):
            # Column by column into Arrow text: the row tuples of one batch are all Python holds.
            arrays = [pa.array([row[i] for row in rows], type=pa.string()) for i in range(len(columns))]
            batches.append(pa.Table.from_arrays(arrays, names=columns))
    if not batches:
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    return pa.concat_tables(batches).to_pandas(types_mapper=lambda _: pd.StringDtype("pyarrow"))
