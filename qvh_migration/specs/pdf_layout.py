"""Positioned words and lines from a PDF's text layer, for layout-driven readers.

pdfium (via pypdfium2) is used instead of pdfplumber because it is an order of magnitude faster:
the whole 104-page migration guide is read in well under a second, where pdfplumber's
``extract_words`` alone takes ~11 s. Pages can also be split over worker processes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from qvh_migration.console import report_progress

# pdfium reports a line-end hyphenation point as U+FFFE (or U+0002); it is a printed hyphen.
_HYPHEN_MARKERS = {0xFFFE, 0x0002}
_MIN_PAGES_PER_WORKER = 24  # below this a process pool costs more than it saves


@dataclass(frozen=True, slots=True)
class Word:
    """A run of non-blank characters; y grows downwards from the top of the page."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # rendered height of the first character's loose box, ~1.2 x font size


@dataclass(frozen=True, slots=True)
class Line:
    """Words sharing a baseline (within a fraction of their height), left to right."""

    page: int  # 1-based
    words: tuple[Word, ...]

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def size(self) -> float:
        return max(w.size for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True, slots=True)
class PageText:
    number: int  # 1-based
    height: float
    words: tuple[Word, ...]


def _char_unicode(textpage: pdfium.PdfTextPage, index: int) -> str:
    code = pdfium_c.FPDFText_GetUnicode(textpage, index)
    if code in _HYPHEN_MARKERS:
        return "-"
    return chr(code) if code else " "


def _words_of_page(page: pdfium.PdfPage) -> list[Word]:
    """Group the page's characters into words, splitting on blanks and on jumps in position
    (pdfium usually inserts a blank between table cells, but not always)."""
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        rect = pdfium_c.FS_RECTF()
        words: list[Word] = []
        chars: list[str] = []
        x0 = x1 = top = bottom = size = 0.0
        soft_break = False
        for index in range(textpage.count_chars()):
            char = _char_unicode(textpage, index)
            if char == " " and pdfium_c.FPDFText_IsGenerated(textpage, index):
                # pdfium also guesses blanks inside letter-spaced headings ("US ERS");
                # whether this one is real is decided from the gap to the next character.
                soft_break = True
                continue
            if char.isspace():
                if chars:
                    words.append(Word("".join(chars), x0, x1, top, bottom, size))
                    chars = []
                continue
            # Loose boxes span the font's full height, so words of one line share top/bottom.
            pdfium_c.FPDFText_GetLooseCharBox(textpage, index, ctypes.byref(rect))
            c_top, c_bottom = height - rect.top, height - rect.bottom
            if chars and _starts_new_word(x1, top, size, rect.left, c_top, soft_break):
                words.append(Word("".join(chars), x0, x1, top, bottom, size))
                chars = []
            soft_break = False
            if not chars:
                x0, top, bottom = rect.left, c_top, c_bottom
                # FPDFText_GetFontSize ignores the text matrix (this guide reports 160 pt),
                # so the loose box height stands in for the rendered size.
                size = c_bottom - c_top
            chars.append(char)
            x1 = max(x1, rect.right) if len(chars) > 1 else rect.right
        if chars:
            words.append(Word("".join(chars), x0, x1, top, bottom, size))
        return words
    finally:
        textpage.close()


def _starts_new_word(prev_x1: float, top: float, size: float, left: float, c_top: float, soft_break: bool) -> bool:
    """Word gaps are ~0.2 of the loose height; letter-spacing in headings stays below 0.15."""
    gap = left - prev_x1
    if abs(c_top - top) > 0.4 * size or gap < -0.5 * size:
        return True
    return gap > (0.17 if soft_break else 0.5) * size


def read_pages(path: str, indices: Sequence[int]) -> list[PageText]:
    """Words of the given 0-based pages; runs in worker processes, so it reopens the file."""
    document = pdfium.PdfDocument(path)
    try:
        result = []
        for index in indices:
            page = document[index]
            try:
                result.append(PageText(index + 1, page.get_height(), tuple(_words_of_page(page))))
            finally:
                page.close()
        return result
    finally:
        document.close()


def page_count(path: str) -> int:
    document = pdfium.PdfDocument(path)
    try:
        return len(document)
    finally:
        document.close()


def _chunks(count: int, parts: int) -> list[list[int]]:
    size = -(-count // parts)
    return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


def extract_pages(path: Path, count: int, workers: int) -> list[PageText]:
    """All pages' words, in page order, using up to ``workers`` processes."""
    parts = max(1, min(workers, count // _MIN_PAGES_PER_WORKER))
    # A daemonic process (e.g. inside another pool) may not start children.
    if parts == 1 or multiprocessing.current_process().daemon:
        pages = read_pages(str(path), range(count))
        report_progress("read guide", path.name, None, f"pages 1-{count} of {count}")
        return pages
    # fork keeps start-up cheap (no re-import of pandas); fall back to the platform default.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    try:
        with ProcessPoolExecutor(max_workers=parts, mp_context=context) as pool:
            futures = [pool.submit(read_pages, str(path), chunk) for chunk in _chunks(count, parts)]
            pages: list[PageText] = []
            for future in futures:
                pages.extend(future.result())
                report_progress("read guide", path.name, None, f"pages 1-{len(pages)} of {count}")
            return pages
    except (BrokenProcessPool, OSError):  # no processes to be had here: read in this one
        return read_pages(str(path), range(count))


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def group_lines(page: PageText) -> list[Line]:
    """Cluster a page's words into lines, top to bottom.

    A word joins the line whose first word's top is within 0.45 of its height; cell text in a
    table row is sometimes offset by a point or so, which this absorbs, while consecutive
    lines (about one height apart) stay separate.
    """
    lines: list[list[Word]] = []
    for word in sorted(page.words, key=lambda w: (w.top, w.x0)):
        if lines and abs(word.top - lines[-1][0].top) <= 0.45 * (word.bottom - word.top):
            lines[-1].append(word)
        else:
            lines.append([word])
    return [Line(page.number, tuple(sorted(ws, key=lambda w: w.x0))) for ws in lines]


def is_furniture(line: Line, height: float) -> bool:
    """Running footer (copyright, page number) in the bottom margin: never document content.
    The guide's header is a logo image, so nothing at the top needs skipping."""
    return line.top > 0.92 * height


@dataclass(frozen=True, slots=True)
class Columns:
    """Left edges of a table's columns, taken from its header words.

    Cell text is left-aligned with the same padding as the header text, so a word belongs to
    the last column whose edge it starts at or after; a small tolerance absorbs rounding.
    Words starting left of the first edge are outside the table.
    """

    edges: tuple[float, ...]
    size: float  # rendered height of the header text; body text has the same size

    @classmethod
    def from_header(cls, words: Sequence[Word]) -> Columns:
        size = max(w.size for w in words)
        return cls(tuple(w.x0 - 0.25 * size for w in words), size)

    def index(self, x0: float) -> int:
        found = -1
        for position, edge in enumerate(self.edges):
            if x0 >= edge:
                found = position
        return found

    def split(self, line: Line) -> list[list[Word]]:
        cells: list[list[Word]] = [[] for _ in self.edges]
        for word in line.words:
            cells[max(self.index(word.x0), 0)].append(word)
        return cells

    def contains(self, line: Line) -> bool:
        """Same size text, not starting left of the table: headings and prose are either."""
        return line.x0 >= self.edges[0] and line.size <= 1.1 * self.size


def header_words(line: Line, names: Sequence[str]) -> tuple[Word, ...] | None:
    """The line's words if it reads exactly ``names`` (any case; "DATA TYPE" in two words)."""
    merged: list[Word] = []
    for word in line.words:
        text = word.text.upper().rstrip(":")
        if merged and merged[-1].text == "DATA" and text == "TYPE":
            merged[-1] = Word("DATATYPE", merged[-1].x0, word.x1, merged[-1].top, merged[-1].bottom, merged[-1].size)
        else:
            merged.append(Word(text, word.x0, word.x1, word.top, word.bottom, word.size))
    return tuple(merged) if [w.text for w in merged] == list(names) else None


def is_upper_case(text: str) -> bool:
    """Headings are set in capitals; prose, even a short line of it, is not."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)
