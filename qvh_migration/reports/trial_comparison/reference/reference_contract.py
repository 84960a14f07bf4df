"""A second opinion on the contract ETL: the value each target field should hold, one source row at a time.

Plain Python over dicts, written for clarity rather than speed, and on purpose not through the
ETL's vectorised code (``etl/fields.py``, ``etl/executor.py``): it reads the same reviewed inputs
(contract, crosswalks, row sources) and the key registry, and decides, for every row of a target
table, its outcome (loaded, rejected with reasons, filtered) and every field's expected value.
Transforms and ranked coding groups come from ``reference_transforms.py`` and ``reference_coding.py``;
a row transform with no scalar version is run by the registered function on a one-row Series
(``basis = shared_code``); any other it cannot evaluate stops the comparison."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import pandas as pd

from qvh_migration.etl.row_sources import RowSource, RowSources
from qvh_migration.etl.union import part_rules
from qvh_migration.legacy.keys import TABLE_KEYS
from qvh_migration.reports.trial_comparison.reference import reference_activity as ra
from qvh_migration.reports.trial_comparison.reference import reference_coding as rc
from qvh_migration.reports.trial_comparison.reference import reference_identity as ri
from qvh_migration.reports.trial_comparison.reference import reference_links as rl
from qvh_migration.reports.trial_comparison.reference import reference_opd_waitlist as rw
from qvh_migration.reports.trial_comparison.reference import reference_transforms as rt
from qvh_migration.reports.trial_comparison.reference.reference_sources import (
    PATIENT,
    ReferenceSources,
    Row,
    SourceRow,
    last_match,
    shared_keys,
)
from qvh_migration.reports.trial_comparison.reference.reference_transforms import (
    GUIDE_DATE_PATTERNS,
    Value,
    guide_format,
    number_text,
    reformat_guide_date,
)

UNFILLED = ("NOT_MIGRATED", "UNRESOLVED")
NO_CODE = "NO_CODE"
TRACKING = ("tracking_time_arrived", "tracking_time_seen", "tracking_time_completed")
# The archive's time-of-day versions (HH24:MI) of the tracking steps.
TRACKING_CLOCK = tuple(f"{t}_hhmi" for t in TRACKING)
JOINS = ("lookup_by_key", *TRACKING, *TRACKING_CLOCK, ra.WAIT_RESET, "opd_waitlist_status", "death_datetime")
AGGREGATES = ("latest_date", "earliest_date", "latest_datetime", "earliest_datetime", "earliest_attended_date")
SCALARS = {
    **rt.SCALAR_TRANSFORMS,
    **rc.CODING_TRANSFORMS,
    **ra.SCALARS,
    **rw.WAITLIST_TRANSFORMS,
    **ri.IDENTITY_TRANSFORMS,
}
TRACKING_WORDS = {
    "tracking_time_arrived": "ARR",
    "tracking_time_seen": "SEEN|WITH",
    "tracking_time_completed": "COMP|DEP",
}


def evaluated_here(transform: str) -> bool:
    """The reference computes the transform itself: a scalar version, or a join, aggregate or ranked group."""
    return transform in SCALARS or transform in JOINS or transform in AGGREGATES or rc.is_ranked(transform)


def unevaluable_transforms(transforms: Iterable[str]) -> list[str]:
    """Transforms the reference can neither compute nor run on one row (unknown, or not of kind ``row``)."""
    from qvh_migration.mapping.transforms import TRANSFORMS  # the registry only says each one's kind

    named = {t for t in transforms if t and not evaluated_here(t)}
    return sorted(t for t in named if t not in TRANSFORMS or TRANSFORMS[t].kind != "row")


@dataclass
class Issue:
    field: str
    code: str
    action: str  # reject | warn | filter
    message: str = ""


@dataclass
class FieldValue:
    field: str
    value: Value
    source_value: str
    basis: str = "reference"


@dataclass
class RowVerdict:
    """What the reference expects of one target row (one grain value)."""

    target_table: str
    patient: str
    grain_key: str
    record_number: int | None
    source_keys: list[str]
    outcome: str
    reasons: list[str]
    fields: list[FieldValue] = field(default_factory=list)


def split(qualified: str) -> tuple[str, str]:
    table, column = qualified.split(".", 1)
    return table, column


def blank(value: Value) -> bool:
    return value is None or value.strip() == ""


class ReferenceContract:
    """Evaluate a table's contract rows over the chosen patients' source rows."""

    def __init__(
        self,
        contract: pd.DataFrame,
        comments: dict[tuple[str, str], str],
        crosswalks: dict[str, dict[str, str]],
        row_sources: RowSources,
        registry: dict[str, dict[str, int]],
        parent_outcomes: Callable[[str], dict[int, tuple[str, str]] | None],
        sources: ReferenceSources,
        impute_mode: str = "strict",
    ) -> None:
        self.contract = contract
        self.comments = comments
        self.crosswalks = crosswalks
        self.row_sources = row_sources
        self.registry = registry
        self.parent_outcomes = parent_outcomes
        self.sources = sources
        self.failure = "reject" if impute_mode == "strict" else "warn"
        self._parts: dict[str, RowSource] = {}  # table -> the union part being evaluated
        self._rules: dict[tuple[str, str | None], list[dict[str, str]]] = {}

    def rules(self, table: str) -> list[dict[str, str]]:
        part = self._parts.get(table)
        cache = (table, part.source_table if part else None)
        if cache not in self._rules:
            chosen = self.contract.loc[self.contract["target_table"] == table].reset_index(drop=True)
            if part is not None:  # a union part fills some fields by its own rules (etl/union.py)
                union = self.row_sources[table]
                chosen = part_rules(chosen, union, part, self.row_sources.path)  # type: ignore[arg-type]
            self._rules[cache] = sorted(chosen.to_dict("records"), key=lambda r: float(r["field_order"]))
        return self._rules[cache]

    def spec(self, table: str) -> RowSource:
        """The row source being evaluated: the table's own, or the union part at hand."""
        return self._parts.get(table) or self.row_sources[table]  # type: ignore[return-value]

    def evaluate_table(self, table: str) -> list[RowVerdict]:
        if self.row_sources.is_union(table):
            verdicts = []
            for part in self.row_sources.parts(table):
                self._parts[table] = part
                try:
                    verdicts += self.evaluate_source(table, part)
                finally:
                    del self._parts[table]
            return verdicts
        return self.evaluate_source(table, self.spec(table))

    def evaluate_source(self, table: str, spec: RowSource) -> list[RowVerdict]:
        if not spec.loads_rows or not self.sources.has(str(spec.source_table)):
            return []
        prepared = self.sources.prepared(spec)
        candidates = [p for p in prepared if not p.filter_reason]
        verdicts, seen = [], set()
        for candidate in candidates:
            if candidate.grain_key in seen:
                continue
            seen.add(candidate.grain_key)
            group = [c for c in candidates if all(c.row.get(g) == candidate.row.get(g) for g in spec.grain)]
            keys = [p.source_key for p in candidates if p.grain_key == candidate.grain_key]
            verdicts.append(self.evaluate_row(table, candidate, group, keys))
        return verdicts

    def evaluate_row(self, table: str, source: SourceRow, group: list[SourceRow], keys: list[str]) -> RowVerdict:
        number = self.registry.get(table, {}).get(source.grain_key)
        values: list[FieldValue] = []
        issues: list[Issue] = []
        for rule in self.rules(table):
            value, shown, found, basis = self.field_value(rule, table, source, group, number)
            value, checked = self.validate(rule, value, found)
            if rule["status"] != "approved":  # an unreviewed rule never rejects a row: it warns
                checked = [Issue(i.field, i.code, "warn" if i.action == "reject" else i.action) for i in checked]
            if any(i.action == "warn" and i.code not in (ri.NOT_KNOWN, "referral_by_date") for i in checked):
                value = None  # a warned field is loaded empty, never with the value that failed
            issues += checked
            values.append(FieldValue(rule["target_field"], value, shown, basis))
        for name, code, action in rl.row_checks(table, {v.field: v.value for v in values}):
            issues.append(Issue(name, code, action))
            if action == "warn":  # loaded empty, as the load does
                values = [FieldValue(v.field, None, v.source_value, v.basis) if v.field == name else v for v in values]
        issues += [Issue(*found) for found in ri.patient_not_loaded(self, table, source.row)]
        filtered = [i for i in issues if i.action == "filter"]
        rejected = sorted({f"{i.field}:{i.code}" for i in issues if i.action == "reject"})
        outcome = "filtered" if filtered else "rejected" if rejected else "loaded"
        reasons = [filtered[0].message] if filtered else rejected
        patient = source.row.get(PATIENT) or ""
        return RowVerdict(table, patient, source.grain_key, number, keys, outcome, reasons, values)

    # -- one field --------------------------------------------------------------------------

    def field_value(
        self, rule: dict[str, str], table: str, source: SourceRow, group: list[SourceRow], number: int | None
    ) -> tuple[Value, str, list[Issue], str]:
        """(expected value, the source values it came from, issues, basis) of one field of one row."""
        name, mapping_class, row = rule["target_field"], rule["mapping_class"], source.row
        if mapping_class in UNFILLED:
            return None, "", [], "reference"
        if mapping_class == "DEFAULT":
            return rule["default_value"], "", [], "reference"
        if mapping_class == "GENERATED":
            keyed = rule["generator"] not in ("sequence", "system_code")
            shown = "; ".join(f"{c}={row.get(c) or ''}" for c in self.key_columns(rule, table)) if keyed else ""
            return self.generated(rule, table, row, number), shown, [], "reference"
        if rule["parent_table"]:
            return *self.parent_link(rule, table, row), "reference"
        own = str(self.spec(table).source_table)
        sources = [s for s in rule["source_fields"].split(";") if s]
        if any(split(s)[0] != own and not self.sources.has(split(s)[0]) for s in sources):
            return None, "", [Issue(name, "table_note", "empty")], "reference"
        transform = rule["transform"]
        if transform in JOINS:
            return *self.joined(rule, own, row, sources), "reference"
        if transform in AGGREGATES:
            return *self.aggregated(rule, own, row, group, sources), "reference"
        if rc.is_ranked(transform):
            return *self.ranked(rule, row, sources), "reference"
        inputs = [self.column(s, own, row) for s in sources]
        shown = "; ".join(f"{s}={'' if v is None else v}" for s, v in zip(sources, inputs, strict=True))
        issues: list[Issue] = []
        if rule["crosswalk"]:
            for i, code_set in enumerate(rule["crosswalk"].split(";")[: len(inputs)]):
                if code_set:
                    not_known = rule["default_value"] if rule["mapping_class"] == "CROSSWALK" else ""
                    inputs[i], crossed = self.crosswalk(name, code_set, inputs[i], not_known)
                    issues += crossed
        value = inputs[0] if inputs else None
        basis = "reference"
        if transform:
            value, basis = self.transformed(transform, inputs)
            if transform.startswith(rt.DATE_TRANSFORM_PREFIXES) and not blank(inputs[0]) and value is None:
                issues.append(Issue(name, "malformed_date", self.failure))
            if transform == "format_nhs_number" and not blank(inputs[0]) and value is None:
                mandatory = rule["mandatory_class"] == "mandatory"
                issues.append(Issue(name, ri.INVALID_NHS_NUMBER, "reject" if mandatory else "warn"))
            if transform in rc.CODE_TRANSFORMS and rc.invalid_code(inputs[0], value):
                issues.append(Issue(name, rc.INVALID_CODE, self.failure))
        elif rule["data_type"] == "DATE" and not rule["crosswalk"]:
            raw, value = value, rt.as_date(value)  # a DIRECT date leaves in the guide's format
            if not blank(raw) and value is None:
                issues.append(Issue(name, "malformed_date", self.failure))
        return value, shown, issues, basis

    def transformed(self, transform: str, inputs: list[Value]) -> tuple[Value, str]:
        scalar = SCALARS.get(transform)
        if scalar is not None and transform in ra.AS_OF_TRANSFORMS:
            return scalar(*inputs, as_of=self.as_of), "reference"
        if scalar is not None:
            return scalar(*inputs), "reference"
        from qvh_migration.mapping.transforms import TRANSFORMS  # only for what has no scalar version

        series = [pd.Series([v], dtype="string") for v in inputs]
        result = TRANSFORMS[transform].func(*series).astype("string").iloc[0]
        return (None if pd.isna(result) else str(result)), "shared_code"

    def generated(self, rule: dict[str, str], table: str, row: Row, number: int | None) -> Value:
        if rule["generator"] == "sequence":
            return None if number is None else str(number)
        if rule["generator"] == "system_code":
            return self.row_sources.system_code
        return "-".join((row.get(c) or "").strip() for c in self.key_columns(rule, table))

    def key_columns(self, rule: dict[str, str], table: str) -> list[str]:
        """The legacy key a generated field is made from: its listed source fields, else the grain."""
        return [split(s)[1] for s in rule["source_fields"].split(";") if s] or list(self.spec(table).grain)

    def crosswalk(self, name: str, code_set: str, value: Value, not_known: object = "") -> tuple[Value, list[Issue]]:
        """The national code; an unmapped code is rejected (strict) or warned (lenient), unless the rule
        names the code set's "not known" value, which it then loads with a warning."""
        code = rt.text(value)
        mapped = self.crosswalks[code_set].get(code) if code is not None else None
        if mapped == NO_CODE:
            return None, [Issue(name, "no_national_code", "warn")]
        if not blank(code) and blank(mapped) and isinstance(not_known, str) and not_known.strip():
            return not_known.strip(), [Issue(name, ri.NOT_KNOWN, "warn")]
        if not blank(code) and blank(mapped):
            return None, [Issue(name, "unmapped_code", self.failure)]
        return (None if blank(mapped) else mapped), []

    def column(self, qualified: str, own: str, row: Row) -> Value:
        """A source field's value for the row: its own column, or the last matching row of another
        table joined on the key columns both share (patient first, so no lookup crosses patients)."""
        table, column = split(qualified)
        if table == own:
            return row.get(column)
        others = self.sources.live(table)
        on = shared_keys(table, row, others)
        match = last_match(others, row, on)
        return None if match is None else match.get(column)

    def joined(self, rule: dict[str, str], own: str, row: Row, sources: list[str]) -> tuple[Value, str, list[Issue]]:
        name, transform = rule["target_field"], rule["transform"]
        if transform == "death_datetime":
            raw = self.column(sources[0], own, row)
            died, malformed = ri.death_moment(self, raw, row, sources)
            return died, f"{sources[0]}={raw or ''}", [Issue(name, "malformed_date", self.failure)] if malformed else []
        if transform == ra.WAIT_RESET:
            grain = list(self.spec(rule["target_table"]).grain)
            return *ra.wait_reset_field(self.sources, self.row_sources, grain, row, sources), []
        if transform.startswith("tracking_time_"):
            (step_table, step_column), (_, when_column) = split(sources[0]), split(sources[1])
            steps = [
                r
                for r in self.sources.live(step_table)
                if re.search(TRACKING_WORDS[transform.removesuffix("_hhmi")], (r.get(step_column) or "").upper())
            ]
            match = last_match(steps, row, shared_keys(step_table, row, steps))
            when = None if match is None else match.get(when_column)
            moment = rt.parse_legacy_date(when)
            clock = (
                (moment.strftime("%H:%M") if moment else None) if transform.endswith("_hhmi") else rt.as_datetime(when)
            )
            return clock, f"{sources[1]}={when or ''}", []
        if transform == "opd_waitlist_status":
            columns = [split(s)[1] for s in sources]
            status = rw.booked_status(row, self.sources.live(split(sources[2])[0]), columns[:5])
            if len(sources) > 5 and not blank(self.column(sources[5], own, row)):
                status = "C"  # the patient died: removed from the list, not waiting
            return status, f"{sources[0]}={row.get(columns[0]) or ''}", []
        (key_table, key_column), (table, column) = split(sources[0]), split(sources[1])
        key = row.get(key_column) if key_table == own else self.column(sources[0], own, row)
        keyed = dict(row, **{key_column: key})
        others = self.sources.live(table)
        table_keys = [c for c in TABLE_KEYS.get(table, ()) if others and c in others[0]]
        shared = [c for c in table_keys if c in keyed]
        on = ([PATIENT] if PATIENT in shared and key_column != PATIENT else []) + (
            [key_column] if key_column in shared else []
        )
        if key_column not in on:  # named differently there: match the key against that table's own key
            if not table_keys:
                return None, f"{sources[0]}={key or ''}", [Issue(name, "table_note", "empty")]
            own_key = table_keys[0]
            matches = [r for r in others if r.get(own_key) == key]
            order = [c for c in table_keys if c != own_key]
            matches.sort(key=lambda r: tuple((r.get(c) is None, r.get(c) or "") for c in order))
            match = matches[-1] if matches else None
        else:
            match = last_match(others, keyed, on)
        value = None if match is None else match.get(column)
        shown = f"{sources[0]}={key or ''}; {sources[1]}={value or ''}"
        issues = [Issue(name, "lookup_not_found", "warn")] if not blank(key) and value is None else []
        if rule["crosswalk"]:
            value, crossed = self.crosswalk(name, rule["crosswalk"], value)
            issues += crossed
        if rule["data_type"] == "DATE":
            raw, value = value, rt.as_date(value)
            if not blank(raw) and value is None:
                issues.append(Issue(name, "malformed_date", self.failure))
        return value, shown, issues

    @cached_property
    def as_of(self) -> datetime | None:
        return ra.extract_as_of(self.sources.extracts)

    def aggregated(
        self, rule: dict[str, str], own: str, row: Row, group: list[SourceRow], sources: list[str]
    ) -> tuple[Value, str, list[Issue]]:
        source = sources[0]
        table, column = split(source)
        grain = self.spec(rule["target_table"]).grain
        if table == own:
            records = [g.row for g in group]
        else:
            others = self.sources.live(table)
            keys = shared_keys(table, row, others, wanted=list(grain))
            if not keys:
                return None, "", [Issue(rule["target_field"], "table_note", "empty")]
            records = [r for r in others if all(r.get(c) == row.get(c) for c in keys)]
        if rule["transform"] == "earliest_attended_date":  # the appointments the patient was seen at
            records = ri.seen_only(self.crosswalks["attendance_status"], records, split(sources[1])[1])
        values = [r.get(column) for r in records]
        moments = [rt.parse_legacy_date(v) for v in values]
        known = [m for m in moments if m is not None]
        transform = rule["transform"]
        chosen: datetime | None = None
        if known:
            chosen = max(known) if transform.startswith("latest") else min(known)
        if transform == "latest_datetime" and len(known) < len(moments):
            chosen = None  # an open period: the pathway has no end yet
        pattern = "%d/%m/%Y %H:%M" if transform.endswith("datetime") else "%d/%m/%Y"
        shown = f"{source}=" + ",".join(v or "" for v in values)
        return (chosen.strftime(pattern) if chosen else None), shown, []

    def ranked(self, rule: dict[str, str], row: Row, sources: list[str]) -> tuple[Value, str, list[Issue]]:
        """The code at the rule's rank of the record's repeat group: the coding table's rows that share
        every key column of that table the record carries (an admission's episodes, an attendance)."""
        (table, code_column), (_, sequence_column) = split(sources[0]), split(sources[1])
        keys = TABLE_KEYS.get(table, ())
        on = [c for c in keys if c in row]
        if not on:
            return None, "", [Issue(rule["target_field"], "table_note", "empty")]
        group = [r for r in self.sources.live(table) if all(r.get(c) == row.get(c) for c in on)]
        below = [c for c in keys if c not in on and c != sequence_column]
        raw, code = rc.ranked_code(rule["transform"], group, below, (code_column, sequence_column))
        issues = [Issue(rule["target_field"], rc.INVALID_CODE, self.failure)] if rc.invalid_code(raw, code) else []
        return code, f"{sources[0]}={raw or ''}", issues

    def parent_link(self, rule: dict[str, str], table: str, row: Row) -> tuple[Value, str, list[Issue]]:
        """The parent's record number, found by the parent's key columns the row carries."""
        name, parent = rule["target_field"], rule["parent_table"]
        own = str(self.spec(table).source_table)
        listed = [split(s) for s in rule["source_fields"].split(";") if s]
        # A union parent (parts of one grain, e.g. current and removed waiting-list entries): its
        # parts' rows in part order; parts of different grains name no row a child could link to.
        parts = (
            [p for p in self.row_sources.parts(parent) if self.sources.has(str(p.source_table))]
            if (parent in self.row_sources.tables)
            else []
        )
        grains = {p.grain for p in self.row_sources.parts(parent)} if parent in self.row_sources.tables else set()
        if not parts or len(grains) != 1:
            return None, "", [Issue(name, "table_note", "empty")]
        spec = parts[0]
        if any(t != own and not self.sources.has(t) for t, _ in listed):
            return None, "", [Issue(name, "table_note", "empty")]
        own_columns = [c for t, c in listed if t == own]
        mandatory = rule["mandatory_class"] == "mandatory"
        bridges = [(t, c) for t, c in listed if t not in (own, spec.source_table)]
        on = [c for c in spec.grain if c in row and (not own_columns or c in own_columns or c == PATIENT)]
        dates = [c for c in own_columns if c not in spec.grain]
        if bridges or (parent in rl.BY_DATE and rl.BY_DATE[parent][1] not in row and dates and len(on) > 1):
            return rl.rtt_link(self, rule, parent, spec, bridges, own_columns, on, dates, row)
        if not on or (on == [PATIENT] and list(spec.grain) != on):
            return None, "", [Issue(name, "table_note", "empty")]  # the patient alone names no parent row
        shown = "; ".join(f"{c}={row.get(c) or ''}" for c in on)
        match = next((m for p in parts if (m := self.parent_row(parent, p, on, row)) is not None), None)
        if match is None:
            no_key = all(blank(row.get(c)) for c in on) or any(blank(row.get(c)) for c in own_columns if c not in on)
            return None, shown, [] if no_key else [Issue(name, "orphan_parent", "reject" if mandatory else "warn")]
        return self.link_outcome(rule, parent, match, shown)

    def link_outcome(
        self, rule: dict[str, str], parent: str, match: tuple[int | None, str], shown: str
    ) -> tuple[Value, str, list[Issue]]:
        """The link's value once its parent row is found: its number, unless the parent did not load."""
        name, mandatory = rule["target_field"], rule["mandatory_class"] == "mandatory"
        number, reason = match
        if reason:
            message = f"parent {parent} not loaded: {reason}"
            return str(number), shown, [Issue(name, "parent_filtered", "filter" if mandatory else "warn", message)]
        state, why = (self.parent_outcomes(parent) or {}).get(number, ("", ""))
        if state == "rejected":  # the link is left empty: it would dangle
            return None, shown, [Issue(name, "parent_rejected", "reject" if mandatory else "warn")]
        if state == "filtered":
            message = f"parent {parent} not loaded: {why}"
            return str(number), shown, [Issue(name, "parent_filtered", "filter" if mandatory else "warn", message)]
        return (None if number is None else str(number)), shown, []

    def parent_row(self, parent: str, spec, on: list[str], row: Row) -> tuple[int | None, str] | None:
        """The first parent row (first of its grain) whose ``on`` columns equal the row's."""
        seen: set[str] = set()
        for candidate in self.sources.prepared(spec):
            if candidate.grain_key in seen:
                continue
            seen.add(candidate.grain_key)
            if all(candidate.row.get(c) == row.get(c) for c in on):
                return self.registry.get(parent, {}).get(candidate.grain_key), candidate.filter_reason
        return None

    # -- the field checks every loaded value passes -----------------------------------------------

    def validate(self, rule: dict[str, str], value: Value, found: list[Issue]) -> tuple[Value, list[Issue]]:
        name, data_type = rule["target_field"], rule["data_type"]
        issues = [i for i in found if i.action != "empty"]
        left_empty = len(issues) < len(found)
        present = value is not None and value != ""
        if data_type == "DATE":
            pattern = guide_format(self.comments.get((rule["target_table"], name), ""))
            value = reformat_guide_date(value, pattern) if present else value
            if present and not re.fullmatch(GUIDE_DATE_PATTERNS[pattern], value or ""):
                issues.append(Issue(name, "bad_date_format", "reject"))
        elif data_type != "NUMBER" and rule["length"].strip().isdigit() and len(value or "") > int(rule["length"]):
            issues.append(Issue(name, "over_length", "reject"))  # never truncated
        if data_type == "NUMBER" and present:
            if number_text(value) is None:
                issues.append(Issue(name, "not_a_number", "reject"))
            else:
                value = number_text(value)
        fillable = rule["mapping_class"] not in UNFILLED and not left_empty
        if rule["mandatory_class"] == "mandatory" and fillable and not present:
            issues.append(Issue(name, "missing_mandatory", "reject"))
        return value, issues
