"""The mixture's predictions along one sequence, from every program up to L bits, none kept.

:func:`toyinduction.induction.mixture.predict` needs every leaf of the enumeration in memory (a
hypothesis pool); at 40 bits there are 20 billion programs. But along one sequence x = x_1..x_n
the mixture's sums depend on a leaf only through its mass, its status and a = the number of
leading bits its output o shares with x. So the toy machine's flat enumerator can tally, as it
visits the leaves (``enumerate_programs(..., target=x)``), in exact integer units of 2^-L:

    A[a]     the mass of leaves that agree with x on exactly a bits,
    B[a]     the part of A[a] whose output goes on past bit a (it knows bit a+1 and it is not x's),
    U[k]     the mass of unresolved leaves (step or length limit) whose whole output is x_1..x_k,
    NEXT[b]  the mass of leaves whose output extends all of x with the bit b,
    S[k]     the part of U[k] that is *silent*: provably never writes another bit (a run stopped
             inside a loop that cannot write or leave; see toyinduction.machines.toy.flat),

and for the plain prior (weight 2^-length, no step cap) every step t of the mixture follows:

    resolved, observed bit   Σ_{a > t} A[a]          (outputs known beyond t, agreeing through t+1)
    resolved, other bit      B[t]                    (at t = n: NEXT)
    unresolved, raw          R  = Σ_{k <= t} U[k]
    unresolved, coin         R' = Σ_{k <= t} U[k] 2^-(t-k)

    P(x_{t+1} = 1 | x_<=t) = (L_1 + R'/2) / (L_0 + L_1 + R'),

with the interval under the coin assumption [L_1, L_1 + R'] / (L_0 + L_1 + R') and the
model-free one [L_1, L_1 + R] / (L_0 + L_1 + R), exactly as the pool-based mixture computes
them (the tests compare the two on the same enumeration). With ``silent=True`` the silent runs
are counted as what they are, programs whose output is final (as if they had halted): U - S
instead of U, so the unresolved weight, and with it every interval, shrinks. Everything is exact
(Fractions) until it is printed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np


@dataclass
class ExhaustivePrediction:
    """The mixture over every program up to ``max_bits`` bits along ``sequence``: per observed
    bit x_{t+1} (t = 0..n-1) P(x_{t+1} = 1 | x_<=t) and its two intervals, P of the observed
    bit, the cumulative log-loss; and the same for the next, unseen bit (``next``)."""

    sequence: str
    max_bits: int
    max_steps: int
    p_next_one: np.ndarray
    p_coin_lower: np.ndarray
    p_coin_upper: np.ndarray
    p_lower: np.ndarray
    p_upper: np.ndarray
    p_observed: np.ndarray
    unresolved_raw_share: np.ndarray
    log_loss_bits: np.ndarray
    next: dict
    programs: int = 0
    tree_leaves: int = 0
    seconds: float = 0.0
    exact: list = field(default_factory=list, repr=False)   # per step: the Fractions behind each float

    def steps_json(self) -> list:
        """Per observed bit x_t (t from 1): its bit, P(x_t = 1 | x_<t) and both intervals."""
        return [{"t": t + 1, "bit": int(self.sequence[t]), "p_next_one": float(self.p_next_one[t]),
                 "p_lower": float(self.p_lower[t]), "p_upper": float(self.p_upper[t]),
                 "p_coin_lower": float(self.p_coin_lower[t]), "p_coin_upper": float(self.p_coin_upper[t])}
                for t in range(len(self.sequence))]


def _step(sequence: str, t: int, agreement: np.ndarray, scale: int, silent: bool, never=None) -> dict:
    """Step t of the mixture (the prediction of bit t+1) from the agreement tally, exactly."""
    A, B, U, NEXT, S = (agreement[row] for row in range(5))
    unresolved = [Fraction(int(u)) for u in U[:t + 1]]
    if silent:
        unresolved = [u - int(S[k]) - (never[k] if never is not None else 0) for k, u in enumerate(unresolved)]
    n = len(sequence)
    if t < n:
        observed = sum(int(v) for v in A[t + 1:])
        other = int(B[t])
        bit = int(sequence[t])
        one, zero = (observed, other) if bit else (other, observed)
    else:
        zero, one = int(NEXT[0]), int(NEXT[1])
    raw = sum(unresolved, Fraction(0))
    coins = sum((u / 2 ** (t - k) for k, u in enumerate(unresolved)), Fraction(0))
    denominator = one + zero + coins
    bound = one + zero + raw
    return {"p_next_one": (one + coins / 2) / denominator if denominator else Fraction(1, 2),
            "p_coin_lower": Fraction(one) / denominator if denominator else Fraction(0),
            "p_coin_upper": (one + coins) / denominator if denominator else Fraction(1),
            "p_lower": Fraction(one) / bound if bound else Fraction(0),
            "p_upper": (one + raw) / bound if bound else Fraction(1),
            "unresolved_raw_share": raw / bound if bound else Fraction(1),
            "resolved": (Fraction(zero, scale), Fraction(one, scale)), "unresolved": raw / scale}


def prediction_from_agreement(sequence: str, agreement: np.ndarray, max_bits: int, max_steps: int = 0,
                              silent: bool = False, never=None) -> ExhaustivePrediction:
    """The mixture's steps along ``sequence`` from an enumeration's agreement tally (rows A, B, U,
    NEXT, S in units of 2^-max_bits; see the module doc); ``silent`` counts silent runs as final,
    and with ``never`` (per k, a Fraction of U[k]: :func:`never_writing_again`) that mass too."""
    n = len(sequence)
    if agreement.shape[0] != 5 or agreement.shape[1] < n + 2:
        raise ValueError(f"the agreement tally has shape {agreement.shape}; a sequence of {n} bits needs (5, {n + 2})")
    scale = 2 ** max_bits
    steps = [_step(sequence, t, agreement, scale, silent, never) for t in range(n + 1)]

    def column(name):
        return np.array([float(step[name]) for step in steps[:n]])

    p_one = column("p_next_one")
    observed = np.array([p if bit == "1" else 1 - p for p, bit in zip(p_one, sequence)])
    with np.errstate(divide="ignore"):
        log_loss = np.cumsum(-np.log2(observed))
    last = steps[n]
    upcoming = {name: float(last[name]) for name in ("p_next_one", "p_coin_lower", "p_coin_upper", "p_lower",
                                                     "p_upper", "unresolved_raw_share")}
    return ExhaustivePrediction(sequence=sequence, max_bits=max_bits, max_steps=max_steps, p_next_one=p_one,
                                p_coin_lower=column("p_coin_lower"), p_coin_upper=column("p_coin_upper"),
                                p_lower=column("p_lower"), p_upper=column("p_upper"), p_observed=observed,
                                unresolved_raw_share=column("unresolved_raw_share"), log_loss_bits=log_loss,
                                next=upcoming, exact=steps)


def exhaustive_prediction(machine, sequence: str, max_bits: int, max_steps: int = 1000, workers: int = 1,
                          output_bits: int | None = None, progress=None, silent: bool = False) -> ExhaustivePrediction:
    """Predict ``sequence`` bit by bit, and the bit after it, with the mixture over every program
    of up to ``max_bits`` bits (plain prior 2^-length), enumerating them once without keeping
    any: the toy machine's flat enumerator tallies what the mixture needs as it goes (module
    doc). ``machine`` is a toy machine or its name; outputs are followed to ``output_bits``
    (default: n + 1, what the next bit needs) bits; ``silent`` counts the runs known never to
    write again as final. Every program up to 40 bits takes minutes."""
    from toyinduction.machines import machine as machine_named

    chosen = machine_named(machine)
    language = getattr(chosen, "language", None)
    if language is None:
        raise ValueError(f"exhaustive prediction needs the toy machine's flat enumerator; {chosen.name} has none")
    if not isinstance(sequence, str) or set(sequence) - {"0", "1"}:
        raise ValueError(f"the sequence must be a string of 0 and 1, got {sequence!r}")
    output_bits = len(sequence) + 1 if output_bits is None else output_bits
    if output_bits < len(sequence) + 1:
        raise ValueError(f"a sequence of {len(sequence)} bits needs outputs to {len(sequence) + 1} bits, "
                         f"not {output_bits}")
    from toyinduction.machines.toy.enumerate import enumerate_programs

    start = time.perf_counter()
    enumeration = enumerate_programs(language, max_bits, max_steps, output_bits, workers=workers, keep_leaves=0,
                                     progress=progress, target=sequence, counted=True)
    never = never_writing_again(language, enumeration) if silent else None
    result = prediction_from_agreement(sequence, enumeration.agreement, max_bits, max_steps, silent, never)
    result.programs, result.tree_leaves = enumeration.programs, enumeration.tree_leaves
    result.seconds = time.perf_counter() - start
    if sum(int(v) for v in enumeration.agreement[0]) != 2 ** max_bits:   # every leaf is in exactly one A[a]
        raise RuntimeError("the agreement tally does not sum to 1 (a bug)")
    return result


def never_writing_again(language, enumeration) -> list:
    """Per k (as U[k]): the part of the unresolved mass, in units of 2^-L, that waits for a block's
    end which never comes, so never writes again — exactly the mass the bound of
    :func:`toyinduction.machines.toy.bodies.closing_odds` gives (a lower bound: faults on the way
    would stop more runs). From the enumeration's ``closing`` tallies (a target run of the flat
    enumerator, counted or not: both give the same)."""
    from toyinduction.machines.toy.bodies import block_tables, closing_odds, unclosed_going_on

    closing, groups = enumeration.closing, enumeration.closing_groups
    if closing is None:
        raise ValueError("the enumeration has no closing tally (enumerate with a target, flat kernel)")
    rho, weight = closing_odds(language)
    operand = closing.shape[2] - 1
    never = [Fraction(0)] * closing.shape[0]
    for k, ends, node in zip(*np.nonzero(closing)):
        going_on = rho ** int(ends) * (1 if node == operand else weight[int(node)])
        never[k] += int(closing[k, ends, node]) * (1 - going_on)
    if groups is not None and groups.size and groups.any():
        tables = block_tables(language, enumeration.max_bits)
        for k, else_closes, room_open, room_defs, budget in zip(*np.nonzero(groups)):
            going_on, count = unclosed_going_on(tables, int(else_closes), int(room_open), int(room_defs), int(budget))
            never[k] += int(groups[k, else_closes, room_open, room_defs, budget]) * (count - going_on)
    return never
