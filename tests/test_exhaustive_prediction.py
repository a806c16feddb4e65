"""The mixture along one sequence from the flat enumerator's agreement tally (no leaves kept)
equals the pool-based mixture computed from every kept leaf, bit for bit."""

import numpy as np
import pytest

from toyinduction.induction.exhaustive import exhaustive_prediction, prediction_from_agreement
from toyinduction.induction.mixture import build_pool, predict, predict_next
from toyinduction.machines import machine
from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY

FIELDS = ("p_next_one", "p_lower", "p_upper", "p_coin_lower", "p_coin_upper", "unresolved_raw_share", "p_observed")


@pytest.mark.parametrize("sequence, max_bits, max_steps", [
    ("000000000", 20, 1000), ("0101", 20, 300), ("1111", 19, 500), ("11", 20, 30), ("", 18, 100), ("1", 19, 1000)])
def test_the_agreement_tally_gives_the_pool_mixtures_predictions(sequence, max_bits, max_steps):
    n = len(sequence)
    enumeration = enumerate_programs(TOY, max_bits, max_steps, n + 2, keep_leaves=10 ** 6, target=sequence)
    pool = build_pool(machine("toy"), enumeration, n + 2)
    expected = predict(pool, sequence)
    found = prediction_from_agreement(sequence, enumeration.agreement, max_bits, max_steps)
    for name in FIELDS:
        assert np.allclose(getattr(expected, name), getattr(found, name), rtol=1e-12, atol=0), name
    upcoming = predict_next(pool, sequence)
    assert all(abs(upcoming[name] - found.next[name]) < 1e-12 for name in upcoming)
    assert sum(int(v) for v in enumeration.agreement[0]) == 2 ** max_bits


def test_a_target_changes_no_tally_and_needs_no_kept_leaves():
    plain = enumerate_programs(TOY, 18, 300, 8, keep_leaves=0)
    tallied = enumerate_programs(TOY, 18, 300, 8, keep_leaves=0, target="0101010", workers=2)
    for name in ("trie_mass", "length_mass", "length_count"):
        assert np.array_equal(getattr(plain, name), getattr(tallied, name)), name
    assert plain.agreement is None and tallied.agreement.shape == (5, 9) and tallied.leaves is None
    kept = enumerate_programs(TOY, 18, 300, 8, keep_leaves=10 ** 6, target="0101010")
    assert np.array_equal(kept.agreement, tallied.agreement)


def test_exhaustive_prediction_end_to_end():
    result = exhaustive_prediction("toy", "0000", 18, 300, workers=2)
    enumeration = enumerate_programs(TOY, 18, 300, 5, keep_leaves=0, target="0000")
    again = prediction_from_agreement("0000", enumeration.agreement, 18)
    assert np.array_equal(result.p_next_one, again.p_next_one) and result.next == again.next
    assert result.programs == enumeration.programs and len(result.steps_json()) == 4


@pytest.mark.parametrize("call, message", [
    (lambda: enumerate_programs(TOY, 10, 10, 4, target="012"), "a target must be a bit string"),
    (lambda: enumerate_programs(TOY, 10, 10, 4, target="01", kernel="snapshot"), "for the flat kernel"),
    (lambda: exhaustive_prediction("blc", "01", 10), "needs the toy machine's flat enumerator"),
    (lambda: exhaustive_prediction("toy", "01", 10, output_bits=2), "needs outputs to 3 bits"),
])
def test_bad_requests_are_one_line_errors(call, message):
    with pytest.raises(ValueError, match=message) as raised:
        call()
    assert "\n" not in str(raised.value)


def test_predict_exhaustive_on_the_command_line():
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    result = CliRunner().invoke(main, ["predict", "0000", "--max-bits", "16", "--max-steps", "300", "--exhaustive",
                                       "--workers", "2", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    expected = exhaustive_prediction("toy", "0000", 16, 300)
    assert [row["p_next_one"] for row in document["steps"]] == [float(p) for p in expected.p_next_one]
    assert document["next"] == expected.next and document["programs"] == expected.programs
    assert document["steps_meaning"].startswith("steps[i] is bit x_t, t = i + 1")
    refused = CliRunner().invoke(main, ["predict", "0000", "--exhaustive", "--step-cap", "5", "--program", "01",
                                        "--store", "somewhere"])
    assert refused.exit_code == 1 and refused.output.strip() == (
        "Error: --exhaustive uses the plain prior over the enumeration alone; drop --program, --step-cap, --store")
    silent = CliRunner().invoke(main, ["predict", "0000", "--max-bits", "16", "--max-steps", "300", "--exhaustive",
                                       "--silent-final", "--json"])
    assert silent.exit_code == 0, silent.output
    counted = json.loads(silent.output)
    expected = exhaustive_prediction("toy", "0000", 16, 300, silent=True)
    assert counted["silent_final"] and [row["p_upper"] for row in counted["steps"]] == [
        float(p) for p in expected.p_upper]
    assert all(a["p_upper"] - a["p_lower"] <= b["p_upper"] - b["p_lower"] + 1e-12
               for a, b in zip(counted["steps"], document["steps"]))      # silent runs only narrow the interval
    assert counted["steps"][0]["p_upper"] < document["steps"][0]["p_upper"]   # and here they do (0.9516 -> 0.9489)
    alone = CliRunner().invoke(main, ["predict", "0000", "--silent-final"])
    assert alone.exit_code == 2 and alone.output.strip() == (
        "Error: --silent-final goes with --exhaustive (the flat enumerator's silent tally)")


# ----- silent runs ----------------------------------------------------------------------------
def _silent_flags(language, max_bits, max_steps, output_bits):
    """The serial flat enumeration's kept leaves (lexicographic order, as Enumeration.leaves) and
    which of them are silent."""
    from toyinduction.machines.toy.flat import enumerate_chunk_flat

    part = enumerate_chunk_flat(language.to_json(), max_bits, max_steps, output_bits, min(output_bits, 16), 10 ** 6,
                                [""])
    return part["leaves"], part["silent_leaves"]


@pytest.mark.parametrize("language_name", ["toy", "tiny", "composites"])
def test_silent_runs_never_write_again(language_name):
    """Every leaf the enumerator calls silent, run by the reference interpreter with random bits
    after it and 30 times the step budget, writes nothing more."""
    import random
    from pathlib import Path

    from toyinduction.machines.toy.language import load_language, variant
    from toyinduction.machines.toy.reference import run_reference

    language = {"toy": TOY, "tiny": variant("tiny", limits={"stack_depth": 3, "memory_cells": 4, "call_depth": 2,
                                                            "loop_depth": 2, "block_nesting": 2, "max_subroutines": 2,
                                                            "eval_depth": 1}),
                "composites": load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))}[language_name]
    leaves, silent = _silent_flags(language, 19, 60, 8)
    rng = random.Random(7)
    assert silent.sum() >= 20
    for index in np.flatnonzero(silent):
        length = int(leaves["length"][index])
        bits = format(int(leaves["bits"][index]), f"0{length}b") if length else ""
        bits += "".join(rng.choice("01") for _ in range(40))
        result = run_reference(language, bits, 60 * 30, 8)
        assert len(result.output) == int(leaves["output_length"][index]), (bits[:length], result)
        assert int(leaves["status"][index]) % 8 in (1, 3)   # step_limit or bits_limit


def test_silent_runs_leave_the_upper_bounds_and_the_coin_weight():
    """With silent=True the silent runs count as programs whose output is final: the pool-based
    mixture with those leaves marked halted gives the same predictions; bounds only tighten."""
    from toyinduction.core import Status

    sequence, max_bits, max_steps = "0000", 18, 80
    enumeration = enumerate_programs(TOY, max_bits, max_steps, 6, keep_leaves=10 ** 6, target=sequence)
    leaves, silent = _silent_flags(TOY, max_bits, max_steps, 6)
    assert np.array_equal(leaves["bits"], enumeration.leaves["bits"]) and silent.sum() > 0
    assert int(enumeration.silent_trie.sum()) == sum(2 ** (max_bits - int(n)) for n in leaves["length"][silent])
    pool = build_pool(machine("toy"), enumeration, 6)
    pool.status[silent] = int(Status.HALTED)
    expected = predict(pool, sequence)
    found = prediction_from_agreement(sequence, enumeration.agreement, max_bits, max_steps, silent=True)
    for name in FIELDS:
        assert np.allclose(getattr(expected, name), getattr(found, name), rtol=1e-12, atol=0), name
    plain = prediction_from_agreement(sequence, enumeration.agreement, max_bits, max_steps)
    assert np.all(found.p_upper - found.p_lower <= plain.p_upper - plain.p_lower + 1e-15)
    for prefix in ("", "0", "00", "1", "01"):
        low, high = enumeration.mass_bounds(prefix)
        low_silent, high_silent = enumeration.mass_bounds(prefix, silent=True)
        assert low == low_silent and low <= high_silent <= high


@pytest.mark.parametrize("source, silent", [
    ("loop idx drop end", True), ("0 loop 1 add end", True), ("loop idx 1 eq if 3 read drop end end", True),
    ("loop idx 400 eq brk end 1 out", False),      # it leaves the loop, then writes
    ("def end loop call 0 end", False),            # a call could write (not analysed)
    ("1 out loop idx 2000 eq if 1 out end end", False)])
def test_hand_made_programs_are_silent_or_not(source, silent):
    from toyinduction.machines.toy.assembler import assemble
    from toyinduction.machines.toy.flat import enumerate_chunk_flat

    bits = assemble(source, TOY)
    part = enumerate_chunk_flat(TOY.to_json(), len(bits), 1000, 8, 8, 10, [bits])
    assert len(part["leaves"]["bits"]) == 1 and int(part["leaves"]["status"][0]) % 8 in (1, 3)
    assert bool(part["silent_leaves"][0]) == silent
