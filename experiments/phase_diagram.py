"""Experiment: phase-diagram (see toyinduction.malign.experiments.phase_diagram and the README's demo section).

    python experiments/phase_diagram.py [--out DIR]

Same as `toyinduction experiment phase-diagram`: prints its result table and writes results.json, table.md and figures.
"""

import sys

from toyinduction.cli import main

if __name__ == "__main__":
    main(["experiment", "phase-diagram", *sys.argv[1:]])
