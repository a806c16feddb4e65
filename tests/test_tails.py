"""Exact tails (toyinduction.sources.tails): every continuation enumerated from a suspended
prefix agrees with running prefix + continuation whole from scratch; masses are exact; the
tail-form world prefixes stop exactly at the decision point; bad inputs are one-line errors."""

from fractions import Fraction
from pathlib import Path

import pytest

from toyinduction.core import Status
from toyinduction.sources.tails import (continuations, continuations_reference, decision_behaviours, disassemble_tail,
                                       expand_leaves)
from toyinduction.machines import machine
from toyinduction.malign.world import World

TOY = machine("toy")
TAIL_FILE = Path(__file__).resolve().parents[1] / "experiments" / "tails" / "world_tail.toy"
# prefixes that stop for want of a bit in different places: between instructions at top level,
# inside a def body being skipped (an open block below the continuation), inside a running loop
# that reads data, inside an operand, and in an if-part being skipped
# (assembly, bits dropped from its end)
SMALL = (("1 out 0 out", 0), ("def 1 out end", 4), ("loop 1 read out end", 4), ("1 out 5", 2), ("0 if 1 out end", 4))


def _rows(leaves):
    return [(leaf.bits, leaf.status, leaf.output, leaf.steps) for leaf in leaves]


def _tally(leaves):
    masses = {}
    for leaf in leaves:
        key = (leaf.status.split(":")[0], leaf.output)
        masses[key] = masses.get(key, 0) + Fraction(1, 2 ** len(leaf.bits))
    return masses


@pytest.mark.parametrize("source", SMALL)
@pytest.mark.parametrize("collapse", (False, True))
def test_small_prefixes_agree_with_the_reference(source, collapse):
    text, drop = source
    prefix = TOY.assemble(text)
    prefix = prefix[: len(prefix) - drop]  # e.g. without its end: the def body is still open
    options = dict(max_bits=11, output_bits=3, max_steps=60)
    tails = continuations(TOY, prefix, keep_leaves=1 << 16, collapse=collapse, **options)
    reference = continuations_reference(TOY, prefix, **options)
    assert _rows(expand_leaves(tails)) == _rows(reference)
    assert tails.total_mass == 1 == sum(Fraction(1, 2 ** len(leaf.bits)) for leaf in reference)
    cells = {(status.label, output): mass for status, output, _, mass in tails.cells()}
    assert cells == _tally(reference)
    # the first bit written after the prefix's output: its deciding continuations' mass
    for bit in (0, 1):
        written = sum(Fraction(1, 2 ** len(leaf.bits)) for leaf in reference if leaf.output[:1] == str(bit))
        assert Fraction(int(tails.first_mass[bit]), 2 ** tails.max_bits) == written


def test_split_threads_and_collapse_give_the_same_tallies():
    prefix = TOY.assemble("1 out 0 out")
    base = continuations(TOY, prefix, max_bits=16, output_bits=4, max_steps=200, collapse=False, split_bits=0)
    split = continuations(TOY, prefix, max_bits=16, output_bits=4, max_steps=200, split_bits=5, workers=2)
    for name in ("cell_count", "cell_mass", "first_count", "first_mass", "length_count"):
        assert (getattr(base, name) == getattr(split, name)).all(), name
    assert (base.first_bits == split.first_bits).all() and (base.first_length == split.first_length).all()
    assert split.tree_leaves < base.tree_leaves and split.programs == base.programs


@pytest.fixture(scope="module")
def small_world():
    world = World(seed=2026, depth=10, region_bits=2, quiet=3)
    return world, world.program(str(TAIL_FILE), TOY)


def test_tail_form_prefixes_stop_at_the_decision_point(small_world):
    world, code = small_world
    for region in range(4):
        t = world.first_decision(region)
        result = TOY.run(code + world.region(region), max_steps=10 ** 7, output_bits=10 ** 5)
        assert result.status == Status.BITS_LIMIT and result.bits_read == len(code) + 2
        assert result.output == world.stream(region, world.louder_path(region), t)


def test_world_tails_agree_with_whole_runs(small_world):
    world, code = small_world
    prefix = code + world.region(1)
    options = dict(max_bits=10, output_bits=4, max_steps=300)
    tails = continuations(TOY, prefix, keep_leaves=1 << 16, **options)

    def whole(bits, steps, outputs):
        return TOY.run(bits, max_steps=steps, output_bits=outputs)

    reference = continuations_reference(TOY, prefix, runner=whole, **options)
    assert _rows(expand_leaves(tails)) == _rows(reference)
    assert tails.total_mass == 1


def test_decision_behaviours_on_a_small_world(small_world):
    world, code = small_world
    region = 2
    prefix = code + world.region(region)
    t = world.first_decision(region)
    stream = world.stream(region, world.louder_path(region), t + 8)
    tails = continuations(TOY, prefix, max_bits=14, output_bits=4, max_steps=300)
    rows = {row.name: row for row in decision_behaviours(tails, stream, t)}
    answer = int(stream[t])
    honest = rows["true answer, then halt"]
    assert honest.bits <= 10  # `call talk end`
    bits = honest.shortest[0][0]
    result = TOY.run(prefix + bits, max_steps=10 ** 7, output_bits=10 ** 5)
    assert result.status == Status.HALTED and result.output == stream[: t + 1]
    assert disassemble_tail(TOY, prefix, "1011010100").startswith("call 0 end")
    # the first-bit behaviours partition the deciding continuations
    assert rows["answer 1"].mass + rows["answer 0"].mass == Fraction(int(tails.first_mass.sum()), 2 ** 14)
    assert rows["flip"].mass == rows[f"answer {1 - answer}"].mass
    for row in rows.values():
        for continuation, steps, _, _ in row.shortest[:1]:
            whole = TOY.run(prefix + continuation, max_steps=tails.prefix_steps + 300,
                            output_bits=t + 4).output[t:]
            if row.name == "flip":
                assert whole[:1] == str(1 - answer)
            elif row.name == "ones":
                assert whole == "1111"


def test_bad_inputs_are_one_line_errors(small_world):
    world, code = small_world
    cases = [
        (lambda: continuations(TOY, TOY.assemble("1 out end"), max_bits=4, output_bits=2, max_steps=10), "halted"),
        (lambda: continuations(TOY, "01x", max_bits=4, output_bits=2, max_steps=10), "0s and 1s"),
        (lambda: continuations(TOY, "", max_bits=63, output_bits=2, max_steps=10), "max_bits"),
        (lambda: continuations(TOY, "", max_bits=4, output_bits=0, max_steps=10), "output_bits"),
        (lambda: continuations(TOY, "", max_bits=4, output_bits=2, max_steps=-1), "max_steps"),
        (lambda: continuations("blc", "", max_bits=4, output_bits=2, max_steps=10), "toy-language"),
    ]
    tails = continuations(TOY, code + world.region(0), max_bits=6, output_bits=2, max_steps=50)
    t = world.first_decision(0)
    stream = world.stream(0, world.louder_path(0), t + 4)
    cases += [(lambda: decision_behaviours(tails, stream, t - 1), "not t"),
              (lambda: decision_behaviours(tails, stream[: t], t), "at least"),
              (lambda: decision_behaviours(tails, stream, t, faithful_bits=3), "faithful_bits")]
    for call, words in cases:
        with pytest.raises(ValueError) as error:
            call()
        assert "\n" not in str(error.value) and words in str(error.value), str(error.value)
