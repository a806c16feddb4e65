"""Experiment: importance-pointer (see toyinduction.malign.experiments.importance_pointer and the README's demo section).

    python experiments/importance_pointer.py [--out DIR]

Same as `toyinduction experiment importance-pointer`; writes results.json and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "importance-pointer", *sys.argv[1:]])
