"""The programs shipped in ``programs/``: where they are, and a summary of each."""

from __future__ import annotations

from pathlib import Path

from .assembler import assemble_file
from .interpreter import run
from .language import Language


def programs_dir() -> Path:
    """``programs/`` beside the package (a source checkout), else ``./programs``."""
    beside_package = Path(__file__).resolve().parent.parent / "programs"
    return beside_package if beside_package.is_dir() else Path("programs")


def program_files(directory: Path | None = None) -> list[Path]:
    """Every ``.toy`` file in the programs directory, sorted by name."""
    directory = Path(directory) if directory is not None else programs_dir()
    if not directory.is_dir():
        raise ValueError(f"{directory}: no programs directory")
    return sorted(directory.glob("*.toy"))


def describe(path: Path) -> str:
    """The first sentence of a program's header comment (after "name.toy —")."""
    header = []
    for line in Path(path).read_text().splitlines():
        if not line.startswith(";"):
            break
        header.append(line.lstrip(";").strip())
    text = " ".join(header)
    text = text.split("—", 1)[1].strip() if "—" in text else text
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def summary(language: Language, directory: Path | None = None, output_bits: int = 32,
            max_steps: int = 10_000_000) -> list[dict]:
    """Name, exact length in bits, first output bits and status of every shipped program."""
    rows = []
    for path in program_files(directory):
        bits = assemble_file(path, language)
        result = run(language, bits, max_steps, output_bits)
        rows.append({"name": path.name, "length": len(bits), "output": result.output,
                     "status": result.status.label, "steps": result.steps, "description": describe(path)})
    return rows
