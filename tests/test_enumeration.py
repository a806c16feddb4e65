"""Exhaustive enumeration: exact accounting, agreement with a naive enumerator, bounds,
serial = parallel, and the run store."""

import itertools
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from naive import enumerate_naively
from toyinduction.cli import main
from toyinduction.engine.enumeration import BUCKETS, load_enumeration
from toyinduction.machines.toy.enumerate import enumerate_or_load, enumerate_programs
from toyinduction.machines.toy.language import LANGUAGES, TOY, load_language
from toyinduction.engine.store import RunStore, StoreError

#: A variant whose composites (read, if/else, loops, brk, call, eval, halt inside bodies) have short codewords.
COMPOSITES = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))
CASES = [(TOY, 14, 200, 8), (TOY, 12, 30, 3), (LANGUAGES["toy-noeval"], 13, 100, 6),
         (LANGUAGES["toy-uniform"], 13, 100, 6), (COMPOSITES, 16, 200, 8), (COMPOSITES, 14, 12, 3)]


@pytest.mark.parametrize("language, max_bits, max_steps, output_bits", CASES,
                         ids=[f"{c[0].name}-L{c[1]}" for c in CASES])
def test_every_leaf_agrees_with_the_naive_enumerator(language, max_bits, max_steps, output_bits):
    """Snapshot-and-branch enumeration = re-running every prefix from scratch (reference interpreter)."""
    fast = enumerate_programs(language, max_bits, max_steps, output_bits)
    naive = enumerate_naively(language, max_bits, max_steps, output_bits)
    leaves = fast.leaves
    assert fast.programs == len(naive) == len(leaves["bits"])
    for i, (bits, result) in enumerate(naive):
        length = int(leaves["length"][i])
        assert (format(int(leaves["bits"][i]), f"0{length}b") if length else "") == bits
        assert int(leaves["status"][i]) % 8 == int(result.status)
        assert int(leaves["steps"][i]) == result.steps
        assert int(leaves["output_length"][i]) == len(result.output)
    # exact masses per bucket from the naive leaves
    expected = {name: Fraction(0) for name in BUCKETS}
    for bits, result in naive:
        expected[result.status.label] += Fraction(1, 2 ** len(bits))
    assert fast.bucket_mass() == expected


@pytest.mark.parametrize("language, max_bits, max_steps, output_bits", CASES,
                         ids=[f"{c[0].name}-L{c[1]}" for c in CASES])
def test_buckets_sum_to_exactly_one(language, max_bits, max_steps, output_bits):
    assert sum(enumerate_programs(language, max_bits, max_steps, output_bits).bucket_mass().values()) == 1


def test_mass_bounds_equal_those_from_naive_leaves():
    max_bits, max_steps, output_bits = 14, 200, 4
    fast = enumerate_programs(TOY, max_bits, max_steps, output_bits)
    naive = enumerate_naively(TOY, max_bits, max_steps, output_bits)
    for length in range(0, 5):
        for prefix in map("".join, itertools.product("01", repeat=length)):
            lower = sum(Fraction(1, 2 ** len(bits)) for bits, r in naive if r.output.startswith(prefix))
            unresolved = sum(Fraction(1, 2 ** len(bits)) for bits, r in naive
                             if r.status.label in ("step_limit", "bits_limit") and prefix.startswith(r.output)
                             and len(r.output) < len(prefix))
            assert fast.mass_bounds(prefix) == (lower, lower + unresolved), prefix


def test_bounds_tighten_as_the_length_limit_grows():
    small, large = (enumerate_programs(TOY, bits, 300, 6) for bits in (12, 18))
    for prefix in ("", "0", "1", "01", "10", "111", "0101"):
        low_small, up_small = small.mass_bounds(prefix)
        low_large, up_large = large.mass_bounds(prefix)
        assert low_small <= low_large <= up_large <= up_small


@pytest.mark.parametrize("workers, split_bits", [(2, 4), (2, 9), (3, 6)])
def test_parallel_runs_are_identical_to_serial(workers, split_bits):
    serial = enumerate_programs(TOY, 17, 300, 10)
    parallel = enumerate_programs(TOY, 17, 300, 10, workers=workers, split_bits=split_bits)
    assert np.array_equal(serial.trie_mass, parallel.trie_mass)
    assert np.array_equal(serial.length_mass, parallel.length_mass)
    assert np.array_equal(serial.length_count, parallel.length_count)
    for name in serial.leaves:
        assert np.array_equal(serial.leaves[name], parallel.leaves[name]), name


def test_composites_enumerate_identically_in_parallel_and_are_stored_under_their_own_hash(tmp_path):
    """Chunks rebuild the language from its JSON (the composites with it): serial = parallel; a
    composite variant's results never answer for toy's, nor the reverse."""
    serial = enumerate_programs(COMPOSITES, 16, 200, 8)
    parallel = enumerate_programs(COMPOSITES, 16, 200, 8, workers=2, split_bits=5)
    assert np.array_equal(serial.trie_mass, parallel.trie_mass) and serial.steps == parallel.steps
    for name in serial.leaves:
        assert np.array_equal(serial.leaves[name], parallel.leaves[name]), name
    store = RunStore(tmp_path / "runs")
    enumerate_or_load(COMPOSITES, 10, 50, 4, store)
    assert load_enumeration(store, TOY.spec_hash, 10, 50, 4) is None
    assert not enumerate_or_load(TOY, 10, 50, 4, store)[1] and len(store.entries()) == 2


def test_leaves_are_dropped_beyond_the_limit_but_tallies_stay_exact():
    kept = enumerate_programs(TOY, 16, 100, 6)
    dropped = enumerate_programs(TOY, 16, 100, 6, keep_leaves=10)
    assert dropped.leaves is None and kept.leaves is not None
    assert np.array_equal(kept.trie_mass, dropped.trie_mass)


@pytest.mark.parametrize("bad", [dict(max_bits=63), dict(max_bits=-1), dict(max_steps=-5), dict(workers=0)])
def test_impossible_options_are_refused(bad):
    options = dict(max_bits=10, max_steps=10, output_bits=4)
    options.update(bad)
    with pytest.raises(ValueError):
        enumerate_programs(TOY, **options)


def test_store_reuses_only_exact_matches(tmp_path):
    store = RunStore(tmp_path / "runs")
    first, loaded = enumerate_or_load(TOY, 12, 50, 4, store)
    assert not loaded
    again, loaded = enumerate_or_load(TOY, 12, 50, 4, store)
    assert loaded and np.array_equal(again.trie_mass, first.trie_mass) and again.bucket_mass() == first.bucket_mass()
    assert all(np.array_equal(again.leaves[k], first.leaves[k]) for k in first.leaves)
    # a changed budget or language never finds the stored result
    assert load_enumeration(store, TOY.spec_hash, 12, 51, 4) is None
    assert load_enumeration(store, LANGUAGES["toy-noeval"].spec_hash, 12, 50, 4) is None
    assert len(store.entries()) == 1


def test_damaged_store_entries_are_reported_not_replaced(tmp_path):
    store = RunStore(tmp_path / "runs")
    enumerate_or_load(TOY, 10, 50, 4, store)
    npz = next((tmp_path / "runs").glob("*.npz"))
    npz.write_bytes(b"not an npz file")
    with pytest.raises(StoreError, match="damaged"):
        enumerate_or_load(TOY, 10, 50, 4, store)
    assert npz.read_bytes() == b"not an npz file"  # nothing overwritten
    result = CliRunner().invoke(main, ["enumerate", "--max-bits", "10", "--max-steps", "50", "--output-bits", "4",
                                       "--store", str(tmp_path / "runs")])
    assert result.exit_code == 1 and result.output.startswith("Error: run store entry")
    assert len(result.output.strip().splitlines()) == 1


def test_enumerate_and_runs_commands(tmp_path):
    store = str(tmp_path / "runs")
    args = ["enumerate", "--max-bits", "12", "--max-steps", "100", "--output-bits", "4", "--store", store, "--json"]
    first = json.loads(CliRunner().invoke(main, args).output)
    assert first["total_mass"] == "1" and not first["loaded_from_store"]
    assert set(first["buckets"]) == set(BUCKETS) and first["programs"] > 0
    second = json.loads(CliRunner().invoke(main, args).output)
    assert second["loaded_from_store"] and second["buckets"] == first["buckets"]
    listed = json.loads(CliRunner().invoke(main, ["runs", "--store", store, "--json"]).output)
    assert len(listed["runs"]) == 1 and listed["runs"][0]["parameters"]["max_bits"] == 12


def test_memory_stays_bounded_when_leaves_outnumber_the_limit():
    """130,794 leaves, a limit of 1,000: the leaves are streamed into the exact tallies and the
    peak of traced allocations stays far below what keeping them would need."""
    import tracemalloc

    tracemalloc.start()
    bounded = enumerate_programs(TOY, 22, 1000, 16, workers=2, keep_leaves=1000)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert bounded.leaves is None and bounded.programs == 130794
    assert sum(bounded.bucket_mass().values()) == 1
    assert peak < 48 * 2 ** 20, f"peak {peak / 2 ** 20:.1f} MiB"
    kept = enumerate_programs(TOY, 22, 1000, 16, workers=2, keep_leaves=200_000)
    assert np.array_equal(kept.trie_mass, bounded.trie_mass) and len(kept.leaves["bits"]) == 130794


def test_truncated_or_foreign_store_files_are_never_used(tmp_path):
    store = RunStore(tmp_path / "runs")
    enumerate_or_load(TOY, 10, 50, 4, store)
    meta = next((tmp_path / "runs").glob("*.json"))
    npz = meta.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[: len(npz.read_bytes()) // 2])          # truncated
    with pytest.raises(StoreError, match="damaged"):
        load_enumeration(store, TOY.spec_hash, 10, 50, 4)
    enumerate_or_load(TOY, 10, 50, 4, RunStore(tmp_path / "other"))
    other_meta = next((tmp_path / "other").glob("*.json"))
    document = json.loads(other_meta.read_text())
    document["parameters"]["max_steps"] = 51                                  # a foreign entry under this key
    meta.write_text(json.dumps(document))
    npz.write_bytes(other_meta.with_suffix(".npz").read_bytes())
    with pytest.raises(StoreError, match="does not match its key"):
        load_enumeration(store, TOY.spec_hash, 10, 50, 4)
    (tmp_path / "runs" / "stray.json").write_text("{not json")                # listed as damaged, not used
    assert any("error" in row for row in store.entries())


def test_the_default_store_is_the_user_cache_never_the_working_directory(tmp_path, monkeypatch):
    """Without --store, results go to $TOYINDUCTION_STORE, else $XDG_CACHE_HOME/toyinduction
    (~/.cache/toyinduction); the working directory gets no runs/ folder."""
    from toyinduction.engine.store import default_store_directory

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOYINDUCTION_STORE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_store_directory() == tmp_path / "cache" / "toyinduction"
    monkeypatch.setenv("TOYINDUCTION_STORE", str(tmp_path / "mine"))
    result = CliRunner().invoke(main, ["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4",
                                       "--json"])
    assert result.exit_code == 0, result.output
    assert list((tmp_path / "mine").glob("enumeration-*.json")) and not (tmp_path / "runs").exists()
    listed = json.loads(CliRunner().invoke(main, ["runs", "--json"]).output)
    assert listed["store"] == str(tmp_path / "mine") and len(listed["runs"]) == 1
