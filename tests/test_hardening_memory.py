"""Memory checked against the limit that applies, MemoryError as one line, output buffers that
grow with what is written, samples kept as tallies, and the refusals of issue 24 (items 3, 6, 7)."""

import os
import random
import subprocess
import sys
import textwrap
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.core import RunResult, Status
from toyinduction.engine import parallel, sampling
from toyinduction.engine.sampling import Sample, sample_with_runner, wilson
from toyinduction.machines.toy.kernel import OUTPUT_BUFFER_BITS, run
from toyinduction.machines.toy.language import TOY
from toyinduction.machines.toy.reference import run_reference

ROOT = Path(__file__).resolve().parent.parent


def one_line_error(result, code: int) -> str:
    """The error line of a CLI result that failed with ``code`` (and said only that line)."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.output, result.stderr
    return lines[0]


# ---- the memory a process may still use -------------------------------------------------------

def test_available_memory_is_the_smallest_bound(monkeypatch):
    monkeypatch.setattr(parallel, "free_memory", lambda: 8 << 30)
    monkeypatch.setattr(parallel, "rlimit_headroom", lambda: {"address_space": 3 << 30, "data": 5 << 30})
    monkeypatch.setattr(parallel, "cgroup_headroom", lambda: 4 << 30)
    assert parallel.memory_limits() == {"free": 8 << 30, "address_space": 3 << 30, "data": 5 << 30,
                                        "cgroup": 4 << 30}
    assert parallel.available_memory() == 3 << 30
    monkeypatch.setattr(parallel, "cgroup_headroom", lambda: 1 << 30)
    assert parallel.available_memory() == 1 << 30
    with pytest.raises(ValueError, match=r"^2 things need about 2,048 MiB \(1,024 MiB each\) but only 1,024 MiB is "
                                         r"available; use at most 1 workers$"):
        parallel.check_memory(2, 1 << 30, "things")
    monkeypatch.setattr(parallel, "free_memory", lambda: None)
    monkeypatch.setattr(parallel, "rlimit_headroom", dict)
    monkeypatch.setattr(parallel, "cgroup_headroom", lambda: None)
    assert parallel.available_memory() is None          # nothing known: no check
    parallel.check_memory(10 ** 6, 1 << 40)


def _tree(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_the_readers_read_meminfo_status_and_both_cgroup_versions(tmp_path, monkeypatch):
    import resource

    proc, cgroup = tmp_path / "proc", tmp_path / "cgroup"
    monkeypatch.setattr(parallel, "PROC_DIRECTORY", str(proc))
    monkeypatch.setattr(parallel, "CGROUP_DIRECTORY", str(cgroup))
    # nothing there: every reader says "not known" instead of failing
    assert parallel.cgroup_headroom() is None and parallel.rlimit_headroom().keys() <= {"address_space", "data"}
    _tree(proc, {"meminfo": "MemTotal: 100 kB\nMemAvailable:    2048 kB\n",
                 "self/status": "Name: python\nVmSize:\t  1000 kB\nVmData:\t   300 kB\n",
                 "self/cgroup": "0::/work.slice/job\n"})
    assert parallel.free_memory() == 2048 * 1024
    # cgroup v2: the job's limit less its usage (less the inactive page cache), the parent's tighter
    _tree(cgroup, {"cgroup.controllers": "memory", "work.slice/job/memory.max": "1000000\n",
                   "work.slice/job/memory.current": "400000\n", "work.slice/job/memory.stat": "inactive_file 100000\n",
                   "work.slice/memory.max": "max\n", "work.slice/memory.current": "5\n"})
    assert parallel.cgroup_headroom() == 1000000 - (400000 - 100000)
    (cgroup / "work.slice/memory.max").write_text("500000\n")
    (cgroup / "work.slice/memory.current").write_text("450000\n")
    assert parallel.cgroup_headroom() == 50000
    (cgroup / "work.slice/job/memory.current").unlink()          # unreadable usage: that level is ignored
    assert parallel.cgroup_headroom() == 50000
    # cgroup v1, with "unlimited" written as 2^63 rounded to a page
    _tree(proc, {"self/cgroup": "4:memory:/box\n1:cpu:/\n"})
    _tree(cgroup / "memory", {"memory.limit_in_bytes": "9223372036854771712\n", "memory.usage_in_bytes": "7\n",
                              "box/memory.limit_in_bytes": "3000000\n", "box/memory.usage_in_bytes": "1000000\n",
                              "box/memory.stat": "inactive_file 1\ntotal_inactive_file 200000\n"})
    assert parallel.cgroup_headroom() == 3000000 - 800000
    # resource limits: the limit less what the process has mapped (VmSize), or its data (VmData)
    limits = {resource.RLIMIT_AS: (4 << 20, resource.RLIM_INFINITY), resource.RLIMIT_DATA: (1 << 20, 1 << 20)}
    monkeypatch.setattr(resource, "getrlimit", lambda which: limits.get(which, (resource.RLIM_INFINITY,) * 2))
    assert parallel.rlimit_headroom() == {"address_space": (4 << 20) - 1000 * 1024, "data": (1 << 20) - 300 * 1024}
    assert parallel.available_memory() == (1 << 20) - 300 * 1024
    limits[resource.RLIMIT_DATA] = (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
    assert parallel.rlimit_headroom() == {"address_space": (4 << 20) - 1000 * 1024}


def test_a_machine_too_big_for_ulimit_is_refused_in_one_line(tmp_path):
    """Under ``ulimit -v`` a variant with 2^20 stack and memory cells (at 16 eval levels: 256 MiB)
    passes MemAvailable but not the address-space limit: one line, not a numpy traceback."""
    variant = tmp_path / "big.json"
    variant.write_text('{"name": "big", "limits": {"stack_depth": 1048576, "memory_cells": 1048576, '
                       '"eval_depth": 15}}')
    peak = textwrap.dedent("""
        import sys
        from toyinduction.cli import main
        try:
            main(["run", "alternate.toy"])
        except SystemExit:
            pass
        print(next(line for line in open("/proc/self/status") if line.startswith("VmPeak")).split()[1])
        """)
    measured = subprocess.run([sys.executable, "-c", peak], capture_output=True, text=True, cwd=tmp_path)
    cap = int(measured.stdout.split()[-1]) + 96 * 1024          # kB: what a plain run needs, and 96 MiB more
    command = f"ulimit -v {cap}; exec {sys.executable} -m toyinduction run --language {variant} alternate.toy"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.strip().startswith("Error: 1 machine of big needs about 256 MiB but only ")
    assert len(result.stderr.strip().splitlines()) == 1 and "lower the limits" in result.stderr
    plain = subprocess.run(["bash", "-c", f"ulimit -v {cap}; exec {sys.executable} -m toyinduction run alternate.toy"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert plain.returncode == 0 and "status: output_limit" in plain.stdout, plain.stderr[-2000:]


# ---- MemoryError anywhere: one line -----------------------------------------------------------

def test_a_memory_error_is_one_line_saying_what_to_lower(monkeypatch):
    from toyinduction.machines import shipped

    def allocate_too_much(*args, **kwargs):
        return np.zeros(1 << 62, dtype=np.uint8)       # numpy's _ArrayMemoryError, a MemoryError

    monkeypatch.setattr(shipped, "summary", allocate_too_much)
    line = one_line_error(CliRunner().invoke(main, ["programs"]), 1)
    assert line.startswith("Error: out of memory (could not allocate 4.00 EiB): lower the budgets (--output-bits")

    def no_memory():
        raise MemoryError()

    import toyinduction.machines as machines  # `machines` has no library_errors: the main entry catches it
    monkeypatch.setattr(machines, "machine_names", no_memory)
    assert one_line_error(CliRunner().invoke(main, ["machines"]), 1).startswith("Error: out of memory: lower ")


# ---- output buffers grow with what is written -------------------------------------------------

TEN_BITS = "1 out 0 out 1 out 1 out 0 out 1 out 0 out 1 out 0 out 1 out halt"
FOREVER = "loop 1 out idx out end"


def assembled(text: str) -> str:
    from toyinduction.machines import machine

    return machine("toy").assemble(text)


def test_a_huge_output_budget_costs_nothing_until_it_is_written():
    bits = assembled(TEN_BITS)
    run(TOY, bits, 1000, 64)                           # (compiled before measuring)
    tracemalloc.start()
    try:
        result = run(TOY, bits, 1000, 1 << 32)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == Status.HALTED and result.output == "1011010101"
    assert peak < 1 << 20, peak                        # (the budget's 4 GiB buffer would show here)


@pytest.mark.parametrize("output_bits", [OUTPUT_BUFFER_BITS - 1, OUTPUT_BUFFER_BITS, OUTPUT_BUFFER_BITS + 1,
                                         40_000, 1 << 32])
def test_a_growing_buffer_gives_the_reference_result(output_bits):
    """Across every doubling, at the budget and just past a buffer's end: what the reference
    interpreter (which appends) gives, steps included."""
    bits = assembled(FOREVER)
    steps = 130_000
    expected = run_reference(TOY, bits, steps, output_bits)
    for chunk in (None, 7_777):
        got = run(TOY, bits, steps, output_bits, chunk_steps=chunk)
        assert (got.status, got.steps, got.output, got.bits_read) == (expected.status, expected.steps,
                                                                       expected.output, expected.bits_read)
    if output_bits <= 40_000:
        assert expected.status == Status.OUTPUT_LIMIT and len(expected.output) == output_bits
    else:                                               # (three buffers: 2^14, 2^15 and 2^16 bits)
        assert expected.status == Status.STEP_LIMIT and 2 * OUTPUT_BUFFER_BITS < len(expected.output) < 1 << 16


def test_output_that_would_not_fit_is_one_line(monkeypatch):
    monkeypatch.setattr(parallel, "available_memory", lambda: 64 << 20)
    with pytest.raises(ValueError, match=r"^the program has written 16,777,216 output bits and going on needs about "
                                         r"128 MiB but only 64 MiB is available; lower the output budget "
                                         r"\(--output-bits 4,294,967,296\) or the step budget$"):
        run(TOY, assembled("loop 1 out end"), 10 ** 8, 1 << 32)
    assert len(run(TOY, assembled("loop 1 out end"), 10 ** 6, 1 << 32).output) == 10 ** 6 // 3


def test_programs_at_the_largest_output_budget_is_bounded(tmp_path):
    (tmp_path / "ten.toy").write_text("; ten.toy — ten bits.\n" + TEN_BITS + "\n")
    (tmp_path / "forever.toy").write_text("; forever.toy — writes until the step budget.\n" + FOREVER + "\n")
    tracemalloc.start()
    try:
        result = CliRunner().invoke(main, ["programs", "--dir", str(tmp_path), "--output-bits", str(1 << 32)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()}
    assert rows["ten.toy"][3:] == ["1011010101", "halted"]
    assert rows["forever.toy"][-1] == "step_limit" and len(rows["forever.toy"][3]) > 10 ** 6
    assert peak < 400 << 20, peak          # a few times the text written, not 4 GiB per program


# ---- samples are tallies ------------------------------------------------------------------------

def naive_estimates(statuses, outputs, prefixes) -> list:
    """The estimates as a list of every sample gives them (the formulas of the module docstring)."""
    statuses = [Status(int(s) % 8) for s in statuses]
    n, rows = len(outputs), []
    for prefix in prefixes:
        starts = sum(o.startswith(prefix) for o in outputs)
        waiting = sum(s in sampling.UNRESOLVED and len(o) < len(prefix) and prefix.startswith(o)
                      for s, o in zip(statuses, outputs))
        hits = sum(s == Status.HALTED and o == prefix for s, o in zip(statuses, outputs))
        ones = sum(o.startswith(prefix + "1") for o in outputs)
        zeros = sum(o.startswith(prefix + "0") for o in outputs)
        rows.append(({"prefix": prefix, "samples": n, "lower": starts / n, "upper": (starts + waiting) / n,
                      "lower_interval": wilson(starts, n), "upper_interval": wilson(starts + waiting, n)},
                     {"output": prefix, "samples": n, "fraction": hits / n, "interval": wilson(hits, n)},
                     {"prefix": prefix, "informative_samples": ones + zeros,
                      "p_next_one": ones / (ones + zeros) if ones + zeros else None,
                      "interval": wilson(ones, ones + zeros)}))
    return rows


def estimates(sample, prefixes) -> list:
    return [(sample.mass_estimate(p), sample.output_estimate(p), sample.prediction_estimate(p)) for p in prefixes]


PREFIXES = ["", "0", "1", "00", "01", "10", "11", "010", "0110", "1011"]


@pytest.mark.parametrize("limit", [None, 3])
def test_the_toy_sample_gives_the_estimates_of_a_list_of_every_sample(monkeypatch, limit):
    """The kernel's raw batches are recorded and the estimates recomputed from a list of every
    sample: the same numbers, from the exact counts, and (limit 3: exact counts dropped) from the trie."""
    from toyinduction.machines.toy.sample import sample_toy

    if limit is not None:
        monkeypatch.setattr(sampling, "MAX_DISTINCT_OUTPUTS", limit)
    raw, add_rows = [], Sample.add_rows

    def recording(self, statuses, lengths, rows):
        raw.extend((int(s), "".join(str(b) for b in row if b != 2)) for s, row in zip(statuses, rows))
        add_rows(self, statuses, lengths, rows)

    monkeypatch.setattr(Sample, "add_rows", recording)
    drawn = sample_toy(TOY, 20_000, 30, 300, 5, seed=4, progress=lambda done, total: None)
    assert (drawn.exact is None) == (limit is not None) and drawn.size == len(raw) == 20_000
    assert estimates(drawn, PREFIXES) == naive_estimates(*zip(*raw), PREFIXES)
    assert drawn.count("halted") == sum(Status(s % 8) == Status.HALTED for s, _ in raw)


def test_runner_samples_and_dropped_counts(monkeypatch):
    """The generic runner's tally (blc's path) against the list; once the exact counts are dropped
    the trie answers for outputs of up to its depth and refuses longer ones in one line."""
    rng = random.Random(5)
    drawn_outputs = {}

    def run(bits):
        if len(bits) < 3:
            return RunResult(Status.BITS_LIMIT, "", 1, len(bits))
        if bits not in drawn_outputs:
            drawn_outputs[bits] = "".join(rng.choice("01") for _ in range(rng.randrange(0, 24)))
        return RunResult(rng.choice([Status.HALTED, Status.STEP_LIMIT]), drawn_outputs[bits], 1, 3)

    monkeypatch.setattr(sampling, "MAX_DISTINCT_OUTPUTS", 5)
    statuses, outputs = [], []
    original = Sample.add

    def recording(self, status, length, output, count=1):
        statuses.append(int(status))
        outputs.append(output)
        original(self, status, length, output, count)

    monkeypatch.setattr(Sample, "add", recording)
    drawn = sample_with_runner(run, 3000, 10, seed=1, output_bits=24)
    assert drawn.exact is None and drawn.trie_bits == 16 and sorted(drawn.length_counts.values()) != []
    short = [p for p in PREFIXES if len(p) < 16]
    assert estimates(drawn, short) == naive_estimates(statuses, outputs, short)
    with pytest.raises(ValueError, match=r"^the sample has more than 5 distinct outputs, too many to count each; "
                                         r"it answers for outputs of at most 16 bits, not 17 \(use a shorter prefix"):
        drawn.mass_estimate("0" * 17)
    with pytest.raises(ValueError, match="not a bit string"):
        drawn.mass_estimate("01x")


def _peak(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sampling_memory_does_not_grow_with_the_count():
    """Ten times the samples, the same peak: the tallies are bounded (a list per sample kept about
    100 bytes each: 70 MB at 7 * 10^5). (10^7 samples take about 40 s on two shared cores: too slow
    for a unit test; the peak resident set was 154 MB there, 150 MB at 10^6.)"""
    from toyinduction.machines.toy.sample import sample_toy
    from toyinduction.machines.turing.tm import sample_machines

    sample_toy(TOY, 1000, 8, 100, 3)      # compiled before measuring
    small = _peak(lambda: sample_toy(TOY, 70_000, 8, 100, 3, seed=2))
    large = _peak(lambda: sample_toy(TOY, 700_000, 8, 100, 3, seed=2))
    assert large < small + (2 << 20) and large < 16 << 20, (small, large)

    def run(bits):
        return RunResult(Status.HALTED if bits.endswith("1") else Status.BITS_LIMIT, bits[-3:], 1, len(bits))

    small = _peak(lambda: sample_with_runner(run, 5_000, 8, seed=2, output_bits=3))
    large = _peak(lambda: sample_with_runner(run, 50_000, 8, seed=2, output_bits=3))
    assert large < small + (2 << 20), (small, large)
    small = _peak(lambda: sample_machines(2, 20, 2_000, seed=2))
    large = _peak(lambda: sample_machines(2, 20, 20_000, seed=2))
    assert large < small + (2 << 20), (small, large)


def test_machine_sampling_in_batches_draws_what_one_call_drew():
    """The Turing sampler draws its transition tables in batches: the same machines as one draw
    of every table (an even number of entries per row: no half-used random word is lost)."""
    from toyinduction.engine.stop import STOP
    from toyinduction.machines.turing.tm import TM_HALTED, _simulate, ctm_table, sample_machines

    count, states, steps = 40_000, 2, 20                 # (more than two batches)
    drawn = sample_machines(states, steps, count, seed=9)
    tables = np.random.default_rng(9).integers(0, 4 * states + 2, size=(count, 2 * states), dtype=np.int64)
    tape, statuses, outputs = np.zeros(2 * steps + 3, dtype=np.uint8), [], []
    for options in tables:
        status, _, _, lo, hi = _simulate(ctm_table(options, states), steps, tape, STOP)
        statuses.append(Status.HALTED if status == TM_HALTED else Status.STEP_LIMIT)
        outputs.append("".join(map(str, tape[lo:hi + 1])) if status == TM_HALTED else "")
    assert estimates(drawn, PREFIXES) == naive_estimates(statuses, outputs, PREFIXES)


# ---- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("arguments, code, text", [
    (["sample", "--prefix", "01x", "--count", "10"], 1, "Error: --prefix '01x' is not a bit string: it may hold only 0 "
                                                       "and 1, not 'x'"),
    (["sample", "--machine", "tm", "--prefix", "2", "--count", "10"], 1, "Error: --prefix '2' is not a bit string"),
    (["sample", "--prefix", "0" * 70_000, "--count", "10"], 2, "Error: --prefix has 70,000 bits; a sample follows "
                                                              "outputs of at most 65,535 bits"),
    (["enumerate", "--store", "", "--max-bits", "4"], 2, "Error: Invalid value for '--store': is empty"),
    (["runs", "--store", ""], 2, "Error: Invalid value for '--store': is empty"),
    (["golf", "alternate.toy", "--slowdown", "inf"], 2, "Error: Invalid value for '--slowdown': inf is not in the "
                                                        "range"),
])
def test_wrong_input_is_refused_in_one_line(arguments, code, text):
    line = one_line_error(CliRunner().invoke(main, arguments), code)
    assert line.startswith(text) and len(line) < 300, line


def test_an_unreadable_programs_directory_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "a.toy").write_text("1 out halt\n")
    if os.geteuid() == 0:            # (root reads every directory: make this one refuse)
        iterdir = Path.iterdir

        def refusing(self):
            if self == tmp_path:
                raise PermissionError(13, "Permission denied", str(self))
            return iterdir(self)

        monkeypatch.setattr(Path, "iterdir", refusing)
    else:
        tmp_path.chmod(0o300)
    try:
        line = one_line_error(CliRunner().invoke(main, ["programs", "--dir", str(tmp_path)]), 1)
    finally:
        tmp_path.chmod(0o700)
    assert line == f"Error: {tmp_path}: cannot read the programs directory (Permission denied)"


@pytest.mark.parametrize("slowdown", [float("inf"), float("nan"), 0.5, 2e6])
def test_the_golf_library_refuses_a_slowdown_that_is_not_a_step_budget_in_one_line(slowdown):
    from toyinduction.machines.toy.golf import Case, Specification, parse_template
    from toyinduction.machines.toy.language import TOY

    with pytest.raises(ValueError, match=r"slowdown must be in 1\.\.10\^6"):
        Specification(parse_template("1 out", TOY), [Case("first bit", "", (), 1)], slowdown=slowdown)
