"""The ``toyinduction`` command. It only parses options and calls the library."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path

import click

from toyinduction import __version__
from toyinduction.machines.toy.language import LANGUAGES, MNEMONICS, SEMANTICS, STACK_EFFECT, HAS_OPERAND, kraft_sum, load_language

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
                        help=f"Language variant: {', '.join(LANGUAGES)}, or a .json variant file "
                             "(enumerate also takes tm and blc; sample takes tm and blc).")(command)


def json_option(command):
    """--json for machine-readable output."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(command)


def budget(name: str, default: int, help_text: str):
    """A positive integer budget option, refusing zero, negative and absurd values."""
    return click.option(name, default=default, show_default=True, help=help_text,
                        type=click.IntRange(1, MAX_BUDGET))


def _is_file(path: Path) -> bool:
    """Whether a path names a file; a name the OS refuses (too long, ...) is not one."""
    try:
        return path.is_file()
    except OSError:
        return False


def program_bits(target: str, language, data: str = "") -> tuple[str, str]:
    """A program given as a .toy file or a bit string -> (bits, where it came from)."""
    from toyinduction.machines.toy.assembler import assemble_file
    from toyinduction.core import bits_to_array

    if data:
        bits_to_array(data)
    if not target:
        raise ValueError("empty program: give a .toy file or a non-empty bit string")
    path = Path(target)
    if re.fullmatch(r"[01]+", target) and not _is_file(path):   # bits (any length: not asked of the OS as a name)
        return target + data, "bits"
    if _is_file(path) or target.endswith(".toy"):
        return assemble_file(path, language) + data, str(path)
    if not re.fullmatch(r"[01]+", target):
        bad = next(character for character in target if character not in "01")
        raise ValueError(f"{target!r} is neither a file nor a bit string (character {bad!r})")
    return target + data, "bits"


class OneLineErrors(click.Group):
    """Every error is one line on stderr: ``Error: …`` (exit 2 for a bad option or argument,
    1 for bad input the library refused, 130 for Ctrl-C). No usage dump, no traceback."""

    def main(self, *args, **kwargs):
        """Run the command; turn every error into one line."""
        kwargs["standalone_mode"] = False
        try:
            result = super().main(*args, **kwargs)
        except click.exceptions.UsageError as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(2)
        except click.ClickException as error:
            click.echo(f"Error: {error.format_message()}", err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo("Error: interrupted (finished chunks of an enumeration are kept; run it again to resume)",
                       err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
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
    """Assemble FILE to program bits: toy assembly, or named lambda terms (a .lam file, or
    --language blc) to binary lambda calculus."""
    from toyinduction.machines.toy.assembler import assemble_file

    if file.endswith(".lam") or language_name == "blc":
        from toyinduction.machines.blc.reference import SPEC_HASH
        from toyinduction.machines.blc.assembler import assemble_lambda_file

        bits = assemble_lambda_file(file)
        emit({"bits": bits, "length": len(bits), "language": "blc", "spec_hash": SPEC_HASH}, as_json,
             f"{bits}\n{len(bits)} bits")
        return
    language = load_language(language_name)
    bits = assemble_file(file, language)
    emit({"bits": bits, "length": len(bits), "language": language.name, "spec_hash": language.spec_hash},
         as_json, f"{bits}\n{len(bits)} bits")


@main.command()
@click.argument("bits")
@language_option
@click.option("--max-steps", default=100_000, show_default=True, type=click.IntRange(1, MAX_BUDGET),
              help="Steps of the run that finds which bits are read as data.")
@json_option
@library_errors
def disasm(bits, language_name, max_steps, as_json):
    """Disassemble BITS (a string of 0 and 1) to toy assembly."""
    from toyinduction.machines.toy.assembler import disassemble
    from toyinduction.core import bits_to_array

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
    from toyinduction.machines.toy.kernel import run
    from toyinduction.machines.toy.reference import run_reference

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
    from toyinduction.machines.shipped import summary

    rows = summary(load_language(language_name), directory, output_bits)
    text = "\n".join(f"{r['name']:22s} {r['length']:5d} bits  {r['output']:{output_bits}s}  {r['status']}"
                     for r in rows)
    emit({"programs": rows}, as_json, text)


@main.command()
@language_option
@click.option("--quick", is_flag=True, help="Ten times smaller interpreter workloads.")
@click.option("--enumeration", is_flag=True, help="Also: every program up to 24 bits, 1,000 steps each.")
@click.option("--tm", "turing", is_flag=True, help="Also: D(4), all 4-state machines with cutoff 107.")
@click.option("--d5", is_flag=True, help="Also: D(5), all 5-state machines with cutoff 500 (minutes).")
@click.option("--blc", "lambda_calculus", is_flag=True, help="Also: the BLC kernel against its reference.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@json_option
@library_errors
def bench(language_name, quick, enumeration, turing, d5, lambda_calculus, workers, as_json):
    """Measure the kernel's speed against the pure-Python reference (same run), and optionally
    the enumeration and Turing-machine targets."""
    import os

    from toyinduction.machines.toy.bench import benchmark, blc_speed, ctm_speed, enumeration_speed

    workers = workers or os.cpu_count() or 1
    language = load_language(language_name)
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
        found = report["enumeration"] = enumeration_speed(language, workers=workers)
        lines.append(f"enumeration: {found['programs']} programs up to {found['max_bits']} bits in "
                     f"{found['seconds']:.2f} s on {workers} threads (target {found['target_seconds']} s)")
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
    return click.option("--store", "store_dir", default=None,
                        help="Run store directory: results are kept and reused there (default: $TOYINDUCTION_STORE, "
                             "else ~/.cache/toyinduction).")(command)


class ProgressBar:
    """A click progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, enabled: bool = True):
        self.label, self.enabled, self.bar, self.done = label, enabled and sys.stderr.isatty(), None, 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done
        if done >= total:
            self.bar.__exit__(None, None, None)


@main.command("enumerate")
@language_option
@click.option("--max-bits", default=20, show_default=True, type=click.IntRange(1, 62), help="Program-length limit L.")
@budget("--max-steps", 1000, "Step budget per program.")
@click.option("--output-bits", default=16, show_default=True, type=click.IntRange(1, 1 << 16),
              help="Stop a program after this many output bits.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@click.option("--states", default=None, type=click.IntRange(1, 6), help="With --language tm: states per machine.")
@click.option("--keep-leaves", default=200_000, show_default=True, type=click.IntRange(0, 1 << 28),
              help="Keep every leaf when there are at most this many (memory bound per chunk of work).")
@scheduler_option
@store_option
@click.option("--fresh", is_flag=True, help="Run even if the store has this result (and replace it).")
@json_option
@library_errors
def enumerate_command(language_name, max_bits, max_steps, output_bits, workers, states, keep_leaves, scheduler,
                      store_dir, fresh, as_json):
    """Run every program of up to --max-bits bits; exact prior mass per bucket.

    With --language tm --states n: every n-state Turing machine (a tree of reads over
    transition entries of arity 4n+2), up to --max-steps steps. With --language blc: every
    binary lambda calculus program (the reference machine, re-run per prefix: slow, exact)."""
    import os

    from toyinduction.engine.enumeration import enumerate_or_load
    from toyinduction.engine.parallel import connect
    from toyinduction.engine.store import RunStore

    store = RunStore(store_dir)
    workers = workers or os.cpu_count() or 1
    if language_name == "tm":
        return enumerate_machines(states, max_steps, workers, store, fresh, as_json, scheduler)
    if states is not None:
        raise ValueError("--states goes with --language tm")
    if language_name == "blc":
        from toyinduction.machines.blc.reference import enumerate_blc

        result = enumerate_blc(max_bits, max_steps, output_bits)
        document = dict(result.summary(), loaded_from_store=False)
        emit(document, as_json, f"blc: {result.programs} programs up to {max_bits} bits: " + ", ".join(
            f"{name} {row['mass']}" for name, row in document["buckets"].items()))
        return
    language = load_language(language_name)
    if fresh:
        store.forget("enumeration", {"language_spec": language.spec_hash, "max_bits": max_bits,
                                     "max_steps": max_steps, "output_bits": output_bits})
    client = connect(scheduler, workers)
    try:
        result, loaded = enumerate_or_load(language, max_bits, max_steps, output_bits, store, workers=workers,
                                           keep_leaves=keep_leaves, client=client,
                                           progress=ProgressBar("chunks", not as_json))
    finally:
        if client is not None:
            client.close()
    document = dict(result.summary(), loaded_from_store=loaded)
    lines = [f"{language.name} ({language.spec_hash}): {result.programs} programs up to {max_bits} bits, "
             f"{max_steps} steps, {output_bits} output bits" + (" (from the store)" if loaded else "")]
    lines += [f"  {name:12s} {row['programs']:>10d} programs  mass {row['mass']:>24s}  ({row['mass_float']:.6f})"
              for name, row in document["buckets"].items()]
    lines.append(f"  total mass {document['total_mass']}; {result.steps} steps in {result.seconds:.2f} s"
                 + (f" ({document['programs_per_second']:.0f} programs/s, {document['steps_per_second']:.0f} steps/s)"
                    if result.seconds else "")
                 + (f"; resumed {result.resumed_chunks} finished chunks" if result.resumed_chunks else ""))
    emit(document, as_json, "\n".join(lines))


def enumerate_machines(states, max_steps, workers, store, fresh, as_json, scheduler=None):
    """`enumerate --language tm`: the CTM tree reported in buckets with exact masses."""
    from fractions import Fraction

    from toyinduction.engine.enumeration import BUCKETS
    from toyinduction.machines.turing import MAX_CTM_STEPS, ctm_or_load

    if states is None:
        raise ValueError("--language tm needs --states n")
    if not 1 <= max_steps <= MAX_CTM_STEPS:
        raise ValueError(f"--max-steps for tm must be in 1..{MAX_CTM_STEPS}")
    from toyinduction.engine.parallel import connect

    if fresh:
        store.forget("ctm", {"machine": "tm-ctm", "states": states, "max_steps": max_steps})
    client = connect(scheduler, workers)
    try:
        result, loaded = ctm_or_load(states, max_steps, store, workers=workers, client=client,
                                     progress=ProgressBar("chunks", not as_json))
    finally:
        if client is not None:
            client.close()
    machines = result["machines"]
    tallies = {"halted": result["halting"], "step_limit": result["non_halting"]}
    buckets = {name: {"programs": tallies.get(name, 0), "mass": str(Fraction(tallies.get(name, 0), machines)),
                      "mass_float": tallies.get(name, 0) / machines} for name in BUCKETS}
    seconds = result["seconds"]
    document = {"language": "tm", "states": states, "max_steps": max_steps, "machines": machines,
                "tree_leaves": result["tree_leaves"], "buckets": buckets,
                "total_mass": str(sum(Fraction(row["mass"]) for row in buckets.values())),
                "steps": result["steps_simulated"], "seconds": seconds,
                "programs_per_second": result["tree_leaves"] / seconds if seconds else None,
                "steps_per_second": result["steps_simulated"] / seconds if seconds else None,
                "loaded_from_store": loaded}
    lines = [f"tm: all {machines} machines with {states} states, cutoff {max_steps}"
             + (" (from the store)" if loaded else "")]
    lines += [f"  {name:12s} {row['programs']:>16d} machines  mass {row['mass']}" for name, row in buckets.items()
              if row["programs"]]
    lines.append(f"  total mass {document['total_mass']}; {result['tree_leaves']} tree leaves, "
                 f"{result['steps_simulated']} steps in {seconds:.2f} s")
    emit(document, as_json, "\n".join(lines))


@main.command()
@store_option
@json_option
@library_errors
def runs(store_dir, as_json):
    """List the results in the run store."""
    from toyinduction.engine.store import RunStore

    store = RunStore(store_dir)
    rows = store.entries()
    text = "\n".join(f"{row['name']:32s} " + (row["error"] if "error" in row else
                      f"{row.get('language', '')} {json.dumps(row.get('parameters', {}))} {row.get('created', '')}")
                      for row in rows) or f"no results in {store.directory}"
    emit({"store": str(store.directory), "runs": rows}, as_json, text)


def observed_sequence(sequence: str, language, length: int) -> str:
    """A bit string given as itself, as a file of bits, or as a .toy program (its first bits)."""
    from toyinduction.machines.toy.kernel import run
    from toyinduction.core import bits_to_array

    path = Path(sequence)
    if language is not None and (sequence.endswith(".toy") or (_is_file(path) and path.suffix == ".toy")):
        from toyinduction.machines.toy.assembler import assemble_file

        result = run(language, assemble_file(path, language), 100_000_000, length)
        if len(result.output) < length:
            raise ValueError(f"{sequence} wrote only {len(result.output)} bits ({result.status.label})")
        return result.output
    if _is_file(path):
        try:
            sequence = "".join(path.read_text().split())
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"{path}: cannot read: {error}") from None
    if not sequence:
        raise ValueError("empty sequence: give bits, a file of bits, or a .toy program")
    bits_to_array(sequence)
    return sequence


@main.command()
@click.argument("sequence")
@language_option
@click.option("--max-bits", default=20, show_default=True, type=click.IntRange(1, 40),
              help="Enumerate every program up to this many bits.")
@budget("--max-steps", 1000, "Step budget of each enumerated program.")
@click.option("--length", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Bits to take when SEQUENCE is a .toy program.")
@click.option("--program", "program_paths", multiple=True, help="Add a named program (a .toy file); repeatable.")
@click.option("--all-programs", is_flag=True, help="Add every program in programs/ by name.")
@click.option("--speed-prior", "speed", default=0.0, show_default=True, type=click.FloatRange(0, 1000),
              help="λ: weight 2^-(length + λ·log2 steps).")
@click.option("--step-cap", default=None, type=click.IntRange(0, None), help="Give runs longer than this weight 0.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(0, 100), help="Top hypotheses to show.")
@click.option("--continue", "continue_bits", default=8, show_default=True, type=click.IntRange(0, 256),
              help="Also give the most probable continuation of this many bits.")
@click.option("--plot", "plot_dir", default=None, help="Write figures (PNG, SVG, GIF) into this directory.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@store_option
@json_option
@library_errors
def predict(sequence, language_name, max_bits, max_steps, length, program_paths, all_programs, speed, step_cap, top,
            continue_bits, plot_dir, workers, store_dir, as_json):
    """Predict SEQUENCE (bits, a file of bits, or a .toy program's output) bit by bit with the
    mixture over every program up to --max-bits bits (plus named programs), then the next, unseen
    bit and the most probable continuation."""
    import os

    from toyinduction.induction.baselines import BASELINES, log_loss
    from toyinduction.engine.enumeration import enumerate_or_load
    from toyinduction.induction.mixture import (NamedProgram, Weighting, build_pool, most_probable_continuation, predict as run_prediction,
                            predict_next, top_hypotheses)
    from toyinduction.machines.shipped import program_files
    from toyinduction.engine.store import RunStore

    if language_name == "blc":  # the second reference machine: bits, named programs as bit strings
        from toyinduction.machines.blc.reference import describe, enumerate_blc
        from toyinduction.machines.blc.kernel import run_blc_fast
        from toyinduction.core import bits_to_array

        language, describe_program = None, describe
        if sequence.endswith(".toy") or all_programs:
            raise ValueError("with --language blc, give the sequence and --program values as bits (or files of bits)")
        bits = observed_sequence(sequence, None, length)
        named = []
        for index, value in enumerate(program_paths):
            if value.endswith(".lam"):  # named lambda terms: compile them
                from toyinduction.machines.blc.assembler import assemble_lambda_file

                text = assemble_lambda_file(value)
            else:
                text = "".join(Path(value).read_text().split()) if Path(value).is_file() else value
            bits_to_array(text)
            named.append(NamedProgram(f"program {index}", text, f"named blc program {index} ({len(text)} bits)"))
        horizon = len(bits) + continue_bits + 2   # output bits the pool must know: the sequence and what follows
        enumeration, loaded = enumerate_blc(max_bits, max_steps, horizon), False
        pool = build_pool(None, enumeration, horizon, named, named_max_steps=max(max_steps, 10 ** 7),
                          runner=lambda program, steps: run_blc_fast(program, steps, horizon))
    else:
        language, describe_program = load_language(language_name), None
        bits = observed_sequence(sequence, language, length)
        paths = list(program_paths) + ([str(p) for p in program_files()] if all_programs else [])
        named = [NamedProgram.from_file(path, language) for path in dict.fromkeys(paths)]
        horizon = len(bits) + continue_bits + 2   # output bits the pool must know: the sequence and what follows
        enumeration, loaded = enumerate_or_load(language, max_bits, max_steps, horizon, RunStore(store_dir),
                                                workers=workers or os.cpu_count() or 1, keep_leaves=4_000_000)
        pool = build_pool(language, enumeration, horizon, named)
    weighting = Weighting(speed=speed, step_cap=step_cap)
    prediction = run_prediction(pool, bits, weighting)
    upcoming = predict_next(pool, bits, weighting)
    continuation = most_probable_continuation(pool, bits, continue_bits, weighting)
    baselines = {name: log_loss(function(bits)) for name, function in BASELINES.items()}
    hypotheses = top_hypotheses(pool, prediction, language, top, describe_program)
    document = {"sequence": bits, "steps": prediction.steps_json(),
                "log_loss_bits": float(prediction.log_loss_bits[-1]), "baselines_log_loss_bits": baselines,
                "top_hypotheses": hypotheses, "unresolved_posterior": float(prediction.unresolved_posterior[-1]),
                "next": upcoming, "continuation": "".join(str(step["bit"]) for step in continuation),
                "continuation_steps": continuation, "pool_size": pool.size, "enumeration_loaded_from_store": loaded}
    if document["unresolved_posterior"] > 0.5:
        document["advice"] = unexplained_advice(bits, max_bits, language, document["unresolved_posterior"])
    if plot_dir is not None:
        from toyinduction import plots

        title = f"{bits[:24]}{'…' if len(bits) > 24 else ''}"
        probabilities = {name: function(bits) for name, function in BASELINES.items()}
        figures = [*plots.plot_posterior(prediction, Path(plot_dir) / "posterior", f"Posterior mass by class: {title}"),
                   *plots.plot_observed_probability(prediction, probabilities, Path(plot_dir) / "probability",
                                                    f"Probability given to each observed bit: {title}"),
                   *plots.plot_log_loss(prediction, probabilities, Path(plot_dir) / "log_loss",
                                        f"Cumulative log-loss: {title}"),
                   *plots.plot_prior_by_length(enumeration, Path(plot_dir) / "prior_by_length"),
                   plots.animate_posterior(prediction, Path(plot_dir) / "posterior.gif", f"Posterior: {title}")]
        document["figures"] = [str(path) for path in figures]
    lines = [f"{'t':>4s} x_t  P(x_t = 1 | x_<t)  [lower, upper]"]
    lines += [f"{row['t']:>4d}  {row['bit']}   {row['p_next_one']:.4f}             [{row['p_lower']:.4f}, "
              f"{row['p_upper']:.4f}]" for row in document["steps"]]
    lines.append(f"log-loss: mixture {document['log_loss_bits']:.2f} bits; "
                 + ", ".join(f"{name} {value:.2f}" for name, value in baselines.items()))
    lines.append(f"posterior mass of unresolved programs (could continue any way): "
                 f"{document['unresolved_posterior']:.4f}")
    for hypothesis in hypotheses:
        lines.append(f"posterior {hypothesis['posterior']:.4g}  {hypothesis['length']} bits  {hypothesis['class']}  "
                     f"({hypothesis['status']}): " + " ".join(hypothesis["disassembly"].split()))
    if continuation:
        lines.append(f"most probable continuation: {document['continuation']} (each bit's probability: "
                     + " ".join(f"{step['p']:.3f}" for step in continuation) + ")")
    if "advice" in document:
        lines.append(document["advice"])
    lines.append(f"next bit x_{len(bits) + 1}: P(x_{len(bits) + 1} = 1 | x) = {upcoming['p_next_one']:.4f}, "
                 f"model-free interval [{upcoming['p_lower']:.4f}, {upcoming['p_upper']:.4f}] (the estimate assumes "
                 f"unresolved programs continue with coin flips; the interval assumes nothing)")
    emit(document, as_json, "\n".join(lines))


def unexplained_advice(bits: str, max_bits: int, language, unresolved: float) -> str:
    """What to do when the pool cannot explain the data: most posterior mass on unresolved programs."""
    from toyinduction.machines.toy.assembler import assemble_file
    from toyinduction.machines.toy.kernel import run
    from toyinduction.machines.shipped import program_files

    text = (f"the pool cannot explain these bits: {unresolved:.2f} of the posterior sits on programs stopped at a "
            f"step or length limit (their next bits are unknown). Enumerate more (--max-bits above {max_bits}, "
            f"--max-steps) or add a program that writes the sequence (--program FILE)")
    if language is not None:
        programs = {path.name: assemble_file(path, language) for path in program_files()}
        writers = sorted((len(code), name) for name, code in programs.items()
                         if run(language, code, 10 ** 6, len(bits)).output == bits)
        if writers:
            text += f"; the shortest shipped program that writes them is {writers[0][1]} ({writers[0][0]} bits)"
    return text + "."


@main.command()
@click.option("--out", "out_dir", default="demo-out", show_default=True, help="Output directory.")
@click.option("--seed", default=2026, show_default=True, type=click.IntRange(0, 2 ** 62),
              help="The world instance (a different seed: different targets, same family).")
@click.option("--depth", default=84, show_default=True, type=click.IntRange(1, 4096),
              help="Levels of the tree: the honest bridge is this many path bits.")
@click.option("--targets", default=4, show_default=True, type=click.IntRange(1, 64), help="Civilisations to observe.")
@click.option("--controls", default=2, show_default=True, type=click.IntRange(0, 64),
              help="Leaves without civilisations to observe.")
@click.option("--speed-prior", "speed", default=0.0, show_default=True, type=click.FloatRange(0, 1000),
              help="λ: weight 2^-(length + λ·log2 steps).")
@click.option("--max-bits", default=20, show_default=True, type=click.IntRange(1, 40),
              help="Background: every program up to this many bits.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@store_option
@json_option
@library_errors
def demo(out_dir, seed, depth, targets, controls, speed, max_bits, workers, store_dir, as_json):
    """The malign-prior demonstration: who holds the posterior at a civilisation's first question,
    in the full pool of honest programs and consequentialists, and under each premise of the
    malign-prior argument (no honest importance pointer, a speed prior, no rival goal, another
    reference machine)."""
    import os

    from toyinduction.malign.demo import run_demo
    from toyinduction.engine.store import RunStore

    report = run_demo(out_dir, seed=seed, depth=depth, targets=targets, controls=controls, speed=speed,
                      max_bits=max_bits, store=RunStore(store_dir), workers=workers or os.cpu_count() or 1)
    from toyinduction.malign.demo import json_summary

    document = json_summary(report)
    text = (Path(out_dir) / "report.md").read_text() + f"\nwrote {out_dir}/report.json, report.md and " \
        f"{len(report.get('figures', []))} figures in {report['seconds']:.1f} s"
    emit(document, as_json, text)


@main.command()
@click.argument("name", type=click.Choice(["solomonoff-basics", "takeover", "phase-diagram", "speed-prior",
                                          "importance-pointer", "rivals", "census", "lexical-update"]))
@click.option("--out", "out_dir", default=None, help="Output directory (default: ./NAME-out).")
@click.option("--max-bits", default=None, type=click.IntRange(1, 40),
              help="Enumeration length limit (default: the experiment's own).")
@budget("--max-steps", 1000, "Step budget of each enumerated program.")
@click.option("--length", default=448, show_default=True, type=click.IntRange(8, 4096), help="Bits per sequence.")
@click.option("--no-gif", is_flag=True, help="Skip the animated GIF.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@store_option
@json_option
@library_errors
def experiment(name, out_dir, max_bits, max_steps, length, no_gif, workers, store_dir, as_json):
    """Run a reproducible experiment; it writes JSON and figures."""
    import os

    from toyinduction.malign.experiments import EXPERIMENTS
    from toyinduction.engine.store import RunStore

    import inspect

    out_dir = out_dir or f"{name}-out"
    function = EXPERIMENTS[name]
    accepted = inspect.signature(function).parameters
    given = {"max_bits": max_bits, "max_steps": max_steps, "length": length, "gif": not no_gif,
             "store": RunStore(store_dir), "workers": workers or os.cpu_count() or 1}
    flags = {"max_bits": "--max-bits", "max_steps": "--max-steps", "length": "--length", "gif": "--no-gif",
             "store": "--store", "workers": "--workers"}
    context = click.get_current_context()
    for key, flag in flags.items():
        parameter = "no_gif" if key == "gif" else "store_dir" if key == "store" else key
        explicit = context.get_parameter_source(parameter) == click.core.ParameterSource.COMMANDLINE
        if key not in accepted and explicit:
            raise click.UsageError(f"experiment {name} does not take {flag}")
    options = {key: value for key, value in given.items() if key in accepted and not (key == "max_bits" and value is None)}
    document = function(out_dir, **options, progress=ProgressBar("sequences", not as_json))
    summary = {key: value for key, value in document.items() if key != "sequences"}
    table = Path(out_dir) / "table.md"
    emit(summary, as_json, (table.read_text() if table.exists() else "") + f"\nwrote {out_dir}/results.json and "
         f"{len(document['figures'])} figures")


@main.command()
@click.option("--language", "language_name", default="toy", show_default=True,
              help="toy (or a toy variant / .json file), blc, or tm.")
@click.option("--count", default=100_000, show_default=True, type=click.IntRange(1, 10 ** 8), help="Samples.")
@click.option("--max-bits", default=40, show_default=True, type=click.IntRange(1, 4096),
              help="Program-length limit of a sample (toy, blc).")
@budget("--max-steps", 1000, "Step budget of each sample.")
@click.option("--states", default=3, show_default=True, type=click.IntRange(1, 6), help="States (tm).")
@click.option("--prefix", "prefixes", multiple=True, help="Output prefix x to estimate M(x) for; repeatable.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2 ** 32 - 1))
@json_option
@library_errors
def sample(language_name, count, max_bits, max_steps, states, prefixes, seed, as_json):
    """Estimate M(x) beyond the exhaustive range by sampling programs from the prior."""
    from toyinduction.engine.sampling import sample_machines, sample_toy, sample_with_runner

    prefixes = prefixes or ("", "0", "1", "00", "01", "10", "11")
    longest = max(len(p) for p in prefixes) + 1
    if language_name == "tm":
        drawn = sample_machines(states, min(max_steps, 992), count, seed)
        rows = [drawn.output_estimate(p) for p in prefixes]
    elif language_name == "blc":
        from toyinduction.machines.blc.kernel import run_blc_fast

        drawn = sample_with_runner(lambda bits: run_blc_fast(bits, max_steps, longest), count, max_bits, seed)
        rows = [drawn.mass_estimate(p) for p in prefixes]
    else:
        drawn = sample_toy(load_language(language_name), count, max_bits, max_steps, longest, seed)
        rows = [drawn.mass_estimate(p) for p in prefixes]
    lines = [f"{count} samples of {language_name}" + (" (fraction halting with exactly x)" if language_name == "tm"
                                                      else " (M(x) between lower and upper, 99% intervals)")]
    for row in rows:
        if language_name == "tm":
            low, high = row["interval"]
            lines.append(f"  x = {row['output'] or '(empty)':10s} {row['fraction']:.5f}  [{low:.5f}, {high:.5f}]")
        else:
            lines.append(f"  x = {row['prefix'] or '(empty)':10s} lower {row['lower']:.5f} "
                         f"[{row['lower_interval'][0]:.5f}, {row['lower_interval'][1]:.5f}]  upper {row['upper']:.5f} "
                         f"[{row['upper_interval'][0]:.5f}, {row['upper_interval'][1]:.5f}]")
    emit({"language": language_name, "samples": count, "estimates": rows}, as_json, "\n".join(lines))


@main.group()
def tm():
    """Turing machines: CTM output frequencies and Busy Beaver runs (the CTM formalism of Soler-Toscano et al. 2014)."""


@tm.command("ctm")
@click.option("--states", required=True, type=click.IntRange(1, 6), help="Number of states n.")
@click.option("--max-steps", required=True, type=click.IntRange(1, 992), help="Cutoff in steps (halting step included).")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@click.option("--no-reduce", is_flag=True, help="Enumerate without the relabelling and mirror reductions.")
@click.option("--top", default=None, type=click.IntRange(1, None), help="Only the TOP most frequent outputs.")
@scheduler_option
@store_option
@click.option("--fresh", is_flag=True, help="Run even if the store has this result (and replace it).")
@json_option
@library_errors
def tm_ctm(states, max_steps, workers, no_reduce, top, scheduler, store_dir, fresh, as_json):
    """Count, for every output, the n-state machines that halt with it (blank tape of 0s)."""
    import os

    from toyinduction.engine.parallel import connect
    from toyinduction.engine.store import RunStore
    from toyinduction.machines.turing import algorithmic_probability, ctm, ctm_or_load

    workers = workers or os.cpu_count() or 1
    store = RunStore(store_dir)
    progress = ProgressBar("chunks", not as_json)
    client = connect(scheduler, workers)
    try:
        if no_reduce:  # a check of the reductions: never stored in place of the reduced run
            result, loaded = ctm(states, max_steps, reduce=False, workers=workers, progress=progress,
                                 client=client), False
        else:
            if fresh:
                store.forget("ctm", {"machine": "tm-ctm", "states": states, "max_steps": max_steps})
            result, loaded = ctm_or_load(states, max_steps, store, workers=workers, progress=progress, client=client)
    finally:
        if client is not None:
            client.close()
    counts = result["counts"]
    if top is not None:
        counts = dict(sorted(counts.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[:top])
    document = dict(result, counts=counts, loaded_from_store=loaded)
    frequent = sorted(result["counts"].items(), key=lambda item: (-item[1], len(item[0]), item[0]))[:10]
    lines = [f"{states} states, cutoff {max_steps}: {result['halting']} of {result['machines']} machines halt"
             + (" (from the store)" if loaded else f" ({result['seconds']:.2f} s)"),
             f"{len(result['counts'])} distinct outputs; the most frequent, with D(s) = (c0(s) + c0(~s)) / 2H:"]
    lines += [f"  {output:>12s}  c0 = {count:>14d}  D = {float(algorithmic_probability(result, output)):.9f}"
              for output, count in frequent]
    emit(document, as_json, "\n".join(lines))


@tm.command("run")
@click.argument("machine")
@budget("--max-steps", 10 ** 9, "Step budget.")
@json_option
@library_errors
def tm_run(machine, max_steps, as_json):
    """Run MACHINE, given in bbchallenge notation (e.g. 1RB1LB_1LA1RZ), from a blank tape."""
    from toyinduction.machines.turing import run_machine

    result = run_machine(machine, max_steps)
    emit({key: result[key] for key in ("steps", "ones", "status")}, as_json,
         f"{result['status']} after {result['steps']} steps with {result['ones']} ones")


@tm.command("bb")
@click.option("--states", required=True, type=click.IntRange(1, 4), help="Number of states n (1..4).")
@click.option("--max-steps", default=500, show_default=True, type=click.IntRange(1, 992),
              help="Cutoff: machines still running then are not decided.")
@click.option("--workers", default=None, type=click.IntRange(1, 256), help="Threads (default: all cores).")
@json_option
@library_errors
def tm_bb(states, max_steps, workers, as_json):
    """The most steps S(n) and ones Σ(n) among n-state machines that halt within the cutoff."""
    import os

    from toyinduction.machines.turing import busy_beaver

    result = busy_beaver(states, max_steps, workers or os.cpu_count() or 1, ProgressBar("subtrees", not as_json))
    emit(result, as_json, f"{states} states, cutoff {max_steps}: S = {result['max_steps_halting']}, "
         f"Σ = {result['max_ones_halting']} among {result['halting']} halting machines; "
         f"{result['still_running_at_cutoff']} machines still running at the cutoff (not decided)")


if __name__ == "__main__":  # pragma: no cover
    main()
