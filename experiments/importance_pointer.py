"""Experiment: importance-pointer (see toyinduction.malign.experiments.importance_pointer and the README's demo section).

    python experiments/importance_pointer.py [--out DIR]

Same as `toyinduction experiment importance-pointer`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "importance-pointer", *sys.argv[1:]])
