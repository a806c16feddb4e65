"""Monte Carlo beyond the exhaustive range: programs sampled from the prior itself.

A program is sampled bit by bit, lazily: the machine runs, and only when it asks for a program
bit it has not got is a fair coin flipped for it. So a program of length k is drawn with
probability 2^-k — exactly its prior weight — and a fraction of samples estimates a prior mass
without bias. With n samples of which s satisfy a property, the estimate is s/n with a Wilson
score interval. Estimates come with the same honest split as the exhaustive bounds:

    lower(x)  fraction of samples whose output already starts with x
    upper(x)  lower(x) + fraction of unresolved samples (step or length limit) whose output is a
              proper prefix of x

so a sampled interval [lower − error, upper + error] covers M(x) with the stated confidence.

Languages: ``toy`` (a numba kernel samples whole batches), any machine with a run function on
bit strings (``sample_with_runner``: e.g. binary lambda calculus), and Turing machines (random
transition tables, uniform over the 4n+2 options of every entry: the CTM measure).
"""

from __future__ import annotations

import math
import random

import numpy as np

from toyinduction._numba import jit
from toyinduction.machines.toy.kernel import BITS_LIMIT, FAULT, G_STEPS, R_FAULT, R_NOUT, MachineState, _execute, _reset, kernel_for
from toyinduction.machines.toy.language import Language
from toyinduction.core import Status

UNRESOLVED = (Status.STEP_LIMIT, Status.BITS_LIMIT)


def wilson(successes: int, trials: int, z: float = 2.576) -> tuple[float, float]:
    """Wilson score interval for a proportion (z = 2.576: 99%)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@jit
def _sample_batch(trie, has_operand, limits, count, seed, max_bits, max_steps, output_bits, regs, stack, memory,
                  code, open_blocks, defs, calls, loops, child_bits, out, g, program, statuses, lengths, outputs):
    """Draw ``count`` programs from the prior, lazily, and run each to a stop."""
    np.random.seed(seed)
    for index in range(count):
        _reset(regs, memory, g, max_steps, output_bits)
        length = 0
        while True:
            status = _execute(trie, has_operand, limits, program, length, regs, stack, memory, code, open_blocks, defs,
                              calls, loops, child_bits, out, g)
            if status == BITS_LIMIT and length < max_bits:
                program[length] = np.random.randint(0, 2)   # the coin is flipped only when asked
                length += 1
                continue
            break
        statuses[index] = status if status != FAULT else FAULT + 8 * regs[0, R_FAULT]
        lengths[index] = length
        for position in range(output_bits):
            outputs[index, position] = out[position] if position < regs[0, R_NOUT] else 2
    return g[G_STEPS]


class Sample:
    """Sampled runs: status, program length and output of each."""

    def __init__(self, statuses, lengths, outputs):
        self.statuses = [Status(int(s) % 8) for s in statuses]   # a fault is FAULT + 8 * reason
        self.lengths = list(lengths)
        self.outputs = outputs  # list of strings

    @property
    def size(self) -> int:
        """How many there are."""
        return len(self.outputs)

    def mass_estimate(self, prefix: str) -> dict:
        """Estimated lower/upper bounds on M(prefix) with 99% Wilson intervals."""
        starts = sum(output.startswith(prefix) for output in self.outputs)
        waiting = sum(status in UNRESOLVED and len(output) < len(prefix) and prefix.startswith(output)
                      for status, output in zip(self.statuses, self.outputs))
        n = self.size
        return {"prefix": prefix, "samples": n, "lower": starts / n, "upper": (starts + waiting) / n,
                "lower_interval": wilson(starts, n), "upper_interval": wilson(starts + waiting, n)}

    def output_estimate(self, output: str) -> dict:
        """Estimated fraction of programs (machines) that halt with exactly ``output``."""
        hits = sum(status == Status.HALTED and text == output for status, text in zip(self.statuses, self.outputs))
        return {"output": output, "samples": self.size, "fraction": hits / self.size,
                "interval": wilson(hits, self.size)}

    def prediction_estimate(self, prefix: str) -> dict:
        """Estimated P(next bit = 1 | prefix) among sampled programs whose output is known past the
        prefix (the resolved part of the mixture), with a 99% Wilson interval."""
        ones = sum(output.startswith(prefix + "1") for output in self.outputs)
        zeros = sum(output.startswith(prefix + "0") for output in self.outputs)
        return {"prefix": prefix, "informative_samples": ones + zeros,
                "p_next_one": ones / (ones + zeros) if ones + zeros else None, "interval": wilson(ones, ones + zeros)}


def sample_toy(language: Language, count: int, max_bits: int, max_steps: int, output_bits: int,
               seed: int = 0) -> Sample:
    """``count`` programs of ``language`` drawn from the prior (lazily), each up to ``max_bits``."""
    if not 1 <= count <= 10 ** 8 or not 1 <= max_bits <= 4096 or not 0 <= output_bits <= 1 << 16:
        raise ValueError("count must be in 1..1e8, max_bits in 1..4096, output_bits in 0..65536")
    state = MachineState.new(language, max_bits, max_steps, output_bits)
    kernel = kernel_for(language)
    program = np.zeros(max_bits + 1, dtype=np.uint8)
    statuses, lengths = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    outputs = np.zeros((count, max(output_bits, 1)), dtype=np.uint8)
    _sample_batch(kernel.trie, kernel.has_operand, kernel.limits, count, seed, max_bits, max_steps, output_bits,
                  state.regs, state.stack, state.memory, state.code, state.open_blocks, state.defs, state.calls,
                  state.loops, state.child_bits, state.out, state.g, program, statuses, lengths, outputs)
    texts = []
    for row in outputs:
        cut = int(np.argmax(row == 2)) if (row == 2).any() else output_bits
        texts.append("".join(map(str, row[:cut])))
    return Sample(statuses, lengths, texts)


def sample_programs(run, count: int, max_bits: int, seed: int = 0) -> list:
    """``count`` (program bits, run result) pairs drawn from the prior of any machine given as
    ``run(bits) -> RunResult`` that reports ``bits_limit`` when it needs more program bits (it is
    re-run on the prefix extended by a fair coin flip, up to ``max_bits``)."""
    rng = random.Random(seed)
    drawn = []
    for _ in range(count):
        bits = ""
        while True:
            result = run(bits)
            if result.status == Status.BITS_LIMIT and len(bits) < max_bits:
                bits += rng.choice("01")
                continue
            break
        drawn.append((bits, result))
    return drawn


def sample_with_runner(run, count: int, max_bits: int, seed: int = 0) -> Sample:
    """The same sampling for any machine given as ``run(bits) -> RunResult`` (``sample_programs``)."""
    drawn = sample_programs(run, count, max_bits, seed)
    return Sample([int(result.status) for _, result in drawn], [len(bits) for bits, _ in drawn],
                  [result.output for _, result in drawn])


@jit
def _run_ctm_table(table, max_steps, tape, output):
    """One machine (table[entry] = option, CTM formalism) on a blank tape; output length or -1."""
    width = tape.shape[0]
    for i in range(width):
        tape[i] = 0
    position = width // 2
    lo, hi, state = position, position, 0
    for _ in range(max_steps):
        option = table[2 * state + tape[position]]
        if option < 2:
            tape[position] = option
            for i in range(hi - lo + 1):
                output[i] = tape[lo + i]
            return hi - lo + 1
        k = option - 2
        tape[position] = k & 1
        position += 1 if (k >> 1) & 1 else -1
        lo, hi = min(lo, position), max(hi, position)
        state = k >> 2
    return -1


def sample_machines(states: int, max_steps: int, count: int, seed: int = 0) -> Sample:
    """``count`` n-state machines with every entry drawn uniformly from its 4n+2 options."""
    rng = np.random.default_rng(seed)
    tape = np.zeros(2 * max_steps + 3, dtype=np.uint8)
    output = np.zeros(2 * max_steps + 3, dtype=np.uint8)
    statuses, outputs = [], []
    tables = rng.integers(0, 4 * states + 2, size=(count, 2 * states), dtype=np.int64)
    for table in tables:
        length = _run_ctm_table(table, max_steps, tape, output)
        if length < 0:
            statuses.append(int(Status.STEP_LIMIT))
            outputs.append("")
        else:
            statuses.append(int(Status.HALTED))
            outputs.append("".join(map(str, output[:length])))
    return Sample(statuses, [2 * states] * count, outputs)
