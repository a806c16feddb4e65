"""The programs shipped in ``programs/``: where they are, and a summary of each."""

from __future__ import annotations

from importlib import resources
from pathlib import Path



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


def program_files(directory: Path | None = None, suffix: str = ".toy") -> list[Path]:
    """Every program file with ``suffix`` in the programs directory, sorted by name."""
    directory = Path(directory) if directory is not None else programs_dir()
    if not directory.is_dir():
        raise ValueError(f"{directory}: no programs directory")
    try:     # (glob would take an unreadable directory for an empty one)
        return sorted(path for path in directory.iterdir() if path.name.endswith(suffix)
                      and not path.name.startswith("."))
    except OSError as error:
        raise ValueError(f"{directory}: cannot read the programs directory ({error.strerror or error})") from None


def shipped_program(name: str) -> Path | None:
    """A shipped program by file name (``primes.toy``), or None: so ``run primes.toy`` works
    from any directory."""
    from toyinduction.core import names_a_file

    path = programs_dir() / name
    return path if Path(name).name == name and names_a_file(path) else None  # (a name the OS refuses: none)


def assembled_programs(machine="toy", directory: Path | None = None) -> tuple[list, list]:
    """Every shipped program of ``machine`` (a Machine or its name: the files with its source
    suffix) that assembles in it, as (path, bits) pairs, and the names of those that do not, as
    (name, reason) pairs: a variant that drops ``eval`` cannot assemble ``eval_replay.toy``, which
    is then skipped, never fatal (:func:`skipped_note` says so in one line)."""
    from toyinduction.machines import machine as machine_named

    chosen = machine_named(machine)
    programs, skipped = [], []
    for path in program_files(directory, chosen.source_suffix):
        try:
            programs.append((path, chosen.assemble_file(path)))
        except ValueError as error:
            skipped.append((path.name, str(error).splitlines()[0] if str(error) else type(error).__name__))
    return programs, skipped


def skipped_note(skipped, machine_name: str, shown: int = 3) -> str | None:
    """One line on the shipped programs skipped because they do not assemble in ``machine_name``
    (how many, the first ``shown`` names), or None when none was skipped."""
    names = [item[0] if isinstance(item, (tuple, list)) else str(item) for item in skipped]
    if not names:
        return None
    listed = ", ".join(names[:shown]) + (f" and {len(names) - shown} more" if len(names) > shown else "")
    counted = "1 shipped program does" if len(names) == 1 else f"{len(names)} shipped programs do"
    return f"note: {counted} not assemble in {machine_name} and {'was' if len(names) == 1 else 'were'} skipped: {listed}"


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


def summary(machine="toy", directory: Path | None = None, output_bits: int = 32,
            max_steps: int = 10_000_000, skipped: list | None = None) -> list[dict]:
    """Name, exact length in bits, first output bits and status of every shipped program of
    ``machine`` (a Machine or its name: the files with its source suffix) that assembles in it;
    the (name, reason) of each that does not is appended to ``skipped`` when a list is given."""
    from toyinduction.machines import machine as machine_named

    chosen = machine_named(machine)
    rows = []
    programs, not_assembled = assembled_programs(chosen, directory)
    if skipped is not None:
        skipped.extend(not_assembled)
    for path, bits in programs:
        result = chosen.run(bits, max_steps=max_steps, output_bits=output_bits)
        row = {"name": path.name, "length": len(bits), "output": result.output,
               "status": result.status.label, "steps": result.steps, "description": describe(path)}
        if file_constants(path):
            row["constants"] = file_constants(path)
        rows.append(row)
    return rows


def file_constants(path) -> dict:
    """The ``const NAME VALUE`` lines of a program file (the constants its length is measured at:
    a world program's seed, depth, quiet frames, …; the demo assembles it at its world's)."""
    import re

    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return {}
    return {name: int(value) for name, value in re.findall(r"(?mi)^\s*const\s+([A-Za-z_][\w.-]*)\s+(\d{1,19})\b", text)}
