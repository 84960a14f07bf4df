"""What the legacy data-element codes say about a source field beyond its own name.

Every INQuire column carries a ``DataElement`` code (``A0032B``). The letter and number (``A0032``)
name one data item; a trailing letter marks a representation of it (display, internal, external).
Four kinds of evidence follow from the codes, all computed per source field (never per pair):

* aliases    - the same item recurs across tables under other names and descriptions
               (``OPREFERRAL.OpRegDtimeInt`` is ``ReferralDateInt`` in OPA); the halves of a
               display/internal date pair (``date_pair_column``) are aliases of each other too;
* items      - within one table, the fields of one specific element are one value in several
               representations (``StatusDT``/``StatusDTInt``, ``CurrentStatus``/``CurrentStatusInt``):
               the matcher ranks only the best of them, like the halves of a date pair;
* blocks     - within a table, consecutive element numbers were issued together for one group of
               fields (``PATDATA`` carer block A4645-A4650: ``HomePhone``, ``WorkPhone``, ``Comments``,
               ``Relationship``, ``CarerAddress``): each field's context borrows the group's words;
* lookups    - an item that is also a column of a master-file table (``...MF``) is a code into that
               lookup: it is coded, and the lookup's other column names say what the code means
               (``PMISPECIALREG.SpecialRegister`` codes PMISPECIALREGMF, whose ``FormOfWarning`` ...).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from qvh_migration.mapping.naming import name_tokens, text_tokens

MAX_ALIAS_NAMES = 6  # an item with more distinct names (generic dates, keys) lends none
BLOCK_GAP = 6  # consecutive element numbers at most this far apart belong to one block
MAX_BLOCK = 24  # larger runs are whole-table numbering, not a field group
MAX_CODE_SIZE = 10  # a lookup key is short; longer shared columns are copied attributes (URLs, names)
_ELEMENT = r"^([A-Z])(\d+)"


def element_base(codes: pd.Series) -> pd.Series:
    """``A0032B`` -> ``A0032``; "" when the field has no usable element code."""
    parts = codes.fillna("").astype(str).str.extract(_ELEMENT)
    return (parts[0].fillna("") + parts[1].fillna("")).where(parts[0].notna(), "")


def useful_descriptions(source: pd.DataFrame) -> pd.Series:
    """Descriptions worth reading: not empty, not a release number, not the column name again."""
    description = source["Description"].fillna("")
    useful = ~source["description_kind"].isin(["empty", "release_number"]) & (
        description.str.replace(" ", "").str.lower() != source["Column"].str.lower()
    )
    return description.where(useful, "")


def aliases(source: pd.DataFrame, descriptions: pd.Series) -> tuple[list[list[str]], list[list[str]]]:
    """Per field: the other names and the descriptions of its data item and date-pair partner.

    Items with more than MAX_ALIAS_NAMES distinct names (generic dates and keys) lend none.
    """
    base = element_base(source["DataElement"])
    columns = source["Column"].to_numpy()
    names_of: dict[str, set[str]] = defaultdict(set)
    texts_of: dict[str, set[str]] = defaultdict(set)
    for item, column, text in zip(base, columns, descriptions, strict=True):
        if item:
            names_of[item].add(column)
            if text:
                texts_of[item].add(text)
    partner = _pair_partners(source)
    other_names: list[list[str]] = []
    other_texts: list[list[str]] = []
    for row, (item, column, own_text) in enumerate(zip(base, columns, descriptions, strict=True)):
        names = set(names_of.get(item, ())) if len(names_of.get(item, ())) <= MAX_ALIAS_NAMES else set()
        texts = set(texts_of.get(item, ())) if names else set()
        if partner[row] >= 0:
            names.add(columns[partner[row]])
            texts.add(descriptions.iat[partner[row]])
        names.discard(column)
        texts.discard(own_text)
        texts.discard("")
        other_names.append(sorted(names))
        other_texts.append(sorted(texts))
    return other_names, other_texts


def alias_tokens(other_names: list[list[str]], other_texts: list[list[str]]) -> list[list[str]]:
    """Per field: the words of its aliases (names and descriptions)."""
    return [
        [w for name in names for w in name_tokens(name)] + [w for text in texts for w in text_tokens(text)]
        for names, texts in zip(other_names, other_texts, strict=True)
    ]


def _pair_partners(source: pd.DataFrame) -> np.ndarray:
    """Row position of each field's display/internal date-pair partner, -1 when none."""
    keys = pd.MultiIndex.from_arrays([source["TableName"], source["Column"]])
    position = pd.Series(np.arange(len(source)), index=keys)
    position = position[~position.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([source["TableName"], source["date_pair_column"].fillna("")])
    return position.reindex(keys).fillna(-1).to_numpy(dtype=int)


def element_blocks(source: pd.DataFrame) -> list[list[int]]:
    """Row positions of each element block: fields of one table whose element numbers run on
    (same letter, gaps of at most BLOCK_GAP), two to MAX_BLOCK fields."""
    base = element_base(source["DataElement"])
    number = pd.to_numeric(base.str[1:], errors="coerce")
    frame = pd.DataFrame({"table": source["TableName"], "letter": base.str[:1], "number": number})
    frame = frame.reset_index(drop=True)
    frame = frame[frame["number"].notna()].sort_values(["table", "letter", "number"], kind="stable")
    new_block = (
        (frame["table"] != frame["table"].shift())
        | (frame["letter"] != frame["letter"].shift())
        | (frame["number"] - frame["number"].shift() > BLOCK_GAP)
    )
    members: dict[int, list[int]] = defaultdict(list)
    for row, block in zip(frame.index, new_block.cumsum().to_numpy(), strict=True):
        members[block].append(int(row))
    return [rows for rows in members.values() if 2 <= len(rows) <= MAX_BLOCK]


def block_tokens(source: pd.DataFrame, blocks: list[list[int]]) -> list[Counter[str]]:
    """Per field: word counts over the other fields of its element block, as shares of the block."""
    columns = source["Column"].to_numpy()
    result: list[Counter[str]] = [Counter() for _ in range(len(source))]
    for rows in blocks:
        sets = {row: set(name_tokens(columns[row])) for row in rows}
        for row in rows:
            others = [sets[other] for other in rows if other != row and columns[other] != columns[row]]
            if not others:
                continue
            counts = Counter(w for words in others for w in words if w not in sets[row])
            result[row] = Counter({w: n / len(others) for w, n in counts.items()})
    return result


def lookup_references(source: pd.DataFrame) -> tuple[np.ndarray, list[list[str]]]:
    """Fields whose data item is also a master-file column: (is a lookup code, the lookup's words).

    The logical-delete item and items spread over many tables (generic ``Code``/``Description``
    columns) identify no particular lookup and are ignored; so are long fields, which copy a
    lookup's attribute rather than hold its key.
    """
    base = element_base(source["DataElement"])
    master = source["is_master_file_table"].fillna(False).to_numpy(dtype=bool)
    delete_flag = source["is_logical_delete_flag"].fillna(False).to_numpy(dtype=bool)
    spread = base.map(base[base != ""].groupby(base).size()).fillna(0).to_numpy()
    size = pd.to_numeric(source["size_chars"], errors="coerce").fillna(0).to_numpy()
    lookup_of: dict[str, str] = {}
    for item, table, is_master, is_flag in zip(base, source["TableName"], master, delete_flag, strict=True):
        if item and is_master and not is_flag:
            lookup_of.setdefault(item, table)
    columns_of = source.groupby("TableName")["Column"].agg(list).to_dict()
    coded = np.zeros(len(source), dtype=bool)
    words: list[list[str]] = []
    for row, (item, column) in enumerate(zip(base, source["Column"], strict=True)):
        table = lookup_of.get(item, "")
        if not table or master[row] or spread[row] > 2 * MAX_ALIAS_NAMES or size[row] > MAX_CODE_SIZE:
            words.append([])
            continue
        coded[row] = True
        own = set(name_tokens(column))
        words.append(sorted({w for other in columns_of[table] for w in name_tokens(other)} - own))
    return coded, words


def item_groups(source: pd.DataFrame, internal: np.ndarray, display: np.ndarray) -> np.ndarray:
    """Per field, the id of the data item it represents in its table (its lowest row position).

    One item: the halves of a display/internal date pair (``internal``/``display`` row positions),
    and fields of one table sharing a specific data element (``CurrentStatus``/``CurrentStatusInt``,
    ``StatusDT``/``StatusDTInt``, the numbered slots ``PreviousSurname1..3``), and a column named
    as another of its table plus ``Int``/``Internal`` (``RTTPeriodStatus``/``RTTPeriodStatusInt``),
    its internal code even where the dictionary gives it an element of its own. Only the
    best-scoring member of an item is ranked for a target, so a numbered target still sees its own slot.
    """
    parent = np.arange(len(source))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: int, b: int) -> None:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)

    for a, b in zip(internal, display, strict=True):
        join(int(a), int(b))
    base = element_base(source["DataElement"]).to_numpy()
    columns = source["Column"].to_numpy()
    names_of: dict[str, set[str]] = defaultdict(set)
    rows_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row, (table, item, column) in enumerate(zip(source["TableName"], base, columns, strict=True)):
        if item:
            names_of[item].add(column)
            rows_of[(table, item)].append(row)
    for (_, item), rows in rows_of.items():
        if len(rows) < 2 or len(names_of[item]) > MAX_ALIAS_NAMES:
            continue
        for other in rows[1:]:
            join(rows[0], other)
    position = {
        (table, column.lower()): row
        for row, (table, column) in enumerate(zip(source["TableName"], columns, strict=True))
    }
    for row, (table, column) in enumerate(zip(source["TableName"], columns, strict=True)):
        stem = _INTERNAL_SUFFIX.sub("", column)
        if stem != column and (table, stem.lower()) in position:
            join(position[(table, stem.lower())], row)
    return np.array([root(i) for i in range(len(source))])


_INTERNAL_SUFFIX = re.compile(r"(?:Int|INT|Internal)$")
