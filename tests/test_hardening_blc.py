"""Hardening of the BLC machine: no recursion limit in its parser, assembler, encoder and printer
(10^5 nesting levels through the command line), and a heap limit that ends a run in the named
fault ``heap_limit`` on both machines instead of a MemoryError."""

import os
import random
import subprocess
import sys

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.core import Fault, Status
from toyinduction.machines.blc.kernel import run_blc_fast
from toyinduction.machines.blc.reference import (HEAP_CELL_BYTES, encode, heap_bound, heap_cells_limit, parse,
                                                 run_blc, show)

sys.path.insert(0, os.path.dirname(__file__))
from test_blc import OMEGA, PRIMES, random_closed_term  # noqa: E402

LEVELS = 100_000
#: (\x. x x x)(\x. x x x): every step makes the heap grow
TRIPLE = "01" + "000101101010" * 2
HUGE_BUDGET = str(2 ** 61)


def invoke(*arguments):
    """Run the command line in-process; the result (exit code, output)."""
    return CliRunner().invoke(main, [str(argument) for argument in arguments], catch_exceptions=False)


def literal_bits(bits: str) -> str:
    """The de Bruijn bits of a literal list of bits, written out from the encoding: a cell
    λz. z head tail is 00 01 01 10 head tail, 0 = λλ2 = 0000110, 1 = λλ1 = 000010 = nil."""
    return "".join("00010110" + ("0000110" if bit == "0" else "000010") for bit in bits) + "000010"


@pytest.fixture(scope="module")
def deep_files(tmp_path_factory):
    """.lam files nested 10^5 levels deep, each with the bits it must assemble to."""
    folder = tmp_path_factory.mktemp("deep")
    rng = random.Random(24)
    literal = "".join(rng.choice("01") for _ in range(LEVELS))
    cases = {
        "parentheses": ("(" * LEVELS + "\\x. x" + ")" * LEVELS, "0010"),
        "lambdas": ("\\x. " * LEVELS + "x", "00" * LEVELS + "10"),
        "applications": ("\\x. " + " ".join(["x"] * LEVELS), "00" + "01" * (LEVELS - 1) + "10" * LEVELS),
        "literal": (f"\\x. [{literal}]", "00" + literal_bits(literal)),
        # x (x (x ... x)): nested arguments, each in parentheses
        "arguments": ("\\x. " + "x (" * LEVELS + "x" + ")" * LEVELS, "00" + "0110" * LEVELS + "10"),
    }
    files = {}
    for name, (text, bits) in cases.items():
        path = folder / f"{name}.lam"
        path.write_text(f"def main = {text}\n")
        files[name] = (path, bits)
    return files


@pytest.mark.parametrize("name", ["parentheses", "lambdas", "applications", "literal", "arguments"])
def test_asm_assembles_text_nested_a_hundred_thousand_deep(deep_files, name):
    path, expected = deep_files[name]
    result = invoke("asm", path)
    assert result.exit_code == 0, result.output[-300:]
    bits = result.output.splitlines()[0]
    assert bits == expected
    term, end = parse(bits)
    assert end == len(bits) and encode(term) == bits


@pytest.mark.parametrize("name,data,ending", [
    ("parentheses", "0110", "output: 0110\nstatus: bits_limit"),   # the identity echoes its input
    ("lambdas", "", "status: fault (bad_output)"),                  # λ…λ1 is not a list
    ("applications", "", "status: bits_limit"),                     # input input input …
])
def test_run_runs_deep_programs_alike_on_both_machines(deep_files, name, data, ending):
    path, _bits = deep_files[name]
    arguments = ["run", path, "--max-steps", 10 ** 6] + (["--data", data] if data else [])
    kernel, reference = invoke(*arguments), invoke(*arguments, "--reference")
    assert kernel.exit_code == reference.exit_code == 0, kernel.output[-300:]
    assert ending in kernel.output and kernel.output == reference.output


def test_run_writes_a_long_literal(deep_files):
    path, _bits = deep_files["literal"]
    result = invoke("run", path, "--output-bits", 40)
    assert result.exit_code == 0 and f"output: {bits_of_literal(path)[:40]}\nstatus: output_limit" in result.output


def bits_of_literal(path) -> str:
    """The bits written inside the literal list of a .lam file."""
    text = path.read_text()
    return text[text.index("[") + 1:text.index("]")]


@pytest.mark.parametrize("bits,text", [
    ("00" * LEVELS + "10", "λ" * LEVELS + "1"),                                          # λλλ…1
    ("00" + "01" * LEVELS + "10" * (LEVELS + 1), "λ" + " ".join(["1"] * (LEVELS + 1))),   # λ 1 1 1 …
    ("00" + "0110" * LEVELS + "10", "λ" + "1 (" * (LEVELS - 1) + "1 1" + ")" * (LEVELS - 1)),   # λ 1 (1 (… (1 1)))
])
def test_disasm_prints_terms_nested_a_hundred_thousand_deep(bits, text):
    result = invoke("disasm", "--machine", "blc", bits)
    assert result.exit_code == 0, result.output[-300:]
    assert result.output.rstrip("\n") == text


def test_disasm_of_the_reported_case_and_show_round_trip():
    bits = "00" * 60_000 + "10"
    assert invoke("disasm", "--machine", "blc", bits).output.rstrip("\n") == "λ" * 60_000 + "1"
    term, _ = parse(bits)
    assert show(term) == "λ" * 60_000 + "1" and encode(term) == bits


def test_predict_takes_a_deep_program_file(deep_files, tmp_path):
    path, bits = deep_files["lambdas"]
    result = invoke("predict", "0110", "--machine", "blc", "--max-bits", 6, "--program", path,
                    "--store", tmp_path)
    assert result.exit_code == 0, result.output[-300:]
    assert "most probable continuation" in result.output


@pytest.mark.parametrize("text,message", [
    # a 4096-bit const used 400 times: 24 million bits from a 1.6 kB file, refused as it grows
    ("const W 7 4096\ndef main = \\x. " + "W " * 400,
     "<text>:2:562: const W makes the program longer than the 16777216 bits the assembler writes"),
    ("const W 7 1000000000000", "<text>:1:11: const W: width 1000000000000 is larger than 4096"),
    ("const N 99999999999", "<text>:1:9: const N: number 99999999999 is larger than 4294967296"),
    ("def main = " + "9" * 10 ** 6, "<text>:1:12: number 999999999999… (1000000 digits) is larger than 4294967296"),
])
def test_assembly_that_would_grow_without_bound_is_one_short_error(text, message):
    from toyinduction.machines.blc.assembler import assemble_lambda
    from toyinduction.machines.toy.assembler import AssemblyError

    with pytest.raises(AssemblyError) as error:
        assemble_lambda(text)
    assert str(error.value) == message or str(error.value).startswith(message)
    assert len(str(error.value)) < 200 and "\n" not in str(error.value)


# ---------------------------------------------------------------------------------------------
# the heap limit
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bits", [TRIPLE, OMEGA, PRIMES])
@pytest.mark.parametrize("heap_cells", [16, 1000, 50_000])
def test_a_growing_heap_ends_in_heap_limit_on_both_machines(bits, heap_cells):
    kernel = run_blc_fast(bits, 2 ** 61, 10 ** 6, heap_cells=heap_cells)
    reference = run_blc(bits, 2 ** 61, 10 ** 6, heap_cells=heap_cells)
    assert kernel == reference
    assert (kernel.status, kernel.fault) == (Status.FAULT, Fault.HEAP_LIMIT)
    # nothing else stopped it: a larger heap runs further
    assert run_blc_fast(bits, 2 ** 61, 10 ** 6, heap_cells=4 * heap_cells).steps > kernel.steps


def test_a_heap_limit_above_what_the_budgets_can_use_changes_nothing():
    for bits, steps in ((TRIPLE, 5000), (OMEGA, 5000), (PRIMES, 20_000)):
        unlimited = run_blc_fast(bits, steps, 64)
        assert unlimited.status != Status.FAULT
        assert run_blc_fast(bits, steps, 64, heap_cells=heap_bound(steps, 64)) == unlimited
        assert run_blc(bits, steps, 64, heap_cells=heap_bound(steps, 64)) == unlimited


@pytest.mark.parametrize("seed", range(2))
def test_kernel_agrees_with_the_reference_at_small_heap_limits(seed):
    rng = random.Random(seed)
    faults = set()
    for _ in range(600):
        bits = random_closed_term(rng, rng.randint(2, 40)) + "".join(rng.choice("01") for _ in range(rng.randint(0, 30)))
        options = (rng.choice([7, 100, 5000]), rng.choice([0, 3, 16]), rng.random() < 0.5)
        heap_cells = rng.choice([16, 17, 20, 30, 60, 200])
        kernel = run_blc_fast(bits, *options, heap_cells=heap_cells)
        assert kernel == run_blc(bits, *options, heap_cells=heap_cells), (bits, options, heap_cells)
        faults.add(kernel.fault)
    assert Fault.HEAP_LIMIT in faults


def test_the_heap_limit_comes_from_the_available_memory(monkeypatch):
    import toyinduction.engine.parallel as parallel

    assert heap_cells_limit(1000, 64) == heap_bound(1000, 64)          # small budgets: never reached
    monkeypatch.setattr(parallel, "available_memory", lambda: 64 << 20)
    limit = (64 << 20) // 2 // HEAP_CELL_BYTES
    assert heap_cells_limit(2 ** 61, 64) == limit
    for flags in ([], ["--reference"]):
        result = invoke("run", "--machine", "blc", TRIPLE, "--max-steps", HUGE_BUDGET, *flags)
        assert result.exit_code == 0
        assert "status: fault (heap_limit)" in result.output
    expected = run_blc_fast(TRIPLE, 2 ** 61, 64, heap_cells=limit)
    assert f"steps: {expected.steps}\n" in result.output


def test_the_memory_estimate_is_asked_only_when_a_run_needs_more_than_its_first_arrays(monkeypatch):
    import toyinduction.engine.parallel as parallel

    def refuse():
        raise AssertionError("available_memory asked for a short run")

    monkeypatch.setattr(parallel, "available_memory", refuse)
    assert run_blc_fast(PRIMES, 2 ** 61, 50).status == Status.OUTPUT_LIMIT


@pytest.mark.skipif(sys.platform != "linux", reason="ulimit -v is Linux's")
def test_a_growing_heap_under_a_4_gb_address_space_cap_ends_in_one_result():
    executable = os.path.join(os.path.dirname(sys.executable), "toyinduction")
    command = f"ulimit -v 4000000; exec {executable} run --machine blc {TRIPLE} --max-steps {HUGE_BUDGET}"
    finished = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-500:]
    assert "status: fault (heap_limit)" in finished.stdout and finished.stderr == ""


def test_a_run_at_the_heap_limit_is_unresolved_in_the_enumeration_and_the_sampler():
    """A run cut short by the heap limit might have written more with more memory: the enumerator
    and the sampler count it with the step-limited runs (unresolved), never as a finished fault."""
    from toyinduction.core import Fault, RunResult, Status
    from toyinduction.machines.blc import _resource_limited

    cut = _resource_limited(RunResult(Status.FAULT, "01", 7, 9, Fault.HEAP_LIMIT))
    assert (cut.status, cut.output, cut.steps, cut.bits_read) == (Status.STEP_LIMIT, "01", 7, 9)
    other = RunResult(Status.FAULT, "0", 3, 4, Fault.FREE_VARIABLE)
    assert _resource_limited(other) is other
