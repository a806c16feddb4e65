"""Grow the demo's pool by search: every world program of the pool, and programs drawn from the
prior, searched with one budget each for shorter programs that write each target's stream up to
its first question; the programs shorter than the best pool program of their measured class
are kept in programs/found_pool.json, which the demo loads when it runs the same world.

    python experiments/grow_pool.py [--proposals 20000] [--prior-starts 8] [--seed 0] [--workers 2]
                                    [--out programs/found_pool.json]

Prints, per region, the search's counts and the best pool program of each class, then every
program kept (class, how it knows when, total bits, the start it came from).
"""

import os
import platform

import click


@click.command()
@click.option("--proposals", default=20_000, show_default=True, help="Proposals per start (every start alike).")
@click.option("--prior-starts", default=8, show_default=True, help="Starts drawn from the prior, per region.")
@click.option("--seed", default=0, show_default=True)
@click.option("--workers", default=2, show_default=True, help="Worker processes.")
@click.option("--out", default=None, help="Where to keep the found programs (default: the shipped file).")
def main(proposals, prior_starts, seed, workers, out):
    """Search the demo world's targets for programs shorter than the pool's."""
    from pathlib import Path

    from toyinduction.machines import machine as machine_named
    from toyinduction.machines.shipped import programs_dir
    from toyinduction.malign.pool_search import FOUND_FILE, grow_pool, save_found
    from toyinduction.malign.world import World, quiet_frames_for

    toy = machine_named("toy")
    world = World(seed=2026, depth=84, region_bits=2, quiet=quiet_frames_for(toy, 2026, 84, 2))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} (1 min)")
    document = grow_pool(world, toy, proposals_per_start=proposals, prior_starts=prior_starts, seed=seed,
                         workers=workers, progress=lambda done, total: print(f"  region {done}/{total} searched",
                                                                                flush=True))
    for row in document["regions"]:
        best = ", ".join(f"{name} {value['total_bits']} ({value['file']})"
                         for name, value in sorted(row["best_pool_program"].items()))
        print(f"region {row['region']}: {row['starts']} pool starts + {row['prior_starts']} from the prior, "
              f"{row['proposals']} proposals in {row['seconds']:.1f} s, {row['found']} shorter than their start, "
              f"{row['kept']} kept; best in the pool: {best}")
    for row in document["found"]:
        print(f"  kept: region {row['region']} {row['class']} ({row['when']} when) {row['total_bits']} bits, "
              f"from {row['start']} ({row['start_bits']} bits)")
    print(f"{document['proposals']} proposals in {document['seconds']:.1f} s: "
          f"{document['proposals_per_second']:,.0f} proposals/s")
    path = save_found(document, out or Path(programs_dir()) / FOUND_FILE)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
