"""Controlled defects and their ledger.

Each table in ``DEFECT_PLAN`` gets about ``defect_rate x rows`` defective rows, shared equally among
its kinds (at least one of each when the rate is above zero and a row qualifies).  A row carries at
most one defect, and rows whose defect would disturb another recount are kept apart (the spell of
an end-before-start admission gets no episode defects, the episode before an overlap is left
alone), so a recount from the data reproduces the ledger exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from qvh_migration.legacy.catalog import TableSpec, date_format_for
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS
from qvh_migration.legacy.dates import parse_minutes
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES
from qvh_migration.mock import defect_values as bad
from qvh_migration.mock import defects_people, defects_time
from qvh_migration.mock.injector import Injector
from qvh_migration.mock.rules import DEFECT_PLAN, MANDATORY, MANDATORY_COMPANIONS
from qvh_migration.mock.strings import (
    LARGE,
    join,
    pick,
)

# Which key a child's orphan defect breaks: the patient, or the parent episode.
ORPHAN_COLUMN: dict[str, tuple[str, str]] = {
    "PREVSURNAME": ("InternalPatientNumber", "PATDATA"),
    "PREVADDRESS": ("InternalPatientNumber", "PATDATA"),
    "GPHISTORY": ("InternalPatientNumber", "PATDATA"),
    "CASENOTEDETS": ("InternalPatientNumber", "PATDATA"),
    "RTTPERIOD": ("InternalPatientNumber", "PATDATA"),
    "RTTEPIPERIOD": ("PathwayNumber", "RTTPERIOD"),
    "RTTALLPRDSTS": ("PathwayNumber", "RTTPERIOD"),
    "OPWLENTRY": ("EpisodeNumber", "OPREFERRAL"),
    "OPA": ("EpisodeNumber", "OPREFERRAL"),
    "WLACTIVITY": ("EpisodeNumber", "WLENTRY"),
    "CONSEPISODE": ("EpisodeNumber", "ADMITDISCH"),
    "WARDSTAY": ("EpisodeNumber", "ADMITDISCH"),
    "WLREMOVAL": ("EpisodeNumber", "WLENTRY"),
    "OPWLREMENTRY": ("EpisodeNumber", "OPREFERRAL"),
    "OPDISCHARGE": ("EpisodeNumber", "OPREFERRAL"),
    "PMISPECIALREG": ("InternalPatientNumber", "PATDATA"),
    "OPATTTRACK": ("EpisodeNumber", "OPREFERRAL"),
    "WLINTENDEDPROC": ("EpisodeNumber", "WLENTRY"),
    "PREADMISSION": ("EpisodeNumber", "WLENTRY"),
    "ROOMSTAY": ("EpisodeNumber", "ADMITDISCH"),
}
# ---------------------------------------------------------------------- generic kinds


def orphan_child_row(inj: Injector, table: str, k: int) -> None:
    column, parent = ORPHAN_COLUMN[table]
    rows = inj.pick(table, None, k)
    new = inj.fresh_ids(rows.size)
    inj.set(table, column, rows, new)
    inj.record(table, rows, column, "orphan_child_row", join([f"no {parent} row with {column}=", new]))


def unmapped_code(inj: Injector, table: str, k: int) -> None:
    fields = [(c, s) for (t, c), s in LEGACY_CODE_FIELDS.items() if t == table and inj.has(t, c)]
    fields = [(c, s) for c, s in fields if inj.nonempty(table, c).any()]  # fields this extract fills
    for (column, code_set), share in zip(fields, inj.split(k, len(fields)), strict=True):
        rows = inj.pick(table, inj.nonempty(table, column), int(share))
        values = bad.unmapped_code(inj.rng, code_set, inj.specs[table].column(column).size, rows.size)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "unmapped_code", join([f"code not in legacy set {code_set}: ", values]))


def missing_mandatory_value(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in MANDATORY[table] if inj.has(table, c)]
    complete = np.logical_and.reduce([inj.nonempty(table, c) for c in columns])
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, complete, int(share))
        for target in (column, *MANDATORY_COMPANIONS.get((table, column), ())):
            inj.set(table, target, rows, pick([""], np.zeros(rows.size, np.int64)))
        inj.record(table, rows, column, "missing_mandatory_value", "mandatory value blank")


def malformed_legacy_date(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.MALFORMED_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        minutes, _ = parse_minutes(inj.col(table, column), date_format_for(table, inj.specs[table].column(column)))
        rows = inj.pick(table, minutes != np.iinfo(np.int64).min, int(share))
        fmt = date_format_for(table, inj.specs[table].column(column))
        values = bad.malformed_dates(inj.rng, minutes[rows], fmt)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "malformed_legacy_date", join([f"not a {fmt} date: ", values]))


def over_length_value(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.OVER_LENGTH_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, None, int(share))
        size = inj.specs[table].column(column).size
        values = bad.long_value(inj.rng, column, size, rows.size)
        inj.set(table, column, rows, values)
        inj.record(
            table,
            rows,
            column,
            "over_length_value",
            join([pc.cast(pc.utf8_length(values), LARGE), f" characters in a field of size {size}"]),
        )


def non_ascii_name(inj: Injector, table: str, k: int) -> None:
    columns = [c for c in bad.NON_ASCII_COLUMNS[table] if inj.has(table, c)]
    for column, share in zip(columns, inj.split(k, len(columns)), strict=True):
        rows = inj.pick(table, None, int(share))
        values = bad.non_ascii_name(inj.rng, column, rows.size)
        inj.set(table, column, rows, values)
        inj.record(table, rows, column, "non_ascii_name", join(["name with non-ASCII characters: ", values]))


def logically_deleted_row(inj: Injector, table: str, k: int) -> None:
    flags = [c.name for c in inj.specs[table].columns if c.is_delete_flag and c.name in DELETE_FLAG_VALUES]
    if not flags:
        return
    eligible = None
    if table == "GP":  # the "GP not known" default row stays live
        eligible = pc.not_equal(inj.col("GP", "GpCode"), "G9999998").to_numpy(zero_copy_only=False)
    rows = inj.pick(table, eligible, k)
    inj.set(table, flags[0], rows, pick([DELETE_FLAG_VALUES[flags[0]][1]], np.zeros(rows.size, np.int64)))
    inj.record(table, rows, flags[0], "logically_deleted_row", "master-file row logically deleted, still referenced")


GENERIC: dict[str, Callable[[Injector, str, int], None]] = {
    "orphan_child_row": orphan_child_row,
    "unmapped_code": unmapped_code,
    "missing_mandatory_value": missing_mandatory_value,
    "malformed_legacy_date": malformed_legacy_date,
    "over_length_value": over_length_value,
    "non_ascii_name": non_ascii_name,
    "logically_deleted_row": logically_deleted_row,
    "end_before_start": defects_time.end_before_start,
}


def inject(
    rng: np.random.Generator,
    tables: dict[str, pd.DataFrame],
    specs: dict[str, TableSpec],
    rate: float,
    duplicate_sources: np.ndarray | None = None,
) -> pd.DataFrame:
    """Inject defects into ``tables`` in place and return the ledger.

    Duplicate registrations are planted by the generator (appended to PATDATA before it becomes a
    frame, which is far cheaper than growing a million-row frame); ``duplicate_sources`` names
    the registrations they copy, and they are ledgered here with the other defects."""
    inj = Injector(rng, tables, specs, rate)
    if inj.rate > 0:
        # Spells first: their episodes must then be spared the episode defects.
        if "ADMITDISCH" in tables:
            defects_time.end_before_start(inj, "ADMITDISCH", inj.budget("ADMITDISCH"))
        if "CONSEPISODE" in tables and "ADMITDISCH" in tables:
            defects_time.episode_defects(inj, inj.budget("CONSEPISODE"))
        defects_people.register_duplicates(inj, np.asarray(duplicate_sources if duplicate_sources is not None else []))
        defects_people.patient_defects(inj, inj.budget("PATDATA"))
        for table, kinds in DEFECT_PLAN.items():
            if table not in tables:
                continue
            for kind in kinds:
                if kind in GENERIC and not (table == "ADMITDISCH" and kind == "end_before_start"):
                    GENERIC[kind](inj, table, inj.budget(table))
        defects_people.merged_patients(inj, inj.budget("PATDATA"))
    return inj.ledger()
