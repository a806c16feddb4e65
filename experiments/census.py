"""Experiment: census (see toyinduction.malign.experiments.census and the README's demo section).

    python experiments/census.py [--out DIR]

Same as `toyinduction experiment census`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "census", *sys.argv[1:]])
