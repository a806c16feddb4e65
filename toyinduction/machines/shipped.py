"""The programs shipped in ``programs/``: where they are, and a summary of each."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from toyinduction.machines.toy.assembler import assemble_file
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import Language


def programs_dir() -> Path:
    """Where the shipped programs are: inside the installed package (``toyinduction.shipped_programs``,
    read through importlib.resources, so a wheel works from any directory), or ``programs/`` beside
    the package in a source checkout that was not installed."""
    try:
        shipped = Path(str(resources.files("toyinduction.shipped_programs")))
    except ModuleNotFoundError:
        shipped = None
    if shipped is not None and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "programs"


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
