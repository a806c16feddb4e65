"""Both interpreters against a table of (program, expected) and against each other.

Expected values in the table are worked out by hand from the language reference, not
produced by running the interpreters.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from random_programs import structured_bits, uniform_bits
from toyinduction.machines.toy.assembler import assemble
from toyinduction.machines.toy.kernel import MachineState, kernel_for, run, run_many
from toyinduction.core import bits_to_array
from toyinduction.machines.toy.language import TOY, encode_natural, load_language, variant
from toyinduction.core import Fault, Status
from toyinduction.machines.toy.reference import mix, run_reference

TINY = variant("tiny", limits={"stack_depth": 2, "loop_depth": 2, "block_nesting": 2, "max_subroutines": 1})
SHALLOW_EVAL = variant("shallow-eval", limits={"eval_depth": 1})
#: Composites that turn up in short programs: read, if/else, loops, brk of the loop around, call,
#: eval, halt and a 40-instruction body (tests/fixtures/composites.json).
COMPOSITES = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))
TIGHT_COMPOSITES = variant("tight-composites", COMPOSITES, limits={"block_nesting": 2, "stack_depth": 3,
                                                                   "loop_depth": 2, "eval_depth": 1})
TOY_MAX = load_language("toy-max.json")

# (source, expected output, status, fault or None, steps or None, language, output bits)
TABLE = [
    ("1 out 0 out halt", "10", "halted", None, 5, TOY, 16),
    ("5 3 sub out halt", "0", "halted", None, 5, TOY, 16),
    ("3 5 sub 0 lt out halt", "1", "halted", None, 7, TOY, 16),
    ("7 2 div out 7 2 mod out halt", "11", "halted", None, None, TOY, 16),
    ("0 7 sub 2 div 0 4 sub eq out 0 7 sub 2 mod out halt", "11", "halted", None, None, TOY, 16),  # floor
    ("1 0 div", "", "fault", "division_by_zero", 2, TOY, 16),
    ("1 0 mod", "", "fault", "division_by_zero", 2, TOY, 16),
    ("drop", "", "fault", "stack_underflow", 0, TOY, 16),
    ("300 load", "", "fault", "memory_address", 1, TOY, 16),
    ("1 0 1 sub store", "", "fault", "memory_address", None, TOY, 16),
    ("42 7 store 7 load 42 eq out halt", "1", "halted", None, None, TOY, 16),
    ("1 if 1 out else 0 out end 0 if 1 out else 0 out end halt", "10", "halted", None, None, TOY, 16),
    ("0 if 1 out end 1 out halt", "1", "halted", None, 5, TOY, 16),
    ("3 rep idx out end halt", "010", "halted", None, None, TOY, 16),
    ("0 rep 1 out end halt", "", "halted", None, 3, TOY, 16),
    ("loop idx 4 eq brk idx out end halt", "0101", "halted", None, None, TOY, 16),
    ("def 1 out end call 0 call 0 halt", "11", "halted", None, None, TOY, 16),
    ("def f dup if dup out 1 sub call f else drop end end 3 call f halt", "101", "halted", None, None, TOY, 16),
    ("halt", "", "halted", None, 1, TOY, 16),
    ("end", "", "halted", None, 1, TOY, 16),  # an end with no open block halts
    ("loop 1 out end", "11111", "output_limit", None, 15, TOY, 5),
    ("loop end", "", "step_limit", None, 1000, TOY, 16),
    ("1 out", "1", "bits_limit", None, 2, TOY, 16),
    ("3 read bits 101 out halt", "1", "halted", None, 4, TOY, 16),
    ("2 read bits 11 2 read bits 01 add out halt", "0", "halted", None, None, TOY, 16),
    ("8 read", "", "bits_limit", None, 1, TOY, 16),
    ("63 read", "", "fault", "read_width", 1, TOY, 16),
    ("[ 1 out 0 out 1 out halt ] 100 8 eval out out halt", "01", "halted", None, None, TOY, 16),
    ("[ loop 1 out end ] 100 3 eval 2 eq out 15 eq out halt", "11", "halted", None, None, TOY, 16),
    ("[ loop end ] 5 8 eval 1 eq out 1 eq out halt", "11", "halted", None, None, TOY, 16),
    ("[ drop ] 10 1 eval 4 eq out drop halt", "1", "halted", None, None, TOY, 16),
    ("[ 1 out ] 10 4 eval 3 eq out 3 eq out halt", "11", "halted", None, None, TOY, 16),
    ("[ [ halt ] 9 0 eval ] 9 0 eval 3 eq out drop halt", "1", "halted", None, None, TOY, 16),
    ("[ [ halt ] 9 0 eval ] 9 0 eval 4 eq out drop halt", "1", "halted", None, None, SHALLOW_EVAL, 16),
    ("[ loop end ] 40 0 eval drop drop halt", "", "halted", None, 3 + 1 + 40 + 3, TOY, 16),  # child steps count
    ("[ loop end ] 2000 0 eval", "", "step_limit", None, 1000, TOY, 16),  # the parent's budget bounds the child
    ("0 10 1 eval", "", "fault", "bad_bit_string", 3, TOY, 16),
    ("else", "", "fault", "misplaced_else", 0, TOY, 16),
    ("1 brk", "", "fault", "break_outside_loop", 1, TOY, 16),
    ("idx", "", "fault", "index_outside_loop", 0, TOY, 16),
    ("call 0", "", "fault", "undefined_subroutine", 0, TOY, 16),
    ("def f call f end call f", "", "fault", "call_depth", 65, TOY, 16),
    ("def loop call 0 end end call 0", "", "fault", "loop_depth", 6, TINY, 16),
    ("1 if 1 if 1 if", "", "fault", "block_nesting", None, TINY, 16),
    ("def end def end", "", "fault", "too_many_subroutines", None, TINY, 16),
    ("1 2 3", "", "fault", "stack_overflow", 2, TINY, 16),
    ("4611686018427387904 dup add 0 lt out halt", "1", "halted", None, None, TOY, 16),  # wraps to -2^63
    ("4611686018427387904 dup add dup add 0 eq out halt", "1", "halted", None, None, TOY, 16),
    ("0 1 sub 70 shr 0 1 sub eq out halt", "1", "halted", None, None, TOY, 16),
    ("5 0 1 sub shr 5 eq out halt", "1", "halted", None, None, TOY, 16),
    ("1 2 3 rot out out out halt", "110", "halted", None, None, TOY, 16),
    ("1 0 over out swap out out halt", "110", "halted", None, None, TOY, 16),
    ("loop idx 3 eq if 1 brk end idx out end halt", "010", "halted", None, None, TOY, 16),
    ("def loop idx 2 eq if ret end idx out end end 2 rep call 0 idx out end halt", "010011", "halted", None, None,
     TOY, 16),
    ("def idx out end 3 rep call 0 end", "", "fault", "index_outside_loop", None, TOY, 16),
    ("1 out", "", "output_limit", None, 1, TOY, 0),
    ("0 not out 5 not out 6 3 and out 6 3 or out 6 3 xor out 4 inc out halt", "100111", "halted", None, None,
     TOY, 16),
    ("0 9223372036854775806 sub 2 sub 0 1 sub div 0 lt out halt", "1", "halted", None, None, TOY, 16),  # MIN // -1
    # composites: each body instruction is one step; a skipped part of a body costs nothing
    ("3 5 max out 9 2 max 9 eq out halt", "11", "halted", None, 2 + 7 + 1 + 2 + 5 + 3 + 1, TOY_MAX, 16),
    ("bit bits 1 out bit bits 0 out halt", "10", "halted", None, 7, COMPOSITES, 16),   # the body's read
    ("1 pick 0 pick halt", "10", "halted", None, 1 + 4 + 1 + 4 + 1, COMPOSITES, 16),   # if/else in a body
    ("count halt", "010", "halted", None, 2 + 9 + 1, COMPOSITES, 16),                # rep in a body
    ("loop idx 2 lt brkz idx out end halt", "01", "halted", None, 1 + 16 + 5 + 1, COMPOSITES, 16),  # brk outside
    ("stop 1 out", "", "halted", None, 1 + 5 + 5 + 4 + 2 + 1, COMPOSITES, 16),      # halt in a body
    ("def 1 out end call0 call0 halt", "11", "halted", None, 1 + 4 + 4 + 1, COMPOSITES, 16),
    ("0 if max tick end 1 out halt", "1", "halted", None, 5, COMPOSITES, 16),        # decoded, skipped whole
    ("tick", "1", "bits_limit", None, 2, COMPOSITES, 16),                           # then wants the next bit
    ("long halt", "", "halted", None, 41, COMPOSITES, 16),
    ("max", "", "fault", "stack_underflow", 0, TOY_MAX, 16),
    ("nest", "", "fault", "block_nesting", 5, TIGHT_COMPOSITES, 16),             # the third if of the body
    ("1 if nest", "", "fault", "block_nesting", 5, TIGHT_COMPOSITES, 16),         # the outer if counts: the second
]


@pytest.mark.parametrize("source, output, status, fault, steps, language, output_bits", TABLE,
                         ids=[row[0][:40] for row in TABLE])
@pytest.mark.parametrize("interpreter", ["kernel", "reference"])
def test_table(interpreter, source, output, status, fault, steps, language, output_bits):
    bits = assemble(source, language, strict=False)
    runner = run if interpreter == "kernel" else run_reference
    result = runner(language, bits, 1000, output_bits)
    assert (result.output, result.status.label) == (output, status)
    assert result.fault.label == (fault or "none")
    if steps is not None:
        assert result.steps == steps


def test_literal_too_large_faults_instead_of_overflowing():
    bits = TOY.codewords["push"] + "0" * 63 + "1" + "0" * 63
    for runner in (run, run_reference):
        result = runner(TOY, bits, 100, 8)
        assert (result.status, result.fault, result.bits_read) == (Status.FAULT, Fault.LITERAL_TOO_LARGE, 4 + 63)
    largest = TOY.codewords["push"] + encode_natural(2 ** 63 - 2) + TOY.codewords["out"]
    assert run(TOY, largest, 100, 8).output == "0"


def test_mix_is_splitmix64():
    """mix(0, 0) is splitmix64's first output for seed 0 (0xE220A8397B1DCDAF), top 62 bits."""
    assert mix(0, 0) == 0xE220A8397B1DCDAF >> 2


@settings(max_examples=300, derandomize=True)
@given(st.integers(-2 ** 63, 2 ** 63 - 1), st.integers(-2 ** 63, 2 ** 63 - 1))
def test_arithmetic_agrees_on_extreme_values(a, b):
    """Both interpreters on add/sub/mul/div/mod/shr/mix/lt of arbitrary int64 values."""
    def literal(value):  # build any int64 from natural literals
        if value >= 0:
            return f"{value}" if value <= 2 ** 63 - 2 else "4611686018427387904 dup add 1 sub 4611686018427387904 add"
        return f"0 {-value} sub" if -value <= 2 ** 63 - 2 else "4611686018427387904 dup add"
    body = " ".join(f"{literal(a)} {literal(b)} {op} 0 store 0 load 64 rep dup out 1 shr end drop"
                    for op in ("add", "sub", "mul", "div", "mod", "shr", "mix", "lt", "xor"))
    bits = assemble(body + " halt", TOY)
    expected = run_reference(TOY, bits, 100_000, 1000)
    assert run(TOY, bits, 100_000, 1000) == expected


def _agree(programs, max_steps=2000, output_bits=48, language=TOY):
    fast = run_many(language, programs, max_steps, output_bits)
    for program, result in zip(programs, fast):
        expected = run_reference(language, program, max_steps, output_bits)
        assert result == expected, f"program {program}"
    return len(programs)


@pytest.mark.parametrize("seed", range(12))
def test_uniform_random_programs_agree(seed):
    """12 seeds x 1,000 uniformly random bit programs: kernel == reference on every one."""
    rng = random.Random(seed)
    assert _agree([uniform_bits(rng) for _ in range(1000)]) == 1000


@pytest.mark.parametrize("seed", range(4))
def test_structured_random_programs_agree(seed):
    """4 seeds x 1,000 grammar-generated programs (loops, calls, memory, read, eval)."""
    rng = random.Random(1000 + seed)
    assert _agree([structured_bits(rng, TOY) for _ in range(1000)], max_steps=5000) == 1000


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(st.text(alphabet="01", min_size=1, max_size=200), st.integers(0, 3000), st.integers(0, 40))
def test_hypothesis_bit_programs_agree(bits, max_steps, output_bits):
    assert run(TOY, bits, max_steps, output_bits) == run_reference(TOY, bits, max_steps, output_bits)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(0, 2 ** 32), st.sampled_from(["toy", "toy-noeval", "toy-uniform"]))
def test_hypothesis_structured_programs_agree_on_variants(seed, name):
    from toyinduction.machines.toy.language import LANGUAGES

    language = LANGUAGES[name]
    rng = random.Random(seed)
    try:
        bits = structured_bits(rng, language)
    except ValueError:  # the generator used eval, which this variant lacks
        return
    assert run(language, bits, 3000, 40) == run_reference(language, bits, 3000, 40)


@pytest.mark.parametrize("chunk", [1, 3, 97])
def test_sliced_runs_equal_whole_runs(chunk):
    """A run cut into slices of `chunk` steps (for progress bars) gives the identical result."""
    rng = random.Random(chunk)
    programs = [structured_bits(rng, TOY) for _ in range(300)]
    programs.append(assemble("[ loop end ] 50 0 eval drop drop [ 0 loop 1 out end ] 40 9 eval out out halt", TOY))
    for bits in programs:
        assert run(TOY, bits, 3000, 32, chunk_steps=chunk) == run(TOY, bits, 3000, 32)


def _grow_bit_by_bit(language, bits, max_steps, output_bits):
    """Run on ever longer prefixes of ``bits``, resuming the same machine each time it stops for
    want of bits (what an enumerator does); the final status of the last resume."""
    state = MachineState.new(language, len(bits), max_steps, output_bits)
    kernel = kernel_for(language)
    program = bits_to_array(bits)
    for length in range(len(bits) + 1):
        status = kernel.resume(state, program[:length].copy())
        if status != Status.BITS_LIMIT:
            return status, state
    return status, state


@pytest.mark.parametrize("seed", range(3))
def test_resuming_with_more_bits_equals_a_fresh_run(seed):
    """A machine stopped for want of bits and resumed with a longer program (one bit at a time)
    ends exactly like a fresh run on the whole program: bits_limit leaves no trace."""
    rng = random.Random(50 + seed)
    programs = [structured_bits(rng, TOY) for _ in range(400)] + [uniform_bits(rng) for _ in range(400)]
    for bits in programs:
        status, state = _grow_bit_by_bit(TOY, bits, 3000, 32)
        fresh = run(TOY, bits, 3000, 32)
        assert (status, state.output, state.steps) == (fresh.status, fresh.output, fresh.steps), bits


def _composite_programs(rng, language, count):
    return [uniform_bits(rng) for _ in range(count)] + [structured_bits(rng, language) for _ in range(count)]


@pytest.mark.parametrize("language", [COMPOSITES, TIGHT_COMPOSITES, TOY_MAX], ids=lambda language: language.name)
@pytest.mark.parametrize("seed", range(3))
def test_programs_with_composites_agree(language, seed):
    """Kernel == reference on 3 seeds x 1,500 random and 1,500 structured programs of each
    composite variant (uniform bits hit the composites' short codewords all the time)."""
    rng = random.Random(700 + seed)
    assert _agree(_composite_programs(rng, language, 1500), max_steps=3000, language=language) == 3000


@settings(max_examples=800, derandomize=True, deadline=None)
@given(st.text(alphabet="01", min_size=1, max_size=200), st.integers(0, 3000), st.integers(0, 40))
def test_hypothesis_bit_programs_with_composites_agree(bits, max_steps, output_bits):
    assert run(COMPOSITES, bits, max_steps, output_bits) == run_reference(COMPOSITES, bits, max_steps, output_bits)


@pytest.mark.parametrize("language", [COMPOSITES, TIGHT_COMPOSITES], ids=lambda language: language.name)
def test_suspending_inside_a_composite_leaves_no_trace(language):
    """A machine stopped for want of bits, or sliced into budgets of 1 or 3 steps, in the middle of
    a composite's body (its expansion queue in the registers) ends exactly like a fresh run."""
    rng = random.Random(77)
    for bits in _composite_programs(rng, language, 300):
        fresh = run(language, bits, 3000, 32)
        status, state = _grow_bit_by_bit(language, bits, 3000, 32)
        assert (status, state.output, state.steps) == (fresh.status, fresh.output, fresh.steps), bits
        for chunk in (1, 3):
            assert run(language, bits, 3000, 32, chunk_steps=chunk) == fresh, bits


def test_code_capacity_holds_the_longest_expansion():
    """A program of nothing but 40-instruction composites decodes to 8 instructions per bit, the
    most this variant allows; the code array holds them (bounds: boundscheck_check.py)."""
    word = COMPOSITES.codewords["long"]
    assert COMPOSITES.max_expansion == -(-40 // len(word))
    for repeats in (1, 12, 13, 30):
        bits = word * repeats
        expected = run_reference(COMPOSITES, bits, 10 ** 6, 8)
        assert expected.steps == 40 * repeats and expected.status == Status.BITS_LIMIT
        assert run(COMPOSITES, bits, 10 ** 6, 8) == expected
        assert run_many(COMPOSITES, [bits, bits[:len(word)]], 10 ** 6, 8)[0] == expected


def test_run_validates_its_arguments():
    for bad in (-1, 2 ** 70, 1.5, True):
        with pytest.raises(ValueError):
            run(TOY, "0101", bad, 8)
    with pytest.raises(ValueError, match="not a bit string"):
        run(TOY, "01a", 10, 8)


def test_kernel_never_reads_out_of_bounds():
    """Recompile the kernel with numba's bounds checking on and run thousands of programs.

    Any out-of-range index would raise IndexError in that build; the script exits non-zero.
    """
    script = Path(__file__).with_name("boundscheck_check.py")
    env = dict(os.environ, NUMBA_BOUNDSCHECK="1", NUMBA_CACHE_DIR=str(Path(__file__).parent / ".numba-boundscheck"))
    completed = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "checked" in completed.stdout
