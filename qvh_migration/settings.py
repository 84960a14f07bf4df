"""The one place that decides where requirement documents and reviewed files are read and artifacts
are written.

Environment variables set the defaults; the Dagster resource (`defs/resources.py`) can override
each per run, so a data engineer can point a single materialisation at another folder, and a team
can keep its reviewed files (crosswalks, curated rules, mandatory overrides) in its own repository.

Without a setting, the files shipped with the project are used: in a checkout (or an editable
install) the folders of the checkout, in an installed wheel the copies it carries (the two
top-level folders under ``<prefix>/share/qvh-migration/``, the rest as package data).
"""

from __future__ import annotations

import os
import sysconfig
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SPEC_DIR_ENV = "QVH_REQUIREMENT_SPEC_DIR"
DATA_DIR_ENV = "QVH_DATA_DIR"
CROSSWALK_DIR_ENV = "QVH_CROSSWALK_DIR"
RULES_DIR_ENV = "QVH_RULES_DIR"
OVERRIDES_FILE_ENV = "QVH_MANDATORY_OVERRIDES"
ROW_SOURCES_FILE_ENV = "QVH_ROW_SOURCES"
SOURCE_URL_ENV = "QVH_SOURCE_URL"
TARGET_URL_ENV = "QVH_TARGET_URL"
# Where a wheel installs the top-level folders (pyproject's data-files), relative to the prefix.
SHARED_SUBDIR = Path("share") / "qvh-migration"

# Real document names as the hospital and vendor publish them. They are git-ignored: dropping them
# into the spec folder is all it takes to switch from the stand-ins.
SOURCE_DICTIONARY_NAME = "Source PAS - Data Dictionary V83 INQuire DD PC83.xlsx"
PC60_DICTIONARY_NAME = "Source PAS - PAS_PC60_DataDictionary.docx"
TARGET_GUIDE_NAME = "Target PAS - PAS 18.4 Data Migration Technical Guide - FOR REF ONLY NOT TO BE USED.pdf"

# Stand-ins generated from committed schema facts (`qvh_migration/specs/facts/`).
STANDIN_SOURCE_DICTIONARY_NAME = "standin_source_inquire_dd.xlsx"
STANDIN_PC60_DICTIONARY_NAME = "standin_source_pc60_dd.docx"
STANDIN_TARGET_GUIDE_NAME = "standin_target_migration_guide.pdf"

STAGE_FOLDERS = ("catalogs", "extracts", "mapping", "target", "gates", "reports")


def is_checkout() -> bool:
    """Running from the project's own folder (source tree or editable install), not an installed wheel."""
    return (PROJECT_ROOT / "pyproject.toml").is_file()


def shipped_folder(name: str) -> Path:
    """A top-level folder of the project (``crosswalks``, ``requirement_spec``) wherever it was installed."""
    if is_checkout():
        return PROJECT_ROOT / name
    for scheme in (None, f"{os.name}_user"):
        try:
            prefix = sysconfig.get_path("data", scheme) if scheme else sysconfig.get_path("data")
        except KeyError:
            continue
        candidate = Path(prefix) / SHARED_SUBDIR / name
        if candidate.is_dir():
            return candidate
    return PROJECT_ROOT / name  # not found: the error will name the path looked at


def _from_env(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default)


def default_spec_dir() -> Path:
    return _from_env(SPEC_DIR_ENV, shipped_folder("requirement_spec"))


def default_data_dir() -> Path:
    # An installed package must not write into site-packages: it writes where it is run.
    return _from_env(DATA_DIR_ENV, (PROJECT_ROOT if is_checkout() else Path.cwd()) / "data")


def default_dagster_home() -> Path:
    return (PROJECT_ROOT if is_checkout() else Path.cwd()) / ".dagster_home"


def default_crosswalk_dir() -> Path:
    """Reviewed crosswalks: one ``<code_set>.csv`` per code set."""
    return _from_env(CROSSWALK_DIR_ENV, shipped_folder("crosswalks"))


def default_rules_dir() -> Path:
    """Reviewed curated mapping rules: one ``<LOAD_TABLE>.yaml`` per target table."""
    return _from_env(RULES_DIR_ENV, PACKAGE_DIR / "mapping" / "rules")


def default_row_sources_file() -> Path:
    """Reviewed row sources: which legacy rows each target table loads, with filters and reasons."""
    return _from_env(ROW_SOURCES_FILE_ENV, PACKAGE_DIR / "etl" / "row_sources.yaml")


def default_overrides_file() -> Path:
    """Reviewed mandatory-class overrides (what the vendor confirms where the guide is silent)."""
    return _from_env(OVERRIDES_FILE_ENV, PACKAGE_DIR / "specs" / "mandatory_overrides.csv")


def default_source_url() -> str:
    """SQLAlchemy URL of a database copy of the legacy system to read extracts from ("" = none)."""
    return os.environ.get(SOURCE_URL_ENV, "").strip()


def default_target_url() -> str:
    """PostgreSQL URL of the staging server each partition also loads ("" = files and DuckDB only)."""
    return os.environ.get(TARGET_URL_ENV, "").strip()


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
