"""Precision against the defect ledger: is every failure on synthetic data a fault of the data?

Recall (``detection.py``) asks whether each injected defect was caught. This asks the converse: each
rejected row and each failing business-invariant row of a run on synthetic extracts should trace to
a defect the generator injected: on the row itself; on a related record (an RTT period given
another patient's number leaves its statuses without a period: they share the pathway number); or
on the same patient's records (a future date of birth fails "activity not before birth" on the
patient's referrals). A failure no defect explains is a fault of the rules, not of the data: the
release decision lists it. On real extracts there is no ledger and nothing is judged.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qvh_migration.gates.files import EXPLANATIONS_FILE

PATIENT_KEY = r"InternalPatientNumber=([^|]+)"
# Record numbers that tie a row to its relatives across tables (a pathway, a spell or referral).
RELATED_KEYS = ("PathwayNumber", "EpisodeNumber")
EXPLANATION_COLUMNS = ("kind", "name", "target_table", "source_table", "source_key", "explained_by", "explained")


def patient_of(keys: pd.Series) -> pd.Series:
    """The legacy patient a row key names ("" when it names none: reference tables)."""
    return keys.astype("string").str.extract(PATIENT_KEY, expand=False).fillna("")


def explain(failures: pd.DataFrame, ledger: pd.DataFrame) -> pd.DataFrame:
    """Each failure (``kind``, ``name``, ``target_table``, ``source_table``, ``source_key``) with the
    ledgered defect that explains it: one on its own row first, else one of the same patient."""
    if failures.empty:
        return pd.DataFrame(columns=list(EXPLANATION_COLUMNS))
    out = failures.loc[:, ["kind", "name", "target_table", "source_table", "source_key"]].astype("string")
    defects = ledger.assign(
        table=ledger["table"].astype("string"),
        row_key=ledger["row_key"].astype("string"),
        defect_kind=ledger["defect_kind"].astype("string"),
    )
    own = (
        defects.drop_duplicates(["table", "row_key"])
        .set_index(["table", "row_key"])["defect_kind"]
        .rename("own_defect")
    )
    out = out.join(own, on=["source_table", "source_key"])
    by_patient = defects.assign(patient=patient_of(defects["row_key"]))
    by_patient = by_patient.loc[by_patient["patient"].ne("")]
    patient = patient_of(out["source_key"])
    # The patient's defect in the failing row's own table first (an offer whose cancellation was
    # given another spell's number), then in any table (a future date of birth).
    same_table = by_patient.drop_duplicates(["patient", "table"]).set_index(["patient", "table"])["defect_kind"]
    in_table = pd.Series(
        same_table.reindex(pd.MultiIndex.from_arrays([patient, out["source_table"]])).to_numpy(),
        index=out.index,
        dtype="string",
    )
    first = by_patient.drop_duplicates("patient").set_index("patient")
    patient_defect = patient.map(first["defect_kind"]).astype("string")
    patient_table = patient.map(first["table"]).astype("string")
    explained_by = (
        ("row: " + out["own_defect"])
        .fillna(_related(out["source_key"], defects))
        .fillna(("patient: " + in_table + " in " + out["source_table"]).where(patient.ne("")))
        .fillna(("patient: " + patient_defect + " in " + patient_table).where(patient.ne("")))
    )
    return out.drop(columns=["own_defect"]).assign(
        explained_by=explained_by.fillna(""), explained=explained_by.notna()
    )[list(EXPLANATION_COLUMNS)]


def _key_parts(keys: pd.Series) -> pd.DataFrame:
    """(row, key column, value) of each ``RELATED_KEYS`` part of each row key."""
    parts = keys.astype("string").str.split("|").explode().dropna()
    pairs = parts.str.split("=", n=1, expand=True)
    if pairs.shape[1] < 2:
        return pd.DataFrame(columns=["row", "column", "value"])
    frame = pd.DataFrame({"row": pairs.index, "column": pairs[0], "value": pairs[1]})
    return frame.loc[frame["column"].isin(RELATED_KEYS) & frame["value"].fillna("").ne("")]


def _related(keys: pd.Series, defects: pd.DataFrame) -> pd.Series:
    """ "related: <kind> in <table> (<column>)" for a failure sharing a pathway or spell number with a
    ledgered row; NA otherwise."""
    mine = _key_parts(keys.reset_index(drop=True)).astype({"row": "int64"})
    theirs = _key_parts(defects["row_key"].reset_index(drop=True)).astype({"row": "int64"})
    theirs = theirs.join(defects[["table", "defect_kind"]].reset_index(drop=True), on="row")
    pairs = mine.merge(theirs.drop(columns=["row"]), on=["column", "value"]).drop_duplicates("row")
    text = "related: " + pairs["defect_kind"] + " in " + pairs["table"] + " (" + pairs["column"] + ")"
    found = pd.Series(text.to_numpy(), index=pairs["row"].to_numpy(), dtype="string")
    return pd.Series(found.reindex(range(len(keys))).to_numpy(), index=keys.index, dtype="string")


def failures_of(rejects: pd.DataFrame, invariant_findings: pd.DataFrame) -> pd.DataFrame:
    """One row per rejected source row (its reasons joined) and per failing invariant row."""
    parts = []
    if not rejects.empty:
        rejected = (
            rejects.astype({"reason_code": "string"})
            .groupby(["target_table", "source_table", "source_key"], as_index=False)["reason_code"]
            .agg(lambda codes: ", ".join(sorted(set(codes))))
            .rename(columns={"reason_code": "name"})
        )
        parts.append(rejected.assign(kind="reject"))
    if not invariant_findings.empty:
        found = invariant_findings.loc[:, ["check", "target_table", "source_table", "source_key"]]
        parts.append(found.rename(columns={"check": "name"}).assign(kind="invariant"))
    if not parts:
        return pd.DataFrame(columns=["kind", "name", "target_table", "source_table", "source_key"])
    return pd.concat(parts, ignore_index=True)


def unexplained_counts(explanations: pd.DataFrame) -> dict[str, int]:
    """Failures no ledgered defect explains, by kind (reject, invariant)."""
    missing = explanations.loc[~explanations["explained"].astype(bool)]
    return {kind: int((missing["kind"] == kind).sum()) for kind in ("reject", "invariant")}


def read_explanations(gates_dir: Path) -> pd.DataFrame | None:
    """The run's explanations, or None when the run had no defect ledger (real extracts)."""
    path = Path(gates_dir) / EXPLANATIONS_FILE
    return pd.read_parquet(path) if path.exists() else None
