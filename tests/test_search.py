"""The posterior search (toyinduction/sources/search.py): its early-exit kernel agrees with the
reference interpreter, it finds planted shortenings (dead code, a literal the data can carry), every
program it reports writes the observed bits, seeded runs repeat, Ctrl-C keeps what was found, and
bad inputs get one-line errors."""

import os
import random
import signal

import pytest

from toyinduction.sources.search import Start, posterior_search, run_against
from toyinduction.machines.shipped import shipped_program
from toyinduction.machines.toy.assembler import assemble, read_source
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import TOY
from toyinduction.machines.toy.reference import run_reference
from toyinduction.malign.world import World

PADDED = "loop 1 out 0 out 1 7 drop out 0 1 swap drop out end"     # 7 drop, 0 swap drop: dead code
PLAIN = "loop 1 out 0 out 1 out 1 out end"
#: writes the 20 bits of 1000000, MSB first: the literal costs 43 bits, 20 read + 20 data bits 39
LITERAL = "def main 1000000 20 rep dup 19 idx sub shr out end end call main"


def _observed(text, bits):
    return run(TOY, assemble(text, TOY), 100_000, bits).output


def _common_prefix(a, b):
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _assert_reproduces(result, observed):
    for found in result.found:
        bits = found.code_bits + found.data_bits
        assert assemble(found.assembly, TOY, "<found>", strict=False) == bits    # the text is the program
        assert run(TOY, bits, 10 ** 6, len(observed)).output == observed     # rerun: it writes observed
        assert found.start_bits is None or found.total_bits < found.start_bits


def test_the_early_exit_kernel_agrees_with_the_reference_interpreter():
    rng = random.Random(5)
    texts = [PLAIN, LITERAL, "loop idx 3 mod 1 lt out end", "def f dup out end 5 rep idx call f drop end"]
    programs = [assemble(t, TOY) for t in texts]
    programs += ["".join(rng.choice("01") for _ in range(rng.randint(4, 48))) for _ in range(50)]
    words = ["0", "1", "3", "dup", "drop", "swap", "over", "add", "xor", "mix", "inc", "idx", "out", "out", "out",
             "2 read", "1 shr", "7 mod"]
    for _ in range(150):                            # random loops that write (and fault, halt, read data)
        body = "idx 1 " + " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        data = "".join(rng.choice("01") for _ in range(rng.randint(0, 12)))
        programs.append(assemble(f"{rng.choice(['loop', '9 rep'])} {body} end", TOY) + data)
    max_steps, checked, wrong_bits = 3000, 0, 0
    for bits in programs:
        n = rng.randint(1, 40)
        full = run_reference(TOY, bits, max_steps, n).output
        target = full + "".join(rng.choice("01") for _ in range(n - len(full)))
        if full and rng.random() < 0.6:                 # a wrong bit somewhere in what it writes
            at = rng.randrange(len(full))
            target = target[:at] + ("1" if target[at] == "0" else "0") + target[at + 1:]
        got = run_against(TOY, [bits], target, max_steps)[0]
        assert got["agreed_bits"] == _common_prefix(full, target)
        # the run stopped right after its first wrong bit (or its last right one), or by itself
        reference = run_reference(TOY, bits, max_steps, min(n, got["agreed_bits"] + 1))
        assert (got["status"], got["steps"], got["bits_read"], got["fault"]) == \
            (reference.status, reference.steps, reference.bits_read, int(reference.fault))
        checked += 1
        wrong_bits += got["agreed_bits"] < len(full)
    assert checked == len(programs) and wrong_bits > 20


def test_it_finds_a_shorter_program_where_dead_code_was_planted():
    observed = _observed(PADDED, 48)
    assert observed == _observed(PLAIN, 48)
    result = posterior_search(TOY, [Start("padded", PADDED)], observed, proposals_per_start=6000, seed=1)
    assert result.found and result.best().total_bits <= len(assemble(PLAIN, TOY)) < len(assemble(PADDED, TOY))
    _assert_reproduces(result, observed)
    assert result.proposals > 0 and result.proposals_per_second > 0


def test_it_moves_a_literal_into_the_data_where_that_is_shorter():
    observed = _observed(LITERAL, 20)
    assert len(observed) == 20
    result = posterior_search(TOY, [Start("literal", LITERAL)], observed, proposals_per_start=3000, seed=0)
    _assert_reproduces(result, observed)
    readers = [f for f in result.found if "read" in f.code_text and f.data_bits]
    assert readers, "no program told its number as data"
    # the number is in the data, bit for bit, where the read takes it
    assert any(format(1000000, "b") in f.data_bits for f in readers)


def test_the_reverse_move_puts_data_back_into_a_literal():
    told = "def main 20 read 20 rep dup 19 idx sub shr out end end call main"
    data = format(5, "020b")                 # 5 as 20 data bits: the literal 5 costs 9 bits
    observed = run(TOY, assemble(told, TOY) + data, 10_000, 20).output
    result = posterior_search(TOY, [Start("told", told, data)], observed, proposals_per_start=3000, seed=0)
    _assert_reproduces(result, observed)
    assert any(not f.data_bits and "read" not in f.code_text for f in result.found)


def test_a_planted_world_program_is_shortened_and_every_find_writes_the_stream():
    # the world model decides the target: region 0's civilisation up to its first decision point
    world = World(seed=11, depth=6, region_bits=1, quiet=2)
    path = world.louder_path(0)
    observed = world.stream(0, path, world.first_decision(0) + 1)
    text = read_source(shipped_program("world_honest.toy")).replace("def main", "def main 3 drop", 1)
    start = Start("honest padded", text, world.data("honest", 0, path), world.defines)
    result = posterior_search("toy", [start], observed, proposals_per_start=3000, seed=0)
    row = result.starts[0]
    assert row["reproduces"]
    padded_bits = row["start_bits"]
    honest_bits = len(world.program("honest", "toy")) + len(start.data)
    assert padded_bits > honest_bits
    assert result.found and result.best().total_bits <= honest_bits
    _assert_reproduces(result, observed)


def test_seeded_runs_repeat_and_workers_change_nothing():
    observed = _observed(PADDED, 40)
    starts = [Start("padded", PADDED), Start("plain", PLAIN)]
    runs = [posterior_search(TOY, starts, observed, proposals_per_start=1500, seed=3, workers=w) for w in (1, 1, 2)]
    summaries = [([(f.start, f.code_bits, f.data_bits, f.proposals) for f in r.found], r.proposals) for r in runs]
    assert summaries[0] == summaries[1] == summaries[2]
    assert summaries[0][0]
    other = posterior_search(TOY, starts, observed, proposals_per_start=1500, seed=4)
    assert [(f.code_bits, f.proposals) for f in other.found] != [(c, p) for _, c, _, p in summaries[0][0]]


def test_prior_starts_are_searched_with_the_same_budget():
    observed = "1" * 12
    result = posterior_search(TOY, [], observed, proposals_per_start=500, prior_starts=3, prior_max_bits=24)
    assert [row["kind"] for row in result.starts] == ["prior"] * 3
    assert all(row["made"] == 500 for row in result.starts)
    _assert_reproduces(result, observed)


def test_ctrl_c_stops_after_the_current_batch_and_keeps_what_was_found():
    observed = _observed(PADDED, 48)

    def progress(done, total):
        if done < total:
            os.kill(os.getpid(), signal.SIGINT)

    result = posterior_search(TOY, [Start("padded", PADDED)], observed, proposals_per_start=200_000, progress=progress)
    assert result.interrupted
    assert result.starts[0]["made"] < 200_000
    _assert_reproduces(result, observed)


@pytest.mark.parametrize("args, options, message", [
    (("blc", [Start("a", PLAIN)], "1"), {}, "not a toy variant"),
    ((TOY, [Start("a", PLAIN)], ""), {}, "observed"),
    ((TOY, [Start("a", PLAIN)], "10x"), {}, "observed"),
    ((TOY, [Start("a", PLAIN)], "1"), {"proposals_per_start": -1}, "proposals_per_start"),
    ((TOY, [Start("a", PLAIN)], "1"), {"penalty": 0}, "penalty"),
    ((TOY, [Start("a", PLAIN)], "1"), {"slowdown": 0.5}, "slowdown"),
    ((TOY, [Start("a", PLAIN)], "1"), {"workers": 0}, "workers"),
    ((TOY, [Start("a", PLAIN, "12")], "1"), {}, "data"),
    ((TOY, [Start("a", PLAIN + " bits 1", "1")], "1"), {}, "data given twice"),
    ((TOY, [Start("a", PLAIN), Start("a", PLAIN)], "1"), {}, "distinct"),
    ((TOY, [Start("", PLAIN)], "1"), {}, "name"),
    ((TOY, ["loop end"], "1"), {}, "Start"),
    ((TOY, [], "1"), {}, "no starts"),
    ((TOY, [Start("a", "loop 1 out")], "1"), {}, ""),            # the assembler's own one-line error
])
def test_bad_inputs_get_one_line_errors(args, options, message):
    with pytest.raises(ValueError) as error:
        posterior_search(*args, **options)
    assert message in str(error.value) and "\n" not in str(error.value)
