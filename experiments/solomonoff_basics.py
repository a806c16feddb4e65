"""Experiment: Solomonoff induction on eight sequences (see toyinduction.malign.experiments).

    python experiments/solomonoff_basics.py [--out DIR] [--max-bits L] [--length N]

Same as `toyinduction experiment solomonoff-basics`: prints its result table and writes results.json,
table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "solomonoff-basics", *sys.argv[1:]])
