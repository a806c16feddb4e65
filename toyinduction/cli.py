"""The ``toyinduction`` command. It only parses options and calls the library."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import click

from . import __version__
from .language import LANGUAGES, MNEMONICS, SEMANTICS, STACK_EFFECT, HAS_OPERAND, kraft_sum, load_language

#: Budgets above this are refused as absurd (the kernel caps step counts at 2**61).
MAX_BUDGET = 2 ** 61
#: Runs longer than this many steps are sliced, with a progress bar.
PROGRESS_CHUNK = 50_000_000


def emit(document: dict, as_json: bool, text: str) -> None:
    """Print JSON or the human-readable text."""
    click.echo(json.dumps(document, indent=2) if as_json else text)


def library_errors(command):
    """Turn the library's ValueErrors into a one-line error and exit code 1 (no traceback)."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ValueError as error:
            raise click.ClickException(str(error).splitlines()[0] if str(error) else type(error).__name__)
    return wrapper


def language_option(command):
    """--language NAME|FILE.json, resolved to a Language."""
    return click.option("--language", "language_name", default="toy", show_default=True,
                        help=f"Language variant: {', '.join(LANGUAGES)}, or a .json variant file.")(command)


def json_option(command):
    """--json for machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(command)


def budget(name: str, default: int, help_text: str):
    """A non-negative integer budget option, refusing absurd values."""
    return click.option(name, default=default, show_default=True, help=help_text,
                        type=click.IntRange(0, MAX_BUDGET))


def program_bits(target: str, language, data: str = "") -> tuple[str, str]:
    """A program given as a .toy file or a bit string -> (bits, where it came from)."""
    from .assembler import assemble_file
    from .machine import bits_to_array

    if data:
        bits_to_array(data)
    if not target:
        raise ValueError("empty program: give a .toy file or a non-empty bit string")
    path = Path(target)
    if path.is_file() or target.endswith(".toy"):
        return assemble_file(path, language) + data, str(path)
    if not re.fullmatch(r"[01]+", target):
        bad = next(character for character in target if character not in "01")
        raise ValueError(f"{target!r} is neither a file nor a bit string (character {bad!r})")
    return target + data, "bits"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="toyinduction")
def main():
    """toyinduction: Solomonoff induction on a toy universal machine.

    Programs are bit strings of the toy language (a monotone prefix machine); `programs/`
    holds readable assembly. Start with `toyinduction run programs/primes.toy`.
    """


@main.command()
@click.argument("file")
@language_option
@json_option
@library_errors
def asm(file, language_name, as_json):
    """Assemble FILE (toy assembly) to program bits."""
    from .assembler import assemble_file

    language = load_language(language_name)
    bits = assemble_file(file, language)
    emit({"bits": bits, "length": len(bits), "language": language.name, "spec_hash": language.spec_hash},
         as_json, f"{bits}\n{len(bits)} bits")


@main.command()
@click.argument("bits")
@language_option
@click.option("--max-steps", default=100_000, show_default=True, type=click.IntRange(0, MAX_BUDGET),
              help="Steps of the run that finds which bits are read as data.")
@json_option
@library_errors
def disasm(bits, language_name, max_steps, as_json):
    """Disassemble BITS (a string of 0 and 1) to toy assembly."""
    from .assembler import disassemble
    from .machine import bits_to_array

    language = load_language(language_name)
    if not bits:
        raise ValueError("empty bit string")
    bits_to_array(bits)
    text = disassemble(bits, language, max_steps)
    emit({"text": text, "length": len(bits)}, as_json, text.rstrip("\n"))


@main.command("run")
@click.argument("program")
@language_option
@budget("--max-steps", 1_000_000, "Step budget (instructions executed).")
@budget("--output-bits", 64, "Stop after this many output bits.")
@click.option("--data", default="", help="Bits appended after the program (data for read).")
@click.option("--reference", is_flag=True, help="Use the slow pure-Python reference interpreter.")
@json_option
@library_errors
def run_command(program, language_name, max_steps, output_bits, data, reference, as_json):
    """Run PROGRAM (a .toy file or a bit string) and report its output and how it ended."""
    from .interpreter import run
    from .reference import run_reference

    language = load_language(language_name)
    bits, _ = program_bits(program, language, data)
    if output_bits > 1 << 32:
        raise ValueError("--output-bits must be at most 2**32")
    if reference:
        result = run_reference(language, bits, max_steps, output_bits)
    elif max_steps > PROGRESS_CHUNK and not as_json and sys.stderr.isatty():
        with click.progressbar(length=max_steps, label="steps", file=sys.stderr) as bar:
            done = [0]

            def advance(steps):
                bar.update(steps - done[0])
                done[0] = steps
            result = run(language, bits, max_steps, output_bits, chunk_steps=PROGRESS_CHUNK, on_chunk=advance)
    else:
        result = run(language, bits, max_steps, output_bits,
                     chunk_steps=PROGRESS_CHUNK if max_steps > PROGRESS_CHUNK else None)
    document = result.to_json()
    fault = f" ({result.fault.label})" if result.status.label == "fault" else ""
    text = (f"output: {result.output}\nstatus: {result.status.label}{fault}\nsteps: {result.steps}\n"
            f"bits read: {result.bits_read} of {len(bits)}")
    emit(document, as_json, text)


@main.command()
@language_option
@json_option
@library_errors
def spec(language_name, as_json):
    """Show the instruction table of a language: codewords, operands, semantics."""
    language = load_language(language_name)
    rows = [{"mnemonic": m, "codeword": language.codewords[m], "operand": "n" if HAS_OPERAND[m] else "",
             "stack": STACK_EFFECT[m], "semantics": SEMANTICS[m]} for m in language.mnemonics]
    document = {"name": language.name, "spec_hash": language.spec_hash,
                "kraft_sum": str(kraft_sum(language.codewords.values())), "instructions": rows,
                "limits": language.limits, "operand_code": "elias-gamma(n+1)"}
    lines = [f"{language.name}  spec {language.spec_hash}  Kraft sum {document['kraft_sum']}"]
    lines += [f"  {r['mnemonic']:6s} {r['codeword']:>9s} {r['operand']:1s}  {r['stack']:14s} {r['semantics']}"
              for r in rows]
    lines += ["limits: " + ", ".join(f"{k}={v}" for k, v in language.limits.items())]
    emit(document, as_json, "\n".join(lines))


@main.command()
@json_option
def languages(as_json):
    """List the registered language variants."""
    rows = [{"name": name, "spec_hash": language.spec_hash, "instructions": len(language.codewords),
             "dropped": [m for m in MNEMONICS if m not in language.codewords],
             "kraft_sum": str(kraft_sum(language.codewords.values()))} for name, language in LANGUAGES.items()]
    text = "\n".join(f"{r['name']:12s} {r['spec_hash']}  {r['instructions']} instructions"
                     + (f"  (without {', '.join(r['dropped'])})" if r["dropped"] else "") for r in rows)
    emit({"languages": rows}, as_json, text)


@main.command()
@language_option
@click.option("--dir", "directory", default=None, help="Programs directory (default: programs/).")
@budget("--output-bits", 32, "Output bits shown per program.")
@json_option
@library_errors
def programs(language_name, directory, output_bits, as_json):
    """List the shipped programs with their exact lengths and first output bits."""
    from .programs import summary

    rows = summary(load_language(language_name), directory, output_bits)
    text = "\n".join(f"{r['name']:22s} {r['length']:5d} bits  {r['output']:{output_bits}s}  {r['status']}"
                     for r in rows)
    emit({"programs": rows}, as_json, text)


@main.command()
@language_option
@click.option("--quick", is_flag=True, help="Ten times smaller workloads.")
@json_option
@library_errors
def bench(language_name, quick, as_json):
    """Measure the kernel's speed against the pure-Python reference (same run)."""
    from .bench import benchmark

    report = benchmark(load_language(language_name), quick=quick)
    loop, rand = report["loop_heavy"], report["random_programs"]
    text = (f"loop-heavy: kernel {loop['kernel_steps_per_second'] / 1e6:.1f} M steps/s, reference "
            f"{loop['reference_steps_per_second'] / 1e6:.3f} M steps/s, ratio {loop['ratio']:.0f}x "
            f"(target {report['target_steps_per_second'] / 1e6:.0f} M)\n"
            f"random programs ({rand['bits']} bits, {rand['max_steps']} steps): kernel "
            f"{rand['kernel_programs_per_second']:.0f} programs/s ({rand['kernel_steps_per_second'] / 1e6:.1f} M steps/s), "
            f"reference {rand['reference_programs_per_second']:.0f} programs/s, ratio "
            f"{rand['ratio_programs_per_second']:.0f}x")
    emit(report, as_json, text)


if __name__ == "__main__":  # pragma: no cover
    main()
