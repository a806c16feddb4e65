"""Experiment: lexical-update (see toyinduction.malign.experiments.lexical_update and the README).

    python experiments/lexical_update.py [--out DIR]

Same as `toyinduction experiment lexical-update`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "lexical-update", *sys.argv[1:]])
