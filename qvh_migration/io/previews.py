"""Tables shown in the UI's metadata (previews, check samples) as Markdown, each value cut short.

The event log keeps every preview of every run: one long free-text value (a 100,000-character
comment) must not add megabytes to it. The files keep the whole values.
"""

from __future__ import annotations

import pandas as pd

PREVIEW_VALUE_CHARS = 120
ELLIPSIS = "…"


def shorten(value: str, limit: int = PREVIEW_VALUE_CHARS) -> str:
    """``value`` cut to ``limit`` characters, the cut marked with an ellipsis and the full length."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}{ELLIPSIS} ({len(value):,} chars)"


def markdown(frame: pd.DataFrame, rows: int = 10, limit: int = PREVIEW_VALUE_CHARS) -> str:
    """The first ``rows`` rows as a Markdown table, every value as text of at most ``limit`` characters."""
    text = frame.head(rows).astype(str)
    return text.map(lambda value: shorten(str(value), limit)).to_markdown(index=False)
