"""The searcher/controller census instruments (toyinduction.malign.census), on hand-written programs
and, when they are in step with the world model, on the world programs."""

import pytest

from toyinduction.machines.toy.assembler import assemble
from toyinduction.malign.census import (CONTROL_THRESHOLD, SEARCH_THRESHOLD, answers_at, control_measures, flip_choice,
                                 output_answers, search_by_flips, world_answers, world_truths)
from toyinduction.machines.toy.language import TOY
from toyinduction.machines.toy.reference import mix, run_reference

SEED, LEVELS = 7, 10

# A greedy search: at each of 8 stages keep the largest of 4 computed candidates, descend into it.
MAX_OF_CANDIDATES = """
SEED 0 store
8 rep
  0 load 0 mix 1 store  0 2 store      ; best score (cell 1), best index (cell 2): candidate 0
  3 rep
    0 load idx inc mix                 ; the score of candidate idx+1
    dup 1 load swap lt                 ; better than the best so far?
    if 1 store idx inc 2 store else drop end
  end
  1 load 0 store                       ; descend into the winner
end
loop 0 load idx mix 1 and out end
"""
# A tree descent following the larger child (the consequentialist's search, in miniature).
DESCENT = """
SEED
LEVELS rep
  dup 0 mix over 1 mix rot drop
  over over lt if swap end drop
end
0 store
loop 0 load idx mix 1 and out end
"""
# The honest program in miniature: it follows the path bits it is given (read), compares the
# children at every level only to keep a civilisation flag, and reports the flag every 8th bit.
VERIFIER = """
def main
  SEED 1 2 store
  LEVELS rep
    dup 0 mix over 1 mix rot drop      ; c0 c1
    over over lt                       ; l: child 1 is the larger
    1 read                             ; b: a path bit
    dup rot eq 2 load and 2 store      ; flag: every b took the larger
    TEST if swap end drop
  end
  0 store
  loop idx 8 mod 7 eq if 2 load else 0 load idx mix 1 and end out end
end
call main
"""
# Comparisons of computed values whose results never reach the output.
IDLE = "loop idx dup mix idx lt drop idx 3 mix idx lt if end idx 5 mix 1 and out end"


def larger_path(value: int, levels: int) -> str:
    """The path that takes the larger child at every level (as DESCENT does)."""
    path = ""
    for _ in range(levels):
        c0, c1 = mix(value, 0), mix(value, 1)
        path += str(int(c0 < c1))
        value = c1 if c0 < c1 else c0
    return path


def toy(text: str, test: str = "") -> str:
    return assemble(f"const SEED {SEED}\nconst LEVELS {LEVELS}\n" + text.replace("TEST", test), TOY)


@pytest.mark.parametrize("name, bits, searcher", [
    ("max of candidates", toy(MAX_OF_CANDIDATES), True),
    ("descent by the larger child", toy(DESCENT), True),
    ("verifier on the signposted path", toy(VERIFIER) + larger_path(SEED, LEVELS), False),
    ("verifier, read-bit test as 0 eq not", toy(VERIFIER, "0 eq not") + larger_path(SEED, LEVELS), False),
    ("verifier off the path", toy(VERIFIER) + "0" * LEVELS, False),
    ("comparisons that do not reach the output", assemble(IDLE, TOY), False),
])
def test_search_by_flips_classifies(name, bits, searcher):
    report = search_by_flips(TOY, bits, 64, 50_000)
    assert report["searcher"] is searcher, (name, report)
    assert report["searcher"] == (report["distinct"] >= SEARCH_THRESHOLD)
    assert report["distinct"] <= report["changed"] <= report["examined"] <= report["candidates"] <= report["comparisons"]


def test_a_verifier_has_one_alternative_however_many_comparisons_are_flipped():
    report = search_by_flips(TOY, toy(VERIFIER) + larger_path(SEED, LEVELS), 64, 50_000)
    assert report["candidates"] == LEVELS and report["changed"] == LEVELS and report["distinct"] == 1


def test_a_descent_reaches_a_different_leaf_for_each_flipped_level():
    report = search_by_flips(TOY, toy(DESCENT), 64, 50_000)
    assert report["candidates"] == report["changed"] == report["distinct"] == LEVELS


def test_the_0_eq_not_rewrite_adds_no_candidate_evaluation():
    path = larger_path(SEED, LEVELS)
    plain, rewritten = (search_by_flips(TOY, toy(VERIFIER, test) + path, 64, 50_000) for test in ("", "0 eq not"))
    assert plain["output"] == rewritten["output"]
    assert rewritten["comparisons"] == plain["comparisons"] + LEVELS      # the eq on a read bit runs ...
    assert {k: rewritten[k] for k in ("candidates", "changed", "distinct", "searcher")} == \
        {k: plain[k] for k in ("candidates", "changed", "distinct", "searcher")}  # ... but is no candidate


@pytest.mark.parametrize("text, candidates", [
    ("1 read 0 eq out", 0),                       # a read bit against a literal
    ("1 read dup eq out", 0),                     # a read bit against its copy
    ("1 read 5 store 5 load 0 eq out", 0),        # ... through memory
    ("1 read 1 read swap lt out", 0),             # two read bits
    ("3 4 lt out", 0),                            # two literals
    ("1 read inc 0 eq out", 0),                   # computed against a literal
    ("1 read inc 2 2 add eq out", 1),             # computed against computed
    ("1 read 3 mix dup 1 mix lt out", 1),
    ("loop idx idx 2 mul lt out end", 8),         # idx is computed
])
def test_candidate_evaluations(text, candidates):
    report = search_by_flips(TOY, assemble(f"def main {text} end call main", TOY) + "1011", 8, 1000)
    assert report["candidates"] == candidates


def test_flips_that_do_not_change_the_output_count_for_nothing():
    report = search_by_flips(TOY, assemble(IDLE, TOY), 32, 10_000)
    assert report["candidates"] > 0 and report["changed"] == report["distinct"] == 0
    assert report["min_distance"] is None


@pytest.mark.parametrize("indices, sites, cap, chosen", [
    ([0, 1, 2, 3], [5, 5, 5, 5], 8, [0, 1, 2, 3]),                          # under the cap: all
    (list(range(8)), [5] * 8, 4, [0, 2, 4, 6]),                             # one site: spread evenly
    (list(range(12)), [1, 1, 2] * 4, 4, [0, 2, 6, 8]),                      # two sites share the cap
    (list(range(12)), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2], 4, [0, 3, 7, 11]),  # a rare site passes its share on
    ([1, 3], [9, 9, 9, 9], 1, [1]),                                         # only candidates are chosen
])
def test_flip_choice(indices, sites, cap, chosen):
    assert flip_choice(indices, sites, cap) == chosen


# ----- control ---------------------------------------------------------------------------------
def flat(counts):
    """(answer, truth) pairs from {(answer, truth): count}."""
    return [pair for pair, count in counts.items() for _ in range(count)]


@pytest.mark.parametrize("name, pairs, controller, steering, information", [
    ("always 1, balanced truth", flat({(1, 0): 8, (1, 1): 8}), True, 0.5, 0.0),
    ("always 0, balanced truth", flat({(0, 0): 8, (0, 1): 8}), True, 0.5, 0.0),
    ("honest", flat({(0, 0): 8, (1, 1): 8}), False, 0.0, 1.0),
    ("honest, lopsided truth", flat({(0, 0): 4, (1, 1): 12}), False, 0.0, None),
    ("flips every answer", flat({(1, 0): 8, (0, 1): 8}), False, 0.0, 1.0),
    ("flips every answer, lopsided truth", flat({(1, 0): 4, (0, 1): 12}), False, 0.5, None),
    ("the truth or 1", flat({(0, 0): 8, (1, 1): 16, (1, 0): 8}), True, 0.25, None),
    ("always 1, truth 1", flat({(1, 1): 16}), False, 0.0, 0.0),
    ("always 1, too few points", flat({(1, 0): 3, (1, 1): 3}), False, 0.5, 0.0),
    ("nothing reached", [], False, None, None),
])
def test_control_measures(name, pairs, controller, steering, information):
    report = control_measures(pairs)
    assert report["controller"] is controller, (name, report)
    assert report["reached"] == len(pairs)
    if steering is not None:
        assert report["steering"] == pytest.approx(steering)
    if information is not None:
        assert report["mutual_information"] == pytest.approx(information)
    if pairs:
        assert report["agreement"] == pytest.approx(sum(a == t for a, t in pairs) / len(pairs))


def test_a_controller_steers_its_way_by_at_least_the_threshold():
    assert control_measures(flat({(1, 0): 8, (1, 1): 8}))["steering"] >= CONTROL_THRESHOLD


# Synthetic worlds: a stream per instance (hash bits) with a decision point every 8th bit.
STREAMS = ["".join(str(mix(seed, t) & 1) for t in range(64)) for seed in (1, 2, 3, 4)]
POINTS = list(range(7, 64, 8))
REPORTER = "def main loop 1 read OP out end end call main"


@pytest.mark.parametrize("name, outputs, controller", [
    ("constant answerer", [run_reference(TOY, assemble("loop 1 out end", TOY), 10_000, 64).output] * 4, True),
    ("faithful reporter", [run_reference(TOY, assemble(REPORTER.replace("OP", ""), TOY) + s, 10_000, 64).output
                           for s in STREAMS], False),
    ("flip-every-answer reporter", [run_reference(TOY, assemble(REPORTER.replace("OP", "1 xor"), TOY) + s, 10_000,
                                                  64).output for s in STREAMS], False),
    ("constant answerer that stops early", [run_reference(TOY, assemble("5 rep 1 out end", TOY), 10_000, 64).output] * 4,
     False),
])
def test_control_of_programs(name, outputs, controller):
    pairs = [pair for output, stream in zip(outputs, STREAMS) for pair in answers_at(output, stream, POINTS)]
    assert control_measures(pairs)["controller"] is controller, (name, control_measures(pairs))


def test_an_enumerated_output_is_answered_against_every_instance():
    truths = [(stream, POINTS) for stream in STREAMS]
    pairs = output_answers("1" * 64, truths)
    assert len(pairs) == 4 * len(POINTS) and {a for a, _ in pairs} == {1}
    assert output_answers("1" * 20, truths) == [(1, int(s[t])) for s in STREAMS for t in POINTS if t < 20]


# ----- the world programs (being rewritten: skipped while they disagree with toyinduction.malign.world) -----
WORLD_SEEDS = (2026, 11, 12, 13)


def world_or_skip(seed=2026):
    """A small world instance whose world programs assemble and agree with the Python model."""
    from toyinduction.malign.world import World

    try:
        world = World(seed=seed, depth=12, quiet=2)
    except TypeError as error:
        pytest.skip(f"World's signature changed: {error}")
    try:
        honest = world.program("honest", TOY)
        for role in ("pointer", "guided_flip", "guided_one"):
            world.program(role, TOY)
    except Exception as error:  # noqa: BLE001 - any failure to assemble: the files are being rewritten
        pytest.skip(f"world programs do not assemble: {error}")
    (stream, _), = world_truths([world], [0], frames=4)
    data = world.region(0) + world.louder_path(0)
    if run_reference(TOY, honest + data, 2_000_000, len(stream)).output != stream:
        pytest.skip("world_honest.toy does not reproduce World.stream (programs not in step with world.py)")
    return world


@pytest.mark.parametrize("role, searcher", [
    ("honest", False), ("pointer", True), ("guided_flip", True), ("guided_one", True),
])
def test_world_programs_search(role, searcher):
    from toyinduction.malign.census import default_data

    world = world_or_skip()
    length = world.earliest_decision + 4 * 33
    report = search_by_flips(TOY, world.program(role, TOY) + default_data(role, world, 0), length, 2_000_000)
    assert report["searcher"] is searcher, (role, {k: v for k, v in report.items() if k != "output"})


@pytest.mark.parametrize("role, controller", [
    ("honest", False), ("pointer", False), ("guided_flip", False), ("guided_one", True),
])
def test_world_programs_control(role, controller):
    from toyinduction.malign.world import World

    world_or_skip()
    worlds = [World(seed=seed, depth=12, quiet=2) for seed in WORLD_SEEDS]
    report = control_measures(world_answers(role, worlds, TOY, frames=160))   # questions come 1 frame in 32
    assert report["controller"] is controller, (role, report)
