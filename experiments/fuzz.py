"""Experiment: a long fuzz campaign over the interpreter and the assembler (toyinduction.machines.toy.fuzz),
or over the whole command line (toyinduction.cli.fuzz).

    python experiments/fuzz.py [--count N] [--seed S] [--out fuzz.json]
    python experiments/fuzz.py --cli [--runs 2000] [--subprocess-runs 20] [--seed S] [--out fuzz-cli.json]

Runs N programs of each kind (uniform, structured, eval storm) on every registered language
variant and a variant with tiny limits, and N assembler texts; writes the counts and every
problem found (there should be none) to a JSON file. Exits non-zero if anything was found.

With ``--cli``: that many generated and mutated command lines over every command and option, in
process (and some as real subprocesses), with the demo, the takeover experiment and the quick
benchmark included (``--light`` leaves them out, as CI does); each must end with exit 0, or exit
1/2 and one ``Error: `` line, and leave the run stores' entries as they were.
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
@click.option("--workdir", default=None, help="--cli: keep the fixtures and stores here (default: a temporary one).")
def main(count, seed, out, command_line, runs, subprocess_runs, light, workdir):
    """Fuzz the interpreter and the assembler (or, with --cli, the command line)."""
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
