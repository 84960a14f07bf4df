"""Stand-in requirement documents: committed schema facts in, three documents out.

``refresh`` distils facts (names, types, sizes, code types, code lists, load links, mandatory
evidence kinds) from the real documents; ``build`` renders the stand-ins from those facts with
freshly written prose. The same readers parse both, which is what the tests prove.

    python -m qvh_migration.specs.standins refresh --from ../shared/requirement_spec
    python -m qvh_migration.specs.standins build [--to requirement_spec]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from qvh_migration import settings
from qvh_migration.io.artifacts import write_csv
from qvh_migration.specs import standin_office
from qvh_migration.specs.mandatory import classify_from_text

FACTS_DIR = Path(__file__).with_name("facts")
SOURCE_FACT_COLUMNS = [
    "TableName",
    "Column",
    "Size",
    "DataElement",
    "LogicalDeleteFlag",
    "ReleasedAt",
    "description_kind",
    "description_fact",
]
TARGET_FIELD_FACT_COLUMNS = [
    "table_name",
    "field_order",
    "field_name",
    "data_type",
    "length",
    "code_type",
    "code_type_name",
    "loaded_into",
    "text_mandatory_class",
    "text_mandatory_condition",
    "text_date_format",
]
TARGET_TABLE_FACT_COLUMNS = [
    "table_name",
    "functional_area",
    "creates_records_in",
    "loader_package",
    "parent_links",
    "load_order",
]


def source_facts(catalog: pd.DataFrame) -> pd.DataFrame:
    facts = catalog[["TableName", "Column", "Size", "DataElement", "LogicalDeleteFlag", "ReleasedAt"]].copy()
    kind = catalog["description_kind"].copy()
    fact = pd.Series("", index=catalog.index, dtype=object)
    keep = kind.isin(["code_list", "release_number"])
    fact[keep] = catalog.loc[keep, "Description"]
    dated = kind == "date_format"
    fact[dated] = catalog.loc[dated, "date_format"]
    deleted = catalog["Description"].str.contains(r"logical\s+delet", case=False) & ~dated
    kind[deleted] = "logical_delete"
    facts["description_kind"] = kind
    facts["description_fact"] = fact
    return facts[SOURCE_FACT_COLUMNS]


def target_facts(fields: pd.DataFrame, tables: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    text = fields["comment"].fillna("").map(classify_from_text)
    field_facts = fields.assign(
        text_mandatory_class=[t[0] for t in text],
        text_mandatory_condition=[t[1] for t in text],
        text_date_format=fields["comment"].fillna("").map(date_format_fact),
    )[TARGET_FIELD_FACT_COLUMNS]
    return field_facts, tables[TARGET_TABLE_FACT_COLUMNS].copy()


def date_format_fact(comment: str) -> str:
    """The date format a comment demands, as the guide writes it ("" when it names none).

    A fact the loader acts on (date only, or date and time): without it the stand-in guide
    would turn every date-time field of the real guide into a date.
    """
    text = str(comment or "").upper()
    for fmt in ("DD/MM/YYYY HH24:MI:SS", "DD/MM/YYYY HH24:MI", "DD/MM/YYYY", "HH24:MI"):
        if fmt in text:
            return fmt
    return ""


def standin_comment(fact: pd.Series) -> str:
    """Fresh comment text that carries exactly the facts the readers extract."""
    lines = [standin_office.humanise(fact["field_name"].title().replace("_", "")) + "."]
    condition = str(fact["text_mandatory_condition"] or "")
    if fact["text_mandatory_class"] == "mandatory":
        lines.append("Mandatory field.")
    elif fact["text_mandatory_class"] == "conditional":
        opener = {"only": "Mandatory but", "for": "Must not be blank"}.get(condition.split(" ", 1)[0], "Required")
        lines.append(f"{opener} {condition}.")
    if fact["code_type"]:
        lines.append(f'Maps to: code type {fact["code_type"]} "{fact["code_type_name"]}"')
    if str(fact.get("text_date_format", "") or ""):
        lines.append(f"Must be in format: {fact['text_date_format']}")
    for target in filter(None, str(fact["loaded_into"]).split(";")):
        lines.append(f"Loaded into {target}")
    return "\n".join(lines)


def read_facts(folder: Path = FACTS_DIR) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / name, dtype=str, keep_default_na=False)

    fields = read("target_fields.csv")
    fields["field_order"] = fields["field_order"].astype(int)
    fields["length"] = pd.to_numeric(fields["length"].replace("", None)).astype("Int64")
    tables = read("target_tables.csv")
    tables["load_order"] = tables["load_order"].astype(int)
    return read("source_fields.csv"), fields, tables


def refresh_facts(real_spec_dir: Path, folder: Path = FACTS_DIR) -> None:
    from qvh_migration.specs.altera_pdf import read_target_guide
    from qvh_migration.specs.inquire_xlsx import read_source_catalog

    catalog = read_source_catalog(real_spec_dir / settings.SOURCE_DICTIONARY_NAME)
    guide = read_target_guide(real_spec_dir / settings.TARGET_GUIDE_NAME)
    field_facts, table_facts = target_facts(guide.fields, guide.tables)
    write_csv(source_facts(catalog), folder / "source_fields.csv")
    write_csv(field_facts, folder / "target_fields.csv")
    write_csv(table_facts, folder / "target_tables.csv")


def build_standins(spec_dir: Path, folder: Path = FACTS_DIR) -> list[Path]:
    from qvh_migration.specs.standin_pdf import render_target_guide

    source, fields, tables = read_facts(folder)
    spec_dir.mkdir(parents=True, exist_ok=True)
    xlsx = spec_dir / settings.STANDIN_SOURCE_DICTIONARY_NAME
    docx = spec_dir / settings.STANDIN_PC60_DICTIONARY_NAME
    pdf = spec_dir / settings.STANDIN_TARGET_GUIDE_NAME
    standin_office.write_inquire_workbook(source, xlsx)
    standin_office.write_pc60_document(source, docx)
    rendered = fields.assign(comment=fields.apply(standin_comment, axis=1), page=0)
    described = tables.assign(
        description=tables["table_name"].map(lambda t: f"Staging table {t} for the migration load."),
        page_start=0,
        page_end=0,
        field_count=tables["table_name"].map(fields.groupby("table_name").size()).fillna(0).astype(int),
    )
    render_target_guide(described, rendered, pdf)
    return [xlsx, docx, pdf]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qvh_migration.specs.standins", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    refresh = commands.add_parser("refresh", help="distil facts from the real documents")
    refresh.add_argument("--from", dest="source", type=Path, required=True)
    build = commands.add_parser("build", help="render the stand-in documents from the facts")
    build.add_argument("--to", type=Path, default=settings.PROJECT_ROOT / "requirement_spec")
    args = parser.parse_args(argv)
    if args.command == "refresh":
        refresh_facts(args.source)
    else:
        for path in build_standins(args.to):
            print(path)


if __name__ == "__main__":
    main()
