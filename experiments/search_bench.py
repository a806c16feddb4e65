"""Benchmark: proposals per second of the posterior search (toyinduction/sources/search.py) on the
demo world's programs.

    python experiments/search_bench.py [--proposals 5000] [--seed 0] [--regions 0,1,2,3] [--roles ...]
                                       [--workers 1]

The world is the demo's, World(seed=2026, depth=84, region_bits=2, quiet=quiet_frames_for(...)),
computed from the World model at run time (so it follows any redesign of the world). For each
region, the target is its civilisation's stream up to and including its first decision point,
and the starts are every world program of the mix physics that can describe that leaf (its data
from World.data), each given the same budget of proposals. Printed: per region, the observed
bits, proposals evaluated, seconds, proposals per second, programs found and the shortest, and a
total. The first region also pays numba's compilation unless the kernel is already cached; the
total is printed without it. ``--workers 2`` searches the starts in two forked processes (the same
programs are found: every start has its own random stream). The project's machine has 2 cores
shared with other work, so rates vary from run to run.
"""

import os
import platform
import time

import click


@click.command()
@click.option("--proposals", default=5_000, show_default=True, help="Proposals per start.")
@click.option("--seed", default=0, show_default=True)
@click.option("--regions", default="0,1,2,3", show_default=True, help="Comma-separated regions (targets).")
@click.option("--roles", default="", help="Comma-separated roles to keep (default: every world program).")
@click.option("--workers", default=1, show_default=True, help="Worker processes (starts searched in parallel).")
def main(proposals, seed, regions, roles, workers):
    """Measure proposals evaluated per second on the demo world's programs."""
    from toyinduction.sources.search import posterior_search
    from toyinduction.machines import machine as machine_named
    from toyinduction.malign.pool_search import world_starts
    from toyinduction.malign.world import World, quiet_frames_for

    machine = machine_named("toy")
    quiet = quiet_frames_for(machine, 2026, 84, 2)
    world = World(seed=2026, depth=84, region_bits=2, quiet=quiet)
    keep = {r for r in roles.split(",") if r}
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"(1 min); python {platform.python_version()}")
    print(f"world: seed {world.seed}, depth {world.depth}, {2 ** world.region_bits} regions, quiet {world.quiet}")
    totals = {"proposals": 0, "seconds": 0.0}
    for number, region in enumerate(int(r) for r in regions.split(",")):
        observed = world.stream(region, world.louder_path(region), world.first_decision(region) + 1)
        starts = [s for s in world_starts(world, region, machine) if not keep or s.name in keep]
        began = time.perf_counter()
        result = posterior_search(machine, starts, observed, proposals_per_start=proposals, seed=seed,
                                   workers=workers)
        seconds = time.perf_counter() - began
        best = result.best()
        print(f"region {region}: observed {len(observed)} bits (first decision at {len(observed) - 1}), "
              f"{len(starts)} starts, {result.proposals} proposals evaluated "
              f"(+{result.discarded} discarded, {result.skipped} skipped, {result.probe_runs} probes) in "
              f"{seconds:.2f} s: {result.proposals_per_second:,.0f} proposals/s; {len(result.found)} shorter "
              f"programs found" + (f", shortest {best.total_bits} bits from {best.start} "
                                   f"({best.start_bits} bits)" if best else ""))
        for row in result.starts:
            print(f"    {row['name']:<16} {row['start_bits']:>5} bits  reproduces={row['reproduces']}  "
                  f"max_steps={row['max_steps']}  evaluated={row['proposals']}")
        if number > 0 or len(regions.split(",")) == 1:
            totals["proposals"] += result.proposals
            totals["seconds"] += result.seconds
    if totals["seconds"]:
        print(f"total (regions after the first, compilation excluded): {totals['proposals']} proposals in "
              f"{totals['seconds']:.2f} s = {totals['proposals'] / totals['seconds']:,.0f} proposals/s")


if __name__ == "__main__":
    main()
