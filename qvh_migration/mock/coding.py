"""Clinical coding of consultant episodes and outpatient attendances: ICD-10 diagnoses, OPCS-4 procedures.

PatientCentre keeps an episode's primary diagnosis and procedure on the episode (CONSEPISODE) or
attendance (OPA) and the rest in repeat groups keyed by the parent's key and a sequence number:
CONSEPISDIAG and OPADIAGNOSIS hold the ranked diagnoses (sequence 1 repeats the primary),
CONSEPISPROC and OPPROCEDURE the secondary procedures. The groups are built here from the rendered
(and defect-injected) parent tables, so every coding row has its episode or attendance whatever
defects the parents carry. Codes are written in the dictionary's dotted form (``S52.5``,
``I10.X``), at most the column's size.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from qvh_migration.io.arrow_text import series_arrow, to_series
from qvh_migration.legacy.catalog import TableSpec
from qvh_migration.legacy.code_shapes import ICD10_SHAPE, OPCS4_SHAPE
from qvh_migration.legacy.keys import row_key_array
from qvh_migration.mock.catalog import ColumnValue, render_table
from qvh_migration.mock.render_inpatients import CODING
from qvh_migration.mock.rules import LEDGER_COLUMNS
from qvh_migration.mock.strings import EmptyColumns, pick, replace_rows

# Secondary diagnoses seen alongside QVH's surgery: comorbidities and risk factors (ICD-10 5th ed.).
COMORBIDITIES = ("I10.X", "E11.9", "J45.9", "Z72.0", "E66.9", "Z86.7", "I25.9", "Z92.1", "F17.1", "N18.3")
# OPCS-4 laterality codes that commonly follow a procedure on a paired site (right, left).
LATERALITY = ("Z94.2", "Z94.3")
ATTENDED = ("ATT", "WLK", "SATT")
OUTPATIENT_CODED_SHARE = 0.5  # attendances clinically coded (outpatient coding is partial)
OUTPATIENT_PROCEDURE_SHARE = 0.3  # coded attendances with a procedure (minor ops, dressings)


def coding_tables(
    rng: np.random.Generator, tables: dict[str, pd.DataFrame], specs: Mapping[str, TableSpec], empties: EmptyColumns
) -> dict[str, pd.DataFrame]:
    """The coding repeat groups the catalog has; primary codes of attendances are set on OPA in place."""
    out: dict[str, pd.DataFrame] = {}
    episodes = tables.get("CONSEPISODE")
    if episodes is not None:
        diag, proc = _episode_coding(rng, episodes)
        out.update(_rendered({"CONSEPISDIAG": diag, "CONSEPISPROC": proc}, specs, empties))
    attendances = tables.get("OPA")
    if attendances is not None:
        tables["OPA"], diag, proc = _attendance_coding(rng, attendances)
        out.update(_rendered({"OPADIAGNOSIS": diag, "OPPROCEDURE": proc}, specs, empties))
    return out


def _rendered(
    values: dict[str, tuple[dict[str, ColumnValue], int]], specs: Mapping[str, TableSpec], empties: EmptyColumns
) -> dict[str, pd.DataFrame]:
    return {name: render_table(specs[name], cols, n, empties)[0] for name, (cols, n) in values.items() if name in specs}


def _groups(sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parent position and 1-based sequence number of every child row, ``sizes[i]`` children each."""
    parent = np.repeat(np.arange(sizes.size), sizes)
    starts = np.cumsum(sizes) - sizes
    return parent, np.arange(parent.size) - np.repeat(starts, sizes) + 1


SERVICES = tuple(CODING)
# One vocabulary per part: every service's codes, then the extra codes (comorbidities; laterality).
DIAGNOSES = tuple(code for lists in CODING.values() for code in lists[0]) + COMORBIDITIES
PROCEDURES = tuple(code for lists in CODING.values() for code in lists[1]) + LATERALITY


def _service_codes(service: np.ndarray, part: int, offset: np.ndarray) -> np.ndarray:
    """Index into the part's vocabulary: the service's list, entry ``offset`` (wrapped); an unknown
    service (-1) codes like plastics."""
    out = np.zeros(service.size, dtype=np.int64)
    base = 0
    for s, name in enumerate(SERVICES):
        size = len(CODING[name][part])
        rows = (service == s) | ((service < 0) & (name == "PLAS"))
        out[rows] = base + offset[rows] % size
        base += size
    return out


def _extra(part: int, offset: np.ndarray) -> np.ndarray:
    """Index of an extra code (comorbidity or laterality), ``offset`` wrapped."""
    extras = COMORBIDITIES if part == 0 else LATERALITY
    vocabulary = DIAGNOSES if part == 0 else PROCEDURES
    return len(vocabulary) - len(extras) + offset % len(extras)


def _services(frame: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    found = pc.index_in(_take(frame, column, rows), value_set=pa.array(SERVICES, pa.large_string()))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _take(frame: pd.DataFrame, column: str, rows: np.ndarray) -> pa.Array:
    return series_arrow(frame[column]).take(pa.array(rows, type=pa.int64()))


def _keys(frame: pd.DataFrame, columns: tuple[str, ...], rows: np.ndarray) -> dict[str, ColumnValue]:
    return {c: _take(frame, c, rows) for c in columns}


def _numbers(seq: np.ndarray) -> pa.Array:
    return pa.array(seq.astype(str), type=pa.large_string())


def _filled(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pc.not_equal(series_arrow(frame[column]), "").to_numpy(zero_copy_only=False)


def _episode_coding(rng: np.random.Generator, eps: pd.DataFrame) -> tuple[tuple[dict, int], tuple[dict, int]]:
    coded = np.flatnonzero(_filled(eps, "KornerEpisodePrimaryDiagnosisCode"))
    keys = ("InternalPatientNumber", "EpisodeNumber", "FCENumber")
    # Diagnoses: the episode's primary, then 0-4 comorbidities, distinct within the episode.
    parent, seq = _groups(1 + np.minimum(rng.poisson(0.9, coded.size), 4))
    rows = coded[parent]
    secondary = pick(DIAGNOSES, _extra(0, rng.integers(0, len(COMORBIDITIES), coded.size)[parent] + seq))
    codes = pc.if_else(pa.array(seq == 1), _take(eps, "KornerEpisodePrimaryDiagnosisCode", rows), secondary)
    diag = {
        **_keys(eps, keys, rows),
        "SecondaryDiagnosis": codes,
        "SecondaryDiagSeqNo": _numbers(seq),
        "SeqNo": _numbers(seq),
        "FCEEndDateTime": _take(eps, "ConsultantEpisodeEndDttm", rows),
    }
    # Procedures after the primary: 0-3, the service's other operations, then laterality.
    operated = coded[_filled(eps, "KornerEpisodePrimaryProcedureCode")[coded]]
    p_parent, p_seq = _groups(rng.binomial(3, 0.25, operated.size))
    p_rows = operated[p_parent]
    offset = rng.integers(1, 4, operated.size)[p_parent] + p_seq
    service = _service_codes(_services(eps, "SpecialtyCode", p_rows), 1, offset)
    procedures = np.where(p_seq == 3, _extra(1, offset), service)
    proc = {
        **_keys(eps, keys, p_rows),
        "OPCS": pick(PROCEDURES, procedures),
        "SecondaryProcSeqNo": _numbers(p_seq),
        "SeqNo": _numbers(p_seq),
        "ProcedureDateInt": _take(eps, "KornerEpisodeProcedureDateInternal", p_rows),
        "DoctorPerfOp": _take(eps, "DoctorCodePerformingPrimaryOperation", p_rows),
        "FCEEndDateTimeInt": _take(eps, "ConsultantEpisodeEndDttm", p_rows),
    }
    return (diag, len(rows)), (proc, len(p_rows))


def _attendance_coding(
    rng: np.random.Generator, opa: pd.DataFrame
) -> tuple[pd.DataFrame, tuple[dict, int], tuple[dict, int]]:
    attended = pc.is_in(series_arrow(opa["ApptStatus"]), value_set=pa.array(ATTENDED, pa.large_string()))
    coded = np.flatnonzero(attended.to_numpy(zero_copy_only=False) & (rng.random(len(opa)) < OUTPATIENT_CODED_SHARE))
    service = _services(opa, "ClinicSpecialty", coded)
    primary = _service_codes(service, 0, rng.integers(0, 5, coded.size))
    keys = ("InternalPatientNumber", "EpisodeNumber", "PtApptStartDtimeInt")
    parent, seq = _groups(1 + np.minimum(rng.poisson(0.4, coded.size), 3))
    rows = coded[parent]
    comorbidity = _extra(0, rng.integers(0, len(COMORBIDITIES), coded.size)[parent] + seq)
    codes = np.where(seq == 1, primary[parent], comorbidity)
    diag = {
        **_keys(opa, keys, rows),
        "SeqNo": _numbers(seq),
        "SchAttDiagCod": pick(DIAGNOSES, codes),
        "ResCode": _take(opa, "ClinicConsultant", rows),
    }
    operated = rng.random(coded.size) < OUTPATIENT_PROCEDURE_SHARE
    main_procedure = _service_codes(service, 1, rng.integers(0, 3, coded.size))
    # Secondary procedures of an attendance: laterality first, then another of the service's.
    p_parent, p_seq = _groups(np.where(operated, rng.binomial(2, 0.2, coded.size), 0))
    p_rows = coded[p_parent]
    later = _service_codes(service[p_parent], 1, p_seq + 1)
    p_codes = np.where(p_seq == 1, _extra(1, rng.integers(0, 2, p_rows.size)), later)
    proc = {
        **_keys(opa, keys, p_rows),
        "OpAppointmentProcedureSequenceNumber": _numbers(p_seq),
        "Operation": pick(PROCEDURES, p_codes),
        "ResCode": _take(opa, "ClinicConsultant", p_rows),
    }
    # The attendance keeps its primary (and first subsidiary) diagnosis and its main procedure.
    second = np.flatnonzero(seq == 2)
    updated = opa.copy()
    for column, vocabulary, at, values in (
        ("AttPriDiagCode", DIAGNOSES, coded, primary),
        ("AttSubDiagCode", DIAGNOSES, rows[second], codes[second]),
        ("ApptPrimaryProcedureCode", PROCEDURES, coded[operated], main_procedure[operated]),
    ):
        if column in updated.columns:  # empty before coding: the attendance is coded here
            index = np.full(len(opa), -1, dtype=np.int64)
            index[at] = values
            updated[column] = to_series(pick(vocabulary, index, index >= 0)).set_axis(updated.index)
    return updated, (diag, len(rows)), (proc, len(p_rows))


# Coded columns and the shape of their classification (checked without the dot, as the ETL does).
CODE_COLUMNS: dict[str, tuple[str, str, str]] = {
    "CONSEPISDIAG": ("SecondaryDiagnosis", "SecondaryDiagSeqNo", ICD10_SHAPE),
    "CONSEPISPROC": ("OPCS", "SecondaryProcSeqNo", OPCS4_SHAPE),
    "OPADIAGNOSIS": ("SchAttDiagCod", "SeqNo", ICD10_SHAPE),
    "OPPROCEDURE": ("Operation", "OpAppointmentProcedureSequenceNumber", OPCS4_SHAPE),
}
# Secondary diagnoses get the defect: the primary (sequence 1) must stay equal to its parent's.
INVALID_CODE_TABLES = ("CONSEPISDIAG", "OPADIAGNOSIS")


def invalid_code_shapes(tables: Mapping[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Rows whose code is present but not of its classification's shape, per coding table."""
    out = {}
    for table, (column, _, shape) in CODE_COLUMNS.items():
        if table in tables:
            code = tables[table][column].str.replace(".", "", regex=False)
            out[table] = ((code != "") & ~code.str.fullmatch(shape)).to_numpy(dtype=bool)
    return out


def plant_invalid_codes(rng: np.random.Generator, tables: dict[str, pd.DataFrame], rate: float) -> pd.DataFrame:
    """Give about ``rate`` of the secondary diagnoses a code of no classification's shape (the letter
    moved to the end, ``C44.3`` -> ``44.3C``); the ledger rows of what was planted."""
    parts = []
    for table in INVALID_CODE_TABLES if rate > 0 else ():
        frame = tables.get(table)
        if frame is None:
            continue
        column, sequence, _ = CODE_COLUMNS[table]
        candidates = np.flatnonzero((frame[sequence] != "1").to_numpy(dtype=bool))
        k = min(candidates.size, max(1, round(rate * len(frame))))
        rows = np.sort(rng.choice(candidates, k, replace=False))
        codes = series_arrow(frame[column])
        bad = [code[1:] + code[:1] for code in codes.take(pa.array(rows)).to_pylist()]  # rate x rows: few
        replaced = to_series(replace_rows(codes, rows, bad)).set_axis(frame.index)
        tables[table] = frame.assign(**{column: replaced})
        parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "row_key": to_series(row_key_array(tables[table], table, rows)).to_numpy(),
                    "column": column,
                    "defect_kind": "invalid_code_shape",
                    "detail": ["not an ICD-10 code: " + code for code in bad],
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(LEDGER_COLUMNS))


def with_planted(ledger: pd.DataFrame, planted: pd.DataFrame) -> pd.DataFrame:
    """The injector's ledger with the coding defects, in its order and text columns."""
    if planted.empty:
        return ledger
    merged = pd.concat([ledger, planted[list(LEDGER_COLUMNS)]], ignore_index=True)
    merged = merged.sort_values(["table", "defect_kind", "row_key"], ignore_index=True)
    return merged.astype({c: ledger[c].dtype for c in LEDGER_COLUMNS})
