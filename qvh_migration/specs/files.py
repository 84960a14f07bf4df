"""Files of the specs stage under the catalogs folder: their names, and each reader beside its writer.

Every other module reads the catalogs through here, so a renamed file changes here and nowhere else.
A parse's files are recorded with the digest they were parsed from (a hidden stamp beside them), so
the next materialisation can reuse them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from qvh_migration.errors import SpecDocumentError
from qvh_migration.io.artifacts import write_csv, write_json, write_parquet

STAGE = "catalogs"
SOURCE_CATALOG_FILE = "source_catalog.parquet"
SOURCE_CATALOG_CSV = "source_catalog.csv"
SOURCE_CONFLICTS_CSV = "source_dictionary_conflicts.csv"
TARGET_FIELDS_FILE = "target_catalog.parquet"
TARGET_FIELDS_CSV = "target_catalog.csv"
TARGET_TABLES_FILE = "target_tables.parquet"
TARGET_TABLES_CSV = "target_tables.csv"
TARGET_UNPLACED_FILE = "target_unplaced.parquet"
TARGET_NOTES_FILE = "target_reader_notes.parquet"
SUMMARY_FILE = "schema_catalog_summary.json"
SOURCE_CATALOG, TARGET_CATALOG = "source_catalog", "target_catalog"  # the two parses, each with its stamp


def stamp_path(folder: Path, name: str) -> Path:
    """Hidden file recording the digest a catalog was parsed from."""
    return folder / f".{name}.digest.json"


def read_stamp(folder: Path, name: str, digest: str) -> dict | None:
    """The stamp of the parse ``name`` when it was made from ``digest`` (None otherwise)."""
    stamp = stamp_path(folder, name)
    if not stamp.exists():
        return None
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    return recorded if recorded.get("digest") == digest else None


def write_stamp(folder: Path, name: str, record: dict) -> Path:
    return write_json(record, stamp_path(folder, name))


def source_catalog_written(folder: Path) -> bool:
    return (folder / SOURCE_CATALOG_FILE).exists() and (folder / SOURCE_CONFLICTS_CSV).exists()


def read_source_catalog_files(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(catalog, PC60 conflicts) as written."""
    conflicts = pd.read_csv(folder / SOURCE_CONFLICTS_CSV, dtype=str, keep_default_na=False)
    return pd.read_parquet(folder / SOURCE_CATALOG_FILE), conflicts


def write_source_catalog_files(folder: Path, catalog: pd.DataFrame, conflicts: pd.DataFrame, digest: str) -> None:
    write_parquet(catalog, folder / SOURCE_CATALOG_FILE)
    write_csv(catalog, folder / SOURCE_CATALOG_CSV)
    write_csv(conflicts, folder / SOURCE_CONFLICTS_CSV)
    write_stamp(folder, SOURCE_CATALOG, {"digest": digest})


def target_catalog_paths(folder: Path) -> dict[str, Path]:
    """The target parse's frames by name: fields, tables, unplaced, notes."""
    return {
        "fields": folder / TARGET_FIELDS_FILE,
        "tables": folder / TARGET_TABLES_FILE,
        "unplaced": folder / TARGET_UNPLACED_FILE,
        "notes": folder / TARGET_NOTES_FILE,
    }


def target_catalog_written(folder: Path) -> bool:
    return all(p.exists() for p in target_catalog_paths(folder).values())


def read_target_catalog_files(folder: Path) -> dict[str, pd.DataFrame]:
    return {key: pd.read_parquet(path) for key, path in target_catalog_paths(folder).items()}


def write_target_catalog_files(folder: Path, parsed: dict[str, object], digest: str) -> None:
    """The target parse's frames (Parquet; fields and tables also as CSV) and its stamp."""
    for key, path in target_catalog_paths(folder).items():
        write_parquet(parsed[key], path)
    write_csv(parsed["fields"], folder / TARGET_FIELDS_CSV)
    write_csv(parsed["tables"], folder / TARGET_TABLES_CSV)
    write_stamp(folder, TARGET_CATALOG, {"digest": digest, "page_count": parsed["page_count"]})


def read_previous_fields(folder: Path) -> pd.DataFrame | None:
    """The table and field names of the last target catalog (None when there is none or it is unreadable)."""
    path = folder / TARGET_FIELDS_FILE
    try:
        return pd.read_parquet(path, columns=["table_name", "field_name"]) if path.exists() else None
    except (OSError, ValueError):  # an unreadable previous catalog is simply replaced
        return None


def write_schema_summary(summary: dict, folder: Path) -> Path:
    return write_json(summary, folder / SUMMARY_FILE)


def read_catalog_artifacts(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The parsed catalogs as written by the specs assets: (source, target fields, target tables)."""
    paths = [folder / SOURCE_CATALOG_FILE, folder / TARGET_FIELDS_FILE, folder / TARGET_TABLES_FILE]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise SpecDocumentError(missing[0], "catalog not materialised yet: materialise the specs assets first")
    source, fields, tables = (pd.read_parquet(p) for p in paths)
    return source, fields, tables
