"""Is the guide we parsed the whole guide? Evidence from the document itself.

A PDF with a page missing still parses: the tables on either side simply lose the rows printed
on that page, and nothing downstream can tell. So before the catalog is built, the reader checks
what the document says about its own completeness:

- **printed page numbers** (the running footer): a gap means pages are missing, a repeat or a
  step back means pages are duplicated or out of order, a numbered document with an unnumbered
  page in the middle has had a page replaced;
- **the tables' own continuity**: a staging table's rows only continue on the page after the
  one they started on, and a functional area is one run of tables (an area seen again after
  another one means the pages are out of order).

Each problem raises :class:`SpecDocumentError` naming the PDF and the missing page or table, so
the target catalog fails before anything is written and the last good catalog stays in place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs import pdf_layout

# The last number of a footer line ("... All rights reserved. 22", "Stand-in guide - page 22").
_TRAILING_NUMBER = re.compile(r"(\d{1,4})\s*$")


def printed_page_number(page: pdf_layout.PageText) -> int | None:
    """The page number printed in the page's footer, if it has one."""
    for line in reversed(pdf_layout.group_lines(page)):
        if not pdf_layout.is_furniture(line, page.height):
            break
        match = _TRAILING_NUMBER.search(line.text)
        if match:
            return int(match.group(1))
    return None


def _pages(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    if list(numbers) == list(range(numbers[0], numbers[-1] + 1)):
        return f"pages {numbers[0]}-{numbers[-1]}"
    return "pages " + ", ".join(map(str, numbers))


def check_page_numbers(path: Path, numbers: Sequence[int | None]) -> None:
    """Printed page numbers must run on by one from PDF page to PDF page.

    ``numbers[i]`` is the printed number of PDF page ``i + 1`` (None when the footer has none).
    Unnumbered pages before the first numbered one are a cover; a document without any printed
    number cannot be checked this way and passes here.
    """
    numbered = [(pdf, printed) for pdf, printed in enumerate(numbers, start=1) if printed is not None]
    if not numbered:
        return
    first_pdf, first_printed = numbered[0]
    if first_printed > first_pdf:  # pages count from the first sheet, cover included
        missing = list(range(first_pdf, first_printed))
        raise SpecDocumentError(
            path,
            f"the document is incomplete: printed {_pages(missing)} "
            f"missing (PDF page {first_pdf} is printed page {first_printed})",
            where=f"before printed page {first_printed}",
        )
    previous_pdf, previous = numbered[0]
    for pdf in range(first_pdf + 1, len(numbers) + 1):
        printed = numbers[pdf - 1]
        if printed is None:
            raise SpecDocumentError(
                path,
                f"PDF page {pdf} has no printed page number, between printed "
                f"page {previous} and the next; a page was replaced or inserted",
                where=f"after printed page {previous}",
            )
        if printed > previous + 1:
            missing = list(range(previous + 1, printed))
            later = [pdf_later for pdf_later in range(pdf + 1, len(numbers) + 1) if numbers[pdf_later - 1] in missing]
            if later:  # the "missing" page is further on: shuffled, not lost
                raise SpecDocumentError(
                    path,
                    f"pages out of order: printed page {printed} follows printed page "
                    f"{previous}; printed page {numbers[later[0] - 1]} comes later, at PDF "
                    f"page {later[0]}",
                    where=f"page {printed}",
                )
            raise SpecDocumentError(
                path,
                f"the document is incomplete: printed {_pages(missing)} "
                f"missing (printed page {previous} is followed by {printed})",
                where=_pages(missing),
            )
        if printed == previous:
            raise SpecDocumentError(
                path,
                f"printed page {printed} appears twice (PDF pages {previous_pdf} and {pdf})",
                where=f"page {printed}",
            )
        if printed < previous:
            raise SpecDocumentError(
                path,
                f"pages out of order: printed page {printed} follows printed "
                f"page {previous} (PDF pages {previous_pdf}-{pdf})",
                where=f"page {printed}",
            )
        previous_pdf, previous = pdf, printed


def check_pages(path: Path, pages: Sequence[pdf_layout.PageText]) -> None:
    """Check the extracted pages' printed numbers (see :func:`check_page_numbers`)."""
    check_page_numbers(path, [printed_page_number(page) for page in pages])


def check_table_runs(path: Path, tables: Sequence[tuple[str, str, int, int]]) -> None:
    """``(table, functional area, first page, last page)`` in document order.

    Tables follow one another through the document, and a functional area is one run of
    tables: a table starting before the previous one ended, or an area that comes back after
    another, means pages were shuffled.
    """
    seen_areas: dict[str, str] = {}
    previous: tuple[str, str, int, int] | None = None
    for name, area, start, end in tables:
        if previous is not None:
            before, before_area, _, before_end = previous
            if start < before_end:
                raise SpecDocumentError(
                    path,
                    f"table {name} starts on page {start}, before {before} "
                    f"ends on page {before_end}; pages out of order",
                    where=name,
                )
            if area and area != before_area and area in seen_areas:
                raise SpecDocumentError(
                    path,
                    f"functional area {area!r} comes back at table {name} after "
                    f"{before_area!r} (first at {seen_areas[area]}); pages out of order",
                    where=f"{name}, page {start}",
                )
        if area:
            seen_areas.setdefault(area, name)
        previous = (name, area, start, end)
