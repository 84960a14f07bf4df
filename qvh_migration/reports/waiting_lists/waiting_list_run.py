"""Waiting-list parity of one run: read its files, compute each list twice, compare, write.

Files: ``reports/waiting_list_parity.csv`` (one row per difference), ``waiting_list_bands.csv``
(counts per weeks-waited band, the PTL also by admitted / non-admitted), ``waiting_list_validation.csv``
(PTL technical validation counted on both sides) and ``waiting_list_summary.json`` (per list:
counts, matched, differences, explained, unexplained; the as-of day and how it was found; the
predicted change at go-live; the verdict under every release profile).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.artifacts import write_csv, write_json
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.legacy import as_of
from qvh_migration.legacy.as_of import MANIFEST_BASIS
from qvh_migration.mapping.files import read_contract
from qvh_migration.reports import files as report_files
from qvh_migration.reports.waiting_lists import waiting_list as wl
from qvh_migration.reports.waiting_lists import waiting_list_policy as policy
from qvh_migration.reports.waiting_lists import waiting_list_source as src
from qvh_migration.reports.waiting_lists import waiting_list_target as tgt
from qvh_migration.reports.waiting_lists import waiting_list_validation as wv

LIST_TABLES = sorted({t for spec in wl.LISTS.values() for t in spec.tables})
SOURCE_TABLES = ("RTTPERIOD", "RTTEPIPERIOD", "OPWLENTRY", "OPWLREMENTRY", "WLENTRY", "WLACTIVITY", "OPREFERRAL", "OPA")
STAGING_FILE = "staging.duckdb"


@dataclass
class ParityResult:
    differences: pd.DataFrame
    bands: pd.DataFrame
    summary: dict
    validation: pd.DataFrame


def as_of_day(manifest: dict, extracts: dict[str, pd.DataFrame | None]) -> tuple[pd.Timestamp, str]:
    """The day waits are counted to, and where it came from (one definition: ``legacy/as_of.py``)."""
    day, basis = as_of.as_of_day(manifest, extracts)
    if day is None:
        raise MigrationInputError("extracts/manifest.json", "no as-of date and no dated activity in the extracts")
    return day, basis


def _source_lists(extracts: dict[str, pd.DataFrame | None], as_of: pd.Timestamp) -> dict[str, pd.DataFrame]:
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in src.LIST_COLUMNS})
    rtt, op, ip = extracts.get("RTTPERIOD"), extracts.get("OPWLENTRY"), extracts.get("WLENTRY")
    inpatient = src.source_inpatient_list(ip, as_of) if ip is not None else empty
    ptl = src.source_rtt_ptl(rtt, as_of) if rtt is not None else empty
    return {
        src.RTT_PTL: src.mark_admitted(ptl, inpatient, extracts.get("RTTEPIPERIOD")),
        src.OUTPATIENT_LIST: src.source_outpatient_list(op, extracts.get("OPWLREMENTRY"), as_of)
        if op is not None
        else empty,
        src.INPATIENT_LIST: inpatient,
    }


def _source_state(extracts: dict[str, pd.DataFrame | None]) -> dict[str, dict[str, str]]:
    """Why each source entity is off the legacy list (only read for entities the target lists)."""
    state: dict[str, dict[str, str]] = {}
    rtt = extracts.get("RTTPERIOD")
    if rtt is not None:
        keys = src.key_text(rtt, src.PATHWAY_GRAIN)
        live = keys.index.isin(src.live_rows(rtt).index)
        ended = rtt["RttEndDateTimeInt"].astype("string").fillna("")
        text = ("RTTPERIOD.RttEndDateTimeInt='" + ended + "'").where(live, "logically deleted")
        state[src.RTT_PTL] = dict(zip(keys, text, strict=True))
    op = extracts.get("OPWLENTRY")
    if op is not None:
        keys = src.key_text(op, src.TABLE_KEYS["OPWLENTRY"])
        live = keys.index.isin(src.live_rows(op).index)
        state[src.OUTPATIENT_LIST] = dict(
            zip(keys, pd.Series(live).map({True: "removal recorded", False: "logically deleted"}), strict=True)
        )
    ip = extracts.get("WLENTRY")
    if ip is not None:
        keys = src.key_text(ip, src.TABLE_KEYS["WLENTRY"])
        code = ip["EpsCurrActvStsInt"].astype("string").fillna("").str.strip().str.lstrip("0")
        text = (
            "last activity WLENTRY.EpsCurrActvStsInt="
            + code
            + " ("
            + code.map(src.OFF_LIST_ACTIVITIES).fillna("on list")
            + ")"
        )
        live = keys.index.isin(src.live_rows(ip).index)
        state[src.INPATIENT_LIST] = dict(zip(keys, text.where(live, "logically deleted"), strict=True))
    return state


def _evidence(folders: RunFolders, registry: pd.DataFrame, extracts: dict) -> wl.CauseEvidence:
    rejects = report_files.read_table_files(folders.target, "rejects", LIST_TABLES)
    if rejects.empty:
        rejects = pd.DataFrame(
            {c: pd.Series(dtype="string") for c in ("target_table", "source_key", "field", "reason_code")}
        )
    outcomes = report_files.read_table_files(folders.target, "outcomes", LIST_TABLES)
    if not outcomes.empty:
        outcomes = outcomes.merge(registry, on=["target_table", "record_number"], how="left")
    else:
        outcomes = pd.DataFrame(
            {c: pd.Series(dtype="string") for c in ("target_table", "grain_key", "outcome", "reason")}
        )
    contract = read_contract(folders.mapping)
    rule_status = dict(zip(contract["target_table"] + "." + contract["target_field"], contract["status"], strict=True))
    source_keys: dict[str, list[str]] = {}
    if extracts.get("RTTPERIOD") is not None:
        pairs = src.source_row_keys(extracts["RTTPERIOD"])
        source_keys = pairs.groupby("entity_key")["source_key"].agg(list).to_dict()
    return wl.CauseEvidence(
        rejects=rejects[["target_table", "source_key", "field", "reason_code"]].astype("string"),
        outcomes=outcomes[["target_table", "grain_key", "outcome", "reason"]].astype("string"),
        source_keys=source_keys,
        source_state=_source_state(extracts),
        rule_status=rule_status,
    )


def parity_run(folders: RunFolders, policies: dict | None = None) -> ParityResult:
    """Both computations of the three lists, their differences with causes, bands and a summary."""
    database = folders.target / STAGING_FILE
    if not database.exists():
        raise MigrationInputError(database, "no staging database yet: materialise staging_database first")
    extracts = {t: report_files.read_extract(folders.extracts, t) for t in SOURCE_TABLES}
    manifest = report_files.read_manifest(folders.extracts)
    as_of, basis = as_of_day(manifest, extracts)
    registry = report_files.read_registry(folders.target, LIST_TABLES)
    evidence = _evidence(folders, registry, extracts)
    sources = _source_lists(extracts, as_of)
    duration_day = src.legacy_duration_day(sources[src.RTT_PTL], as_of, basis == MANIFEST_BASIS)
    with duckdb.connect(str(database), read_only=True) as con:
        targets = {
            src.RTT_PTL: tgt.target_rtt_ptl(con, registry, as_of),
            src.OUTPATIENT_LIST: tgt.target_outpatient_list(con, registry, as_of),
            src.INPATIENT_LIST: tgt.target_inpatient_list(con, registry, as_of),
        }
        evidence.target_state = {
            src.RTT_PTL: tgt.rtt_state(con, registry),
            src.OUTPATIENT_LIST: tgt.list_state(con, registry, "LOAD_OPDWAITLIST"),
            src.INPATIENT_LIST: tgt.list_state(con, registry, "LOAD_IWL"),
        }
        target_counts = wv.target_counts(con, targets, as_of)
    validation = wv.validation_table(wv.source_counts(extracts, sources, as_of), target_counts)
    differences, bands, lists = [], [], {}
    for name, spec in wl.LISTS.items():
        day = duration_day if name == src.RTT_PTL else None
        found = wl.compare_list(spec, sources[name], targets[name], evidence, duration_day=day)
        differences.append(found)
        banded = wl.list_bands(name, sources[name], targets[name])
        bands.append(banded)
        lists[name] = wl.list_summary(sources[name], targets[name], found, banded)
    all_differences, all_bands = pd.concat(differences, ignore_index=True), pd.concat(bands, ignore_index=True)
    summary = {
        "as_of": as_of.strftime("%Y-%m-%d"),
        "as_of_basis": basis,
        "legacy_duration_day": duration_day.strftime("%Y-%m-%d"),
        "lists": lists,
        "predicted_change": wv.predicted_change(all_bands),
        "validation": wv.records(validation),
        "notes": _notes(extracts),
    }
    chosen = policies if policies is not None else policy.load_policies()
    summary["verdicts"] = policy.verdicts(all_differences, summary, validation, chosen)
    return ParityResult(all_differences, all_bands, summary, validation)


def _notes(extracts: dict[str, pd.DataFrame | None]) -> list[str]:
    notes = [
        "RTT PTL: the source clock start is the legacy's 18-week breach date (RTTPERIOD.RttBreachDateInt) less 18 "
        "weeks, and the target's weeks at the legacy's duration day must equal RTTPERIOD.RttDurn; NON-RTT "
        "pathways (status 98) are off the PTL; admitted pathways have an inpatient entry on the list",
        "outpatient list: compared on the date each entry is due from - the legacy's appointment-required date, "
        "else its date on list - against LOAD_OPDWAITLIST.TARGET_DATE (the only date the guide gives the table, "
        "pp. 48-51); an entry with no date on one side only is a difference",
        "weeks waited count whole weeks from the clock start (date on list, date due) to the as-of day, before "
        "suspensions",
    ]
    if extracts.get("RTTEPIPERIOD") is None:
        notes.append(
            "RTTEPIPERIOD not in the extracts: no source inpatient entry can be tied to its pathway, so the "
            "source PTL counts every pathway non-admitted"
        )
    if extracts.get("OPWLREMENTRY") is None:
        notes.append("OPWLREMENTRY not in the extracts: every live outpatient entry counts as on the source list")
    return notes


def write_parity(result: ParityResult, reports: Path) -> list[Path]:
    return [
        write_csv(result.differences, reports / wl.DIFFERENCES_FILE),
        write_csv(result.bands, reports / wl.BANDS_FILE),
        write_csv(result.validation, reports / wv.VALIDATION_FILE),
        write_json(result.summary, reports / wl.SUMMARY_FILE),
    ]
