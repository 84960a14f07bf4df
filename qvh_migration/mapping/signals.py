"""Field profiles and the non-textual matching signals.

* type fit     - date kinds, text length vs size, the width of the guide's example codes;
* code fit     - coded vs free text (a code list, a code word, a master-file lookup key), and the
                 role the last word of each name announces (identifier, text, flag);
* table        - affinity of the staging table for the source table (``table_affinity.yaml``);
* qualifiers   - whose value a name says it holds (``PAT_``/``Pt``, ``NOK_``/``NoK``), used by
                 the name score.

Each signal is computed for every (target field, source field) pair at once by broadcasting
small per-field arrays, never by looping over pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qvh_migration.errors import CurationError
from qvh_migration.mapping.naming import name_tokens, split_identifier, text_tokens

AFFINITY_PATH = Path(__file__).with_name("table_affinity.yaml")


def read_table_affinity(path: Path = AFFINITY_PATH) -> dict[str, dict[str, float]]:
    """Which legacy tables feed which staging table, with a weight 0..1 (reviewed data).

    1.0 is the priority source of the domain notes' priority-table map, lower weights are the
    supporting tables; every entry states its reason. Unlisted pairs score 0. An entry may say
    ``lends: identifiers`` (the table only supplies the patient's identifier): see IDENTIFIERS_ONLY.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read the table affinity ({exc})") from exc
    if not isinstance(document, dict):
        raise CurationError(path, "top level must map each staging table to its source tables")
    affinity: dict[str, dict[str, float]] = {}
    for target_table, sources in document.items():
        if not isinstance(sources, dict) or not sources:
            raise CurationError(path, "must map source tables to {weight, reason}", where=str(target_table))
        affinity[str(target_table)] = {}
        for source_table, entry in sources.items():
            where = f"{target_table}.{source_table}"
            weight = entry.get("weight") if isinstance(entry, dict) else None
            if not isinstance(weight, int | float) or not 0 < weight <= 1:
                raise CurationError(path, f"weight must be a number in (0, 1], got {weight!r}", where=where)
            if not str(entry.get("reason") or "").strip():
                raise CurationError(path, "every source table needs a reason", where=where)
            lends = entry.get("lends", "all")
            if lends not in {"all", "identifiers"}:
                raise CurationError(path, f"lends must be all or identifiers, got {lends!r}", where=where)
            affinity[str(target_table)][str(source_table)] = float(weight)
            if lends == "identifiers":
                IDENTIFIERS_ONLY.add((str(target_table), str(source_table)))
    return affinity


# (staging table, source table) pairs where the source only supplies the patient's identifier
# (PATDATA.DistrictNumber for a table whose row source holds no hospital number).
IDENTIFIERS_ONLY: set[tuple[str, str]] = set()
TABLE_AFFINITY: dict[str, dict[str, float]] = read_table_affinity()

QUALIFIER_ABSENT = 0.9  # name fit when the target says whose value it is and the source does not
QUALIFIER_CLASH = 0.6  # ... and the source says it is someone else's
EXAMPLE_WIDER = 0.85  # size fit of a source wider than the guide's fixed-width example codes
_EXAMPLES = re.compile(r"e\.g\.?\s*([^\n]*)")
_CODE_VALUE = re.compile(r"(?=[A-Z0-9]*\d)[A-Z0-9]{3,}")
_INTERNAL_DATE_FORMATS = {"CCYYMMDD", "CCYYMMDDHHMM"}
NOTES_LENGTH = 200
_YES_NO = r"(?i)\bY for Yes\b"
FLAG_FROM_CODE = 0.85  # size fit of a listed-code source for a yes/no target (a one-character flag fits best)
# A description listing the codes (``ATT/WLK/NATT/SATT/NR``) or a parsed code list.
_LISTED_CODES = r"\b[A-Z]{2,5}(?:\s*[/,]\s*[A-Z]{2,5}){2,}"
_CODE_WORDS = frozenset(
    {
        "code",
        "type",
        "status",
        "category",
        "indicator",
        "flag",
        "reason",
        "method",
        "source",
        "specialty",
        "priority",
        "sex",
        "title",
        "religion",
        "outcome",
        "class",
        "group",
        "consultant",
        "ward",
        "hospital",
        "destination",
        "management",
        "relationship",
        "disposal",
        "urgency",
        "location",
        "provider",
        "practice",
    }
)

# Roles a name's last word announces: identifier, free text, yes/no flag (R_NONE: no claim).
R_NONE, R_IDENTIFIER, R_TEXT, R_FLAG = 0, 1, 2, 3
_ROLE_OF: dict[str, int] = {
    **dict.fromkeys(("number", "id", "identifier", "key", "sequence"), R_IDENTIFIER),
    **dict.fromkeys(("description", "comment", "note", "text", "narrative", "remark"), R_TEXT),
    **dict.fromkeys(("flag", "indicator"), R_FLAG),
}
ROLE_FIT = np.array(
    [
        [1.0, 1.0, 1.0, 1.0],
        [1.0, 1.0, 0.5, 0.5],  # identifier target
        [1.0, 0.5, 1.0, 0.5],  # text target
        [1.0, 0.5, 0.5, 1.0],  # flag target
    ],
    dtype=np.float32,
)

# Source kinds and target kinds, as small integers for broadcasting.
S_TEXT, S_DATE_INTERNAL, S_DATE_DISPLAY, S_TIME = 0, 1, 2, 3
T_TEXT, T_DATE, T_DATETIME, T_NUMBER, T_TIME = 0, 1, 2, 3, 4

# TYPE_FIT[target kind, source kind] before the size adjustment for text targets.
TYPE_FIT = np.array(
    [
        [1.0, 0.3, 0.3, 0.3],  # text target
        [0.1, 1.0, 0.9, 0.3],  # date target
        [0.1, 1.0, 0.9, 0.5],  # date-time target
        [0.7, 0.3, 0.3, 0.6],  # number target
        [0.3, 0.8, 0.8, 1.0],  # time-of-day target (HH24:MI text)
    ],
    dtype=np.float32,
)


def source_profile(source: pd.DataFrame, lookup_code: np.ndarray | None = None) -> pd.DataFrame:
    """Per source field: kind, size, whether it looks like a coded field.

    ``lookup_code`` marks fields known to hold the key of a master-file lookup (element evidence).
    """
    tokens = source["Column"].map(name_tokens)
    date_format = source["date_format"].fillna("")
    role = source["date_pair_role"].fillna("")
    dated = tokens.map(lambda t: "date" in t)
    # ``...DateInt`` / ``...DateInternal`` without a stated format is still the internal form.
    int_named = source["Column"].map(lambda n: bool({"int", "internal"} & set(split_identifier(n))))
    internal = date_format.isin(_INTERNAL_DATE_FORMATS) | (role == "internal") | (dated & int_named & (role == ""))
    display = (role == "display") | date_format.str.startswith("DD/MM") | dated
    time_only = tokens.map(lambda t: "time" in t and "date" not in t)
    kind = np.select([internal, display, time_only], [S_DATE_INTERNAL, S_DATE_DISPLAY, S_TIME], S_TEXT)
    size = source["size_chars"].astype("Float64").fillna(0).to_numpy(dtype=np.float32)
    code_word = tokens.map(lambda t: bool(t) and t[-1] in _CODE_WORDS)
    coded = (source["description_kind"] == "code_list") | (code_word & (size <= 8) & (kind == S_TEXT))
    if lookup_code is not None:
        coded |= lookup_code & (kind == S_TEXT)
    listed = (source["description_kind"] == "code_list") | source["Description"].fillna("").str.contains(
        _LISTED_CODES, regex=True
    )
    return pd.DataFrame(
        {
            "kind": kind,
            "size": size,
            "coded": coded.to_numpy(),
            "role": name_roles(source["Column"]),
            "listed_codes": listed.to_numpy(dtype=bool),
        },
        index=source.index,
    )


def target_profile(target: pd.DataFrame) -> pd.DataFrame:
    """Per target field: kind, length, whether it maps to a PAS code type or lookup."""
    data_type = target["data_type"].fillna("").str.upper()
    comment = target["comment"].fillna("")
    date_text = comment.str.contains(r"DD/MM/YYYY", regex=True)
    with_time = comment.str.contains(r"HH24", regex=True)
    is_date = (data_type == "DATE") | date_text
    time_only = with_time & ~is_date
    kind = np.select(
        [is_date & with_time, is_date, data_type == "NUMBER", time_only], [T_DATETIME, T_DATE, T_NUMBER, T_TIME], T_TEXT
    )
    length = target["length"].astype("Float64").fillna(0).to_numpy(dtype=np.float32)
    coded = (target["code_type"].fillna("") != "") | comment.str.contains(
        r"Maps to:|accepted values|Must be one of|values allowed", case=False, regex=True
    )
    # Note fields carry a note-type code but hold free text.
    coded &= ~((length >= NOTES_LENGTH) | (target["code_type_name"].fillna("").str.contains("Note Types", case=False)))
    return pd.DataFrame(
        {
            "kind": kind,
            "length": length,
            "coded": coded.to_numpy(),
            "example_length": example_lengths(comment),
            "role": name_roles(target["field_name"]),
            "yes_no": comment.str.contains(_YES_NO, regex=True).to_numpy(),
        },
        index=target.index,
    )


def example_lengths(comments: pd.Series) -> np.ndarray:
    """Length of the code values the guide gives as examples (``e.g. A81006, D82076``), 0 when none.

    Only examples that look like codes (letters and digits, at least one digit, 3+ characters, all
    of one length) count: a fixed-width legacy field holding the same code system has that size.
    """
    lengths = np.zeros(len(comments), dtype=np.float32)
    for row, comment in enumerate(comments):
        match = _EXAMPLES.search(comment)
        if not match:
            continue
        codes = {w for w in re.split(r"[,\s]+", match.group(1)) if _CODE_VALUE.fullmatch(w)}
        if len(codes) >= 2 and len({len(c) for c in codes}) == 1:
            lengths[row] = len(next(iter(codes)))
    return lengths


def type_fit(target: pd.DataFrame, source: pd.DataFrame) -> np.ndarray:
    """Type/size compatibility in 0..1 for every pair (targets x sources)."""
    t_kind = target["kind"].to_numpy()[:, None]
    s_kind = source["kind"].to_numpy()[None, :]
    fit = TYPE_FIT[t_kind, s_kind]
    length = target["length"].to_numpy(dtype=np.float32)[:, None]
    size = source["size"].to_numpy(dtype=np.float32)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(size > 0, np.minimum(1.0, length / np.maximum(size, 1.0)), 0.8)
    size_factor = np.where(length > 0, 0.5 + 0.5 * ratio, 1.0).astype(np.float32)
    # Long free-text targets (notes) are rarely fed by short codes.
    notes = (length >= NOTES_LENGTH) & (size > 0)
    size_factor = np.where(notes, np.minimum(1.0, 0.4 + size / 25.0), size_factor).astype(np.float32)
    # Example code values of a fixed width: the same code system has exactly that size.
    example = target["example_length"].to_numpy(dtype=np.float32)[:, None]
    exact = np.where(size == example, 1.0, np.where(size > example, EXAMPLE_WIDER, size / np.maximum(example, 1.0)))
    size_factor = np.where((example > 0) & (size > 0), size_factor * exact, size_factor).astype(np.float32)
    # A yes/no flag may be a test on one of a source's listed codes (walk-in: attendance status WLK).
    yes_no = target["yes_no"].to_numpy(dtype=bool)[:, None]
    derivable = yes_no & source["listed_codes"].to_numpy(dtype=bool)[None, :]
    size_factor = np.where(derivable, np.maximum(size_factor, FLAG_FROM_CODE), size_factor).astype(np.float32)
    text_pair = (t_kind == T_TEXT) & (s_kind == S_TEXT)
    return np.where(text_pair, fit * size_factor, fit).astype(np.float32)


def code_fit(target: pd.DataFrame, source: pd.DataFrame) -> np.ndarray:
    """1 when both or neither are coded; lower when only one side is, or when the roles named by
    the last words of the names clash (an identifier feeding a description, a flag a comment)."""
    t_coded = target["coded"].to_numpy()[:, None]
    s_coded = source["coded"].to_numpy()[None, :]
    fit = np.where(t_coded == s_coded, 1.0, np.where(t_coded, 0.3, 0.6))
    role = ROLE_FIT[target["role"].to_numpy()[:, None], source["role"].to_numpy()[None, :]]
    return (fit * role).astype(np.float32)


def name_roles(names: pd.Series) -> np.ndarray:
    """The role a field's name announces by its last word (R_NONE when it announces none)."""

    def role(name: str) -> int:
        words = [w for w in name_tokens(name) if not w.isdigit()]
        return _ROLE_OF.get(words[-1], R_NONE) if words else R_NONE

    return names.map(role).to_numpy(dtype=int)


def table_affinity(target_tables: pd.Series, source_tables: pd.Series) -> np.ndarray:
    """Affinity of each target field's staging table for each source field's table."""
    t_names = pd.Index(target_tables.unique())
    s_names = pd.Index(source_tables.unique())
    grid = np.zeros((len(t_names), len(s_names)), dtype=np.float32)
    for i, table in enumerate(t_names):
        for source_table, weight in TABLE_AFFINITY.get(table, {}).items():
            if source_table in s_names:
                grid[i, s_names.get_loc(source_table)] = weight
    return grid[t_names.get_indexer(target_tables)][:, s_names.get_indexer(source_tables)]


def identifier_lending(target: pd.DataFrame, source_tables: pd.Series) -> np.ndarray:
    """Factor (targets x sources): 0 where the source table only lends identifiers to the staging
    table (``lends: identifiers``) and the target field is not an identifier, else 1."""
    fit = np.ones((len(target), len(source_tables)), dtype=np.float32)
    not_identifier = name_roles(target["field_name"]) != R_IDENTIFIER
    for target_table, source_table in IDENTIFIERS_ONLY:
        rows = np.flatnonzero((target["table_name"] == target_table).to_numpy() & not_identifier)
        columns = np.flatnonzero((source_tables == source_table).to_numpy())
        fit[np.ix_(rows, columns)] = 0.0
    return fit


SHAPE_CLASH = 0.85  # score factor of a pair whose value shapes cannot meet (a date from free text)
SHAPE_CLASH_FIT = 0.3  # ... the type fit at or below which they cannot


def shape_gate(type_fit_matrix: np.ndarray, target: pd.DataFrame) -> np.ndarray:
    """Score factor (targets x sources): SHAPE_CLASH where the type fit says the value cannot be
    carried (a date target from a text field, a status from a date), whatever the names. A yes/no
    target is exempt: it may test whether any value is there (agreed: an accept date is recorded)."""
    yes_no = target["yes_no"].to_numpy(dtype=bool)[:, None]
    return np.where((type_fit_matrix <= SHAPE_CLASH_FIT) & ~yes_no, SHAPE_CLASH, 1.0).astype(np.float32)


UNLISTED = 0.9  # score factor of a source table not listed for a staging table that lists others


def unlisted_fit(affinity: np.ndarray) -> np.ndarray:
    """Score factor (targets x sources): UNLISTED for a table the staging table's reviewed affinity
    does not list, when it lists any. The table weight alone lets a perfect name from an unrelated
    table (``PURCHASER.Address2`` for a contact's address line) outrank the listed table's column."""
    lists_any = (affinity > 0).any(axis=1, keepdims=True)
    return np.where(lists_any & (affinity <= 0), UNLISTED, 1.0).astype(np.float32)


def affinity_label(target_table: str, source_table: str) -> str:
    weight = TABLE_AFFINITY.get(target_table, {}).get(source_table, 0.0)
    if weight >= 1.0:
        return f"{source_table} is the priority source of {target_table}"
    if weight > 0:
        return f"{source_table} supports {target_table}"
    return f"{source_table} not mapped to {target_table}"


# Coding schemes of legacy columns that the target takes in no field: Altera codes diagnoses in
# ICD-10 and procedures in OPCS-4 and no guide field or comment mentions Read Codes, so a Read-coded
# column (ReadCodePrimaryDiagnosis) is a second-best source beside its ICD/OPCS twin.
UNTAKEN_CODE_SCHEMES = frozenset({"read"})
SCHEME_UNTAKEN = 0.9  # score factor of a source coded in a scheme the target field does not name


def scheme_fit(target: pd.DataFrame, source: pd.DataFrame) -> np.ndarray:
    """Score factor per pair (targets x sources): SCHEME_UNTAKEN where the source's name says it
    holds a code scheme of UNTAKEN_CODE_SCHEMES that the target's name and comment do not mention."""
    source_scheme = np.array([bool(UNTAKEN_CODE_SCHEMES & set(name_tokens(n))) for n in source["Column"]])
    target_words = [
        set(name_tokens(name)) | set(text_tokens(str(comment)))
        for name, comment in zip(target["field_name"], target["comment"].fillna(""), strict=True)
    ]
    target_scheme = np.array([bool(UNTAKEN_CODE_SCHEMES & words) for words in target_words])
    return np.where(source_scheme[None, :] & ~target_scheme[:, None], SCHEME_UNTAKEN, 1.0).astype(np.float32)


def leading_qualifiers(tables: pd.Series, names: pd.Series, min_names: int) -> np.ndarray:
    """Per field, the qualifier its name starts with ("" when none).

    A qualifier is a leading word that starts at least ``min_names`` names of the same table and
    ends none of them (``Pt``/``PAT_`` patient, ``NoK``/``NOK_`` next of kin, ``Carer``): it says
    whose value the field holds, not what the value is.
    """
    table_of = tables.to_list()
    tokens = [[w for w in name_tokens(n) if not w.isdigit()] for n in names]
    leads = [t[0] if len(t) > 1 else "" for t in tokens]
    starts = Counter((table, lead) for table, lead in zip(table_of, leads, strict=True) if lead)
    ends = {(table, t[-1]) for table, t in zip(table_of, tokens, strict=True) if t}
    return np.array(
        [
            lead if lead and starts[(table, lead)] >= min_names and (table, lead) not in ends else ""
            for table, lead in zip(table_of, leads, strict=True)
        ],
        dtype=object,
    )


def qualifier_fit(target_qualifiers: np.ndarray, source_tables: pd.Series, source_qualifiers: np.ndarray) -> np.ndarray:
    """How well whose-value-it-is agrees, for every pair (targets x sources).

    Judged only where the source's table qualifies names with the target's qualifier too: then a
    source naming another qualifier fits QUALIFIER_CLASH, and an unqualified one QUALIFIER_ABSENT
    unless the qualifier is the one its table uses most (unqualified PATDATA names are the
    patient's: ``Surname`` fits ``PAT_NAME_FAMILY`` but not ``NOK_NAME_FAMILY``).
    """
    frame = pd.DataFrame({"table": source_tables.to_numpy(), "qualifier": source_qualifiers})
    qualified = frame[frame["qualifier"] != ""]
    known = set(zip(qualified["table"], qualified["qualifier"], strict=True))
    dominant = qualified.groupby("table")["qualifier"].agg(lambda q: Counter(q).most_common(1)[0][0])
    tables = pd.Index(frame["table"].unique())
    wanted = pd.Index(sorted(set(target_qualifiers) - {""}))
    judged = np.array([[(t, q) in known for t in tables] for q in wanted], dtype=bool).reshape(len(wanted), -1)
    implied = np.array([[dominant.get(t, "") == q for t in tables] for q in wanted], dtype=bool).reshape(
        len(wanted), -1
    )
    fit = np.ones((len(target_qualifiers), len(source_qualifiers)), dtype=np.float32)
    table_of = tables.get_indexer(frame["table"])
    for i, qualifier in enumerate(wanted):
        rows = np.flatnonzero(target_qualifiers == qualifier)
        on = judged[i, table_of]
        value = np.where(
            source_qualifiers == qualifier,
            1.0,
            np.where(source_qualifiers != "", QUALIFIER_CLASH, np.where(implied[i, table_of], 1.0, QUALIFIER_ABSENT)),
        )
        fit[rows] = np.where(on, value, 1.0).astype(np.float32)
    return fit
