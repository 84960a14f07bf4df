"""Turn the requirement documents into the source and target catalogs, reusing a previous parse.

Parsing the guide takes seconds; re-materialising with unchanged documents must not. The parse
is keyed on a hash of the documents *and* of the reader code, so a reader fix re-parses. The files
themselves (names, writing, reading) are ``specs/files.py``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qvh_migration.errors import SpecDocumentError
from qvh_migration.io.artifacts import file_digest
from qvh_migration.settings import RequirementDocuments, default_overrides_file
from qvh_migration.specs import files, inquire_xlsx, mandatory, pc60_docx

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


def source_catalog(documents: RequirementDocuments, folder: Path) -> SourceCatalogResult:
    """Parse (or reuse) the source catalog and write its files under ``folder``."""
    digest = _cache_key(documents.source_dictionary, documents.pc60_dictionary, code=_READER_MODULES)
    if files.read_stamp(folder, files.SOURCE_CATALOG, digest) and files.source_catalog_written(folder):
        catalog, conflicts = files.read_source_catalog_files(folder)
        return SourceCatalogResult(catalog, conflicts, digest, reused=True)
    catalog, conflicts = parse_source_catalog(documents)
    files.write_source_catalog_files(folder, catalog, conflicts, digest)
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
    recorded = files.read_stamp(folder, files.TARGET_CATALOG, digest)
    if recorded and files.target_catalog_written(folder):
        frames = files.read_target_catalog_files(folder)
        return TargetCatalogResult(**frames, page_count=int(recorded["page_count"]), digest=digest, reused=True)
    parsed = parse_target_catalog(documents, overrides_path, files.read_previous_fields(folder), rules_dir)
    files.write_target_catalog_files(folder, parsed, digest)
    return TargetCatalogResult(**parsed, digest=digest, reused=False)


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
