"""The instruction table and its codes: completeness, Huffman variants, spec hashes."""

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyinduction.machines.toy.language import (
    DEFAULT_CODEWORDS, FIRST_COMPOSITE, INSTRUCTION_TABLE, LANGUAGES, MNEMONICS, TOY, Language,
    VARIANTS_DIR, check_complete_prefix_code, encode_natural, huffman_codewords, kraft_sum, language_from_json, load_language,
    natural_code_length, variant)


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_registered_code_is_complete(name):
    """Kraft sum exactly 1: every infinite bit string decodes, no prior mass lost to syntax."""
    assert kraft_sum(LANGUAGES[name].codewords.values()) == Fraction(1)


def test_default_table_is_the_toy_language():
    assert TOY.codewords == DEFAULT_CODEWORDS
    assert len(INSTRUCTION_TABLE) == len(set(MNEMONICS)) == 35
    for row in INSTRUCTION_TABLE:
        assert len(row) == 5 and row[4], f"row {row[0]} needs one-line semantics"


@pytest.mark.parametrize("exponent", range(0, 12))
def test_elias_gamma_is_complete_and_self_delimiting(exponent):
    """All naturals whose code has exponent <= k have Kraft sum 1 - 2^-(k+1)  (-> 1)."""
    words = [encode_natural(n) for n in range(2 ** (exponent + 1) - 1)]
    assert kraft_sum(words) == 1 - Fraction(1, 2 ** (exponent + 1))
    assert all(len(w) == natural_code_length(n) for n, w in enumerate(words))
    ordered = sorted(words)
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))


def test_elias_gamma_examples():
    assert [encode_natural(n) for n in range(5)] == ["1", "010", "011", "00100", "00101"]
    with pytest.raises(ValueError):
        encode_natural(-1)


@settings(max_examples=200, derandomize=True)
@given(st.dictionaries(st.sampled_from(MNEMONICS), st.integers(1, 1000), min_size=2))
def test_huffman_codes_are_complete_prefix_codes(weights):
    codewords = huffman_codewords(weights)
    assert set(codewords) == set(weights)
    check_complete_prefix_code(codewords)  # raises if not prefix-free or Kraft sum != 1
    heavy, light = max(weights, key=weights.get), min(weights, key=weights.get)
    assert len(codewords[heavy]) <= len(codewords[light])


def test_variants_drop_and_reweight():
    noeval = LANGUAGES["toy-noeval"]
    assert "eval" not in noeval.codewords and len(noeval.codewords) == 34
    assert kraft_sum(noeval.codewords.values()) == 1
    cheap_push = variant("cheap-push", weights={"push": 1000})
    assert len(cheap_push.codewords["push"]) < len(TOY.codewords["push"])
    assert len({language.spec_hash for language in LANGUAGES.values()}) == len(LANGUAGES)


def test_spec_hash_is_stable_and_ignores_the_name():
    renamed = Language(name="another-name", codewords=dict(TOY.codewords))
    assert renamed.spec_hash == TOY.spec_hash
    assert TOY.spec_hash == Language(name="toy", codewords=dict(DEFAULT_CODEWORDS)).spec_hash
    bigger_memory = variant("big", limits={"memory_cells": 512})
    assert bigger_memory.spec_hash != TOY.spec_hash


@pytest.mark.parametrize("codewords, message", [
    ({"push": "0", "dup": "1", "add": "11"}, "prefix"),
    ({"push": "0", "dup": "10"}, "not complete"),
    ({"push": "0", "dup": "1x"}, "bit string"),
    ({"push": "0", "bogus": "1"}, "unknown instruction"),
    ({"push": ""}, "at least two"),
])
def test_bad_codes_are_refused(codewords, message):
    with pytest.raises(ValueError, match=message):
        Language(name="bad", codewords=codewords)


def test_language_files(tmp_path):
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"name": "mine", "drop": ["rot", "or"], "weights": {"push": 20}}))
    mine = load_language(str(path))
    assert mine.name == "mine" and "rot" not in mine.codewords and kraft_sum(mine.codewords.values()) == 1
    by_hand = tmp_path / "hand.json"
    by_hand.write_text(json.dumps(mine.to_json()))
    assert load_language(str(by_hand)).spec_hash == mine.spec_hash
    with pytest.raises(ValueError, match="unknown language"):
        load_language("no-such-language")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="not readable JSON"):
        load_language(str(tmp_path / "broken.json"))


def test_decoding_trie_matches_the_codewords():
    trie = TOY.trie
    for mnemonic, word in TOY.codewords.items():
        node = 0
        for bit in word[:-1]:
            node = trie[node, int(bit)]
            assert node > 0
        assert trie[node, int(word[-1])] == -(MNEMONICS.index(mnemonic) + 1)


# --- composites ---------------------------------------------------------------------------------
FIXTURES = Path(__file__).parent / "fixtures"
MAX = {"max": {"body": "over over lt if swap end drop", "weight": 1}}


def test_a_composite_gets_a_codeword_of_a_complete_code():
    toy_max = variant("toy-max", composites=MAX)
    assert kraft_sum(toy_max.codewords.values()) == 1 and set(toy_max.codewords) == set(MNEMONICS) | {"max"}
    assert toy_max.composites["max"] == (("over", None), ("over", None), ("lt", None), ("if", None),
                                         ("swap", None), ("end", None), ("drop", None))
    assert toy_max.body_text("max") == "over over lt if swap end drop" and toy_max.mnemonics == MNEMONICS
    # weight 1 is the weight of the base's rarest (6-bit) instructions: max gets no fewer bits than they do
    assert len(toy_max.codewords["max"]) >= 6
    heavy = variant("heavy-max", composites={"max": dict(MAX["max"], weight=16)})
    assert len(heavy.codewords["max"]) < len(toy_max.codewords["max"])
    # the shipped example is this variant
    assert load_language("toy-max.json").spec_hash == toy_max.spec_hash


def test_composites_are_part_of_the_spec_hash():
    toy_max = variant("toy-max", composites=MAX)
    other_body = variant("toy-max", composites={"max": {"body": "over over lt if swap end drop drop", "weight": 1}})
    assert len({TOY.spec_hash, toy_max.spec_hash, other_body.spec_hash}) == 3
    # a plain variant's spec is what it was before composites existed, so its hash (and its stored results) stay
    assert set(TOY.spec) == {"semantics_version", "operand_code", "codewords", "limits"}
    by_hand = variant("by-hand", codewords={m: w for m, w in toy_max.codewords.items() if m != "max"},
                      composites={"max": {"body": "over over lt if swap end drop",
                                          "codeword": toy_max.codewords["max"]}})
    assert by_hand.spec_hash == toy_max.spec_hash


def test_composite_variants_round_trip_through_json(tmp_path):
    mine = load_language(str(FIXTURES / "composites.json"))
    again = tmp_path / "again.json"
    again.write_text(json.dumps(mine.to_json()))
    assert load_language(str(again)).spec_hash == mine.spec_hash
    assert language_from_json(mine.to_json()) == mine
    smaller = variant("smaller", mine, drop=("long", "rot"), limits={"stack_depth": 8})  # a base's composites stay
    assert set(smaller.composites) == set(mine.composites) - {"long"} and kraft_sum(smaller.codewords.values()) == 1


def test_the_decoding_table_expands_a_composite():
    toy_max = variant("toy-max", composites=MAX)
    trie = toy_max.trie
    node = 0
    for bit in toy_max.codewords["max"][:-1]:
        node = trie[node, int(bit)]
    leaf = -trie[node, int(toy_max.codewords["max"][-1])] - 1
    assert leaf >= FIRST_COMPOSITE
    first, end = trie[leaf - FIRST_COMPOSITE]
    assert [MNEMONICS[op] for op in trie[first:end, 0]] == "over over lt if swap end drop".split()
    assert toy_max.max_expansion == -(-7 // len(toy_max.codewords["max"])) and TOY.max_expansion == 1
    assert len(TOY.trie) == len(TOY.codewords) - 1      # no composites: the trie alone, as before


@pytest.mark.parametrize("composite, message", [
    ({"body": "over over lt if swap drop"}, "'if' is never closed by 'end' in the body"),
    ({"body": "drop end"}, "'end' would close a block outside the body"),
    ({"body": "else 1 out"}, "'else' outside an 'if' of the body"),
    ({"body": "1 if else else end"}, "second 'else'"),
    ({"body": "def 1 out end"}, "'def' cannot be in a body"),
    ({"body": "dup max"}, "'max' is not an instruction of the table"),
    ({"body": "frob"}, "'frob' is not an instruction"),
    ({"body": "push"}, "'push' takes a number"),
    ({"body": "call x"}, "'call' takes a number"),
    ({"body": ""}, "the body is empty"),
    ({"body": " ".join(["dup"] * 65)}, "at most 64"),
    ({"body": "dup", "weight": 1, "codeword": "1"}, "a weight or a codeword, not both"),
    ({"body": "dup", "codeword": "111111"}, "give the whole code by hand"),
    ({"body": "dup", "weight": -2}, "weight must be a positive number"),
    ({"body": 5}, "'composites' must be an object of name"),
    ({"bdy": "dup"}, "'composites' must be an object of name"),
])
def test_bad_composites_are_one_line_errors_naming_the_file(tmp_path, composite, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"name": "bad", "composites": {"twin": composite}}))
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        load_language(str(path))
    assert str(error.value).startswith(f"language file {path}") and "\n" not in str(error.value)


@pytest.mark.parametrize("name, message", [("dup", "taken by an instruction"), ("halt", "taken by an instruction"),
                                           ("Max", "lower-case word"), ("9lives", "lower-case word")])
def test_composite_names_are_new_lower_case_words(name, message):
    with pytest.raises(ValueError, match=message):
        variant("bad", composites={name: {"body": "dup"}})


def test_spec_shows_a_composite_and_its_body():
    from click.testing import CliRunner

    from toyinduction.cli import main

    result = CliRunner().invoke(main, ["spec", "--language", str(VARIANTS_DIR / "toy-max.json"), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["kraft_sum"] == "1" and document["spec_hash"] == variant("toy-max", composites=MAX).spec_hash
    row = next(row for row in document["instructions"] if row["mnemonic"] == "max")
    assert row["body"] == "over over lt if swap end drop" and row["codeword"] == load_language("toy-max.json").codewords["max"]
    text = CliRunner().invoke(main, ["spec", "--language", "toy-max.json"]).output
    assert "composite: over over lt if swap end drop" in text
