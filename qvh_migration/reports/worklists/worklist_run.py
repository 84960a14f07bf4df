"""Read a run's rejects, findings, invariants and PTL validation, update the worklist history once for
the run, and write one worklist per area (``<data>/worklists/<area>.csv`` and ``.xlsx``).

The worklists name patients to trust staff: values are the legacy values, unmasked (read back from
the extracts where the run's files hold them masked). They stay in their own folder, with a README
saying who may read them; only counts leave it (asset metadata, the evidence pack).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.gates.invariants.declarations import load_invariants
from qvh_migration.io.artifacts import atomic_path
from qvh_migration.io.run_folders import RunFolders
from qvh_migration.mapping.files import CONTRACT_CSV
from qvh_migration.reports import files as report_files
from qvh_migration.reports.worklists import worklists as wl
from qvh_migration.reports.worklists.worklist_areas import Areas

WORKLISTS_DIR = "worklists"  # under the data folder, beside (never inside) reports/
HISTORY_FILE = "history.parquet"
RUNS_FILE = "runs.parquet"  # open items per area per run: counts only, what the pack reads
README_FILE = "README.md"
FILE_MODE, FOLDER_MODE = 0o640, 0o750
INVARIANT_FINDINGS = "invariant_findings.parquet"
VALIDATION_FILE = "waiting_list_validation.csv"
COUNT_COLUMNS = ("open", *wl.status_counts(wl.empty_history()))
RUN_COLUMNS = ("run_id", "label", "finished_at", "area", *COUNT_COLUMNS)
README = """\
# Cleansing worklists: restricted

These files name patients: legacy keys and the current legacy values, not masked. They are for the
trust staff who correct records in the legacy PAS (registration, outpatients, inpatients and the
waiting list, RTT validation, clinical coding) and for the migration's data quality lead, under the
trust's information governance rules for patient-identifiable data. Do not e-mail them, attach them
to tickets or copy them outside this folder; the evidence pack shows only their counts.

One file per team (`<area>.csv` and `<area>.xlsx`): each row is one legacy record to fix before
cutover, with the problem, the field and its current value, what to change, the guide page or rule,
the first run that found it and its status (new, persisting, reopened). `history.parquet` keeps each
item's status across runs (resolved items included); `runs.parquet` the open counts per run.
"""


@dataclass(frozen=True)
class WorklistResult:
    items: pd.DataFrame  # this run's items with their status
    history: pd.DataFrame
    runs: pd.DataFrame  # open items per area per run
    paths: list[Path]
    updated: bool  # False when this run had already been counted


def folder_of(data_dir: Path) -> Path:
    return Path(data_dir) / WORKLISTS_DIR


def run_items(folders: RunFolders, areas: Areas) -> pd.DataFrame:
    """Every item of the run's files, values unmasked from the extracts where possible."""
    rejects = report_files.read_table_files(folders.target, "rejects")
    findings = report_files.read_findings(folders.gates)
    invariant_path = folders.gates / INVARIANT_FINDINGS
    if invariant_path.exists():
        findings = pd.concat([findings, report_files._read_parquet(invariant_path)], ignore_index=True)
    invariants = {i.check: wl.Invariant(i.description, i.citation) for i in load_invariants()}
    validation_path = folders.reports / VALIDATION_FILE
    validation = pd.read_csv(validation_path, dtype=str, keep_default_na=False) if validation_path.exists() else None
    parts = [
        wl.reject_items(rejects, areas) if "reason_code" in rejects else wl.empty_items(),
        wl.finding_items(findings, areas, invariants) if "check" in findings else wl.empty_items(),
        wl.validation_items(validation, areas) if validation is not None else wl.empty_items(),
    ]
    items = pd.concat([p for p in parts if not p.empty] or [wl.empty_items()], ignore_index=True)
    return unmask(items, folders.extracts, _contract(folders.mapping))


def _contract(mapping: Path) -> pd.DataFrame:
    path = mapping / CONTRACT_CSV
    columns = ["target_table", "target_field", "source_fields", "parent_table"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    contract = pd.read_csv(path, dtype=str, keep_default_na=False)
    return contract.reindex(columns=columns, fill_value="")


def source_columns(contract: pd.DataFrame, target_table: str, field: str) -> tuple[list[tuple[str, str]], bool]:
    """The legacy ``(table, column)`` pairs a target field is loaded from, and whether it links to a parent."""
    rows = contract.loc[
        contract["target_table"].eq(target_table) & contract["target_field"].str.upper().eq(field.upper())
    ]
    pairs = []
    for text in rows["source_fields"]:
        for part in str(text).replace(";", ",").split(","):
            table, _, column = part.strip().partition(".")
            if table and column:
                pairs.append((table, column))
    return pairs, bool(rows["parent_table"].astype(str).str.strip().ne("").any())


def parse_key(key: str) -> dict[str, str]:
    """``InternalPatientNumber=000010001|EpisodeNumber=3`` -> its columns and values."""
    pairs = (part.partition("=") for part in str(key).split("|"))
    return {name: value for name, sep, value in pairs if sep}


def unmask(items: pd.DataFrame, extracts: Path, contract: pd.DataFrame) -> pd.DataFrame:
    """Masked values replaced by the legacy value: the source column read from its extract by the record's
    key, or, for a link made from the key itself, the key's values."""
    masked = items["current_value"].astype(str).str.contains(r"\*\*", regex=True) if not items.empty else None
    if masked is None or not masked.any():
        return items
    out = items.copy()
    # Each extract is read and indexed by its key columns once, so a run with many masked items costs
    # one pass over each extract plus a dictionary look-up per item (not a scan of the extract per item).
    indexes: dict[str, ExtractIndex] = {}
    sources: dict[tuple[str, str], tuple[list[tuple[str, str]], bool]] = {}
    rows = out.loc[masked, ["source_key", "target_table", "field"]]
    for index, source_key, target_table, field in rows.itertuples(name=None):
        key = parse_key(source_key)
        if (target_table, field) not in sources:
            sources[(target_table, field)] = source_columns(contract, target_table, field)
        pairs, is_link = sources[(target_table, field)]
        value = None
        for table, column in pairs:
            if column in key:
                continue
            if table not in indexes:
                indexes[table] = ExtractIndex(report_files.read_extract(extracts, table))
            value = indexes[table].lookup(key, column)
            if value is not None:
                break
        if value is None and (is_link or (pairs and all(c in key for _, c in pairs))):
            chosen = [c for _, c in pairs if c in key] or list(key)
            value = "|".join(key[c] for c in chosen)
        if value is not None:
            out.at[index, "current_value"] = value
    return out


class ExtractIndex:
    """An extract's rows grouped by the stripped text of a set of key columns, built once per set."""

    def __init__(self, extract: pd.DataFrame | None) -> None:
        self.extract = extract
        self._groups: dict[tuple[str, ...], dict[tuple[str, ...], object]] = {}

    def lookup(self, key: dict[str, str], column: str) -> str | None:
        """The column's value in the one extract row the key's columns (those the extract has) match."""
        extract = self.extract
        shared = tuple(k for k in key if extract is not None and k in extract)
        if extract is None or not shared or column not in extract:
            return None
        positions = self._positions(shared).get(tuple(key[name].strip() for name in shared))
        if positions is None:
            return None
        values = extract[column].iloc[positions].drop_duplicates()
        if len(values) != 1:
            return None
        return "" if pd.isna(values.iloc[0]) else str(values.iloc[0])

    def _positions(self, shared: tuple[str, ...]) -> dict[tuple[str, ...], object]:
        if shared not in self._groups:
            assert self.extract is not None
            text = pd.DataFrame(
                {n: self.extract[n].astype("string").fillna("").str.strip() for n in shared}
            ).reset_index(drop=True)
            groups = text.groupby(list(shared), sort=False).indices
            self._groups[shared] = {(k if isinstance(k, tuple) else (k,)): v for k, v in groups.items()}
        return self._groups[shared]


def read_history(folder: Path) -> pd.DataFrame:
    path = folder / HISTORY_FILE
    if not path.exists():
        return wl.empty_history()
    try:
        history = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise MigrationInputError(path, f"not a readable Parquet file ({type(exc).__name__})") from None
    missing = [c for c in wl.HISTORY_COLUMNS if c not in history]
    if missing:
        raise MigrationInputError(path, f"missing column(s) {', '.join(missing)}")
    return history


def read_runs(folder: Path) -> pd.DataFrame:
    path = folder / RUNS_FILE
    runs = pd.read_parquet(path) if path.exists() else pd.DataFrame(columns=list(RUN_COLUMNS))
    return runs.astype({c: "int64" for c in COUNT_COLUMNS})


def run_label(run_id: str, finished_at: str, trial: str = "") -> str:
    """How a run is named in the worklists: the trial's name, else its time and short run id."""
    return trial or f"{finished_at} ({run_id[:8]})"


def update_worklists(
    data_dir: Path, areas: Areas, run_id: str, trial: str = "", finished_at: str | None = None
) -> WorklistResult:
    """Advance the history once for ``run_id`` and write the worklists; a run counted before is not
    counted again (its worklists are rewritten from the stored history)."""
    folders = RunFolders.under(Path(data_dir))
    folder = folder_of(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    finished_at = finished_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    items = run_items(folders, areas)
    history, runs = read_history(folder), read_runs(folder)
    updated = run_id not in set(runs["run_id"].astype(str))
    if updated:
        history = wl.advance(history, items, run_label(run_id, finished_at, trial))
        runs = pd.concat(
            [
                runs if not runs.empty else None,
                run_rows(history, areas, run_id, run_label(run_id, finished_at, trial), finished_at),
            ]
        )
    with_status = wl.with_status(items, history)
    paths = write_files(folder, with_status, history, runs.reset_index(drop=True), areas)
    return WorklistResult(with_status, history, runs.reset_index(drop=True), paths, updated)


def run_rows(history: pd.DataFrame, areas: Areas, run_id: str, label: str, finished_at: str) -> pd.DataFrame:
    rows = []
    for area, count in wl.open_by_area(history, areas.titles).items():
        statuses = wl.status_counts(history, area)
        rows.append(
            {"run_id": run_id, "label": label, "finished_at": finished_at, "area": area, "open": count, **statuses}
        )
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS)).astype({c: "int64" for c in COUNT_COLUMNS})


def write_files(
    folder: Path, items: pd.DataFrame, history: pd.DataFrame, runs: pd.DataFrame, areas: Areas
) -> list[Path]:
    paths = []
    for area in areas.titles:
        rows = items.loc[items["area"].eq(area), list(wl.WORKLIST_COLUMNS)]
        rows = rows.sort_values(["source_table", "source_key", "problem", "field"], ignore_index=True)
        csv_path, xlsx_path = folder / f"{area}.csv", folder / f"{area}.xlsx"
        with atomic_path(csv_path) as tmp:
            rows.to_csv(tmp, index=False)
        with atomic_path(xlsx_path) as tmp:
            rows.to_excel(tmp, index=False, sheet_name=area[:31], engine="openpyxl")
        paths += [csv_path, xlsx_path]
    for name, frame in ((HISTORY_FILE, history), (RUNS_FILE, runs)):
        with atomic_path(folder / name) as tmp:
            frame.astype({c: "string" for c in frame.columns if frame[c].dtype == object}).to_parquet(tmp, index=False)
        paths.append(folder / name)
    readme = folder / README_FILE
    readme.write_text(README, encoding="utf-8")
    # Readable by the owner and the group the trust gives its cleansing staff, by nobody else.
    for path in [*paths, readme]:
        path.chmod(FILE_MODE)
    folder.chmod(FOLDER_MODE)
    return [*paths, readme]
