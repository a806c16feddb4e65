"""Hostile input to the toy assembler and disassembler (issue 24): macro bombs fail before they
expand, quotes nested 10^5 deep end in one line (never a RecursionError), the disassembly of any
program grows linearly with it, and an error quotes only a few dozen characters of its input.
Every hostile file is generated in tmp_path; every CLI path runs through click's CliRunner."""

import json
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.core import pack_bits
from toyinduction.machines.toy import assembler
from toyinduction.machines.toy.assembler import (MAX_DISASSEMBLY_INDENT, MAX_PROGRAM_BITS, MAX_PROGRAM_WORDS,
                                                 MAX_QUOTE_DEPTH, AssemblyError, Op, Parser, Quote, assemble,
                                                 assemble_file, disassemble, encode, read_source, tokenize)
from toyinduction.machines.toy.language import MAX_PACKED_BITS, TOY, encode_natural

C = TOY.codewords
NESTING = 100_000


def macro_bomb(levels: int, fan_out: int = 10) -> str:
    """``levels`` nested macros, each using the previous ``fan_out`` times: fan_out^(levels-1) dups."""
    lines = ["macro M0 dup endmacro"]
    lines += [f"macro M{i} " + " ".join([f"M{i - 1}"] * fan_out) + " endmacro" for i in range(1, levels)]
    return "\n".join(lines + [f"M{levels - 1}", ""])


def cli(*args, env=None):
    """Run the command line in-process; (exit code, output)."""
    result = CliRunner().invoke(main, [str(arg) for arg in args], env=env)
    return result.exit_code, result.output


def assert_one_line_error(code: int, output: str, *fragments: str) -> None:
    """Exit code 1, one short line starting with Error:, naming each fragment."""
    assert code == 1, output[:500]
    assert output.startswith("Error: ") and output.count("\n") == 1 and len(output) < 300, output[:500]
    for fragment in fragments:
        assert fragment in output, output


@pytest.fixture
def scratch_store(tmp_path, monkeypatch):
    """Keep any command's stored results in tmp_path, and progress quiet."""
    monkeypatch.setenv("TOYINDUCTION_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("TOYINDUCTION_PROGRESS", "off")
    return tmp_path


# --- 1. bounded assembly ------------------------------------------------------------------------
@pytest.mark.parametrize("levels", [8, 11], ids=["10^7 dup", "10^10 dup"])
def test_a_macro_bomb_fails_before_expanding_in_bounded_memory(levels):
    text = macro_bomb(levels)
    assert len(text) < 600                   # a few hundred bytes
    parser = Parser(tokenize(text), TOY, "bomb.toy", True)
    tracemalloc.start()
    try:
        with pytest.raises(AssemblyError) as caught:
            parser.parse_program()
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert message.startswith(f"bomb.toy:{levels + 1}:1: macro 'M{levels - 1}' expands to more than "
                              f"{MAX_PROGRAM_WORDS} words"), message
    assert parser.instructions == 0          # sized from the bodies: not one dup was made
    assert peak_bytes < 5_000_000


@pytest.mark.parametrize("command", ["asm", "run"])
@pytest.mark.parametrize("levels", [8, 11])
def test_a_macro_bomb_is_one_line_in_the_command_line(tmp_path, command, levels):
    path = tmp_path / "bomb.toy"
    path.write_text(macro_bomb(levels))
    assert_one_line_error(*cli(command, path), f"macro 'M{levels - 1}'", f"{MAX_PROGRAM_WORDS} words")


def test_the_largest_macro_program_under_the_limit_still_assembles():
    text = macro_bomb(5)                     # 10^4 dups
    assert assemble(text, TOY) == C["dup"] * 10 ** 4


def test_the_instruction_limit_is_checked_as_the_program_grows(monkeypatch):
    monkeypatch.setattr(assembler, "MAX_PROGRAM_INSTRUCTIONS", 50)
    parser = Parser(tokenize("1 out macro TEN dup dup dup dup dup dup dup dup dup dup endmacro " + "TEN " * 10),
                    TOY, "grow.toy", True)
    with pytest.raises(AssemblyError, match=r"grow.toy:1:\d+: macro 'TEN' expands the program to more than 50 "
                                            r"instructions"):
        parser.parse_program()
    assert parser.instructions == 51         # stopped at the first instruction past the limit
    monkeypatch.setattr(assembler, "MAX_PROGRAM_INSTRUCTIONS", 5)
    with pytest.raises(AssemblyError, match=r"flat.toy:1:11: the program assembles to more than 5 instructions"):
        assemble("1 2 3 4 5 6 7", TOY, "flat.toy")


def test_the_bit_limit_stops_a_fan_out_of_raw_bits_as_it_grows(tmp_path):
    row = "1" * 1_000_000
    text = f"macro B0 bits {row} endmacro\n" + "".join(
        f"macro B{i} " + " ".join([f"B{i - 1}"] * 10) + " endmacro\n" for i in range(1, 6)) + "B5\n"
    parser = Parser(tokenize(text), TOY, "bits.toy", True)
    with pytest.raises(AssemblyError, match=rf"bits.toy:7:1: macro 'B5' expands the program to more than "
                                            rf"{MAX_PROGRAM_BITS} bits"):
        parser.parse_program()
    assert parser.instructions == MAX_PROGRAM_BITS // len(row) + 1    # 10^5 uses of B0 were never made
    path = tmp_path / "bits.toy"
    path.write_text(text)
    assert_one_line_error(*cli("run", path), "macro 'B5'", f"{MAX_PROGRAM_BITS} bits")


def test_the_word_limit_of_the_text_itself(monkeypatch):
    monkeypatch.setattr(assembler, "MAX_PROGRAM_WORDS", 100)
    assert len(tokenize("dup " * 100)) == 100
    with pytest.raises(AssemblyError, match=r"long.toy:2:3: the text has more than 100 words"):
        tokenize("dup " * 99 + "\n1 2", "long.toy")
    with pytest.raises(AssemblyError, match=r"macro 'TEN' expands to 10 words, taking the program past 100 words"):
        assemble("macro TEN dup dup dup dup dup dup dup dup dup dup endmacro " + "TEN " * 9, TOY)


def test_a_macro_that_uses_itself_is_found_without_expanding():
    with pytest.raises(AssemblyError, match=r"p.toy:1:28: macro 'A' expands too deeply"):
        assemble("macro A B endmacro macro B A endmacro A", TOY, "p.toy")
    with pytest.raises(AssemblyError, match="expands too deeply"):
        assemble("macro A [ A ] endmacro A", TOY, "p.toy")    # through a quote too
    # a name after call is an operand, not a use: a subroutine may share a macro's name
    assert assemble("def f ret end macro f call f endmacro f", TOY) == C["def"] + C["ret"] + C["end"] + \
        C["call"] + encode_natural(0)


# --- 2. no recursion ----------------------------------------------------------------------------
def deep_quote_text(depth: int, closed: bool = True) -> str:
    return "[ " * depth + "1 out " + ("] " * depth if closed else "") + "halt\n"


@pytest.mark.parametrize("closed", [True, False])
def test_quotes_nested_10_to_the_5_deep_are_a_one_line_error(closed):
    with pytest.raises(AssemblyError) as caught:
        assemble(deep_quote_text(NESTING, closed), TOY, "deep.toy")
    column = 2 * MAX_QUOTE_DEPTH + 1               # the first '[' past the limit
    assert str(caught.value) == (f"deep.toy:1:{column}: quotes nested more than {MAX_QUOTE_DEPTH} deep cannot be "
                                 f"evaluated: a quoted program holds at most {MAX_PACKED_BITS} bits")


def test_the_quote_depth_limit_refuses_nothing_eval_could_take():
    # MAX_QUOTE_DEPTH levels already overflow eval's limit on their own
    with pytest.raises(AssemblyError, match=f"quoted program is more than {MAX_PACKED_BITS} bits"):
        assemble("[ " * MAX_QUOTE_DEPTH + "] " * MAX_QUOTE_DEPTH, TOY)
    inner = assemble("1 out", TOY)
    middle = C["push"] + encode_natural(pack_bits(inner)) + C["eval"]
    assert assemble("[ [ 1 out ] eval ]", TOY) == C["push"] + encode_natural(pack_bits(middle))


def test_encode_is_iterative():
    innermost = Quote([Op("dup", None, None)], None)
    for _ in range(NESTING):
        innermost = Quote([innermost], assembler.Token("[", 1, 1))
    with pytest.raises(AssemblyError, match=f"eval takes at most {MAX_PACKED_BITS}"):
        encode([innermost], TOY, "built")
    two = Quote([Quote([Op("dup", None, None)], None)], None)
    expected_inner = C["push"] + encode_natural(pack_bits(C["dup"]))
    assert encode([two, Op("out", None, None)], TOY) == \
        C["push"] + encode_natural(pack_bits(expected_inner)) + C["out"]


@pytest.mark.parametrize("command", [["asm"], ["run"], ["predict", "0101", "--max-bits", "4", "--program"],
                                     ["golf", "--proposals", "10"]], ids=lambda c: c[0])
@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_deep_quotes_are_one_line_in_every_command(scratch_store, command, closed):
    path = scratch_store / "deep.toy"
    path.write_text(deep_quote_text(NESTING, closed))
    assert_one_line_error(*cli(*command, path), "deep.toy:1:", f"quotes nested more than {MAX_QUOTE_DEPTH} deep")


@pytest.mark.parametrize("command", [["predict", "0101", "--max-bits", "4", "--program"],
                                     ["golf", "--proposals", "10"]], ids=lambda c: c[0])
def test_a_macro_bomb_is_one_line_in_predict_and_golf(scratch_store, command):
    path = scratch_store / "bomb.toy"
    path.write_text(macro_bomb(11))
    assert_one_line_error(*cli(*command, path), "macro 'M10'")


# --- 3. linear disassembly ----------------------------------------------------------------------
LOOPS = C["loop"] * 26_000        # 130,000 bits of loop openers


def test_the_disassembly_of_deep_blocks_grows_linearly():
    assert len(LOOPS) == 130_000
    text = disassemble(LOOPS, TOY)
    lines = text.splitlines()
    assert len(lines) == 26_000 and len(text) < 12 * len(LOOPS)
    assert max(len(line) - len(line.lstrip(" ")) for line in lines) == 2 * MAX_DISASSEMBLY_INDENT
    assert lines[-1].strip() == "loop    ; depth 25999"
    assert lines[MAX_DISASSEMBLY_INDENT] == "  " * MAX_DISASSEMBLY_INDENT + "loop"
    assert assemble(text, TOY, strict=False) == LOOPS     # still exact


def test_deep_else_and_incomplete_lines_keep_their_depth_and_round_trip():
    depth = MAX_DISASSEMBLY_INDENT + 3
    bits = assemble("1 if " * depth + "1 out else 0 out end", TOY, strict=False) + "1"
    text = disassemble(bits, TOY)
    assert f"else    ; depth {depth - 1}" in text
    assert f"; incomplete instruction (depth {depth - 1})" in text
    assert assemble(text, TOY, strict=False) == bits


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_disasm_of_130000_bits_prints_linearly(as_json):
    code, output = cli("disasm", LOOPS, *(["--json"] if as_json else []))
    assert code == 0
    assert len(output) < 12 * len(LOOPS)
    text = json.loads(output)["text"] if as_json else output
    assert text.rstrip("\n").splitlines()[-1].strip() == "loop    ; depth 25999"


# --- 4. errors quote little ---------------------------------------------------------------------
LONG = "x" * 1_000_000


@pytest.mark.parametrize("text, fragment", [
    (LONG, "unknown instruction or name 'xxx"),
    ("push " + LONG, "number expected, found 'xxx"),
    ("bits 01" + LONG, "bits takes a string of 0 and 1, found '01xx"),
    ("call " + LONG, "unknown subroutine 'xxx"),
    ("def f end call " + "9" * 100_000, "call '99"),
    ("const 1" + LONG + " 1", "'1xxx"),
    ("macro 1" + LONG + " dup endmacro", "cannot be used as a name"),
    ("const " + LONG + " 1 const " + LONG + " 2", "is already defined"),
    ("macro m" + "y" * 100_000 + " dup", "is never closed by 'endmacro'"),
    ("def f" + LONG + " end def f" + LONG + " end", "is defined twice"),
    ("9" * 100_000, "literal '999"),
    ("0x" + "f" * 100_000, "literal '0xfff"),
    ("-" + "9" * 100_000, "negative literal '-999"),
    (LONG + "\x00" * 1000, "unknown instruction or name 'xxx"),
])
def test_an_error_quotes_a_few_dozen_characters(text, fragment):
    with pytest.raises(AssemblyError) as caught:
        assemble(text, TOY, "long.toy")
    message = str(caught.value)
    assert fragment in message and "\n" not in message and len(message) < 200, message[:300]


def test_a_define_is_quoted_short_too():
    with pytest.raises(ValueError) as caught:
        assemble("const A 1", TOY, defines={"A" * 10_000: 1})
    assert "no const named 'AAA" in str(caught.value) and len(str(caught.value)) < 200
    with pytest.raises(ValueError) as caught:
        assemble("const A 1", TOY, defines={"A": "9" * 10_000})
    assert "must be a natural number" in str(caught.value) and len(str(caught.value)) < 200


def test_run_of_a_10_megabyte_word_and_of_the_environment(tmp_path):
    path = tmp_path / "bigtoken.toy"
    path.write_text("a" * 10_000_000 + "\n")
    assert_one_line_error(*cli("run", path), "bigtoken.toy:1:1: unknown instruction or name 'aaa",
                          "(10000000 characters)")
    environ = Path("/proc/self/environ")
    if environ.is_file():
        assert_one_line_error(*cli("run", environ), "/proc/self/environ:1:1:")


def test_read_source_reads_at_most_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(assembler, "MAX_SOURCE_BYTES", 100)
    path = tmp_path / "long.toy"
    path.write_text("dup " * 50)
    with pytest.raises(ValueError, match=r"long.toy: 200 bytes; program files are limited to 100 bytes"):
        read_source(path)
    environ = Path("/proc/self/environ")       # a file whose size says 0
    if environ.is_file() and len(environ.read_bytes()) > 100:
        with pytest.raises(ValueError, match=r"/proc/self/environ: more than 100 characters"):
            read_source(environ)
    path.write_text("1 out")
    assert assemble_file(path, TOY) == assemble("1 out", TOY)


def test_golf_refuses_a_program_longer_than_it_searches_in_one_line(tmp_path):
    from toyinduction.machines.toy.golf import MAX_GOLF_INSTRUCTIONS

    path = tmp_path / "long.toy"
    path.write_text("dup drop " * (MAX_GOLF_INSTRUCTIONS // 2 + 1) + "1 out")
    result = CliRunner().invoke(main, ["golf", str(path), "--proposals", "5", "--output-bits", "8"])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1
    assert lines[0].startswith(f"Error: {path}: {MAX_GOLF_INSTRUCTIONS + 4} instructions; golf searches programs of "
                               f"at most {MAX_GOLF_INSTRUCTIONS}")


def test_a_huge_turing_machine_argument_is_quoted_in_a_few_dozen_characters():
    for argument in ("1RG0LZ_" * 2000, "1RB1LB_" + "x" * 20000):
        result = CliRunner().invoke(main, ["tm", "run", argument])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 1 and len(lines) == 1 and len(lines[0]) < 200, lines[0][:300]
