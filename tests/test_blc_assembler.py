"""The BLC assembler: named lambda terms -> de Bruijn bits, checked by tables run on both BLC
machines, by random terms, and by its error messages."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toyinduction.machines.toy.assembler import AssemblyError
from toyinduction.machines.blc.reference import APP, LAM, VAR, encode, parse, run_blc
from toyinduction.machines.blc.assembler import assemble_lambda, numeral
from toyinduction.machines.blc.kernel import run_blc_fast

PRELUDE = """
def zero = \\x y. x
def one = \\x y. y
def cons = \\h t z. z h t
def Y = \\f. (\\x. x x) (\\x. f (x x))
def times = Y (\\again n f x. n (\\b rest skip. again rest (\\y. f (f y)) (b x (f x))) x)
def not = \\b. b one zero
"""

#: (main, input bits, expected output) — run on the reference machine and on the kernel
PROGRAMS = [
    ("\\input. [0110]", "", "0110"),                                   # a literal list
    ("\\input. 6", "", "011"),                                         # a numeral: low bit first
    ("\\input. 0", "", ""),                                            # zero is the empty list
    ("\\input. input", "1011", "1011"),                                # the identity copies its input
    ("\\input. input (\\b rest. cons (not b) rest)", "0110", "1110"),  # pattern match on a list cell
    ("\\input. times 5 (cons one) [0]", "", "111110"),                 # iteration by a binary numeral
    ("\\input. times 0 (cons one) [0]", "", "0"),
    ("\\input. let two = [11] in times 2 (\\l. cons zero l) two", "", "0011"),   # let
    ("\\input. Y (\\again l. l (\\b rest. cons b (cons b (again rest)))) input", "101", "110011"),  # recursion
]


@pytest.mark.parametrize("main,data,expected", PROGRAMS)
@pytest.mark.parametrize("machine", [run_blc, run_blc_fast], ids=["reference", "kernel"])
def test_programs_run_to_their_outputs(machine, main, data, expected):
    bits = assemble_lambda(PRELUDE + "def main = " + main)
    result = machine(bits + data, 100_000, 64)
    assert result.output == expected
    # the whole input was needed exactly where the program reads it to the end: otherwise halted
    assert result.status.label in ("halted", "bits_limit")


@pytest.mark.parametrize("text,term", [
    ("def main = \\x. x", (LAM, (VAR, 1))),
    ("def main = \\x y. x", (LAM, (LAM, (VAR, 2)))),
    ("def main = \\x y. y x", (LAM, (LAM, (APP, (VAR, 1), (VAR, 2))))),
    # used once: substituted; used twice: one let, (λ 1 1) K
    ("def K = \\a b. a\ndef main = \\x. K x", (LAM, (APP, (LAM, (LAM, (VAR, 2))), (VAR, 1)))),
    ("def K = \\a b. a\ndef main = K K", (APP, (LAM, (APP, (VAR, 1), (VAR, 1))), (LAM, (LAM, (VAR, 2))))),
    # a local named like a definition hides it; a substituted body still sees the definition
    ("def x = \\a b. a\ndef main = \\x. x", (LAM, (VAR, 1))),
    ("def K = \\a b. a\ndef f = \\z. K z K\ndef main = \\K. f",
     (APP, (LAM, (LAM, (LAM, (APP, (APP, (VAR, 3), (VAR, 1)), (VAR, 3))))), (LAM, (LAM, (VAR, 2))))),
])
def test_encoding_table(text, term):
    assert assemble_lambda(text) == encode(term)


def test_the_most_used_definitions_bind_innermost():
    text = "def a = \\x. x\ndef b = \\x y. y\ndef main = \\i. a (b a) (b b b)"
    term, _ = parse(assemble_lambda(text))
    # b (used 4 times) is bound inside a (used twice): (λa. (λb. main) B) A
    assert term[0] == APP and term[2] == (LAM, (VAR, 1))
    assert term[1][1][0] == APP and term[1][1][2] == (LAM, (LAM, (VAR, 1)))


@st.composite
def closed_terms(draw, depth=0, size=12):
    """A random closed de Bruijn term."""
    choices = ["lam"] + (["var"] if depth else []) + (["app"] if size > 2 else [])
    kind = draw(st.sampled_from(choices if size > 0 else (["var"] if depth else ["lam"])))
    if kind == "var":
        return (VAR, draw(st.integers(1, depth)))
    if kind == "lam":
        return (LAM, draw(closed_terms(depth + 1, size - 1)))
    return (APP, draw(closed_terms(depth, size // 2)), draw(closed_terms(depth, size // 2)))


def named(term, depth=0) -> str:
    """The term as assembler text, variable names v1, v2, … by binding depth."""
    if term[0] == VAR:
        return f"v{depth - term[1] + 1}"
    if term[0] == LAM:
        return f"(\\v{depth + 1}. {named(term[1], depth + 1)})"
    return f"({named(term[1], depth)} {named(term[2], depth)})"


@settings(max_examples=300, deadline=None)
@given(closed_terms())
def test_random_terms_assemble_to_their_de_bruijn_bits(term):
    assert assemble_lambda(f"def main = {named(term)}") == encode(term)


def test_defines_and_widths():
    text = "const N 5\nconst SEED 5 8\ndef main = \\i. N\ndef wide = \\i. SEED"
    assert run_blc(assemble_lambda(text), 1000, 16).output == numeral(5) == "101"
    assert run_blc(assemble_lambda(text, main="wide"), 1000, 16).output == "00000101"
    assert run_blc(assemble_lambda(text, defines={"N": 12}), 1000, 16).output == "0011"
    with pytest.raises(ValueError, match="no const named M"):
        assemble_lambda(text, defines={"M": 1})
    with pytest.raises(AssemblyError, match="does not fit in 8 bits"):
        assemble_lambda(text, defines={"SEED": 256})


@pytest.mark.parametrize("text,message", [
    ("def main = \\x. y", "<text>:1:16: y is not defined"),
    ("def main = f\ndef f = \\x. x", "main uses f, which is not defined above it"),
    ("def f = \\x. f x\ndef main = f", "f uses f, which is not defined above it"),
    ("def f = \\x. x", "no definition named main"),
    ("def f = \\x. x\ndef f = \\x. x\ndef main = f", "<text>:2:1: f is defined twice"),
    ("def main = \\x. x $", "<text>:1:18: unexpected character '$'"),
    ("def main = (\\x. x", "the text ends where ')' was expected"),
    ("def main = \\. x", "expected a variable after \\"),
    ("main = \\x. x", "expected 'def' or 'const', found 'main'"),
    ("const N x", "const N needs a number"),
    ("def main = let x = [0] x", "the text ends where 'in' was expected"),
    ("def main = let x = [0] def", "expected 'in', found 'def'"),
])
def test_errors_name_the_place_and_the_problem(text, message):
    with pytest.raises(AssemblyError) as error:
        assemble_lambda(text)
    assert message in str(error.value)
    assert str(error.value).startswith("<text>:")
