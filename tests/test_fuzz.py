"""A CI-sized fuzz run with fixed seeds (the long run is experiments/fuzz.py)."""

import glob
from pathlib import Path

import pytest

from toyinduction.machines.toy.fuzz import check_run, fuzz_assembler, fuzz_interpreter
from toyinduction.machines.toy.language import LANGUAGES, TOY, load_language, variant
from toyinduction.core import RunResult, Status
from toyinduction.machines.shipped import programs_dir

TINY = variant("tiny-limits", limits={"stack_depth": 3, "memory_cells": 4, "call_depth": 2, "loop_depth": 2,
                                      "block_nesting": 3, "max_subroutines": 2, "eval_depth": 1})
COMPOSITES = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))


@pytest.mark.parametrize("language", [TOY, LANGUAGES["toy-uniform"], TINY, COMPOSITES,
                                      variant("tiny-composites", COMPOSITES, limits=TINY.limits)],
                         ids=lambda language: language.name)
def test_interpreter_fuzz(language):
    report = fuzz_interpreter(language, 1500, seed=11)
    assert report["programs"] >= 4500 and report["compared_with_reference"] > 300
    assert report["problems"] == []


def test_assembler_fuzz():
    sources = [Path(path).read_text() for path in glob.glob(str(programs_dir() / "*.toy"))]
    report = fuzz_assembler(TOY, 2000, seed=3, sources=sources)
    assert report["assembled"] > 100 and report["refused"] > 100
    assert report["problems"] == []


def test_assembler_fuzz_with_composites():
    """Composite names in the token soup: assembled or refused cleanly, and round-tripped."""
    sources = [path.read_text() for path in sorted(programs_dir().glob("*.toy"))[:6]]
    report = fuzz_assembler(COMPOSITES, 1000, seed=5, sources=sources)
    assert report["assembled"] > 50 and report["refused"] > 50
    assert report["problems"] == []


def test_the_invariants_catch_violations():
    """check_run is not vacuous: each broken invariant is reported."""
    over = RunResult(Status.STEP_LIMIT, "0101", steps=11, bits_read=9, fault=0)
    problems = check_run(TOY, "0110", max_steps=10, output_bits=3, result=over)
    assert len(problems) == 4   # steps, output bits, bits read, step_limit count
