"""The flat enumerator (one numba function, an undo log) against the snapshot enumerator it
replaces: every leaf identical at small L (bits, length, status, steps, output), every tally
identical at larger L, for every variant, composites and tight limits included."""

from pathlib import Path

import numpy as np
import pytest

from toyinduction.engine.enumeration import LEAF_FIELDS
from toyinduction.machines.toy.enumerate import enumerate_chunk
from toyinduction.machines.toy.flat import enumerate_chunk_flat
from toyinduction.machines.toy.language import LANGUAGES, TOY, load_language, variant

COMPOSITES = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))
TINY_LIMITS = {"stack_depth": 3, "memory_cells": 4, "call_depth": 2, "loop_depth": 2, "block_nesting": 2,
               "max_subroutines": 2, "eval_depth": 1}
TINY = variant("tiny", limits=TINY_LIMITS)
TIGHT_COMPOSITES = variant("tight-composites", COMPOSITES, limits=TINY_LIMITS)
NO_EVAL_DEPTH = variant("no-eval-depth", limits={"eval_depth": 0})
TALLIES = ("trie_index", "trie_value", "length_mass", "length_count")

SMALL = [(TOY, 15, 200, 8), (TOY, 12, 30, 3), (LANGUAGES["toy-noeval"], 14, 100, 6),
         (LANGUAGES["toy-uniform"], 14, 100, 6), (TINY, 16, 300, 10), (COMPOSITES, 16, 200, 8),
         (COMPOSITES, 14, 12, 3), (TIGHT_COMPOSITES, 15, 300, 10), (NO_EVAL_DEPTH, 14, 200, 8),
         (TOY, 13, 20_000, 4), (TOY, 0, 10, 4), (TOY, 4, 10, 0)]


def chunk(function, language, max_bits, max_steps, output_bits, roots=("",), split_depth=-1, capacity=10 ** 6,
          **options):
    return function(language.to_json(), max_bits, max_steps, output_bits, min(output_bits, 16), capacity,
                    list(roots), split_depth, **options)


def assert_same(snapshot, flat, leaves=True):
    for key in TALLIES:
        assert np.array_equal(snapshot[key], flat[key]), key
    assert (snapshot["programs"], snapshot["steps"], snapshot["overflow"]) == (
        flat["programs"], flat["steps"], flat["overflow"])
    if leaves:
        for name in LEAF_FIELDS:
            assert np.array_equal(snapshot["leaves"][name], flat["leaves"][name]), name


@pytest.mark.parametrize("language, max_bits, max_steps, output_bits", SMALL,
                         ids=[f"{c[0].name}-L{c[1]}-T{c[2]}" for c in SMALL])
def test_every_leaf_is_the_snapshot_enumerators(language, max_bits, max_steps, output_bits):
    snapshot = chunk(enumerate_chunk, language, max_bits, max_steps, output_bits)
    flat = chunk(enumerate_chunk_flat, language, max_bits, max_steps, output_bits)
    assert len(flat["leaves"]["bits"]) == flat["programs"] == flat["tree_leaves"]
    assert_same(snapshot, flat)


@pytest.mark.parametrize("language, max_bits", [(TOY, 24), (COMPOSITES, 21), (TINY, 22)])
def test_every_tally_is_the_snapshot_enumerators_at_larger_lengths(language, max_bits):
    snapshot = chunk(enumerate_chunk, language, max_bits, 1000, 16, capacity=0)
    flat = chunk(enumerate_chunk_flat, language, max_bits, 1000, 16, capacity=0)
    assert_same(snapshot, flat, leaves=False)


@pytest.mark.parametrize("split_depth", [1, 5, 9])
def test_subtrees_replayed_from_their_roots_add_up_to_the_whole_tree(split_depth):
    """A split run (roots found at split_depth, each replayed from the start of the machine in
    one worker that enumerated other subtrees before) = the serial run, steps included."""
    serial = chunk(enumerate_chunk_flat, COMPOSITES, 16, 300, 10)
    shallow = chunk(enumerate_chunk_flat, COMPOSITES, 16, 300, 10, split_depth=split_depth)
    deep = chunk(enumerate_chunk_flat, COMPOSITES, 16, 300, 10, roots=shallow["roots"])
    snapshot_shallow = chunk(enumerate_chunk, COMPOSITES, 16, 300, 10, split_depth=split_depth)
    collapsed_shallow = chunk(enumerate_chunk_flat, COMPOSITES, 16, 300, 10, split_depth=split_depth, collapse=True)
    assert shallow["roots"] == snapshot_shallow["roots"] == collapsed_shallow["roots"]   # the same chunks
    for key in ("length_mass", "length_count"):
        assert np.array_equal(serial[key], shallow[key] + deep[key]), key
    assert serial["steps"] == shallow["steps"] + deep["steps"]
    assert serial["programs"] == shallow["programs"] + deep["programs"]
    merged = {name: np.concatenate([shallow["leaves"][name], deep["leaves"][name]]) for name in LEAF_FIELDS}
    order = np.argsort(merged["bits"] << (63 - merged["length"]), kind="stable")
    for name in LEAF_FIELDS:
        assert np.array_equal(serial["leaves"][name], merged[name][order]), name


def test_leaves_beyond_the_capacity_are_dropped_and_the_tallies_stay_exact():
    kept = chunk(enumerate_chunk_flat, TOY, 16, 100, 6)
    dropped = chunk(enumerate_chunk_flat, TOY, 16, 100, 6, capacity=10)
    assert dropped["overflow"] and not kept["overflow"]
    assert_same({**kept, "overflow": True}, dropped, leaves=False)


# ----- exact collapse -------------------------------------------------------------------------
COLLAPSE = SMALL + [(variant("no-end", drop=("end",)), 16, 200, 6), (variant("nest-1", COMPOSITES, limits={
    "block_nesting": 1}), 15, 200, 6), (variant("one-def", limits={"block_nesting": 3, "max_subroutines": 1}), 16, 200, 6)]


@pytest.mark.parametrize("language, max_bits, max_steps, output_bits", COLLAPSE,
                         ids=[f"{c[0].name}-L{c[1]}-T{c[2]}" for c in COLLAPSE])
def test_collapse_changes_only_the_number_of_tree_leaves(language, max_bits, max_steps, output_bits):
    """A node whose pending decode or read cannot complete within L bits is one tree leaf standing
    for its 2^(L-d) program-length-limit leaves: every tally and every (expanded) kept leaf is the
    plain walk's."""
    snapshot = chunk(enumerate_chunk, language, max_bits, max_steps, output_bits)
    collapsed = chunk(enumerate_chunk_flat, language, max_bits, max_steps, output_bits, collapse=True)
    assert_same(snapshot, collapsed)
    assert collapsed["tree_leaves"] <= collapsed["programs"]


def test_collapse_tallies_at_larger_lengths():
    snapshot = chunk(enumerate_chunk, TOY, 24, 1000, 16, capacity=0)
    collapsed = chunk(enumerate_chunk_flat, TOY, 24, 1000, 16, capacity=0, collapse=True)
    assert_same(snapshot, collapsed, leaves=False)
    assert collapsed["tree_leaves"] * 3 < collapsed["programs"]   # 117,541 tree leaves for 469,479 programs


def test_a_def_body_that_cannot_end_in_time_is_one_leaf():
    """def (6 bits) and one bit of its body at L = 10: the body needs the rest of an instruction
    (at least 4 bits, none of them completing end) and then end (4 bits) — 8 > 3 bits left, so
    the node is one tree leaf for its 8 programs."""
    root = TOY.codewords["def"] + "1"
    plain = chunk(enumerate_chunk_flat, TOY, 10, 100, 4, roots=[root])
    collapsed = chunk(enumerate_chunk_flat, TOY, 10, 100, 4, roots=[root], collapse=True)
    assert (plain["tree_leaves"], collapsed["tree_leaves"], collapsed["programs"]) == (8, 1, 8)
    assert_same(plain, collapsed)


def test_no_collapse_where_a_decoding_fault_could_happen_below():
    """Two open defs under a nesting limit of 2: a third block opener in the remaining bits faults,
    so the node is not collapsed (the fault leaves are enumerated one by one)."""
    root = TINY.codewords["def"] * 2
    collapsed = chunk(enumerate_chunk_flat, TINY, 20, 100, 4, roots=[root], collapse=True)
    plain = chunk(enumerate_chunk, TINY, 20, 100, 4, roots=[root])
    assert_same(plain, collapsed)
    assert any(status % 8 == 4 for status in collapsed["leaves"]["status"])   # faults (block nesting) below


# ----- the flat enumerator behind enumerate_programs ------------------------------------------
def same_enumeration(a, b):
    assert (a.programs, a.steps) == (b.programs, b.steps) and a.bucket_mass() == b.bucket_mass()
    for name in ("trie_mass", "length_mass", "length_count"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert (a.leaves is None) == (b.leaves is None)
    for name in a.leaves or ():
        assert np.array_equal(a.leaves[name], b.leaves[name]), name


@pytest.mark.parametrize("workers, split_bits", [(1, None), (2, 4), (3, 9)])
def test_enumerate_programs_gives_the_same_result_with_either_kernel(workers, split_bits):
    from toyinduction.machines.toy.enumerate import enumerate_programs

    snapshot = enumerate_programs(COMPOSITES, 17, 300, 10, kernel="snapshot")
    for collapse in (False, True):
        flat = enumerate_programs(COMPOSITES, 17, 300, 10, workers=workers, split_bits=split_bits, collapse=collapse)
        same_enumeration(snapshot, flat)
        assert (flat.tree_leaves < flat.programs) == collapse and snapshot.tree_leaves == snapshot.programs


def test_checkpointed_chunks_serve_either_kernel(tmp_path):
    """The chunks (cut at the same roots) and their arrays are the same whichever kernel wrote
    them, so a run resumes from another kernel's checkpoint."""
    from toyinduction.engine.parallel import Checkpoint
    from toyinduction.machines.toy.enumerate import enumerate_programs

    for first, then in (("snapshot", "flat"), ("flat", "snapshot")):
        written = enumerate_programs(TOY, 15, 200, 8, kernel=first, split_bits=6,
                                     checkpoint=Checkpoint(tmp_path, first, {"run": first}))
        calls = []
        resumed = enumerate_programs(TOY, 15, 200, 8, kernel=then, split_bits=6, progress=lambda *c: calls.append(c),
                                     checkpoint=Checkpoint(tmp_path, first, {"run": first}))
        assert calls[0][0] == calls[0][1] > 1     # every chunk came from the checkpoint
        same_enumeration(written, resumed)


def test_an_unknown_kernel_is_refused_in_one_line():
    from toyinduction.machines.toy.enumerate import enumerate_programs

    with pytest.raises(ValueError, match="^kernel must be 'flat' or 'snapshot', got 'fast'$"):
        enumerate_programs(TOY, 8, 10, 4, kernel="fast")


# ----- the benchmark --------------------------------------------------------------------------
def test_the_enumeration_benchmark_runs_both_kernels_in_one_run():
    from toyinduction.machines.toy.bench import enumeration_comparison

    report = enumeration_comparison(TOY, lengths=(12, 14), old_up_to=12, plain_up_to=14, workers=1,
                                    fresh_processes=False)
    rows = [(r["max_bits"], r["kernel"], r["collapse"], r["counted"]) for r in report["runs"]]
    assert rows == [(12, "snapshot", False, False), (12, "flat", False, False), (12, "flat", True, False),
                    (12, "flat", True, True), (14, "flat", False, False), (14, "flat", True, False),
                    (14, "flat", True, True)]
    for max_bits in (12, 14):
        found = [r for r in report["runs"] if r["max_bits"] == max_bits]
        assert len({r["programs"] for r in found}) == 1 and len({r["steps"] for r in found}) == 1
        assert found[-1]["tree_leaves"] <= found[-2]["tree_leaves"] < found[-2]["programs"]
    assert all(r["peak_rss_mib"] >= r["peak_rss_mib_before"] > 0 for r in report["runs"])
    assert set(report["speedup_over_snapshot"]) == {"12"}
    assert set(report["speedup_over_snapshot"]["12"]) == {"flat", "collapse", "counted"}


def test_bench_enumeration_measures_in_fresh_processes():
    import json

    from click.testing import CliRunner

    from toyinduction.cli import main

    result = CliRunner().invoke(main, ["bench", "--quick", "--enumeration", "--enumeration-bits", "10", "--workers",
                                       "1", "--json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.output)["enumeration"]["runs"]
    assert [(r["kernel"], r["collapse"], r["counted"]) for r in runs] == [
        ("snapshot", False, False), ("flat", False, False), ("flat", True, False), ("flat", True, True)]
    bad = CliRunner().invoke(main, ["bench", "--quick", "--enumeration", "--enumeration-bits", "10,x"])
    assert bad.exit_code == 2 and "comma-separated" in bad.output
