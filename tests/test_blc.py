"""Binary lambda calculus: the reference machine against Tromp's published programs and the
published counts of closed terms.

Test data (bit strings), from John Tromp's "Binary lambda calculus" page and his repository
tromp/AIT (also transcribed identically in several independent implementations):
the 232-bit universal machine U, the 167-bit primes program, the 66-bit quine.
"""

import pytest

from toyinduction.machines import machine
from hypothesis import given, settings
from hypothesis import strategies as st

import naive
from toyinduction.machines.blc.reference import (TROMP_PRIMES, TROMP_QUINE, TROMP_UNIVERSAL, closed_term_counts,
                              closed_term_counts_by_recurrence, encode, parse, run_blc)
from toyinduction.core import Status

UNIVERSAL, PRIMES, QUINE = TROMP_UNIVERSAL, TROMP_PRIMES, TROMP_QUINE
IDENTITY = "0010"
OMEGA = "01" + "00011010" + "00011010"   # (λ1 1)(λ1 1): no normal form

#: OEIS A114852: closed lambda terms of size n bits, n = 0..20
A114852 = [0, 0, 0, 0, 1, 0, 1, 1, 2, 1, 6, 5, 13, 14, 37, 44, 101, 134, 298, 431, 883]


def test_closed_terms_by_size_match_oeis_a114852():
    assert closed_term_counts(20) == A114852                     # enumeration of the tree of reads
    assert closed_term_counts_by_recurrence(20) == A114852       # and an independent recurrence


def test_published_programs_have_their_published_lengths_and_round_trip():
    for bits, length in ((UNIVERSAL, 232), (PRIMES, 167), (QUINE, 66)):
        term, end = parse(bits)
        assert end == length == len(bits) and encode(term) == bits


def test_primes_program_writes_the_characteristic_sequence_of_the_primes():
    result = run_blc(PRIMES, 10 ** 7, 120)
    assert result.status == Status.OUTPUT_LIMIT and result.output == naive.primes_indicator(120)
    assert result.output.startswith("0011010100010100010100010000010100000100")


def test_the_quine_reproduces_itself():
    """Q outputs its input twice, so the bit string QQ outputs exactly QQ (Tromp's finite input)."""
    result = run_blc(QUINE + QUINE, 10 ** 6, 1000, finite_input=True)
    assert result.status == Status.HALTED and result.output == QUINE + QUINE


def test_the_universal_machine_runs_the_program_after_it():
    assert run_blc(UNIVERSAL + PRIMES, 10 ** 8, 60).output == naive.primes_indicator(60)
    assert run_blc(UNIVERSAL + IDENTITY + "1011001", 10 ** 7, 100, finite_input=True).output == "1011001"
    quine = run_blc(UNIVERSAL + QUINE + QUINE, 10 ** 7, 1000, finite_input=True)
    assert quine.status == Status.HALTED and quine.output == QUINE + QUINE


def test_monotone_machine_statuses():
    echo = run_blc(IDENTITY + "0110", 1000, 10)                 # input never ends: wants a 5th bit
    assert (echo.status, echo.output, echo.bits_read) == (Status.BITS_LIMIT, "0110", 8)
    assert run_blc(IDENTITY + "0110", 1000, 3).status == Status.OUTPUT_LIMIT
    assert run_blc(OMEGA, 500, 10).status == Status.STEP_LIMIT
    assert run_blc("0001", 100, 10).status == Status.BITS_LIMIT  # the program text is unfinished
    assert run_blc("110", 100, 10).status == Status.FAULT       # a free variable
    assert run_blc("0000000010", 100, 10).status == Status.FAULT  # λλλλ1: not a list of bits


@settings(max_examples=300, derandomize=True)
@given(st.text(alphabet="01", min_size=1, max_size=60))
def test_any_prefix_parses_or_says_why(bits):
    from toyinduction.machines.blc.reference import FreeVariable, NeedBits

    try:
        term, end = parse(bits)
    except (NeedBits, FreeVariable):
        return
    assert encode(term) == bits[:end]
    result = run_blc(bits, 2000, 16)
    assert result.steps <= 2000 and len(result.output) <= 16


def test_blc_enumeration_is_exact_and_agrees_with_the_naive_tree():
    from fractions import Fraction


    result = machine("blc").enumerate(16, max_steps=500, output_bits=8)
    assert sum(result.bucket_mass().values()) == 1
    leaves = naive.enumerate_with_runner(lambda bits: run_blc(bits, 500, 8), 16)
    assert result.programs == len(leaves)
    halted = sum(Fraction(1, 2 ** len(bits)) for bits, r in leaves if r.status == Status.HALTED)
    assert result.bucket_mass()["halted"] == halted
    lower, upper = result.mass_bounds("0")
    assert lower <= upper


def test_enumerate_command_speaks_blc():
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    document = json.loads(CliRunner().invoke(main, ["enumerate", "--language", "blc", "--max-bits", "12",
                                                    "--output-bits", "4", "--json"]).output)
    assert document["language"] == "blc" and document["total_mass"] == "1"


def random_closed_term(rng, size, depth=0):
    """A random closed term of roughly ``size`` nodes (bits of it, encoded)."""
    roll = rng.random()
    if size <= 1 or (depth and roll < 0.3):
        if depth == 0:
            return "00" + random_closed_term(rng, size, 1)
        return "1" * rng.randint(1, depth) + "0"
    if roll < 0.6:
        return "00" + random_closed_term(rng, size - 1, depth + 1)
    split = rng.randint(1, size - 1)
    return "01" + random_closed_term(rng, split, depth) + random_closed_term(rng, size - split, depth)


@pytest.mark.parametrize("seed", range(4))
def test_kernel_agrees_with_the_reference_on_random_closed_terms(seed):
    import random

    from toyinduction.machines.blc.kernel import run_blc_fast

    rng = random.Random(seed)
    for _ in range(1500):
        bits = random_closed_term(rng, rng.randint(2, 40)) + "".join(rng.choice("01") for _ in range(rng.randint(0, 30)))
        options = (rng.choice([1, 7, 100, 5000]), rng.choice([0, 3, 16]), rng.random() < 0.5)
        assert run_blc_fast(bits, *options) == run_blc(bits, *options), (bits, options)


def test_kernel_agrees_on_the_published_programs():
    from toyinduction.machines.blc.kernel import run_blc_fast

    for case in ((PRIMES, 10 ** 6, 120, False), (QUINE + QUINE, 10 ** 6, 500, True),
                 (UNIVERSAL + PRIMES, 10 ** 7, 60, False), (UNIVERSAL + QUINE + QUINE, 10 ** 7, 500, True),
                 (OMEGA, 500, 10, False), ("0000000010", 100, 10, False)):
        assert run_blc_fast(*case) == run_blc(*case)


def test_bench_measures_the_blc_kernel():
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    report = json.loads(CliRunner().invoke(main, ["bench", "--quick", "--blc", "--json"]).output)["blc"]
    assert report["kernel_steps"] > report["reference_steps"] > 0 and report["ratio"] > 0


def test_blc_mixture_learns_the_primes_within_solomonoffs_bound():
    import math

    from toyinduction.induction.mixture import NamedProgram, build_pool, predict

    n = 220
    enumeration = machine("blc").enumerate(14, max_steps=2000, output_bits=n + 1)
    pool = build_pool("blc", enumeration, n + 1, [NamedProgram("primes", PRIMES, "primes")], named_max_steps=10 ** 7)
    assert pool.prior_mass() == 1
    prediction = predict(pool, naive.primes_indicator(n))
    assert prediction.squared_error[-1] <= math.log(2) / 2 * len(PRIMES)
    assert prediction.p_observed[-1] > 0.99                      # the 167-bit program has taken over
    assert prediction.log_loss_bits[-1] < len(PRIMES)


def test_predict_command_speaks_blc(tmp_path):
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    result = CliRunner().invoke(main, ["predict", naive.primes_indicator(24), "--language", "blc", "--max-bits", "12",
                                       "--program", PRIMES, "--top", "1", "--json", "--store", str(tmp_path)])
    document = json.loads(result.output)
    assert len(document["steps"]) == 24 and document["top_hypotheses"][0]["length"] == 167
    assert document["top_hypotheses"][0]["disassembly"].startswith("λ")
