"""Exact tails at the demo's decision points: every continuation of each target's tail-form
prefix, classified by what it does at the first question.

The prefix (experiments/tails/world_tail.toy, assembled with the demo world's constants, plus the
region bits) writes the civilisation's stream up to its first answer bit t and then needs a bit
beyond itself; every continuation of up to --max-bits bits is enumerated from that suspended
state (toyinduction.sources.tails). Printed per region and behaviour: the shortest continuation
(bits, length, disassembly), how many continuations show it and their exact prior mass relative
to the prefix's 2^-|p|. The price of malice at the decision point, given the prefix, is the
difference of the shortest lengths (flip minus true answer).

    python experiments/tails.py --max-bits 36 --workers 2
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from toyinduction.sources.tails import continuations, decision_behaviours, disassemble_tail
from toyinduction.machines import machine
from toyinduction.malign.world import World, quiet_frames_for

TAIL_FILE = Path(__file__).resolve().parent / "tails" / "world_tail.toy"


def main(argv=None) -> int:
    """Run the experiment; print one table per region."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-bits", type=int, default=36, help="continuation bits (default 36)")
    parser.add_argument("--output-bits", type=int, default=16, help="output bits after the prefix's (N)")
    parser.add_argument("--max-steps", type=int, default=1000, help="steps after the prefix's")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--regions", type=int, nargs="*", default=[0, 1, 2, 3])
    args = parser.parse_args(argv)
    toy = machine("toy")
    world = World(seed=2026, depth=84, region_bits=2, quiet=quiet_frames_for(toy, 2026, 84, 2))
    code = world.program(str(TAIL_FILE), toy)
    print(f"world seed 2026 depth 84 region bits 2 quiet {world.quiet}; tail-form code {len(code)} bits; "
          f"continuations up to {args.max_bits} bits, {args.max_steps} steps, {args.output_bits} output bits")
    for region in args.regions:
        prefix = code + world.region(region)
        t = world.first_decision(region)
        stream = world.stream(region, world.louder_path(region), t + args.output_bits)
        start = time.perf_counter()

        def progress(done, total):
            print(f"\r  region {region}: {done}/{total} subtrees, {time.perf_counter() - start:.0f} s",
                  end="", file=sys.stderr, flush=True)

        tails = continuations(toy, prefix, max_bits=args.max_bits, output_bits=args.output_bits,
                              max_steps=args.max_steps, workers=args.workers, progress=progress)
        print(file=sys.stderr)
        print(f"\nregion {region}: prefix {len(prefix)} bits, t = {t} (frame {t // 33}), true answer {stream[t]}, "
              f"next {args.output_bits} bits {stream[t:t + args.output_bits]}")
        print(f"  {tails.programs} continuations ({tails.tree_leaves} tree leaves) in {tails.seconds:.1f} s; "
              f"total mass {tails.total_mass}")
        rows = decision_behaviours(tails, stream, t)
        for row in rows:
            if row.shortest:
                bits = row.shortest[0][0]
                text = disassemble_tail(toy, prefix, bits)
                print(f"  {row.name:38s} {len(bits):3d} bits  {bits:38s} {text[:60]:60s} "
                      f"count {row.count:>12d}  mass {float(row.mass):.6g}")
            else:
                print(f"  {row.name:38s}   none within {args.max_bits} bits")
        by = {row.name: row.bits for row in rows}
        if by["flip"] is not None and by["answer " + stream[t]] is not None:
            print(f"  price of malice (shortest flip - shortest true answer): "
                  f"{by['flip'] - by['answer ' + stream[t]]} bits, given the prefix")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
