"""The README and the pages in docs/ agree with the code, and stand on their own: the reference
tables match the code, the README stays short and links every page, every relative link resolves
inside the repository, and nothing refers to anything outside it."""

import re
import unicodedata
from pathlib import Path

from toyinduction.machines.toy.language import INSTRUCTION_TABLE, TOY
from toyinduction.machines.shipped import summary

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text()
README_LIMIT = 12_000                                   # characters: the README is a front page
#: pages the README links that are written separately; each is checked like any other page as soon
#: as it exists (remove it from here once it is in the repository)
WRITTEN_SEPARATELY = set()
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _pages():
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def test_instruction_table_in_the_language_doc_matches_the_spec():
    language = (DOCS / "language.md").read_text()
    assert f"spec hash `{TOY.spec_hash}`" in language
    for mnemonic, _, operand, stack, semantics in INSTRUCTION_TABLE:
        row = f"| `{mnemonic}` | `{TOY.codewords[mnemonic]}` | {'n' if operand else ''} | `{stack}` | {semantics} |"
        assert row in language, f"docs/language.md row for {mnemonic} is stale: {row}"


def test_program_lengths_in_the_programs_doc_are_the_assembled_lengths():
    programs = (DOCS / "programs.md").read_text()
    for row in summary(TOY, output_bits=24):
        assert f"| `{row['name']}` | {row['length']} | `{row['output']}` |" in programs, row["name"]


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert len(commands) >= 2, "the README needs the demo and the test command near the top"
    ci = (ROOT / ".ci" / "run").read_text()
    for part in commands[1].split("&&"):
        assert part.strip() in ci, f"CI does not run {part.strip()!r}"


def test_the_readme_is_short():
    assert len(README) <= README_LIMIT, f"README.md has {len(README)} characters; move detail into docs/"


def test_the_readme_links_every_docs_page():
    documentation = README[README.index("## Documentation"):]
    linked = {(ROOT / target).resolve() for target in LINK.findall(documentation) if target.startswith("docs/")}
    for page in DOCS.glob("*.md"):
        assert page.resolve() in linked, f"README's Documentation section does not list {page.name}"
    for page in linked:
        assert page.suffix == ".md" and page.parent == DOCS.resolve(), page
        assert page.is_file() or page in WRITTEN_SEPARATELY, f"README links {page.name}, which does not exist"


def _anchor(heading: str) -> str:
    """The anchor a heading gets on GitHub: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower()
    text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return text.replace(" ", "-")


def _anchors(page: Path) -> set:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {_anchor(heading) for heading in re.findall(r"^#{1,6} (.+)$", text, re.M)}


def test_every_relative_link_resolves_inside_the_repository():
    for page in _pages():
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)     # code blocks are not links
        for target in LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                continue                                    # a URL: not a file of the repository
            path, _, fragment = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page.resolve()
            assert resolved.is_relative_to(ROOT), f"{page.name} links {target}, outside the repository"
            if resolved in WRITTEN_SEPARATELY and not resolved.exists():
                continue
            assert resolved.exists(), f"{page.name} links {target}, which does not exist"
            if fragment and resolved.suffix == ".md":
                assert fragment in _anchors(resolved), f"{page.name} links {target}: no such heading"


def test_nothing_points_outside_the_repository():
    """The project's docs carry their own account: no file refers to a design brief or a folder
    beside the repository, and no page refers to a tracker's issues."""
    outside = re.compile(r"DESIGN\.md|\.\./shared")
    for path in ROOT.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".md", ".toy", ".lam", ".toml", ".json", ".txt") and not any(
                part.startswith(".") or part in ("build", "dist") or part.endswith(".egg-info")
                for part in path.relative_to(ROOT).parts):
            assert not outside.search(path.read_text(errors="ignore")), path
    tracker = re.compile(r"\bthe issues?\b|\bissues? #?\d+", re.I)
    for page in _pages():
        assert not tracker.search(page.read_text()), f"{page.name} refers to an issue"
