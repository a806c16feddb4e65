"""Experiment: rivals (see toyinduction.malign.experiments.rivals and the README's demo section).

    python experiments/rivals.py [--out DIR]

Same as `toyinduction experiment rivals`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "rivals", *sys.argv[1:]])
