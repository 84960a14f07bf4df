"""Inline SVG bar charts: one bar per figure, lengths in proportion, text escaped, deterministic."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from qvh_migration.reports.evidence_pack.svg_charts import grouped_bar_chart, horizontal_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[ET.Element]:
    return [e for e in ET.fromstring(svg).iter(f"{SVG}rect") if e.get("class") == "bar"]


def test_horizontal_bars_are_in_proportion_and_labelled() -> None:
    svg = horizontal_bar_chart([("missing_mandatory", 40), ("orphan_parent", 10), ("unmapped_code", 0)], "Rejects")
    bars = _bars(svg)
    assert [b.get("data-label") for b in bars] == ["missing_mandatory", "orphan_parent", "unmapped_code"]
    widths = [float(b.get("width")) for b in bars]
    assert abs(widths[0] - 4 * widths[1]) < 1 and widths[0] > 100
    assert widths[2] == 0
    assert "40" in svg and "orphan_parent" in svg


def test_labels_are_escaped() -> None:
    svg = horizontal_bar_chart([("<script>&", 3)], "a <b> title")
    ET.fromstring(svg)  # well-formed XML
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg


def test_empty_chart_says_so() -> None:
    svg = horizontal_bar_chart([], "Rejects", empty_message="no rejected rows")
    assert not _bars(svg) and "no rejected rows" in svg


def test_grouped_bars_one_per_series_and_category() -> None:
    bands = ["0-17", "18-25", "104+"]
    svg = grouped_bar_chart(bands, {"source": [10, 5, 1], "target": [10, 4, 0]}, "weeks")
    bars = _bars(svg)
    assert len(bars) == 6
    assert {(b.get("data-label"), b.get("data-series")) for b in bars} == {
        (band, series) for band in bands for series in ("source", "target")
    }
    height = {(b.get("data-label"), b.get("data-series")): float(b.get("height")) for b in bars}
    assert height[("0-17", "source")] == 2 * height[("18-25", "source")]
    assert svg == grouped_bar_chart(bands, {"source": [10, 5, 1], "target": [10, 4, 0]}, "weeks")


def test_no_external_reference() -> None:
    svg = horizontal_bar_chart([("a", 1)], "t") + grouped_bar_chart(["x"], {"s": [1]}, "t")
    # The only URL is the SVG namespace, which is never fetched.
    assert set(re.findall(r"https?://[^\"' ]+", svg)) == {"http://www.w3.org/2000/svg"}
