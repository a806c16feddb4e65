"""Speed measurements: the numba kernel against the pure-Python reference, in one run.

Two workloads:
  loop_heavy       a counted loop of arithmetic (``0 N rep idx xor 1 and end``), the
                   interpreter's inner loop with no decoding: instructions per second.
  random_programs  uniformly random bit strings (a seeded matrix, run with run_batch) to a
                   step budget, decoding included; most end within a few steps in a fault,
                   so this measures per-program overhead as much as execution.
Ratios compare the two interpreters on the same workload, measured in the same run.
"""

from __future__ import annotations

import platform
import time

import numba
import numpy as np

from toyinduction.machines.toy.assembler import assemble
from toyinduction.machines.toy.kernel import run, run_batch
from toyinduction.machines.toy.language import Language
from toyinduction.core import array_to_bits
from toyinduction.machines.toy.reference import run_reference

LOOP_HEAVY_SOURCE = "0 4611686018427387903 rep idx xor 1 and end halt"


def _timed(function):
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def loop_heavy(language: Language, kernel_steps: int = 200_000_000, reference_steps: int = 300_000) -> dict:
    """Steps per second of both interpreters on the loop-heavy workload."""
    bits = assemble(LOOP_HEAVY_SOURCE, language)
    run(language, bits, 1000, 1)  # compile or load from cache outside the timing
    kernel_result, kernel_seconds = _timed(lambda: run(language, bits, kernel_steps, 1))
    reference_result, reference_seconds = _timed(lambda: run_reference(language, bits, reference_steps, 1))
    kernel_rate = kernel_result.steps / kernel_seconds
    reference_rate = reference_result.steps / reference_seconds
    return {"program": LOOP_HEAVY_SOURCE, "kernel_steps": kernel_result.steps, "kernel_seconds": kernel_seconds,
            "kernel_steps_per_second": kernel_rate, "reference_steps": reference_result.steps,
            "reference_seconds": reference_seconds, "reference_steps_per_second": reference_rate,
            "ratio": kernel_rate / reference_rate}


def random_programs(language: Language, count: int = 1_000_000, reference_count: int = 20_000, bits: int = 64,
                    max_steps: int = 1000, seed: int = 0) -> dict:
    """Programs and steps per second of both interpreters on seeded random bit strings."""
    matrix = np.random.default_rng(seed).integers(0, 2, size=(count, bits), dtype=np.uint8)
    lengths = np.full(count, bits, dtype=np.int64)
    run_batch(language, matrix[:10], lengths[:10], max_steps, 64)  # compile or load outside the timing
    kernel_results, kernel_seconds = _timed(lambda: run_batch(language, matrix, lengths, max_steps, 64))
    sample = [array_to_bits(row) for row in matrix[:reference_count]]
    reference_results, reference_seconds = _timed(
        lambda: [run_reference(language, program, max_steps, 64) for program in sample])
    kernel_steps = int(kernel_results["steps"].sum())
    reference_steps = sum(result.steps for result in reference_results)
    return {"programs": count, "bits": bits, "max_steps": max_steps, "seed": seed,
            "mean_steps": kernel_steps / count,
            "kernel_seconds": kernel_seconds, "kernel_programs_per_second": count / kernel_seconds,
            "kernel_steps_per_second": kernel_steps / kernel_seconds,
            "reference_programs": reference_count, "reference_seconds": reference_seconds,
            "reference_programs_per_second": reference_count / reference_seconds,
            "reference_steps_per_second": reference_steps / reference_seconds,
            "ratio_programs_per_second": (count / kernel_seconds) / (reference_count / reference_seconds)}


def benchmark(language: Language, quick: bool = False) -> dict:
    """Both workloads (smaller with ``quick``), with the machine they ran on."""
    scale = 10 if quick else 1
    return {
        "language": language.name, "spec_hash": language.spec_hash,
        "loop_heavy": loop_heavy(language, kernel_steps=200_000_000 // scale, reference_steps=300_000 // scale),
        "random_programs": random_programs(language, count=1_000_000 // scale, reference_count=20_000 // scale),
        "machine": {"python": platform.python_version(), "numba": numba.__version__,
                    "processor": platform.processor() or platform.machine()},
        "target_steps_per_second": 100_000_000,
    }


def peak_memory_mib() -> float:
    """This process's peak resident memory in MiB: VmHWM from /proc/self/status where there is
    one (Linux: the getrusage maximum also counts the parent's memory at fork across exec, which
    would charge a benchmark's child with its parent's peak), else ``resource.getrusage``."""
    import resource

    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def enumeration_run(spec: dict, max_bits: int, max_steps: int, output_bits: int, workers: int, kernel: str,
                    collapse: bool, counted: bool = False) -> dict:
    """One enumeration (no leaves kept; ``counted``: blocks read but not run counted by class) in
    this process, the kernels compiled or loaded first:
    its wall time and CPU time (all threads), programs, tree leaves, steps, and the process's peak
    resident memory before and after it (MiB, :func:`peak_memory_mib`)."""
    import os

    from toyinduction.machines.toy.enumerate import enumerate_programs
    from toyinduction.machines.toy.language import language_from_json

    language = language_from_json(spec)
    enumerate_programs(language, 12, 10, 4, workers=workers, kernel=kernel, collapse=collapse,
                       counted=counted)  # compile or load
    before = peak_memory_mib()
    load = os.getloadavg()[0]
    cpu = time.process_time()
    result, seconds = _timed(lambda: enumerate_programs(language, max_bits, max_steps, output_bits, workers=workers,
                                                        keep_leaves=0, kernel=kernel, collapse=collapse,
                                                        counted=counted))
    cpu = time.process_time() - cpu
    return {"max_bits": max_bits, "kernel": kernel, "collapse": collapse, "counted": counted, "workers": workers,
            "seconds": seconds,
            "cpu_seconds": cpu,
            "programs": result.programs, "tree_leaves": result.tree_leaves, "steps": result.steps,
            "tree_leaves_per_second": result.tree_leaves / seconds, "programs_per_second": result.programs / seconds,
            "peak_rss_mib_before": before, "peak_rss_mib": peak_memory_mib(),
            "load_average_before": load, "load_average_after": os.getloadavg()[0]}


def enumeration_comparison(language: Language, lengths=(24, 32, 36, 40), max_steps: int = 1000,
                           output_bits: int = 16, workers: int = 2, old_up_to: int = 32, plain_up_to: int = 36,
                           fresh_processes: bool = True, progress=None) -> dict:
    """The flat enumerator against the snapshot one, in one run: at each length, the snapshot
    enumerator (only up to ``old_up_to`` bits: it is slow), the flat one visiting every leaf (up
    to ``plain_up_to`` bits), the flat one with exact collapse and the flat one with exact collapse
    and counted blocks (every length). Each
    measurement runs in a fresh process (``fresh_processes``), so its peak memory is its own.
    ``progress(row)`` is called after each. Targets: 8 M leaves/s on 2 threads where leaves are
    visited one by one; every program up to 40 bits in 10 minutes."""
    import json
    import os
    import subprocess
    import sys

    spec = language.to_json()
    rows = []
    for max_bits in lengths:
        plans = [("snapshot", False, False)] if max_bits <= old_up_to else []
        plans += [("flat", False, False)] if max_bits <= plain_up_to else []
        plans += [("flat", True, False), ("flat", True, True)]
        for kernel, collapse, counted in plans:
            arguments = [spec, max_bits, max_steps, output_bits, workers, kernel, collapse, counted]
            if fresh_processes:
                code = ("import json, sys; from toyinduction.machines.toy.bench import enumeration_run; "
                        "print(json.dumps(enumeration_run(*json.loads(sys.argv[1]))))")
                done = subprocess.run([sys.executable, "-c", code, json.dumps(arguments)], capture_output=True,
                                      text=True, check=False)
                if done.returncode != 0:
                    raise ValueError(f"enumeration benchmark at {max_bits} bits failed: "
                                       f"{(done.stderr.strip().splitlines() or ['no output'])[-1]}")
                row = json.loads(done.stdout)
            else:
                row = enumeration_run(*arguments)
            rows.append(row)
            if progress is not None:
                progress(row)
    ratios = {}
    for max_bits in lengths:
        found = {(r["kernel"], r["collapse"], r["counted"]): r for r in rows if r["max_bits"] == max_bits}
        old = found.get(("snapshot", False, False))
        if old is not None:
            ratios[str(max_bits)] = {("counted" if counted else "collapse" if collapse else "flat"):
                                     old["seconds"] / r["seconds"]
                                     for (kernel, collapse, counted), r in found.items() if kernel == "flat"}
    return {"language": language.name, "max_steps": max_steps, "output_bits": output_bits, "workers": workers,
            "cpus": os.cpu_count(), "runs": rows, "speedup_over_snapshot": ratios,
            "target_leaves_per_second": 8_000_000, "target_seconds_40_bits": 600}


def ctm_speed(states: int = 4, max_steps: int = 107, workers: int = 2) -> dict:
    """The CTM enumeration of all n-state machines (target: D(4), cutoff 107, in 2 s; D(5), cutoff
    500, in 30 minutes)."""
    from toyinduction.machines.turing.tm import ctm

    ctm(2, 10, workers=workers)  # compile or load outside the timing
    result, seconds = _timed(lambda: ctm(states, max_steps, workers=workers))
    return {"states": states, "max_steps": max_steps, "workers": workers, "machines": result["machines"],
            "halting": result["halting"], "tree_leaves": result["tree_leaves"],
            "steps_simulated": result["steps_simulated"], "seconds": seconds,
            "target_seconds": 2 if states <= 4 else 1800}


def blc_speed(output_bits: int = 200) -> dict:
    """Tromp's universal machine running his primes program, on the BLC kernel and reference."""
    from toyinduction.machines.blc.reference import run_blc
    from toyinduction.machines.blc.kernel import run_blc_fast

    from toyinduction.machines.blc.reference import TROMP_PRIMES, TROMP_UNIVERSAL

    bits = TROMP_UNIVERSAL + TROMP_PRIMES
    run_blc_fast(bits, 1000, 2)  # compile or load outside the timing
    fast, fast_seconds = _timed(lambda: run_blc_fast(bits, 10 ** 8, output_bits))
    slow, slow_seconds = _timed(lambda: run_blc(bits, 10 ** 8, output_bits // 4))
    return {"workload": f"universal machine running primes, {output_bits} output bits", "kernel_steps": fast.steps,
            "kernel_seconds": fast_seconds, "kernel_steps_per_second": fast.steps / fast_seconds,
            "reference_steps": slow.steps, "reference_seconds": slow_seconds,
            "reference_steps_per_second": slow.steps / slow_seconds,
            "ratio": (fast.steps / fast_seconds) / (slow.steps / slow_seconds)}
