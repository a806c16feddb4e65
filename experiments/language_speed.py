"""Experiment: the toy language's interpreter speed, kernel against reference, in one run.

    python experiments/language_speed.py [--out language_speed.json] [--quick]

Writes the same report as `toyinduction bench --json` to a file and prints the two ratios.
Ratios measured within one run are what to compare: these machines are shared and noisy.
"""

import json

import click

from toyinduction.machines.toy.bench import benchmark
from toyinduction.machines.toy.language import load_language


@click.command()
@click.option("--out", default="language_speed.json", show_default=True, help="Where to write the JSON report.")
@click.option("--language", "language_name", default="toy", show_default=True, help="Language variant.")
@click.option("--quick", is_flag=True, help="Ten times smaller workloads.")
def main(out, language_name, quick):
    """Measure and record the interpreter's speed."""
    report = benchmark(load_language(language_name), quick=quick)
    with open(out, "w") as handle:
        json.dump(report, handle, indent=2)
    loop, rand = report["loop_heavy"], report["random_programs"]
    click.echo(f"loop-heavy: {loop['kernel_steps_per_second'] / 1e6:.1f} M steps/s, {loop['ratio']:.0f}x the reference")
    click.echo(f"random programs: {rand['kernel_programs_per_second']:.0f} programs/s, "
               f"{rand['ratio_programs_per_second']:.0f}x the reference")
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
