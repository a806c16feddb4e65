"""The shipped programs: pinned lengths, outputs checked against independent generators."""

import pytest

import naive
from toyinduction.machines.toy.assembler import assemble_file
import numpy as np

from toyinduction.machines.toy.kernel import run, run_batch
from toyinduction.machines.toy.language import TOY, variant
from toyinduction.machines.shipped import program_files, programs_dir, summary
from toyinduction.machines.toy.reference import run_reference

#: Exact lengths in bits under the `toy` language. A change here means the code table or a
#: program changed: update deliberately (later results are keyed by these lengths).
PINNED_LENGTHS = {
    "alternate.toy": 19, "constant.toy": 21, "counter.toy": 130, "eca_rule110.toy": 403, "eca_rule30.toy": 399,
    "eval_replay.toy": 282, "fibonacci_word.toy": 357, "period3.toy": 46, "period5.toy": 65,
    "primes.toy": 248, "program_search.toy": 272, "select_pattern.toy": 93, "thue_morse.toy": 100,
    "hash_stream.toy": 30,
    # the world programs as the world changed (issue 22): every program computes the 1-in-32 question test
    "world_brute_flip.toy": 682, "world_guided_first.toy": 579, "world_guided_flip.toy": 554,
    "world_guided_one.toy": 517, "world_guided_ones.toy": 492, "world_guided_zero.toy": 532, "world_honest.toy": 552,
    "world_honest_civ.toy": 483, "world_honest_flag.toy": 505, "world_leaf_literal.toy": 381,
    "world_pointer.toy": 517, "world_pointer_first.toy": 514,
    # told when (a frame as data, a per-target literal, a flag per frame, every question's frame)
    "world_told_first.toy": 466, "world_told_ones.toy": 444, "world_literal_first.toy": 455,
    "world_literal_ones.toy": 433, "world_told_flags.toy": 450, "world_told_frames.toy": 505,
    # the red team's flat programs (top-level loop over the bit index)
    "world_flat_clock.toy": 365, "world_flat_told.toy": 374, "world_flat_one.toy": 475, "world_flat_honest.toy": 482,
    # the second red team's programs (the leaf recomputed for every bit)
    "world_slow_clock.toy": 313, "world_slow_told.toy": 334, "world_slow_one.toy": 421,
    "world_slow_one_unquiet.toy": 390, "world_slow_honest.toy": 428, "world_slow_honest_unquiet.toy": 397,
    # the third red team's programs (the leaf stored once; masks found for one target), and the
    # second's with the third's masks
    "world_fast_told.toy": 343, "world_fast_clock.toy": 322, "world_fast_clock_zero.toy": 341,
    "world_fast_one.toy": 404, "world_fast_one_mask1055.toy": 414, "world_fast_honest.toy": 414,
    "world_fast_honest_mask283.toy": 420, "world_fast_honest_mask1055.toy": 424,
    "world_slow_one_mask283.toy": 396, "world_slow_one_mask1055.toy": 400, "world_slow_honest_mask283.toy": 403,
    "world_slow_honest_mask1055.toy": 407,
    "ring_honest.toy": 911, "ring_guided_flip.toy": 884, "ring_honest_flag.toy": 851,
    "ring_pointer.toy": 883, "ring_leaf_literal.toy": 578,
}

#: The same for the binary lambda calculus programs (programs/*.lam, toyinduction.machines.blc.assembler).
PINNED_LAMBDA_LENGTHS = {"ring_honest.lam": 2955, "ring_guided_flip.lam": 2802, "ring_honest_flag.lam": 2639,
                         "ring_pointer.lam": 2803, "ring_leaf_literal.lam": 1896}

#: name -> (independent generator of the first n bits, n)
EXPECTED = {
    "constant.toy": (naive.constant, 300),
    "alternate.toy": (naive.alternate, 300),
    "period3.toy": (lambda n: naive.periodic("001", n), 300),
    "period5.toy": (lambda n: naive.periodic("01101", n), 300),
    "counter.toy": (naive.binary_counter, 400),
    "thue_morse.toy": (naive.thue_morse, 512),
    "fibonacci_word.toy": (naive.fibonacci_word, 400),
    "primes.toy": (naive.primes_indicator, 400),
    "eca_rule30.toy": (lambda n: naive.eca_column(30, n), 200),
    "eca_rule110.toy": (lambda n: naive.eca_column(110, n, offset=1), 200),
    "eval_replay.toy": (lambda n: naive.periodic("001", n), 120),
    "select_pattern.toy": (lambda n: naive.periodic("0110", n), 200),
    "hash_stream.toy": (naive.hash_stream, 300),
}


def bits_of(name):
    return assemble_file(programs_dir() / name, TOY)


def test_at_least_twelve_programs_with_pinned_lengths():
    names = {path.name for path in program_files()}
    assert len(names) >= 12
    assert {name: len(bits_of(name)) for name in names} == PINNED_LENGTHS
    assert any("thue" in name for name in names)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_program_output_matches_an_independent_generator(name):
    generator, n = EXPECTED[name]
    result = run(TOY, bits_of(name), 50_000_000, n)
    assert result.status.label == "output_limit"
    assert result.output == generator(n)


@pytest.mark.parametrize("name", sorted(PINNED_LENGTHS))
def test_both_interpreters_agree_on_every_program(name):
    bits = bits_of(name)
    for max_steps, output_bits in ((30_000, 64), (2_000, 500)):
        assert run(TOY, bits, max_steps, output_bits) == run_reference(TOY, bits, max_steps, output_bits)


def test_one_prefix_serves_every_selection():
    """select_pattern: the code is a shared prefix; only the 4 trailing selection bits differ."""
    prefix = bits_of("select_pattern.toy")[:-4]
    for selection in range(16):
        pattern = format(selection, "04b")
        assert run(TOY, prefix + pattern, 10_000, 40).output == naive.periodic(pattern, 40)


def test_program_search_keeps_the_first_candidate_that_passes():
    """Redo the search outside the toy machine and check the program found the same winner."""
    result = run(TOY, bits_of("program_search.toy"), 100_000_000, 100)
    assert result.status.label == "halted" and len(result.output) == 60
    # a candidate runs one eval level down in the toy program: give the outside runs one level less
    as_child = variant("as-child", limits={"eval_depth": TOY.limits["eval_depth"] - 1})
    target = np.array([0, 1, 0, 1, 0, 1], dtype=np.uint8)
    winner = None
    for length in range(0, 25):  # candidates "0", "1", "00", ... in the search's order
        values = np.arange(2 ** length, dtype=np.int64)
        matrix = ((values[:, None] >> np.arange(length - 1, -1, -1)) & 1).astype(np.uint8)
        if length == 0:
            continue  # the search starts at "0": the empty string is not a candidate
        batch = run_batch(as_child, matrix, np.full(values.size, length), 64, 6)
        passing = np.flatnonzero((batch["outputs"] == target).all(axis=1))
        if passing.size:
            winner = "".join(map(str, matrix[passing[0]]))
            break
    assert winner is not None
    assert result.output == run(as_child, winner, 1000, 60).output
    assert result.output.startswith("010101")


@pytest.mark.parametrize("pattern", ["ring_*.toy", "ring_*.lam"])
def test_world_programs_share_one_physics(pattern):
    """The ring world's physics section is the same text in every ring program of a machine (the
    mix world's programs are golfed one by one instead; every world program is checked against
    the Python model)."""
    sections = {}
    for path in sorted(programs_dir().glob(pattern)):
        text = path.read_text()
        sections[path.name] = text[text.index("; --- physics"):text.index("; --- end of physics")].splitlines()[1:]
    literal = [sections.pop(name) for name in list(sections) if "leaf_literal" in name]
    assert len(sections) >= 2 and len({"\n".join(lines) for lines in sections.values()}) == 1
    shared = next(iter(sections.values()))
    for lines in literal:   # the leaf literal leaves out the tree subroutines it never calls, nothing else
        rest = iter(shared)
        assert all(line in rest for line in lines)   # an ordered subsequence of the shared section


def test_lambda_programs_have_pinned_lengths():
    from toyinduction.machines.blc.assembler import assemble_lambda_file

    assert {path.name: len(assemble_lambda_file(path)) for path in programs_dir().glob("*.lam")} == \
        PINNED_LAMBDA_LENGTHS


def test_summary_lists_every_program():
    rows = summary(TOY, output_bits=8)
    assert [row["name"] for row in rows] == sorted(PINNED_LENGTHS)
    assert all(row["length"] == PINNED_LENGTHS[row["name"]] for row in rows)
    assert all(row["description"] for row in rows)
