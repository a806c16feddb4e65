"""Solomonoff induction in one object: a :class:`Mixture` over a machine's programs, and the
:class:`Forecast` it gives for a sequence.

    >>> import toyinduction as ti
    >>> mix = ti.Mixture("toy", max_bits=16)
    >>> forecast = mix.predict("0101010101")
    >>> forecast.p_next_one < 0.5
    True

The mixture is every program of up to ``max_bits`` bits (an exhaustive enumeration, kept in the
run store when one is given) plus any named programs, each weighted 2^-length (or by a speed
prior); :meth:`Mixture.predict` conditions it on the sequence and predicts every bit, the next,
unseen one and the most probable continuation, each with its model-free interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toyinduction.core import bits_to_array, names_a_file
from toyinduction.induction.baselines import BASELINES, log_loss
from toyinduction.induction.mixture import (STEPS_MEANING, NamedProgram, Prediction, Weighting, build_pool,
                                            most_probable_continuation, predict, predict_next, top_hypotheses)

#: Unresolved posterior above which a forecast says the pool cannot explain the data.
UNEXPLAINED = 0.5


@dataclass
class Forecast:
    """What a :class:`Mixture` says about one sequence x = x_1..x_n.

    ``prediction`` holds every step (P(x_t = 1 | x_<t) with its model-free interval, the
    posterior by class); ``p_next_one``, ``p_lower``, ``p_upper`` (the model-free interval) and
    ``p_coin_lower``, ``p_coin_upper`` (the interval under the coin assumption) are for the next,
    unseen bit x_{n+1}; ``continuation`` is the most probable next bits, each with its probability.
    """

    sequence: str
    prediction: Prediction
    p_next_one: float
    p_lower: float
    p_upper: float
    p_coin_lower: float
    p_coin_upper: float
    unresolved_raw_share: float
    continuation: list
    top_hypotheses: list
    log_loss_bits: float
    baselines_log_loss_bits: dict
    unresolved_posterior: float
    advice: str | None
    mixture: "Mixture" = field(repr=False)
    pool: object = field(repr=False)
    enumeration: object = field(repr=False)

    def to_json(self) -> dict:
        """Plain data, as ``toyinduction predict --json`` prints it."""
        document = {"sequence": self.sequence, "steps_meaning": STEPS_MEANING, "steps": self.prediction.steps_json(),
                    "log_loss_bits": self.log_loss_bits, "baselines_log_loss_bits": self.baselines_log_loss_bits,
                    "top_hypotheses": self.top_hypotheses, "unresolved_posterior": self.unresolved_posterior,
                    "next": {"p_next_one": self.p_next_one, "p_lower": self.p_lower, "p_upper": self.p_upper,
                             "p_coin_lower": self.p_coin_lower, "p_coin_upper": self.p_coin_upper,
                             "unresolved_raw_share": self.unresolved_raw_share},
                    "why_the_interval_is_wide": self.why_wide(),
                    "continuation": "".join(str(step["bit"]) for step in self.continuation),
                    "continuation_steps": self.continuation, "pool_size": self.pool.size,
                    "enumeration_loaded_from_store": bool(getattr(self.enumeration, "loaded", False))}
        if self.advice is not None:
            document["advice"] = self.advice
        return document

    def why_wide(self) -> str:
        """One sentence on the model-free interval of the next bit: how much of the weight in play
        sits on programs that could still write anything."""
        return (f"{self.unresolved_raw_share:.4g} of the prior weight still in play sits on programs stopped at a "
                f"step or length limit before writing bit {len(self.sequence) + 1}; they could write anything, "
                f"so the model-free interval spans their share")

    def __repr__(self) -> str:
        return (f"<Forecast of {len(self.sequence)} bits: P(x_{len(self.sequence) + 1} = 1) = {self.p_next_one:.4f} "
                f"in [{self.p_lower:.4f}, {self.p_upper:.4f}], continuation "
                f"{''.join(str(step['bit']) for step in self.continuation)}>")


class Mixture:
    """The Solomonoff mixture over every program of ``machine`` up to ``max_bits`` bits, plus
    named ``programs`` (assembly files, :class:`NamedProgram` objects, or bit strings), weighted
    2^-length — or 2^-(length + speed·log2 steps) with a ``speed`` prior, and weight 0 past
    ``step_cap`` steps. The enumeration is computed on first use (from ``store`` if it has it)."""

    def __init__(self, machine="toy", max_bits: int = 20, *, max_steps: int = 1000, programs=(), store=None,
                 workers: int = 1, speed: float = 0.0, step_cap: int | None = None, progress=None):
        from toyinduction.machines import machine as machine_named

        self.machine = machine_named(machine)
        self.max_bits, self.max_steps, self.store, self.workers, self.progress = (max_bits, max_steps, store,
                                                                                   workers, progress)
        self.weighting = Weighting(speed=speed, step_cap=step_cap)
        self.named = [self._named(value, index) for index, value in enumerate(dict.fromkeys(programs))]
        self._pools: dict = {}

    def _named(self, value, index: int) -> NamedProgram:
        """A named program from a NamedProgram, an assembly file, a file of bits or a bit string."""
        if isinstance(value, NamedProgram):
            return value
        from toyinduction.machines.shipped import shipped_program

        text, path = str(value), Path(str(value))
        if not names_a_file(path) and shipped_program(text) is not None:   # a shipped program by its name
            path = shipped_program(text)
        if text.endswith(self.machine.source_suffix) or (names_a_file(path) and path.suffix == self.machine.source_suffix):
            return NamedProgram.from_file(path, self.machine)
        if names_a_file(path):
            text = "".join(path.read_text().split())
        bits_to_array(text)
        if not text:
            raise ValueError(f"named program {index} is empty")
        return NamedProgram(f"program {index}", text, f"named program {index} ({len(text)} bits)")

    def pool(self, output_bits: int):
        """(enumeration, hypothesis pool) with every run known to ``output_bits`` output bits."""
        if output_bits not in self._pools:
            enumeration = self.machine.enumerate(self.max_bits, max_steps=self.max_steps, output_bits=output_bits,
                                                 store=self.store, workers=self.workers, progress=self.progress,
                                                 keep_leaves=4_000_000)
            self._pools = {output_bits: (enumeration, build_pool(self.machine, enumeration, output_bits, self.named,
                                                                 named_max_steps=max(self.max_steps, 10 ** 7)))}
        return self._pools[output_bits]

    def predict(self, sequence: str, *, continue_bits: int = 8, top: int = 5) -> Forecast:
        """Predict every bit of ``sequence``, the next, unseen bit, and ``continue_bits`` more."""
        bits_to_array(sequence)
        if not sequence:
            raise ValueError("empty sequence: give at least one bit")
        enumeration, pool = self.pool(len(sequence) + continue_bits + 2)
        prediction = predict(pool, sequence, self.weighting)
        upcoming = predict_next(pool, sequence, self.weighting)
        unresolved = float(prediction.unresolved_posterior[-1])
        return Forecast(sequence=sequence, prediction=prediction, p_next_one=upcoming["p_next_one"],
                        p_lower=upcoming["p_lower"], p_upper=upcoming["p_upper"],
                        p_coin_lower=upcoming["p_coin_lower"], p_coin_upper=upcoming["p_coin_upper"],
                        unresolved_raw_share=upcoming["unresolved_raw_share"],
                        continuation=most_probable_continuation(pool, sequence, continue_bits, self.weighting),
                        top_hypotheses=top_hypotheses(pool, prediction, self.machine, top),
                        log_loss_bits=float(prediction.log_loss_bits[-1]),
                        baselines_log_loss_bits={name: log_loss(function(sequence))
                                                 for name, function in BASELINES.items()},
                        unresolved_posterior=unresolved,
                        advice=self.advice(sequence, unresolved) if unresolved > UNEXPLAINED else None,
                        mixture=self, pool=pool, enumeration=enumeration)

    def advice(self, sequence: str, unresolved: float) -> str:
        """What to do when the pool cannot explain the data (most posterior mass on programs
        stopped at a step or length limit), naming the shortest shipped program that writes it."""
        from toyinduction.machines.shipped import program_files

        text = (f"the pool cannot explain these bits: {unresolved:.2f} of the posterior sits on programs stopped at "
                f"a step or length limit (their next bits are unknown). Enumerate more (max_bits above "
                f"{self.max_bits}, more max_steps) or add a named program that writes the sequence")
        writers = []
        for path in program_files(suffix=self.machine.source_suffix):
            code = self.machine.assemble_file(path)
            if self.machine.run(code, max_steps=10 ** 6, output_bits=len(sequence)).output == sequence:
                writers.append((len(code), path.name))
        if writers:
            length, name = min(writers)
            text += f"; the shortest shipped program that writes them is {name} ({length} bits)"
        return text + "."

    def __repr__(self) -> str:
        return (f"<Mixture over {self.machine.name} programs up to {self.max_bits} bits, {self.max_steps} steps, "
                f"{len(self.named)} named>")

