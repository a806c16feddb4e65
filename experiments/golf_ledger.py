"""Experiment: the ledger golfed on every side — the superoptimizer, with one budget, on every world
program (mix and ring worlds) and every shipped sequence program.

    python experiments/golf_ledger.py [--proposals 200000] [--seed 0] [--out experiments/results/golf]
                                      [--only world_honest.toy,...] [--jobs 2]

For each program: `toyinduction golf` with the same budget (the peephole engine to completion,
then --proposals proposals of the stochastic engine from --seed, then the peephole again if the
sampler found something), the length before and after (at the specification's constants and at
the file's own), whether the held-back inputs pass, and the golfed assembly. Writes one JSON per
program, golf_ledger.json (all of them) and golf_ledger_table.md. Lengths are exact and the
search is reproducible from the seed (it is budgeted in proposals, not seconds); the timings are
this machine's.
"""

import json
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click

WORLD = ("world_honest.toy", "world_honest_flag.toy", "world_honest_civ.toy", "world_leaf_literal.toy",
         "world_pointer.toy", "world_pointer_first.toy", "world_guided_flip.toy", "world_guided_first.toy",
         "world_guided_one.toy", "world_guided_zero.toy", "world_guided_ones.toy", "world_brute_flip.toy")
RING = ("ring_honest.toy", "ring_honest_flag.toy", "ring_leaf_literal.toy", "ring_pointer.toy",
        "ring_guided_flip.toy")
#: (not program_search.toy: one run of it takes 9 million steps, since it searches 850,001 programs
#: with eval, and the peephole engine alone would run it some ten thousand times)
SEQUENCES = ("alternate.toy", "constant.toy", "hash_stream.toy", "period3.toy", "period5.toy", "select_pattern.toy",
             "thue_morse.toy", "counter.toy", "primes.toy", "fibonacci_word.toy", "eca_rule30.toy",
             "eca_rule110.toy", "eval_replay.toy")


def golf_one(name: str, proposals: int, seed: int, out: str) -> dict:
    """Golf one shipped program; write and return its row."""
    from toyinduction.machines.shipped import shipped_program
    from toyinduction.machines.toy.golf import template_from_file
    from toyinduction.machines.toy.language import TOY
    from toyinduction.malign.golfing import golf_file

    path = shipped_program(name)
    began = time.perf_counter()
    result = golf_file(path, proposals=proposals, seed=seed)
    template = template_from_file(path, TOY)
    row = {"program": name, "original_bits": result.original_bits, "golfed_bits": result.best_bits,
           "saved_bits": result.original_bits - result.best_bits, "accepted": result.accepted,
           "file_constants": {"original_bits": template.length(),
                              "golfed_bits": template.length(result.best_code)},
           "held_back": {"inputs": len(result.held_back),
                         "failed": [r["label"] for r in result.held_back if not r["passed"]]},
           "specification_inputs": len(result.specification["cases"]),
           "seconds": round(time.perf_counter() - began, 1), "result": result.to_json()}
    Path(out, Path(name).stem + ".json").write_text(json.dumps(row, indent=1))
    return row


@click.command()
@click.option("--proposals", default=200_000, show_default=True, help="Stochastic proposals per program.")
@click.option("--seed", default=0, show_default=True, help="Seed of the stochastic engine.")
@click.option("--out", default="experiments/results/golf", show_default=True, help="Output directory.")
@click.option("--only", default=None, help="Comma-separated program names (default: all).")
@click.option("--jobs", default=2, show_default=True, help="Programs golfed at once (processes).")
@click.option("--resume", is_flag=True, help="Keep the programs already golfed in --out (their JSON files).")
def main(proposals, seed, out, only, jobs, resume):
    """Golf every program with the same budget and tabulate before/after."""
    Path(out).mkdir(parents=True, exist_ok=True)
    names = only.split(",") if only else list(WORLD + RING + SEQUENCES)
    done = {name: json.loads(Path(out, Path(name).stem + ".json").read_text()) for name in names
            if resume and Path(out, Path(name).stem + ".json").exists()}
    todo = [name for name in names if name not in done]
    began = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        found = dict(zip(todo, pool.map(golf_one, todo, [proposals] * len(todo), [seed] * len(todo),
                                         [out] * len(todo))))
    rows = [done[name] if name in done else found[name] for name in names]
    for row in rows:
        click.echo(f"{row['program']:24s} {row['original_bits']:5d} -> {row['golfed_bits']:5d}"
                   f"  {'accepted' if row['accepted'] else 'held-back FAIL' if row['held_back']['failed'] else '-'}"
                   f"  {row['seconds']:.0f} s")
    machine = {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
               "jobs": jobs}
    summary = {"budget": {"peephole": "windows of up to 4 instructions, replacements up to 24 bits, to completion",
                          "stochastic_proposals": proposals, "seed": seed}, "machine": machine,
               "seconds": round(time.perf_counter() - began, 1),
               "programs": [{k: v for k, v in row.items() if k != "result"} for row in rows]}
    Path(out, "golf_ledger.json").write_text(json.dumps(summary, indent=1))
    lines = ["| program | spec inputs | before | after | saved | held-back | at the file's constants | seconds |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        held = row["held_back"]
        verdict = (f"{held['inputs']} pass" if not held["failed"] else f"{len(held['failed'])} of {held['inputs']} fail")
        lines.append(f"| `{row['program']}` | {row['specification_inputs']} | {row['original_bits']} | "
                     f"{row['golfed_bits']} | {row['saved_bits']} | {verdict if held['inputs'] else '—'} | "
                     f"{row['file_constants']['original_bits']} -> {row['file_constants']['golfed_bits']} | "
                     f"{row['seconds']:.0f} |")
    Path(out, "golf_ledger_table.md").write_text("\n".join(lines) + "\n")
    click.echo(f"wrote {out}/golf_ledger.json and golf_ledger_table.md in {summary['seconds']:.0f} s")


if __name__ == "__main__":
    main()
