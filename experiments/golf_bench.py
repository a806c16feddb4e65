"""Benchmark: how fast the superoptimizer searches, on a fixed seed.

    python experiments/golf_bench.py [--proposals 20000] [--seed 0] [--programs period3.toy,...]
                                     [--out experiments/results/golf/golf_bench.json]

For each program, three runs of `toyinduction golf` (the library's golf_file): the stochastic
engine alone (proposals per second, and how many of them had to be run on the specification
because their acceptance threshold left room), the peephole engine alone (windows' candidates
tested per second by the local test, candidates run on the specification), and both engines
(bits saved per minute of search). Lengths and proposals are reproducible from the seed; the
rates are this machine's (printed with it: the project's machine has 2 cores and is shared, so
rates vary by tens of per cent from run to run).
"""

import json
import os
import platform
import time
from pathlib import Path

import click

PROGRAMS = ("period3.toy", "thue_morse.toy", "primes.toy", "world_honest.toy", "world_pointer.toy",
            "world_leaf_literal.toy")


def bench_one(name: str, proposals: int, seed: int) -> dict:
    """The three runs for one program."""
    from toyinduction.machines.shipped import shipped_program
    from toyinduction.malign.golfing import golf_file

    path = shipped_program(name)
    rows = {}
    for label, engines in (("stochastic", ("stochastic",)), ("peephole", ("peephole",)),
                           ("both", ("peephole", "stochastic"))):
        began = time.perf_counter()
        result = golf_file(path, engines=engines, proposals=proposals, seed=seed)
        seconds = time.perf_counter() - began
        engine = result.engines[0]
        rows[label] = {"seconds": round(seconds, 2), "original_bits": result.original_bits,
                       "best_bits": result.best_bits, "accepted": result.accepted,
                       "saved_bits": result.original_bits - result.best_bits,
                       "proposals": engine["proposals"], "run_on_specification": engine["evaluated"],
                       "proposals_per_second": round(engine["proposals"] / max(engine["seconds"], 1e-9), 1),
                       "specification_inputs": len(result.specification["cases"])}
    both = rows["both"]
    rows["bits_saved_per_minute"] = round(both["saved_bits"] / (both["seconds"] / 60), 2)
    return rows


@click.command()
@click.option("--proposals", default=20_000, show_default=True, help="Stochastic proposals per run.")
@click.option("--seed", default=0, show_default=True)
@click.option("--programs", default=",".join(PROGRAMS), show_default=True, help="Comma-separated shipped programs.")
@click.option("--out", default="experiments/results/golf/golf_bench.json", show_default=True)
def main(proposals, seed, programs, out):
    """Measure proposals per second and bits saved per minute."""
    from toyinduction.malign.golfing import golf_file
    from toyinduction.machines.shipped import shipped_program

    golf_file(shipped_program("alternate.toy"), proposals=100, seed=seed)     # numba compilation, not timed
    report = {"machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                          "cores": os.cpu_count()}, "proposals": proposals, "seed": seed, "programs": {}}
    for name in programs.split(","):
        rows = report["programs"][name] = bench_one(name, proposals, seed)
        s, p = rows["stochastic"], rows["peephole"]
        click.echo(f"{name:22s} stochastic {s['proposals_per_second']:>8.0f} proposals/s "
                   f"({s['run_on_specification']} of {s['proposals']} run, {s['specification_inputs']} inputs); "
                   f"peephole {p['proposals_per_second']:>9.0f} candidates/s, {p['seconds']:.1f} s; "
                   f"both: {rows['both']['saved_bits']} bits in {rows['both']['seconds']:.1f} s "
                   f"({rows['bits_saved_per_minute']:.1f} bits/min)")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(report, indent=1))
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
