"""Every citation of the repository's docs resolves (see the introductions of both docs).

Code, tests and docs cite ``docs/api.md §N`` and ``docs/architecture.md §N`` (a bare ``§N`` in
code means docs/api.md; inside a doc it means that doc), or a section by title
(``docs/api.md, "Errors"``). Each cited number must be a numbered heading of that document and each
title part of one of its headings. No file may cite a document a clone does not have (the
contract and design notes outside the repository). The module map of docs/architecture.md §1.1
may only name paths that exist.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve()
DOCS = {"api": ROOT / "docs" / "api.md", "architecture": ROOT / "docs" / "architecture.md"}
SKIP_DIRS = {
    ".git",
    ".venv",
    ".pgdata",
    ".cluster",
    "__pycache__",
    "node_modules",
    "htmlcov",
    "staticfiles",
    ".ruff_cache",
}
SCANNED_SUFFIXES = {".py", ".md", ".txt", ".html", ".yaml", ".yml", ".toml", ".sh", ".json", ".example"}
SCANNED_NAMES = {"Makefile", "Dockerfile", "run"}

HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*$")
HEADING_NUMBER = re.compile(r"^(\d+[a-z]?(?:\.\d+)*)\.?\s")
DOC_MENTION = re.compile(r"(?:docs/)?\b(api|architecture)\.md\b")
SECTION = re.compile(r"§\s?(\d+[a-z]?(?:\.\d+)*)")
TITLE_CITATION = re.compile(r"(?:docs/)?\b(api|architecture)\.md,\s*\"([^\"]+)\"")
# Documents that exist only outside the repository (a clone has none of them).
FOREIGN_DOCS = re.compile(r"\.\./shared/|API_CONTRACT|\bDESIGN\.md\b")


def headings(doc: Path) -> list[str]:
    """The heading texts of a Markdown file, fenced code blocks excluded."""
    found, fenced = [], False
    for line in doc.read_text().splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            found.append(match[1])
    return found


def section_numbers(doc: Path) -> set[str]:
    return {m[1] for text in headings(doc) if (m := HEADING_NUMBER.match(text))}


def scanned_files() -> list[Path]:
    """The repository's text files, this one excepted (its examples cite sections on purpose)."""
    files = []
    for directory, subdirectories, names in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in names:
            path = Path(directory) / name
            if (path.suffix in SCANNED_SUFFIXES or name in SCANNED_NAMES) and path != THIS_FILE:
                files.append(path)
    return sorted(files)


def default_doc(path: Path) -> str:
    """What a bare § means in this file: the doc itself inside a doc, docs/api.md elsewhere."""
    for name, doc in DOCS.items():
        if path == doc:
            return name
    return "api"


def citations(path: Path) -> list[tuple[int, str, str]]:
    """``(line, doc, section)`` for every § in the file; a § belongs to the nearest doc named
    before it on the same line, else to the file's default."""
    found = []
    fallback = default_doc(path)
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        mentions = [(m.start(), m[1]) for m in DOC_MENTION.finditer(line)]
        for match in SECTION.finditer(line):
            before = [name for start, name in mentions if start < match.start()]
            found.append((number, before[-1] if before else fallback, match[1]))
    return found


def test_docs_have_numbered_sections():
    assert {"0", "2.1", "3.1", "16", "29a", "33"} <= section_numbers(DOCS["api"])
    assert {"1.1", "2", "3.1", "3.2"} <= section_numbers(DOCS["architecture"])


def test_every_section_citation_resolves():
    numbers = {name: section_numbers(doc) for name, doc in DOCS.items()}
    dangling = [
        f"{path.relative_to(ROOT)}:{line} cites docs/{doc}.md §{section}"
        for path in scanned_files()
        for line, doc, section in citations(path)
        if section not in numbers[doc]
    ]
    assert dangling == []


def test_every_title_citation_resolves():
    titles = {name: [text.lower() for text in headings(doc)] for name, doc in DOCS.items()}
    dangling = []
    for path in scanned_files():
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            for match in TITLE_CITATION.finditer(line):
                doc, title = match[1], match[2].lower()
                if not any(title in heading for heading in titles[doc]):
                    dangling.append(f'{path.relative_to(ROOT)}:{number} cites docs/{doc}.md, "{match[2]}"')
    assert dangling == []


def test_nothing_cites_a_document_outside_the_repository():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in scanned_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if FOREIGN_DOCS.search(line)
    ]
    assert offenders == []


def module_map_paths() -> list[str]:
    """The paths of the module map (the first fenced block after the "Module map" heading):
    two spaces of indentation per level, the name first on each line."""
    lines = DOCS["architecture"].read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if HEADING.match(line) and "Module map" in line)
    opening = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
    paths, stack = [], []
    for line in lines[opening + 1 :]:
        if line.startswith("```"):
            break
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        name = line.split()[0]
        stack[depth:] = [name.rstrip("/")]
        paths.append("/".join(stack))
    return paths


def test_the_module_map_names_only_existing_paths():
    paths = module_map_paths()
    assert len(paths) > 100
    assert [path for path in paths if not (ROOT / path).exists()] == []


MARKDOWN_LINK = re.compile(r"\]\(([^)\s]*?\.md)?#([^)\s]+)\)")


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_every_link_to_a_heading_resolves():
    pages = [ROOT / "README.md", *DOCS.values()]
    dangling = []
    for page in pages:
        for number, line in enumerate(page.read_text().splitlines(), start=1):
            for match in MARKDOWN_LINK.finditer(line):
                target = (page.parent / match[1]).resolve() if match[1] else page
                if match[2] not in {anchor(text) for text in headings(target)}:
                    dangling.append(f"{page.relative_to(ROOT)}:{number} links to {match[0]}")
    assert dangling == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("see docs/api.md §4, §6.2 and §6.12", [("api", "4"), ("api", "6.2"), ("api", "6.12")]),
        ("(docs/architecture.md §3.1); the envelope (§2)", [("architecture", "3.1"), ("architecture", "2")]),
        ("the contract's order of checks (§3.1)", [("api", "3.1")]),
        ("docs/api.md §9–§14 and docs/architecture.md §3.2", [("api", "9"), ("api", "14"), ("architecture", "3.2")]),
        ("stock alerts (§29a)", [("api", "29a")]),
    ],
)
def test_citations_are_attributed_to_the_doc_named_before_them(tmp_path, line, expected):
    path = tmp_path / "module.py"
    path.write_text(f"# {line}\n")
    assert [(doc, section) for _, doc, section in citations(path)] == expected


def test_a_dangling_citation_is_reported(tmp_path):
    path = tmp_path / "module.py"
    path.write_text("# docs/api.md §99 and docs/architecture.md §42.7\n")
    numbers = {name: section_numbers(doc) for name, doc in DOCS.items()}
    assert [(doc, s) for _, doc, s in citations(path) if s not in numbers[doc]] == [
        ("api", "99"),
        ("architecture", "42.7"),
    ]


def test_the_middleware_table_lists_the_settings_in_order():
    """docs/architecture.md §2.2 is the reading guide to MIDDLEWARE: every class, in order."""
    from django.conf import settings

    text = DOCS["architecture"].read_text()
    section = text[text.index("### 2.2 Middleware") : text.index("### 2.3")]
    rows = re.findall(r"^\| (\d+) \| `([\w.]+)` \|", section, flags=re.M)
    assert [int(number) for number, _ in rows] == list(range(len(rows)))
    assert [name for _, name in rows] == list(settings.MIDDLEWARE)
