"""The instruction table and its codes: completeness, Huffman variants, spec hashes."""

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyinduction.machines.toy.language import (
    DEFAULT_CODEWORDS, INSTRUCTION_TABLE, LANGUAGES, MNEMONICS, TOY, Language, check_complete_prefix_code,
    encode_natural, huffman_codewords, kraft_sum, load_language, natural_code_length, variant)


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
