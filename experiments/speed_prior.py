"""Experiment: speed-prior (see toyinduction.malign.experiments.speed_prior and the README's demo section).

    python experiments/speed_prior.py [--out DIR]

Same as `toyinduction experiment speed-prior`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "speed-prior", *sys.argv[1:]])
