"""Load and validate the reviewed crosswalk files (one CSV per code set).

A crosswalk maps every legacy PatientCentre code of one code set to an NHS Data Dictionary code
(or, for local sets, to the documented local list). The files are reviewed by people, so every
mistake is reported with the file and the row or column at fault, never as a library traceback.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.mapping.nhs_code_sets import NHS_CODE_SETS
from qvh_migration.settings import default_crosswalk_dir

CROSSWALK_COLUMNS: tuple[str, ...] = ("legacy_code", "target_code", "target_description", "notes")
REQUIRED_VALUES: tuple[str, ...] = ("legacy_code", "target_code")


def load_crosswalks(directory: Path | None = None) -> dict[str, pd.DataFrame]:
    """Read every ``<code_set>.csv`` in ``directory`` (default: where settings.py says); raise
    ``CurationError`` on the first fault."""
    directory = Path(directory) if directory is not None else default_crosswalk_dir()
    if not directory.is_dir():
        raise CurationError(directory, "crosswalk directory not found")
    return {path.stem: load_crosswalk(path) for path in sorted(directory.glob("*.csv"))}


def load_crosswalk(path: Path) -> pd.DataFrame:
    """Read and validate one crosswalk file; the code set is the file name without ``.csv``."""
    code_set = path.stem
    if code_set not in NHS_CODE_SETS:
        raise CurationError(
            path, f"unknown code set {code_set!r}; file names must be one of {', '.join(sorted(NHS_CODE_SETS))}"
        )
    header, rows = _read_rows(path)
    _check_header(path, header)
    records = [_record(path, header, line, values) for line, values in rows]
    frame = pd.DataFrame(records, columns=[*CROSSWALK_COLUMNS, "row"])
    _check_unique(path, frame)
    _check_targets(path, frame, NHS_CODE_SETS[code_set])
    return frame.drop(columns="row").reset_index(drop=True)


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (file line number, values) of each non-blank row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            rows = [(reader.line_num, values) for values in reader if any(v.strip() for v in values)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise CurationError(path, f"not a readable UTF-8 CSV ({exc})") from exc
    if not header:
        raise CurationError(path, "file is empty", where="row 1")
    return header, rows


def _check_header(path: Path, header: list[str]) -> None:
    missing = [c for c in CROSSWALK_COLUMNS if c not in header]
    if missing:
        raise CurationError(
            path,
            f"missing required column(s); found {', '.join(header) or 'none'}",
            where=f"column {', '.join(missing)}",
        )
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise CurationError(path, "column appears more than once", where=f"column {', '.join(duplicated)}")


def _record(path: Path, header: list[str], line: int, values: list[str]) -> dict[str, object]:
    if len(values) > len(header):
        raise CurationError(path, f"{len(values)} values but {len(header)} columns", where=f"row {line}")
    cells = dict(zip(header, [v.strip() for v in values] + [""] * (len(header) - len(values)), strict=True))
    for column in REQUIRED_VALUES:
        if not cells[column]:
            raise CurationError(path, f"empty {column}", where=f"row {line}")
    record: dict[str, object] = {column: cells[column] for column in CROSSWALK_COLUMNS}
    record["row"] = line
    return record


def _check_unique(path: Path, frame: pd.DataFrame) -> None:
    duplicated = frame[frame.duplicated("legacy_code", keep="first")]
    if duplicated.empty:
        return
    row = duplicated.iloc[0]
    first = int(frame.loc[frame["legacy_code"] == row["legacy_code"], "row"].iloc[0])
    raise CurationError(
        path,
        f"legacy code {row['legacy_code']!r} is mapped twice (first at row {first})",
        where=f"row {int(row['row'])}",
    )


def _check_targets(path: Path, frame: pd.DataFrame, allowed: dict[str, str]) -> None:
    bad = frame[~frame["target_code"].isin(allowed)]
    if bad.empty:
        return
    row = bad.iloc[0]
    raise CurationError(
        path,
        f"target code {row['target_code']!r} (for legacy code {row['legacy_code']!r}) is not in the allowed "
        f"{path.stem} set: {', '.join(allowed)}",
        where=f"row {int(row['row'])}",
    )


def crosswalk_lookup(crosswalk: pd.DataFrame) -> dict[str, str]:
    """legacy code -> target code, for executing a crosswalk."""
    return dict(zip(crosswalk["legacy_code"], crosswalk["target_code"], strict=True))


def uncovered_codes(crosswalks: dict[str, pd.DataFrame], legacy_codes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per code set, the legacy codes that have no crosswalk row (a missing file covers nothing)."""
    gaps: dict[str, list[str]] = {}
    for code_set, codes in legacy_codes.items():
        covered = set(crosswalks[code_set]["legacy_code"]) if code_set in crosswalks else set()
        missing = [code for code in codes if code not in covered]
        if missing:
            gaps[code_set] = missing
    return gaps
