"""What changed since the contract was last signed: the change log of every run.

The run's contract and crosswalks are compared with the signed copy of the last sign-off
(``signoffs.py``). A field is listed when its class, rule (sources, transform, default, generator,
parent), crosswalk, code handling or status changed, or when it appeared or went, with its
rationale now and before; a crosswalk entry (code set and legacy code) when its target code or
description changed, or when it appeared or went, with its notes now and before. With no sign-off,
or when this data folder does not hold the signed copy, the log says so in one line and lists nothing.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from qvh_migration.errors import MigrationInputError
from qvh_migration.io.artifacts import published_together, write_csv, write_json
from qvh_migration.mapping.files import CONTRACT_CSV, CROSSWALKS_CSV
from qvh_migration.mapping.signoffs import SignOff, check_snapshot, last_signoff

CHANGES_CSV = "contract_changes.csv"
CHANGES_JSON = "contract_changes.json"  # the one-line basis and the counts, for the evidence pack
CHANGE_COLUMNS = ("scope", "item", "change", "changed", "before", "now", "rationale_before", "rationale_now")
FIELD_KEY = ("target_table", "target_field")
# Aspect of a field -> the contract columns that make it up.
FIELD_ASPECTS: dict[str, tuple[str, ...]] = {
    "class": ("mapping_class",),
    "rule": ("source_table", "source_fields", "transform", "default_value", "generator", "parent_table"),
    "crosswalk": ("crosswalk",),
    "code handling": ("code_handling",),
    "status": ("status",),
}
CROSSWALK_KEY = ("code_set", "legacy_code")
CROSSWALK_ASPECTS: dict[str, tuple[str, ...]] = {"target": ("target_code", "target_description")}
NO_SIGNOFF = "no contract signed yet: nothing to compare (sign one with qvh-migration sign-contract --by NAME)"


def _read(path: Path, key: tuple[str, ...], aspects: dict[str, tuple[str, ...]], rationale: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise MigrationInputError(path, f"cannot read the CSV: {exc}") from None
    needed = [*key, rationale, *(c for columns in aspects.values() for c in columns)]
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise MigrationInputError(path, f"missing column(s) {', '.join(missing)}", where="header row")
    duplicated = frame[frame.duplicated(list(key), keep="first")]
    if not duplicated.empty:
        row = duplicated.iloc[0]
        where = f"row {duplicated.index[0] + 2}"
        raise MigrationInputError(path, f"{' '.join(row[k] for k in key)} appears twice", where=where)
    return frame.set_index(list(key))


def _describe(row: pd.Series, aspects: dict[str, tuple[str, ...]], names: list[str]) -> str:
    """``class: CROSSWALK; rule: source_fields=PATDATA.Sex``: the named aspects, each by its columns."""
    parts = []
    for name in names:
        columns = aspects[name]
        if len(columns) == 1:
            parts.append(f"{name}: {row[columns[0]] or '(none)'}")
        else:
            parts.append(f"{name}: " + (", ".join(f"{c}={row[c]}" for c in columns if str(row[c])) or "(none)"))
    return "; ".join(parts)


def compare(
    now: pd.DataFrame, before: pd.DataFrame, aspects: dict[str, tuple[str, ...]], rationale: str, scope: str
) -> pd.DataFrame:
    """Rows added, removed or changed in an aspect between two frames indexed by their key."""
    rows = []
    every = list(aspects)
    for key in now.index.union(before.index, sort=False).sort_values():
        item = {**dict.fromkeys(CHANGE_COLUMNS, ""), "scope": scope}
        item["item"] = ".".join(key) if scope == "field" else ":".join(key)
        if key not in before.index:
            row = now.loc[key]
            rows.append(
                {**item, "change": "added", "now": _describe(row, aspects, every), "rationale_now": row[rationale]}
            )
        elif key not in now.index:
            row = before.loc[key]
            rows.append(
                {
                    **item,
                    "change": "removed",
                    "before": _describe(row, aspects, every),
                    "rationale_before": row[rationale],
                }
            )
        else:
            a, b = now.loc[key], before.loc[key]
            changed = [name for name, columns in aspects.items() if any(str(a[c]) != str(b[c]) for c in columns)]
            if changed:
                rows.append(
                    {
                        **item,
                        "change": "changed",
                        "changed": "; ".join(changed),
                        "before": _describe(b, aspects, changed),
                        "now": _describe(a, aspects, changed),
                        "rationale_before": b[rationale],
                        "rationale_now": a[rationale],
                    }
                )
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)).astype(str)


def compare_folders(now_dir: Path, signed_dir: Path) -> pd.DataFrame:
    """Field changes then crosswalk-entry changes between a mapping folder and a signed copy."""
    fields = compare(
        _read(now_dir / CONTRACT_CSV, FIELD_KEY, FIELD_ASPECTS, "rationale"),
        _read(signed_dir / CONTRACT_CSV, FIELD_KEY, FIELD_ASPECTS, "rationale"),
        FIELD_ASPECTS,
        "rationale",
        "field",
    )
    entries = compare(
        _read(now_dir / CROSSWALKS_CSV, CROSSWALK_KEY, CROSSWALK_ASPECTS, "notes"),
        _read(signed_dir / CROSSWALKS_CSV, CROSSWALK_KEY, CROSSWALK_ASPECTS, "notes"),
        CROSSWALK_ASPECTS,
        "notes",
        "crosswalk",
    )
    return pd.concat([fields, entries], ignore_index=True)


def changes_for_run(data_dir: Path, signoffs_path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The run's change log against the last sign-off, and its summary (``basis`` is the one line)."""
    entry = last_signoff(signoffs_path)
    empty = pd.DataFrame(columns=list(CHANGE_COLUMNS))
    if entry is None:
        return empty, _summary(None, NO_SIGNOFF, empty)
    snapshot = check_snapshot(entry, data_dir, signoffs_path)
    if snapshot is None:
        basis = f"the signed copy {entry.snapshot} is not in this data folder: nothing compared"
        return empty, _summary(entry, basis, empty)
    changes = compare_folders(Path(data_dir) / "mapping", snapshot)
    basis = f"compared with the contract signed by {entry.signed_by} at {entry.signed_at} on {entry.trial}"
    return changes, _summary(entry, basis, changes, compared=True)


def _summary(entry: SignOff | None, basis: str, changes: pd.DataFrame, compared: bool = False) -> dict[str, Any]:
    counts = changes["scope"].value_counts() if not changes.empty else {}
    return {
        "basis": basis,
        "signoff": None if entry is None else asdict(entry),
        "compared": compared,
        "fields_changed": int(counts.get("field", 0)),
        "crosswalk_entries_changed": int(counts.get("crosswalk", 0)),
    }


def write_changes(changes: pd.DataFrame, summary: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """The change log and its summary, published together."""
    with published_together():
        csv = write_csv(changes, folder / CHANGES_CSV)
        return csv, write_json(summary, folder / CHANGES_JSON)
