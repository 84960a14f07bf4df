"""The mapping contract: one row for every target field, saying how it is filled.

Each field gets exactly one class:

* DIRECT        - copied from one source field (coded values pass to the PAS mapping config);
* CROSSWALK     - a legacy code translated to an NHS code through a reviewed crosswalk file;
* TRANSFORM     - a named transform of one or more source fields (dates, names, NHS number);
* DERIVED       - computed from other records: parent ``*_record_number`` links, lookups;
* DEFAULT       - a constant agreed with the vendor;
* GENERATED     - a load key the loader creates (record_number, system_code, external_system_id);
* NOT_MIGRATED  - deliberately left empty, with the reason;
* UNRESOLVED    - nobody has decided yet; a blocker when the field is mandatory.

Precedence: curated rules (reviewed YAML) > load-key rules > matcher suggestions > UNRESOLVED.

``code_handling`` says how a coded field takes its value (see code_handling.py): ``pas_code_type``
fields load the legacy value and the vendor maps it through the code type (a crosswalk named on
such a field documents the national meaning the mapping should give); ``national_code`` fields
must receive the national code itself.

A rule naming both a crosswalk and a transform applies the crosswalk first (legacy code to NHS
code), then the transform (e.g. national RTT status to the START/STOP link action). A transform
that reasons on several code sets declares them itself; the crosswalk column then lists one
crosswalk per source field, ';'-separated and aligned with source_fields (empty = as it is). Source fields
are ``TABLE.Column``; fields of another table than the row's own are reached through the keys the
rationale names (joins and aggregates are marked by the transform's kind, see transforms.py).
"""

from __future__ import annotations

import pandas as pd

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.errors import CatalogContractError
from qvh_migration.mapping import signals
from qvh_migration.mapping.code_handling import code_handling_column
from qvh_migration.mapping.contract_schema import CONTRACT_COLUMNS, MAPPING_CLASSES
from qvh_migration.specs.target_links import resolve_parent_links

LOAD_KEY_GENERATORS: dict[str, tuple[str, str]] = {
    "RECORD_NUMBER": ("sequence", "staging primary key, numbered by the loader"),
    "SYSTEM_CODE": ("system_code", "constant code of the legacy PAS (Dataload System code type 10599)"),
    "EXTERNAL_SYSTEM_ID": ("source_key", "the legacy record's own key, so loads can be traced back"),
}
DEFAULT_MIN_SCORE = 0.70
_REQUIRED_TARGET = ("table_name", "field_order", "field_name", "data_type", "length", "code_type", "comment")


def build_mapping_contract(
    target_fields: pd.DataFrame,
    target_tables: pd.DataFrame,
    matrix: pd.DataFrame,
    curated: pd.DataFrame,
    legacy_code_fields: dict[tuple[str, str], str] | None = None,
    min_score: float = DEFAULT_MIN_SCORE,
) -> pd.DataFrame:
    """One contract row per target field (curated > load keys > matcher > UNRESOLVED)."""
    _check_columns(target_fields)
    base = _base(target_fields, target_tables)
    decided = pd.concat(
        [
            _curated_rows(curated),
            key_rules(target_fields, target_tables),
            suggestions(target_fields, matrix, legacy_code_fields or {}, min_score),
        ],
        ignore_index=True,
    )
    decided["_key"] = decided["target_table"] + "." + decided["target_field"].str.upper()
    decided = decided.drop_duplicates("_key", keep="first").set_index("_key")
    key = base["target_table"] + "." + base["target_field"].str.upper()
    contract = base.join(decided.drop(columns=["target_table", "target_field"]), on=key)
    unresolved = contract["mapping_class"].isna()
    contract.loc[unresolved, "mapping_class"] = "UNRESOLVED"
    contract.loc[unresolved, "status"] = "suggested"
    contract.loc[unresolved, "origin"] = "none"
    contract.loc[unresolved, "rationale"] = "no curated rule and no source candidate above the threshold"
    contract["rule_id"] = key.to_numpy()
    contract["confidence"] = contract["confidence"].fillna(0.0).astype(float).round(4)
    contract = contract.fillna({c: "" for c in CONTRACT_COLUMNS if c not in ("confidence", "length", "field_order")})
    contract["is_blocker"] = (contract["mapping_class"] == "UNRESOLVED") & (contract["mandatory_class"] == "mandatory")
    return contract[list(CONTRACT_COLUMNS)].reset_index(drop=True)


def _check_columns(target_fields: pd.DataFrame) -> None:
    missing = [c for c in (*_REQUIRED_TARGET, "mandatory_class") if c not in target_fields.columns]
    if missing:
        raise CatalogContractError(
            "target catalog",
            f"missing column(s) {', '.join(missing)}; classify mandatory fields first",
        )


def _base(target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> pd.DataFrame:
    area = dict(zip(target_tables["table_name"], target_tables.get("functional_area", ""), strict=False))
    return pd.DataFrame(
        {
            "functional_area": target_fields["table_name"].map(area).fillna("").map(_tidy_area),
            "target_table": target_fields["table_name"],
            "field_order": target_fields["field_order"],
            "target_field": target_fields["field_name"],
            "data_type": target_fields["data_type"],
            "length": target_fields["length"],
            "code_type": target_fields["code_type"].fillna(""),
            "code_type_name": target_fields.get("code_type_name", pd.Series("", index=target_fields.index)).fillna(""),
            "code_handling": code_handling_column(target_fields),
            "mandatory_class": target_fields["mandatory_class"],
            "mandatory_condition": target_fields.get(
                "mandatory_condition", pd.Series("", index=target_fields.index)
            ).fillna(""),
        }
    ).reset_index(drop=True)


# Section headings of the guide; PDF text extraction can split their words ("OUTPATIEN TS").
KNOWN_AREAS: tuple[str, ...] = (
    "Staff Data",
    "Users",
    "Sites",
    "Patient Demographic Data",
    "Referral To Treatment Pathways",
    "Referrals",
    "Referral To Treatment Periods",
    "Referral To Treatment Events",
    "Outpatients Waiting List Data",
    "Outpatient Data",
    "Community Data",
    "Inpatient Waiting List Data",
    "Inpatient Data",
    "Mental Health Data",
    "Outpatient Archive",
    "Inpatient Archive",
    "Mental Health Archive",
)
_AREA_BY_LETTERS = {area.replace(" ", "").upper(): area for area in KNOWN_AREAS}
_AREA_BY_LETTERS["IMPATIENTWAITINGLISTDATA"] = "Inpatient Waiting List Data"  # the guide's own typo


def _tidy_area(text: str) -> str:
    """The section heading, repaired when PDF extraction split its words; unknown headings squeezed."""
    letters = "".join(str(text).split()).upper()
    return _AREA_BY_LETTERS.get(letters, " ".join(str(text).split()).title())


def _curated_rows(curated: pd.DataFrame) -> pd.DataFrame:
    rows = curated.copy()
    rows["origin"] = "curated"
    return rows


def key_rules(target_fields: pd.DataFrame, target_tables: pd.DataFrame) -> pd.DataFrame:
    """GENERATED load keys and DERIVED parent links, for every staging table."""
    links = _parent_links(target_tables)
    rows = []
    for table, field in zip(target_fields["table_name"], target_fields["field_name"], strict=True):
        name = field.upper()
        if name in LOAD_KEY_GENERATORS:
            generator, why = LOAD_KEY_GENERATORS[name]
            rows.append(_row(table, field, "GENERATED", generator=generator, rationale=why))
        elif (table, name) in links:
            parent = links[(table, name)]
            why = f"link to parent staging table {parent}: its RECORD_NUMBER for the same legacy record"
            rows.append(_row(table, field, "DERIVED", parent_table=parent, rationale=why))
    return pd.DataFrame(rows)


def _parent_links(target_tables: pd.DataFrame) -> dict[tuple[str, str], str]:
    # The target catalog already resolves the guide's parent names; frames built elsewhere may not.
    resolved = (
        target_tables["resolved_parent_links"]
        if "resolved_parent_links" in target_tables
        else resolve_parent_links(target_tables)
    )
    links: dict[tuple[str, str], str] = {}
    for table, text in zip(target_tables["table_name"], resolved.fillna(""), strict=True):
        for link in filter(None, str(text).split(";")):
            parent, _, column = link.strip().rpartition(".")
            links[(table, column.upper())] = parent
    return links


def _row(table: str, field: str, mapping_class: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "target_table": table,
        "target_field": field,
        "mapping_class": mapping_class,
        "source_table": "",
        "source_fields": "",
        "transform": "",
        "crosswalk": "",
        "default_value": "",
        "generator": "",
        "parent_table": "",
        "status": "approved",
        "confidence": 1.0,
        "rationale": "",
        "origin": "key_rule",
        "rules_file": "",
    }
    row.update(values)
    return row


def suggestions(
    target_fields: pd.DataFrame,
    matrix: pd.DataFrame,
    legacy_code_fields: dict[tuple[str, str], str],
    min_score: float,
) -> pd.DataFrame:
    """The matcher's rank-1 candidate as a suggested rule, when it is good enough."""
    top = matrix[(matrix["rank"] == 1) & (matrix["score"] >= min_score) & (matrix["table_score"] > 0)]
    kinds = signals.target_profile(target_fields)["kind"]
    kind_of = dict(zip(target_fields["table_name"] + "." + target_fields["field_name"].str.upper(), kinds, strict=True))
    comment_of = dict(
        zip(
            target_fields["table_name"] + "." + target_fields["field_name"].str.upper(),
            target_fields["comment"].fillna(""),
            strict=True,
        )
    )
    rows = []
    for candidate in top.itertuples(index=False):
        key = f"{candidate.target_table}.{candidate.target_field.upper()}"
        code_set = legacy_code_fields.get((candidate.source_table, candidate.source_column))
        transform = _date_transform(kind_of.get(key, signals.T_TEXT), comment_of.get(key, ""))
        mapping_class = "CROSSWALK" if code_set else ("TRANSFORM" if transform else "DIRECT")
        rows.append(
            _row(
                candidate.target_table,
                candidate.target_field,
                mapping_class,
                source_table=candidate.source_table,
                source_fields=f"{candidate.source_table}.{candidate.source_column}",
                transform="" if code_set else transform,
                crosswalk=code_set or "",
                status="suggested",
                confidence=float(candidate.score),
                origin="matrix",
                rationale=f"matcher rank 1 (score {candidate.score:.2f}): {candidate.evidence}",
            )
        )
    return pd.DataFrame(rows)


def _date_transform(kind: int, comment: str) -> str:
    if kind == signals.T_DATE:
        return "format_date_ddmmyyyy"
    if kind == signals.T_DATETIME:
        return "format_datetime_ddmmyyyy_hhmiss" if "HH24:MI:SS" in comment else "format_datetime_ddmmyyyy_hhmi"
    return ""


def class_counts(contract: pd.DataFrame) -> pd.Series:
    """Number of target fields per mapping class (every class listed, zeros included)."""
    return contract["mapping_class"].value_counts().reindex(list(MAPPING_CLASSES), fill_value=0)


def blockers(contract: pd.DataFrame) -> pd.DataFrame:
    """Mandatory fields nobody has resolved."""
    columns = ["target_table", "target_field", "mandatory_class", "rationale"]
    return contract.loc[contract["is_blocker"], columns].reset_index(drop=True)


def one_row_per_target_field(contract: pd.DataFrame, target_fields: pd.DataFrame) -> CheckOutcome:
    """Every target field has exactly one contract row, and no row names a field the guide lacks."""
    keys = contract["target_table"] + "." + contract["target_field"]
    expected = target_fields["table_name"] + "." + target_fields["field_name"]
    passed = keys.is_unique and set(keys) == set(expected)
    return CheckOutcome(bool(passed), {"contract_rows": len(contract), "target_fields": len(target_fields)})


def no_mandatory_blockers(contract: pd.DataFrame) -> CheckOutcome:
    blocked = blockers(contract)
    return CheckOutcome(blocked.empty, {"blockers": len(blocked)})
