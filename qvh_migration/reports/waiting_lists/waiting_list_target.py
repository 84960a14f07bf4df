"""The waiting lists as the target will show them, computed from the loaded staging tables alone.

Reads ``target/staging.duckdb`` (LOAD_RTT_PERIODS, LOAD_RTT_PATHWAYS, LOAD_OPDWAITLIST, LOAD_IWL),
where dates are the guide's text (``DD/MM/YYYY`` or ``DD/MM/YYYY HH24:MI``). Target rules: a period
is running while its CLOCK_STOP is empty, a pathway is on the PTL while one of its periods runs
and it is not NON-RTT (PATHWAY_TYPE, or status 98; status: PATHWAY_STATUS), admitted when an
inpatient entry on the list is linked to one of its periods (LOAD_IWL.LOADRTTPRD_RECORD_NUMBER);
an outpatient entry is due from its TARGET_DATE, the only date the guide gives an entry on the list
(LOAD_OPDWAITLIST, guide pp. 48-51), an inpatient entry from its WAITLIST_DATE; a waiting-list
entry is on the list while DATE_REMOVED is empty and its STATUS is not a closed one. Each row is
tied back to its source entity through the key registry (record number -> the source's grain key),
the only link between the two computations.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from qvh_migration.reports.waiting_lists.waiting_list_source import (
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


def columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """The columns of a staging table (empty when the table is absent)."""
    rows = con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]).fetchall()
    return {r[0] for r in rows}


def column_or_null(con: duckdb.DuckDBPyConnection, table: str, column: str, alias: str) -> str:
    """``alias.column``, or NULL when the table lacks the column (a hand-made or partial staging)."""
    return f"{alias}.{column}" if column in columns(con, table) else "CAST(NULL AS VARCHAR)"


def date_sql(column: str) -> str:
    """SQL parsing one of the guide's date texts (NULL when empty or not a date)."""
    return (
        f"coalesce(try_strptime(nullif(trim({column}), ''), '%d/%m/%Y %H:%M'), "
        f"try_strptime(nullif(trim({column}), ''), '%d/%m/%Y'))"
    )


def _keys(registry: pd.DataFrame, table: str) -> pd.DataFrame:
    rows = registry.loc[registry["target_table"] == table, ["record_number", "grain_key"]]
    rows = rows.astype({"record_number": "int64", "grain_key": "string"})
    # A union part's keys start with its source table (OPWLENTRY:, OPWLREMENTRY:); the lists compare
    # entries by the key the extract gives them.
    return rows.assign(grain_key=rows["grain_key"].str.replace(r"^[A-Z][A-Z0-9_]*:(?=[A-Z])", "", regex=True))


def _query(con: duckdb.DuckDBPyConnection, sql: str, keys: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    con.register("registry_keys", keys)
    try:
        return con.execute(sql, [as_of.date()]).df()
    finally:
        con.unregister("registry_keys")


def running_pathways_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of every pathway with a running period (NON-RTT ones included): pathway, clock_start,
    status, non_rtt, admitted."""
    pathway_type = column_or_null(con, "LOAD_RTT_PATHWAYS", "PATHWAY_TYPE", "w")
    linked = column_or_null(con, "LOAD_IWL", "LOADRTTPRD_RECORD_NUMBER", "e")
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    iwl = (
        f"SELECT DISTINCT p.LOADRTTPWY_RECORD_NUMBER AS pathway FROM LOAD_IWL e "
        f"JOIN LOAD_RTT_PERIODS p ON p.RECORD_NUMBER = {linked} "
        f"WHERE nullif(trim(e.DATE_REMOVED), '') IS NULL AND coalesce(trim(e.STATUS), '') NOT IN ({closed})"
        if columns(con, "LOAD_IWL")
        else "SELECT CAST(NULL AS BIGINT) AS pathway WHERE false"
    )
    return f"""
        WITH running AS (
            SELECT LOADRTTPWY_RECORD_NUMBER AS pathway, max({date_sql("CLOCK_START")}) AS clock_start
            FROM LOAD_RTT_PERIODS
            WHERE nullif(trim(CLOCK_STOP), '') IS NULL
            GROUP BY LOADRTTPWY_RECORD_NUMBER
        ), admitted AS ({iwl})
        SELECT w.RECORD_NUMBER AS pathway, w.MAIN_CRN, w.PATHWAY_ID, r.clock_start, w.PATHWAY_STATUS AS status,
               coalesce(trim({pathway_type}) = 'NON-RTT', false) OR coalesce(trim(w.PATHWAY_STATUS) = '98', false)
                   AS non_rtt,
               w.RECORD_NUMBER IN (SELECT pathway FROM admitted) AS admitted
        FROM running r
        JOIN LOAD_RTT_PATHWAYS w ON w.RECORD_NUMBER = r.pathway
    """


def target_rtt_ptl(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """RTT pathways with a running period: clock start of the latest running period, the pathway's
    status, admitted or not."""
    sql = f"""
        SELECT k.grain_key AS entity_key, r.MAIN_CRN AS patient_key, r.PATHWAY_ID AS pathway_key,
               r.clock_start, r.status,
               CAST(floor(date_diff('day', CAST(r.clock_start AS DATE), CAST(? AS DATE)) / 7) AS BIGINT)
                   AS weeks_waited,
               CASE WHEN r.admitted THEN 'admitted' ELSE 'non_admitted' END AS ptl_type
        FROM ({running_pathways_sql(con)}) r
        LEFT JOIN registry_keys k ON k.record_number = r.pathway
        WHERE NOT r.non_rtt
    """
    return _finish(RTT_PTL, _query(con, sql, _keys(registry, "LOAD_RTT_PATHWAYS"), as_of))


def _waiting_list(
    con: duckdb.DuckDBPyConnection,
    registry: pd.DataFrame,
    as_of: pd.Timestamp,
    table: str,
    date_column: str,
) -> pd.DataFrame:
    closed = ", ".join(f"'{s}'" for s in CLOSED_STATUSES)
    start = date_sql(column_or_null(con, table, date_column, "e"))
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
    """LOAD_OPDWAITLIST entries on the list, due from their TARGET_DATE (the table holds no date on list)."""
    return _finish(OUTPATIENT_LIST, _waiting_list(con, registry, as_of, "LOAD_OPDWAITLIST", "TARGET_DATE"))


def target_inpatient_list(con: duckdb.DuckDBPyConnection, registry: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """LOAD_IWL entries on the list, waiting since WAITLIST_DATE."""
    return _finish(INPATIENT_LIST, _waiting_list(con, registry, as_of, "LOAD_IWL", "WAITLIST_DATE"))


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame.insert(0, "list", name)
    frame["clock_start"] = pd.to_datetime(frame["clock_start"])
    frame["weeks_waited"] = frame["weeks_waited"].astype("Int64")
    if "ptl_type" not in frame.columns:
        frame["ptl_type"] = pd.NA
    frame["legacy_weeks"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["recorded_start"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for column in ("entity_key", "patient_key", "pathway_key", "status", "ptl_type"):
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
               arg_max(p.CLOCK_STOP, {date_sql("p.CLOCK_START")}) AS "LOAD_RTT_PERIODS.CLOCK_STOP"
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
