"""Experiment: a long fuzz campaign over the interpreter and the assembler (toyinduction.machines.toy.fuzz),
or over the whole command line (toyinduction.cli.fuzz).

    python experiments/fuzz.py [--count N] [--seed S] [--out fuzz.json]
    python experiments/fuzz.py --cli [--runs 2000] [--subprocess-runs 20] [--seed S] [--out fuzz-cli.json]
    python experiments/fuzz.py --hostile [--runs 300] [--interrupted 60] [--seed S] [--out fuzz-hostile.json]

Runs N programs of each kind (uniform, structured, eval storm) on every registered language
variant and a variant with tiny limits, and N assembler texts; writes the counts and every
problem found (there should be none) to a JSON file. Exits non-zero if anything was found.

With ``--cli``: that many generated and mutated command lines over every command and option, in
process (and some as real subprocesses), with the demo, the takeover experiment and the quick
benchmark included (``--light`` leaves them out, as CI does); each must end with exit 0, or exit
1/2 and one ``Error: `` line, and leave the run stores' entries as they were.

With ``--hostile``: that many hostile cases (toyinduction.cli.fuzz.fuzz_hostile) - files nested
10^3..10^5 deep, macro bombs, huge literals, long bit strings, every memory-sized option at its
documented maximum - and ``--interrupted`` long commands sent SIGINT at a random moment, each a
subprocess under a 4 GB address-space cap (``ulimit -v 4000000``) with a 20 s timeout; each must
end with exit 0, or one ``Error: `` line (exit 1/2, 130 after SIGINT), never a traceback.
"""

import glob
import json
import sys
import time
from pathlib import Path

import click

from toyinduction.machines.toy.fuzz import fuzz_assembler, fuzz_interpreter
from toyinduction.machines.toy.language import LANGUAGES, TOY, variant
from toyinduction.machines.shipped import programs_dir


def fuzz_hostile_inputs(runs: int, interrupted: int, seed: int, out: str, workers: int,
                        workdir: str | None) -> None:
    """The --hostile campaign: writes the report, prints every problem and a summary, exits 1 on any problem."""
    import tempfile

    from toyinduction.cli.fuzz import fuzz_hostile

    def progress(done, run):
        if run.problem:
            shown = " ".join(a if len(a) <= 60 else f"{a[:40]}...({len(a)})" for a in run.case.args)
            click.echo(f"problem: {shown}: {run.problem[:200]}", err=True)
        if done % 20 == 0:
            click.echo(f"{done} cases", err=True)

    with tempfile.TemporaryDirectory(prefix="toyinduction-hostile-") as scratch:
        root = Path(workdir) if workdir else Path(scratch)
        report = fuzz_hostile(runs, interrupted, seed, root, workers=workers, progress=progress)
    Path(out).write_text(json.dumps(report, indent=1))
    click.echo(f"{report['runs']} hostile cases and {report['interrupted_runs']} interrupted ones in "
               f"{report['seconds']:.0f} s, exit codes {report['exit_codes']}, peak memory {report['peak_rss_mib']} MiB, "
               f"slowest stop after SIGINT {report['slowest_stop_seconds']} s")
    click.echo(f"{len(report['problems'])} problems; wrote {out}")
    sys.exit(1 if report["problems"] else 0)


def fuzz_command_line(runs: int, subprocess_runs: int, seed: int, out: str, heavy: bool, workdir: str | None) -> None:
    """The --cli campaign: writes the report, prints a summary, exits 1 on any problem."""
    import tempfile

    from toyinduction.cli.fuzz import fuzz_cli

    def progress(done, run):
        if run.problem:
            click.echo(f"problem: {' '.join(a[:60] for a in run.args)}: {run.problem[:200]}", err=True)
        if done % 200 == 0:
            click.echo(f"{done} runs", err=True)

    with tempfile.TemporaryDirectory(prefix="toyinduction-fuzz-") as scratch:
        root = Path(workdir) if workdir else Path(scratch)
        report = fuzz_cli(runs, seed, root, subprocess_runs=subprocess_runs, heavy=heavy, progress=progress)
    Path(out).write_text(json.dumps(report, indent=1))
    click.echo(f"{report['runs']} runs in process ({report['runs_per_second']:.1f}/s), {report['subprocess_runs']} "
               f"as subprocesses, exit codes {report['exit_codes']}, in {report['seconds']:.0f} s")
    click.echo(f"{len(report['problems'])} problems; wrote {out}")
    sys.exit(1 if report["problems"] else 0)


@click.command()
@click.option("--count", default=20_000, show_default=True, help="Programs of each kind per language.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", default=None, help="Report file [default: fuzz.json, with --cli fuzz-cli.json].")
@click.option("--cli", "command_line", is_flag=True, help="Fuzz the whole command line instead.")
@click.option("--runs", default=2000, show_default=True, help="--cli: command lines run in process.")
@click.option("--subprocess-runs", default=20, show_default=True, help="--cli: command lines run as processes.")
@click.option("--light", is_flag=True, help="--cli: leave out the demo, experiments and benchmark (as CI).")
@click.option("--workdir", default=None, help="--cli, --hostile: keep the fixtures and stores here (default: a "
                                            "temporary one).")
@click.option("--hostile", is_flag=True, help="Hostile inputs and SIGINT as capped subprocesses instead (--runs cases).")
@click.option("--interrupted", default=None, type=int, help="--hostile: long commands sent SIGINT [default: --runs / 5].")
@click.option("--workers", default=2, show_default=True, help="--hostile: cases run at once.")
def main(count, seed, out, command_line, runs, subprocess_runs, light, workdir, hostile, interrupted, workers):
    """Fuzz the interpreter and the assembler (or, with --cli, the command line; with --hostile,
    hostile inputs and SIGINT)."""
    if hostile:
        fuzz_hostile_inputs(runs, runs // 5 if interrupted is None else interrupted, seed, out or "fuzz-hostile.json",
                            workers, workdir)
        return
    if command_line:
        fuzz_command_line(runs, subprocess_runs, seed, out or "fuzz-cli.json", not light, workdir)
        return
    out = out or "fuzz.json"
    tiny = variant("tiny-limits", limits={"stack_depth": 3, "memory_cells": 4, "call_depth": 2, "loop_depth": 2,
                                          "block_nesting": 3, "max_subroutines": 2, "eval_depth": 1})
    languages = dict(LANGUAGES, **{"tiny-limits": tiny})
    report = {"count": count, "seed": seed, "interpreter": {}, "assembler": None}
    start = time.time()
    for index, (name, language) in enumerate(languages.items()):
        try:
            result = fuzz_interpreter(language, count, seed + index)
        except ValueError as error:  # e.g. eval storms in a variant without eval
            result = {"skipped": str(error)}
        report["interpreter"][name] = result
        click.echo(f"{name}: {result.get('programs', 0)} programs, {len(result.get('problems', []))} problems")
    sources = [Path(path).read_text() for path in glob.glob(str(programs_dir() / "*.toy"))]
    report["assembler"] = fuzz_assembler(TOY, count, seed, sources)
    click.echo(f"assembler: {report['assembler']['texts']} texts, {len(report['assembler']['problems'])} problems")
    report["seconds"] = time.time() - start
    Path(out).write_text(json.dumps(report, indent=1))
    problems = sum(len(r.get("problems", [])) for r in report["interpreter"].values()) + len(report["assembler"]["problems"])
    click.echo(f"{problems} problems in {report['seconds']:.0f} s; wrote {out}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
