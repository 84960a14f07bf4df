"""Recount defects from the extract data alone (no ledger, no generator state).

Each function answers one question a quality gate asks of a legacy extract: which NHS numbers
fail Modulus 11, which codes have no crosswalk entry, which child rows have no parent, and so on.
``recount_defects`` puts them together per (table, defect kind) so tests and gates can compare the
data against a defect ledger.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.legacy.catalog import TableSpec, date_columns, table_specs
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS, code_values
from qvh_migration.legacy.dates import parse_minutes
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES, PRIORITY_TABLES, RELATIONS
from qvh_migration.legacy.nhs_number import nhs_digits, repeated_digit_numbers, valid_nhs_numbers
from qvh_migration.mock.coding import invalid_code_shapes
from qvh_migration.mock.parameters import EXTRACT_MINUTE, NO_TIME
from qvh_migration.mock.rules import MANDATORY, NAME_COLUMNS, START_END
from qvh_migration.mock.strings import series_arrow
from qvh_migration.mock.vector import take_or

Tables = Mapping[str, pd.DataFrame]


def _nonempty(s: pd.Series) -> np.ndarray:
    return (s != "").to_numpy(dtype=bool)


def nhs_number_faults(patdata: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(fails Modulus 11, repeated-digit dummy) per row; empty numbers are neither."""
    numbers = patdata["NhsNumber"]
    present = _nonempty(nhs_digits(numbers))
    dummy = repeated_digit_numbers(numbers).to_numpy(dtype=bool)
    invalid = present & ~dummy & ~valid_nhs_numbers(numbers).to_numpy(dtype=bool)
    return invalid, dummy


def nhs_number_in_999_range(patdata: pd.DataFrame) -> np.ndarray:
    digits = patdata["NhsNumber"].str.replace(" ", "", regex=False)
    return digits.str.startswith("999").to_numpy(dtype=bool) & _nonempty(digits)


def missing_mandatory(tables: Tables) -> dict[str, int]:
    """Blank mandatory cells per table."""
    return {
        t: int(sum((~_nonempty(tables[t][c])).sum() for c in cols if c in tables[t]))
        for t, cols in MANDATORY.items()
        if t in tables
    }


def unmapped_codes(tables: Tables, only: tuple[str, ...] = PRIORITY_TABLES) -> dict[str, int]:
    """Non-empty coded cells whose value is not in the field's legacy code set."""
    out: dict[str, int] = {}
    for (table, column), code_set in LEGACY_CODE_FIELDS.items():
        if table in tables and table in only and column in tables[table]:
            s = tables[table][column]
            bad = _nonempty(s) & ~s.isin(code_values(code_set)).to_numpy(dtype=bool)
            out[table] = out.get(table, 0) + int(bad.sum())
    return out


def _key(df: pd.DataFrame, cols: tuple[str, ...]) -> pa.Array:
    """The link columns joined with "|", in Arrow (a null cell gives a null key)."""
    parts = [series_arrow(df[c]) for c in cols]
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, pa.scalar("|", pa.large_string()))


def _found_in(keys: pa.Array, pool: pa.Array) -> np.ndarray:
    """``keys.isin(pool)`` as pandas answers it (null matches null), in Arrow: pandas' isin on Arrow
    strings builds one Python object per pool value, which took minutes at a million patients."""
    return pc.is_in(keys, value_set=pool, skip_nulls=False).to_numpy(zero_copy_only=False)


def orphan_rows(tables: Tables) -> dict[str, np.ndarray]:
    """Per child table, rows with a non-empty link to a parent row that does not exist."""
    out: dict[str, np.ndarray] = {}
    for child, cols, parent, pcols in RELATIONS:
        if child not in tables or parent not in tables:
            continue
        df = tables[child]
        linked = np.logical_and.reduce([_nonempty(df[c]) for c in cols])
        missing = linked & ~_found_in(_key(df, cols), _key(tables[parent], pcols))
        out[child] = out.get(child, np.zeros(len(df), bool)) | missing
    return out


def _minutes(tables: Tables, specs: Mapping[str, TableSpec], table: str, column: str) -> np.ndarray:
    return parse_minutes(tables[table][column], date_columns(specs[table])[column])[0]


def episode_checks(tables: Tables, specs: Mapping[str, TableSpec]) -> tuple[np.ndarray, np.ndarray]:
    """(episode outside its spell, episode starting before the previous one ended), per CONSEPISODE
    row.  Only episodes of a valid spell (admission <= discharge) are judged."""
    from qvh_migration.mock.defects_time import episode_frame

    frame = episode_frame(tables, lambda t, c: _minutes(tables, specs, t, c))
    judged = (frame["spell"] >= 0) & (frame["adm_start"] != NO_TIME)
    judged &= (frame["adm_end"] == NO_TIME) | (frame["adm_end"] >= frame["adm_start"])
    start, end = frame["start"], frame["end"]
    early = (start != NO_TIME) & (start < frame["adm_start"])
    late = (end != NO_TIME) & (frame["adm_end"] != NO_TIME) & (end > frame["adm_end"])
    outside = (judged & (early | late)).to_numpy()
    prev = frame["prev_row"].to_numpy()
    prev_end = take_or(end.to_numpy(), prev, NO_TIME)
    overlap = judged.to_numpy() & (prev >= 0) & (prev_end != NO_TIME) & (start.to_numpy() < prev_end)
    return outside, overlap


def ends_before_starts(tables: Tables, specs: Mapping[str, TableSpec]) -> dict[str, int]:
    out = {}
    for table, (start_col, end_col) in START_END.items():
        if table in tables:
            start = _minutes(tables, specs, table, start_col)
            end = _minutes(tables, specs, table, end_col)
            out[table] = int(((start != NO_TIME) & (end != NO_TIME) & (end < start)).sum())
    return out


def future_births(patdata: pd.DataFrame, specs: Mapping[str, TableSpec]) -> np.ndarray:
    minutes = parse_minutes(patdata["InternalDateOfBirth"], date_columns(specs["PATDATA"])["InternalDateOfBirth"])[0]
    return (minutes != NO_TIME) & (minutes > EXTRACT_MINUTE)


def duplicate_patients(patdata: pd.DataFrame) -> int:
    """Extra registrations of one person: same surname, forenames, birth, sex and postcode."""
    cols = ["Surname", "Forenames", "InternalDateOfBirth", "Sex", "PtAddrPostCode"]
    complete = np.logical_and.reduce([_nonempty(patdata[c]) for c in cols])
    return int(patdata.loc[complete, cols].duplicated().sum())


def logically_deleted(tables: Tables, specs: Mapping[str, TableSpec]) -> dict[str, int]:
    out = {}
    for table, spec in specs.items():
        if table not in tables:
            continue
        for col in spec.columns:
            if col.is_delete_flag and col.name in DELETE_FLAG_VALUES:
                n = int((tables[table][col.name] == DELETE_FLAG_VALUES[col.name][1]).sum())
                out[table] = out.get(table, 0) + n
    return out


def merged_patients(tables: Tables) -> int:
    merged = tables.get("MERGEDID")
    return 0 if merged is None else int((_nonempty(merged["OldID"]) & (merged["OldID"] != merged["NewestID"])).sum())


def over_length_cells(df: pd.DataFrame, spec: TableSpec) -> dict[str, np.ndarray]:
    """Per column, rows whose value is longer than the column's Size."""
    out = {}
    for col in spec.columns:
        if col.size is not None and col.name in df:
            too_long = pc.greater(pc.utf8_length(series_arrow(df[col.name])), col.size)
            mask = too_long.to_numpy(zero_copy_only=False)
            if mask.any():
                out[col.name] = mask
    return out


def non_ascii_rows(df: pd.DataFrame, columns: tuple[str, ...]) -> np.ndarray:
    masks = [~pc.string_is_ascii(series_arrow(df[c])).to_numpy(zero_copy_only=False) for c in columns if c in df]
    return np.logical_or.reduce(masks) if masks else np.zeros(len(df), bool)


def malformed_dates(df: pd.DataFrame, spec: TableSpec) -> dict[str, np.ndarray]:
    """Per date column, rows whose non-empty value does not parse in the column's format."""
    out = {}
    for column, fmt in date_columns(spec).items():
        if column in df:
            ok = parse_minutes(df[column], fmt)[1]
            if not ok.all():
                out[column] = ~ok
    return out


def recount_defects(tables: Tables, source_catalog: pd.DataFrame) -> pd.DataFrame:
    """Defects found in the data, per (table, defect_kind), for every kind that can be recounted."""
    specs = table_specs(source_catalog, tables.keys())
    rows: list[tuple[str, str, int]] = []

    def add(table: str, kind: str, count: int) -> None:
        if count:
            rows.append((table, kind, int(count)))

    if "PATDATA" in tables:
        pat = tables["PATDATA"]
        invalid, dummy = nhs_number_faults(pat)
        add("PATDATA", "invalid_nhs_check_digit", invalid.sum())
        add("PATDATA", "dummy_nhs_number", dummy.sum())
        add("PATDATA", "future_date_of_birth", future_births(pat, specs).sum())
        add("PATDATA", "duplicate_patient", duplicate_patients(pat))
    for table, n in missing_mandatory(tables).items():
        add(table, "missing_mandatory_value", n)
    for table, n in unmapped_codes(tables).items():
        add(table, "unmapped_code", n)
    for table, mask in orphan_rows(tables).items():
        add(table, "orphan_child_row", mask.sum())
    if "CONSEPISODE" in tables and "ADMITDISCH" in tables:
        outside, overlap = episode_checks(tables, specs)
        add("CONSEPISODE", "episode_outside_spell", outside.sum())
        add("CONSEPISODE", "overlapping_episodes", overlap.sum())
    for table, n in ends_before_starts(tables, specs).items():
        add(table, "end_before_start", n)
    for table, n in logically_deleted(tables, specs).items():
        add(table, "logically_deleted_row", n)
    add("MERGEDID", "merged_patient", merged_patients(tables))
    for table, mask in invalid_code_shapes(tables).items():
        add(table, "invalid_code_shape", mask.sum())
    for table, df in tables.items():
        add(table, "over_length_value", sum(m.sum() for m in over_length_cells(df, specs[table]).values()))
        add(table, "malformed_legacy_date", sum(m.sum() for m in malformed_dates(df, specs[table]).values()))
        if table in NAME_COLUMNS:
            add(table, "non_ascii_name", non_ascii_rows(df, NAME_COLUMNS[table]).sum())
    out = pd.DataFrame(rows, columns=["table", "defect_kind", "count"])
    return out.sort_values(["table", "defect_kind"], ignore_index=True)


def ledger_counts(ledger: pd.DataFrame) -> pd.DataFrame:
    """The ledger summarised the same way as ``recount_defects``."""
    out = ledger.groupby(["table", "defect_kind"]).size().rename("count").reset_index()
    out["table"] = out["table"].astype(str)
    out["defect_kind"] = out["defect_kind"].astype(str)
    return out.sort_values(["table", "defect_kind"], ignore_index=True)


def reconcile_ledger(tables: Tables, ledger: pd.DataFrame, source_catalog: pd.DataFrame) -> pd.DataFrame:
    """Per table and defect kind, the count recounted from the data beside the ledger's count."""
    found = recount_defects(tables, source_catalog)
    expected = ledger_counts(ledger)
    merged = found.merge(expected, on=["table", "defect_kind"], how="outer", suffixes=("_found", "_ledger"))
    return merged.fillna(0)


def ledger_check(tables: Tables, ledger: pd.DataFrame, source_catalog: pd.DataFrame, synthetic: bool) -> CheckOutcome:
    """Synthetic extracts: every defect kind recounts to the ledger's count. Real extracts have no
    injected defects to reconcile, so the check passes and lists the faults the recount finds."""
    merged = reconcile_ledger(tables, ledger, source_catalog)
    differing = merged[merged["count_found"] != merged["count_ledger"]]
    listing = "differences" if synthetic else "faults_found"
    return CheckOutcome(
        passed=differing.empty or not synthetic,
        metadata={"kinds_checked": len(merged), listing: differing},
    )
