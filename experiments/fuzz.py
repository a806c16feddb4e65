"""Experiment: a long fuzz campaign over the interpreter and the assembler (toyinduction.machines.toy.fuzz).

    python experiments/fuzz.py [--count N] [--seed S] [--out fuzz.json]

Runs N programs of each kind (uniform, structured, eval storm) on every registered language
variant and a variant with tiny limits, and N assembler texts; writes the counts and every
problem found (there should be none) to a JSON file. Exits non-zero if anything was found.
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


@click.command()
@click.option("--count", default=20_000, show_default=True, help="Programs of each kind per language.")
@click.option("--seed", default=0, show_default=True)
@click.option("--out", default="fuzz.json", show_default=True)
def main(count, seed, out):
    """Fuzz the interpreter and the assembler."""
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
