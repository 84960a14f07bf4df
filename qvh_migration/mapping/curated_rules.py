"""Load and validate the reviewed mapping rules (``rules/<LOAD_TABLE>.yaml``).

A curated rule is a person's decision about one target field and overrides whatever the matcher
suggested. Every name in it is checked against the catalogs and registries - target field,
source table and column, transform, crosswalk, generator, parent table - so a typo or a renamed
field fails here, naming the YAML file and the rule, instead of producing a wrong load.

File layout::

    table: LOAD_PMI
    source_table: PATDATA          # default for the rules below
    rules:
      SEX: {class: CROSSWALK, source: Sex, crosswalk: sex, rationale: ...}
      DATE_OF_BIRTH: {class: TRANSFORM, source: InternalDateOfBirth, transform: format_date_ddmmyyyy,
                      rationale: ..., author: mapping owner, approved_by: migration lead}

``author`` and ``approved_by`` are optional; an approved rule may not be approved by its author.

Whole tables the trust does not migrate are decided once, in ``not_migrated_tables.yaml`` of the
same folder: every field of such a table is NOT_MIGRATED with the table's reason::

    tables:
      LOAD_MH_CPA_MASTER: {reason: ..., checked_against: ...}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.mapping.contract_schema import CURATED_COLUMNS, MAPPING_CLASSES, STATUSES
from qvh_migration.mapping.transforms import TRANSFORMS, accepts

NOT_MIGRATED_TABLES_FILE = "not_migrated_tables.yaml"
# Load keys the loader creates rather than reads: name -> intent.
GENERATORS: dict[str, str] = {
    "sequence": "1..n per staging table, in extract order; the staging primary key",
    "system_code": "constant code of the originating system (code type 10599 Dataload System)",
    "source_key": "the legacy record key, joined with '-' when it has several fields",
}
RULE_KEYS = frozenset(
    {
        "class",
        "source",
        "source_table",
        "transform",
        "crosswalk",
        "default",
        "generator",
        "parent",
        "status",
        "confidence",
        "rationale",
        "author",
        "approved_by",
    }
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (plain YAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_curated_rules(
    directory: Path,
    source_catalog: pd.DataFrame,
    target_fields: pd.DataFrame,
    crosswalk_names: set[str],
    *,
    every_table: bool = False,
) -> pd.DataFrame:
    """Every rule of every ``*.yaml`` in ``directory``, validated; one row per curated target field.

    A file the loader would not read (``LOAD_PMI.yml``, ``LOAD_PMI.yaml.bak``) is an error, not a
    silent fall-back to the matcher's guesses. With ``every_table`` (the run's own rules folder),
    each staging table of the guide must be curated or decided not migrated, so a rules file that
    vanishes fails the run instead of handing its table to the matcher.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CurationError(directory, "rules directory not found")
    unread = unread_files(directory)
    if unread:
        raise CurationError(
            unread[0], "not read: a rules file must be named <LOAD_TABLE>.yaml (rename it or move it out of the folder)"
        )
    context = _Context(source_catalog, target_fields, crosswalk_names)
    table_files = sorted(p for p in directory.glob("*.yaml") if p.name != NOT_MIGRATED_TABLES_FILE)
    frames = [read_rules_file(path, context) for path in table_files]
    decisions = directory / NOT_MIGRATED_TABLES_FILE
    if decisions.exists():
        curated_tables = {str(f["target_table"].iloc[0]): f["rules_file"].iloc[0] for f in frames if not f.empty}
        frames.append(read_not_migrated_tables(decisions, context, curated_tables))
    rules = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(CURATED_COLUMNS))
    if every_table:
        uncovered = sorted(context.target_tables - set(rules["target_table"]))
        if uncovered:
            raise CurationError(
                directory,
                f"no curated rules for {', '.join(uncovered)}: add <table>.yaml or list the table in "
                f"{NOT_MIGRATED_TABLES_FILE}",
            )
    duplicated = rules[rules.duplicated(["target_table", "target_field"], keep="first")]
    if not duplicated.empty:
        row = duplicated.iloc[0]
        raise CurationError(
            row["rules_file"], "field is curated in more than one file", where=f"rule {row['target_field']}"
        )
    return rules


def unread_files(directory: Path) -> list[Path]:
    """Files in the rules folder the loader does not read: anything but ``*.yaml`` (a README aside)."""
    return sorted(
        path
        for path in Path(directory).iterdir()
        if path.is_file()
        and path.suffix != ".yaml"
        and not path.name.startswith(".")
        and path.name.upper() not in {"README.MD", "README.TXT"}
    )


class _Context:
    """Lookups the validation needs, built once per load."""

    def __init__(self, source: pd.DataFrame, target: pd.DataFrame, crosswalk_names: set[str]) -> None:
        self.source_columns = set(zip(source["TableName"], source["Column"], strict=True))
        self.source_tables = set(source["TableName"])
        self.target_tables = set(target["table_name"])
        self.fields = {(t, f.upper()): f for t, f in zip(target["table_name"], target["field_name"], strict=True)}
        self.crosswalk_names = crosswalk_names


def read_rules_file(path: Path, context: _Context) -> pd.DataFrame:
    """Parse and validate one YAML rules file."""
    document = _parse(path)
    table = document.get("table")
    if table not in context.target_tables:
        raise CurationError(path, f"'table' is {table!r}, not a staging table of the target guide", where="table")
    default_source = document.get("source_table", "")
    if default_source and default_source not in context.source_tables:
        raise CurationError(path, f"source table {default_source!r} is not in the source catalog", where="source_table")
    rules = document.get("rules")
    if not isinstance(rules, dict) or not rules:
        raise CurationError(path, "'rules' must be a non-empty mapping of field name to rule", where="rules")
    rows = [_rule_row(path, table, str(field), rule, default_source, context) for field, rule in rules.items()]
    return pd.DataFrame(rows, columns=list(CURATED_COLUMNS))


def read_not_migrated_tables(path: Path, context: _Context, curated_tables: dict[str, str]) -> pd.DataFrame:
    """Every field of each table decided as not migrated, NOT_MIGRATED with the table's reason."""
    document = _parse(path)
    tables = document.get("tables")
    if not isinstance(tables, dict) or not tables:
        raise CurationError(path, "'tables' must be a non-empty mapping of staging table to decision", where="tables")
    rows = []
    for table, decision in tables.items():
        where = f"table {table}"
        if table not in context.target_tables:
            raise CurationError(path, f"{table!r} is not a staging table of the target guide", where=where)
        if table in curated_tables:
            raise CurationError(path, f"{table} also has field rules in {curated_tables[table]}", where=where)
        if not isinstance(decision, dict) or set(decision) - {"reason", "checked_against"}:
            raise CurationError(path, "a decision is a mapping of 'reason' and 'checked_against'", where=where)
        reason = str(decision.get("reason") or "").strip()
        checked = str(decision.get("checked_against") or "").strip()
        if not reason or not checked:
            message = "a table not migrated needs a 'reason' and what it was 'checked_against'"
            raise CurationError(path, message, where=where)
        for (name, _), field in context.fields.items():
            if name == table:
                rows.append(_not_migrated_row(path, table, field, f"table not migrated: {reason} ({checked})"))
    return pd.DataFrame(rows, columns=list(CURATED_COLUMNS))


def _not_migrated_row(path: Path, table: str, field: str, rationale: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(CURATED_COLUMNS, "")
    row.update(
        target_table=table,
        target_field=field,
        mapping_class="NOT_MIGRATED",
        status="approved",
        confidence=1.0,
        rationale=rationale,
        rules_file=path.name,
        rule_id=f"{table}.{field.upper()}",
    )
    return row


def _parse(path: Path) -> dict[str, Any]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise CurationError(path, f"not valid YAML ({getattr(exc, 'problem', exc)})", where=where) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(path, f"cannot read rules file ({exc})") from exc
    if not isinstance(document, dict):
        raise CurationError(path, "top level must be a mapping with 'table' and 'rules'")
    return document


def _rule_row(
    path: Path, table: str, field: str, rule: object, default_source: str, context: _Context
) -> dict[str, object]:
    where = f"rule {field}"
    target_field = context.fields.get((table, field.upper()))
    if target_field is None:
        raise CurationError(path, f"{table} has no field {field!r} in the target guide", where=where)
    if not isinstance(rule, dict):
        raise CurationError(path, "a rule must be a mapping (class, source, rationale, ...)", where=where)
    unknown = sorted(set(rule) - RULE_KEYS)
    if unknown:
        raise CurationError(path, f"unknown key(s) {', '.join(unknown)}", where=where)
    mapping_class = str(rule.get("class", "")).upper()
    if mapping_class not in MAPPING_CLASSES:
        raise CurationError(
            path, f"class {rule.get('class')!r} is not one of {', '.join(MAPPING_CLASSES)}", where=where
        )
    rationale = str(rule.get("rationale", "") or "").strip()
    if not rationale:
        raise CurationError(path, "rationale is empty: say why", where=where)
    source_table = str(rule.get("source_table", default_source) or "")
    sources = _sources(path, where, rule.get("source"), source_table, context)
    _check_class(path, where, mapping_class, rule, sources, context)
    status = str(rule.get("status", "approved"))
    if status not in STATUSES:
        raise CurationError(path, f"status {status!r} is not one of {', '.join(STATUSES)}", where=where)
    _check_approval(path, where, rule, status)
    return {
        "target_table": table,
        "target_field": target_field,
        "mapping_class": mapping_class,
        "source_table": sources[0].split(".", 1)[0] if sources else "",
        "source_fields": ";".join(sources),
        "transform": str(rule.get("transform", "") or ""),
        "crosswalk": _crosswalk_column(rule),
        "default_value": "" if rule.get("default") is None else str(rule.get("default")),
        "generator": str(rule.get("generator", "") or ""),
        "parent_table": str(rule.get("parent", "") or ""),
        "status": status,
        "confidence": float(rule.get("confidence", 1.0 if status == "approved" else 0.6)),
        "rationale": rationale,
        "rules_file": path.name,
        "rule_id": f"{table}.{target_field.upper()}",
    }


def _check_approval(path: Path, where: str, rule: dict, status: str) -> None:
    """Four eyes: whoever approves a rule is not whoever wrote it (both optional, compared without case)."""
    author, approver = (" ".join(str(rule.get(key) or "").split()) for key in ("author", "approved_by"))
    if status == "approved" and author and author.casefold() == approver.casefold():
        raise CurationError(path, f"approved by its author ({author}): another person must approve it", where=where)


def _crosswalk_column(rule: dict) -> str:
    """The rule's crosswalk, or the transform's per-input crosswalks joined with ';' (aligned with sources)."""
    named = str(rule.get("crosswalk", "") or "")
    transform = TRANSFORMS.get(str(rule.get("transform", "")))
    return named or (";".join(transform.code_sets) if transform else "")


def _sources(path: Path, where: str, value: object, source_table: str, context: _Context) -> list[str]:
    """Qualified ``TABLE.Column`` names, each checked against the source catalog."""
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    qualified = []
    for entry in entries:
        text = str(entry).strip()
        table, column = text.split(".", 1) if "." in text else (source_table, text)
        if not table:
            raise CurationError(path, f"source field {text!r} has no table (set source_table)", where=where)
        if table not in context.source_tables:
            raise CurationError(path, f"source table {table!r} is not in the source catalog", where=where)
        if (table, column) not in context.source_columns:
            raise CurationError(
                path, f"source field {table}.{column} does not exist in the source catalog", where=where
            )
        qualified.append(f"{table}.{column}")
    return qualified


def _check_class(path: Path, where: str, mapping_class: str, rule: dict, sources: list[str], context: _Context) -> None:
    transform = rule.get("transform")
    crosswalk = rule.get("crosswalk")
    if transform is not None:
        if transform not in TRANSFORMS:
            raise CurationError(path, f"transform {transform!r} is not in the transform registry", where=where)
        if not accepts(str(transform), len(sources)):
            expected = TRANSFORMS[str(transform)].inputs
            raise CurationError(
                path,
                f"transform {transform} takes {expected} source field(s), the rule names {len(sources)}",
                where=where,
            )
        declared = TRANSFORMS[str(transform)].code_sets
        if declared and crosswalk is not None:
            raise CurationError(
                path,
                f"transform {transform} translates its inputs itself ({';'.join(declared)}); remove 'crosswalk'",
                where=where,
            )
        unknown = sorted({name for name in declared if name and name not in context.crosswalk_names})
        if unknown:
            raise CurationError(
                path, f"transform {transform} needs missing crosswalk(s) {', '.join(unknown)}", where=where
            )
    if crosswalk is not None and crosswalk not in context.crosswalk_names:
        raise CurationError(
            path,
            f"crosswalk {crosswalk!r} does not exist; known: {', '.join(sorted(context.crosswalk_names))}",
            where=where,
        )
    needs = {
        "DIRECT": (len(sources) == 1 and transform is None, "DIRECT needs exactly one source field and no transform"),
        "CROSSWALK": (bool(sources) and crosswalk is not None, "CROSSWALK needs a source field and a crosswalk"),
        "TRANSFORM": (bool(sources) and transform is not None, "TRANSFORM needs source field(s) and a transform"),
        "DERIVED": (bool(sources) or rule.get("parent") is not None, "DERIVED needs source field(s) or a parent"),
        "DEFAULT": (rule.get("default") is not None, "DEFAULT needs a default value"),
        "GENERATED": (rule.get("generator") in GENERATORS, f"GENERATED needs a generator: {', '.join(GENERATORS)}"),
    }
    ok, message = needs.get(mapping_class, (True, ""))
    if not ok:
        raise CurationError(path, message, where=where)
    parent = rule.get("parent")
    if parent is not None and parent not in context.target_tables:
        raise CurationError(path, f"parent {parent!r} is not a staging table of the target guide", where=where)
