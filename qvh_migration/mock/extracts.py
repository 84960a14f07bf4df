"""Orchestration: build the model, render every table to the catalog's columns, inject defects.

Output convention: every column is pandas ``str`` (Arrow-backed) and a missing value is the empty
string "" (never null), as in a fixed-width legacy export; ``write_extracts`` keeps that in Parquet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from qvh_migration.console import report_progress
from qvh_migration.legacy.catalog import require, table_specs
from qvh_migration.legacy.keys import ALL_TABLES, REQUIRED_COLUMNS
from qvh_migration.mock import defects
from qvh_migration.mock.catalog import ColumnValue, render_table
from qvh_migration.mock.coding import coding_tables, plant_invalid_codes, with_planted
from qvh_migration.mock.community import community_tables
from qvh_migration.mock.inpatient_extras import (
    render_preadmission,
    render_roomstay,
    render_wlintendedproc,
    render_wlremoval,
)
from qvh_migration.mock.inpatients import (
    Admissions,
    apply_in_hospital_deaths,
    build_admissions,
    build_episodes,
    build_ward_stays,
    split_at_episodes,
)
from qvh_migration.mock.outpatient_list import (
    build_outpatient_list,
    render_opatttrack,
    render_opdischarge,
    render_opwlentry,
    render_opwlrementry,
    render_pmispecialreg,
)
from qvh_migration.mock.outpatients import OPEN, Appointments, Referrals, build_appointments, build_referrals
from qvh_migration.mock.parameters import EXTRACT_MINUTE, NO_TIME, MockParameters, rng_for, validate_parameters
from qvh_migration.mock.patient_history import case_notes, gp_history, previous_addresses, previous_surnames
from qvh_migration.mock.patients import (
    Patients,
    assign_deaths,
    build_patients,
    plant_duplicates,
    render_patdata,
)
from qvh_migration.mock.reference import build_reference
from qvh_migration.mock.render_inpatients import (
    render_admitdisch,
    render_consepisode,
    render_wardstay,
    render_wlactivity,
    render_wlentry,
)
from qvh_migration.mock.render_outpatients import (
    assign_referral_reasons,
    render_opa,
    render_opreferral,
    render_rttperiod,
)
from qvh_migration.mock.rtt import RTT, RttPeriods, rtt_outcomes
from qvh_migration.mock.rtt_status import render_rttallprdsts, render_rttepiperiod, status_events
from qvh_migration.mock.rules import DEFECT_PLAN
from qvh_migration.mock.strings import EmptyColumns, pick
from qvh_migration.mock.vector import take_or
from qvh_migration.mock.waiting_list import WAITING, WaitingList, build_waiting_list
from qvh_migration.mock.workforce import add_workforce

Table = tuple[dict[str, ColumnValue], int]


@dataclass
class SourceExtracts:
    tables: dict[str, pd.DataFrame]
    defect_ledger: pd.DataFrame
    # Generated column names the catalog does not have (empty for the real dictionary).
    unused_columns: dict[str, list[str]] = field(default_factory=dict)


def generate_extracts(source_catalog: pd.DataFrame, params: MockParameters) -> SourceExtracts:
    """Synthetic PatientCentre extracts shaped exactly like ``source_catalog``, plus a defect ledger."""
    validate_parameters(params)
    with system_allocator():
        return _generate(source_catalog, params)


@contextmanager
def system_allocator() -> Iterator[None]:
    """Allocate Arrow memory with the system allocator while generating.

    Generation frees many large temporaries (date digits, replaced columns); mimalloc, Arrow's
    default, keeps such memory mapped, which raised the 1M-patient peak RSS by about 10 %.  Buffers
    remember their pool, so switching back afterwards is safe.  (Process-global for the duration:
    Dagster runs each step in its own process, so nothing else is allocating meanwhile.)
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _generate(source_catalog: pd.DataFrame, params: MockParameters) -> SourceExtracts:
    specs = table_specs(source_catalog, ALL_TABLES)
    require(specs, REQUIRED_COLUMNS)
    empties = EmptyColumns()
    rendered: dict[str, pd.DataFrame] = {}
    unused: dict[str, list[str]] = {}
    planted: dict[str, np.ndarray] = {}
    for name, (cols, n) in build_values(params, planted):
        if name not in specs:
            continue  # a supporting table this catalog does not have
        rendered[name], missing = render_table(specs[name], cols, n, empties)
        del cols
        if missing:
            unused[name] = missing
    tables = {name: rendered[name] for name in ALL_TABLES if name in rendered}
    report_progress("generate", "defects", None, f"injecting at rate {params.defect_rate}")
    ledger = defects.inject(
        rng_for(params.seed, "defects"), tables, specs, params.defect_rate, planted.get("duplicate_patient")
    )
    # Coding repeat groups follow their (defect-injected) episodes and attendances, never orphans.
    tables.update(coding_tables(rng_for(params.seed, "coding"), tables, specs, empties))
    ledger = with_planted(
        ledger, plant_invalid_codes(rng_for(params.seed, "coding_defects"), tables, params.defect_rate)
    )
    # Counted only now: defects add rows (MERGEDID has none until merged patients are planted) and
    # the coding tables come last, so each table's line gives the rows that will be written.
    for name, frame in tables.items():
        report_progress("generate", name, len(frame))
    return SourceExtracts(tables=tables, defect_ledger=ledger, unused_columns=unused)


def build_values(params: MockParameters, planted: dict[str, np.ndarray]) -> Iterator[tuple[str, Table]]:
    """Column values of every table, from one coherent model of patients and their activity.

    Yields one table at a time so each is turned into its frame (and its date arrays freed)
    before the next is rendered: this keeps peak memory near the size of the output.
    """
    seed = params.seed
    ref = build_reference(rng_for(seed, "reference"), params.patients)
    add_workforce(rng_for(seed, "workforce"), ref, params.patients)
    pats = build_patients(rng_for(seed, "patients"), params.patients, ref)
    refs = build_referrals(rng_for(seed, "referrals"), pats, ref)
    appts = build_appointments(rng_for(seed, "appointments"), refs, ref)
    wl = build_waiting_list(rng_for(seed, "waiting_list"), refs)
    adm = build_admissions(rng_for(seed, "admissions"), pats, wl, ref)
    episodes = build_episodes(rng_for(seed, "episodes"), adm, ref)
    wards = split_at_episodes(build_ward_stays(rng_for(seed, "ward_stays"), adm, pats), episodes)
    _number_episodes(rng_for(seed, "episode_numbers"), refs, wl, adm)
    assign_referral_reasons(rng_for(seed, "referral_reasons"), refs)
    last, busy = _last_contact(pats, refs, appts, wl, adm)
    assign_deaths(rng_for(seed, "deaths"), pats, last, busy)
    apply_in_hospital_deaths(rng_for(seed, "deaths_in_hospital"), pats, adm)
    rtt = rtt_outcomes(rng_for(seed, "rtt"), refs, appts, wl)

    yield from ref.tables.items()
    patdata = render_patdata(rng_for(seed, "patdata"), pats, ref)
    prev_names, extras = previous_surnames(rng_for(seed, "prevsurname"), pats)
    patdata.update(extras)
    n_pat = pats.n
    if params.defect_rate > 0:
        k = max(1, round(params.defect_rate * pats.n / len(DEFECT_PLAN["PATDATA"])))
        planted["duplicate_patient"] = plant_duplicates(rng_for(seed, "duplicates"), pats, patdata, k)
        n_pat += k
    yield "PATDATA", (patdata, n_pat)
    del patdata, extras
    yield "PREVSURNAME", prev_names
    yield "PREVADDRESS", previous_addresses(rng_for(seed, "prevaddress"), pats)
    yield "GPHISTORY", gp_history(rng_for(seed, "gphistory"), pats, ref)
    yield "CASENOTEDETS", case_notes(rng_for(seed, "casenotes"), pats)
    yield "OPREFERRAL", render_opreferral(rng_for(seed, "r_opreferral"), pats, ref, refs, appts, rtt)
    yield "OPA", render_opa(rng_for(seed, "r_opa"), pats, ref, refs, appts, rtt)
    ol = build_outpatient_list(rng_for(seed, "outpatient_list"), appts)
    yield "OPWLENTRY", render_opwlentry(pats, refs, appts, ol)
    yield "RTTPERIOD", render_rttperiod(pats, ref, refs, rtt)
    # Supporting tables that follow the outpatient timeline (removals, discharges, tracking, alerts).
    yield "OPWLREMENTRY", render_opwlrementry(pats, ref, refs, appts, ol)
    yield "OPDISCHARGE", render_opdischarge(pats, refs, appts, _rtt_codes(refs, rtt))
    yield "OPATTTRACK", render_opatttrack(rng_for(seed, "opatttrack"), pats, ref, refs, appts)
    yield "PMISPECIALREG", render_pmispecialreg(rng_for(seed, "pmispecialreg"), pats)
    yield "RTTEPIPERIOD", render_rttepiperiod(pats, refs, wl, rtt)
    yield "RTTALLPRDSTS", render_rttallprdsts(pats, refs, status_events(refs, appts, wl, adm, rtt))
    del appts, ol
    wlentry = render_wlentry(rng_for(seed, "r_wlentry"), pats, ref, wl)
    yield "WLENTRY", wlentry
    yield "WLACTIVITY", render_wlactivity(rng_for(seed, "r_wlactivity"), pats, ref, wl)
    fdt = _rtt_at_admission(adm, wl, rtt)
    yield "ADMITDISCH", render_admitdisch(rng_for(seed, "r_admitdisch"), pats, ref, adm, wards, wl, fdt)
    yield "CONSEPISODE", render_consepisode(rng_for(seed, "r_consepisode"), pats, ref, adm, episodes)
    yield "WARDSTAY", render_wardstay(pats, ref, adm, wards)
    yield "WLREMOVAL", render_wlremoval(pats, wl)
    intended = wlentry[0]["IntendedProc"]
    assert isinstance(intended, pa.Array)
    yield "WLINTENDEDPROC", render_wlintendedproc(rng_for(seed, "wlintendedproc"), pats, wl, intended)
    yield "PREADMISSION", render_preadmission(rng_for(seed, "preadmission"), pats, ref, wl)
    yield "ROOMSTAY", render_roomstay(rng_for(seed, "roomstay"), pats, adm, wards)
    yield from community_tables(rng_for(seed, "community"), pats, ref)
    yield "MERGEDID", ({}, 0)  # rows come from the merged_patient defect


def _number_episodes(rng: np.random.Generator, refs: Referrals, wl: WaitingList, adm: Admissions) -> None:
    """One episode-number sequence for referrals, waiting-list entries and emergency admissions, in
    the order they were created; an admission from the list keeps the list entry's number."""
    emergency = np.flatnonzero(adm.wl < 0)
    starts = np.r_[refs.minute, wl.list_minute, adm.admit[emergency]]
    order = np.argsort(starts, kind="stable")
    numbers = np.empty(starts.size, dtype=np.int64)
    numbers[order] = 200_000 + np.cumsum(np.where(rng.random(starts.size) < 0.1, 2, 1))
    k1, k2 = refs.minute.size, refs.minute.size + wl.list_minute.size
    refs.episode = numbers[:k1]
    wl.episode = numbers[k1:k2]
    adm.episode = take_or(wl.episode, adm.wl, 0)
    adm.episode[emergency] = numbers[k2:]


def _last_contact(
    pats: Patients, refs: Referrals, appts: Appointments, wl: WaitingList, adm: Admissions
) -> tuple[np.ndarray, np.ndarray]:
    """Each patient's latest recorded contact, and whether anything is still open for them."""
    last = pats.reg_minute.copy()
    np.maximum.at(last, refs.pid, refs.minute)
    past = appts.minute <= EXTRACT_MINUTE
    np.maximum.at(last, refs.pid[appts.ref[past]], appts.minute[past])
    np.maximum.at(last, wl.pid[wl.events["entry"]], wl.events["minute"])
    np.maximum.at(last, adm.pid, np.where(adm.discharge == NO_TIME, adm.admit, adm.discharge))
    busy = np.zeros(pats.n, dtype=bool)
    busy[refs.pid[refs.outcome == OPEN]] = True
    busy[wl.pid[wl.status == WAITING]] = True
    busy[adm.pid[adm.discharge == NO_TIME]] = True
    return last, busy


def _rtt_codes(refs: Referrals, rtt: RttPeriods) -> pa.Array:
    """Each referral's RTT status code ("" when the referral is not on an RTT pathway)."""
    return pick(RTT, np.maximum(rtt.status, 0), rtt.status >= 0)


def _rtt_at_admission(adm: Admissions, wl: WaitingList, rtt: RttPeriods) -> pa.Array:
    """ADMITDISCH.RttPeriodStatus: the stop recorded at an admission that treated an RTT pathway."""
    ref_row = take_or(wl.ref, adm.wl, 0)
    stopped_here = (adm.wl >= 0) & rtt.eligible[ref_row] & (rtt.status[ref_row] == RTT.index("FDT"))
    return pick(RTT, np.full(adm.pid.size, RTT.index("FDT")), stopped_here)
