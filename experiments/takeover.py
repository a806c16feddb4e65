"""Experiment: takeover (see toyinduction.malign.experiments.takeover and the README's demo section).

    python experiments/takeover.py [--out DIR]

Same as `toyinduction experiment takeover`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "takeover", *sys.argv[1:]])
