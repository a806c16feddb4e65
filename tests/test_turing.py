"""Turing machines in the CTM formalism against the published numbers (Soler-Toscano et al. 2014; Busy Beaver)."""

import itertools
import json
from fractions import Fraction

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.engine.store import RunStore
from toyinduction.machines.turing.tm import algorithmic_probability, ctm, ctm_or_load, parse_machine, run_machine


def brute_force_ctm(states, max_steps):
    """Every one of the (4n+2)^(2n) machines, run separately in plain Python."""
    options = [("halt", w) for w in (0, 1)] + [(w, move, s) for w in (0, 1) for move in (-1, 1) for s in range(states)]
    counts, halting = {}, 0
    for table in itertools.product(options, repeat=2 * states):
        tape, position, state, lo, hi = {}, 0, 0, 0, 0
        for _ in range(max_steps):
            entry = table[2 * state + tape.get(position, 0)]
            if entry[0] == "halt":
                tape[position] = entry[1]
                output = "".join(str(tape.get(i, 0)) for i in range(lo, hi + 1))
                counts[output] = counts.get(output, 0) + 1
                halting += 1
                break
            tape[position] = entry[0]
            position += entry[1]
            lo, hi = min(lo, position), max(hi, position)
            state = entry[2]
    return halting, counts


@pytest.mark.parametrize("states, max_steps", [(1, 10), (2, 20)])
def test_enumeration_equals_brute_force(states, max_steps):
    halting, counts = brute_force_ctm(states, max_steps)
    result = ctm(states, max_steps)
    assert result["halting"] == halting and result["counts"] == counts


@pytest.mark.parametrize("states, max_steps", [(1, 10), (2, 20), (3, 50)])
def test_reductions_do_not_change_any_count(states, max_steps):
    reduced, plain = ctm(states, max_steps, reduce=True), ctm(states, max_steps, reduce=False)
    assert reduced["counts"] == plain["counts"] and reduced["halting"] == plain["halting"]
    assert reduced["tree_leaves"] < plain["tree_leaves"]


def test_published_halting_counts_and_d2_d3():
    assert [ctm(n, 100)["halting"] for n in (1, 2, 3)] == [12, 3044, 2147184]
    two, three = ctm(2, 20), ctm(3, 100)
    assert algorithmic_probability(two, "0") == Fraction(2000, 6088)
    for s in ("00", "01", "10", "11"):
        assert algorithmic_probability(two, s) == Fraction(508, 6088)
    for s in ("001", "011", "100", "110"):
        assert algorithmic_probability(two, s) == Fraction(6, 6088)
    expected = {"0": 1075648, "1": 1075648, "00": 432040, "01": 432040, "000": 48064, "111": 48064,
                "010": 42832, "101": 42832}
    for s, numerator in expected.items():
        assert algorithmic_probability(three, s) == Fraction(numerator, 4294368)


def test_published_d4_with_cutoff_107():
    four = ctm(4, 107, workers=2)
    assert four["machines"] == 11019960576 and four["halting"] == 2985384480
    published = {"0": 0.2050724, "00": 0.1024049, "000": 0.01876961, "001": 0.01804911, "010": 0.01712475,
                 "0000": 0.002498356}
    for s, value in published.items():
        assert abs(float(algorithmic_probability(four, s)) - value) < 5e-8, s
    assert (four["max_halting_steps"], four["max_halting_ones"]) == (107, 13)


def test_parallel_counts_equal_serial():
    assert ctm(3, 60, workers=2, split_depth=2)["counts"] == ctm(3, 60)["counts"]


@pytest.mark.parametrize("machine, steps, ones", [
    ("1RB1LB_1LA1RZ", 6, 4), ("1RB1LB_1LA0LC_1RZ1LD_1RD0RA", 107, 13),
    ("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA", 47176870, 4098)])
def test_busy_beaver_champions(machine, steps, ones):
    assert run_machine(machine) == {"machine": machine, "steps": steps, "ones": ones, "status": "halted"}


def test_busy_beaver_search_for_small_n():
    from toyinduction.machines.turing.tm import busy_beaver

    found = [busy_beaver(n, 120) for n in (1, 2, 3, 4)]
    assert [r["max_steps_halting"] for r in found] == [1, 6, 21, 107]
    assert [r["max_ones_halting"] for r in found] == [1, 4, 6, 13]


@pytest.mark.parametrize("text, message", [
    ("", "bbchallenge notation"), ("1RB1LB_1LA", "6 characters"), ("1RB1LX_1LA1RZ", "goes to state X"),
    ("1RB2LB_1LA1RZ", "not like 1RB")])
def test_malformed_machines(text, message):
    with pytest.raises(ValueError, match=message):
        parse_machine(text)
    result = CliRunner().invoke(main, ["tm", "run", text])
    assert result.exit_code == 1 and len(result.output.strip().splitlines()) == 1


def test_tm_commands(tmp_path):
    run = json.loads(CliRunner().invoke(main, ["tm", "run", "1RB1LB_1LA1RZ", "--json"]).output)
    assert run == {"steps": 6, "ones": 4, "status": "halted"}
    args = ["tm", "ctm", "--states", "2", "--max-steps", "20", "--store", str(tmp_path), "--json"]
    document = json.loads(CliRunner().invoke(main, args).output)
    assert document["machines"] == 10000 and document["halting"] == 3044 and document["counts"]["0"] == 1000
    assert json.loads(CliRunner().invoke(main, args).output)["loaded_from_store"]
    assert CliRunner().invoke(main, ["tm", "ctm", "--states", "9", "--max-steps", "5"]).exit_code == 2
    bb = json.loads(CliRunner().invoke(main, ["tm", "bb", "--states", "2", "--json"]).output)
    assert (bb["max_steps_halting"], bb["max_ones_halting"]) == (6, 4)


def test_ctm_store_round_trip(tmp_path):
    store = RunStore(tmp_path)
    first, loaded = ctm_or_load(3, 40, store)
    second, loaded_again = ctm_or_load(3, 40, store)
    assert not loaded and loaded_again and second["counts"] == first["counts"]


def test_ctm_command_gives_exact_masses_and_enumerate_points_to_it(tmp_path):
    args = ["tm", "ctm", "--states", "3", "--max-steps", "50", "--store", str(tmp_path), "--json"]
    document = json.loads(CliRunner().invoke(main, args).output)
    assert document["total_mass"] == "1" and document["machines"] == 7529536
    assert document["halting"] == 2147184
    assert Fraction(document["mass"]["halted"]) == Fraction(2147184, 7529536)
    by_bits = CliRunner().invoke(main, ["enumerate", "--machine", "tm", "--store", str(tmp_path)])
    assert by_bits.exit_code == 1 and "toyinduction tm ctm" in by_bits.output


def test_a_machine_that_runs_off_forever_stops_at_the_tape_limit(monkeypatch):
    """Memory is bounded: a head that keeps moving right ends with status tape_limit once it has
    used MAX_TAPE_CELLS cells, with the steps and ones so far."""
    from toyinduction.machines.turing import tm as turing

    monkeypatch.setattr(turing, "MAX_TAPE_CELLS", 1 << 18)
    result = turing.run_machine("1RA1RA", max_steps=10 ** 9)
    assert result["status"] == "tape_limit" and 0 < result["steps"] <= 1 << 18 and result["ones"] == result["steps"]
