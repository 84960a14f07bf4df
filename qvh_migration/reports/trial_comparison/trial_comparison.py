"""The guide's trial comparison: source, expected and loaded values side by side for the trial patients.

For every target row of the chosen patients, one ``(row)`` line compares the row's outcome the
reference evaluator expects (``loaded``, ``rejected: FIELD:reason; ...``, ``filtered: reason``)
with the target's (the row in the staging database, or the rejects ledger, or the filter reason of
the outcomes file). For every row both sides loaded, one line per migrated field compares the
expected value with the value read back from ``staging.duckdb``. Masking is applied after the
comparison, to what is written.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.io.masking import is_identifier_column, mask_row_keys, mask_values
from qvh_migration.mapping.crosswalks import load_crosswalks
from qvh_migration.mapping.files import CONTRACT_CSV, read_contract
from qvh_migration.reports.trial_comparison.reference.reference_contract import (
    UNFILLED,
    ReferenceContract,
    RowVerdict,
    unevaluable_transforms,
)
from qvh_migration.reports.trial_comparison.reference.reference_sources import ReferenceSources
from qvh_migration.reports.trial_comparison.reference.reference_transforms import number_text

COMPARISON_COLUMNS = (
    "patient_key",
    "target_table",
    "record_number",
    "field",
    "source_value",
    "expected_value",
    "target_value",
    "mismatch",
    "basis",
)
SUMMARY_COLUMNS = ("target_table", "patients", "rows", "fields_compared", "values_compared", "mismatches")
ROW_FIELD = "(row)"
STAGING_DATABASE = "staging.duckdb"
POSITION = "__trial_position"  # a column name no target table uses


def read_registry(target: Path) -> dict[str, dict[str, int]]:
    registry = pd.read_parquet(target / "key_registry.parquet", columns=["target_table", "grain_key", "record_number"])
    return {
        str(table): dict(zip(part["grain_key"].astype(str), part["record_number"].astype(int), strict=True))
        for table, part in registry.groupby("target_table")
    }


def outcomes_reader(target: Path):
    cache: dict[str, dict[int, tuple[str, str]] | None] = {}

    def read(table: str) -> dict[int, tuple[str, str]] | None:
        if table not in cache:
            path = target / "outcomes" / f"{table}.parquet"
            if not path.exists():
                cache[table] = None
            else:
                frame = pd.read_parquet(path)
                reasons = frame["reason"].fillna("").astype(str)
                cache[table] = {
                    int(n): (str(o), str(r))
                    for n, o, r in zip(frame["record_number"], frame["outcome"], reasons, strict=True)
                }
        return cache[table]

    return read


def check_evaluable(contract: pd.DataFrame, path: Path) -> None:
    """Stop before comparing anything when the contract uses a transform the reference cannot evaluate."""
    unknown = unevaluable_transforms(contract["transform"].astype(str))
    if unknown:
        used = contract.loc[contract["transform"].isin(unknown)]
        named = [f"{t}.{f}" for t, f in zip(used["target_table"], used["target_field"], strict=True)]
        fields = ", ".join(named[:4]) + (f" and {len(named) - 4} more" if len(named) > 4 else "")
        raise MigrationInputError(
            path,
            f"the trial comparison's reference evaluator cannot evaluate transform(s) {', '.join(unknown)} "
            f"(used by {fields}): give each a scalar version in "
            "reports/trial_comparison/reference/reference_transforms.py or "
            "reports/trial_comparison/reference/reference_coding.py, or a kind the reference evaluates",
        )


def reference_contract(
    data_dir: Path, crosswalk_dir: Path, patients: set[str], row_sources_file: Path | None = None
) -> ReferenceContract:
    """The reference evaluator over the run's files, reading only the given patients' rows."""
    tables = pd.read_parquet(data_dir / "catalogs" / "target_tables.parquet")
    fields = pd.read_parquet(data_dir / "catalogs" / "target_catalog.parquet")
    comments = {
        (str(t), str(f)): str(c or "")
        for t, f, c in zip(fields["table_name"], fields["field_name"], fields["comment"], strict=True)
    }
    crosswalks = {
        name: dict(zip(frame["legacy_code"].astype(str), frame["target_code"].astype(str), strict=True))
        for name, frame in load_crosswalks(crosswalk_dir).items()
    }
    kwargs = {"target_tables": set(tables["table_name"])}
    row_sources = load_row_sources(row_sources_file, **kwargs) if row_sources_file else load_row_sources(**kwargs)
    target = data_dir / "target"
    contract = read_contract(data_dir / "mapping")
    check_evaluable(contract, data_dir / "mapping" / CONTRACT_CSV)
    return ReferenceContract(
        contract,
        comments,
        crosswalks,
        row_sources,
        read_registry(target),
        outcomes_reader(target),
        ReferenceSources(data_dir / "extracts", patients),
    )


def load_order(data_dir: Path) -> list[str]:
    tables = pd.read_parquet(data_dir / "catalogs" / "target_tables.parquet")
    return tables.sort_values("load_order")["table_name"].astype(str).tolist()


def compare(
    data_dir: Path, crosswalk_dir: Path, patients: list[str], row_sources_file: Path | None = None
) -> pd.DataFrame:
    """The comparison lines (unmasked) of every table for the given patients."""
    reference = reference_contract(data_dir, crosswalk_dir, set(patients), row_sources_file)
    target = data_dir / "target"
    lines: list[dict[str, object]] = []
    with duckdb.connect(str(target / STAGING_DATABASE), read_only=True) as database:
        for table in load_order(data_dir):
            verdicts = reference.evaluate_table(table)
            if verdicts:
                lines += table_lines(table, verdicts, reference, database, target)
    frame = pd.DataFrame(lines, columns=list(COMPARISON_COLUMNS))
    return frame.astype({"record_number": "Int64", "mismatch": "bool"})


def table_lines(
    table: str, verdicts: list[RowVerdict], reference: ReferenceContract, database, target: Path
) -> list[dict[str, object]]:
    rules = {r["target_field"]: r for r in reference.rules(table)}
    key_field = next((f for f, r in rules.items() if r["generator"] == "sequence"), None)
    numbers = [v.record_number for v in verdicts if v.record_number is not None]
    loaded: dict[int, dict[str, object]] = {}
    if key_field and numbers:
        found = database.execute(
            f'SELECT * FROM "{table}" WHERE "{key_field}" IN (SELECT UNNEST(?))', [numbers]
        ).fetchdf()
        loaded = {int(r[key_field]): r for r in found.to_dict("records")}
    elif numbers:
        loaded = rows_by_position(table, database, reference.parent_outcomes(table) or {}, set(numbers))
    outcomes = reference.parent_outcomes(table) or {}
    rejects = reject_reasons(target, table)
    lines = []
    for verdict in verdicts:
        number = verdict.record_number
        if number in loaded:
            actual = "loaded"
        else:
            state, why = outcomes.get(number, ("absent", ""))
            found_reasons = sorted({r for k in verdict.source_keys for r in rejects.get(k, [])})
            actual = f"rejected: {'; '.join(found_reasons)}" if state == "rejected" else state
            actual = f"filtered: {why}" if state == "filtered" else actual
        expected = verdict.outcome
        if verdict.reasons:
            expected += ": " + "; ".join(verdict.reasons)
        base = {"patient_key": verdict.patient, "target_table": table, "record_number": number}
        lines.append(
            {**base, "field": ROW_FIELD, "source_value": "; ".join(verdict.source_keys), "expected_value": expected,
             "target_value": actual, "mismatch": expected != actual, "basis": "reference"}
        )  # fmt: skip
        if verdict.outcome != "loaded" or number not in loaded:
            continue
        for value in verdict.fields:
            rule = rules[value.field]
            if rule["mapping_class"] in UNFILLED:
                continue  # not migrated: nothing to compare
            got = as_text(loaded[number].get(value.field), rule["data_type"])
            want = "" if value.value is None else value.value
            lines.append(
                {**base, "field": value.field, "source_value": value.source_value, "expected_value": want,
                 "target_value": got, "mismatch": want != got, "basis": value.basis}
            )  # fmt: skip
    return lines


def rows_by_position(
    table: str, database, outcomes: dict[int, tuple[str, str]], wanted: set[int]
) -> dict[int, dict[str, object]]:
    """A table without a record number (the archives): its rows are written in the order of the
    outcomes file's loaded rows, so the k-th loaded outcome is the k-th row. Only the wanted numbers'
    rows are fetched (the database picks them by position), not the whole table."""
    loaded_numbers = [number for number, (state, _why) in outcomes.items() if state == "loaded"]
    positions = {k: number for k, number in enumerate(loaded_numbers) if number in wanted}
    if not positions:
        return {}
    found = database.execute(
        f'SELECT row_number() OVER (ORDER BY rowid) - 1 AS "{POSITION}", * FROM "{table}" '
        f'QUALIFY "{POSITION}" IN (SELECT UNNEST(?))',
        [sorted(positions)],
    ).fetchdf()
    return {positions[int(row.pop(POSITION))]: row for row in found.to_dict("records")}


def reject_reasons(target: Path, table: str) -> dict[str, list[str]]:
    path = target / "rejects" / f"{table}.parquet"
    if not path.exists():
        return {}
    frame = pd.read_parquet(path, columns=["source_key", "field", "reason_code"])
    reasons: dict[str, list[str]] = {}
    for key, name, code in zip(frame["source_key"], frame["field"], frame["reason_code"], strict=True):
        reasons.setdefault(str(key), []).append(f"{name}:{code}")
    return reasons


def as_text(value: object, data_type: str) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    if data_type == "NUMBER":
        return number_text(str(value)) or str(value)
    return str(value)


def masked(comparison: pd.DataFrame) -> pd.DataFrame:
    """Identifiers masked: the patient key always; a source value naming an identifying column; the
    expected and target values of an identifying field, or of a field filled from an identifying
    column (a record-number link is a number of the key registry, not an identifier, and stays)."""
    out = comparison.copy()
    out["patient_key"] = mask_values(out["patient_key"].astype(str))
    outcome_line = out["field"].eq(ROW_FIELD)
    from_identifier = out["source_value"].astype(str).map(_names_identifier) & ~outcome_line
    link = out["field"].astype(str).str.upper().str.endswith("RECORD_NUMBER")
    identifying = out["field"].astype(str).map(is_identifier_column) | (from_identifier & ~link)
    source = out["source_value"].fillna("").astype(str)
    out["source_value"] = source.where(~from_identifier, mask_values(source)).mask(
        outcome_line, _masked_key_lists(source.loc[outcome_line])
    )
    for column in ("expected_value", "target_value"):
        text = out[column].fillna("").astype(str)
        out[column] = text.where(~identifying, mask_values(text))
    return out


def _masked_key_lists(lists: pd.Series) -> pd.Series:
    """Each ``key; key`` list with every key masked on its own (a key's value ends at its ``|``, so
    the keys are split before masking), all the lines' keys in one pass."""
    if lists.empty:
        return lists
    keys = lists.str.split("; ").explode()
    masked_keys = mask_row_keys(keys.reset_index(drop=True))
    line = pd.Series(range(len(lists))).repeat(lists.str.split("; ").map(len).to_numpy()).to_numpy()
    joined = masked_keys.groupby(line, sort=False).agg("; ".join)
    return pd.Series(joined.to_numpy(), index=lists.index)


def _names_identifier(source_value: str) -> bool:
    names = [part.split("=", 1)[0].split(".")[-1].strip() for part in source_value.replace("|", ";").split(";")]
    return any(is_identifier_column(n) for n in names if n)


def summary(comparison: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for table, part in comparison.groupby("target_table", sort=False):
        values = part.loc[part["field"] != ROW_FIELD]
        rows.append(
            {
                "target_table": table,
                "patients": part.loc[part["patient_key"].ne(""), "patient_key"].nunique(),  # masters have none
                "rows": int((part["field"] == ROW_FIELD).sum()),
                "fields_compared": values["field"].nunique(),
                "values_compared": len(values),
                "mismatches": int(part["mismatch"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
