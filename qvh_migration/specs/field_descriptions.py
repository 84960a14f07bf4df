"""Each target field's description as the UI shows it: the guide's own comment on the field, read
from the parsed target catalog at run time (never copied into the repository), its PDF line breaks
turned back into running text."""

from __future__ import annotations

import pandas as pd


def running_text(comment: str) -> str:
    """The comment's lines as one paragraph: a line the PDF wrapped mid-sentence continues with a
    space, a line that ends a statement without punctuation ("Main Hospital Number Id Type") gets a
    full stop, so the facts that follow ("Maps to: ...", "Loaded into: ...") read as sentences."""
    lines = [line.strip() for line in str(comment or "").splitlines() if line.strip()]
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text[-1].isalnum() and line[0].isupper():
            text = f"{text}. {line}"
        else:
            text = f"{text} {line}"
    return text


def field_descriptions(target_fields: pd.DataFrame, table: str, columns: list[str]) -> dict[str, str]:
    """``columns`` of ``table`` (matched case-blind, as loaders name them) to the guide's comment on each."""
    rows = target_fields.loc[target_fields["table_name"] == table]
    comments = rows["comment"].fillna("").astype(str)
    by_name = dict(zip(rows["field_name"].astype(str).str.upper(), comments.map(running_text), strict=True))
    return {column: by_name.get(column.upper(), "") for column in columns}
