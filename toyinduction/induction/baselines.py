"""Classical sequential predictors, to compare the mixture with on the same sequences.

Each returns, for a bit string x, the probability it gave to each observed bit x_{t+1}
after seeing x_1..x_t (a numpy array of length n); cumulative log-loss is Σ -log2 of it.

    laplace   P(1) = (n1 + 1) / (n + 2)
    kt        Krichevsky–Trofimov: P(1) = (n1 + 1/2) / (n + 1)
    ctw       context-tree weighting of depth D over KT estimators (Willems, Shtarkov,
              Tjalkens 1995): the Bayes mixture over all tree sources of depth <= D
    lz78      LZ78 incremental parsing: each phrase walks a trie from the root; the next
              bit is predicted by a KT estimator at the current trie node
"""

from __future__ import annotations

import math

import numpy as np


def _bits(sequence: str) -> list:
    return [int(c) for c in sequence]


def add_constant(sequence: str, pseudo_count: float) -> np.ndarray:
    """The add-α estimator: P(1) = (n1 + α) / (n + 2α) after n bits with n1 ones."""
    ones, probabilities = 0, []
    for t, bit in enumerate(_bits(sequence)):
        p_one = (ones + pseudo_count) / (t + 2 * pseudo_count)
        probabilities.append(p_one if bit else 1 - p_one)
        ones += bit
    return np.array(probabilities)


def laplace(sequence: str) -> np.ndarray:
    """Laplace's rule of succession (α = 1)."""
    return add_constant(sequence, 1.0)


def kt(sequence: str) -> np.ndarray:
    """Krichevsky–Trofimov estimator (α = 1/2)."""
    return add_constant(sequence, 0.5)


def ctw(sequence: str, depth: int = 8) -> np.ndarray:
    """Context-tree weighting of the given depth (the contexts of the first bits are padded
    with 0s). Log space; exact up to floating point."""
    if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 32:
        raise ValueError(f"CTW depth must be an integer in 0..32, got {depth!r}")
    x = _bits(sequence)
    counts: dict = {}          # context (most recent bit first) -> (zeros, ones)
    log_kt: dict = {}          # context -> log2 KT probability of the bits seen in it
    log_weighted: dict = {}    # context -> log2 weighted probability

    def log_add(a, b):
        high = max(a, b)
        return high + math.log2(2 ** (a - high) + 2 ** (b - high))

    def path_update(history, bit, commit):
        """New log2 weighted probability at the root if ``bit`` comes next (kept if commit)."""
        child_value = None
        for k in range(depth, -1, -1):  # deepest context first
            context = tuple(history[:k])
            zeros, ones = counts.get(context, (0, 0))
            kt_value = log_kt.get(context, 0.0) + math.log2(((ones if bit else zeros) + 0.5) / (zeros + ones + 1))
            if k == depth:
                value = kt_value
            else:
                sibling = context + (1 - history[k],)
                children = child_value + log_weighted.get(sibling, 0.0)
                value = -1 + log_add(kt_value, children)
            if commit:
                counts[context] = (zeros + (bit == 0), ones + (bit == 1))
                log_kt[context] = kt_value
                log_weighted[context] = value
            child_value = value
        return child_value

    probabilities = []
    for t, bit in enumerate(x):
        history = [x[t - 1 - k] if t - 1 - k >= 0 else 0 for k in range(depth)]
        with_one, with_zero = path_update(history, 1, False), path_update(history, 0, False)
        p_one = 1 / (1 + 2 ** (with_zero - with_one))
        probabilities.append(p_one if bit else 1 - p_one)
        path_update(history, bit, True)
    return np.array(probabilities)


def lz78(sequence: str) -> np.ndarray:
    """LZ78-style predictor: KT counts at the node of the phrase being parsed."""
    children: list = [[-1, -1]]
    counts: list = [[0, 0]]
    node, probabilities = 0, []
    for bit in _bits(sequence):
        zeros, ones = counts[node]
        p_one = (ones + 0.5) / (zeros + ones + 1)
        probabilities.append(p_one if bit else 1 - p_one)
        counts[node][bit] += 1
        if children[node][bit] >= 0:
            node = children[node][bit]
        else:  # the phrase ends: add it to the dictionary and start again at the root
            children[node][bit] = len(children)
            children.append([-1, -1])
            counts.append([0, 0])
            node = 0
    return np.array(probabilities)


BASELINES = {"laplace": laplace, "kt": kt, "ctw": ctw, "lz78": lz78}


def log_loss(probabilities: np.ndarray) -> float:
    """Cumulative log-loss in bits."""
    with np.errstate(divide="ignore"):
        return float(-np.log2(probabilities).sum())
