"""The data mapping report: every legacy value of every coded target field, with its proposed mapping.

For a ``pas_code_type`` field the guide says the staging table takes the legacy value and Altera
PAS maps it to its code table, configured by the vendor from this report; for a ``national_code``
field the crosswalk translates and a legacy value without an entry is rejected by the load. Either
way someone must see each distinct legacy value the extracts hold, how often it occurs, what the
legacy system calls it, and what the crosswalk proposes. One row per (coded target field, source
field read, legacy value); a coded field that reads no legacy value (a fixed or generated value,
not migrated, unresolved, or an empty source) still has one row saying so, so the report lists
every coded field of the contract.

Counts are over the whole source extract, before the row filters that split a source between
tables (archive cut-off), since the vendor configures one code table for all of them. Once the
tables are staged, ``staged_values.key_on_staged`` keys the report on what the load files hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from qvh_migration.check_outcome import CheckOutcome
from qvh_migration.extracts.files import table_file
from qvh_migration.io.masking import is_identifier_column
from qvh_migration.io.previews import markdown
from qvh_migration.legacy.keys import SUPPORTING_TABLES, TABLE_KEYS, row_keys
from qvh_migration.mapping.code_handling import CODE_HANDLINGS
from qvh_migration.mapping.crosswalks import NO_CODE

# Report column -> what it holds; the file's column order.
REPORT_COLUMN_DESCRIPTIONS: dict[str, str] = {
    "code_type": "the guide's code type number of the target field (empty for a national code)",
    "code_type_name": "the guide's name of that code type",
    "target_table": "LOAD_ staging table",
    "target_field": "coded target field",
    "code_handling": "pas_code_type (the vendor maps the legacy value) or national_code (the crosswalk translates)",
    "mapping_class": "the field's class in the mapping contract",
    "source_field": "legacy TABLE.Column the value was read from",
    "crosswalk": "crosswalk (code set) that proposes the target value, empty when none applies",
    "legacy_value": "distinct legacy value found in the extract (empty for a field that reads none)",
    "legacy_description": "the legacy code table's description of the value, when the extracts hold one",
    "count": "occurrences in the whole source extract, before row filters",
    "ledgered_count": "occurrences in cells the defect ledger records as injected defects",
    "proposed_target_value": "target code the crosswalk proposes (NO_CODE by decision; the value itself for an "
    "uncrosswalked national code; the fixed value of a DEFAULT field)",
    "proposed_target_description": "the crosswalk's description of the proposed code",
    "status": "mapped, no_code, unmapped, vendor_maps, as_is, staged_only or no_values",
    "note": "why a coded field reads no legacy value, or why its value is staged as it is",
    "staged_value": "the value the load files hold for this row (empty when none is staged: rejected, not staged)",
    "staged_count": "rows of the staged table holding that value",
}
REPORT_COLUMNS: tuple[str, ...] = tuple(REPORT_COLUMN_DESCRIPTIONS)
# Status of a legacy value: the crosswalk gives a code; says NO_CODE by decision; applies but lacks
# the value (the load rejects it); no crosswalk applies to a pas_code_type field (the vendor maps it
# through the code type); no crosswalk applies to a national_code field (the value is the national
# code as it stands: GP, practice, GMC codes). A coded field that read no value: no_values. A value
# the load staged that no legacy value reads as (set by a transform or default): staged_only
# (``staged_values.py``).
MAPPED, NO_CODE_STATUS, UNMAPPED, VENDOR_MAPS, AS_IS, NO_VALUES, STAGED_ONLY = (
    "mapped",
    "no_code",
    "unmapped",
    "vendor_maps",
    "as_is",
    "no_values",
    "staged_only",
)
STATUSES: tuple[str, ...] = (MAPPED, NO_CODE_STATUS, UNMAPPED, VENDOR_MAPS, AS_IS, NO_VALUES, STAGED_ONLY)
# Legacy code (master-file) tables: supporting tables keyed by their code alone (ETHN, SPEC, WARD).
CODE_TABLES: dict[str, str] = {t: TABLE_KEYS[t][0] for t in SUPPORTING_TABLES if len(TABLE_KEYS.get(t, ())) == 1}
# Columns that join a source row to its parent (patient, episode, sequence numbers): a lookup reads
# them, but they are not codes. A code that is also part of a key (CONSPEC's Specialty) stays a code.
KEY_COLUMNS: frozenset[str] = frozenset(
    column for key in TABLE_KEYS.values() if len(key) > 1 for column in key
) - frozenset(CODE_TABLES.values())
_COUNT_COLUMNS = ("count", "ledgered_count", "staged_count")
# Dates and times a transform reads beside the code (an RTT stop date) are not codes.
_NOT_A_CODE = re.compile(r"date|dtime|time", re.IGNORECASE)
# Preferred description column of a legacy master table, before any other "...desc..." column.
_DESCRIPTION_PREFERENCE = ("FullDescription", "Description")


def coded_fields(contract: pd.DataFrame) -> pd.DataFrame:
    """Contract rows whose target field is coded (``code_handling`` set), in contract order."""
    handling = contract["code_handling"].fillna("").astype(str)
    return contract[handling.isin([h for h in CODE_HANDLINGS if h])].reset_index(drop=True)


def report_inputs(
    contract: pd.DataFrame, legacy_code_fields: Mapping[tuple[str, str], str], crosswalks: Mapping[str, pd.DataFrame]
) -> dict[str, set[str] | None]:
    """The extract columns the report reads per table (``None``: the whole legacy code table).

    Only those columns are read, so the report stays small at full size: the coded source fields,
    each table's key columns (to match the defect ledger), and the legacy code tables.
    """
    needed: dict[str, set[str] | None] = {}
    for _, rule in coded_fields(contract).iterrows():
        for table, column, _ in source_inputs(rule, legacy_code_fields, crosswalks):
            columns = needed.setdefault(table, set(TABLE_KEYS.get(table, ())))
            if columns is not None:
                columns.add(column)
    for table in CODE_TABLES:
        needed[table] = None
    return needed


def read_report_extracts(folder: Path, needed: Mapping[str, set[str] | None]) -> dict[str, pd.DataFrame]:
    """The needed columns of the extracts present in ``folder`` (a missing table or column is skipped)."""
    extracts = {}
    for table, columns in needed.items():
        path = folder / table_file(table)
        if not path.exists():
            continue
        present = set(pq.read_schema(path).names)
        chosen = None if columns is None else sorted(columns & present)
        extracts[table] = pd.read_parquet(path, columns=chosen)
    return extracts


def build_data_mapping_report(
    contract: pd.DataFrame,
    extracts: Mapping[str, pd.DataFrame],
    crosswalks: Mapping[str, pd.DataFrame],
    legacy_code_fields: Mapping[tuple[str, str], str],
    ledger: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The report (``REPORT_COLUMNS``), one block per coded target field in contract order."""
    descriptions = _DescriptionLookup(extracts, legacy_code_fields)
    ledgered = _ledgered_keys(ledger)
    counted: dict[tuple[str, str], pd.DataFrame] = {}  # a source column feeds several fields: count it once
    frames = []
    for _, rule in coded_fields(contract).iterrows():
        inputs = source_inputs(rule, legacy_code_fields, crosswalks)
        for table, column, _ in inputs:
            if (table, column) not in counted and table in extracts and column in extracts[table].columns:
                counted[(table, column)] = _counted_values(extracts[table], table, column, ledgered)
        blocks = [
            _value_rows(rule, table, column, crosswalk, counted[(table, column)], crosswalks, descriptions)
            for table, column, crosswalk in inputs
            if (table, column) in counted
        ]
        blocks = [block for block in blocks if not block.empty]
        frames.extend(blocks or [_field_row(rule, {table for table, _, _ in inputs}, extracts)])
    if not frames:
        return empty_report()
    # Staged values are known once the tables load (``staged_values.key_on_staged``).
    report = pd.concat(frames, ignore_index=True).assign(staged_value="", staged_count=0)[list(REPORT_COLUMNS)]
    return report.astype({c: "int64" for c in _COUNT_COLUMNS})


def empty_report() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in _COUNT_COLUMNS else "str") for c in REPORT_COLUMNS})


def source_inputs(
    rule: pd.Series, legacy_code_fields: Mapping[tuple[str, str], str], crosswalks: Mapping[str, pd.DataFrame]
) -> list[tuple[str, str, str]]:
    """(table, column, crosswalk) of each source field a coded rule reads as a code.

    Join keys of a lookup, dates and identifier columns are left out (they are not codes) unless
    the legacy field is a known code field (``NHSNumberStatus`` looks like an identifier). The
    crosswalk is the contract's (one per source field where a transform declares one per input),
    else the code set the legacy field carries when a crosswalk file exists for it, else none.
    """
    fields = [f for f in str(rule.get("source_fields") or "").split(";") if "." in f]
    named = [c.strip() for c in str(rule.get("crosswalk") or "").split(";")]
    if len(named) != len(fields):
        # One crosswalk for several inputs: it translates the input that carries its code set.
        named = [named[0] if len(fields) == 1 or legacy_code_fields.get(_split(f)) == named[0] else "" for f in fields]
    inputs = []
    for position, qualified in enumerate(fields):
        table, column = _split(qualified)
        # A derived field looks its code up: the inputs before the last one only find the row.
        looked_up = str(rule.get("mapping_class")) == "DERIVED" and position < len(fields) - 1
        known_code = (table, column) in legacy_code_fields  # NHSNumberStatus is a code, not an identifier
        if looked_up or (not known_code and (column in KEY_COLUMNS or _NOT_A_CODE.search(column))):
            continue
        if is_identifier_column(column) and not known_code:
            continue
        crosswalk = named[position]
        if not crosswalk:
            code_set = legacy_code_fields.get((table, column), "")
            crosswalk = code_set if code_set in crosswalks else ""
        inputs.append((table, column, crosswalk))
    return inputs


def _split(qualified: str) -> tuple[str, str]:
    table, column = qualified.split(".", 1)
    return table.strip(), column.strip()


def _value_rows(
    rule: pd.Series,
    table: str,
    column: str,
    crosswalk: str,
    counted: pd.DataFrame,
    crosswalks: Mapping[str, pd.DataFrame],
    descriptions: _DescriptionLookup,
) -> pd.DataFrame:
    if counted.empty:
        return pd.DataFrame()
    frame = counted.copy()
    described = descriptions.of(table, column)  # one lookup per distinct value
    frame["legacy_description"] = [described.get(value, "") for value in frame["legacy_value"]]
    frame = _propose(frame, crosswalk, crosswalks, str(rule["code_handling"]))
    return frame.assign(
        **_rule_columns(rule), source_field=f"{table}.{column}", crosswalk=crosswalk, note=""
    ).sort_values(["count", "legacy_value"], ascending=[False, True], ignore_index=True)


def _counted_values(
    extract: pd.DataFrame, table: str, column: str, ledgered: Mapping[tuple[str, str], set[str]]
) -> pd.DataFrame:
    """Distinct non-blank values of one source column with their counts and ledgered counts."""
    # Count the raw values first, then tidy the few distinct ones: cheap on millions of rows.
    raw = extract[column].value_counts(dropna=True)
    counts = raw.groupby(raw.index.astype(str).str.strip()).sum()
    counts = counts[counts.index != ""].sort_values(ascending=False)
    frame = pd.DataFrame({"legacy_value": counts.index.astype(str), "count": counts.to_numpy(dtype="int64")})
    ledgered_counts = _ledgered_counts(extract, table, column, ledgered)
    frame["ledgered_count"] = ledgered_counts.reindex(frame["legacy_value"], fill_value=0).to_numpy(dtype="int64")
    return frame


def _propose(
    frame: pd.DataFrame, crosswalk: str, crosswalks: Mapping[str, pd.DataFrame], handling: str
) -> pd.DataFrame:
    if not crosswalk:
        status = AS_IS if handling == "national_code" else VENDOR_MAPS
        proposed = frame["legacy_value"] if status == AS_IS else ""
        return frame.assign(proposed_target_value=proposed, proposed_target_description="", status=status)
    table = crosswalks.get(crosswalk, pd.DataFrame(columns=["legacy_code", "target_code", "target_description"]))
    codes = table.assign(legacy_code=table["legacy_code"].astype(str).str.strip()).drop_duplicates("legacy_code")
    codes = codes.set_index("legacy_code")
    target = frame["legacy_value"].map(codes["target_code"]).astype("str")
    described = frame["legacy_value"].map(codes["target_description"]).astype("str")
    status = pd.Series(MAPPED, index=frame.index).mask(target.eq(NO_CODE), NO_CODE_STATUS)
    status = status.mask(target.isna() | target.str.strip().eq(""), UNMAPPED)
    return frame.assign(
        proposed_target_value=target.fillna(""), proposed_target_description=described.fillna(""), status=status
    )


def _field_row(rule: pd.Series, input_tables: set[str], extracts: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The one row of a coded field that reads no legacy value, saying why."""
    mapping_class = str(rule["mapping_class"])
    proposed = str(rule.get("default_value") or "") if mapping_class == "DEFAULT" else ""
    if str(rule.get("source_fields") or "").strip():
        missing = sorted(t for t in input_tables if t not in extracts)
        note = (
            f"{mapping_class}: no extract of {', '.join(missing)}"
            if missing
            else f"{mapping_class}: the source fields hold no code value in the extracts"
        )
    else:
        note = {
            "DEFAULT": f"DEFAULT: the load supplies {proposed}",
            "GENERATED": f"GENERATED: the load supplies it ({rule.get('generator') or 'generator'})",
        }.get(mapping_class, f"{mapping_class}: no legacy field read")
    row = {
        **_rule_columns(rule),
        "source_field": str(rule.get("source_fields") or ""),
        "crosswalk": str(rule.get("crosswalk") or ""),
        "legacy_value": "",
        "legacy_description": "",
        "count": 0,
        "ledgered_count": 0,
        "proposed_target_value": proposed,
        "proposed_target_description": "",
        "status": NO_VALUES,
        "note": note,
    }
    return pd.DataFrame([row])


def _rule_columns(rule: pd.Series) -> dict[str, str]:
    names = ("code_type", "code_type_name", "target_table", "target_field", "code_handling", "mapping_class")
    return {name: str(rule.get(name) or "") for name in names}


def _ledgered_keys(ledger: pd.DataFrame | None) -> dict[tuple[str, str], set[str]]:
    """Row keys of the ledger's defective cells, by (table, column)."""
    if ledger is None or ledger.empty:
        return {}
    grouped = ledger.groupby(["table", "column"])["row_key"]
    return {(str(t), str(c)): set(keys.astype(str)) for (t, c), keys in grouped}


def _ledgered_counts(
    extract: pd.DataFrame, table: str, column: str, ledgered: Mapping[tuple[str, str], set[str]]
) -> pd.Series:
    """Occurrences of each value in rows whose cell the defect ledger records as injected."""
    keys = ledgered.get((table, column))
    if not keys or table not in TABLE_KEYS or not set(TABLE_KEYS[table]) <= set(extract.columns):
        return pd.Series(dtype="int64")
    # Build row keys only for rows whose first key value the ledger names (a few patients).
    first = TABLE_KEYS[table][0]
    named = {key.split("|", 1)[0].split("=", 1)[-1] for key in keys}
    rows = extract[extract[first].astype("str").isin(named)]
    hit = rows[row_keys(rows, table).isin(keys).to_numpy()]
    values = hit[column].astype("str").fillna("").str.strip()
    return values[values != ""].value_counts()


class _DescriptionLookup:
    """Legacy descriptions from the legacy code tables in the extracts (ETHN, SPEC, MOA, ...).

    A field's code table is the master of its code set (the ``LEGACY_CODE_FIELDS`` entry whose
    table is keyed by that column alone), else a master keyed by a column of the same name
    (``Ward``, ``Consultant``).
    """

    def __init__(self, extracts: Mapping[str, pd.DataFrame], legacy_code_fields: Mapping[tuple[str, str], str]) -> None:
        self._extracts = extracts
        self._by_code_set = {
            code_set: table
            for (table, column), code_set in legacy_code_fields.items()
            if TABLE_KEYS.get(table) == (column,)
        }
        self._by_column = {key[0]: table for table, key in TABLE_KEYS.items() if len(key) == 1}
        self._code_sets = legacy_code_fields
        self._cache: dict[str, dict[str, str]] = {}

    def of(self, table: str, column: str) -> dict[str, str]:
        code_set = self._code_sets.get((table, column))
        master = self._by_code_set.get(code_set or "") or self._by_column.get(column)
        if master is None or master not in self._extracts:
            return {}
        if master not in self._cache:
            self._cache[master] = _master_descriptions(self._extracts[master], CODE_TABLES[master])
        return self._cache[master]


def _master_descriptions(master: pd.DataFrame, key: str) -> dict[str, str]:
    """Code -> description from the fullest description column of a legacy code table."""
    candidates = [c for c in master.columns if "desc" in str(c).lower()]
    if not candidates or key not in master.columns:
        return {}

    def filled(column: str) -> tuple[int, int]:
        preference = _DESCRIPTION_PREFERENCE.index(column) if column in _DESCRIPTION_PREFERENCE else 9
        return (int(master[column].astype("str").fillna("").str.strip().ne("").sum()), -preference)

    column = max(candidates, key=filled)
    codes = master[key].astype("str").fillna("").str.strip()
    text = master[column].astype("str").fillna("").str.strip()
    keep = (codes != "") & (text != "")
    return dict(zip(codes[keep], text[keep], strict=True))


def unmapped_values(report: pd.DataFrame) -> pd.DataFrame:
    """Unmapped rows with the occurrences the defect ledger explains and those it does not."""
    unmapped = report[report["status"] == UNMAPPED]
    explained = unmapped["ledgered_count"].clip(upper=unmapped["count"])
    return unmapped.assign(explained=explained, unexplained=unmapped["count"] - explained).reset_index(drop=True)


def every_legacy_value_mapped(report: pd.DataFrame) -> tuple[CheckOutcome, bool]:
    """Every legacy value a crosswalk applies to has an entry, unless the defect ledger explains it.

    Returns the outcome and whether a failure is an error: an unexplained value in a
    ``national_code`` field is rejected by the load with no way for the vendor to map it, while a
    ``pas_code_type`` value can still be mapped through the code type (a warning).
    """
    unmapped = unmapped_values(report)
    unexplained = unmapped[unmapped["unexplained"] > 0]
    explained = unmapped[unmapped["unexplained"] == 0]
    vendor = report[report["status"] == VENDOR_MAPS]
    shown = ["target_table", "target_field", "code_handling", "source_field", "crosswalk", "legacy_value"]
    # Codes are not identifiers (identifier columns never enter the report), so no masking is needed.
    metadata: dict[str, object] = {
        "unmapped_values": int(unmapped[["source_field", "legacy_value"]].drop_duplicates().shape[0]),
        "unmapped_occurrences": int(unmapped["count"].sum()),
        "explained_by_ledger_values": int(explained[["source_field", "legacy_value"]].drop_duplicates().shape[0]),
        "explained_by_ledger_occurrences": int(unmapped["explained"].sum()),
        "unexplained_values": int(unexplained[["source_field", "legacy_value"]].drop_duplicates().shape[0]),
        "unexplained_occurrences": int(unexplained["unexplained"].sum()),
        "vendor_maps_values": int(vendor[["source_field", "legacy_value"]].drop_duplicates().shape[0]),
        "unexplained": _markdown(unexplained, [*shown, "count", "unexplained"]),
        "explained_by_ledger": _markdown(explained, [*shown, "count", "explained"]),
    }
    national = unexplained["code_handling"].eq("national_code").any()
    return CheckOutcome(unexplained.empty, metadata), bool(national)


def _markdown(frame: pd.DataFrame, columns: list[str], rows: int = 50) -> str:
    if frame.empty:
        return "none"
    ordered = frame.sort_values(columns[-1], ascending=False)
    return markdown(ordered[columns], rows)
