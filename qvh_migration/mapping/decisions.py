"""Decisions the trust or the vendor must take, as reviewed data (``decisions.yaml``).

Each entry records one question the mapping cannot settle by itself (a code list version, a
convention, a layout the vendor has to confirm): the options, the default this project applies
until someone decides, the evidence (a guide page or a dictionary element), its status (open or
decided), who decided and when. The open ones are listed in the data mapping report and the
evidence pack, and the ``cutover_ready`` release profile fails while any is open
(``open_decisions`` criterion, ``gates/release.py``).

Every problem in the file names the file and the entry (its position and id).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import yaml

from qvh_migration.errors import CurationError

DECISIONS_FILE = Path(__file__).with_name("decisions.yaml")
OPEN, DECIDED = "open", "decided"
STATUSES = (OPEN, DECIDED)
REQUIRED = ("id", "question", "options", "default", "evidence", "status")
OPTIONAL = ("decided_by", "date")
DECISION_COLUMNS = (*REQUIRED, *OPTIONAL)
_ID = re.compile(r"[a-z][a-z0-9_]*")
# Evidence cites a guide page (p. 42, pp. 46-47) or a dictionary (the INQuire element, the NHS one).
_EVIDENCE = re.compile(r"\bpp?\.?\s?\d+|dictionary", re.IGNORECASE)


@dataclass(frozen=True)
class Decision:
    id: str
    question: str
    options: tuple[str, ...]
    default: str
    evidence: str
    status: str
    decided_by: str = ""
    date: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


def load_decisions(path: Path | None = None) -> tuple[Decision, ...]:
    """Read and validate the decisions file (the package's own unless ``path`` is given)."""
    path = Path(path) if path is not None else DECISIONS_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read decisions ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("decisions"), list):
        raise CurationError(path, "top level must be a mapping with a 'decisions' list")
    decisions = [_decision(path, position, entry) for position, entry in enumerate(document["decisions"], start=1)]
    seen: set[str] = set()
    for position, decision in enumerate(decisions, start=1):
        if decision.id in seen:
            raise CurationError(path, f"id {decision.id} is used twice", where=f"decision {position} ({decision.id})")
        seen.add(decision.id)
    return tuple(decisions)


def _decision(path: Path, position: int, entry: object) -> Decision:
    name = entry.get("id") if isinstance(entry, dict) else None
    where = f"decision {position}" + (f" ({name})" if name else "")
    if not isinstance(entry, dict):
        raise CurationError(path, "each decision is a mapping of its fields", where=where)
    unknown = sorted(set(entry) - set(DECISION_COLUMNS))
    if unknown:
        raise CurationError(
            path, f"unknown field {', '.join(unknown)} (known: {', '.join(DECISION_COLUMNS)})", where=where
        )
    missing = [key for key in REQUIRED if key != "options" and not str(entry.get(key) or "").strip()]
    if missing:
        raise CurationError(path, f"{', '.join(missing)} must be given", where=where)
    if not _ID.fullmatch(str(entry["id"])):
        raise CurationError(path, "id must be lower-case letters, digits and underscores", where=where)
    options = entry.get("options")
    if not isinstance(options, list) or len(options) < 2 or any(not str(o or "").strip() for o in options):
        raise CurationError(path, "options must list two or more choices", where=where)
    options = tuple(str(o).strip() for o in options)
    default = str(entry["default"]).strip()
    if default not in options:
        raise CurationError(path, f"default {default!r} is not one of its options", where=where)
    evidence = str(entry["evidence"]).strip()
    if not _EVIDENCE.search(evidence):
        raise CurationError(path, "evidence must cite a guide page (p. N) or a dictionary element", where=where)
    status = str(entry["status"]).strip()
    if status not in STATUSES:
        raise CurationError(path, f"status must be {' or '.join(STATUSES)}", where=where)
    decided_by, when = str(entry.get("decided_by") or "").strip(), str(entry.get("date") or "").strip()
    if status == DECIDED and not (decided_by and when):
        raise CurationError(path, "a decided decision needs decided_by and date", where=where)
    if status == OPEN and decided_by:
        raise CurationError(path, "an open decision has no decided_by", where=where)
    if when:
        try:
            date.fromisoformat(when)
        except ValueError:
            raise CurationError(path, f"date {when!r} is not a date (YYYY-MM-DD)", where=where) from None
    return Decision(
        str(entry["id"]), str(entry["question"]).strip(), options, default, evidence, status, decided_by, when
    )


def decisions_frame(decisions: tuple[Decision, ...] | list[Decision]) -> pd.DataFrame:
    """One row per decision (``DECISION_COLUMNS``), options joined with ' | '."""
    rows = [{**asdict(d), "options": " | ".join(d.options)} for d in decisions]
    return pd.DataFrame(rows, columns=list(DECISION_COLUMNS)).astype(str)


def open_decisions(decisions: tuple[Decision, ...] | list[Decision]) -> pd.DataFrame:
    """The decisions still open, as ``decisions_frame`` rows."""
    return decisions_frame([d for d in decisions if d.is_open]).reset_index(drop=True)


def open_decision_count(path: Path | None = None) -> int:
    """How many decisions of the file are open (the release criterion ``open_decisions``)."""
    return sum(d.is_open for d in load_decisions(path))
