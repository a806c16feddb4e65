"""Solomonoff induction on an enumeration: the mixture's predictions, their bounds, the posterior.

The hypothesis pool is every leaf of an exhaustive enumeration (all programs up to L bits)
plus optional *named programs* (files from ``programs/``). Each hypothesis h has a prior
weight w_h (2^-|h| for the plain prior; 2^-(|h| + λ·log2 steps_h) for the speed prior, where
steps_h is the length of its run; 0 above a hard step cap; an unresolved run whose known
output is k bits short of the observation is charged as if it had run k more steps, the
least it must run to write them) and a run: its output o_h and
whether that output is final or only known so far. A named program q longer than L sits
inside the enumeration's leaf q[:L] (a set of programs of mass 2^-L): its mass 2^-|q| is
carved out of that leaf, so nothing is counted twice and the total prior stays exactly 1.

After observing x = x_1..x_t the mixture predicts x_{t+1} as a Bayes mixture:

  - a *resolved* hypothesis (its output is known beyond t) predicts its own next bit;
  - an *unresolved* one (step or length limit) whose known output o_h is a prefix of x is
    taken to continue with fair coin flips: weight w_h·2^-(t - |o_h|), predicting 1/2;
  - hypotheses whose output disagrees with x, or halted at a prefix of x, are out.

      P(x_{t+1} = b | x) = (L_b + R'/2) / (L_0 + L_1 + R')

with L_b the resolved weight predicting b and R' the coin-flip-weighted unresolved weight.
The *bounds* assume nothing about the unresolved hypotheses: with R their raw weight,

      L_1 / (L_0 + L_1 + R)  <=  P(x_{t+1} = 1 | x)  <=  (L_1 + R) / (L_0 + L_1 + R),

which contain every value the unresolved runs could turn out to give. They are wide exactly
when R is a large share of the weight in play (``unresolved_raw_share``): programs stopped at a
step or length limit before writing bit t+1 could still write anything. Under a hard step cap
they are tightened exactly: a run at s steps that must still write bits |o_h|+1..t+1 needs at
least t+1-|o_h| more steps (every ``out`` is a step), so it is out when that passes the cap.

Between the two sits the interval under the *coin assumption*: unresolved programs wrote the
observed bits they had not yet written no better than a fair coin (weight w_h·2^-(t - |o_h|),
as in the point estimate) but may put the next bit anywhere:

      L_1 / (L_0 + L_1 + R')  <=  P(x_{t+1} = 1 | x)  <=  (L_1 + R') / (L_0 + L_1 + R').

The point prediction lies inside both intervals. Because the predictor is a Bayes mixture in which a generating program of
length K has weight 2^-K, Solomonoff's bound applies to it: for a deterministic source,
Σ_t (1 - P(x_{t+1} | x_{1:t}))^2 <= (ln 2 / 2)·K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from toyinduction.engine.enumeration import Enumeration
from toyinduction.core import Status, bits_to_array

UNRESOLVED = (int(Status.STEP_LIMIT), int(Status.BITS_LIMIT))
#: The largest pool, in hypotheses x output bits (one byte each, and a few arrays of that size).
MAX_POOL_CELLS = 1 << 30


#: What a row of a prediction's ``steps`` is, in every JSON document that has them.
STEPS_MEANING = ("steps[i] is bit x_t, t = i + 1: p_next_one = P(x_t = 1 | x_<t), given before x_t is seen, with "
                 "its model-free interval [p_lower, p_upper] and its interval under the coin assumption "
                 "[p_coin_lower, p_coin_upper]; next is the same for the unseen bit x_(n+1)")

@dataclass
class Weighting:
    """How a hypothesis's prior weight is computed from its length and its run's steps."""

    speed: float = 0.0            # λ: weight 2^-(length + λ·log2 max(steps, 1))
    step_cap: int | None = None   # hypotheses whose run took more steps get weight 0
    charge_owed_steps: bool = True  # unresolved runs pay for the steps they must still take

    def __post_init__(self):
        if not (isinstance(self.speed, (int, float)) and math.isfinite(self.speed) and self.speed >= 0):
            raise ValueError(f"the speed prior's λ must be a finite number >= 0, got {self.speed!r}")
        if self.step_cap is not None and (not isinstance(self.step_cap, int) or self.step_cap < 0):
            raise ValueError(f"the step cap must be an integer >= 0, got {self.step_cap!r}")

    def steps_still_owed(self, steps: np.ndarray, missing_bits: np.ndarray) -> np.ndarray:
        """The speed charge, in bits, an unresolved run still owes: a program whose known output
        is ``missing_bits`` short of the observation must run at least that many more steps
        (every ``out`` is a step), so its weight is charged λ·log2(steps + missing) instead of
        λ·log2(steps). Zero for the plain prior and where nothing is missing."""
        if self.speed == 0 or not self.charge_owed_steps:
            return np.zeros(len(steps))
        steps = np.maximum(steps, 1).astype(float)
        return self.speed * (np.log2(steps + np.clip(missing_bits, 0, None)) - np.log2(steps))

    def log2_weights(self, log2_prior: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """log2 of each hypothesis's weight (-inf for weight 0)."""
        log2_weight = log2_prior - self.speed * np.log2(np.maximum(steps, 1))
        if self.step_cap is not None:
            log2_weight = np.where(steps > self.step_cap, -np.inf, log2_weight)
        return log2_weight


@dataclass
class NamedProgram:
    """A program added to the pool by name, with its class label."""

    name: str
    bits: str
    label: str

    @classmethod
    def from_file(cls, path, machine="toy", defines: dict | None = None) -> "NamedProgram":
        """Assemble a program file for ``machine`` (a Machine or its name); its class is the header
        line ``; class: LABEL``, else its name."""
        from toyinduction.machines import machine as machine_named

        path = Path(path)
        return cls(name=path.name, bits=machine_named(machine).assemble_file(path, defines=defines),
                   label=class_label(path))


def class_label(path) -> str:
    """A program file's class: its header line ``; class: LABEL``, else its name."""
    path = Path(path)
    for line in path.read_text().splitlines():
        if line.startswith(";") and line.lstrip("; ").lower().startswith("class:"):
            return line.split(":", 1)[1].strip()
    return path.stem


@dataclass
class HypothesisPool:
    """Every hypothesis: program bits, exact log2 prior, run (status, steps, output), class."""

    bits: list
    log2_prior: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    outputs: np.ndarray          # uint8 rows, padded with 2 after each output
    output_length: np.ndarray
    label: list
    named: np.ndarray            # bool: a named program
    output_bits: int
    mass: list                   # exact prior masses (Fractions); log2_prior is their log2

    @property
    def size(self) -> int:
        """How many there are."""
        return len(self.bits)

    @property
    def unresolved(self) -> np.ndarray:
        """Which hypotheses stopped at a step or length limit."""
        return np.isin(self.status, UNRESOLVED)

    def subset(self, keep) -> "HypothesisPool":
        """The pool without the hypotheses where ``keep`` (a bool array) is False."""
        keep = np.asarray(keep, dtype=bool)
        index = np.flatnonzero(keep)
        return HypothesisPool(bits=[self.bits[i] for i in index], log2_prior=self.log2_prior[keep],
                              status=self.status[keep], steps=self.steps[keep], outputs=self.outputs[keep],
                              output_length=self.output_length[keep], label=[self.label[i] for i in index],
                              named=self.named[keep], output_bits=self.output_bits,
                              mass=[self.mass[i] for i in index])

    def prior_mass(self) -> Fraction:
        """Total prior mass of the pool (exactly 1 for a whole enumeration)."""
        return sum(self.mass, Fraction(0))


def length_band(length: int, width: int = 8) -> str:
    """Class label of an enumerated program of ``length`` bits."""
    low = (max(length, 1) - 1) // width * width + 1
    return f"enumerated {low}-{low + width - 1} bits"


def build_pool(machine, enumeration: Enumeration, output_bits: int, named=(),
               named_max_steps: int = 100_000_000) -> HypothesisPool:
    """The enumeration's leaves plus named programs, every run known to ``output_bits`` bits.

    ``machine`` is a :class:`~toyinduction.core.Machine` (or its registry name). The leaves are
    re-run with the enumeration's step budget (the machines are deterministic, so the runs are
    the enumeration's) to ``output_bits`` output bits; named programs get ``named_max_steps``.
    """
    from toyinduction.machines import machine as machine_named

    machine = machine_named(machine)
    if enumeration.leaves is None:
        raise ValueError(f"the enumeration kept no leaves ({enumeration.programs} programs): enumerate fewer bits, "
                         "keep more leaves, or predict from the enumeration's tallies alone (exhaustive_prediction; "
                         "predict --exhaustive)")
    if output_bits > enumeration.output_bits:
        raise ValueError(f"the enumeration ran programs to {enumeration.output_bits} output bits; "
                         f"{output_bits} are needed (enumerate again with more output_bits)")
    leaves = enumeration.leaves
    cells = (len(leaves["length"]) + len(named)) * output_bits
    if cells > MAX_POOL_CELLS:   # checked before anything of that size is allocated
        raise ValueError(f"the pool would hold {len(leaves['length']) + len(named)} hypotheses x {output_bits} output "
                         f"bits ({cells / 2 ** 30:.1f} GiB, limit {MAX_POOL_CELLS / 2 ** 30:.0f} GiB): enumerate fewer "
                         f"bits or predict a shorter sequence")
    lengths = leaves["length"].astype(np.int64)
    bits = [format(int(b), f"0{int(n)}b") if n else "" for b, n in zip(leaves["bits"], lengths)]
    width = max(int(lengths.max(initial=0)), 1)
    shifts = np.clip(lengths[:, None] - 1 - np.arange(width)[None, :], 0, None)
    matrix = ((leaves["bits"][:, None] >> shifts) & 1).astype(np.uint8)
    matrix[np.arange(width)[None, :] >= lengths[:, None]] = 0
    if hasattr(machine, "run_leaves"):
        batch = machine.run_leaves(matrix, lengths, max_steps=enumeration.max_steps, output_bits=output_bits)
    else:
        results = machine.run_many(bits, max_steps=enumeration.max_steps, output_bits=output_bits)
        rows = np.full((len(results), output_bits), 2, dtype=np.uint8)
        for row, result in zip(rows, results):
            row[: len(result.output)] = bits_to_array(result.output)
        batch = {"status": np.array([int(r.status) for r in results], dtype=np.int64),
                 "steps": np.array([r.steps for r in results], dtype=np.int64), "outputs": rows}
    if not np.array_equal(batch["status"], leaves["status"] % 8):
        raise ValueError("re-running the enumeration's leaves gave different statuses: stale enumeration?")
    mass = [Fraction(1, 2 ** int(n)) for n in lengths]
    labels = [length_band(int(n)) for n in lengths]
    named_flags = [False] * len(bits)
    status, steps = list(batch["status"]), list(batch["steps"])
    outputs = list(batch["outputs"])
    index_of = {b: i for i, b in enumerate(bits)}
    for program in named:
        result = machine.run(program.bits, max_steps=named_max_steps, output_bits=output_bits)
        effective = program.bits[: result.bits_read]
        if len(effective) <= enumeration.max_bits:
            # already a leaf of the enumeration: label it, do not add it again
            leaf = index_of.get(effective)
            if leaf is None:
                raise ValueError(f"{program.name}: its {len(effective)} bits are not a leaf of the enumeration")
            labels[leaf] = program.label
            named_flags[leaf] = True
            continue
        container = index_of.get(effective[: enumeration.max_bits])
        if container is None or status[container] != int(Status.BITS_LIMIT):
            raise ValueError(f"{program.name}: no program-length-limit leaf contains it (stale enumeration?)")
        mass[container] -= Fraction(1, 2 ** len(effective))  # carve its mass out of the leaf
        row = np.full(output_bits, 2, dtype=np.uint8)
        row[: len(result.output)] = bits_to_array(result.output)
        bits.append(effective)
        mass.append(Fraction(1, 2 ** len(effective)))
        labels.append(program.label)
        named_flags.append(True)
        status.append(int(result.status))
        steps.append(result.steps)
        outputs.append(row)
    output_matrix = np.array(outputs, dtype=np.uint8).reshape(len(bits), output_bits)
    output_length = np.where((output_matrix == 2).any(axis=1), np.argmax(output_matrix == 2, axis=1), output_bits)
    pool = HypothesisPool(bits=bits, log2_prior=np.array([_log2(m) for m in mass]),
                          status=np.array(status, dtype=np.int64), steps=np.array(steps, dtype=np.int64),
                          outputs=output_matrix, output_length=output_length.astype(np.int64), label=labels,
                          named=np.array(named_flags), output_bits=output_bits, mass=mass)
    return pool


def _log2(mass: Fraction) -> float:
    if mass <= 0:
        return -math.inf
    return math.log2(mass.numerator) - math.log2(mass.denominator)


@dataclass
class Prediction:
    """Everything the mixture says about one sequence, step by step.

    Arrays are indexed by t = 0..n-1 (the prediction of bit t+1 after seeing t bits), except
    ``class_posterior`` and ``unresolved_posterior`` which have n+1 rows (after 0..n bits).
    """

    sequence: str
    p_next_one: np.ndarray
    p_lower: np.ndarray
    p_upper: np.ndarray
    p_observed: np.ndarray
    p_observed_lower: np.ndarray     # the model-free interval of the probability of the observed bit
    p_observed_upper: np.ndarray
    p_coin_lower: np.ndarray         # the interval under the coin assumption (see ``predict``)
    p_coin_upper: np.ndarray
    unresolved_raw_share: np.ndarray  # the unresolved programs' share of the raw weight in play at t
    log_loss_bits: np.ndarray        # cumulative, after each bit
    squared_error: np.ndarray        # cumulative Σ (1 - P(observed))^2
    classes: list
    class_posterior: np.ndarray      # (n+1, classes)
    unresolved_posterior: np.ndarray  # (n+1,)
    final_posterior: np.ndarray      # per hypothesis, after all n bits
    weighting: Weighting = field(default_factory=Weighting)
    _log2_weight: np.ndarray | None = None
    _agree: np.ndarray | None = None
    _length: np.ndarray | None = None
    _unresolved: np.ndarray | None = None
    _steps: np.ndarray | None = None

    def posterior_after(self, t: int) -> np.ndarray:
        """Posterior mass of every hypothesis after observing the first t bits (unresolved
        hypotheses whose output is a proper prefix of them carry their coin-weighted share)."""
        if not 0 <= t <= len(self.sequence):
            raise ValueError(f"t must be in 0..{len(self.sequence)}, got {t}")
        prefix_unresolved = self._unresolved & (self._agree == self._length) & (self._length < t)
        log2_weight = np.where(self._agree >= t, self._log2_weight, -np.inf)
        owed = self.weighting.steps_still_owed(self._steps, t - self._length)
        log2_weight = np.where(prefix_unresolved, self._log2_weight - owed - (t - self._length).clip(min=0),
                               log2_weight)
        weight = _relative_weights(log2_weight)
        total = weight.sum()
        return weight / total if total > 0 else weight

    def steps_json(self) -> list:
        """Per observed bit x_t (t from 1): {"t", "bit": x_t, "p_next_one": P(x_t = 1 | x_<t),
        "p_lower", "p_upper": its model-free interval, "p_coin_lower", "p_coin_upper": its interval
        under the coin assumption}."""
        return [{"t": t + 1, "bit": int(self.sequence[t]), "p_next_one": float(self.p_next_one[t]),
                 "p_lower": float(self.p_lower[t]), "p_upper": float(self.p_upper[t]),
                 "p_coin_lower": float(self.p_coin_lower[t]), "p_coin_upper": float(self.p_coin_upper[t])}
                for t in range(len(self.sequence))]


def _relative_weights(log2_weight: np.ndarray) -> np.ndarray:
    """2^(log2_weight - max): weights in a common scale (ratios are all the mixture uses), so
    programs thousands of bits long do not underflow to 0 (entries -inf give 0)."""
    finite = log2_weight[np.isfinite(log2_weight)]
    return np.exp2(log2_weight - (finite.max() if finite.size else 0.0))


def agreement(pool: HypothesisPool, sequence: str) -> np.ndarray:
    """For each hypothesis, how many leading bits of its known output agree with the sequence."""
    n = len(sequence)
    x = bits_to_array(sequence)
    if n == 0:
        return np.zeros(pool.size, dtype=np.int64)
    equal = pool.outputs[:, :n] == x[None, :]
    return np.where(equal.all(axis=1), n, np.argmin(equal, axis=1)).astype(np.int64)


def _step(pool: HypothesisPool, t: int, bit: int | None, agree, log2_weight, weighting: Weighting,
          class_index=None, classes: int = 0) -> dict:
    """The mixture after t observed bits (``agree``: each hypothesis's agreement with the sequence),
    and its prediction of bit t (``bit``: the observed one; None after the last bit)."""
    length, unresolved = pool.output_length, pool.unresolved
    consistent = agree >= t
    prefix_unresolved = unresolved & (agree == length) & (length < t)  # known output a proper prefix of x
    waiting = unresolved & (agree == length) & (length <= t)   # output a prefix of x_1..x_t
    if weighting.step_cap is not None:   # exact: writing bits length+1..t+1 takes t+1-length more steps
        waiting = waiting & (pool.steps + (t + 1 - length) <= weighting.step_cap)
    # weights relative to the largest one in play (only ratios matter): the mixture's own
    # weights (coin-discounted for the unresolved) in one scale, the raw ones of the bounds
    # in another, so programs thousands of bits long do not underflow to 0
    log2_owed = log2_weight - weighting.steps_still_owed(pool.steps, t - length)
    log2_coin = log2_owed - (t - length).clip(min=0)
    scaled = _relative_weights(np.where(consistent, log2_weight, np.where(waiting, log2_coin, -np.inf)))
    weight = np.where(consistent, scaled, 0.0)
    coin_weight = np.where(waiting, scaled, 0.0)
    total = weight[consistent].sum() + coin_weight[prefix_unresolved].sum()
    step = {"class_posterior": np.zeros(classes), "unresolved_posterior": 0.0}
    if total > 0 and class_index is not None:
        step["class_posterior"] = np.bincount(class_index[consistent], weights=weight[consistent],
                                              minlength=classes) / total
    if total > 0:
        step["unresolved_posterior"] = coin_weight[prefix_unresolved].sum() / total
        # each hypothesis's posterior after t bits (as Prediction.posterior_after)
        step["posterior"] = np.where(consistent, weight, np.where(prefix_unresolved, coin_weight, 0.0)) / total
    if bit is None:
        return step
    knows_next = consistent & (length > t)
    observed = knows_next & (agree >= t + 1)
    other = knows_next & (agree == t)
    resolved_observed, resolved_other = weight[observed].sum(), weight[other].sum()
    coins = coin_weight[waiting].sum()
    resolved_one, resolved_zero = (resolved_observed, resolved_other) if bit else (resolved_other, resolved_observed)
    denominator = resolved_one + resolved_zero + coins
    raw_weight = _relative_weights(np.where(waiting, log2_owed, np.where(consistent, log2_weight, -np.inf)))
    raw = raw_weight[waiting].sum()
    raw_observed, raw_other = raw_weight[observed].sum(), raw_weight[other].sum()
    raw_one, raw_zero = (raw_observed, raw_other) if bit else (raw_other, raw_observed)
    bound = raw_one + raw_zero + raw
    step.update(
        p_one=(resolved_one + coins / 2) / denominator if denominator > 0 else 0.5,
        coin_low=resolved_one / denominator if denominator > 0 else 0.0,
        coin_high=(resolved_one + coins) / denominator if denominator > 0 else 1.0,
        p_low=raw_one / bound if bound > 0 else 0.0,
        p_high=(raw_one + raw) / bound if bound > 0 else 1.0,
        raw_share=raw / bound if bound > 0 else 1.0,
        observed_low=raw_observed / bound if bound > 0 else 0.0,   # exact even when tiny (not 1 - p_high)
        observed_high=(raw_observed + raw) / bound if bound > 0 else 1.0,
        # the observed bit's probability from its own mass, not 1 - P(other bit): below about 1e-16
        # the difference rounds to 0, under its own (exact) lower bound
        p_observed=(resolved_observed + coins / 2) / denominator if denominator > 0 else 0.5)
    return step


def predict_at(pool: HypothesisPool, sequence: str, t: int, weighting: Weighting | None = None) -> dict:
    """What :func:`predict` says of bit t (0-based) of ``sequence`` after its first t bits, computed
    for that bit alone: ``p_one``, ``p_observed`` with its model-free interval (``observed_low``,
    ``observed_high``) and the interval under the coin assumption (``coin_low``, ``coin_high``, of
    P(bit = 1)), ``unresolved_posterior``, and ``posterior``: each hypothesis's posterior after t bits
    (``Prediction.posterior_after(t)``). The same numbers as ``predict(pool, sequence)`` at t."""
    weighting = weighting or Weighting()
    if not 0 <= t < len(sequence):
        raise ValueError(f"t must be in 0..{len(sequence) - 1}, got {t}")
    if t + 1 > pool.output_bits - 1:
        raise ValueError(f"the pool knows outputs to {pool.output_bits} bits; bit {t} needs {t + 2}")
    agree = agreement(pool, sequence[:t + 1])
    return _step(pool, t, int(sequence[t]), agree, weighting.log2_weights(pool.log2_prior, pool.steps), weighting)


def predict(pool: HypothesisPool, sequence: str, weighting: Weighting | None = None) -> Prediction:
    """Run the mixture over ``sequence`` (see the module docstring for the formulas)."""
    weighting = weighting or Weighting()
    n = len(sequence)
    if n > pool.output_bits - 1:
        raise ValueError(f"the pool knows outputs to {pool.output_bits} bits; a sequence of {n} bits needs {n + 1}")
    bits_to_array(sequence)
    log2_weight = weighting.log2_weights(pool.log2_prior, pool.steps)
    agree = agreement(pool, sequence)
    classes = sorted(set(pool.label), key=lambda label: (not label.startswith("enumerated"), label))
    class_index = np.array([classes.index(label) for label in pool.label], dtype=np.int64)
    p_one, p_low, p_high, p_obs, observed_low, observed_high, coin_low, coin_high, raw_share = (
        np.zeros(n) for _ in range(9))
    class_posterior = np.zeros((n + 1, len(classes)))
    unresolved_posterior = np.zeros(n + 1)
    final_posterior = np.zeros(pool.size)
    for t in range(n + 1):
        step = _step(pool, t, int(sequence[t]) if t < n else None, agree, log2_weight, weighting, class_index,
                     len(classes))
        class_posterior[t], unresolved_posterior[t] = step["class_posterior"], step["unresolved_posterior"]
        if t == n:
            break
        p_one[t], p_low[t], p_high[t], coin_low[t], coin_high[t] = (step[k] for k in ("p_one", "p_low", "p_high",
                                                                                        "coin_low", "coin_high"))
        raw_share[t], observed_low[t], observed_high[t], p_obs[t] = (step[k] for k in (
            "raw_share", "observed_low", "observed_high", "p_observed"))
    with np.errstate(divide="ignore"):
        log_loss = np.cumsum(-np.log2(p_obs))
    prediction = Prediction(sequence=sequence, p_next_one=p_one, p_lower=p_low, p_upper=p_high, p_observed=p_obs,
                            p_observed_lower=observed_low, p_observed_upper=observed_high, p_coin_lower=coin_low,
                            p_coin_upper=coin_high, unresolved_raw_share=raw_share,
                            log_loss_bits=log_loss, squared_error=np.cumsum((1 - p_obs) ** 2), classes=classes,
                            class_posterior=class_posterior, unresolved_posterior=unresolved_posterior,
                            final_posterior=final_posterior, weighting=weighting, _log2_weight=log2_weight, _agree=agree,
                            _length=pool.output_length, _unresolved=pool.unresolved, _steps=pool.steps)
    prediction.final_posterior = prediction.posterior_after(n)
    return prediction


def top_hypotheses(pool: HypothesisPool, prediction: Prediction, machine, k: int = 5) -> list:
    """The k hypotheses consistent with the whole sequence (their known output extends it) with
    the largest final posterior, with their disassembly. (The unresolved hypotheses' share is
    ``prediction.unresolved_posterior[-1]``.) ``machine`` (a Machine or its name) disassembles them."""
    from toyinduction.machines import machine as machine_named

    machine = machine_named(machine)
    consistent = prediction._agree >= len(prediction.sequence)
    order = np.argsort(-np.where(consistent, prediction.final_posterior, -1.0), kind="stable")[:k]
    rows = []
    for index in order:
        if not consistent[index] or prediction.final_posterior[index] <= 0:
            break
        output = pool.outputs[index][: pool.output_length[index]]
        rows.append({"posterior": float(prediction.final_posterior[index]), "bits": pool.bits[index],
                     "length": len(pool.bits[index]), "class": pool.label[index],
                     "status": Status(int(pool.status[index])).label, "steps": int(pool.steps[index]),
                     "output": "".join(map(str, output)),
                     "disassembly": machine.disassemble(pool.bits[index])})
    return rows


def predict_next(pool: HypothesisPool, sequence: str, weighting: Weighting | None = None) -> dict:
    """The mixture's prediction of the next, unseen bit x_{n+1} after ``sequence`` = x_1..x_n:
    {"p_next_one", "p_lower", "p_upper"} — P(x_{n+1} = 1 | x) under the coin-flip assumption for
    unresolved programs, and its model-free interval. (The step formulas of ``predict`` never look
    at the bit they predict, so this is step n of a prediction over x followed by any bit.)"""
    n = len(sequence)
    if n + 1 > pool.output_bits - 1:
        raise ValueError(f"the pool knows outputs to {pool.output_bits} bits; predicting bit {n + 1} needs "
                         f"{n + 2}")
    prediction = predict(pool, sequence + "0", weighting)
    return {"p_next_one": float(prediction.p_next_one[n]), "p_lower": float(prediction.p_lower[n]),
            "p_upper": float(prediction.p_upper[n]), "p_coin_lower": float(prediction.p_coin_lower[n]),
            "p_coin_upper": float(prediction.p_coin_upper[n]),
            "unresolved_raw_share": float(prediction.unresolved_raw_share[n])}


def most_probable_continuation(pool: HypothesisPool, sequence: str, bits: int,
                               weighting: Weighting | None = None) -> list:
    """The ``bits`` next bits, each the more probable one given the sequence and the bits chosen
    before it (a greedy continuation), with the probability the mixture gave it and its
    model-free interval: [{"bit", "p", "p_lower", "p_upper"}, ...]."""
    steps, extended = [], sequence
    for _ in range(bits):
        step = predict_next(pool, extended, weighting)
        bit = int(step["p_next_one"] >= 0.5)
        low, high = (step["p_lower"], step["p_upper"]) if bit else (1 - step["p_upper"], 1 - step["p_lower"])
        steps.append({"bit": bit, "p": step["p_next_one"] if bit else 1 - step["p_next_one"],
                      "p_lower": low, "p_upper": high})
        extended += str(bit)
    return steps
