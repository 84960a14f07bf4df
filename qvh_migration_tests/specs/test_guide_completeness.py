"""An incomplete or shuffled guide is caught from its own printed page numbers and table order.

Guides with pages removed are built at test time from the real guide (skipped when it is absent)
and from the committed stand-in, never stored.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from qvh_migration import settings
from qvh_migration.errors import SpecDocumentError
from qvh_migration.specs.altera_pdf import read_target_guide
from qvh_migration.specs.guide_completeness import check_page_numbers, check_table_runs
from qvh_migration_tests.conftest import STANDIN_SPEC_DIR

STANDIN_GUIDE = STANDIN_SPEC_DIR / settings.STANDIN_TARGET_GUIDE_NAME


def rebuild(source: Path, target: Path, order: list[int]) -> Path:
    """A copy of ``source`` with the given 1-based pages, in the given order."""
    original = pdfium.PdfDocument(str(source))
    copy = pdfium.PdfDocument.new()
    try:
        copy.import_pages(original, [page - 1 for page in order])
        copy.save(str(target))
    finally:
        copy.close()
        original.close()
    return target


def without_pages(source: Path, target: Path, removed: set[int]) -> Path:
    count = len(pdfium.PdfDocument(str(source)))
    return rebuild(source, target, [page for page in range(1, count + 1) if page not in removed])


# ---------------------------------------------------------------- page numbers alone


def test_consecutive_numbers_after_an_unnumbered_cover_pass() -> None:
    check_page_numbers(Path("g.pdf"), [None, 2, 3, 4])
    check_page_numbers(Path("g.pdf"), [None, None])  # nothing printed: nothing to check here


@pytest.mark.parametrize(
    ("numbers", "where", "problem"),
    [
        ([None, 2, 3, 5, 6], "page 4", "printed page 4 missing (printed page 3 is followed by 5)"),
        ([1, 2, 6], "pages 3-5", "printed pages 3-5 missing"),
        ([None, 3, 4], "before printed page 3", "printed page 2 missing (PDF page 2 is printed page 3)"),
        ([1, 2, 2, 3], "page 2", "printed page 2 appears twice (PDF pages 2 and 3)"),
        (
            [1, 3, 2, 4],
            "page 3",
            "pages out of order: printed page 3 follows printed page 1; printed page 2 comes later, at PDF page 3",
        ),
        ([1, 2, 4, 3], "page 4", "pages out of order: printed page 4 follows printed page 2"),
        ([1, 2, 3, 1], "page 1", "pages out of order: printed page 1 follows printed page 3"),
        ([1, 2, None, 3], "after printed page 2", "PDF page 3 has no printed page number"),
    ],
)
def test_gaps_repeats_and_disorder_are_named(numbers: list, where: str, problem: str) -> None:
    with pytest.raises(SpecDocumentError) as caught:
        check_page_numbers(Path("guide.pdf"), numbers)
    assert caught.value.where == where
    assert problem in caught.value.problem
    assert str(caught.value).startswith("guide.pdf (")


def test_an_area_that_comes_back_means_shuffled_pages() -> None:
    check_table_runs(Path("g.pdf"), [("A", "STAFF", 1, 2), ("B", "STAFF", 2, 3), ("C", "PMI", 4, 4)])
    with pytest.raises(SpecDocumentError, match="functional area 'STAFF' comes back at table C"):
        check_table_runs(Path("g.pdf"), [("A", "STAFF", 1, 2), ("B", "PMI", 3, 3), ("C", "STAFF", 4, 4)])


# ---------------------------------------------------------------- the real guide, pages removed


@pytest.mark.parametrize("page", [2, 6, 22, 30, 50, 60, 75, 103])
def test_real_guide_with_a_page_removed_names_the_page(real_target_guide: Path, tmp_path: Path, page: int) -> None:
    broken = without_pages(real_target_guide, tmp_path / real_target_guide.name, {page})
    with pytest.raises(SpecDocumentError) as caught:
        read_target_guide(broken)
    assert caught.value.source == str(broken)
    assert f"printed page {page} missing" in caught.value.problem


def test_real_guide_with_two_pages_removed_names_both(real_target_guide: Path, tmp_path: Path) -> None:
    broken = without_pages(real_target_guide, tmp_path / "guide.pdf", {40, 41})
    with pytest.raises(SpecDocumentError, match="printed pages 40-41 missing"):
        read_target_guide(broken)


def test_real_guide_with_pages_swapped_is_out_of_order(real_target_guide: Path, tmp_path: Path) -> None:
    order = list(range(1, 105))
    order[59], order[60] = order[60], order[59]
    with pytest.raises(SpecDocumentError, match="pages out of order: printed page 61 follows printed page 59"):
        read_target_guide(rebuild(real_target_guide, tmp_path / "guide.pdf", order))


def test_real_guide_with_a_page_repeated(real_target_guide: Path, tmp_path: Path) -> None:
    order = [*range(1, 51), 50, *range(51, 105)]
    with pytest.raises(SpecDocumentError, match="printed page 50 appears twice"):
        read_target_guide(rebuild(real_target_guide, tmp_path / "guide.pdf", order))


# ---------------------------------------------------------------- the stand-in


def test_whole_standin_passes() -> None:
    assert len(read_target_guide(STANDIN_GUIDE).fields) == 884


@pytest.mark.parametrize("page", [2, 10, 30])
def test_standin_with_a_page_removed_names_the_page(tmp_path: Path, page: int) -> None:
    broken = without_pages(STANDIN_GUIDE, tmp_path / "standin.pdf", {page})
    with pytest.raises(SpecDocumentError, match=f"printed page {page} missing"):
        read_target_guide(broken)
