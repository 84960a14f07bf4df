"""Bar charts as inline SVG text, for a report that must open with no network (no scripts, fonts or images).

Every chart is deterministic for the same figures, so two packs of the same run are byte-identical,
and every bar carries its label and value as ``data-`` attributes and a ``<title>`` tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Colour-blind safe palette (Okabe-Ito): enough series for the source/target pairs we draw.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
FONT = "font-family:system-ui,sans-serif;font-size:12px"
CHAR_WIDTH = 7  # an estimate of one label character at 12px, to size the label column


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _empty_chart(title: str, message: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart empty" role="img" width="420" height="40" '
        f'viewBox="0 0 420 40" aria-label="{_attr(title)}"><text x="4" y="24" style="{FONT}">'
        f"{escape(message)}</text></svg>"
    )


def horizontal_bar_chart(
    items: Sequence[tuple[str, int | float]],
    title: str,
    *,
    width: int = 640,
    bar_height: int = 18,
    colour: str = PALETTE[0],
    empty_message: str = "nothing to chart",
) -> str:
    """One bar per (label, value), longest first as given; the value is printed at the bar's end."""
    if not items:
        return _empty_chart(title, empty_message)
    label_width = min(320, max(60, CHAR_WIDTH * max(len(str(label)) for label, _ in items) + 12))
    value_width = 70
    plot = max(60, width - label_width - value_width)
    top = max((float(v) for _, v in items), default=0.0) or 1.0
    gap = 6
    height = len(items) * (bar_height + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart bar-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_attr(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = gap + index * (bar_height + gap)
        length = max(1.0, plot * float(value) / top) if float(value) > 0 else 0.0
        text_y = y + bar_height - 5
        parts.append(
            f'<text x="{label_width - 6}" y="{text_y}" text-anchor="end" style="{FONT}">{escape(str(label))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}" '
            f'data-label="{_attr(label)}" data-value="{_attr(value)}"><title>{escape(f"{label}: {value:,}")}</title>'
            f"</rect>"
            f'<text x="{label_width + length + 4:.1f}" y="{text_y}" style="{FONT}">{value:,}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def grouped_bar_chart(
    categories: Sequence[str],
    series: dict[str, Sequence[int | float]],
    title: str,
    *,
    height: int = 220,
    group_width: int = 64,
    empty_message: str = "nothing to chart",
) -> str:
    """Vertical bars: one group per category, one bar per series inside it, with a legend."""
    if not categories or not series:
        return _empty_chart(title, empty_message)
    names = list(series)
    top = max((float(v) for values in series.values() for v in values), default=0.0) or 1.0
    left, bottom, legend = 40, 36, 34  # room above the tallest bar for its value
    plot_height = height - bottom - legend - 8
    # Legend entries are spaced by their label's length (about 7 px a character at 11 px), and the
    # chart is wide enough for them, or a chart of few groups cuts its labels.
    legend_x = [left]
    for name in names:
        legend_x.append(legend_x[-1] + 16 + 7 * len(name) + 18)
    width = max(left + len(categories) * group_width + 10, legend_x[-1])
    bar_width = max(4, (group_width - 12) // len(names))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart grouped-chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_attr(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{legend + plot_height}" x2="{width - 6}" y2="{legend + plot_height}" stroke="#888"/>',
    ]
    for position, name in enumerate(names):
        x = legend_x[position]
        parts.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[position % len(PALETTE)]}"/>'
            f'<text x="{x + 16}" y="14" style="{FONT}">{escape(name)}</text>'
        )
    for index, category in enumerate(categories):
        group_x = left + index * group_width + 6
        for position, name in enumerate(names):
            value = series[name][index]
            bar = plot_height * float(value) / top
            x = group_x + position * bar_width
            y = legend + plot_height - bar
            parts.append(
                f'<rect class="bar" x="{x}" y="{y:.1f}" width="{bar_width - 1}" height="{bar:.1f}" '
                f'fill="{PALETTE[position % len(PALETTE)]}" data-label="{_attr(category)}" '
                f'data-series="{_attr(name)}" data-value="{_attr(value)}">'
                f"<title>{escape(f'{category}, {name}: {value:,}')}</title></rect>"
                f'<text x="{x + (bar_width - 1) / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'style="{FONT};font-size:9px">{value:,}</text>'
            )
        parts.append(
            f'<text x="{group_x + (group_width - 12) / 2:.1f}" y="{legend + plot_height + 16}" text-anchor="middle" '
            f'style="{FONT}">{escape(category)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
