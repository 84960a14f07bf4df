"""Reviewed domain concepts of the matcher (``concepts.yaml``): synonyms and staging-table subjects.

* synonyms       - a legacy or guide word (or phrase) folded onto the concept word the other side
                   uses (``wlk`` -> ``walkin``), applied to names and to descriptions alike;
* table_subjects - a staging table whose unqualified fields hold another party's value (the
                   contacts table holds the carer's name and address, not the patient's);
* record_subjects - what the records of a master or child legacy table are about (``GP``: a GP
                   practice, ``WLREMOVAL``: the removal of a waiting-list entry), words its column
                   names leave out because the table name says them.

Every entry is a domain fact that holds for any field, with the reason a reviewer can check; no
entry names a target field. Errors name the file and the entry.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import yaml

from qvh_migration.errors import CurationError

CONCEPTS_PATH = Path(__file__).with_name("concepts.yaml")
_SECTIONS = ("synonyms", "table_subjects", "record_subjects")
_WORDS = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


class Concepts(NamedTuple):
    words: dict[str, str]  # one word -> its concept words
    phrases: dict[tuple[str, ...], tuple[str, ...]]  # word sequence -> concept words
    subjects: dict[str, str]  # staging table -> the qualifier word of whose values it holds
    records: dict[str, str]  # legacy table -> the words saying what its records are about
    lends_attributes: frozenset[str]  # record tables whose key the row table carries (lend only attributes)


def read_concepts(path: Path = CONCEPTS_PATH) -> Concepts:
    """Load and check the concept file: every entry lower-case words and a reason."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read the concepts ({exc})") from exc
    if not isinstance(document, dict) or set(document) - set(_SECTIONS):
        raise CurationError(path, f"top level must have only {', '.join(_SECTIONS)}")
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    for position, entry in enumerate(document.get("synonyms") or [], start=1):
        where = f"synonyms entry {position}"
        term, concept = _checked(path, entry, ("term", "concept"), where)
        if len(term.split()) == 1:
            words[term] = concept
        else:
            phrases[tuple(term.split())] = tuple(concept.split())
    subjects: dict[str, str] = {}
    for table, entry in (document.get("table_subjects") or {}).items():
        (qualifier,) = _checked(path, entry, ("qualifier",), f"table_subjects {table}")
        subjects[str(table)] = qualifier
    records: dict[str, str] = {}
    attributes_only: set[str] = set()
    for table, entry in (document.get("record_subjects") or {}).items():
        where = f"record_subjects {table}"
        about, lends = _checked(path, entry, ("about", "lends"), where)
        if lends not in {"attributes", "values"}:
            raise CurationError(path, f"lends must be attributes or values, got {lends!r}", where=where)
        records[str(table)] = about
        if lends == "attributes":
            attributes_only.add(str(table))
    return Concepts(words, phrases, subjects, records, frozenset(attributes_only))


def _checked(path: Path, entry: object, keys: tuple[str, ...], where: str) -> tuple[str, ...]:
    if not isinstance(entry, dict):
        raise CurationError(path, f"must be a mapping with {', '.join(keys)} and reason", where=where)
    if not str(entry.get("reason") or "").strip():
        raise CurationError(path, "every entry needs a reason", where=where)
    values = []
    for key in keys:
        value = str(entry.get(key) or "").strip()
        if not _WORDS.fullmatch(value):
            raise CurationError(path, f"{key} must be lower-case words, got {entry.get(key)!r}", where=where)
        values.append(value)
    return tuple(values)


CONCEPTS: Concepts = read_concepts()
