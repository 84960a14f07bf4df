"""A Pandera schema per target table, generated from the target catalog, the mapping contract and
the NHS code sets.

Every generated check is named ``family:FIELD`` (``max_length:SURNAME``) or ``family:A>B`` for a
pair of fields, so findings, the gate summary and the release profile all speak of the same check.

* ``type``          NUMBER fields hold numbers;
* ``max_length``    VARCHAR2 values fit the guide's length (the ETL rejects, the gate proves it);
* ``mandatory``     mandatory fields the contract fills are never empty;
* ``conditional``   conditional fields, with the condition parsed from the catalog (table-level);
* ``code_value``    crosswalked fields hold a code of their NHS code set;
* ``legacy_code``   fields passing a legacy code through hold a code of its legacy set;
* ``nhs_number`` / ``postcode`` / ``gp_code`` / ``practice_code`` / ``gmc_code``  value formats;
* ``name_charset``  personal names in plain letters;
* ``date_format``   DATE fields in the field's guide format, a real date;
* ``date_range``    dates not before 1880; ``birth_not_future`` for dates of birth;
* ``start_not_after_end``  start/end pairs (admission/discharge, birth/death, ...) in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from qvh_migration.etl.validation import DATE_PATTERNS, UNFILLED, guide_date_format
from qvh_migration.gates import formats
from qvh_migration.legacy.code_sets import LEGACY_CODE_FIELDS, code_values
from qvh_migration.mapping.nhs_code_sets import NHS_CODE_SETS

FINDING_COLUMNS = ("check", "row", "field", "value")
_CONDITION_SUPPLIED = re.compile(r"^if (\w+) is supplied$", re.IGNORECASE)
_CONDITION_EQUALS = re.compile(r"^if ([\w ]+?) (?:flag )?is (?:set to )?(\w+)$", re.IGNORECASE)
# Start -> end field names, by the guide's naming; a pair is checked when both are DATE fields.
_END_OF = (
    (re.compile(r"START"), ("END", "STOP")),
    (re.compile(r"^ADMIT_DATE$"), ("DISCHARGE_DATE", "PHYSICAL_DISCHARGE_DATE")),
    (re.compile(r"^REF_DATE$"), ("REF_DISCHARGE_DATE",)),
    (re.compile(r"^DATE_OF_BIRTH$"), ("DATE_OF_DEATH",)),
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    data_type: str
    length: int | None
    mandatory_class: str
    condition: str
    mapping_class: str
    crosswalk: str
    comment: str
    source_fields: str = ""

    @property
    def filled(self) -> bool:
        return self.mapping_class not in UNFILLED


def field_specs(catalog: pd.DataFrame, contract: pd.DataFrame, table: str) -> list[FieldSpec]:
    """One table's fields in the guide's order, from the catalog and the contract."""
    fields = catalog.loc[catalog["table_name"] == table].sort_values("field_order", key=pd.to_numeric)
    rules = contract.loc[contract["target_table"] == table].set_index("target_field")
    specs = []
    for row in fields.itertuples(index=False):
        rule = rules.loc[row.field_name] if row.field_name in rules.index else pd.Series(dtype=object)
        length = pd.to_numeric(pd.Series([row.length]), errors="coerce").iloc[0]
        specs.append(
            FieldSpec(
                name=str(row.field_name),
                data_type=str(row.data_type),
                length=None if pd.isna(length) else int(length),
                mandatory_class=str(row.mandatory_class or "optional"),
                condition=str(row.mandatory_condition or ""),
                mapping_class=str(rule.get("mapping_class", "UNRESOLVED")),
                crosswalk=str(rule.get("crosswalk", "") or ""),
                comment=str(row.comment or ""),
                source_fields=str(rule.get("source_fields", "") or ""),
            )
        )
    return specs


def _check(name: str, test, *, frame: bool = False) -> pa.Check:
    # ignore_na=False: blanks reach every test, which decides itself (mandatory fails them, formats pass them).
    return pa.Check(test, name=name, ignore_na=False, element_wise=False, error=name)


def column_checks(spec: FieldSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    name = spec.name
    if spec.data_type == "NUMBER":
        checks.append(_check(f"type:{name}", lambda s: pd.to_numeric(s, errors="coerce").notna() | ~formats.present(s)))
    if spec.data_type not in ("NUMBER", "DATE") and spec.length:
        limit = spec.length
        checks.append(_check(f"max_length:{name}", lambda s: s.astype("string").fillna("").str.len() <= limit))
    if spec.mandatory_class == "mandatory" and spec.filled:
        checks.append(_check(f"mandatory:{name}", formats.present))
    if spec.mapping_class == "CROSSWALK" and spec.crosswalk in NHS_CODE_SETS:
        allowed = set(NHS_CODE_SETS[spec.crosswalk])
        checks.append(
            _check(f"code_value:{name}", lambda s: s.astype("string").isin(allowed).fillna(False) | ~formats.present(s))
        )
    legacy_set = _legacy_code_set(spec)
    if legacy_set:
        # The legacy value passes to the vendor's code-type mapping: it must be one the data mapping report lists.
        known = set(code_values(legacy_set))
        checks.append(
            _check(f"legacy_code:{name}", lambda s: s.astype("string").isin(known).fillna(False) | ~formats.present(s))
        )
    kind = formats.format_of(name)
    if kind and spec.data_type != "DATE" and spec.filled:
        checks.append(_check(f"{kind}:{name}", lambda s, k=kind: formats.valid_format(k, s)))
    if formats.NAME_FIELD.search(name) and spec.filled:
        checks.append(_check(f"name_charset:{name}", formats.plain_name))
    if spec.data_type == "DATE" and spec.filled:
        pattern = DATE_PATTERNS[len(pd.Timestamp(2000, 1, 1).strftime(guide_date_format(spec.comment)))]
        checks.append(
            _check(
                f"date_format:{name}",
                lambda s, p=pattern: (
                    (
                        s.astype("string").fillna("").str.fullmatch(p).fillna(False)
                        & formats.parse_guide_dates(s).notna()
                    )
                    | ~formats.present(s)
                ),
            )
        )
        checks.append(
            _check(
                f"date_range:{name}",
                lambda s: ~(formats.parse_guide_dates(s) < formats.EARLIEST_PLAUSIBLE),
            )
        )
        if "BIRTH" in name.upper():
            checks.append(
                _check(f"birth_not_future:{name}", lambda s: ~(formats.parse_guide_dates(s) > formats.today()))
            )
    return checks


def _legacy_code_set(spec: FieldSpec) -> str | None:
    if spec.mapping_class != "DIRECT" or spec.crosswalk or ";" in spec.source_fields or "." not in spec.source_fields:
        return None
    table, column = spec.source_fields.split(".", 1)
    return LEGACY_CODE_FIELDS.get((table, column))


def date_pairs(specs: list[FieldSpec]) -> list[tuple[str, str]]:
    dates = {s.name for s in specs if s.data_type == "DATE" and s.filled}
    pairs = []
    for start in sorted(dates):
        for pattern, ends in _END_OF:
            if not pattern.search(start.upper()):
                continue
            for end in ends:
                candidate = pattern.sub(end, start.upper()) if pattern.pattern == "START" else end
                match = next((d for d in dates if d.upper() == candidate and d != start), None)
                if match:
                    pairs.append((start, match))
    return pairs


def condition_test(spec: FieldSpec, columns: list[str]):
    """The conditional field's rule as a row test, or None when the catalog's wording is not machine-checkable."""
    by_upper = {c.upper(): c for c in columns}
    text = " ".join(spec.condition.split())
    if m := _CONDITION_SUPPLIED.match(text):
        other = by_upper.get(m.group(1).upper())
        if other:
            return lambda d, o=other, f=spec.name: ~formats.present(d[o]) | formats.present(d[f])
    if m := _CONDITION_EQUALS.match(text):
        other = by_upper.get(m.group(1).strip().upper().replace(" ", "_")) or by_upper.get(
            m.group(1).strip().upper().replace(" ", "_") + "_FLAG"
        )
        if other:
            value = m.group(2)
            return lambda d, o=other, f=spec.name, v=value: (
                d[o].astype("string").ne(v).fillna(True) | formats.present(d[f])
            )
    return None


def frame_checks(specs: list[FieldSpec], columns: list[str]) -> list[pa.Check]:
    checks = []
    for start, end in date_pairs(specs):
        checks.append(
            _check(
                f"start_not_after_end:{start}>{end}",
                lambda d, a=start, b=end: ~(formats.parse_guide_dates(d[a]) > formats.parse_guide_dates(d[b])),
            )
        )
    for spec in specs:
        if spec.mandatory_class == "conditional" and spec.filled:
            test = condition_test(spec, columns)
            if test is not None:
                checks.append(_check(f"conditional:{spec.name}", test))
    return checks


def table_schema(specs: list[FieldSpec], table: str) -> pa.DataFrameSchema:
    """The generated schema: one Column per catalog field (all present), table-level checks."""
    columns = [s.name for s in specs]
    return pa.DataFrameSchema(
        {s.name: pa.Column(checks=column_checks(s), nullable=True, required=True) for s in specs},
        checks=frame_checks(specs, columns),
        name=table,
        strict=True,
    )


def check_names(schema: pa.DataFrameSchema) -> list[str]:
    names = [c.name for column in schema.columns.values() for c in column.checks]
    return names + [c.name for c in schema.checks]


def run_schema(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """Every failing (check, row) of ``frame``, with the field and value; rows by position."""
    data = frame.reset_index(drop=True)
    try:
        schema.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    else:
        return pd.DataFrame(columns=list(FINDING_COLUMNS))
    cases = cases.loc[cases["check"].notna()]
    structural = cases["index"].isna()
    out = pd.DataFrame(
        {
            "check": cases["check"].astype(str),
            "row": cases["index"],
            "field": cases["column"].astype("string").fillna(""),
            "value": cases["failure_case"].astype("string").fillna(""),
        }
    )
    # A table-level check reports each failing row once per column: keep one row, name the fields.
    frame_level = out["check"].str.contains(r"^(?:start_not_after_end|conditional):", regex=True)
    table_rows = out.loc[frame_level & ~structural].drop_duplicates(["check", "row"])
    table_rows = table_rows.assign(
        field=table_rows["check"].str.split(":", n=1).str[1],
        value=[_pair_value(data, c, r) for c, r in zip(table_rows["check"], table_rows["row"], strict=True)],
    )
    column_rows = out.loc[~frame_level | structural]
    return pd.concat([column_rows, table_rows], ignore_index=True)


def _pair_value(data: pd.DataFrame, check: str, row: object) -> str:
    fields = re.split(r"[>]", check.split(":", 1)[1])
    return " | ".join(str(data.at[int(row), f]) for f in fields if f in data.columns)
