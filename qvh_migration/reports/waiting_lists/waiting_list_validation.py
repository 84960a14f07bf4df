"""PTL technical validation, run on both sides as a trust runs it before reporting its waiting lists.

Each check is counted once from the source extracts (legacy rules) and once from the staging
tables (target rules): PTL size and its admitted / non-admitted parts, duplicates, referrals
discharged but still open, NON-RTT pathways with a running clock, decisions to admit with no
inpatient waiting-list entry, inpatient entries with no active clock, TCI dates in the past, and
pathways over 52, 65, 78 and 104 weeks. A count that cannot be made on one side (no link held)
is blank with a note. The predicted change of each list at go-live is target minus source.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from qvh_migration.legacy.dates import parse_legacy_dates
from qvh_migration.reports.waiting_lists import waiting_list_source as src
from qvh_migration.reports.waiting_lists import waiting_list_target as tgt

VALIDATION_FILE = "waiting_list_validation.csv"
VALIDATION_COLUMNS = ("list", "check", "source_count", "target_count", "difference", "note")
OVER_WEEKS = (52, 65, 78, 104)
# The legacy clinic disposal and the staged appointment OUTCOME that record a decision to admit.
DTA_DISPOSALS = ("ADM",)
TCI_OFFERED = "2"  # WLACTIVITY.EpsActvTypeInt of a TCI offer (the generator's local codes, row_sources.yaml)
# TCI statuses that leave nothing outstanding: A admitted, C cancelled, N cancelled on the day.
CLOSED_TCI_STATUSES = ("A", "C", "N")
NO_LINK = "not measurable: RTTEPIPERIOD (episode -> RTT period) is not in the extracts"
# Counts that size a list rather than validate it: a change there is the go-live change, not new work.
SIZE_CHECKS = ("ptl_size", src.ADMITTED, src.NON_ADMITTED, "list_size")
Counts = dict[tuple[str, str], int | None]


def _size_checks(lists: dict[str, pd.DataFrame]) -> Counts:
    ptl = lists[src.RTT_PTL]
    counts: Counts = {(src.RTT_PTL, "ptl_size"): len(ptl)}
    for part in (src.ADMITTED, src.NON_ADMITTED):
        counts[(src.RTT_PTL, part)] = int(ptl["ptl_type"].eq(part).sum())
    for weeks in OVER_WEEKS:
        counts[(src.RTT_PTL, f"over_{weeks}_weeks")] = int(ptl["weeks_waited"].ge(weeks).fillna(False).sum())
    counts[(src.OUTPATIENT_LIST, "list_size")] = len(lists[src.OUTPATIENT_LIST])
    counts[(src.INPATIENT_LIST, "list_size")] = len(lists[src.INPATIENT_LIST])
    return counts


def _surplus(frame: pd.DataFrame, columns: list[str]) -> int:
    """Rows beyond the first of each group with the same values (blank values never group)."""
    keyed = frame[columns].astype("string").apply(lambda c: c.str.strip()).replace("", pd.NA).dropna()
    return int(keyed.duplicated().sum())


def _blank(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().eq("")


def _entries_key(frame: pd.DataFrame) -> pd.Series:
    return src.key_text(frame, (src.PATIENT, src.EPISODE))


def source_counts(extracts: dict[str, pd.DataFrame | None], lists: dict[str, pd.DataFrame], as_of) -> Counts:
    """Every validation count from the source extracts (None where the extracts cannot tell)."""
    counts = _size_checks(lists)
    empty = pd.DataFrame(columns=[src.PATIENT, src.EPISODE], dtype="string")
    rtt = extracts.get("RTTPERIOD")
    running = src.running_periods(rtt) if rtt is not None else pd.DataFrame(columns=["CurrentStatusInt"])
    status = src.rtt_status(running) if len(running) else pd.Series(dtype="string")
    rtt_running = running.loc[status.ne(src.NON_RTT_STATUS)] if len(running) else running
    counts[(src.RTT_PTL, "non_rtt_on_ptl")] = int(status.eq(src.NON_RTT_STATUS).sum())
    counts[(src.RTT_PTL, "duplicate_pathways")] = (
        _surplus(rtt_running, [src.PATIENT, "CurrSpec"]) if "CurrSpec" in rtt_running.columns else None
    )
    referrals = extracts.get("OPREFERRAL")
    discharged: set[str] = set()
    if referrals is not None:
        live = src.live_rows(referrals)
        gone = ~_blank(live["DischargeDt"]) if "DischargeDt" in live.columns else live["CurrentStatus"].eq("DISC")
        discharged = set(_entries_key(live.loc[gone]))
    links = extracts.get("RTTEPIPERIOD")
    if links is not None and rtt is not None:
        links = src.live_rows(links)
        on_ptl = set(lists[src.RTT_PTL]["entity_key"])
        linked = links.loc[_entries_key(links).isin(discharged)]
        counts[(src.RTT_PTL, "discharged_but_open")] = len(set(src.key_text(linked, src.PATHWAY_GRAIN)) & on_ptl)
    else:
        counts[(src.RTT_PTL, "discharged_but_open")] = None
    op = extracts.get("OPWLENTRY")
    if op is not None:
        on_op = src.live_rows(op)
        on_op = on_op.loc[
            src.key_text(on_op, src.TABLE_KEYS["OPWLENTRY"]).isin(set(lists[src.OUTPATIENT_LIST]["entity_key"]))
        ]
        counts[(src.OUTPATIENT_LIST, "duplicate_entries")] = _surplus(on_op, [src.PATIENT, "TreatmentCode"])
        counts[(src.OUTPATIENT_LIST, "discharged_but_open")] = int(_entries_key(on_op).isin(discharged).sum())
    ip = extracts.get("WLENTRY")
    ip_rows = src.live_rows(ip) if ip is not None else empty
    on_ip = ip_rows.loc[_entries_key(ip_rows).isin(set(lists[src.INPATIENT_LIST]["entity_key"]))]
    counts[(src.INPATIENT_LIST, "duplicate_entries")] = _surplus(on_ip, [src.PATIENT, "WlCode"]) if len(on_ip) else 0
    counts[(src.INPATIENT_LIST, "dta_without_entry")] = _source_dta(extracts.get("OPA"), ip_rows)
    if links is not None and rtt is not None:
        clocks = set(src.key_text(rtt_running, src.PATHWAY_GRAIN))
        tied = links.loc[src.key_text(links, src.PATHWAY_GRAIN).isin(clocks)]
        counts[(src.INPATIENT_LIST, "no_active_clock")] = int(
            (~_entries_key(on_ip).isin(set(_entries_key(tied)))).sum()
        )
    else:
        counts[(src.INPATIENT_LIST, "no_active_clock")] = None
    counts[(src.INPATIENT_LIST, "tci_in_past")] = _source_past_tcis(extracts.get("WLACTIVITY"), on_ip, as_of)
    return counts


def _source_dta(appointments: pd.DataFrame | None, entries: pd.DataFrame) -> int | None:
    """Patients with a decision to admit at clinic and no inpatient waiting-list entry at all."""
    if appointments is None or "Disposal" not in appointments.columns:
        return None
    live = src.live_rows(appointments)
    decided = set(live.loc[live["Disposal"].astype("string").str.strip().isin(DTA_DISPOSALS), src.PATIENT])
    return len(decided - set(entries[src.PATIENT].astype("string")))


def _source_past_tcis(activity: pd.DataFrame | None, on_list: pd.DataFrame, as_of: pd.Timestamp) -> int | None:
    """Entries on the list whose latest activity is a TCI offer for a day before the as-of day."""
    if activity is None:
        return None
    rows = src.live_rows(activity).copy()
    rows["_when"] = parse_legacy_dates(rows["EpsActvDtimeInt"], "auto")
    latest = rows.sort_values("_when", kind="stable").drop_duplicates([src.PATIENT, src.EPISODE], keep="last")
    offered = latest.loc[latest["EpsActvTypeInt"].astype("string").str.strip().str.lstrip("0").eq(TCI_OFFERED)]
    past = offered.loc[parse_legacy_dates(offered["TCIDTimeInt"], "auto").lt(as_of.normalize()).fillna(False)]
    return int(_entries_key(on_list).isin(set(_entries_key(past))).sum())


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    return int(con.execute(sql, params or []).fetchone()[0])


def target_counts(con: duckdb.DuckDBPyConnection, lists: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> Counts:
    """Every validation count from the staging tables (the guide's links between tables)."""
    counts = _size_checks(lists)
    has = {t: tgt.columns(con, t) for t in ("LOAD_REFERRALS", "LOAD_OPDWAITLIST", "LOAD_IWL", "LOAD_IWL_TCIS",
                                            "LOAD_OPD_APPOINTMENTS", "LOAD_RTT_PATHWAYS")}  # fmt: skip
    running = tgt.running_pathways_sql(con)
    counts[(src.RTT_PTL, "non_rtt_on_ptl")] = _scalar(con, f"SELECT count(*) FROM ({running}) r WHERE r.non_rtt")
    spec = tgt.column_or_null(con, "LOAD_RTT_PATHWAYS", "PATHWAY_SPECIALTY", "w")
    counts[(src.RTT_PTL, "duplicate_pathways")] = _scalar(
        con,
        f"""
        SELECT coalesce(sum(n - 1), 0) FROM (
            SELECT count(*) AS n FROM ({running}) r JOIN LOAD_RTT_PATHWAYS w ON w.RECORD_NUMBER = r.pathway
            WHERE NOT r.non_rtt AND nullif(trim({spec}), '') IS NOT NULL GROUP BY r.MAIN_CRN, {spec})""",
    )
    discharged = "nullif(trim(f.REF_DISCHARGE_DATE), '') IS NOT NULL"
    if {"LOADRTTPWY_RECORD_NUMBER", "REF_DISCHARGE_DATE"} <= has["LOAD_REFERRALS"]:
        counts[(src.RTT_PTL, "discharged_but_open")] = _scalar(
            con,
            f"""
            SELECT count(DISTINCT r.pathway) FROM ({running}) r
            JOIN LOAD_REFERRALS f ON f.LOADRTTPWY_RECORD_NUMBER = r.pathway WHERE NOT r.non_rtt AND {discharged}""",
        )
    else:
        counts[(src.RTT_PTL, "discharged_but_open")] = None
    closed = ", ".join(f"'{s}'" for s in tgt.CLOSED_STATUSES)
    on_list = f"nullif(trim(e.DATE_REMOVED), '') IS NULL AND coalesce(trim(e.STATUS), '') NOT IN ({closed})"
    counts.update(_target_list_counts(con, has, on_list, discharged, as_of))
    return counts


def _target_list_counts(con, has: dict[str, set[str]], on_list: str, discharged: str, as_of) -> Counts:
    counts: Counts = {}
    op, ip = "LOAD_OPDWAITLIST", "LOAD_IWL"
    if has[op]:
        counts[(src.OUTPATIENT_LIST, "duplicate_entries")] = _scalar(
            con,
            f"""
            SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {op} e WHERE {on_list}
            AND nullif(trim(e.LIST_CODE), '') IS NOT NULL GROUP BY e.MAIN_CRN, e.LIST_CODE)""",
        )
        counts[(src.OUTPATIENT_LIST, "discharged_but_open")] = (
            _scalar(
                con,
                f"""
            SELECT count(*) FROM {op} e JOIN LOAD_REFERRALS f ON f.RECORD_NUMBER = e.LOADREF_RECORD_NUMBER
            WHERE {on_list} AND {discharged}""",
            )
            if "REF_DISCHARGE_DATE" in has["LOAD_REFERRALS"]
            else None
        )
    if not has[ip]:
        return counts
    counts[(src.INPATIENT_LIST, "duplicate_entries")] = _scalar(
        con,
        f"""
        SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {ip} e WHERE {on_list}
        AND nullif(trim(e.WAITLIST_PROFILE), '') IS NOT NULL GROUP BY e.MAIN_CRN, e.WAITLIST_PROFILE)""",
    )
    if "OUTCOME" in has["LOAD_OPD_APPOINTMENTS"]:
        codes = ", ".join(f"'{c}'" for c in DTA_DISPOSALS)
        counts[(src.INPATIENT_LIST, "dta_without_entry")] = _scalar(
            con,
            f"""
            SELECT count(DISTINCT a.MAIN_CRN) FROM LOAD_OPD_APPOINTMENTS a
            WHERE trim(a.OUTCOME) IN ({codes})
              AND a.MAIN_CRN NOT IN (SELECT MAIN_CRN FROM {ip} WHERE MAIN_CRN IS NOT NULL)""",
        )
    linked = tgt.column_or_null(con, ip, "LOADRTTPRD_RECORD_NUMBER", "e")
    counts[(src.INPATIENT_LIST, "no_active_clock")] = _scalar(
        con,
        f"""
        SELECT count(*) FROM {ip} e LEFT JOIN LOAD_RTT_PERIODS p ON p.RECORD_NUMBER = {linked}
        WHERE {on_list} AND (p.RECORD_NUMBER IS NULL OR nullif(trim(p.CLOCK_STOP), '') IS NOT NULL)""",
    )
    if {"TCI_DATE", "STATUS", "LOADIWL_RECORD_NUMBER"} <= has["LOAD_IWL_TCIS"]:
        tci = tgt.date_sql("t.TCI_DATE")
        closed_tcis = ", ".join(f"'{c}'" for c in CLOSED_TCI_STATUSES)
        counts[(src.INPATIENT_LIST, "tci_in_past")] = _scalar(con, f"""
            SELECT count(*) FROM {ip} e JOIN (
                SELECT LOADIWL_RECORD_NUMBER AS entry, arg_max(t.STATUS, t.RECORD_NUMBER) AS status,
                       arg_max({tci}, t.RECORD_NUMBER) AS tci
                FROM LOAD_IWL_TCIS t GROUP BY LOADIWL_RECORD_NUMBER) t ON t.entry = e.RECORD_NUMBER
            WHERE {on_list} AND coalesce(trim(t.status), '') NOT IN ({closed_tcis})
              AND CAST(t.tci AS DATE) < ?""",
            [as_of.date()])  # fmt: skip
    return counts


def validation_table(source: Counts, target: Counts) -> pd.DataFrame:
    """One row per (list, check): both counts, target minus source, and why a count is blank."""
    rows = []
    for key in dict.fromkeys([*source, *target]):
        s, t = source.get(key), target.get(key)
        note = NO_LINK if s is None and key[1] in ("discharged_but_open", "no_active_clock") else ""
        note = note or ("not measurable on this side" if s is None or t is None else "")
        rows.append((*key, s, t, None if s is None or t is None else t - s, note))
    frame = pd.DataFrame(rows, columns=list(VALIDATION_COLUMNS))
    return frame.astype({"source_count": "Int64", "target_count": "Int64", "difference": "Int64"})


def increases(validation: pd.DataFrame) -> pd.DataFrame:
    """Validation checks (list sizes aside) counting more on the target than on the source."""
    higher = validation["target_count"].gt(validation["source_count"]).fillna(False).astype(bool)
    return validation.loc[higher & ~validation["check"].isin(SIZE_CHECKS)]


def predicted_change(bands: pd.DataFrame) -> dict[str, dict]:
    """Each list's size on the legacy and after go-live, the change, and the bands that change."""
    out: dict[str, dict] = {}
    for name, rows in bands.groupby("list", sort=False):
        source, target = int(rows["source_count"].sum()), int(rows["target_count"].sum())
        moved = rows.loc[rows["difference"].ne(0)]
        out[str(name)] = {
            "source": source,
            "target": target,
            "change": target - source,
            "bands": {str(r.weeks_band): int(r.difference) for r in moved.itertuples()},
        }
    return out


def records(validation: pd.DataFrame) -> list[dict]:
    """The validation table as JSON-ready rows (blank counts as None)."""
    frame = validation.astype(object).where(validation.notna(), None)
    return [{k: (int(v) if isinstance(v, int | float) and v is not None else v) for k, v in row.items()}
            for row in frame.to_dict("records")]  # fmt: skip
