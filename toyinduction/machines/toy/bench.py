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


def enumeration_speed(language: Language, max_bits: int = 24, max_steps: int = 1000, output_bits: int = 16,
                      workers: int = 2) -> dict:
    """Every toy program up to ``max_bits`` bits, ``max_steps`` steps each (target: 24 bits in 60 s)."""
    from toyinduction.machines.toy.enumerate import enumerate_programs

    enumerate_programs(language, 8, 10, 4, workers=workers)  # compile or load outside the timing
    result, seconds = _timed(lambda: enumerate_programs(language, max_bits, max_steps, output_bits, workers=workers,
                                                        keep_leaves=0))
    return {"max_bits": max_bits, "max_steps": max_steps, "output_bits": output_bits, "workers": workers,
            "programs": result.programs, "steps": result.steps, "seconds": seconds,
            "programs_per_second": result.programs / seconds, "steps_per_second": result.steps / seconds,
            "target_seconds": 60}


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
