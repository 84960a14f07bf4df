"""Load and validate the reviewed crosswalk files (one CSV per code set).

A crosswalk maps every legacy PatientCentre code of one code set to an NHS Data Dictionary code
(or, for local sets, to the documented local list). The files are reviewed by people, so every
mistake is reported with the file and the row or column at fault, never as a library traceback.

Each file opens with ``# key: value`` lines that say what the codes were checked against, so a
reviewer can tell a stale list from a current one::

    # nhs_element: INTENDED MANAGEMENT (NHS Data Model and Dictionary attribute)
    # checked_against: <source of the national list, with its version or date>
    legacy_code,target_code,target_description,notes

A legacy code with no honest national equivalent maps to ``NO_CODE`` (the notes must say why and
what happens instead): it counts as decided for coverage, but translates to nothing, so the load
reports the record instead of silently choosing a code.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from qvh_migration.errors import CurationError
from qvh_migration.mapping.nhs_code_sets import NHS_CODE_SETS
from qvh_migration.settings import default_crosswalk_dir

CROSSWALK_COLUMNS: tuple[str, ...] = ("legacy_code", "target_code", "target_description", "notes")
REQUIRED_VALUES: tuple[str, ...] = ("legacy_code", "target_code")
# Header keys every file must state, and the frame columns they become.
HEADER_KEYS: tuple[str, ...] = ("nhs_element", "checked_against")
NO_CODE = "NO_CODE"
_HEADER_LINE = re.compile(r"#\s*([a-z_]+)\s*:\s*(.*\S)\s*$")


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
    provenance, header, rows = _read_rows(path)
    _check_header(path, header)
    records = [_record(path, header, line, values) for line, values in rows]
    frame = pd.DataFrame(records, columns=[*CROSSWALK_COLUMNS, "row"])
    _check_unique(path, frame)
    _check_targets(path, frame, NHS_CODE_SETS[code_set])
    frame = frame.drop(columns="row").reset_index(drop=True)
    return frame.assign(**provenance)


def _read_rows(path: Path) -> tuple[dict[str, str], list[str], list[tuple[int, list[str]]]]:
    """Provenance header, CSV header and (file line number, values) of each non-blank row."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    except UnicodeDecodeError as exc:
        raise CurationError(path, f"not a readable UTF-8 CSV ({exc})") from exc
    skipped = 0
    provenance: dict[str, str] = {}
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#"):
            break
        skipped += 1
        match = _HEADER_LINE.match(line.strip())
        if match:
            provenance[match.group(1)] = match.group(2)
    missing = [key for key in HEADER_KEYS if not provenance.get(key)]
    if missing:
        raise CurationError(
            path,
            f"missing header line(s) {', '.join(f'# {key}: ...' for key in missing)}: say which NHS Data "
            "Dictionary element the codes belong to and what list (version or date) they were checked against",
            where="row 1",
        )
    try:
        reader = csv.reader(io.StringIO("".join(lines[skipped:]), newline=""))
        header = [h.strip() for h in next(reader, [])]
        rows = [(reader.line_num + skipped, values) for values in reader if any(v.strip() for v in values)]
    except csv.Error as exc:
        raise CurationError(path, f"not a readable CSV ({exc})") from exc
    if not header:
        raise CurationError(path, "file has no column header", where=f"row {skipped + 1}")
    return {key: provenance[key] for key in HEADER_KEYS}, header, rows


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
    if cells["target_code"] == NO_CODE and not cells["notes"]:
        raise CurationError(
            path, f"{NO_CODE} needs notes saying why and what the load does instead", where=f"row {line}"
        )
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
    bad = frame[~frame["target_code"].isin([*allowed, NO_CODE])]
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
    """legacy code -> target code, for executing a crosswalk; ``NO_CODE`` rows translate to nothing."""
    mapped = crosswalk[crosswalk["target_code"] != NO_CODE]
    return dict(zip(mapped["legacy_code"], mapped["target_code"], strict=True))


def no_code_legacy(crosswalk: pd.DataFrame) -> dict[str, str]:
    """Legacy codes deliberately left without a national code -> the reason, for the load's report."""
    decided = crosswalk[crosswalk["target_code"] == NO_CODE]
    return dict(zip(decided["legacy_code"], decided["notes"], strict=True))


def uncovered_codes(crosswalks: dict[str, pd.DataFrame], legacy_codes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per code set, the legacy codes that have no crosswalk row (a missing file covers nothing)."""
    gaps: dict[str, list[str]] = {}
    for code_set, codes in legacy_codes.items():
        covered = set(crosswalks[code_set]["legacy_code"]) if code_set in crosswalks else set()
        missing = [code for code in codes if code not in covered]
        if missing:
            gaps[code_set] = missing
    return gaps
