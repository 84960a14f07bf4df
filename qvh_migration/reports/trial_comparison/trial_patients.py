"""Choose the trial-comparison patients so that together they cover the range of values.

The guide asks for at least 50 patients "chosen to cover the range of values". Edge cases come
first (one patient each: merged, deceased, no GP, several addresses, aliases, cancelled and DNA
appointments, a restarted RTT clock, a multi-episode admission, a rejected row, one per injected
defect kind), then a greedy set cover of every legacy value of every coded field the data holds,
then patients in a seeded order up to the minimum count. Ties go to the lowest patient number,
so the same data and seed choose the same patients.
"""

from __future__ import annotations

import heapq
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from qvh_migration.io.masking import is_identifier_column
from qvh_migration.legacy.keys import DELETE_FLAG_VALUES

PATIENT = "InternalPatientNumber"
DEFAULT_PATIENTS = 50
GP_NOT_KNOWN = "G9999998"
# Legacy RTT statuses that restart a clock: end of active monitoring (11), new condition (12).
RESTARTS = ("AMEN", "CREF")
_PATIENT_IN_KEY = re.compile(r"InternalPatientNumber=([^|]+)")

Reader = Callable[[str], pd.DataFrame | None]


def extract_reader(extracts: Path) -> Reader:
    def read(table: str) -> pd.DataFrame | None:
        path = extracts / f"{table}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    return read


def _live(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows not logically deleted (deleted rows reach no target table)."""
    keep = pd.Series(True, index=frame.index)
    for column, (_live_value, deleted) in DELETE_FLAG_VALUES.items():
        if column in frame.columns:
            keep &= frame[column].astype(str).str.strip().ne(deleted)
    return frame.loc[keep]


def _patients(frame: pd.DataFrame | None, where: Callable[[pd.DataFrame], pd.Series] | None = None) -> set[str]:
    if frame is None or frame.empty:
        return set()
    frame = _live(frame)
    chosen = frame.loc[where(frame)] if where is not None else frame
    return set(chosen[PATIENT].astype(str))


def _several(frame: pd.DataFrame | None, by: list[str], minimum: int = 2) -> set[str]:
    if frame is None or frame.empty:
        return set()
    counts = _live(frame).groupby(by).size()
    return {str(key[0] if isinstance(key, tuple) else key) for key in counts[counts >= minimum].index}


def _blank(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].fillna("").astype(str).str.strip().eq("")


def edge_cases(read: Reader, target: Path) -> dict[str, set[str]]:
    """Each edge case the guide's trial must show, with the patients that have it."""
    merged = read("MERGEDID")
    appointments = read("OPA")
    cases = {
        "merged patient (MERGEDID survivor)": set()
        if merged is None
        else set(merged["NewestID"].astype(str).str.strip()),
        "deceased": _patients(read("PATDATA"), lambda f: ~_blank(f, "PtDateOfDeathInt")),
        "no GP": _patients(
            read("PATDATA"), lambda f: _blank(f, "GpCode") | f["GpCode"].astype(str).str.strip().eq(GP_NOT_KNOWN)
        ),
        "several addresses": _several(read("PREVADDRESS"), [PATIENT]),
        "aliases": _patients(read("PREVSURNAME")),
        "cancelled appointment": _patients(appointments, lambda f: f["ApptStatus"].astype(str).str.upper().eq("CANC")),
        "DNA appointment": _patients(appointments, lambda f: f["ApptStatus"].astype(str).str.upper().eq("NATT")),
        # A later period of a pathway, or an activity that restarts the clock (11, 12).
        "restarted RTT clock": _patients(
            read("RTTPERIOD"),
            lambda f: pd.to_numeric(f["PPeriodId"], errors="coerce").gt(1) | f["CurrentStatus"].isin(RESTARTS),
        )
        | _patients(appointments, lambda f: f["RttPeriodStatus"].astype(str).str.strip().isin(RESTARTS)),
        "multi-episode admission": _several(read("CONSEPISODE"), [PATIENT, "EpisodeNumber"]),
        "rejected row": rejected_patients(target),
    }
    ledger = read("defect_ledger")
    if ledger is not None:
        keyed = ledger.assign(patient=ledger["row_key"].astype(str).str.extract(_PATIENT_IN_KEY)[0]).dropna(
            subset=["patient"]
        )
        for kind, rows in keyed.groupby("defect_kind"):
            cases[f"defect: {kind}"] = set(rows["patient"])
    return cases


def rejected_patients(target: Path) -> set[str]:
    found: set[str] = set()
    for path in sorted((target / "rejects").glob("*.parquet")):
        keys = pd.read_parquet(path, columns=["source_key"])["source_key"].astype(str)
        found |= set(keys.str.extract(_PATIENT_IN_KEY)[0].dropna())
    return found


def coded_values(read: Reader, contract: pd.DataFrame) -> dict[str, set[str]]:
    """Patient -> the (table.field=legacy value) elements of coded fields their live rows hold."""
    fields: set[str] = set()
    for rule in contract.to_dict("records"):
        if rule["mapping_class"] not in ("CROSSWALK", "DIRECT", "TRANSFORM", "DERIVED"):
            continue
        sources = [s for s in str(rule["source_fields"]).split(";") if "." in s]
        code_sets = str(rule["crosswalk"]).split(";") if rule["crosswalk"] else []
        # A crosswalk per source position; a legacy code passed through for the vendor's code type.
        fields |= {s for s, code_set in zip(sources, code_sets, strict=False) if code_set}
        if rule["code_type"] and len(sources) == 1 and rule["data_type"] != "DATE":
            fields |= set(sources)
    fields = sorted(fields)
    elements: dict[str, set[str]] = {}
    for table, columns in pd.Series(fields).str.split(".", n=1, expand=True).groupby(0)[1]:
        frame = read(str(table))
        if frame is None or PATIENT not in frame.columns:
            continue
        frame = _live(frame)
        for column in columns:
            if column not in frame.columns or is_identifier_column(column):
                continue  # reasons are shown: a patient's identifier is not a code to cover
            values = frame[column].fillna("").astype(str).str.strip()
            pairs = pd.DataFrame({"patient": frame[PATIENT].astype(str), "value": values}).loc[values.ne("")]
            pairs = pairs.drop_duplicates()  # one element per patient and value, however many rows hold it
            prefix = f"{table}.{column}="
            for patient, value in zip(pairs["patient"], pairs["value"], strict=True):
                elements.setdefault(patient, set()).add(prefix + value)
    return elements


def greedy_cover(
    everyone: list[str], elements: dict[str, set[str]], covered: set[str], taken: set[str]
) -> Iterator[str]:
    """Patients in greedy set-cover order: each time the one adding the most uncovered values, ties to
    the earliest in ``everyone``; stops when nobody adds one. A patient's gain only falls as values get
    covered, so a stale gain is an upper bound: the top of the heap is re-counted and taken only when
    it still beats every other bound (the same choice as re-counting everyone each round)."""
    covered = set(covered)
    heap = [(-len(elements.get(p, set())), i, p) for i, p in enumerate(everyone) if p not in taken]
    heapq.heapify(heap)
    while heap:
        _bound, i, patient = heapq.heappop(heap)
        gain = len(elements.get(patient, set()) - covered)
        if heap and (-gain, i) > heap[0][:2]:
            heapq.heappush(heap, (-gain, i, patient))  # another may now add more: look again
            continue
        if gain == 0:
            return
        covered |= elements[patient]
        yield patient


def choose_patients(
    read: Reader, contract: pd.DataFrame, target: Path, minimum: int = DEFAULT_PATIENTS, seed: int = 0
) -> pd.DataFrame:
    """``patient_key, reasons`` (unmasked) of the chosen patients, in the order chosen."""
    patients_frame = read("PATDATA")
    everyone = sorted(_patients(patients_frame)) if patients_frame is not None else []
    known = set(everyone)
    reasons: dict[str, list[str]] = {}
    for case, having in edge_cases(read, target).items():
        having = sorted(having & known)
        if not having:
            continue
        already = [p for p in having if p in reasons]
        patient = already[0] if already else having[0]
        reasons.setdefault(patient, []).append(case)
    elements = coded_values(read, contract)
    covered = set().union(*(elements.get(p, set()) for p in reasons)) if reasons else set()
    for patient in greedy_cover(everyone, elements, covered, set(reasons)):
        new = sorted(elements[patient] - covered)
        reasons[patient] = [
            f"covers {len(new)} code value(s): " + ", ".join(new[:5]) + (" ..." if len(new) > 5 else "")
        ]
        covered |= set(new)
    rest = [p for p in everyone if p not in reasons]
    for patient in random.Random(seed).sample(rest, k=min(len(rest), max(0, minimum - len(reasons)))):
        reasons[patient] = ["seeded sample to reach the minimum"]
    return pd.DataFrame({"patient_key": list(reasons), "reasons": ["; ".join(r) for r in reasons.values()]})
