"""``qvh-migration plan TABLE``: print how a target table will be loaded, without reading any extract.

The plan comes from the mapping contract a previous dry run wrote into the data folder, the row
sources and (when present) the source catalog; see ``etl/plan.py``. Example:

  qvh-migration plan LOAD_PMI --data-dir data
  qvh-migration plan LOAD_PMIIDS --sql
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from qvh_migration.errors import CurationError, MigrationInputError
from qvh_migration.etl.plan import FieldPlan, PartPlan, TablePlan, build_table_plan
from qvh_migration.etl.row_sources import load_row_sources
from qvh_migration.mapping.files import CONTRACT_CSV, read_contract
from qvh_migration.settings import default_data_dir, default_row_sources_file


def add_parser(commands: argparse._SubParsersAction) -> None:
    plan = commands.add_parser(
        "plan",
        help="print a target table's load plan (sources, filters, links, each field's kind and engine)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("table", help="staging table, e.g. LOAD_PMI")
    plan.add_argument("--data-dir", metavar="DIR", help="a dry run's data folder (default: QVH_DATA_DIR or data/)")
    plan.add_argument("--sql", action="store_true", help="also print each DuckDB field's SQL expression")


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir or default_data_dir()).resolve()
    if not (data_dir / "mapping" / CONTRACT_CSV).exists():
        print(f"no mapping contract under {data_dir}: run `qvh-migration dry-run --data-dir {data_dir}` first")
        return 2
    try:
        contract = read_contract(data_dir / "mapping")
        row_sources = load_row_sources(default_row_sources_file())
        if args.table not in row_sources.tables or args.table not in set(contract["target_table"]):
            print(f"{args.table} is not a staging table of the contract in {data_dir / 'mapping'}")
            return 2
        plan = build_table_plan(args.table, contract, row_sources, _catalog_columns(data_dir / "catalogs"))
    except (CurationError, MigrationInputError) as exc:
        print(f"cannot plan {args.table}: {exc}")
        return 2
    print("\n".join(plan_lines(plan, with_sql=args.sql)))
    return 0


def _catalog_columns(catalogs: Path) -> dict[str, set[str]] | None:
    """Source columns per legacy table, when the source catalog has been built (else None)."""
    path = catalogs / "source_catalog.parquet"
    if not path.exists():
        return None
    try:
        catalog = pd.read_parquet(path, columns=["TableName", "Column"])
    except (OSError, ValueError) as exc:
        raise MigrationInputError(path, f"not a readable source catalog ({type(exc).__name__})") from None
    return {table: set(columns) for table, columns in catalog.groupby("TableName")["Column"]}


def plan_lines(plan: TablePlan, with_sql: bool = False) -> list[str]:
    lines = [f"{plan.target_table}: {plan.rationale}" if plan.rationale else plan.target_table]
    if not plan.loads_rows:
        lines.append("  loads no rows (row_sources.yaml: source null)")
    for number, part in enumerate(plan.parts, start=1):
        lines += _part_lines(plan, part, number)
    for link in plan.parent_links:
        need = "mandatory" if link.mandatory else "optional"
        by = ", ".join(link.source_fields) or "the keys both tables share"
        lines.append(f"  parent  {link.target_field} -> {link.parent_table} ({need}) by {by}")
    for rule in plan.issue_rules:
        fields = f" [{', '.join(rule.fields)}]" if rule.fields else ""
        lines.append(f"  check   {rule.reason_code} ({rule.action}){fields}: {rule.rationale}")
    lines.append("  fields:")
    width = max((len(f.target_field) for f in plan.fields), default=10)
    lines += [_field_line(f, width, with_sql) for f in plan.fields]
    for number, part in enumerate(plan.parts[1:], start=2):
        changed = [f for f in part.fields if f.target_field in part.overridden]
        if changed:
            lines.append(f"  fields part {number} ({part.source_table}) fills differently:")
            lines += [_field_line(f, width, with_sql) for f in changed]
    counts = plan.engine_counts()
    over = " over every part" if plan.is_union else ""
    lines.append(f"  engines{over}: " + ", ".join(f"{engine} {n}" for engine, n in counts.items()))
    return lines


def _part_lines(plan: TablePlan, part: PartPlan, number: int) -> list[str]:
    label = f"source  part {number}: {part.source_table}" if plan.is_union else f"source  {part.source_table}"
    lines = [f"  {label}" + (f" ({part.rationale})" if plan.is_union and part.rationale else "")]
    lines.append(f"  grain   {', '.join(part.grain)} (one target row per distinct value)")
    for row_filter in part.filters:
        value = f" {row_filter.value}" if row_filter.test not in ("not_blank",) else ""
        lines.append(f"  filter  {row_filter.column} {row_filter.test}{value}: {row_filter.reason}")
    lines += [f"  note    {note}" for note in part.notes]
    return lines


def _field_line(field: FieldPlan, width: int, with_sql: bool) -> str:
    how = []
    if field.source_fields:
        how.append(", ".join(field.source_fields))
    if field.transform:
        how.append(f"transform {field.transform}")
    if field.crosswalk.strip(";"):
        how.append(f"crosswalk {field.crosswalk.rstrip(';')}")
    if field.kind == "default":
        how.append(f"value {field.default_value!r}")
    if field.kind == "generated":
        how.append(f"generator {field.generator}")
    if field.parent_table:
        how.append(f"parent {field.parent_table}")
    if field.kind == "direct" and field.data_type == "DATE":
        how.append("as DD/MM/YYYY")
    if field.reads_last_row:
        how.append("last row read in duckdb")
    line = f"    {field.target_field:<{width}}  {field.kind:<12} {field.engine:<6}  {'; '.join(how)}".rstrip()
    if with_sql and field.sql:
        line += f"\n    {'':<{width}}  sql: {field.sql}"
    return line
