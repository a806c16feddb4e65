"""The demo's report kept with the docs: runs ``toyinduction demo`` (the defaults: seed 2026,
depth 84) into a scratch directory and copies into experiments/results/ the files the docs
cite: demo_report.json (the report), demo_premises.png and demo_posterior_region2.png.

    python experiments/demo_results.py [--workers N]

docs/demo.md and the README quote this report; tests/test_docs_numbers.py checks that they
say what it says and that its program lengths are those of the programs shipped now.
"""

import shutil
import sys
import tempfile
from pathlib import Path

from toyinduction.cli import main

RESULTS = Path(__file__).parent / "results"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        try:
            main(["demo", "--out", scratch, *sys.argv[1:]])   # the CLI exits, with 0 on success
        except SystemExit as stop:
            if stop.code:
                raise
        out = Path(scratch)
        shutil.copyfile(out / "report.json", RESULTS / "demo_report.json")
        shutil.copyfile(out / "premises.png", RESULTS / "demo_premises.png")
        shutil.copyfile(out / "target_civilisation_in_region_2_posterior.png", RESULTS / "demo_posterior_region2.png")
    print(f"wrote {RESULTS / 'demo_report.json'}, demo_premises.png, demo_posterior_region2.png")
