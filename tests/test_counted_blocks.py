"""Counted blocks: the dynamic program that counts blocks read but not run, against decoding
every bit string; and the flat enumerator with counted blocks against the plain walk — every
tally identical (masses, program counts, steps, agreement, silent mass), for every variant,
composites and tight limits (faults inside the blocks) included."""

import numpy as np
import pytest
from click.testing import CliRunner

from test_flat_enumeration import COMPOSITES, TIGHT_COMPOSITES, TINY
from toyinduction.machines.toy.bodies import BlockTables, C_ELSE, count_blocks_reference
from toyinduction.machines.toy.flat import FlatWorker, T_CLASSES, T_PROGRAMS, T_SILENT, T_STEPS, T_TREE_LEAVES
from toyinduction.machines.toy.language import LANGUAGES, TOY, variant

ONE_DEF = variant("one-def", limits={"block_nesting": 3, "max_subroutines": 1})
NEST_2 = variant("nest-2", limits={"block_nesting": 2, "max_subroutines": 3})
TALLIES = ("trie_mass", "length_mass", "length_count", "agreement", "silent_trie")


# ----- the dynamic program against decoding every bit string --------------------------------------
@pytest.mark.parametrize("language, bits, rooms", [
    (TOY, 14, [(99, 99), (1, 99), (2, 0), (0, 1)]),
    (COMPOSITES, 13, [(99, 99), (1, 1), (2, 0)]),
    (TINY, 13, [(1, 1), (2, 2), (0, 0)]),
], ids=["toy", "composites", "tiny"])
def test_the_dynamic_program_counts_what_decoding_every_string_finds(language, bits, rooms):
    tables = BlockTables(language, bits)
    for else_closes in (False, True):
        for room_open, room_defs in rooms:
            o, s = min(room_open, tables.open_cap), min(room_defs, tables.defs_cap)
            if o < tables.open_least or s < tables.defs_least:
                continue    # a context that cannot occur (its row is not computed)
            closed, faulted = count_blocks_reference(language, bits, else_closes, room_open, room_defs)
            table = tables.closed[int(else_closes), o, s]
            found = {}
            for ell in range(bits + 1):
                for j in np.flatnonzero(table[ell]):
                    found[(ell, int(j) // 8, (int(j) // 4) % 2, int(j) % 4)] = int(table[ell, j])
            assert found == closed
            assert {q: int(c) for q, c in enumerate(tables.faulted[int(else_closes), o, s, :, 0]) if c > 0 and q} == faulted
            assert any(key[2] == C_ELSE for key in closed) == else_closes
            # settled[b]: strings of b bits closed or faulted within them
            settled = tables.faulted[int(else_closes), o, s, bits, 1]
            assert settled == sum(c << (bits - key[0]) for key, c in closed.items()) + sum(
                c << (bits - q) for q, c in faulted.items())


def test_the_reference_sees_faults_and_classes():
    """The reference is not vacuous: tight rooms give faults, flags and nested defs show up."""
    closed, faulted = count_blocks_reference(TOY, 14, True, 1, 0)
    assert faulted and any(key[1] == 0 and key[3] == 1 for key in closed)      # an out, call or brk
    closed, _ = count_blocks_reference(TOY, 14, False, 99, 99)
    assert any(key[1] == 1 for key in closed) and any(key[3] & 2 for key in closed)   # a nested def; a ret


# ----- the flat enumerator with counted blocks against the plain walk ------------------------------
def run(language, max_bits, max_steps, output_bits, counted, root="", target="0110", **options):
    worker = FlatWorker(language, max_bits, max_steps, output_bits, min(output_bits, 16), 1, collapse=True,
                        target=target, counted=counted, **options)
    worker.subtree(root, keep=False)
    return worker


def assert_same_tallies(plain, counted):
    for name in TALLIES:
        assert np.array_equal(getattr(plain, name), getattr(counted, name)), name
    for field in (T_PROGRAMS, T_STEPS, T_SILENT):
        assert plain.totals[field] == counted.totals[field], field


CASES = [(TOY, 24, 300, 8), (TOY, 20, 30, 4), (TOY, 18, 20_000, 4), (LANGUAGES["toy-noeval"], 20, 100, 6),
         (LANGUAGES["toy-uniform"], 20, 100, 6), (TINY, 22, 300, 8), (COMPOSITES, 21, 200, 8),
         (TIGHT_COMPOSITES, 21, 300, 8), (ONE_DEF, 22, 300, 8), (NEST_2, 22, 300, 8),
         (variant("nest-1", COMPOSITES, limits={"block_nesting": 1}), 20, 200, 6), (TOY, 6, 10, 4)]


@pytest.mark.parametrize("language, max_bits, max_steps, output_bits", CASES,
                         ids=[f"{c[0].name}-L{c[1]}-T{c[2]}" for c in CASES])
def test_counted_blocks_change_only_the_tree(language, max_bits, max_steps, output_bits):
    plain = run(language, max_bits, max_steps, output_bits, False)
    counted = run(language, max_bits, max_steps, output_bits, True)
    assert_same_tallies(plain, counted)
    assert int(counted.length_mass.sum()) == int(counted.trie_mass.sum()) == 1 << max_bits   # the buckets sum to 1
    assert counted.totals[T_TREE_LEAVES] <= plain.totals[T_TREE_LEAVES]
    if max_bits >= 20:
        assert counted.totals[T_CLASSES] > 0 and counted.expanded > 0    # classes run, entries walked


def test_counted_blocks_at_a_larger_length():
    """28 bits: 6.4 M programs; about a third fewer tree leaves, every tally the same."""
    plain = run(TOY, 28, 1000, 12, False, target="011011011")
    counted = run(TOY, 28, 1000, 12, True, target="011011011")
    assert_same_tallies(plain, counted)
    assert counted.totals[T_TREE_LEAVES] * 3 < plain.totals[T_TREE_LEAVES] * 2 and counted.expanded > 100


@pytest.mark.parametrize("root", ["101001010110010", "111100", "10010"])
def test_subtrees_and_blocks_entered_again_by_a_loop(root):
    """loop idx if: the if part skipped at index 0 is entered at index 1 (the counted block is
    walked); def ...: bodies entered by call; if on an empty stack: a fault before any block."""
    assert_same_tallies(run(TOY, 27, 300, 8, False, root), run(TOY, 27, 300, 8, True, root))


@pytest.mark.parametrize("capacity", [1, 3])
def test_a_full_record_buffer_pauses_the_run_and_nothing_is_lost(capacity):
    whole = run(TOY, 24, 300, 8, True)
    paused = run(TOY, 24, 300, 8, True, expansion_capacity=capacity)
    assert_same_tallies(whole, paused)
    assert paused.expanded == whole.expanded > 3 * capacity


def test_counted_blocks_behind_enumerate_programs():
    """Threads and split subtrees, counted: the plain result's masses, counts and steps; no leaves."""
    from toyinduction.machines.toy.enumerate import enumerate_programs

    plain = enumerate_programs(COMPOSITES, 19, 300, 10, keep_leaves=0)
    counted = enumerate_programs(COMPOSITES, 19, 300, 10, workers=2, split_bits=6, counted=True)
    assert (plain.programs, plain.steps) == (counted.programs, counted.steps)
    for name in ("trie_mass", "length_mass", "length_count", "silent_trie"):
        assert np.array_equal(getattr(plain, name), getattr(counted, name)), name
    assert counted.leaves is None and counted.tree_leaves < plain.tree_leaves
    with pytest.raises(ValueError, match="^counted blocks are the flat kernel's"):
        enumerate_programs(TOY, 8, 10, 4, kernel="snapshot", counted=True)


def test_enumerate_counted_on_the_command_line(tmp_path):
    import json

    from toyinduction.cli import main

    documents = []
    for flags in ([], ["--counted"]):
        done = CliRunner().invoke(main, ["enumerate", "--max-bits", "18", "--json", "--fresh", "--store",
                                         str(tmp_path), *flags])
        assert done.exit_code == 0, done.output
        documents.append(json.loads(done.output))
    assert documents[0]["buckets"] == documents[1]["buckets"]
    refused = CliRunner().invoke(main, ["enumerate", "--machine", "blc", "--max-bits", "8", "--counted"])
    assert refused.exit_code == 1 and refused.output == (
        "Error: --counted is the toy machines' flat enumerator's; blc has none\n")


def test_counted_blocks_on_random_variants():
    """Thirty seeded random variants (codes from random weights, instructions dropped, limits from
    1 to 64, composites with blocks inside, record buffers of 1 to 4,096) at 18–24 bits: every
    tally the plain walk's."""
    import random

    rng = random.Random(15)
    bodies = ["over over lt if swap end drop", "dup if 1 out else 0 out end", "1 rep out end", "loop 0 brk end",
              "0 if ret end", "dup add"]
    walked = 0
    for case in range(30):
        weights = None if rng.random() < 0.5 else {m: rng.choice([1, 2, 4, 8]) for m in TOY.symbols}
        drop = tuple(rng.sample([m for m in TOY.symbols if m != "end"], rng.randint(0, 4))) if weights else ()
        limits = {"stack_depth": rng.choice([2, 8, 256]), "memory_cells": rng.choice([1, 256]),
                  "call_depth": rng.choice([1, 2, 64]), "loop_depth": rng.choice([1, 2, 64]),
                  "block_nesting": rng.choice([1, 2, 3, 64]), "max_subroutines": rng.choice([1, 2, 64]),
                  "eval_depth": rng.choice([0, 1, 3])}
        composites = {f"c{i}": {"body": rng.choice(bodies), "weight": rng.choice([1, 4])}
                      for i in range(rng.randint(0, 2))}
        language = variant(f"random-{case}", drop=drop,
                           weights=weights and {m: w for m, w in weights.items() if m not in drop},
                           limits=limits, composites=composites or None)
        max_bits, max_steps = rng.randint(18, 24), rng.choice([10, 100, 1000])
        plain = run(language, max_bits, max_steps, 8, False)
        counted = run(language, max_bits, max_steps, 8, True, expansion_capacity=rng.choice([1, 5, 4096]))
        assert_same_tallies(plain, counted)
        walked += counted.expanded
    assert walked > 100


# ----- blocks that never close ---------------------------------------------------------------------
def test_the_odds_of_ever_closing_are_a_martingale():
    """ρ^r·A(c), the bound on ever going on from depth r at trie node c, is the average of its
    value after the next bit, exactly (end: one down, an opener: one up, else in place; a finished
    codeword starts the next at the root, or an operand, where A is 1); ρ = 4/7 for toy is the
    smaller root of ρ = d + sρ + uρ² (the walk's hitting probability)."""
    from fractions import Fraction

    from toyinduction.machines.toy.bodies import closing_odds

    for language in (TOY, COMPOSITES, LANGUAGES["toy-uniform"]):
        rho, weight = closing_odds(language)
        words = {word: symbol for symbol, word in language.codewords.items()}
        step = {"end": -1, "if": 1, "rep": 1, "loop": 1, "def": 1}
        prefixes = {word[:i] for word in words for i in range(len(word))}
        node_of = {}
        for prefix in prefixes:
            node = 0
            for bit in prefix:
                node = int(language.trie[node, int(bit)])
            node_of[prefix] = node
        for prefix in prefixes:
            for depth in (1, 2, 3):
                after = []
                for bit in "01":
                    longer = prefix + bit
                    if longer in words:
                        symbol = words[longer]
                        moved = depth + (0 if symbol in language.composites else step.get(symbol, 0))
                        after.append(rho ** moved)
                    else:
                        after.append(rho ** depth * weight[node_of[longer]])
                assert rho ** depth * weight[node_of[prefix]] == sum(after, Fraction(0)) / 2, (language.name, prefix)
    rho, _ = closing_odds(TOY)
    down, up = Fraction(1, 16), Fraction(7, 64)
    assert rho == Fraction(4, 7) == down + (1 - down - up) * rho + up * rho ** 2


def test_closing_within_b_bits_stays_below_the_bound():
    from toyinduction.machines.toy.bodies import BlockTables, closing_odds

    rho, _ = closing_odds(TOY)
    tables = BlockTables(TOY, 40)
    closed = tables.closed[0, tables.open_cap, tables.defs_cap]
    within = [sum(int(closed[ell].sum()) / 2 ** ell for ell in range(b + 1)) for b in (20, 30, 40)]
    assert within[0] < within[1] < within[2] < rho


@pytest.mark.parametrize("language", [TOY, TINY, COMPOSITES, TIGHT_COMPOSITES], ids=lambda language: language.name)
def test_the_unclosed_blocks_counted_at_their_start_are_the_plain_walks(language):
    """The blocks of b bits that neither closed nor faulted, by depth and the codeword read part way,
    are as many as the dynamic program leaves over; and the mass that never writes again is the
    same whether the enumeration counted blocks or walked them (exact Fractions)."""
    from toyinduction.induction.exhaustive import never_writing_again
    from toyinduction.machines.toy.bodies import BlockTables, unclosed_going_on
    from toyinduction.machines.toy.enumerate import enumerate_programs

    tables = BlockTables(language, 20)
    for else_closes in (0, 1):
        for budget in (0, 5, 12, 20):
            room_open, room_defs = tables.open_cap, tables.defs_cap
            _, count = unclosed_going_on(tables, else_closes, room_open, room_defs, budget)
            assert count == 2 ** budget - tables.faulted[else_closes, room_open, room_defs, budget, 1]
    plain = enumerate_programs(language, 20, 300, 6, keep_leaves=0, target="01101")
    counted = enumerate_programs(language, 20, 300, 6, keep_leaves=0, target="01101", counted=True)
    never = never_writing_again(language, plain)
    assert never == never_writing_again(language, counted) and sum(never) > 0
    unresolved = plain.agreement[2]
    assert all(0 <= n <= int(u) for n, u in zip(never, unresolved))


def test_blocks_that_never_close_narrow_the_interval_further():
    """--silent-final counts silent loops and the blocks that never close as final: the first
    interval of predict 0000 (16 bits, 300 steps) is 0.9516 wide, 0.9489 with silent loops alone,
    less with both."""
    from toyinduction.induction.exhaustive import exhaustive_prediction, prediction_from_agreement
    from toyinduction.machines.toy.enumerate import enumerate_programs

    enumeration = enumerate_programs(TOY, 16, 300, 5, keep_leaves=0, target="0000", counted=True)
    plain = prediction_from_agreement("0000", enumeration.agreement, 16, 300)
    loops = prediction_from_agreement("0000", enumeration.agreement, 16, 300, silent=True)
    both = exhaustive_prediction("toy", "0000", 16, 300, silent=True)
    widths = [float(p.p_upper[0] - p.p_lower[0]) for p in (plain, loops, both)]
    assert round(widths[0], 4) == 0.9516 and round(widths[1], 4) == 0.9489 and widths[2] < widths[1]
    for p in (plain, loops, both):      # the estimate stays inside both intervals
        assert (p.p_lower <= p.p_coin_lower).all() and (p.p_coin_lower <= p.p_next_one).all()
        assert (p.p_next_one <= p.p_coin_upper).all() and (p.p_coin_upper <= p.p_upper).all()
