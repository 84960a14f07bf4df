"""Parent links between staging tables, resolved to the tables the guide actually defines.

The guide names some parents by long or short forms (LOAD_REFERRAL_TO_TREAT_PERIODS for
LOAD_RTT_PERIODS, LOAD_ADT for LOAD_ADT_ADMISSIONS). The printed form stays in
``parent_links``; ``resolved_parent_links`` is what load order and key derivation use.
"""

from __future__ import annotations

import pandas as pd


def resolve_parent(name: str, known: set[str]) -> str:
    """The defined staging table a printed parent name means; the name itself when none fits."""
    candidates = (name, name.replace("REFERRAL_TO_TREAT", "RTT"), f"{name}_ADMISSIONS")
    return next((c for c in candidates if c in known), name)


def resolve_parent_links(tables: pd.DataFrame) -> pd.Series:
    """``;``-joined ``PARENT.column`` links with every parent resolved to a defined table."""
    known = set(tables["table_name"])

    def resolve(text: object) -> str:
        links = []
        for link in filter(None, str(text or "").split(";")):
            parent, _, column = link.strip().rpartition(".")
            links.append(f"{resolve_parent(parent, known)}.{column}")
        return ";".join(links)

    return tables["parent_links"].map(resolve)


def unresolved_parents(tables: pd.DataFrame) -> list[str]:
    """Printed parent names that match no defined staging table, even after resolution."""
    known = set(tables["table_name"])
    parents = {
        link.rpartition(".")[0]
        for text in tables["resolved_parent_links"]
        for link in filter(None, str(text).split(";"))
    }
    return sorted(parents - known)
