"""The README's reference material and commands agree with the code."""

import re
from pathlib import Path

from toyinduction.machines.toy.language import INSTRUCTION_TABLE, TOY
from toyinduction.machines.shipped import summary

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_instruction_table_in_readme_matches_the_spec():
    assert f"spec hash `{TOY.spec_hash}`" in README
    for mnemonic, _, operand, stack, semantics in INSTRUCTION_TABLE:
        row = f"| `{mnemonic}` | `{TOY.codewords[mnemonic]}` | {'n' if operand else ''} | `{stack}` | {semantics} |"
        assert row in README, f"README row for {mnemonic} is stale: {row}"


def test_program_lengths_in_readme_are_the_assembled_lengths():
    for row in summary(TOY, output_bits=24):
        assert f"| `{row['name']}` | {row['length']} | `{row['output']}` |" in README, row["name"]


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    assert len(commands) >= 2, "the README needs the demo and the test command near the top"
    ci = (ROOT / ".ci" / "run").read_text()
    for part in commands[1].split("&&"):
        assert part.strip() in ci, f"CI does not run {part.strip()!r}"


def test_nothing_points_outside_the_repository():
    """The project's docs carry their own account: no file refers to a design brief or a folder
    beside the repository."""
    outside = re.compile(r"DESIGN\.md|\.\./shared")
    for path in ROOT.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".md", ".toy", ".lam", ".toml", ".json", ".txt") and not any(
                part.startswith(".") or part in ("build", "dist") or part.endswith(".egg-info")
                for part in path.relative_to(ROOT).parts):
            assert not outside.search(path.read_text(errors="ignore")), path
