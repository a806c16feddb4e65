"""The superoptimizer (toyinduction golf): it rediscovers known shortenings, agrees with the
exhaustive enumeration where the enumeration reaches, never accepts a program that fails its
specification or a held-back input, and its local test agrees with the reference interpreter."""

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.core import Status
from toyinduction.machines.toy.golf import (CAPTURED, HEADROOM, LOCAL_FAULT, LOCAL_OK, LOCAL_OUT, STRAIGHT, Case,
                                            Specification, _simulate, golf, parse_template)
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import SEMANTIC_ID, TOY
from toyinduction.machines.toy.reference import run_reference
from toyinduction.malign.golfing import golf_file, near_misses, world_specification
from toyinduction.malign.world import World

PEEPHOLE = ("peephole",)


def _golf_text(text, bits=24, held_back_bits=96, **options):
    template = parse_template(text, TOY)
    return golf(template, [Case("prefix", template.data, (), bits)],
                held_back=[Case("longer", template.data, (), held_back_bits)], **options)


@pytest.mark.parametrize("text, original", [
    ("loop idx dup drop out end", "loop idx out end"),                       # an inserted dup drop
    ("loop idx 3 mod 1 lt 0 eq not out end", "loop idx 3 mod 1 lt out end"),  # 0 eq not around a comparison
    ("loop 1 1 swap drop out end", "loop 1 out end"),
])
def test_the_golfer_rediscovers_known_shortenings(text, original):
    result = _golf_text(text, engines=PEEPHOLE)
    assert result.accepted
    assert result.best_bits <= len(parse_template(original, TOY).encode()) < result.original_bits


def test_the_stochastic_engine_rediscovers_an_inserted_dup_drop_reproducibly():
    first = _golf_text("loop idx dup drop out end", engines=("stochastic",), proposals=3000, seed=3)
    again = _golf_text("loop idx dup drop out end", engines=("stochastic",), proposals=3000, seed=3)
    assert first.accepted and first.best_bits == 19                     # loop idx out end
    assert first.best_code == again.best_code and first.engines[0]["proposals"] == 3000


def test_a_program_that_fails_a_held_back_input_is_not_accepted():
    """Zeros for eight bits, then ones: on an 8-bit specification a constant-zero program is
    shorter and meets it; the 32 held-back bits refute it, and the original stands."""
    result = _golf_text("loop idx 8 lt not out end", bits=8, held_back_bits=32, engines=PEEPHOLE)
    assert result.best_bits < result.original_bits                      # it found something on the prefix
    assert not result.accepted and result.saved == 0
    assert result.held_back_failures and "FAILED" in result.summary()


def test_every_candidate_it_returns_meets_the_specification():
    template = parse_template("loop idx 3 mod 2 eq out end", TOY)
    cases = [Case("prefix", "", (), 64)]
    result = golf(template, cases, engines=("peephole", "stochastic"), proposals=2000, seed=1)
    golfed = template.encode(result.best_code)
    original = template.encode()
    assert run(TOY, golfed, 10_000, 64).output == run(TOY, original, 10_000, 64).output
    assert result.best_bits == len(golfed) < len(original)             # 46 -> 44: idx inc inc 3 mod
    spec = Specification(template, cases)
    wrong = [("loop", None), ("idx", None), ("out", None), ("end", None)]
    assert spec.mismatch_many([wrong])[0] > 0 and spec.mismatch(list(result.best_code)) == 0


def test_it_refuses_bad_input_in_one_line():
    template = parse_template("loop idx out end", TOY)
    for options, message in (({"engines": ("magic",)}, "engines"), ({"proposals": -1}, "proposals"),
                             ({"proposals": None}, "budget"), ({"max_window": 9}, "max_window")):
        with pytest.raises(ValueError, match=message) as error:
            golf(template, [Case("prefix", "", (), 8)], **options)
        assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="at least one case"):
        golf(template, [])
    result = CliRunner().invoke(main, ["golf", "no-such-file.toy"])
    assert result.exit_code == 1 and "no such file" in result.output


def _shortest_in_enumeration(prefix, max_bits):
    from toyinduction.machines import machine

    enumeration = machine("toy").enumerate(max_bits, max_steps=1000, output_bits=len(prefix), keep_leaves=10 ** 6)
    leaves = enumeration.leaves
    want = int(prefix, 2)
    found = [int(n) for n, s, o, k in zip(leaves["length"], leaves["status"], leaves["output"], leaves["output_length"])
             if s == int(Status.OUTPUT_LIMIT) and k == len(prefix) and o == want]
    return min(found) if found else None


@pytest.mark.parametrize("text", ["loop idx dup drop out end", "loop 1 0 eq not out end", "loop 1 dup and out end"])
def test_golfed_short_programs_agree_with_the_exhaustive_enumeration(text):
    """Where the enumeration reaches, the shortest program writing the same 24-bit prefix is what
    the golfer returns: neither shorter (impossible) nor longer (the golfer missed it)."""
    result = _golf_text(text, engines=("peephole", "stochastic"), proposals=2000)
    prefix = run(TOY, parse_template(text, TOY).encode(), 10_000, 24).output
    assert result.best_bits == _shortest_in_enumeration(prefix, 22)


@pytest.mark.parametrize("name", ["alternate.toy", "constant.toy"])
def test_golfed_shipped_programs_agree_with_the_exhaustive_enumeration(name):
    """The shipped sequence programs within the enumeration's reach (19 and 21 bits): the golfer's
    result is exactly the length of the shortest enumerated program (up to 24 bits) that writes the
    same first 32 bits, so it missed nothing shorter."""
    from toyinduction.machines.shipped import shipped_program

    path = shipped_program(name)
    result = golf_file(path, proposals=2000, seed=0)
    prefix = run(TOY, parse_template(path.read_text(), TOY).encode(), 10_000, 32).output
    assert result.best_bits == _shortest_in_enumeration(prefix, 24)


def test_the_local_test_agrees_with_the_reference_interpreter():
    """The peephole's numba test of straight-line code, against the reference on the same stack."""
    rng = random.Random(7)
    letters = [m for m in STRAIGHT if m not in ("idx", "load", "store")]
    buffer = np.zeros(CAPTURED + HEADROOM, dtype=np.int64)
    out = np.zeros(LOCAL_OUT, dtype=np.int64)
    for _ in range(300):
        stack = [rng.choice([0, 1, 2, 3, 5, 63, 2 ** 62, -7]) for _ in range(rng.randint(0, 4))]
        body = [rng.choice(letters) for _ in range(rng.randint(1, 5))]
        ops = np.array([SEMANTIC_ID[m] for m in body], dtype=np.int64)
        args = np.array([rng.randint(0, 9) if m == "push" else 0 for m in body], dtype=np.int64)
        top = np.zeros(CAPTURED, dtype=np.int64)
        if stack:
            top[-len(stack):] = stack
        code, sp, nout = _simulate(ops, args, len(body), top, len(stack), len(stack),
                                   np.zeros(256, dtype=np.int64), -1, 256, buffer, out)
        words = [f"0 {-v} sub" if v < 0 else str(v) for v in stack]
        words += [str(a) if m == "push" else m for m, a in zip(body, args)]
        words += ["halt"]
        reference = run_reference(TOY, parse_template(" ".join(words), TOY).encode(), 1000, 64)
        assert (code == LOCAL_FAULT) == (reference.status == Status.FAULT)
        if code == LOCAL_OK:
            assert "".join(str(int(b)) for b in out[:nout]) == reference.output


def test_a_world_specification_has_targets_controls_and_near_misses():
    world = World(seed=3, depth=12)
    misses = near_misses(world, 0)
    assert len(misses) == 3 and all(not world.leaf(0, path)[1] for _, path in misses)
    cases = world_specification("mix", "honest", "toy", depth=12, seed=3)
    assert sum("civilisation" in c.label for c in cases) == 4 + 8 + 2 * 2 + 1
    assert sum("near miss" in c.label for c in cases) == 3 * 4 + 3 * 2 + 3 * 2
    searcher = world_specification("mix", "pointer", "toy", depth=12, seed=3)
    assert all("civilisation" in c.label for c in searcher) and all(len(c.data) in (1, 2, 3) for c in searcher)


def test_a_padded_world_program_comes_back_and_passes_the_held_back_worlds(tmp_path):
    """world_pointer.toy with a dup drop inserted in its frame loop: the golfer, told its role,
    returns it to the shipped length on the demo's world, and every held-back world agrees."""
    from toyinduction.machines.shipped import shipped_program

    text = shipped_program("world_pointer.toy").read_text().replace("6 rep call group end",
                                                                    "6 rep call group end dup drop")
    padded = tmp_path / "padded.toy"
    padded.write_text(text)
    result = golf_file(padded, role="pointer", engines=PEEPHOLE, depth=30)
    shipped = golf_file(shipped_program("world_pointer.toy"), engines=PEEPHOLE, depth=30, seconds=0.01)
    assert result.accepted and result.best_bits <= shipped.original_bits
    assert result.held_back and all(row["passed"] for row in result.held_back)


def test_golf_command_json():
    result = CliRunner().invoke(main, ["golf", "period3.toy", "--engine", "peephole", "--output-bits", "64", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["original_bits"] == 46 and document["best_bits"] == 44 and document["accepted"]
    assert document["reassembles"] and "not proved" in document["equivalence"]
    assert document["specification"]["cases"][0]["output_bits"] == 64
