"""Turn the requirement documents into the source and target catalogs, reusing a previous parse.

Parsing the guide takes seconds; re-materialising with unchanged documents must not. The parse
is keyed on a hash of the documents *and* of the reader code, so a reader fix re-parses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qvh_migration.errors import SpecDocumentError
from qvh_migration.io.artifacts import file_digest, write_csv, write_json, write_parquet
from qvh_migration.settings import RequirementDocuments, default_overrides_file
from qvh_migration.specs import inquire_xlsx, mandatory, pc60_docx

STAGE = "catalogs"
# The files this module writes under the catalogs folder (and the only place their names are spelled).
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

_SCHEMA_MODULE = Path(inquire_xlsx.__file__).with_name("catalog_schema.py")
_READER_MODULES = (Path(inquire_xlsx.__file__), Path(pc60_docx.__file__), _SCHEMA_MODULE)


@dataclass(frozen=True)
class SourceCatalogResult:
    catalog: pd.DataFrame
    pc60_conflicts: pd.DataFrame
    digest: str
    reused: bool


@dataclass(frozen=True)
class TargetCatalogResult:
    fields: pd.DataFrame
    tables: pd.DataFrame
    unplaced: pd.DataFrame
    notes: pd.DataFrame
    page_count: int
    digest: str
    reused: bool


def parse_source_catalog(documents: RequirementDocuments) -> tuple[pd.DataFrame, pd.DataFrame]:
    catalog = inquire_xlsx.read_source_catalog(documents.source_dictionary)
    if documents.pc60_dictionary is None:
        return catalog, pd.DataFrame(columns=["TableName", "Column", "conflict"])
    return pc60_docx.merge_pc60(catalog, pc60_docx.read_pc60_dictionary(documents.pc60_dictionary))


def parse_target_catalog(
    documents: RequirementDocuments,
    overrides_path: Path | None = None,
    previous: pd.DataFrame | None = None,
    rules_dir: Path | None = None,
) -> dict[str, object]:
    """Read and classify the guide; with the ``previous`` catalog, first make sure no field that a
    reviewed file names has disappeared (the guide changed, not the reviewed file)."""
    from qvh_migration.specs import guide_changes
    from qvh_migration.specs.altera_pdf import read_target_guide

    guide = read_target_guide(documents.target_guide)
    overrides_path = overrides_path or default_overrides_file()
    references = guide_changes.reviewed_references(rules_dir, overrides_path)
    guide_changes.check_no_named_field_disappeared(documents.target_guide, previous, guide.fields, references)
    overrides = mandatory.read_overrides(overrides_path)
    fields = mandatory.classify_fields(guide.fields, guide.tables, overrides, overrides_path)
    return {
        "fields": fields,
        "tables": guide.tables,
        "unplaced": guide.unplaced,
        "notes": guide.notes,
        "page_count": guide.page_count,
    }


def _cache_key(*documents: Path | None, code: tuple[Path, ...]) -> str:
    for document in documents:
        if document is not None and not document.is_file():
            from qvh_migration.specs.spec_folder import spec_folder_problem

            # Name the folder's whole problem (which set is incomplete), not one guessed file.
            problem = spec_folder_problem(document.parent)
            if problem:
                raise SpecDocumentError(document.parent, problem)
            raise SpecDocumentError(document, "document not found")
    return file_digest(*documents, *code)


def _stamp_path(folder: Path, name: str) -> Path:
    """Hidden file recording the digest a catalog was parsed from."""
    return folder / f".{name}.digest.json"


def _cached(folder: Path, name: str, digest: str) -> dict | None:
    stamp = _stamp_path(folder, name)
    if not stamp.exists():
        return None
    recorded = json.loads(stamp.read_text(encoding="utf-8"))
    return recorded if recorded.get("digest") == digest else None


def source_catalog(documents: RequirementDocuments, folder: Path) -> SourceCatalogResult:
    """Parse (or reuse) the source catalog and write its files under ``folder``."""
    digest = _cache_key(documents.source_dictionary, documents.pc60_dictionary, code=_READER_MODULES)
    parquet = folder / SOURCE_CATALOG_FILE
    conflicts_path = folder / SOURCE_CONFLICTS_CSV
    if _cached(folder, "source_catalog", digest) and parquet.exists() and conflicts_path.exists():
        conflicts = pd.read_csv(conflicts_path, dtype=str, keep_default_na=False)
        return SourceCatalogResult(pd.read_parquet(parquet), conflicts, digest, reused=True)
    catalog, conflicts = parse_source_catalog(documents)
    write_parquet(catalog, parquet)
    write_csv(catalog, folder / SOURCE_CATALOG_CSV)
    write_csv(conflicts, conflicts_path)
    write_json({"digest": digest}, _stamp_path(folder, "source_catalog"))
    return SourceCatalogResult(catalog, conflicts, digest, reused=False)


def target_catalog(
    documents: RequirementDocuments, folder: Path, overrides_path: Path | None = None, rules_dir: Path | None = None
) -> TargetCatalogResult:
    """Parse (or reuse) the target catalog and write its files under ``folder``.

    Nothing is written unless the whole guide parsed (see guide_completeness) and no field that a
    reviewed file in ``rules_dir`` or ``overrides_path`` names has vanished (see guide_changes),
    so a failure keeps the last good catalog.

    ``overrides_path`` is the reviewed mandatory overrides file (default: where settings.py says);
    its content is part of the cache key, so an edited override re-classifies the fields.
    """
    overrides_path = overrides_path or default_overrides_file()
    from qvh_migration.specs import altera_pdf

    code = (
        Path(altera_pdf.__file__),
        Path(altera_pdf.__file__).with_name("pdf_layout.py"),
        Path(altera_pdf.__file__).with_name("target_links.py"),
        Path(altera_pdf.__file__).with_name("guide_completeness.py"),
        Path(mandatory.__file__),
        overrides_path,
        _SCHEMA_MODULE,
    )
    digest = _cache_key(documents.target_guide, code=code)
    paths = {
        "fields": folder / TARGET_FIELDS_FILE,
        "tables": folder / TARGET_TABLES_FILE,
        "unplaced": folder / TARGET_UNPLACED_FILE,
        "notes": folder / TARGET_NOTES_FILE,
    }
    recorded = _cached(folder, "target_catalog", digest)
    if recorded and all(p.exists() for p in paths.values()):
        frames = {k: pd.read_parquet(p) for k, p in paths.items()}
        return TargetCatalogResult(**frames, page_count=int(recorded["page_count"]), digest=digest, reused=True)
    parsed = parse_target_catalog(documents, overrides_path, _previous_fields(paths["fields"]), rules_dir)
    for key, path in paths.items():
        write_parquet(parsed[key], path)
    write_csv(parsed["fields"], folder / TARGET_FIELDS_CSV)
    write_csv(parsed["tables"], folder / TARGET_TABLES_CSV)
    write_json({"digest": digest, "page_count": parsed["page_count"]}, _stamp_path(folder, "target_catalog"))
    return TargetCatalogResult(**parsed, digest=digest, reused=False)


def _previous_fields(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_parquet(path, columns=["table_name", "field_name"]) if path.exists() else None
    except (OSError, ValueError):  # an unreadable previous catalog is simply replaced
        return None


def schema_summary(
    source: pd.DataFrame,
    pc60_conflicts: pd.DataFrame,
    target_fields: pd.DataFrame,
    target_tables: pd.DataFrame,
    unplaced: pd.DataFrame,
    notes: pd.DataFrame,
    documents: dict[str, str],
) -> dict:
    """What a reviewer needs at a glance: counts per table, classes, and what could not be placed."""
    mandatory_counts = target_fields["mandatory_class"].value_counts()
    return {
        "documents": documents,
        "source": {
            "tables": int(source["TableName"].nunique()),
            "fields": len(source),
            "master_file_tables": int(source.loc[source["is_master_file_table"], "TableName"].nunique()),
            "logical_delete_flags": int(source["is_logical_delete_flag"].sum()),
            "code_list_fields": int((source["description_kind"] == "code_list").sum()),
            "release_number_descriptions": int((source["description_kind"] == "release_number").sum()),
            "date_pairs": int((source["date_pair_role"] == "internal").sum()),
            "pc60_conflicts": len(pc60_conflicts),
            "fields_per_table": {k: int(v) for k, v in source.groupby("TableName").size().items()},
        },
        "target": {
            "tables": int(target_tables["table_name"].nunique()),
            "fields": len(target_fields),
            "mandatory": int(mandatory_counts.get("mandatory", 0)),
            "conditional": int(mandatory_counts.get("conditional", 0)),
            "optional": int(mandatory_counts.get("optional", 0)),
            "fields_per_table": {k: int(v) for k, v in target_fields.groupby("table_name", sort=False).size().items()},
            "load_order": target_tables.sort_values("load_order")["table_name"].tolist(),
        },
        "unplaced": unplaced.astype(str).to_dict(orient="records"),
        "reader_notes": notes.astype(str).to_dict(orient="records"),
        "pc60_conflicts": pc60_conflicts.head(200).astype(str).to_dict(orient="records"),
    }


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
