"""Waiting-list parity: the PTL and the outpatient and inpatient waiting lists, computed from the
source (``waiting_list_source``) and from the loaded target (``waiting_list_target``), matched
entity for entity through the key registry, every difference listed with its cause.

A cause is a reject (reason from the rejects ledger), a filter (reason from the outcomes) or a
mapping difference (the target field, and whether its rule is approved or only suggested). A
difference with none of these is unexplained. Whether an explained difference passes depends on
the release profile (``waiting_list_policy``): above ``development`` a patient missing from a
target list, or any other difference, fails whatever explains it; the explanation stays beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from qvh_migration.io.masking import mask_values
from qvh_migration.reports.waiting_lists.waiting_list_source import (
    ADMITTED,
    INPATIENT_LIST,
    NON_ADMITTED,
    OUTPATIENT_LIST,
    RTT_PTL,
    weeks_between,
)
from qvh_migration.reports.waiting_lists.waiting_list_target import WAITING_STATUSES

DIFFERENCES_FILE, BANDS_FILE, SUMMARY_FILE = (
    "waiting_list_parity.csv",
    "waiting_list_bands.csv",
    "waiting_list_summary.json",
)
# The parity file's contract, as other readers (the evidence pack) rely on it.
PARITY_COLUMNS = (
    "list",
    "patient_key",
    "pathway_key",
    "source_clock_start",
    "target_clock_start",
    "source_status",
    "target_status",
    "source_weeks_waited",
    "target_weeks_waited",
    "difference",
    "cause",
)
# Beyond the contract: the legacy's own weeks waited (RttDurn), the PTL part on each side, the kind
# of cause and whether it explains the difference.
DIFFERENCE_COLUMNS = (
    *PARITY_COLUMNS,
    "source_legacy_weeks",
    "source_ptl_type",
    "target_ptl_type",
    "cause_kind",
    "explained",
)
MISSING, EXTRA, MISMATCH = "missing_in_target", "extra_in_target", "value_mismatch"
REJECT, FILTER, MAPPING, UNEXPLAINED = "reject", "filter", "mapping", "unexplained"
# Weeks-waited bands: the 18-, 26-, 40-, 52-, 65-, 78- and 104-week boundaries trusts report on.
BANDS = ((0, 17), (18, 25), (26, 39), (40, 51), (52, 64), (65, 77), (78, 103), (104, None))
UNKNOWN_BAND, NOT_YET_DUE = "unknown", "not yet due"
DATE_FORMAT = "%d/%m/%Y"


@dataclass(frozen=True)
class ListSpec:
    """Which target tables hold a list and which fields decide its clock start and status."""

    name: str
    tables: tuple[str, ...]  # the entity's table first, then tables whose rejects also drop it
    clock_field: str | None  # None: the target holds no date to compute the wait from
    status_field: str
    pathway_column: str


LISTS = {
    RTT_PTL: ListSpec(RTT_PTL, ("LOAD_RTT_PATHWAYS", "LOAD_RTT_PERIODS"), "LOAD_RTT_PERIODS.CLOCK_START",
                      "LOAD_RTT_PATHWAYS.PATHWAY_STATUS", "PathwayNumber"),
    OUTPATIENT_LIST: ListSpec(OUTPATIENT_LIST, ("LOAD_OPDWAITLIST",), "LOAD_OPDWAITLIST.TARGET_DATE",
                              "LOAD_OPDWAITLIST.STATUS", "EpisodeNumber"),
    INPATIENT_LIST: ListSpec(INPATIENT_LIST, ("LOAD_IWL",), "LOAD_IWL.WAITLIST_DATE", "LOAD_IWL.STATUS",
                             "EpisodeNumber"),
}  # fmt: skip


@dataclass
class CauseEvidence:
    """What the run recorded about each entity: rejects, outcomes, target state, source state."""

    rejects: pd.DataFrame  # target_table, source_key, field, reason_code
    outcomes: pd.DataFrame  # target_table, grain_key, outcome, reason
    source_keys: dict[str, list[str]] = field(default_factory=dict)  # entity key -> its source rows' keys
    target_state: dict[str, dict[str, str]] = field(default_factory=dict)  # list -> entity key -> fields
    source_state: dict[str, dict[str, str]] = field(default_factory=dict)  # list -> entity key -> legacy state
    rule_status: dict[str, str] = field(default_factory=dict)  # "TABLE.FIELD" -> approved / suggested

    def __post_init__(self) -> None:
        self._rejects = {k: g for k, g in self.rejects.groupby("source_key")} if not self.rejects.empty else {}
        self._outcomes = {k: g for k, g in self.outcomes.groupby("grain_key")} if not self.outcomes.empty else {}

    def rejected(self, tables: tuple[str, ...], keys: list[str]) -> str:
        found = [self._rejects[k] for k in keys if k in self._rejects]
        if not found:
            return ""
        rows = pd.concat(found).loc[lambda f: f["target_table"].isin(tables)]
        items = (rows["target_table"] + " " + rows["reason_code"] + " (" + rows["field"] + ")").drop_duplicates()
        return "; ".join(items)

    def filtered(self, tables: tuple[str, ...], keys: list[str]) -> str:
        found = [self._outcomes[k] for k in keys if k in self._outcomes]
        if not found:
            return ""
        rows = pd.concat(found)
        rows = rows.loc[rows["target_table"].isin(tables) & rows["outcome"].eq("filtered")]
        return "; ".join((rows["target_table"] + " " + rows["reason"]).drop_duplicates())

    def rule(self, target_field: str) -> str:
        return f"{target_field} ({self.rule_status.get(target_field, 'no')} rule)"


def _display_date(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime(DATE_FORMAT).astype("string").fillna("")


def _masked(values: pd.Series) -> pd.Series:
    # mask_values cannot build its stars on an empty series (they come out as integers).
    return mask_values(values) if len(values) else values


def _key_part(keys: pd.Series, column: str) -> pd.Series:
    return keys.astype("string").fillna("").str.extract(rf"{re.escape(column)}=([^|]*)", expand=False).fillna("")


def _status_matches(spec: ListSpec, source: pd.Series, target: pd.Series) -> pd.Series:
    target = target.fillna("").str.strip()
    if spec.name == RTT_PTL:
        return source.fillna("").str.strip().str.zfill(2).eq(target.str.zfill(2))
    return target.isin(WAITING_STATUSES)


def compare_list(
    spec: ListSpec,
    source: pd.DataFrame,
    target: pd.DataFrame,
    evidence: CauseEvidence,
    duration_day: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Every difference between the source and target computations of one list, with its cause.

    Matched entities differ when their clock starts (dates due) differ, one side unknown included;
    when their statuses or PTL parts differ; and, given the day the legacy counted its weeks waited
    to (``duration_day``), when the target's weeks at that day differ from the legacy's (RttDurn)."""
    joined = source.merge(target, on="entity_key", how="outer", suffixes=("_source", "_target"), indicator=True)
    both = joined["_merge"].eq("both")
    clock_differs = pd.Series(False, index=joined.index)
    if spec.clock_field:
        a, b = joined["clock_start_source"].dt.normalize(), joined["clock_start_target"].dt.normalize()
        clock_differs = both & ((a != b).fillna(True) & ~(a.isna() & b.isna()))
    status_differs = both & ~_status_matches(spec, joined["status_source"], joined["status_target"])
    part_differs = both & joined["ptl_type_source"].astype("string").ne(joined["ptl_type_target"]).fillna(False)
    weeks_differ = pd.Series(False, index=joined.index)
    if duration_day is not None:
        legacy = joined["legacy_weeks_source"].astype("Int64")
        at_day = weeks_between(joined["clock_start_target"], duration_day)
        weeks_differ = both & legacy.notna() & at_day.ne(legacy).fillna(True)
    difference = pd.Series("", index=joined.index, dtype="string")
    difference = difference.mask(joined["_merge"].eq("left_only"), MISSING).mask(
        joined["_merge"].eq("right_only"), EXTRA
    )
    difference = difference.mask(clock_differs | status_differs | part_differs | weeks_differ, MISMATCH)
    rows = joined.loc[difference.ne("")].assign(difference=difference[difference.ne("")])
    rows["clock_differs"], rows["status_differs"] = clock_differs[rows.index], status_differs[rows.index]
    rows["part_differs"], rows["weeks_differ"] = part_differs[rows.index], weeks_differ[rows.index]
    causes = [_cause(spec, row, evidence) for row in rows.itertuples(index=False)]
    keys = rows["entity_key"].astype("string")
    out = pd.DataFrame(
        {
            "list": spec.name,
            "patient_key": _masked(_key_part(keys, "InternalPatientNumber")).to_numpy(),
            "pathway_key": _key_part(keys, spec.pathway_column).to_numpy(),
            "source_clock_start": _display_date(rows["clock_start_source"]).to_numpy(),
            "target_clock_start": _display_date(rows["clock_start_target"]).to_numpy(),
            "source_status": rows["status_source"].astype("string").fillna("").to_numpy(),
            "target_status": rows["status_target"].astype("string").fillna("").to_numpy(),
            "source_weeks_waited": rows["weeks_waited_source"].astype("Int64").to_numpy(),
            "target_weeks_waited": rows["weeks_waited_target"].astype("Int64").to_numpy(),
            "difference": rows["difference"].to_numpy(),
            "source_legacy_weeks": rows["legacy_weeks_source"].astype("Int64").to_numpy(),
            "source_ptl_type": rows["ptl_type_source"].astype("string").fillna("").to_numpy(),
            "target_ptl_type": rows["ptl_type_target"].astype("string").fillna("").to_numpy(),
            "cause": [c for c, _ in causes],
            "cause_kind": [k for _, k in causes],
        }
    )
    out["explained"] = out["cause_kind"].ne(UNEXPLAINED)
    return out[list(DIFFERENCE_COLUMNS)]


def _cause(spec: ListSpec, row, evidence: CauseEvidence) -> tuple[str, str]:
    """(cause, kind) of one difference; kind is reject, filter, mapping or unexplained."""
    key = str(row.entity_key) if pd.notna(row.entity_key) else ""
    if row.difference == MISSING:
        keys = [key, *evidence.source_keys.get(key, [])]
        if rejected := evidence.rejected(spec.tables, keys):
            return f"reject: {rejected}", REJECT
        if filtered := evidence.filtered(spec.tables, keys):
            return f"filter: {filtered}", FILTER
        state = evidence.target_state.get(spec.name, {}).get(key)
        if state is not None:
            return f"mapping: loaded but off the target list ({_fields(state, evidence)})", MAPPING
        return "unexplained: not in the target and no reject or filter recorded", UNEXPLAINED
    if row.difference == EXTRA:
        legacy = evidence.source_state.get(spec.name, {}).get(key)
        if legacy is None:
            return "unexplained: on the target list with no source entity", UNEXPLAINED
        state = evidence.target_state.get(spec.name, {}).get(key, {})
        return f"mapping: source {legacy}; target {_fields(state, evidence)}", MAPPING
    parts = []
    if row.clock_differs:
        parts.append(f"mapping: {evidence.rule(str(spec.clock_field))} gives another clock start")
        recorded, legacy = row.recorded_start_source, row.clock_start_source
        if pd.notna(recorded) and pd.notna(legacy) and recorded.normalize() != legacy.normalize():
            parts.append(
                f"source: RTTPERIOD.RttStartDateTimeInt ({recorded:%d/%m/%Y}) is not the clock start of the "
                f"legacy's breach date ({legacy:%d/%m/%Y})"
            )
    if row.weeks_differ:
        parts.append(f"mapping: {evidence.rule(str(spec.clock_field))} gives other weeks than the legacy's RttDurn")
    if row.status_differs:
        value = row.status_target if pd.notna(row.status_target) else ""
        parts.append(f"mapping: {evidence.rule(spec.status_field)} gives '{value}'")
    if row.part_differs:
        parts.append(
            f"mapping: {evidence.rule('LOAD_IWL.LOADRTTPRD_RECORD_NUMBER')} makes the pathway "
            f"{row.ptl_type_target if pd.notna(row.ptl_type_target) else 'unlinked'}"
        )
    return "; ".join(parts), MAPPING


def _fields(state: dict[str, str], evidence: CauseEvidence) -> str:
    return ", ".join(f"{evidence.rule(name)}='{value}'" for name, value in state.items())


def band_of(weeks: pd.Series) -> pd.Series:
    """The weeks-waited band of each wait (``unknown`` when the date is unknown, ``not yet due``
    when it is after the as-of day)."""
    labels = pd.Series(UNKNOWN_BAND, index=weeks.index, dtype="string").mask(weeks.lt(0).fillna(False), NOT_YET_DUE)
    for low, high in BANDS:
        inside = weeks.ge(low) & (weeks.le(high) if high is not None else True)
        labels = labels.mask(inside.fillna(False), f"{low}-{high}" if high is not None else f"{low}+")
    return labels


BAND_ORDER = (*[f"{lo}-{hi}" if hi is not None else f"{lo}+" for lo, hi in BANDS], NOT_YET_DUE, UNKNOWN_BAND)


def bands(name: str, source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """Counts per weeks-waited band on each side; ``not yet due`` and ``unknown`` only when counted."""
    counts = pd.DataFrame(
        {
            "source_count": band_of(source["weeks_waited"]).value_counts(),
            "target_count": band_of(target["weeks_waited"]).value_counts(),
        }
    )
    counts = counts.reindex(list(BAND_ORDER)).fillna(0).astype("int64")
    tail = counts.index.isin([NOT_YET_DUE, UNKNOWN_BAND])
    counts = counts.loc[~tail | counts.sum(axis=1).gt(0)]
    return (
        counts.rename_axis("weeks_band")
        .reset_index()
        .assign(list=name, difference=lambda c: c["target_count"] - c["source_count"])[
            ["list", "weeks_band", "source_count", "target_count", "difference"]
        ]
    )


def list_bands(name: str, source: pd.DataFrame, target: pd.DataFrame) -> pd.DataFrame:
    """The list's bands; for the PTL also its admitted and non-admitted parts (``rtt_ptl_admitted``)."""
    parts = [bands(name, source, target)]
    if name == RTT_PTL:
        for part in (ADMITTED, NON_ADMITTED):
            parts.append(
                bands(
                    f"{name}_{part}", source.loc[source["ptl_type"].eq(part)], target.loc[target["ptl_type"].eq(part)]
                )
            )
    return pd.concat(parts, ignore_index=True)


def list_summary(
    source: pd.DataFrame, target: pd.DataFrame, differences: pd.DataFrame, list_bands: pd.DataFrame
) -> dict[str, object]:
    matched = len(set(source["entity_key"].dropna()) & set(target["entity_key"].dropna()))
    differing_bands = list_bands.loc[list_bands["difference"].ne(0)]
    summary: dict[str, object] = {
        "source": len(source),
        "target": len(target),
        "matched": matched,
        "matched_equal": matched - int(differences["difference"].eq(MISMATCH).sum()),
        "differences": len(differences),
        "explained": int(differences["explained"].sum()),
        "unexplained": int((~differences["explained"]).sum()),
        "by_difference": {str(k): int(v) for k, v in differences["difference"].value_counts().items()},
        "by_cause": {str(k): int(v) for k, v in differences["cause_kind"].value_counts().items()},
        "band_differences": len(differing_bands),
        "differing_bands": [f"{r.list} {r.weeks_band}: {r.difference:+d}" for r in differing_bands.itertuples()],
    }
    if "ptl_type" in source.columns and source["ptl_type"].notna().any():
        for side, frame in (("source", source), ("target", target)):
            summary[f"{side}_by_part"] = {str(k): int(v) for k, v in frame["ptl_type"].value_counts().items()}
    return summary
