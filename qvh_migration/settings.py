"""The one place that decides where requirement documents are read and artifacts are written.

Environment variables set the defaults; the Dagster resource (`defs/resources.py`) can override
both per run, so a data engineer can point a single materialisation at another folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR_ENV = "QVH_REQUIREMENT_SPEC_DIR"
DATA_DIR_ENV = "QVH_DATA_DIR"
RULES_DIR_ENV = "QVH_RULES_DIR"

# Real document names as the hospital and vendor publish them. They are git-ignored: dropping them
# into the spec folder is all it takes to switch from the stand-ins.
SOURCE_DICTIONARY_NAME = "Source PAS - Data Dictionary V83 INQuire DD PC83.xlsx"
PC60_DICTIONARY_NAME = "Source PAS - PAS_PC60_DataDictionary.docx"
TARGET_GUIDE_NAME = "Target PAS - PAS 18.4 Data Migration Technical Guide - FOR REF ONLY NOT TO BE USED.pdf"

# Stand-ins generated from committed schema facts (`qvh_migration/specs/facts/`).
STANDIN_SOURCE_DICTIONARY_NAME = "standin_source_inquire_dd.xlsx"
STANDIN_PC60_DICTIONARY_NAME = "standin_source_pc60_dd.docx"
STANDIN_TARGET_GUIDE_NAME = "standin_target_migration_guide.pdf"

STAGE_FOLDERS = ("catalogs", "extracts", "mapping", "target", "reports")


def default_spec_dir() -> Path:
    return Path(os.environ.get(SPEC_DIR_ENV) or PROJECT_ROOT / "requirement_spec")


def default_data_dir() -> Path:
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data")


def default_rules_dir() -> Path:
    """Curated mapping rules (``<LOAD_TABLE>.yaml``); reviewed, so shipped with the package."""
    return Path(os.environ.get(RULES_DIR_ENV) or PROJECT_ROOT / "qvh_migration" / "mapping" / "rules")


@dataclass(frozen=True)
class RequirementDocuments:
    """Which documents a run reads, and whether they are the real ones or stand-ins."""

    source_dictionary: Path
    pc60_dictionary: Path | None
    target_guide: Path
    uses_standins: bool

    def as_metadata(self) -> dict[str, str]:
        return {
            "source_dictionary": self.source_dictionary.name,
            "pc60_dictionary": self.pc60_dictionary.name if self.pc60_dictionary else "(not available)",
            "target_guide": self.target_guide.name,
            "documents": "stand-ins" if self.uses_standins else "real",
        }


def locate_documents(spec_dir: Path) -> RequirementDocuments:
    """Use the real documents when any is present, else the stand-ins, never a mix.

    Mixing would pair the hospital's dictionary with an invented guide (or the reverse); a
    half-replaced folder should fail on the missing real document instead.
    """
    real = [spec_dir / SOURCE_DICTIONARY_NAME, spec_dir / TARGET_GUIDE_NAME]
    if any(path.exists() for path in real):
        pc60 = spec_dir / PC60_DICTIONARY_NAME
        return RequirementDocuments(real[0], pc60 if pc60.exists() else None, real[1], uses_standins=False)
    return RequirementDocuments(
        spec_dir / STANDIN_SOURCE_DICTIONARY_NAME,
        spec_dir / STANDIN_PC60_DICTIONARY_NAME,
        spec_dir / STANDIN_TARGET_GUIDE_NAME,
        uses_standins=True,
    )


@dataclass(frozen=True)
class ProjectPaths:
    spec_dir: Path
    data_dir: Path

    @classmethod
    def from_environment(cls) -> ProjectPaths:
        return cls(default_spec_dir(), default_data_dir())

    def stage_dir(self, stage: str) -> Path:
        if stage not in STAGE_FOLDERS:
            raise ValueError(f"unknown stage folder {stage!r}; expected one of {STAGE_FOLDERS}")
        return self.data_dir / stage

    @property
    def documents(self) -> RequirementDocuments:
        return locate_documents(self.spec_dir)
