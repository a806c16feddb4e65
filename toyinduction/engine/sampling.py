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
from collections import Counter

import numpy as np

from toyinduction.core import Status

UNRESOLVED = (Status.STEP_LIMIT, Status.BITS_LIMIT)


#: The longest prefix (or exact output) a sample of a prefix machine answers for: the toy's
#: samples follow outputs of at most 2^16 bits.
MAX_PREFIX_BITS = (1 << 16) - 1


def check_prefix(prefix, what: str = "prefix") -> str:
    """``prefix`` if it is a bit string (0s and 1s, possibly empty); else a one-line ValueError
    naming ``what`` (the option or argument) and quoting at most a few dozen characters."""
    if not isinstance(prefix, str):
        raise ValueError(f"{what} must be a bit string of 0s and 1s, got {type(prefix).__name__}")
    bad = next((character for character in prefix if character not in "01"), None)
    if bad is not None:
        shown = prefix if len(prefix) <= 40 else prefix[:37] + "..."
        raise ValueError(f"{what} {shown!r} is not a bit string: it may hold only 0 and 1, not {bad!r}")
    return prefix


def wilson(successes: int, trials: int, z: float = 2.576) -> tuple[float, float]:
    """Wilson score interval for a proportion (z = 2.576: 99%)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


#: Distinct (status, output) pairs a sample counts one by one, and the output bits they may hold
#: together; past either, only the output trie (outputs cut to its depth) is kept.
MAX_DISTINCT_OUTPUTS = 1 << 16
MAX_EXACT_OUTPUT_BITS = 1 << 24
#: Depth of a sample's output trie, as the enumeration's (:data:`enumeration.MAX_TRIE_BITS`).
MAX_TRIE_BITS = 16


class Sample:
    """Sampled runs, tallied: memory does not grow with the number of samples.

    Kept: how many runs ended in each status (``status_counts``), with each program length
    (``length_counts``: (status, length) -> count), and with each output: a dense trie of the
    outputs cut to ``trie_bits`` bits, per status (``trie[status, node]``, node = (1 << length) |
    bits, as the enumeration's), and while there are at most :data:`MAX_DISTINCT_OUTPUTS`
    distinct ones, the exact count of every (status, output) pair (``exact``; None once dropped).
    The estimates are the same integers a list of every sample would give; a question about an
    output longer than the trie once the exact counts are dropped is a one-line ValueError.
    ``Sample(statuses, lengths, outputs)`` tallies the given runs (a fault's status may be FAULT +
    8 * reason).
    """

    def __init__(self, statuses=(), lengths=(), outputs=(), trie_bits: int = MAX_TRIE_BITS):
        if not 0 <= trie_bits <= MAX_TRIE_BITS:
            raise ValueError(f"trie_bits must be in 0..{MAX_TRIE_BITS}, got {trie_bits}")
        self.trie_bits = trie_bits
        self.trie = np.zeros((len(Status), 2 << trie_bits), dtype=np.int64)
        self.status_counts = np.zeros(len(Status), dtype=np.int64)
        self.length_counts: Counter = Counter()
        self.exact: Counter | None = Counter()
        self.exact_bits = 0           # output bits held by the keys of ``exact``
        self.longest_output = 0       # (outputs longer than the trie are cut in it)
        for status, length, output in zip(statuses, lengths, outputs):
            self.add(status, length, output)

    # ----- tallying ---------------------------------------------------------------------------
    def add(self, status, length: int, output: str, count: int = 1) -> None:
        """Tally ``count`` runs that ended in ``status`` after reading ``length`` program bits,
        having written ``output``."""
        status = Status(int(status) % 8)
        self.status_counts[status] += count
        self.length_counts[(status, int(length))] += count
        self.trie[status, int("1" + output[:self.trie_bits], 2)] += count
        self.longest_output = max(self.longest_output, len(output))
        self._count_exactly(status, output, count)

    def add_rows(self, statuses: np.ndarray, lengths: np.ndarray, rows: np.ndarray) -> None:
        """Tally a batch at once: ``statuses`` and program ``lengths`` (one per run) and ``rows``
        of output bits (uint8), each run's output padded with 2 (the toy's batch kernels' form)."""
        statuses = np.asarray(statuses, dtype=np.int64) % 8
        lengths = np.asarray(lengths, dtype=np.int64)
        rows = np.asarray(rows, dtype=np.uint8)
        if not statuses.size:
            return
        written = (rows != 2).sum(axis=1)
        buckets = len(Status)
        self.status_counts += np.bincount(statuses, minlength=buckets)[:buckets]
        span = int(lengths.max()) + 1
        by_length = np.bincount(statuses * span + lengths, minlength=buckets * span).reshape(-1, span)
        for status, length in zip(*np.nonzero(by_length)):
            self.length_counts[(Status(int(status)), int(length))] += int(by_length[status, length])
        trie_nodes = 2 << self.trie_bits
        node = self._nodes(rows, written, self.trie_bits)
        self.trie += np.bincount(statuses * trie_nodes + node, minlength=buckets * trie_nodes).reshape(buckets, -1)
        self.longest_output = max(self.longest_output, int(written.max()))
        if self.exact is None:
            return
        if rows.shape[1] <= 59:   # each output as its node: one integer key per run with its status
            keys, counts = np.unique(self._nodes(rows, written, rows.shape[1]) * 8 + statuses, return_counts=True)
            pairs = ((Status(key & 7), bin(key >> 3)[3:], count) for key, count in zip(keys.tolist(), counts.tolist()))
        else:
            keyed = np.concatenate([statuses[:, None].astype(np.uint8), rows], axis=1)
            distinct, counts = np.unique(keyed, axis=0, return_counts=True)
            pairs = ((Status(int(row[0])), (row[1:1 + int(np.count_nonzero(row[1:] != 2))] + ord("0")).tobytes()
                      .decode(), count) for row, count in zip(distinct, counts.tolist()))
        for status, output, count in pairs:
            self._count_exactly(status, output, count)
            if self.exact is None:
                return

    @staticmethod
    def _nodes(rows: np.ndarray, written: np.ndarray, depth: int) -> np.ndarray:
        """Each row's output cut to ``depth`` bits as a trie node, (1 << length) | bits."""
        node = np.ones(rows.shape[0], dtype=np.int64)
        for column in range(min(depth, rows.shape[1])):
            node = np.where(column < written, node * 2 + (rows[:, column] & 1), node)
        return node

    def _count_exactly(self, status: Status, output: str, count: int) -> None:
        if self.exact is None:
            return
        key = (status, output)
        if key not in self.exact:
            if len(self.exact) >= MAX_DISTINCT_OUTPUTS or self.exact_bits + len(output) > MAX_EXACT_OUTPUT_BITS:
                self.exact = None          # too many to keep: the trie answers from now on
                return
            self.exact_bits += len(output)
        self.exact[key] += count

    # ----- what was kept ----------------------------------------------------------------------
    @property
    def size(self) -> int:
        """How many there are."""
        return int(self.status_counts.sum())

    def count(self, status) -> int:
        """How many runs ended in ``status`` (a Status or its label)."""
        status = Status[status.upper()] if isinstance(status, str) else Status(status)
        return int(self.status_counts[status])

    @property
    def statuses(self) -> list:
        """Every run's status, expanded from the tallies in status order (not the order drawn):
        a list as long as the sample, for small samples."""
        return [status for status in Status for _ in range(int(self.status_counts[status]))]

    @property
    def lengths(self) -> list:
        """Every run's program length, expanded from the tallies (by status, then length)."""
        return [length for (_, length), count in sorted(self.length_counts.items()) for _ in range(count)]

    @property
    def outputs(self) -> list:
        """Every run's output, expanded from the exact tallies (by status, then output)."""
        if self.exact is None:
            raise ValueError(self._dropped(self.longest_output))
        return [output for (_, output), count in sorted(self.exact.items()) for _ in range(count)]

    def _dropped(self, bits: int) -> str:
        return (f"the sample has more than {MAX_DISTINCT_OUTPUTS:,} distinct outputs, too many to count each; it "
                f"answers for outputs of at most {self.trie_bits} bits, not {bits} (use a shorter prefix or fewer "
                f"samples)")

    def _subtree(self, prefix: str, statuses=None) -> int:
        """Runs (of ``statuses``, default all) whose output cut to the trie starts with ``prefix``
        (at most ``trie_bits`` long)."""
        rows = self.trie if statuses is None else self.trie[list(statuses)]
        node = int("1" + prefix, 2)
        total, first, last, depth = 0, node, node, len(prefix)
        while depth <= self.trie_bits:
            total += int(rows[:, first:last + 1].sum())
            first, last, depth = first * 2, last * 2 + 1, depth + 1
        return total

    def _starting(self, prefix: str) -> int:
        """Runs whose output starts with ``prefix``."""
        if self.exact is not None:
            return sum(count for (_, output), count in self.exact.items() if output.startswith(prefix))
        if len(prefix) > self.trie_bits:
            raise ValueError(self._dropped(len(prefix)))
        return self._subtree(prefix)

    def _waiting(self, prefix: str) -> int:
        """Unresolved runs whose output is a proper prefix of ``prefix``."""
        if self.exact is not None:
            return sum(count for (status, output), count in self.exact.items()
                       if status in UNRESOLVED and len(output) < len(prefix) and prefix.startswith(output))
        if len(prefix) > self.trie_bits:
            raise ValueError(self._dropped(len(prefix)))
        return sum(int(self.trie[status, int("1" + prefix[:k], 2)]) for k in range(len(prefix))
                   for status in UNRESOLVED)

    # ----- estimates --------------------------------------------------------------------------
    def mass_estimate(self, prefix: str) -> dict:
        """Estimated lower/upper bounds on M(prefix) with 99% Wilson intervals."""
        check_prefix(prefix)
        starts, waiting = self._starting(prefix), self._waiting(prefix)
        n = self.size
        return {"prefix": prefix, "samples": n, "lower": starts / n, "upper": (starts + waiting) / n,
                "lower_interval": wilson(starts, n), "upper_interval": wilson(starts + waiting, n)}

    def output_estimate(self, output: str) -> dict:
        """Estimated fraction of programs (machines) that halt with exactly ``output``."""
        check_prefix(output, "output")
        if self.exact is not None:
            hits = self.exact.get((Status.HALTED, output), 0)
        elif len(output) < self.trie_bits or (len(output) == self.trie_bits and self.longest_output <= self.trie_bits):
            hits = int(self.trie[Status.HALTED, int("1" + output, 2)])
        else:
            raise ValueError(self._dropped(len(output)))
        return {"output": output, "samples": self.size, "fraction": hits / self.size,
                "interval": wilson(hits, self.size)}

    def prediction_estimate(self, prefix: str) -> dict:
        """Estimated P(next bit = 1 | prefix) among sampled programs whose output is known past the
        prefix (the resolved part of the mixture), with a 99% Wilson interval."""
        check_prefix(prefix)
        ones, zeros = self._starting(prefix + "1"), self._starting(prefix + "0")
        return {"prefix": prefix, "informative_samples": ones + zeros,
                "p_next_one": ones / (ones + zeros) if ones + zeros else None, "interval": wilson(ones, ones + zeros)}


def draw_programs(run, count: int, max_bits: int, seed: int = 0, progress=None):
    """The (program bits, run result) pairs of :func:`sample_programs`, one at a time (nothing is
    kept: memory does not grow with ``count``)."""
    rng = random.Random(seed)
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
        yield bits, result
    if progress is not None:
        progress(count, count)


def sample_programs(run, count: int, max_bits: int, seed: int = 0, progress=None) -> list:
    """``count`` (program bits, run result) pairs drawn from the prior of any machine given as
    ``run(bits) -> RunResult`` that reports ``bits_limit`` when it needs more program bits (it is
    re-run on the prefix extended by a fair coin flip, up to ``max_bits``). ``progress(done,
    count)`` hears of every hundredth of them."""
    return list(draw_programs(run, count, max_bits, seed, progress))


def sample_with_runner(run, count: int, max_bits: int, seed: int = 0, progress=None,
                       output_bits: int | None = None) -> Sample:
    """The same sampling for any machine given as ``run(bits) -> RunResult``, tallied as drawn
    (a :class:`Sample`; ``output_bits``, when known, sizes its output trie)."""
    drawn = Sample(trie_bits=MAX_TRIE_BITS if output_bits is None else min(output_bits, MAX_TRIE_BITS))
    for bits, result in draw_programs(run, count, max_bits, seed, progress):
        drawn.add(result.status, len(bits), result.output)
    return drawn
