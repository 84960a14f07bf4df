"""The team's PostgreSQL staging server, loaded table by table from the partition step.

Each table loads in one transaction: create the missing staging tables (from the generated
DDL, all of them, so a child's foreign key always has its parent table), delete the table's
rows, ``COPY`` the new rows in batches, delete the rows of its dependants (children, their
children, ...) whose parent is no longer there, commit. Any failure rolls back, so the server
keeps the previous content of that table; a lost server aborts the transaction on its side the
same way.

A changed extract (a patient gone, a new one) therefore reloads: the parent's transaction takes
its dependants' rows of the parents it no longer has (the foreign keys are deferred, so they are
checked once, at commit, over the whole family), and each child's own reload, later in load
order, finds its new parents in place. A child of a removed parent could not stay anyway; the
child's own partition reloads the rest of it.

Faults surface as one line naming the server (user, host, port, database; never the password).
``preflight`` connects before any work starts, so wrong credentials or an unreachable host fail
a run before it spends minutes on the ETL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl.ddl import ForeignKey, create_table, dependant_keys, load_order, name_in, table_columns
from qvh_migration.etl.load_files import csv_batches, in_guide_order
from qvh_migration.io.secrets import DatabaseUrlError, parse_database_url, scrub

CONNECT_TIMEOUT_SECONDS = 10
DIALECT = "postgresql"


class TargetServerError(MigrationInputError):
    """The staging server refused, was unreachable, or went away during a load."""


def libpq_url(url: str) -> str:
    """A SQLAlchemy-style URL (``postgresql+psycopg://``) as libpq wants it (``postgresql://``), with the
    password percent-encoded so an ``@`` or ``:`` in it cannot move the host."""
    try:
        parts = parse_database_url(url, "QVH_TARGET_URL")
    except DatabaseUrlError as exc:
        raise TargetServerError(exc.source, exc.problem) from None
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise TargetServerError("QVH_TARGET_URL", f"not a PostgreSQL URL (scheme {parts.scheme or 'missing'})")
    return replace(parts, scheme=scheme).for_driver()


def describe_server(url: str) -> str:
    """``PostgreSQL server user@host:port/database``: enough to find it, no password."""
    try:
        parts = parse_database_url(url)
    except DatabaseUrlError:
        return "PostgreSQL server (URL withheld: it could not be parsed)"
    user = f"{parts.user}@" if parts.user else ""
    port = f":{parts.port}" if parts.port else ""
    return f"PostgreSQL server {user}{parts.host or 'localhost'}{port}{parts.path or '/'}"


def _first_line(exc: BaseException, url: str = "") -> str:
    lines = [line.strip() for line in scrub(str(exc), url).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


@dataclass(frozen=True)
class PostgresTarget:
    url: str

    @property
    def server(self) -> str:
        return describe_server(self.url)

    def connect(self):
        import psycopg

        try:
            return psycopg.connect(libpq_url(self.url), connect_timeout=CONNECT_TIMEOUT_SECONDS)
        except psycopg.Error as exc:
            raise TargetServerError(self.server, f"cannot connect: {_first_line(exc, self.url)}") from None

    def preflight(self) -> None:
        """Connect and run a query, before any work starts."""
        import psycopg

        with self.connect() as conn:
            try:
                conn.execute("SELECT 1")
            except psycopg.Error as exc:
                problem = f"connected but cannot query: {_first_line(exc, self.url)}"
                raise TargetServerError(self.server, problem) from None

    def load(
        self,
        table: str,
        frame: pd.DataFrame,
        target_fields: pd.DataFrame,
        target_tables: pd.DataFrame,
        *,
        on_batch: Callable[[int], None] | None = None,
    ) -> int:
        """Replace ``table``'s rows with ``frame`` in one transaction; returns the rows loaded.

        ``on_batch`` is called after each COPY batch is sent (the fault tests stop the server there).
        """
        import psycopg

        columns = table_columns(target_fields, table)
        data = in_guide_order(frame, columns)
        names = ", ".join(name_in(DIALECT, c.name) for c in columns)
        copy_sql = f"COPY {name_in(DIALECT, table)} ({names}) FROM STDIN (FORMAT csv)"
        conn = self.connect()
        try:
            with conn:  # commits on success, rolls back on any error
                self._create_missing(conn, target_fields, target_tables)
                conn.execute(f"DELETE FROM {name_in(DIALECT, table)}")
                with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
                    for number, chunk in enumerate(_batches(data)):
                        copy.write(chunk)
                        if on_batch:
                            on_batch(number)
                for key in dependant_keys(target_fields, target_tables, table):
                    conn.execute(orphans_delete(key))
        except psycopg.OperationalError as exc:
            raise TargetServerError(
                self.server, f"{table} not loaded, its previous content is kept: {_first_line(exc, self.url)}"
            ) from None
        except psycopg.Error as exc:
            problem = f"{table} rejected by the server, its previous content is kept: {_first_line(exc, self.url)}"
            raise TargetServerError(self.server, problem) from None
        finally:
            conn.close()
        return data.num_rows

    def _create_missing(self, conn, target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> None:
        order = load_order(target_tables)
        if not self._missing(conn, order):
            return
        # Partitions may run in parallel: one creates the tables while the others wait (the lock
        # ends with the transaction), since concurrent CREATE TABLE IF NOT EXISTS can still collide.
        # Only a run that finds tables missing takes it, so loads into existing tables never queue.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('qvh_migration staging DDL'))")
        for table in self._missing(conn, order):
            conn.execute(create_table(DIALECT, target_fields, target_tables, table, if_not_exists=True))

    @staticmethod
    def _missing(conn, order: list[str]) -> list[str]:
        present = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        }
        return [table for table in order if table.lower() not in present]

    def read_table(self, table: str) -> pd.DataFrame:
        """The table's rows as text (NULL kept as None), for tests and reconciliation."""
        with self.connect() as conn, conn.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {name_in(DIALECT, table)}")
            names = [d.name.upper() for d in cursor.description or []]
            return pd.DataFrame(cursor.fetchall(), columns=names, dtype=object)


def orphans_delete(key: ForeignKey) -> str:
    """DELETE of the rows of ``key.table`` whose parent row is not (or no longer) there."""
    child, field = name_in(DIALECT, key.table), name_in(DIALECT, key.field)
    parent, parent_key = name_in(DIALECT, key.parent), name_in(DIALECT, key.parent_key)
    return (
        f"DELETE FROM {child} AS c WHERE c.{field} IS NOT NULL "
        f"AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE p.{parent_key} = c.{field})"
    )


def _batches(data) -> Iterator[bytes]:
    return csv_batches(data, header=False)
