"""The 38 target tables' load order and parent links, and the one rule every way of loading them follows.

The order and the links come from the target catalog (``table_name``, ``load_order``,
``parent_links``): the run's parsed catalog, or the guide's committed facts, which fix the
partitions at definition time. The rule: a table may load once all its parents have loaded; a
table whose load or blocking checks fail holds back every descendant, and each held-back table
names the failed ancestor it waits for. Every way of loading the 38 tables (the CLI's dry run,
the nightly batch, a backfill from the UI) is a batch of partition runs that each ask this module
(``defs/load_batch.py``), as the rerun command does, so they load and hold back the same tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from qvh_migration.etl.patient_link import CRN_FIELDS, PATIENT_TABLE
from qvh_migration.settings import PACKAGE_DIR
from qvh_migration.specs.target_links import resolve_parent

FACTS_TABLES = PACKAGE_DIR / "specs" / "facts" / "target_tables.csv"
FACTS_FIELDS = PACKAGE_DIR / "specs" / "facts" / "target_fields.csv"
HELD_BACK_TAG = "qvh/held_back"


@dataclass(frozen=True)
class LoadOrder:
    """Tables in load order, and each table's parents among them."""

    tables: tuple[str, ...]
    parents: Mapping[str, frozenset[str]]

    def descendants(self, table: str) -> list[str]:
        """Every table that links to ``table`` directly or through others, in load order."""
        found = {table}
        for name in self.tables:  # parents come before children, so one pass suffices
            if self.parents[name] & found:
                found.add(name)
        return [t for t in self.tables if t in found and t != table]


def ordered_tables(target_tables: pd.DataFrame) -> list[str]:
    """Table names of a target catalog, sorted by the guide's load order."""
    order = pd.to_numeric(target_tables["load_order"], errors="coerce")
    ranked = target_tables.assign(_order=order).sort_values(["_order", "table_name"], kind="stable")
    return [str(t) for t in ranked["table_name"]]


def from_catalog(target_tables: pd.DataFrame, waits: Mapping[str, Iterable[str]] | None = None) -> LoadOrder:
    """The load order of a target catalog; a printed parent the guide never defines is not waited for.
    ``waits``: tables each table also waits for beyond its parent links."""
    tables = ordered_tables(target_tables)
    known = set(tables)
    links = dict(zip(target_tables["table_name"].astype(str), target_tables["parent_links"].fillna(""), strict=True))
    parents: dict[str, frozenset[str]] = {}
    for table in tables:
        named = {
            resolve_parent(link.strip().rpartition(".")[0], known) for link in str(links[table]).split(";") if link
        }
        named |= set((waits or {}).get(table, ()))
        parents[table] = frozenset(p for p in named if p in known and p != table)
    return LoadOrder(tuple(tables), parents)


def patient_waits(target_fields: pd.DataFrame) -> dict[str, set[str]]:
    """Tables naming the patient by hospital number "as loaded into LOAD_PMI" (MAIN_CRN or CRN): the
    ETL checks each row against LOAD_PMI's load (etl/patient_link.py), so they wait for it."""
    named = target_fields.loc[target_fields["field_name"].str.upper().isin(CRN_FIELDS), "table_name"]
    return {str(t): {PATIENT_TABLE} for t in set(named) - {PATIENT_TABLE}}


# Tables a table's gate rules (gates/table_rules.py) read besides its parents: the load waits for them
# as for a parent, so a parallel load judges the same rows as a serial one (the guide loads
# LOAD_PMIIDS before the case-note history, p. 26). Stated here, with the load order, so the ETL
# does not reach up into the gates.
GATE_READS: dict[str, tuple[str, ...]] = {"LOAD_PMICASENOTEHISTORY": ("LOAD_PMIIDS",)}


@cache
def committed() -> LoadOrder:
    """The load order of the guide's committed facts (the 38 partitions), with the tables a table's
    patient link or gate rules read (``GATE_READS``) waited for like parents."""
    waits = patient_waits(pd.read_csv(FACTS_FIELDS, dtype=str, keep_default_na=False))
    for table, reads in GATE_READS.items():
        waits.setdefault(table, set()).update(reads)
    return from_catalog(pd.read_csv(FACTS_TABLES, dtype=str, keep_default_na=False), waits)


@dataclass(frozen=True)
class Decision:
    """Which tables may start now, and which are held back and by which failed ancestor."""

    ready: tuple[str, ...]
    held_back: Mapping[str, str]


def held_back(order: LoadOrder, failed: Iterable[str]) -> dict[str, str]:
    """Each descendant of a failed table, with the first failed ancestor in load order."""
    failed = set(failed)
    held: dict[str, str] = {}
    for table in order.tables:
        if table in failed:
            continue
        causes = [held.get(p, p) for p in order.parents[table] if p in failed or p in held]
        if causes:
            held[table] = min(causes, key=order.tables.index)
    return held


def decide(
    order: LoadOrder, loaded: Iterable[str], failed: Iterable[str] = (), started: Iterable[str] = ()
) -> Decision:
    """The rule: a table is ready when all its parents loaded and it has not started; the
    descendants of a failed table are held back."""
    loaded, failed, started = set(loaded), set(failed), set(started)
    held = held_back(order, failed)
    done = loaded | failed | started | set(held)
    ready = tuple(t for t in order.tables if t not in done and order.parents[t] <= loaded)
    return Decision(ready, held)


def held_back_line(table: str, ancestor: str) -> str:
    """The terminal line of a held-back table."""
    return f"held back     {table}: not loaded because {ancestor} failed (its load or a blocking check)"


def held_back_tag(held: Mapping[str, str]) -> str:
    """The run tag value naming each held-back table and its failed ancestor."""
    return ";".join(f"{table}<{ancestor}" for table, ancestor in held.items())


@dataclass
class Outcome:
    """What a parents-first load did: tables loaded, tables failed, tables held back (and why)."""

    loaded: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    held_back: dict[str, str] = field(default_factory=dict)


def load_parents_first(order: LoadOrder, load: Callable[[str], bool]) -> Outcome:
    """Load one table at a time by the rule; ``load`` returns whether the table and its blocking
    checks succeeded."""
    outcome = Outcome()
    while True:
        decision = decide(order, outcome.loaded, outcome.failed)
        if not decision.ready:
            outcome.held_back = dict(decision.held_back)
            return outcome
        table = decision.ready[0]
        (outcome.loaded if load(table) else outcome.failed).append(table)
