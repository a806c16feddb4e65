"""docs/cli.md's "Every option" section is the --help of every command, as this version prints it.

Regenerate it after changing an option: ``TOYINDUCTION_WRITE_DOCS=1 python -m pytest tests/test_cli_reference.py``.
"""

import os
from pathlib import Path

import click
from click.testing import CliRunner

from toyinduction.cli import main

PAGE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
START, END = "## Every option\n", "\n## "


def _commands(group, path=()):
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            yield from _commands(command, path + (name,))
        else:
            yield path + (name,)


def _help(path) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="toyinduction", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output.rstrip("\n")


def reference_section() -> str:
    """The section as the code prints it."""
    parts = ["## Every option", "", "The `--help` of every command, as printed by this version (a test keeps it "
             "so). The command itself:", "", "```", _help(()), "```", "",
             "`python -m toyinduction` is the same command."]
    for path in _commands(main):
        parts += ["", f"### `toyinduction {' '.join(path)}`", "", "```", _help(path), "```"]
    return "\n".join(parts) + "\n"


def test_the_cli_reference_is_the_help_the_commands_print():
    text = PAGE.read_text()
    start = text.index(START)
    end = text.find(END, start + len(START))
    end = len(text) if end < 0 else end + 1
    current = reference_section()
    if os.environ.get("TOYINDUCTION_WRITE_DOCS"):
        text = text[:start] + current + text[end:]
        PAGE.write_text(text)
        end = start + len(current)
    assert text[start:end] == current, ("docs/cli.md's option reference is stale: regenerate it with "
                                        "TOYINDUCTION_WRITE_DOCS=1 python -m pytest tests/test_cli_reference.py")
