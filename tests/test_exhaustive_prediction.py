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
    assert plain.agreement is None and tallied.agreement.shape == (4, 9) and tallied.leaves is None
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
    refused = CliRunner().invoke(main, ["predict", "0000", "--exhaustive", "--step-cap", "5", "--program", "01"])
    assert refused.exit_code == 1 and refused.output.strip() == (
        "Error: --exhaustive uses the plain prior over the enumeration alone; drop --program, --step-cap")
