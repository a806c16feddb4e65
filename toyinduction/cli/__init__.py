"""The ``toyinduction`` command. It only parses options and calls the library."""

from __future__ import annotations

import signal
import threading

#: A Ctrl-C that came while the command line was still being loaded (before ``main`` runs): noted,
#: not raised (a KeyboardInterrupt inside an import is a traceback, or is dropped by the code it
#: lands in); ``main`` then ends the command with the one "interrupted" line.
_INTERRUPTED_WHILE_LOADING: list = []


def _note_interrupt(signum, frame) -> None:
    """The SIGINT handler while the command line loads (see above)."""
    _INTERRUPTED_WHILE_LOADING.append(signum)


if threading.current_thread() is threading.main_thread() \
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _note_interrupt)

import functools  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import click  # noqa: E402

from toyinduction import __version__, validate
from toyinduction.cli.progress import ProgressBar
from toyinduction.core import bit_sequence, names_a_file
from toyinduction.machines.toy.language import LANGUAGES, MNEMONICS, kraft_sum
from toyinduction.validate import MAX_BUDGET
#: Runs longer than this many steps are sliced, with a progress bar.
PROGRESS_CHUNK = 50_000_000


def emit(document: dict, as_json: bool, text: str) -> None:
    """Print JSON or the human-readable text."""
    click.echo(json.dumps(document, indent=2) if as_json else text)


def warn_before(*warnings) -> None:
    """Print each warning that is not None on stderr (``Warning: ...``), before a computation
    that cannot finish in a human time starts (toyinduction.engine.stop estimates them)."""
    for line in warnings:
        if line:
            click.echo(f"Warning: {line}", err=True)


def warn_before_enumeration(chosen, max_bits: int, max_steps: int, workers: int) -> None:
    """Warn when enumerating ``chosen``'s programs of up to ``max_bits`` bits (toy machines: the
    estimated count at the measured rate) or running one that never stops to ``max_steps`` steps
    cannot finish in a human time."""
    from toyinduction.engine.stop import steps_warning

    language = getattr(chosen, "language", None)
    if language is not None:
        from toyinduction.machines.toy.enumerate import enumeration_warning

        warn_before(enumeration_warning(language, max_bits, workers))
    warn_before(steps_warning(max_steps, each=True))


#: Lines for stderr that a command leaves with :func:`note`; printed once it succeeds (an error prints its one line alone).
NOTES: list = []


def note(text: str) -> None:
    """Say ``text`` on stderr after the command succeeds (a skipped program, a degenerate variant)."""
    if text not in NOTES:
        NOTES.append(text)


def library_errors(command):
    """Turn the library's ValueErrors into a one-line error and exit code 1 (no traceback); on
    success, print the command's :func:`note` lines on stderr."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        NOTES.clear()
        try:
            result = command(*args, **kwargs)
            for line in NOTES:
                click.echo(line, err=True)
            return result
        except ValueError as error:
            raise click.ClickException(str(error).splitlines()[0] if str(error) else type(error).__name__)
        except OSError as error:     # a path the system refuses: a directory, below a file, read-only, ...
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(f"{where}{error.strerror or type(error).__name__}")
        except MemoryError as error:  # (numpy's _ArrayMemoryError too): what the limits did not foresee
            raise click.ClickException(out_of_memory(error)) from None
    return wrapper


def out_of_memory(error: MemoryError) -> str:
    """The one line for a MemoryError: how much could not be allocated (when numpy says) and
    what to lower."""
    said = " ".join(str(error).split())
    amount = re.match(r"Unable to allocate ([0-9.]+ [KMGTPE]?i?B)", said)
    what = f" (could not allocate {amount.group(1)})" if amount else ""
    return (f"out of memory{what}: lower the budgets (--output-bits, --max-bits, --max-steps, --count, --workers) "
            f"or the language variant's limits, or run where more memory is allowed")


def machine_option(kinds: str = "prefix"):
    """--machine NAME (alias --language): a machine of the registry; ``kinds`` says which the
    command takes: "prefix" (toy variants and blc), "all" (and tm) or "variants" (toy variants)."""
    from toyinduction.machines import PREFIX_MACHINES, machine_names

    names = {"prefix": PREFIX_MACHINES, "all": machine_names(), "variants": tuple(LANGUAGES)}[kinds]
    return click.option("--machine", "--language", "machine_name", default=None, metavar="NAME",
                        help=f"Machine: {', '.join(names)}, or a .json toy variant (default: toy, or the machine "
                             f"whose files end like the one given).")


def chosen_machine(machine_name, kinds: str = "prefix", file: str | None = None):
    """The Machine named on the command line; without a name, the one whose source files end like
    ``file`` (a .lam file -> blc), else toy. Refuses a machine the command does not take."""
    from toyinduction.machines import bits_machine, is_toy_variant, machine, machine_for_file

    if machine_name is None:
        by_suffix = machine_for_file(file) if file is not None else None
        return by_suffix if by_suffix is not None else machine("toy")
    chosen = bits_machine(machine_name) if kinds == "prefix" else machine(machine_name)
    if kinds == "variants" and not is_toy_variant(chosen):
        raise ValueError(f"this command takes a toy variant ({', '.join(LANGUAGES)} or a .json file), not {chosen.name}")
    for warning in (chosen.language.warnings if is_toy_variant(chosen) else ()):
        note(f"warning: language {chosen.name}: {warning}")
    return chosen


def json_option(command):
    """--json for machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(command)


class Checked(click.IntRange):
    """An integer option's type: the command line parses the text, the library's checker
    (:mod:`toyinduction.validate`) refuses what the API refuses, with the same message (exit 2).
    The range shown in --help is the checker's."""

    def __init__(self, check: validate.Bounded):
        super().__init__(check.low, check.high)
        self.check = check

    def convert(self, value, param, ctx):
        """Parse ``value`` (text that is not a number goes to the checker as it is, which names it)."""
        if isinstance(value, str):
            try:
                value = self.check.kind(value.strip())
            except ValueError:
                pass
        try:
            return self.check(value)
        except ValueError as error:
            raise click.UsageError(str(error), ctx) from None


class CheckedFloat(click.FloatRange):
    """A real-valued option's type, checked as :class:`Checked` checks an integer."""

    def __init__(self, check: validate.Bounded):
        super().__init__(check.low, check.high)
        self.check = check

    convert = Checked.convert


def checked(check: validate.Bounded):
    """The option type that parses and then calls ``check``."""
    return CheckedFloat(check) if check.kind is float else Checked(check)


def workers_option(command):
    """--workers N: threads (or local dask processes); default all cores."""
    return click.option("--workers", default=validate.DEFAULT_WORKERS, show_default="all cores",
                        type=checked(validate.WORKERS), help="Threads (or local dask processes).")(command)


def budget(name: str, default: int, help_text: str):
    """A positive integer budget option, refusing zero, negative and absurd values."""
    return click.option(name, default=default, show_default=True, help=help_text,
                        type=click.IntRange(1, MAX_BUDGET))


def program_bits(target: str, chosen, data: str = "") -> tuple[str, str]:
    """A program given as an assembly file, a shipped program's name, or a bit string -> (bits, where it came from)."""
    from toyinduction.core import bits_to_array
    from toyinduction.machines.shipped import shipped_program

    if data:
        bits_to_array(data)
    if not target:
        raise ValueError("empty program: give an assembly file or a non-empty bit string")
    path = Path(target)
    if re.fullmatch(r"[01]+", target) and not names_a_file(path):   # bits (any length: not asked of the OS as a name)
        return target + data, "bits"
    if not names_a_file(path) and shipped_program(target) is not None:
        path = shipped_program(target)
    if names_a_file(path) or target.endswith(chosen.source_suffix):
        return chosen.assemble_file(path) + data, str(path)
    if not re.fullmatch(r"[01]+", target):
        bad = next(character for character in target if character not in "01")
        raise ValueError(f"{target!r} is neither a file nor a bit string (character {bad!r})")
    return target + data, "bits"


#: What click raises for a group given no command (click >= 8.2); nothing to catch before that.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class OneLineErrors(click.Group):
    """Every error is one line on stderr: ``Error: …`` (exit 2 for a bad option or argument,
    1 for bad input the library refused, 130 for Ctrl-C). No usage dump, no traceback."""

    def main(self, *args, **kwargs):
        """Run the command; turn every error into one line. Ctrl-C also sets the kernels' stop flag
        (so a KeyboardInterrupt that Python code swallows, as numba's compiler does, still stops
        the next kernel), and once a real command line's command has finished, a late Ctrl-C no
        longer kills a process whose output is already written."""
        from toyinduction.engine.stop import clear_stop, request_stop

        def interrupt(signum, frame):
            request_stop()
            while frame is not None:      # inside numba's compiler a KeyboardInterrupt is printed and
                if frame.f_globals.get("__name__", "").startswith(("numba.", "llvmlite.")):   # dropped:
                    return                # the flag alone stops the kernel it is compiling, at its first poll
                frame = frame.f_back
            raise KeyboardInterrupt

        own_process = not args and kwargs.get("args") is None        # the console script, not an in-process call
        previous = (signal.signal(signal.SIGINT, interrupt) if threading.current_thread() is threading.main_thread()
                    else None)
        if previous is _note_interrupt:            # (the loading-time handler is not put back)
            previous = signal.default_int_handler
        interrupted_while_loading = bool(_INTERRUPTED_WHILE_LOADING) and own_process
        _INTERRUPTED_WHILE_LOADING.clear()
        clear_stop()
        try:
            self._main_one_line(interrupted_while_loading, *args, **kwargs)
        finally:
            clear_stop()
            if previous is not None:
                signal.signal(signal.SIGINT, signal.SIG_IGN if own_process else previous)

    def _main_one_line(self, interrupted_while_loading: bool, *args, **kwargs):
        """:meth:`main` without the signal handling."""
        kwargs["standalone_mode"] = False
        try:
            if interrupted_while_loading:
                raise KeyboardInterrupt
            result = super().main(*args, **kwargs)
        except NO_ARGS_IS_HELP as error:        # `toyinduction`, `toyinduction tm`: the help, not an error
            click.echo(error.ctx.get_help())
            sys.exit(0)
        except click.exceptions.UsageError as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(2)
        except click.ClickException as error:
            ProgressBar.close_all()
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except MemoryError as error:            # (a command without library_errors)
            ProgressBar.close_all()
            click.echo(f"Error: {out_of_memory(error)}", err=True)
            sys.exit(1)
        except (click.exceptions.Abort, KeyboardInterrupt):
            ProgressBar.close_all(newline=False)   # click has ended the line on Ctrl-C
            click.echo("Error: interrupted (finished chunks of an enumeration are kept; run it again to resume)",
                       err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="toyinduction")
def main():
    """toyinduction: Solomonoff induction on small universal machines, and how consequentialist
    programs take over its posterior.

    Machines (--machine): the toy stack machine and its variants, binary lambda calculus (blc),
    Turing machines (tm); `toyinduction machines` lists them. Start with `toyinduction programs`,
    `toyinduction run primes.toy` and `toyinduction demo`.
    """


@main.command()
@click.argument("file")
@machine_option()
@json_option
@library_errors
def asm(file, machine_name, as_json):
    """Assemble FILE to program bits: toy assembly (.toy), or named lambda terms (.lam) to binary
    lambda calculus. A shipped program can be named without its folder (primes.toy)."""
    from toyinduction.machines.shipped import shipped_program

    chosen = chosen_machine(machine_name, file=file)
    path = shipped_program(file) if not names_a_file(Path(file)) and shipped_program(file) is not None else file
    bits = chosen.assemble_file(path)
    emit({"bits": bits, "length": len(bits), "language": chosen.name, "spec_hash": chosen.spec_hash},
         as_json, f"{bits}\n{len(bits)} bits")


@main.command()
@click.argument("bits")
@machine_option()
@click.option("--max-steps", default=100_000, show_default=True, type=click.IntRange(1, MAX_BUDGET),
              help="Toy: steps of the run that finds which bits are read as data.")
@json_option
@library_errors
def disasm(bits, machine_name, max_steps, as_json):
    """Disassemble BITS (a string of 0 and 1): toy assembly, or a lambda term in de Bruijn notation (blc)."""
    from toyinduction.core import bits_to_array

    chosen = chosen_machine(machine_name)
    if not bits:
        raise ValueError("empty bit string")
    bits_to_array(bits)
    text = chosen.disassemble(bits, max_steps=max_steps)
    emit({"text": text, "length": len(bits)}, as_json, text.rstrip("\n"))


@main.command("run")
@click.argument("program")
@machine_option()
@click.option("--max-steps", default=1_000_000, show_default=True, type=checked(validate.MAX_STEPS), help="Step budget.")
@click.option("--output-bits", default=64, show_default=True, type=checked(validate.RUN_OUTPUT_BITS),
              help="Stop after this many output bits.")
@click.option("--data", default="", help="Bits appended after the program (data it reads).")
@click.option("--reference", is_flag=True, help="Use the slow pure-Python reference interpreter.")
@json_option
@library_errors
def run_command(program, machine_name, max_steps, output_bits, data, reference, as_json):
    """Run PROGRAM (an assembly file, a shipped program's name such as primes.toy, or a bit
    string) and report its output and how it ended."""
    chosen = chosen_machine(machine_name, file=program)
    bits, _ = program_bits(program, chosen, data)
    if output_bits > 1 << 32:
        raise ValueError("--output-bits must be at most 2**32")
    options = {"reference": True} if reference else {}
    sliced = not reference and max_steps > PROGRESS_CHUNK and hasattr(chosen, "language")
    if sliced:
        progress = ProgressBar("steps")
        result = chosen.run(bits, max_steps=max_steps, output_bits=output_bits, chunk_steps=PROGRESS_CHUNK,
                            on_chunk=lambda steps: progress(steps, max_steps))
        progress.close()
    else:
        result = chosen.run(bits, max_steps=max_steps, output_bits=output_bits, **options)
    document = result.to_json()
    fault = f" ({result.fault.label})" if result.status.label == "fault" else ""
    text = (f"output: {result.output}\nstatus: {result.status.label}{fault}\nsteps: {result.steps}\n"
            f"bits read: {result.bits_read} of {len(bits)}")
    emit(document, as_json, text)


@main.command()
@machine_option("variants")
@json_option
@library_errors
def spec(machine_name, as_json):
    """Show the instruction table of a toy variant: codewords, operands, semantics (a composite: its body)."""
    language = chosen_machine(machine_name, "variants").language
    rows = language.table()
    document = {"name": language.name, "spec_hash": language.spec_hash,
                "kraft_sum": str(kraft_sum(language.codewords.values())), "instructions": rows,
                "limits": language.limits, "operand_code": "elias-gamma(n+1)"}
    lines = [f"{language.name}  spec {language.spec_hash}  Kraft sum {document['kraft_sum']}"]
    lines += [f"  {r['mnemonic']:6s} {r['codeword']:>9s} {r['operand']:1s}  {r['stack']:14s} {r['semantics']}"
              for r in rows]
    lines += ["limits: " + ", ".join(f"{k}={v}" for k, v in language.limits.items())]
    if language.base is not None:
        document["changes"] = language.changes()
        lines += language.changes_text()
    if language.warnings:
        document["warnings"] = list(language.warnings)
    emit(document, as_json, "\n".join(lines))


@main.command()
@json_option
def machines(as_json):
    """List the registered machines (the toy variants with their instruction counts)."""
    from toyinduction.machines import machine, machine_names

    rows = []
    for name in machine_names():
        row = machine(name).describe()
        if name in LANGUAGES:
            row = {"name": name, "spec_hash": row["spec_hash"], "summary": row["summary"],
                   "instructions": len(row["codewords"]),
                   "dropped": [m for m in MNEMONICS if m not in row["codewords"]],
                   "kraft_sum": str(kraft_sum(row["codewords"].values()))}
        rows.append(row)
    text = "\n".join(f"{r['name']:12s} {r['spec_hash']:18s} {r['summary']}"
                     + (f" (without {', '.join(r['dropped'])})" if r.get("dropped") else "") for r in rows)
    emit({"machines": rows}, as_json, text)


@main.command()
@machine_option()
@click.option("--dir", "directory", default=None, help="Programs directory (default: the shipped programs).")
@budget("--output-bits", 32, "Output bits shown per program.")
@json_option
@library_errors
def programs(machine_name, directory, output_bits, as_json):
    """List the shipped programs of a machine with their exact lengths and first output bits."""
    from toyinduction.machines.shipped import summary

    chosen, skipped = chosen_machine(machine_name), []
    rows = summary(chosen, directory, output_bits, skipped=skipped)
    if skipped:
        from toyinduction.machines.shipped import skipped_note

        note(skipped_note(skipped, chosen.name))
    width = max((len(r["output"]) for r in rows), default=0)   # (padded to what was written, not the budget)
    text = "\n".join(f"{r['name']:22s} {r['length']:5d} bits  {r['output']:{width}s}  {r['status']}"
                     for r in rows)
    world = {name: value for r in rows for name, value in r.get("constants", {}).items()
             if r["name"].startswith("world_") and name in ("SEED", "DEPTH", "QUIET", "REGION_BITS")}
    if world:
        text += ("\nlengths are at each file's own constants (world programs: "
                 + ", ".join(f"{name} {value}" for name, value in world.items())
                 + "); the demo assembles the world programs at its world's (seed, depth, quiet frames), so its "
                   "lengths differ: toyinduction demo prints them")
    emit({"programs": rows, **({"skipped": [name for name, _ in skipped]} if skipped else {})}, as_json, text)


@main.command()
@click.argument("file")
@machine_option("variants")
@click.option("--engine", "engines", default="both", show_default=True,
              type=click.Choice(["both", "peephole", "stochastic"]), help="Which search to run (both: peephole first).")
@click.option("--proposals", default=20_000, show_default=True, type=click.IntRange(0, 10 ** 9),
              help="Budget of the stochastic engine (reproducible from --seed).")
@click.option("--seconds", default=None, type=click.FloatRange(min=0.01), help="Also stop after this many seconds.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2 ** 32 - 1), help="Seed of the sampler.")
@click.option("--output-bits", default=256, show_default=True, type=click.IntRange(1, 1 << 14),
              help="Output bits that must agree (programs that are not world programs; 4x this held back).")
@click.option("--role", default=None, help="World role of the file (honest, guided_flip, ...; default: from its name).")
@click.option("--depth", default=None, type=click.IntRange(1, 240), help="Depth of the world the specification runs.")
@click.option("--world-seed", default=None, type=click.IntRange(0, 2 ** 62), help="Seed of that world (default 2026).")
@click.option("--slowdown", default=2.0, show_default=True, type=click.FloatRange(min=1, max=1e6),
              help="Step budget of a candidate: this many times the original's steps on each input.")
@click.option("--out", "out_path", default=None, help="Write the golfed assembly here (when it is accepted).")
@json_option
@library_errors
def golf(file, machine_name, engines, proposals, seconds, seed, output_bits, role, depth, world_seed, slowdown,
         out_path, as_json):
    """Search for a shorter program with the same behaviour as FILE (a .toy file or a shipped
    program's name): the same output on every input of a specification (for a world program,
    every target and control of its world; else its first output bits), checked afterwards on
    held-back inputs. Equivalence is tested on those inputs, not proved (docs/golf.md)."""
    from toyinduction.machines.shipped import shipped_program
    from toyinduction.malign.golfing import golf_file

    path = shipped_program(file) if not names_a_file(Path(file)) and shipped_program(file) is not None else file
    result = golf_file(path, machine=chosen_machine(machine_name, "variants"),
                       engines=("peephole", "stochastic") if engines == "both" else (engines,), proposals=proposals,
                       seconds=seconds, seed=seed, output_bits=output_bits, role=role, depth=depth,
                       world_seed=world_seed, slowdown=slowdown, progress=ProgressBar("steps of the search"))
    document = result.to_json()
    if out_path is not None and result.accepted:
        Path(out_path).write_text(result.assembly)
        document["written"] = out_path
    text = result.assembly + "\n" + result.summary() + (f"\nwrote {out_path}" if "written" in document else "")
    emit(document, as_json, text)


@main.command()
@machine_option("variants")
@click.option("--quick", is_flag=True, help="Ten times smaller interpreter workloads.")
@click.option("--enumeration", is_flag=True,
              help="Also: every program up to 24, 32, 36 and 40 bits, 1,000 steps each (minutes): the flat "
                   "enumerator (plain, with collapse, with counted blocks) against the snapshot one (up to 32 bits) in "
                   "the same run; --quick: 20, 24, 28 bits.")
@click.option("--enumeration-bits", default=None, help="Comma-separated lengths for --enumeration (e.g. 32,36).")
@click.option("--tm", "turing", is_flag=True, help="Also: D(4), all 4-state machines with cutoff 107.")
@click.option("--d5", is_flag=True, help="Also: D(5), all 5-state machines with cutoff 500 (minutes).")
@click.option("--blc", "lambda_calculus", is_flag=True, help="Also: the BLC kernel against its reference.")
@workers_option
@json_option
@library_errors
def bench(machine_name, quick, enumeration, enumeration_bits, turing, d5, lambda_calculus, workers, as_json):
    """Measure the kernel's speed against the pure-Python reference (same run), and optionally
    the enumeration and Turing-machine targets."""
    import os

    from toyinduction.machines.toy.bench import benchmark, blc_speed, ctm_speed, enumeration_comparison

    workers = workers or os.cpu_count() or 1
    try:
        lengths = tuple(int(text) for text in enumeration_bits.split(",")) if enumeration_bits else (
            (20, 24, 28) if quick else (24, 32, 36, 40))
    except ValueError:
        raise click.BadParameter(f"{enumeration_bits!r} is not a comma-separated list of lengths",
                                 param_hint="--enumeration-bits") from None
    if not all(1 <= length <= 62 for length in lengths):
        raise click.BadParameter("lengths must be in 1..62", param_hint="--enumeration-bits")
    language = chosen_machine(machine_name, "variants").language
    if enumeration:
        from toyinduction.machines.toy.enumerate import enumeration_warning

        warn_before(enumeration_warning(language, max(lengths), workers))
    report = benchmark(language, quick=quick)
    loop, rand = report["loop_heavy"], report["random_programs"]
    lines = [f"loop-heavy: kernel {loop['kernel_steps_per_second'] / 1e6:.1f} M steps/s, reference "
             f"{loop['reference_steps_per_second'] / 1e6:.3f} M steps/s, ratio {loop['ratio']:.0f}x "
             f"(target {report['target_steps_per_second'] / 1e6:.0f} M)",
             f"random programs ({rand['bits']} bits, {rand['max_steps']} steps): kernel "
             f"{rand['kernel_programs_per_second']:.0f} programs/s ({rand['kernel_steps_per_second'] / 1e6:.1f} M steps/s), "
             f"reference {rand['reference_programs_per_second']:.0f} programs/s, ratio "
             f"{rand['ratio_programs_per_second']:.0f}x"]
    if enumeration:
        def enumeration_line(row):
            name = ("snapshot" if row["kernel"] == "snapshot" else "flat, counted" if row.get("counted")
                    else "flat, collapse" if row["collapse"] else "flat")
            return (f"enumeration {row['max_bits']} bits, {name:14s}: {row['seconds']:8.2f} s "
                    f"({row['cpu_seconds']:.1f} s CPU), {row['tree_leaves'] / row['seconds'] / 1e6:6.2f} M leaves/s "
                    f"({row['tree_leaves']:,} leaves for {row['programs']:,} programs), peak memory "
                    f"{row['peak_rss_mib']:.0f} MiB ({row['peak_rss_mib_before']:.0f} before the run)")

        if not as_json:
            click.echo("\n".join(lines))
            lines = []
        found = report["enumeration"] = enumeration_comparison(
            language, lengths, workers=workers, progress=None if as_json else lambda row: click.echo(enumeration_line(row)))
        lines += [f"enumeration, flat against snapshot at {bits} bits: "
                  + ", ".join(f"{name} {ratio:.1f}x faster" for name, ratio in ratios.items())
                  for bits, ratios in found["speedup_over_snapshot"].items()]
        lines.append(f"enumeration targets: {found['target_leaves_per_second'] / 1e6:.0f} M leaves/s (leaves one by "
                     f"one, {workers} threads); every program up to 40 bits in {found['target_seconds_40_bits']} s")
    for flag, states, cutoff in ((turing, 4, 107), (d5, 5, 500)):
        if flag:
            found = report[f"ctm_{states}"] = ctm_speed(states, cutoff, workers)
            lines.append(f"D({states}), cutoff {cutoff}: {found['halting']} of {found['machines']} machines halt; "
                         f"{found['seconds']:.2f} s on {workers} threads (target {found['target_seconds']} s)")
    if lambda_calculus:
        found = report["blc"] = blc_speed()
        lines.append(f"blc: {found['workload']}: kernel {found['kernel_steps_per_second'] / 1e6:.1f} M steps/s, "
                     f"reference {found['reference_steps_per_second'] / 1e6:.2f} M steps/s, ratio {found['ratio']:.0f}x")
    emit(report, as_json, "\n".join(lines))


def scheduler_option(command):
    """--scheduler ADDRESS|local: run the subtrees on a dask cluster."""
    return click.option("--scheduler", default=None,
                        help="Run the subtrees on dask: a scheduler address (tcp://host:8786), or 'local' to start "
                             "a local cluster of --workers processes. Needs toyinduction[distributed].")(command)


def store_option(command):
    """--store DIR: where results are kept and found again."""
    return click.option("--store", "store_dir", default=None, callback=_not_empty_store,
                        help="Run store directory: results are kept and reused there (default: $TOYINDUCTION_STORE, "
                             "else ~/.cache/toyinduction).")(command)


def _not_empty_store(ctx, param, value):
    """Refuse ``--store ''`` (it would be the working directory, silently)."""
    if value is not None and not value.strip():
        raise click.BadParameter("is empty: give a directory, or leave --store out for the default store "
                                 "($TOYINDUCTION_STORE, else ~/.cache/toyinduction)", ctx, param)
    return value


def stored_computation(command):
    """The options of a computation kept in the run store and spread over workers: --scheduler,
    --store, --fresh and --json, with one-line errors."""
    for decorate in (library_errors, json_option,
                     click.option("--fresh", is_flag=True, help="Run even if the store has this result (and replace it)."),
                     store_option, scheduler_option):
        command = decorate(command)
    return command


def enumeration_budgets(max_bits_help: str):
    """--max-bits, --max-steps and --output-bits of an exhaustive enumeration (enumerate, complexity)."""
    def decorate(command):
        for option in reversed((
                click.option("--max-bits", default=20, show_default=True, type=checked(validate.ENUMERATE_MAX_BITS),
                             help=max_bits_help),
                click.option("--max-steps", default=1000, show_default=True, type=checked(validate.MAX_STEPS),
                             help="Step budget per program."),
                click.option("--output-bits", default=validate.ENUMERATE_OUTPUT_BITS, show_default=True,
                             type=checked(validate.OUTPUT_BITS), help="Stop a program after this many output bits."))):
            command = option(command)
        return command
    return decorate


@main.command("enumerate")
@machine_option()
@enumeration_budgets("Program-length limit L.")
@workers_option
@click.option("--keep-leaves", default=200_000, show_default=True, type=checked(validate.KEEP_LEAVES),
              help="Keep every leaf when there are at most this many (memory bound per chunk of work).")
@click.option("--counted", is_flag=True,
              help="Count blocks that are read but not run (def bodies, skipped if parts, ...) by class: the same "
                   "masses, faster, no leaves kept (toy machines).")
@stored_computation
def enumerate_command(machine_name, max_bits, max_steps, output_bits, workers, keep_leaves, counted, scheduler,
                      store_dir, fresh, as_json):
    """Run every program of up to --max-bits bits; exact prior mass per bucket. (Turing machines
    are enumerated by number of states: `toyinduction tm ctm`.)"""
    from toyinduction.engine.parallel import connect
    from toyinduction.engine.store import RunStore

    chosen = chosen_machine(machine_name)
    store = RunStore(store_dir)
    options = {}
    if counted:
        if getattr(chosen, "language", None) is None:
            raise ValueError(f"--counted is the toy machines' flat enumerator's; {chosen.name} has none")
        options["counted"] = True
    if scheduler is not None:
        options["client"] = connect(scheduler, workers)
    warn_before_enumeration(chosen, max_bits, max_steps, workers)
    try:
        result = chosen.enumerate(max_bits, max_steps=max_steps, output_bits=output_bits, store=store,
                                  workers=workers, keep_leaves=keep_leaves, fresh=fresh,
                                  progress=ProgressBar("chunks"), **options)
    finally:
        if "client" in options:
            options["client"].close()
    loaded = result.loaded
    document = dict(result.summary(), loaded_from_store=loaded)
    lines = [f"{chosen.name} ({chosen.spec_hash}): {result.programs} programs up to {max_bits} bits, "
             f"{max_steps} steps, {output_bits} output bits" + (" (from the store)" if loaded else "")]
    lines += [f"  {name:12s} {row['programs']:>10d} programs  mass {row['mass']:>24s}  ({row['mass_float']:.6f})"
              for name, row in document["buckets"].items()]
    lines.append(f"  total mass {document['total_mass']}; {result.steps} steps in {result.seconds:.2f} s"
                 + (f" ({document['programs_per_second']:.0f} programs/s, {document['steps_per_second']:.0f} steps/s)"
                    if result.seconds else "")
                 + (f"; resumed {result.resumed_chunks} finished chunks" if result.resumed_chunks else ""))
    if document.get("silent_mass") not in (None, "0"):
        lines.append(f"  silent: mass {document['silent_mass']} of the unresolved never writes again (stopped in a "
                     f"loop that cannot write or leave)")
    emit(document, as_json, "\n".join(lines))



@main.command()
@store_option
@json_option
@library_errors
def runs(store_dir, as_json):
    """List the results in the run store, and the unfinished runs (partial: their finished
    chunks are kept and the next run with the same parameters resumes from them)."""
    from toyinduction.engine.store import RunStore

    def describe(row):
        if "error" in row:
            return row["error"]
        if row.get("partial"):
            return (f"partial: {row['chunks_finished']} of {row['chunks']} chunks finished"
                    f"{' (running now)' if row.get('running') else ''}, {row['kind']} "
                    f"{json.dumps(row.get('parameters', {}))}")
        return f"{row.get('language', '')} {json.dumps(row.get('parameters', {}))} {row.get('created', '')}"

    store = RunStore(store_dir)
    rows = store.entries()
    text = "\n".join(f"{row['name']:32s} {describe(row)}" for row in rows) or f"no results in {store.directory}"
    emit({"store": str(store.directory), "runs": rows}, as_json, text)


def observed_sequence(sequence: str, chosen, length: int) -> str:
    """A bit string given as itself, as a file of bits, or as an assembly file of ``chosen``
    (its first ``length`` output bits)."""
    from toyinduction.core import bits_to_array
    from toyinduction.machines.shipped import shipped_program

    path = Path(sequence)
    if not names_a_file(path) and shipped_program(sequence) is not None:
        path = shipped_program(sequence)
    if path.suffix == chosen.source_suffix:
        result = chosen.run(chosen.assemble_file(path), max_steps=100_000_000, output_bits=length)
        if len(result.output) < length:
            raise ValueError(f"{sequence} wrote only {len(result.output)} bits ({result.status.label})")
        return result.output
    if names_a_file(path):
        try:
            sequence = "".join(path.read_text().split())
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: cannot read: {error}") from None
    return bit_sequence(sequence)


def predict_exhaustively(chosen, bits: str, max_bits: int, max_steps: int, workers: int, as_json: bool,
                         refused: list, silent: bool = False) -> None:
    """``predict --exhaustive``: the mixture along the sequence from the enumeration's agreement
    tally (toyinduction.induction.exhaustive), no program kept."""
    from toyinduction.induction.exhaustive import exhaustive_prediction
    from toyinduction.induction.mixture import STEPS_MEANING

    if refused:
        raise ValueError(f"--exhaustive uses the plain prior over the enumeration alone; drop {', '.join(refused)}")
    result = exhaustive_prediction(chosen, bits, max_bits, max_steps, workers=workers, progress=ProgressBar("chunks"),
                                   silent=silent)
    upcoming = result.next
    document = {"sequence": bits, "max_bits": max_bits, "max_steps": max_steps, "exhaustive": True,
                "silent_final": silent, "steps_meaning": STEPS_MEANING,
                "programs": result.programs, "tree_leaves": result.tree_leaves, "seconds": result.seconds,
                "steps": result.steps_json(), "log_loss_bits": float(result.log_loss_bits[-1]), "next": upcoming}
    lines = [f"{'t':>4s} x_t  P(x_t = 1 | x_<t)  coin [lower, upper]  model-free [lower, upper]"]
    lines += [f"{row['t']:>4d}  {row['bit']}   {row['p_next_one']:.4f}             [{row['p_coin_lower']:.4f}, "
              f"{row['p_coin_upper']:.4f}]     [{row['p_lower']:.4f}, {row['p_upper']:.4f}]" for row in document["steps"]]
    lines.append(f"log-loss: mixture {document['log_loss_bits']:.2f} bits over {len(bits)} bits "
                 f"({result.programs:,} programs up to {max_bits} bits, none kept, {result.seconds:.0f} s)")
    lines.append(f"next bit x_{len(bits) + 1}: P(x_{len(bits) + 1} = 1 | x) = {upcoming['p_next_one']:.4f}; "
                 f"interval under the coin assumption [{upcoming['p_coin_lower']:.4f}, {upcoming['p_coin_upper']:.4f}]; "
                 f"model-free interval [{upcoming['p_lower']:.4f}, {upcoming['p_upper']:.4f}] (unresolved programs "
                 f"hold {upcoming['unresolved_raw_share']:.4g} of the raw weight in play)")
    emit(document, as_json, "\n".join(lines))


@main.command()
@click.argument("sequence")
@machine_option()
@click.option("--max-bits", default=20, show_default=True, type=checked(validate.MIXTURE_MAX_BITS),
              help="Enumerate every program up to this many bits.")
@click.option("--max-steps", default=1000, show_default=True, type=checked(validate.MAX_STEPS),
              help="Step budget of each enumerated program.")
@click.option("--length", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Bits to take when SEQUENCE is a program.")
@click.option("--program", "program_paths", multiple=True,
              help="Add a named program (an assembly file, a file of bits, or bits); repeatable.")
@click.option("--all-programs", is_flag=True, help="Add every shipped program of the machine by name.")
@click.option("--speed-prior", "speed", default=0.0, show_default=True, type=checked(validate.SPEED),
              help="λ: weight 2^-(length + λ·log2 steps).")
@click.option("--step-cap", default=None, type=checked(validate.STEP_CAP), help="Give runs longer than this weight 0.")
@click.option("--top", default=5, show_default=True, type=checked(validate.TOP), help="Top hypotheses to show.")
@click.option("--continue", "continue_bits", default=8, show_default=True, type=checked(validate.CONTINUE_BITS),
              help="Also give the most probable continuation of this many bits.")
@click.option("--out", "out_dir", default=None, help="Write figures (PNG, SVG, GIF) into this directory.")
@click.option("--html", "html_path", default=None, help="Write the explorer, one self-contained HTML page, to this file.")
@click.option("--exhaustive", is_flag=True,
              help="Keep no program: tally what the mixture needs along SEQUENCE while enumerating (toy machines; "
                   "40 bits in minutes). The plain prior over the enumeration alone: no named programs, speed prior, "
                   "step cap, top hypotheses, continuation or figures, and nothing is stored (no --store).")
@click.option("--silent-final", is_flag=True,
              help="With --exhaustive: count runs that provably never write again (stopped in a loop that cannot "
                   "write or leave; the share of those waiting for a block's end that never comes) as final, so the "
                   "unresolved weight and the intervals shrink.")
@workers_option
@store_option
@json_option
@library_errors
def predict(sequence, machine_name, max_bits, max_steps, length, program_paths, all_programs, speed, step_cap, top,
            continue_bits, out_dir, html_path, exhaustive, silent_final, workers, store_dir, as_json):
    """Predict SEQUENCE (bits, a file of bits, or a program's output) bit by bit with the
    mixture over every program up to --max-bits bits (plus named programs), then the next, unseen
    bit and the most probable continuation."""
    from toyinduction.engine.store import RunStore
    from toyinduction.induction.solomonoff import Mixture
    from toyinduction.machines.shipped import assembled_programs, skipped_note

    chosen = chosen_machine(machine_name, file=sequence)
    bits = observed_sequence(sequence, chosen, length)
    warn_before_enumeration(chosen, max_bits, max_steps, workers)
    if exhaustive:
        predict_exhaustively(chosen, bits, max_bits, max_steps, workers, as_json,
                             refused=[name for name, given in (("--program", program_paths), ("--all-programs", all_programs),
                                                               ("--speed-prior", speed), ("--step-cap", step_cap is not None),
                                                               ("--out", out_dir), ("--html", html_path),
                                                               ("--store", store_dir is not None)) if given],
                             silent=silent_final)
        return
    if silent_final:
        raise click.UsageError("--silent-final goes with --exhaustive (the flat enumerator's silent tally)")
    shipped, skipped = assembled_programs(chosen) if all_programs else ([], [])
    paths = list(program_paths) + [str(path) for path, _ in shipped]
    mixture = Mixture(chosen, max_bits, max_steps=max_steps, programs=paths, store=RunStore(store_dir),
                      workers=workers, speed=speed, step_cap=step_cap, progress=ProgressBar("chunks"))
    forecast = mixture.predict(bits, continue_bits=continue_bits, top=top)
    document = forecast.to_json()
    skipped = list(dict.fromkeys([name for name, _ in skipped] + document.get("skipped_programs", [])))
    if skipped:
        document["skipped_programs"] = skipped
        note(skipped_note(skipped, chosen.name))
    if out_dir is not None:
        from toyinduction.plots import plot_forecast
        from toyinduction.plots.figures import figure_count

        document["figures"] = plot_forecast(forecast, out_dir)
        written = f"wrote {figure_count(document['figures'])} figures to {out_dir}"
    if html_path is not None:
        from toyinduction.plots.explorer import explorer_document_from_forecast, write_explorer

        document["html"] = str(write_explorer(explorer_document_from_forecast(forecast, top=top), html_path))
    upcoming = document["next"]
    lines = [f"{'t':>4s} x_t  P(x_t = 1 | x_<t)  [lower, upper]"]
    lines += [f"{row['t']:>4d}  {row['bit']}   {row['p_next_one']:.4f}             [{row['p_lower']:.4f}, "
              f"{row['p_upper']:.4f}]" for row in document["steps"]]
    lines.append(f"log-loss: mixture {document['log_loss_bits']:.2f} bits; "
                 + ", ".join(f"{name} {value:.2f}" for name, value in document["baselines_log_loss_bits"].items()))
    lines.append(f"posterior mass of unresolved programs (could continue any way): "
                 f"{document['unresolved_posterior']:.4f}")
    for hypothesis in document["top_hypotheses"]:
        lines.append(f"posterior {hypothesis['posterior']:.4g}  {hypothesis['length']} bits  {hypothesis['class']}  "
                     f"({hypothesis['status']}): " + " ".join(hypothesis["disassembly"].split()))
    if forecast.continuation:
        lines.append(f"most probable continuation: {document['continuation']} (each bit's probability: "
                     + " ".join(f"{step['p']:.3f}" for step in forecast.continuation) + ")")
    if "advice" in document:
        lines.append(document["advice"])
    lines.append(f"next bit x_{len(bits) + 1}: P(x_{len(bits) + 1} = 1 | x) = {upcoming['p_next_one']:.4f}; "
                 f"interval under the coin assumption [{upcoming['p_coin_lower']:.4f}, {upcoming['p_coin_upper']:.4f}] "
                 f"(unresolved programs wrote the bits they had not yet written no better than a coin, and may put "
                 f"the next bit anywhere); model-free interval [{upcoming['p_lower']:.4f}, {upcoming['p_upper']:.4f}]: "
                 f"{document['why_the_interval_is_wide']}")
    if out_dir is not None:
        lines.append(written)
    if html_path is not None:
        lines.append(f"wrote the explorer to {html_path}")
    emit(document, as_json, "\n".join(lines))


@main.command()
@click.option("--out", "out_dir", default="demo-out", show_default=True, help="Output directory.")
@click.option("--seed", default=2026, show_default=True, type=checked(validate.SEED),
              help="The world instance (a different seed: different targets, same family).")
@click.option("--depth", default=84, show_default=True, type=checked(validate.DEPTH),
              help="Levels of the tree: the honest bridge is this many path bits.")
@click.option("--targets", default=4, show_default=True, type=checked(validate.TARGETS), help="Civilisations to observe.")
@click.option("--controls", default=2, show_default=True, type=checked(validate.CONTROLS),
              help="Leaves without civilisations to observe.")
@click.option("--speed-prior", "speed", default=0.0, show_default=True, type=checked(validate.SPEED),
              help="λ: weight 2^-(length + λ·log2 steps).")
@click.option("--max-bits", default=20, show_default=True, type=checked(validate.MIXTURE_MAX_BITS),
              help="Background: every program up to this many bits.")
@click.option("--html", "html_path", default=None, help="Write the explorer, one self-contained HTML page, to this file.")
@click.option("--add", "added", multiple=True, metavar="FILE",
              help="A world program of your own to put into the pool (repeatable); its '; data:' header says what "
                   "it reads (docs/demo.md).")
@machine_option("all")
@click.option("--force", is_flag=True, help="Replace the report of another run in --out (without it, a folder "
                                             "holding another run's report is refused before any work).")
@workers_option
@store_option
@json_option
@library_errors
def demo(out_dir, seed, depth, targets, controls, speed, max_bits, html_path, added, machine_name, force, workers,
         store_dir, as_json):
    """The malign-prior demonstration: who holds the posterior at a civilisation's first question,
    in the full pool of honest programs and consequentialists, and under each premise of the
    malign-prior argument (no honest importance pointer, a speed prior, no rival goal, another
    reference machine)."""
    from toyinduction.engine.store import RunStore
    from toyinduction.malign.demo import check_out_dir, demo as compute_demo, demo_parameters, json_summary, report_markdown
    from toyinduction.plots.figures import figure_count

    chosen = chosen_machine(machine_name, "all")
    check_out_dir(out_dir, demo_parameters(seed, depth, targets, controls, speed, max_bits, chosen.name, added), force)
    progress = ProgressBar("tasks")
    progress.announce(f"compiling the kernels (once per machine), then enumerating every program up to {max_bits} "
                      f"bits, then measuring each world program's class")
    report = compute_demo(chosen, seed=seed, depth=depth, targets=targets, controls=controls, speed=speed, max_bits=max_bits,
                          store=RunStore(store_dir), workers=workers, progress=progress, add=added)
    progress.announce(f"writing the report and its figures to {out_dir}")
    report.write(out_dir)
    document = json_summary(report)
    figures = report.get("figures", [])
    formats = sorted({Path(path).suffix.lstrip(".").upper() for path in figures})
    text = report_markdown(report) + f"\nwrote {out_dir}/report.json, report.md and {figure_count(figures)} figures" \
        + (f" ({' and '.join(formats)})" if formats else "") + f"; computed in {report['seconds']:.1f} s"
    if html_path is not None:
        from toyinduction.plots.explorer import explorer_document_from_demo, write_explorer

        progress.announce(f"writing the explorer to {html_path}")
        document["html"] = str(write_explorer(explorer_document_from_demo(report), html_path))
        text += f"\nwrote the explorer to {html_path}"
    emit(document, as_json, text)


@main.command()
@click.argument("name", type=click.Choice(["solomonoff-basics", "takeover", "phase-diagram", "speed-prior",
                                          "importance-pointer", "rivals", "census", "lexical-update"]))
@click.option("--out", "out_dir", default=None, help="Output directory (default: ./NAME-out).")
@click.option("--max-bits", default=None, type=checked(validate.EXPERIMENT_MAX_BITS),
              help="Enumeration length limit (default: the experiment's own).")
@click.option("--max-steps", default=1000, show_default=True, type=checked(validate.MAX_STEPS),
              help="Step budget of each enumerated program.")
@click.option("--length", default=448, show_default=True, type=checked(validate.LENGTH), help="Bits per sequence.")
@click.option("--no-gif", is_flag=True, help="Skip the animated GIF.")
@workers_option
@store_option
@json_option
@library_errors
def experiment(name, out_dir, max_bits, max_steps, length, no_gif, workers, store_dir, as_json):
    """Run a reproducible experiment: print its result table, and write it (results.json, table.md)
    and its figures to --out. docs/experiments.md says what each one measures."""
    import inspect

    from toyinduction.engine.store import RunStore
    from toyinduction.malign.experiments import EXPERIMENTS, experiment as run_experiment
    from toyinduction.plots.figures import figure_count

    out_dir = out_dir or f"{name}-out"
    accepted = inspect.signature(EXPERIMENTS[name]).parameters
    given = {"max_bits": max_bits, "max_steps": max_steps, "length": length, "gif": not no_gif,
             "store": RunStore(store_dir), "workers": workers}
    flags = {"max_bits": "--max-bits", "max_steps": "--max-steps", "length": "--length", "gif": "--no-gif",
             "store": "--store", "workers": "--workers"}
    context = click.get_current_context()
    for key, flag in flags.items():
        parameter = "no_gif" if key == "gif" else "store_dir" if key == "store" else key
        explicit = context.get_parameter_source(parameter) == click.core.ParameterSource.COMMANDLINE
        if key not in accepted and explicit:
            raise click.UsageError(f"experiment {name} does not take {flag}")
    options = {key: value for key, value in given.items() if key in accepted and not (key == "max_bits" and value is None)}
    result = run_experiment(name, out_dir, **options, progress=ProgressBar("sequences", label=f"experiment {name}"))
    summary = {key: value for key, value in result.document.items() if key != "sequences"}
    emit(summary, as_json, result.table + f"\nwrote {out_dir}/results.json, table.md and "
         f"{figure_count(result.document['figures'])} figures")


@main.command()
@machine_option("all")
@click.option("--count", default=100_000, show_default=True, type=checked(validate.SAMPLE_COUNT), help="Samples.")
@click.option("--max-bits", default=40, show_default=True, type=checked(validate.SAMPLE_MAX_BITS),
              help="Program-length limit of a sample (prefix machines).")
@budget("--max-steps", 1000, "Step budget of each sample.")
@click.option("--states", default=3, show_default=True, type=click.IntRange(1, 6), help="States (tm only).")
@click.option("--prefix", "prefixes", multiple=True, help="Output prefix x to estimate M(x) for; repeatable.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2 ** 32 - 1))
@json_option
@library_errors
def sample(machine_name, count, max_bits, max_steps, states, prefixes, seed, as_json):
    """Estimate M(x) beyond the exhaustive range by sampling programs from the prior (for tm:
    the fraction of random n-state machines that halt with exactly x)."""
    from toyinduction.engine.sampling import MAX_PREFIX_BITS, check_prefix
    from toyinduction.machines import is_prefix_machine

    chosen = chosen_machine(machine_name, "all")
    prefixes = tuple(check_prefix(p, "--prefix") for p in prefixes) or ("", "0", "1", "00", "01", "10", "11")
    longest = max(len(p) for p in prefixes) + 1
    if longest > MAX_PREFIX_BITS + 1:
        raise click.UsageError(f"--prefix has {longest - 1:,} bits; a sample follows outputs of at most "
                               f"{MAX_PREFIX_BITS:,} bits: give a shorter prefix")
    by_states = not is_prefix_machine(chosen)
    progress = ProgressBar("samples")
    if by_states:
        drawn = chosen.sample(count, states=states, max_steps=min(max_steps, 992), seed=seed, progress=progress)
        rows = [drawn.output_estimate(p) for p in prefixes]
    else:
        from toyinduction.engine.stop import steps_warning

        warn_before(steps_warning(max_steps, each=True))
        drawn = chosen.sample(count, max_bits=max_bits, max_steps=max_steps, output_bits=longest, seed=seed,
                              progress=progress)
        rows = [drawn.mass_estimate(p) for p in prefixes]
    lines = [f"{count} samples of {chosen.name}" + (" (fraction halting with exactly x)" if by_states
                                                    else " (M(x) between lower and upper, 99% intervals)")]
    for row in rows:
        if by_states:
            low, high = row["interval"]
            lines.append(f"  x = {row['output'] or '(empty)':10s} {row['fraction']:.5f}  [{low:.5f}, {high:.5f}]")
        else:
            lines.append(f"  x = {row['prefix'] or '(empty)':10s} lower {row['lower']:.5f} "
                         f"[{row['lower_interval'][0]:.5f}, {row['lower_interval'][1]:.5f}]  upper {row['upper']:.5f} "
                         f"[{row['upper_interval'][0]:.5f}, {row['upper_interval'][1]:.5f}]")
    emit({"language": chosen.name, "samples": count, "estimates": rows}, as_json, "\n".join(lines))


@main.command("complexity")
@click.argument("strings", nargs=-1, required=True, metavar="STRING...")
@machine_option()
@enumeration_budgets("Program-length limit of the toy enumeration.")
@click.option("--mass", default="prefix", show_default=True, type=click.Choice(["prefix", "exact"]),
              help="Toy part: programs whose output begins with s (prefix), or that halt with exactly s (exact, "
                   "as CTM counts).")
@click.option("--states", default=None, type=click.IntRange(1, 5),
              help="CTM table D(n) (default: D(5) if the store has it, else D(4); --states 5 computes it: minutes).")
@click.option("--no-ctm", is_flag=True, help="Leave out the CTM column.")
@workers_option
@store_option
@json_option
@library_errors
def complexity_command(strings, machine_name, max_bits, max_steps, output_bits, mass, states, no_ctm, workers,
                       store_dir, as_json):
    """K ≈ -log2 of each STRING's algorithmic probability: from the toy enumeration, with the
    interval its unresolved mass allows, and from the CTM table of the Turing machines
    (docs/complexity.md)."""
    from toyinduction.engine.store import RunStore
    from toyinduction.induction.complexity import complexity

    report = complexity(list(strings), machine=chosen_machine(machine_name), max_bits=max_bits, max_steps=max_steps,
                        output_bits=output_bits, mass=mass, states=states, ctm=not no_ctm,
                        store=RunStore(store_dir), workers=workers, progress=ProgressBar("chunks"))
    emit(report.to_json(), as_json, report.table())


@main.group()
def tm():
    """Turing machines: CTM output frequencies and Busy Beaver runs (the CTM formalism of Soler-Toscano et al. 2014)."""


@tm.command("ctm")
@click.option("--states", required=True, type=click.IntRange(1, 6), help="Number of states n.")
@click.option("--max-steps", required=True, type=click.IntRange(1, 992), help="Cutoff in steps (halting step included).")
@workers_option
@click.option("--no-reduce", is_flag=True, help="Enumerate without the relabelling and mirror reductions.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, None),
              help="Show (and in JSON, give) only the TOP most frequent outputs.")
@stored_computation
def tm_ctm(states, max_steps, workers, no_reduce, top, scheduler, store_dir, fresh, as_json):
    """Count, for every output, the n-state machines that halt with it (blank tape of 0s), with
    the exact prior mass of halting and still-running machines (the CTM measure)."""
    from fractions import Fraction

    from toyinduction.engine.parallel import connect
    from toyinduction.engine.store import RunStore
    from toyinduction.machines import machine
    from toyinduction.machines.turing.tm import algorithmic_probability, complexity_bits

    from toyinduction.engine.stop import ctm_warning

    options = {}
    if scheduler is not None:
        options["client"] = connect(scheduler, workers)
    warn_before(ctm_warning(states, workers))
    try:
        result = machine("tm").enumerate(states, max_steps=max_steps, store=None if no_reduce else RunStore(store_dir),
                                         workers=workers, reduce=not no_reduce, fresh=fresh,
                                         progress=ProgressBar("chunks"), **options)
    finally:
        if options:
            options["client"].close()
    loaded = bool(result.pop("loaded", False))
    frequent = dict(sorted(result["counts"].items(), key=lambda item: (-item[1], len(item[0]), item[0]))[:top])
    machines = result["machines"]
    masses = {"halted": Fraction(result["halting"], machines), "step_limit": Fraction(result["non_halting"], machines)}
    document = dict(result, counts=frequent, distinct_outputs=len(result["counts"]), loaded_from_store=loaded,
                    mass={name: str(mass) for name, mass in masses.items()}, total_mass=str(sum(masses.values())),
                    complexity_bits={output: complexity_bits(result, output) for output in frequent})
    lines = [f"{states} states, cutoff {max_steps}: {result['halting']} of {machines} machines halt (mass "
             f"{masses['halted']}), {result['non_halting']} still running at the cutoff"
             + (" (from the store)" if loaded else f" ({result['seconds']:.2f} s)"),
             f"{len(result['counts'])} distinct outputs; the {len(frequent)} most frequent, with "
             f"D(s) = (c0(s) + c0(~s)) / 2H and K = -log2 D(s) bits:"]
    lines += [f"  {output:>12s}  c0 = {count:>14d}  D = {float(algorithmic_probability(result, output)):.9f}"
              f"  K = {complexity_bits(result, output):.3f}" for output, count in frequent.items()]
    emit(document, as_json, "\n".join(lines))


@tm.command("run")
@click.argument("machine")
@budget("--max-steps", 10 ** 9, "Step budget.")
@json_option
@library_errors
def tm_run(machine, max_steps, as_json):
    """Run MACHINE, given in bbchallenge notation (e.g. 1RB1LB_1LA1RZ), from a blank tape."""
    from toyinduction.engine.stop import steps_warning
    from toyinduction.machines.turing.tm import parse_machine, run_machine

    parse_machine(machine)      # (a bad machine: its one-line error before any warning)
    if max_steps > PROGRESS_CHUNK:
        warn_before(steps_warning(max_steps))
        progress = ProgressBar("steps")
        result = run_machine(machine, max_steps, chunk_steps=PROGRESS_CHUNK,
                             on_chunk=lambda steps: progress(steps, max_steps))
        progress.close()
    else:
        result = run_machine(machine, max_steps)
    emit({key: result[key] for key in ("steps", "ones", "status")}, as_json,
         f"{result['status']} after {result['steps']} steps with {result['ones']} ones")


@tm.command("bb")
@click.option("--states", required=True, type=click.IntRange(1, 4), help="Number of states n (1..4).")
@click.option("--max-steps", default=500, show_default=True, type=click.IntRange(1, 992),
              help="Cutoff: machines still running then are not decided.")
@workers_option
@store_option
@json_option
@library_errors
def tm_bb(states, max_steps, workers, store_dir, as_json):
    """The most steps S(n) and ones Σ(n) among n-state machines that halt within the cutoff."""
    import os

    from toyinduction.engine.store import RunStore
    from toyinduction.machines.turing.tm import busy_beaver

    result = busy_beaver(states, max_steps, workers or os.cpu_count() or 1, ProgressBar("subtrees"),
                         store=RunStore(store_dir))
    emit(result, as_json, f"{states} states, cutoff {max_steps}: S = {result['max_steps_halting']}, "
         f"Σ = {result['max_ones_halting']} among {result['halting']} halting machines; "
         f"{result['still_running_at_cutoff']} machines still running at the cutoff (not decided)")


if __name__ == "__main__":  # pragma: no cover
    main()
