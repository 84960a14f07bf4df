"""Is a folder a complete set of requirement documents? Real ones, or the shipped stand-ins, never a mix."""

from __future__ import annotations

from pathlib import Path

from qvh_migration.settings import (
    PC60_DICTIONARY_NAME,
    SOURCE_DICTIONARY_NAME,
    STANDIN_PC60_DICTIONARY_NAME,
    STANDIN_SOURCE_DICTIONARY_NAME,
    STANDIN_TARGET_GUIDE_NAME,
    TARGET_GUIDE_NAME,
)

REAL_NAMES = (SOURCE_DICTIONARY_NAME, TARGET_GUIDE_NAME)  # the PC60 dictionary is optional
STANDIN_NAMES = (STANDIN_SOURCE_DICTIONARY_NAME, STANDIN_PC60_DICTIONARY_NAME, STANDIN_TARGET_GUIDE_NAME)


def names(listed: tuple[str, ...]) -> str:
    return ", ".join(f'"{name}"' for name in listed)


def spec_folder_problem(spec_dir: Path) -> str | None:
    """Why ``spec_dir`` is not a complete set of requirement documents, or None when it is.

    Real documents win when any is present (never a mix with stand-ins), so a half-copied real
    set is named as such; a folder with neither set lists both sets of names.
    """
    if not spec_dir.is_dir():
        return (
            f"requirement spec folder not found; it must hold the real documents ({names(REAL_NAMES)}, "
            f"optionally {names((PC60_DICTIONARY_NAME,))}) or the stand-ins ({names(STANDIN_NAMES)})"
        )
    real = [name for name in REAL_NAMES if (spec_dir / name).is_file()]
    if real:
        missing = [name for name in REAL_NAMES if name not in real]
        return f"incomplete set of real documents: {names(tuple(missing))} not found" if missing else None
    standins = [name for name in STANDIN_NAMES if (spec_dir / name).is_file()]
    if len(standins) == len(STANDIN_NAMES):
        return None
    if standins:
        missing = tuple(name for name in STANDIN_NAMES if name not in standins)
        return f"incomplete set of stand-in documents: {names(missing)} not found"
    return (
        f"the folder holds neither the real documents ({names(REAL_NAMES)}, optionally "
        f"{names((PC60_DICTIONARY_NAME,))}) nor the stand-ins ({names(STANDIN_NAMES)})"
    )
