"""Assembly text <-> bits: features, errors with file:line:column, round trips."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyinduction.machines.toy.assembler import AssemblyError, assemble, assemble_file, disassemble, tokenize
from toyinduction.machines.toy.language import LANGUAGES, TOY, encode_natural, load_language
from toyinduction.core import pack_bits
from toyinduction.machines.shipped import program_files

C = TOY.codewords


def test_encoding_is_codewords_then_operands():
    assert assemble("push 5 out", TOY) == C["push"] + encode_natural(5) + C["out"]
    assert assemble("5 OUT", TOY) == assemble("push 5 out", TOY)          # bare literal, any case
    assert assemble("0b101 0x5 out out", TOY) == assemble("5 5 out out", TOY)
    assert assemble("def f end call f", TOY) == C["def"] + C["end"] + C["call"] + encode_natural(0)
    assert assemble("halt", TOY) == C["ret"]
    assert assemble("3 read bits 0110", TOY) == C["push"] + encode_natural(3) + C["read"] + "0110"


def test_constants_macros_comments_and_quotes():
    source = """
    const K 7          ; a constant
    macro TWICE dup add endmacro
    K TWICE out        ; 14
    [ 1 out halt ]     ; quoted program
    """
    expected = assemble("7 dup add out", TOY) + C["push"] + encode_natural(pack_bits(assemble("1 out halt", TOY)))
    assert assemble(source, TOY) == expected


def test_tokens_know_where_they_are():
    tokens = tokenize("1 out\n  ; comment\n  [halt]")
    assert [(t.text, t.line, t.column) for t in tokens] == [
        ("1", 1, 1), ("out", 1, 3), ("[", 3, 3), ("halt", 3, 4), ("]", 3, 8)]


ERRORS = [
    ("1 out\n  frob", 2, 3, "unknown instruction or name 'frob'"),
    ("if 1 out", 1, 1, "'if' block is never closed"),
    ("1 else", 1, 3, "'else' outside an 'if'"),
    ("1 if else else end", 1, 11, "second 'else'"),
    ("idx", 1, 1, "'idx' outside a rep/loop"),
    ("def f 1 loop end idx end", 1, 18, "'idx' outside a rep/loop"),
    ("call nowhere", 1, 6, "unknown subroutine 'nowhere'"),
    ("call 0", 1, 6, "before subroutine 0 is defined"),
    ("push", 1, 5, "number expected after 'push'"),
    ("push x", 1, 6, "number expected, found 'x'"),
    ("-3", 1, 1, "negative literal"),
    ("9223372036854775807", 1, 1, "too large"),
    ("bits 012", 1, 6, "bits takes a string of 0 and 1"),
    ("]", 1, 1, "']' without a matching '['"),
    ("[ 1 out", 1, 1, "'[' is never closed"),
    ("const 5 3", 1, 7, "cannot be used as a name"),
    ("const A 1 const A 2", 1, 17, "already defined"),
    ("macro m m endmacro m", 1, 9, "expands too deeply"),  # the recursive use
    ("macro m 1", 1, 1, "never closed by 'endmacro'"),
    ("def f end def f end", 1, 15, "defined twice"),
    ("def f halt end", 1, 7, "'halt' inside a def"),
    ("1 [ loop 1 out 2 out 3 out 4 out 5 out end ]", 1, 3, "eval takes at most 62"),
]


@pytest.mark.parametrize("source, line, column, message", ERRORS, ids=[e[3] for e in ERRORS])
def test_errors_name_line_column_and_problem(source, line, column, message):
    with pytest.raises(AssemblyError) as caught:
        assemble(source, TOY, source="prog.toy")
    assert str(caught.value).startswith(f"prog.toy:{line}:{column}: "), str(caught.value)
    assert message in str(caught.value)


def test_instruction_missing_from_the_variant():
    with pytest.raises(AssemblyError, match="'eval' is not in language 'toy-noeval'"):
        assemble("1 2 3 eval", LANGUAGES["toy-noeval"])


def test_file_errors_carry_the_file_name(tmp_path):
    path = tmp_path / "bad.toy"
    path.write_text("; header\nloop 1 out\n")
    with pytest.raises(AssemblyError, match=r"bad.toy:2:1: 'loop' block is never closed"):
        assemble_file(path, TOY)
    with pytest.raises(ValueError, match="no such file"):
        assemble_file(tmp_path / "missing.toy", TOY)


@pytest.mark.parametrize("path", program_files(), ids=lambda p: p.name)
def test_shipped_programs_round_trip_through_the_disassembler(path):
    bits = assemble_file(path, TOY)
    assert assemble(disassemble(bits, TOY), TOY, strict=False) == bits


def test_disassembler_shows_data_bits_and_incomplete_tails():
    bits = assemble("def main 4 read out end call main bits 1011", TOY)
    text = disassemble(bits + "1", TOY)
    assert "bits 1011" in text and "; incomplete instruction" in text


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.text(alphabet="01", min_size=1, max_size=300))
def test_any_bits_round_trip(bits):
    """disassemble is exact: reassembling its text gives back every bit."""
    assert assemble(disassemble(bits, TOY, max_steps=2000), TOY, strict=False) == bits


# --- composites ---------------------------------------------------------------------------------
TOY_MAX = load_language("toy-max.json")
COMPOSITES = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))


def test_a_composite_is_a_mnemonic_of_one_codeword():
    M = TOY_MAX.codewords
    assert assemble("3 5 max out", TOY_MAX) == M["push"] + encode_natural(3) + M["push"] + encode_natural(5) + \
        M["max"] + M["out"]
    assert assemble("3 5 MAX out", TOY_MAX) == assemble("3 5 max out", TOY_MAX)
    with pytest.raises(AssemblyError, match="unknown instruction or name 'max'"):
        assemble("3 5 max out", TOY)


def test_the_disassembler_prints_composites_by_name():
    bits = assemble("1 pick bit bits 1 out loop idx 2 lt brkz end tick count halt", COMPOSITES)
    text = disassemble(bits, COMPOSITES)
    assert [line.strip() for line in text.splitlines()] == [
        "push 1", "pick", "bit", "bits 1", "out", "loop", "idx", "push 2", "lt", "brkz", "end", "tick", "count", "ret"]
    assert "\nbits 1\n" in text and "\n  brkz\n" in text     # the read inside 'bit' is shown as data
    assert assemble(text, COMPOSITES) == bits


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="01", min_size=1, max_size=300))
def test_any_bits_round_trip_with_composites(bits):
    assert assemble(disassemble(bits, COMPOSITES, max_steps=2000), COMPOSITES, strict=False) == bits


@pytest.mark.parametrize("source, message", [
    ("brkz", "in composite 'brkz': 'brk' outside a rep/loop block"),
    ("call0", "'call0' calls subroutine 0 before it is defined"),
    ("const max 3", "'max' cannot be used as a name"),
    ("macro tick 1 out endmacro", "'tick' cannot be used as a name"),
])
def test_strict_mode_checks_a_composite_where_it_stands(source, message):
    with pytest.raises(AssemblyError, match=re.escape(message)):
        assemble(source, COMPOSITES)
    assert assemble("def f end loop brkz call0 end", COMPOSITES)     # fine where a loop and subroutine 0 exist
