"""Keep the catalogs and the reviewed files consistent when the guide changes.

Reviewed files (curated mapping rules, mandatory overrides) name target fields. When a new guide
no longer has a field that one of them names, the fault is the change of document, not the
reviewed file: the target catalog says so, lists the fields that disappeared and where they are
named, and keeps the previous catalog until the reviewed files are updated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.errors import SpecDocumentError
from qvh_migration.settings import PROJECT_ROOT

_SHOWN = 12  # fields listed in the message; the rest are counted


def _label(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def reviewed_references(rules_dir: Path | None, overrides_path: Path | None) -> dict[str, list[str]]:
    """``"TABLE.FIELD"`` (upper case) -> reviewed files naming it. Unreadable files are skipped:
    their own loaders report them with the file and row named."""
    named: dict[str, list[str]] = {}
    if rules_dir is not None and rules_dir.is_dir():
        for path in sorted(rules_dir.glob("*.yaml")):
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            if not isinstance(document, dict) or not isinstance(document.get("rules"), dict):
                continue
            table = str(document.get("table", "")).upper()
            for field in document["rules"]:
                named.setdefault(f"{table}.{str(field).upper()}", []).append(_label(path))
    if overrides_path is not None and overrides_path.is_file():
        try:
            overrides = pd.read_csv(overrides_path, dtype=str, keep_default_na=False, comment="#")
        except (OSError, ValueError):
            overrides = pd.DataFrame()
        if {"table_name", "field_name"} <= set(overrides.columns):
            for table, field in zip(overrides["table_name"], overrides["field_name"], strict=True):
                named.setdefault(f"{table.upper()}.{field.upper()}", []).append(_label(overrides_path))
    return named


def _keys(fields: pd.DataFrame) -> set[str]:
    return set((fields["table_name"].str.upper() + "." + fields["field_name"].str.upper()).tolist())


def check_no_named_field_disappeared(
    guide: Path, previous: pd.DataFrame | None, current: pd.DataFrame, references: dict[str, list[str]]
) -> None:
    """Fail when a field of the previous catalog that a reviewed file names is not in the new guide."""
    if previous is None or previous.empty:
        return
    gone = sorted(_keys(previous) - _keys(current))
    broken = [key for key in gone if key in references]
    if not broken:
        return
    shown = [f"{key} (named in {', '.join(dict.fromkeys(references[key]))})" for key in broken[:_SHOWN]]
    more = f" and {len(broken) - _SHOWN} more" if len(broken) > _SHOWN else ""
    raise SpecDocumentError(
        guide,
        f"the guide changed: {len(gone)} field(s) of the previous catalog are gone, {len(broken)} of them named "
        f"by reviewed files: {'; '.join(shown)}{more}. Update those files (or restore the guide); "
        "the previous catalog is kept",
        where="compared with the previous target catalog",
    )
