"""The waiting lists as the target will show them, computed from the loaded staging tables alone.

Reads ``target/staging.duckdb`` (LOAD_RTT_PERIODS, LOAD_RTT_PATHWAYS, LOAD_OPDWAITLIST, LOAD_IWL),
where dates are the guide's text (``DD/MM/YYYY`` or ``DD/MM/YYYY HH24:MI``). Target rules: a period
is running while its CLOCK_STOP is empty, a pathway is on the PTL while one of its periods runs
(status: PATHWAY_STATUS); a waiting-list entry is on the list while DATE_REMOVED is empty and its
STATUS is not a closed one. Each row is tied back to its source entity through the key registry
(record number -> the source's grain key), the only link between the two computations.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from qvh_migration.reports.waiting_list_source import (
    INPATIENT_LIST,
    LIST_COLUMNS,
    OUTPATIENT_LIST,
    RTT_PTL,
)

# Statuses of a waiting-list entry that is off the list: A (attended / admitted), C (cancelled or
# removed), as the mapping's status value lists use them (W/D/L/A/N/C).
CLOSED_STATUSES = ("A", "C")
# Statuses of an entry that is waiting: W waiting, D deferred, L booked, N admitted but not treated
# (the operation was cancelled on the day: the patient still waits for it, guide pp. 66 and 71).
WAITING_STATUSES = ("W", "D", "L", "N")


def _date(column: str) -> str:
    """SQL parsing one of the guide's date texts (NULL when empty or not a date)."""
    return (
        f"coalesce(try_strptime(nullif(trim({column}), ''), '%d/%m/%Y %H:%M'), "
        f"try_strptime(nullif(trim({column}), ''), '%d/%m/%Y'))"
    )


def _keys(registry: pd.DataFrame, table: str) -> pd.DataFrame:
    rows = registry.loc[registry["target_table"] == table, ["record_number", "grain_key"]]
    return rows.astype({"record_number": "int64", "grain_key": "string"})


def _query(con: duckdb.DuckDBPyConnection, sql: str, keys: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    con.register("registry_keys", keys)
    try:
        return con.execute(sql, [as_of.date()]).df()
    finally:
        con.unregister("registry_keys")


def target_rtt_ptl(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Pathways with a running period: clock start of the latest running period, the pathway's status."""
    sql = f"""
        WITH running AS (
            SELECT LOADRTTPWY_RECORD_NUMBER AS pathway, max({_date("CLOCK_START")}) AS clock_start
            FROM LOAD_RTT_PERIODS
            WHERE nullif(trim(CLOCK_STOP), '') IS NULL
            GROUP BY LOADRTTPWY_RECORD_NUMBER
        )
        SELECT k.grain_key AS entity_key, w.MAIN_CRN AS patient_key, w.PATHWAY_ID AS pathway_key,
               r.clock_start, w.PATHWAY_STATUS AS status,
               CAST(floor(date_diff('day', CAST(r.clock_start AS DATE), CAST(? AS DATE)) / 7) AS BIGINT) AS weeks_waited
        FROM running r
        JOIN LOAD_RTT_PATHWAYS w ON w.RECORD_NUMBER = r.pathway
        LEFT JOIN registry_keys k ON k.record_number = w.RECORD_NUMBER
    """
    return _finish(RTT_PTL, _query(con, sql, _keys(registry, "LOAD_RTT_PATHWAYS"), as_of))


def _waiting_list(
    con: duckdb.DuckDBPyConnection,
    registry: pd.DataFrame,
    as_of: pd.Timestamp,
    table: str,
    date_column: str | None,
) -> pd.DataFrame:
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    start = _date(date_column) if date_column else "CAST(NULL AS TIMESTAMP)"
    sql = f"""
        SELECT k.grain_key AS entity_key, e.MAIN_CRN AS patient_key, CAST(NULL AS VARCHAR) AS pathway_key,
               {start} AS clock_start, e.STATUS AS status,
               CAST(floor(date_diff('day', CAST({start} AS DATE), CAST(? AS DATE)) / 7) AS BIGINT) AS weeks_waited
        FROM {table} e
        LEFT JOIN registry_keys k ON k.record_number = e.RECORD_NUMBER
        WHERE nullif(trim(e.DATE_REMOVED), '') IS NULL
          AND coalesce(trim(e.STATUS), '') NOT IN ({closed})
    """
    return _query(con, sql, _keys(registry, table), as_of)


def target_outpatient_list(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """LOAD_OPDWAITLIST entries on the list; the table holds no date on list, so no wait is computed."""
    return _finish(OUTPATIENT_LIST, _waiting_list(con, registry, as_of, "LOAD_OPDWAITLIST", None))


def target_inpatient_list(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """LOAD_IWL entries on the list, waiting since WAITLIST_DATE."""
    return _finish(INPATIENT_LIST, _waiting_list(con, registry, as_of, "LOAD_IWL", "WAITLIST_DATE"))


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "list", name)
    frame["clock_start"] = pd.to_datetime(frame["clock_start"])
    frame["weeks_waited"] = frame["weeks_waited"].astype("Int64")
    for column in ("entity_key", "patient_key", "pathway_key", "status"):
        frame[column] = frame[column].astype("string")
    return frame[list(LIST_COLUMNS)].reset_index(drop=True)


def _state(con: duckdb.DuckDBPyConnection, sql: str, keys: pd.DataFrame) -> dict[str, dict[str, str]]:
    con.register("registry_keys", keys)
    try:
        frame = con.execute(sql).df()
    finally:
        con.unregister("registry_keys")
    frame = frame.dropna(subset=["entity_key"]).drop_duplicates("entity_key", keep="last")
    fields = [c for c in frame.columns if c != "entity_key"]
    values = frame[fields].astype("string").fillna("")
    return {
        str(k): dict(zip(fields, row, strict=True))
        for k, row in zip(frame["entity_key"], values.itertuples(index=False), strict=True)
    }


def rtt_state(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Each loaded pathway's latest period stop (what takes it off the target's PTL)."""
    sql = f"""
        SELECT k.grain_key AS entity_key,
               arg_max(p.CLOCK_STOP, {_date("p.CLOCK_START")}) AS "LOAD_RTT_PERIODS.CLOCK_STOP"
        FROM LOAD_RTT_PATHWAYS w
        JOIN registry_keys k ON k.record_number = w.RECORD_NUMBER
        LEFT JOIN LOAD_RTT_PERIODS p ON p.LOADRTTPWY_RECORD_NUMBER = w.RECORD_NUMBER
        GROUP BY k.grain_key
    """
    return _state(con, sql, _keys(registry, "LOAD_RTT_PATHWAYS"))


def list_state(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, table: str) -> dict[str, dict[str, str]]:
    """Each loaded waiting-list entry's STATUS and DATE_REMOVED (what takes it off the target list)."""
    sql = f"""
        SELECT k.grain_key AS entity_key, e.STATUS AS "{table}.STATUS", e.DATE_REMOVED AS "{table}.DATE_REMOVED"
        FROM {table} e JOIN registry_keys k ON k.record_number = e.RECORD_NUMBER
    """
    return _state(con, sql, _keys(registry, table))
