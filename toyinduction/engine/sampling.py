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

This module holds what every machine shares (the estimates, and ``sample_with_runner`` for any
machine with a run function on bit strings, e.g. binary lambda calculus); the toy machine
samples whole batches in its kernel, Turing machines draw random transition tables.
"""

from __future__ import annotations

import math
import random


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


def sample_programs(run, count: int, max_bits: int, seed: int = 0, progress=None) -> list:
    """``count`` (program bits, run result) pairs drawn from the prior of any machine given as
    ``run(bits) -> RunResult`` that reports ``bits_limit`` when it needs more program bits (it is
    re-run on the prefix extended by a fair coin flip, up to ``max_bits``). ``progress(done,
    count)`` hears of every hundredth of them."""
    rng = random.Random(seed)
    drawn = []
    every = max(1, count // 100)
    for index in range(count):
        if progress is not None and index % every == 0:
            progress(index, count)
        bits = ""
        while True:
            result = run(bits)
            if result.status == Status.BITS_LIMIT and len(bits) < max_bits:
                bits += rng.choice("01")
                continue
            break
        drawn.append((bits, result))
    if progress is not None:
        progress(count, count)
    return drawn


def sample_with_runner(run, count: int, max_bits: int, seed: int = 0, progress=None) -> Sample:
    """The same sampling for any machine given as ``run(bits) -> RunResult`` (``sample_programs``)."""
    drawn = sample_programs(run, count, max_bits, seed, progress)
    return Sample([int(result.status) for _, result in drawn], [len(bits) for bits, _ in drawn],
                  [result.output for _, result in drawn])
