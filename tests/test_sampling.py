"""Monte Carlo sampling from the prior agrees with exhaustive results where both exist, for the
toy language, binary lambda calculus and Turing machines (fixed seeds; 99.9% intervals)."""

from fractions import Fraction

import pytest

import naive
from toyinduction.machines.blc.reference import run_blc
from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.engine.sampling import sample_with_runner, wilson
from toyinduction.machines.toy.sample import sample_toy
from toyinduction.machines.turing.tm import sample_machines
from toyinduction.machines.turing.tm import ctm

Z = 3.29  # 99.9%


def inside(value, successes_fraction, samples):
    low, high = wilson(round(successes_fraction * samples), samples, Z)
    return low <= float(value) <= high


def test_toy_sampling_estimates_the_exhaustive_masses():
    exact = enumerate_programs(TOY, 16, 200, 6)
    sample = sample_toy(TOY, 200_000, 16, 200, 6, seed=1)
    for prefix in ("", "0", "1", "01", "10", "11", "000", "0101"):
        lower, upper = exact.mass_bounds(prefix)
        estimate = sample.mass_estimate(prefix)
        assert inside(lower, estimate["lower"], sample.size), (prefix, lower, estimate)
        assert inside(upper, estimate["upper"], sample.size), (prefix, upper, estimate)


def test_blc_sampling_estimates_the_exhaustive_masses():
    def runner(bits):
        return run_blc(bits, 2000, 6)

    leaves = naive.enumerate_with_runner(runner, 14)
    sample = sample_with_runner(runner, 4000, 14, seed=2)
    for prefix in ("", "0", "1", "00"):
        lower = sum(Fraction(1, 2 ** len(bits)) for bits, r in leaves if r.output.startswith(prefix))
        assert inside(lower, sample.mass_estimate(prefix)["lower"], sample.size), prefix


def test_machine_sampling_estimates_the_ctm_frequencies():
    exact = ctm(2, 20)
    sample = sample_machines(2, 20, 60_000, seed=3)
    for output in ("0", "1", "00", "01", "001"):
        assert inside(Fraction(exact["counts"].get(output, 0), exact["machines"]),
                      sample.output_estimate(output)["fraction"], sample.size), output
    halted = sum(status.label == "halted" for status in sample.statuses) / sample.size
    assert inside(Fraction(exact["halting"], exact["machines"]), halted, sample.size)


def test_wilson_interval():
    low, high = wilson(50, 100)
    assert low < 0.5 < high
    assert wilson(0, 10)[0] == pytest.approx(0.0, abs=1e-12) and wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        sample_toy(TOY, 0, 10, 10, 4)


def test_sample_command():
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    for language in ("toy", "tm", "blc"):
        result = CliRunner().invoke(main, ["sample", "--language", language, "--count", "300", "--max-bits", "20",
                                           "--prefix", "0", "--json"])
        document = json.loads(result.output)
        assert document["samples"] == 300 and len(document["estimates"]) == 1, language


@pytest.mark.parametrize("name", ["toy", "blc", "tm"])
def test_sampling_with_progress_draws_the_same_programs(name):
    """progress(done, count) is called as batches finish, and the batches are the same draws."""
    from toyinduction.machines import machine

    chosen, calls = machine(name), []
    options = {"states": 2, "max_steps": 50} if name == "tm" else {"max_bits": 30, "max_steps": 200, "output_bits": 4}
    count = 5_000 if name == "toy" else 400
    plain = chosen.sample(count, seed=7, **options)
    reported = chosen.sample(count, seed=7, progress=lambda done, total: calls.append((done, total)), **options)
    assert (plain.statuses, plain.lengths, plain.outputs) == (reported.statuses, reported.lengths, reported.outputs)
    assert calls[-1] == (count, count) and [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) > 2
