"""The README stays short and runnable, and the documentation site builds with every link whole.

``mkdocs build --strict`` fails on a link to a missing page or heading and on a page left out of
the nav (``mkdocs.yml``'s validation); the link check here also covers the README, which MkDocs
does not build.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from qvh_migration import settings

ROOT = settings.PROJECT_ROOT
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_LINES = 150
# CI (.ci/run) runs this command on a clean clone: the README must give it as the way to test.
TEST_COMMAND = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/pytest -q -n auto --dist loadscope"
)
FENCED = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)
# Paths that exist only on one machine; examples in the docs use placeholders or /srv, /opt, /secure.
MACHINE_PATHS = re.compile(r"(?<![\w.])/(?:work|tmp|home)/")


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """The text without code, where a bracket and parenthesis are not a link."""
    return INLINE_CODE.sub("", FENCED.sub("", text))


def relative_links(text: str) -> list[str]:
    """Targets of the Markdown links and images that point into the repository."""
    return [t for t in LINK.findall(prose(text)) if not re.match(r"^[a-z][a-z0-9+.-]*:", t, re.I)]


def slug(heading: str) -> str:
    """A heading's anchor as MkDocs (Python-Markdown's toc) and GitHub spell it for plain headings."""
    text = re.sub(r"[^\w\s-]", "", INLINE_CODE.sub(lambda m: m.group(0)[1:-1], heading)).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in HEADING.findall(FENCED.sub("", path.read_text(encoding="utf-8")))}


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """One line per link of ``path`` whose file, or heading within a Markdown file, does not exist."""
    problems = []
    name_of = path.relative_to(root)
    for target in relative_links(path.read_text(encoding="utf-8")):
        name, _, fragment = target.partition("#")
        resolved = (path.parent / name).resolve() if name else path
        if not resolved.exists():
            problems.append(f"{name_of}: link to {target}: no such file")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            problems.append(f"{name_of}: link to {target}: no such heading")
    return problems


def test_readme_is_short() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


def test_readme_gives_the_command_ci_runs() -> None:
    assert TEST_COMMAND in README.read_text(encoding="utf-8")
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_relative_link_resolves() -> None:
    assert [problem for path in markdown_files() for problem in broken_links(path)] == []


def test_no_machine_specific_paths() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in markdown_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if MACHINE_PATHS.search(line)
    ]
    assert found == []


def test_link_check_sees_a_broken_link(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("# A heading\n", encoding="utf-8")
    page.write_text(
        "[ok](there.md#a-heading) [gone](missing.md) [no heading](there.md#other) `[code](x.md)`\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "page.md: link to missing.md: no such file",
        "page.md: link to there.md#other: no such heading",
    ]


def test_mkdocs_strict_build(tmp_path: Path) -> None:
    # The venv's own interpreter: the pinned MkDocs of the dev extra, whatever is on the PATH.
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", "mkdocs.yml"]
    done = subprocess.run(
        [*command, "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-4000:]
    assert (tmp_path / "index.html").is_file()
