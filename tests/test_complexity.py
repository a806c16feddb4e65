"""The complexity lookup (`toyinduction complexity`, `ti.complexity`): K from the CTM tables against
the published values the project checks (tests/test_turing.py), K from the toy enumeration against
a direct walk of a tiny tree of programs, and the interval the unresolved mass allows."""

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import toyinduction as ti
from toyinduction.cli import main
from toyinduction.core import Status
from toyinduction.engine.store import RunStore
from toyinduction.induction.complexity import CTM_CUTOFFS, ctm_complete_length
from toyinduction.machines.turing.tm import ctm, save_ctm

#: The published D(4) values (Soler-Toscano et al. 2014, cutoff 107) that tests/test_turing.py
#: checks the enumeration against, to 5e-8.
PUBLISHED_D4 = {"0": 0.2050724, "00": 0.1024049, "000": 0.01876961, "001": 0.01804911, "010": 0.01712475,
                "0000": 0.002498356}
#: Exact D(3) values that tests/test_turing.py checks (numerators over 2H = 4294368).
PUBLISHED_D3 = {"0": 1075648, "00": 432040, "000": 48064, "010": 42832}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return RunStore(tmp_path_factory.mktemp("store"))


def test_ctm_k_is_minus_log2_of_the_published_d4_values(store):
    report = ti.complexity(list(PUBLISHED_D4) + ["1", "0101"], states=4, max_bits=8, store=store, workers=2,
                           progress=False)
    assert (report.ctm["states"], report.ctm["max_steps"], report.ctm["halting"]) == (4, 107, 2985384480)
    rows = {row["string"]: row for row in report.rows}
    for string, published in PUBLISHED_D4.items():
        # a value published to 5e-8 gives K to 5e-8 / (D ln 2)
        assert abs(rows[string]["ctm_k_bits"] - -math.log2(published)) < 5e-8 / (published * math.log(2)), string
        assert rows[string]["ctm_k_bits"] == pytest.approx(-math.log2(Fraction(rows[string]["ctm_d"])), abs=1e-12)
    assert rows["1"]["ctm_k_bits"] == rows["0"]["ctm_k_bits"]          # D(s) = D(complement of s)
    assert report.ctm["complete_length"] == 8 and report.ctm["longest_output_bits"] == 16


def test_ctm_k_of_d3_is_exact(store):
    report = ti.complexity(list(PUBLISHED_D3), states=3, max_bits=8, store=store, progress=False)
    assert report.ctm["max_steps"] == CTM_CUTOFFS[3]
    for row in report.rows:
        exact = Fraction(PUBLISHED_D3[row["string"]], 4294368)
        assert Fraction(row["ctm_d"]) == exact
        assert row["ctm_k_bits"] == pytest.approx(math.log2(4294368) - math.log2(PUBLISHED_D3[row["string"]]),
                                                  abs=1e-12)


def test_complete_length_and_strings_no_machine_writes():
    two = ctm(2, CTM_CUTOFFS[2])
    length = ctm_complete_length(two["counts"])
    flip = str.maketrans("01", "10")
    for n in range(1, length + 1):
        assert all(format(i, f"0{n}b") in two["counts"] or format(i, f"0{n}b").translate(flip) in two["counts"]
                   for i in range(2 ** n))
    n = length + 1
    assert not all(format(i, f"0{n}b") in two["counts"] or format(i, f"0{n}b").translate(flip) in two["counts"]
                   for i in range(2 ** n))
    report = ti.complexity(["0" * 9], states=2, max_bits=8, store=None, workers=1, progress=False)
    assert report.rows[0]["ctm_d"] == "0" and report.rows[0]["ctm_k_bits"] is None


def _leaves(machine, max_bits, max_steps, output_bits):
    """Every leaf of the tree of reads, walked with single runs: (status, output, mass in units of 2^-max_bits)."""
    leaves, stack = [], [""]
    while stack:
        bits = stack.pop()
        run = machine.run(bits, max_steps=max_steps, output_bits=output_bits)
        if run.status == Status.BITS_LIMIT and len(bits) < max_bits:
            stack += [bits + "0", bits + "1"]
        else:
            leaves.append((run.status, run.output, 2 ** (max_bits - len(bits))))
    return leaves


def _direct_masses(leaves, max_bits, string):
    """(prefix lower, prefix upper, exact lower, exact upper) of ``string``, summed over the leaves."""
    masses = [0, 0, 0, 0]
    for status, output, mass in leaves:
        unresolved = status in (Status.STEP_LIMIT, Status.BITS_LIMIT)
        if output.startswith(string):
            masses[0] += mass
        elif unresolved and string.startswith(output):
            masses[1] += mass
        if status == Status.HALTED and output == string:
            masses[2] += mass
        elif unresolved and string.startswith(output):
            masses[3] += mass
    scale = 2 ** max_bits
    return (Fraction(masses[0], scale), Fraction(masses[0] + masses[1], scale), Fraction(masses[2], scale),
            Fraction(masses[2] + masses[3], scale))


@pytest.mark.parametrize("mass", ["prefix", "exact"])
def test_toy_masses_equal_a_direct_walk_of_a_tiny_enumeration(mass):
    toy = ti.machine("toy")
    strings = ["0", "1", "00", "01", "10", "11", "000"]
    report = ti.complexity(strings, mass=mass, max_bits=16, max_steps=200, output_bits=8, silent=False, ctm=False,
                           workers=1, progress=False)
    assert report.ctm is None and report.toy["mass"] == mass
    positive, leaves = 0, _leaves(toy, 16, 200, 8)
    for row in report.rows:
        prefix_low, prefix_high, exact_low, exact_high = _direct_masses(leaves, 16, row["string"])
        low, high = (prefix_low, prefix_high) if mass == "prefix" else (exact_low, exact_high)
        assert (Fraction(row["toy_mass_lower"]), Fraction(row["toy_mass_upper"])) == (low, high), row["string"]
        assert row["toy_k_bits"] == (None if low == 0 else pytest.approx(-math.log2(low), abs=1e-12))
        positive += low > 0
    assert positive >= 2          # the comparison is not all zeros


def test_silent_runs_only_narrow_the_interval():
    strings = ["0", "1", "01", "0110"]
    plain = ti.complexity(strings, max_bits=14, silent=False, ctm=False, workers=1, progress=False)
    narrowed = ti.complexity(strings, max_bits=14, silent=True, ctm=False, workers=1, progress=False)
    for before, after in zip(plain.rows, narrowed.rows):
        assert after["toy_mass_lower"] == before["toy_mass_lower"]
        assert Fraction(after["toy_mass_lower"]) <= Fraction(after["toy_mass_upper"]) <= Fraction(before["toy_mass_upper"])


@pytest.mark.parametrize("mass", ["prefix", "exact"])
def test_the_interval_holds_the_value_and_narrows_with_more_bits(mass):
    strings = ["0", "1", "00", "01", "0000", "0101"]
    small = ti.complexity(strings, mass=mass, max_bits=12, ctm=False, workers=1, progress=False)
    large = ti.complexity(strings, mass=mass, max_bits=18, ctm=False, workers=1, progress=False)

    def bounds(interval):
        low, high = interval
        return low, math.inf if high is None else high

    for coarse, fine in zip(small.rows, large.rows):
        coarse_low, coarse_high = bounds(coarse["toy_k_interval"])
        fine_low, fine_high = bounds(fine["toy_k_interval"])
        assert coarse_low <= fine_low <= fine_high <= coarse_high, coarse["string"]
        value = math.inf if fine["toy_k_bits"] is None else fine["toy_k_bits"]
        assert fine_low <= value <= fine_high and value == fine_high
    assert any(row["toy_k_bits"] is not None for row in large.rows)


def test_d5_is_used_when_the_store_has_it(tmp_path):
    """The default table is D(5) when the store holds it. (An entry with D(2)'s counts is stored under
    D(5)'s key here, as computing D(5) takes minutes: the test checks which table is chosen.)"""
    store = RunStore(tmp_path)
    default = ti.complexity(["0"], max_bits=8, store=store, workers=2, progress=False)
    assert default.ctm["states"] == 4 and "D(4) by default" in default.ctm["why"]
    stand_in = dict(ctm(2, CTM_CUTOFFS[2]), states=5, max_steps=CTM_CUTOFFS[5])
    save_ctm(store, stand_in)
    chosen = ti.complexity(["0"], max_bits=8, store=store, progress=False)
    assert chosen.ctm["states"] == 5 and chosen.ctm["loaded_from_store"] and "in the run store" in chosen.ctm["why"]
    assert Fraction(chosen.rows[0]["ctm_d"]) == Fraction(2000, 6088)


def test_the_command_prints_a_table_or_json(tmp_path):
    args = ["complexity", "0", "01", "0110", "--max-bits", "12", "--states", "2", "--store", str(tmp_path)]
    text = CliRunner().invoke(main, args)
    assert text.exit_code == 0, text.output
    assert "begins with s" in text.output and "D(2)" in text.output and "K toy interval" in text.output
    document = json.loads(CliRunner().invoke(main, [*args, "--mass", "exact", "--json"]).output)
    assert document["toy"]["mass"] == "exact" and document["ctm"]["states"] == 2
    assert [row["string"] for row in document["strings"]] == ["0", "01", "0110"]
    assert document["strings"][0]["ctm_k_bits"] == pytest.approx(math.log2(6088) - math.log2(2000))


@pytest.mark.parametrize("args, code, message", [
    (["complexity", "01x"], 1, "string 1 ('01x')"),
    (["complexity", "0", ""], 1, "string 2 ('')"),
    (["complexity", "0", "--states", "7"], 2, "--states"),
    (["complexity", "0", "--max-bits", "0"], 2, "--max-bits"),
    (["complexity", "0", "--machine", "tm"], 1, "reads its program as bits"),
    (["complexity"], 2, "STRING"),
])
def test_bad_input_is_one_line(args, code, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code and message in result.output and len(result.output.strip().splitlines()) == 1


def test_the_api_takes_what_the_command_takes_and_refuses_alike():
    one = ti.complexity([0, 1, 1], max_bits=10, ctm=False, workers=1, progress=False)
    two = ti.complexity(np.array([0, 1, 1]), max_bits=10, ctm=False, workers=1, progress=False)
    assert [row["string"] for row in one.rows] == [row["string"] for row in two.rows] == ["011"]
    with pytest.raises(ValueError, match=r"'--max-bits' \(max_bits\)"):
        ti.complexity("01", max_bits=0)
    with pytest.raises(ValueError, match="mass must be one of prefix, exact"):
        ti.complexity("01", mass="begins")
    with pytest.raises(ValueError, match="no strings"):
        ti.complexity([])


def test_tm_ctm_prints_k(tmp_path):
    args = ["tm", "ctm", "--states", "2", "--max-steps", "6", "--store", str(tmp_path)]
    document = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert document["complexity_bits"]["0"] == pytest.approx(math.log2(6088) - math.log2(2000))
    assert f"K = {math.log2(6088) - math.log2(2000):.3f}" in CliRunner().invoke(main, args).output
