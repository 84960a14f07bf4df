"""Compare two data folders file by file: which files only one side has, and which differ in content.

    .venv/bin/python bench/compare_runs.py first_data_folder second_data_folder

Two dry runs of the same code, seed and patients write the same artifacts except where a file records
when, as which run or from which commit it was made. So that those do not hide a real difference:

- whole files that are a log or a lock (``IGNORED_FILES``) are compared by presence only;
- run ids, times, commits and content hashes are masked (``MASKS``) in file paths and in every text
  value: plain text, HTML, CSV and Parquet cells, JSON strings, workbook cells, staging tables;
- columns and keys that hold a time, a duration or a run id (``IGNORED_FIELDS``) are dropped from
  CSV, Parquet, JSON, workbooks and the staging database before comparing.

A file whose bytes differ but whose masked content is equal is listed as such. Exit status 1 when
anything else differs, or a file is on one side only.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd

IGNORED_FILES = (".run.lock", "reports/dry_run.log")
IGNORED_FIELDS = frozenset(
    {
        "seconds",
        "generation",
        "run_id",
        "registered_in_run",
        "first_found",
        "last_seen",
        "finished_at",
        "generated_at",
        "commit",
    }
)
MASKS = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<run-id>"),  # Dagster run
    (re.compile(r"\b\d{8}T\d{6}-[0-9a-f]{6}\b"), "<dry-run-id>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b[0-9a-f]{40}\b"), "<commit>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"\((?:[0-9a-f]{8})\)"), "(<run>)"),  # a run's short id in a chart label
)
TEXT_SUFFIXES = {".txt", ".html", ".log", ".sql", ".ctl", ".md", ".svg", ".yaml"}


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def files_under(root: Path) -> dict[str, Path]:
    """Masked relative name -> file (a run's folder is named by its id)."""
    return {mask(p.relative_to(root).as_posix()): p for p in sorted(root.rglob("*")) if p.is_file()}


def ignored(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


def _masked_frame(frame: pd.DataFrame, fields: frozenset[str]) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in frame.columns if str(c) in fields])
    text = frame.astype("string").fillna("<null>")
    return text.apply(lambda column: column.map(mask)).reset_index(drop=True)


def _json(value: object, fields: frozenset[str]) -> object:
    if isinstance(value, dict):
        return {mask(k): _json(v, fields) for k, v in value.items() if k not in fields}
    if isinstance(value, list):
        return [_json(v, fields) for v in value]
    return mask(value) if isinstance(value, str) else value


def _workbook(path: Path, fields: frozenset[str]) -> dict[str, pd.DataFrame]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(c) for c in rows[0]] if rows else []
        frame = pd.DataFrame(rows[1:], columns=range(len(header))) if rows else pd.DataFrame()
        frame.columns = [f"{i}:{h}" for i, h in enumerate(header)]
        drop = [c for c in frame.columns if c.split(":", 1)[1] in fields]
        sheets[sheet.title] = _masked_frame(frame.drop(columns=drop), fields)
    book.close()
    return sheets


def _database(path: Path, fields: frozenset[str]) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: _masked_frame(con.execute(f'SELECT * FROM "{t}"').df(), fields) for t in sorted(tables)}


def _frames_equal(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> bool:
    return left.keys() == right.keys() and all(left[k].equals(right[k]) for k in left)


def same_when_masked(a: Path, b: Path, fields: frozenset[str]) -> bool:
    """Equal once run ids, times, commits and hashes are masked and the ignored fields dropped."""
    try:
        if a.suffix == ".parquet":
            return _masked_frame(pd.read_parquet(a), fields).equals(_masked_frame(pd.read_parquet(b), fields))
        if a.suffix == ".csv":
            read = lambda p: pd.read_csv(p, dtype=str, keep_default_na=False)  # noqa: E731
            return _masked_frame(read(a), fields).equals(_masked_frame(read(b), fields))
        if a.suffix == ".json":
            load = lambda p: json.loads(p.read_text(encoding="utf-8"))  # noqa: E731
            return _json(load(a), fields) == _json(load(b), fields)
        if a.suffix == ".xlsx":
            return _frames_equal(_workbook(a, fields), _workbook(b, fields))
        if a.suffix == ".duckdb":
            return _frames_equal(_database(a, fields), _database(b, fields))
        if a.suffix in TEXT_SUFFIXES:
            return mask(a.read_text(encoding="utf-8")) == mask(b.read_text(encoding="utf-8"))
    except (OSError, ValueError, duckdb.Error) as exc:
        print(f"cannot compare {a.name}: {exc}", file=sys.stderr)
    return False


def compare(a: Path, b: Path, patterns: tuple[str, ...], fields: frozenset[str]) -> dict[str, list[str]]:
    left, right = files_under(a), files_under(b)
    result: dict[str, list[str]] = {
        "only_in_first": sorted(left.keys() - right.keys()),
        "only_in_second": sorted(right.keys() - left.keys()),
        "differ": [],
        "same_when_masked": [],
        "ignored": [],
        "identical": [],
    }
    for name in sorted(left.keys() & right.keys()):
        if left[name].read_bytes() == right[name].read_bytes():
            result["identical"].append(name)
        elif ignored(name, patterns):
            result["ignored"].append(name)
        elif same_when_masked(left[name], right[name], fields):
            result["same_when_masked"].append(name)
        else:
            result["differ"].append(name)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--ignore-file", action="append", default=[], help="another glob of files to ignore")
    parser.add_argument("--ignore-field", action="append", default=[], help="another column or key to ignore")
    parser.add_argument("--list", action="store_true", help="name every file, not only the differing ones")
    args = parser.parse_args(argv)
    fields = IGNORED_FIELDS | set(args.ignore_field)
    result = compare(args.first, args.second, (*IGNORED_FILES, *args.ignore_file), frozenset(fields))
    for key, names in result.items():
        print(f"{key}: {len(names)}")
        if args.list or key in ("only_in_first", "only_in_second", "differ"):
            for name in names:
                print(f"  {name}")
    return 1 if result["only_in_first"] or result["only_in_second"] or result["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
