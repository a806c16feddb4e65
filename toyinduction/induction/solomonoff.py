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

import numpy as np

from toyinduction import validate
from toyinduction.core import bit_sequence, bits_to_array, names_a_file
from toyinduction.machines import bits_machine
from toyinduction.engine.progress import reporter
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
    #: Shipped programs the advice looked at that do not assemble in this machine (skipped, never fatal).
    skipped_programs: list = field(default_factory=list)

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
        if self.skipped_programs:
            document["skipped_programs"] = list(self.skipped_programs)
        return document

    def why_wide(self) -> str:
        """One sentence on the model-free interval of the next bit: how much of the weight in play
        sits on programs that could still write anything."""
        return (f"{self.unresolved_raw_share:.4g} of the prior weight still in play sits on programs stopped at a "
                f"step or length limit before writing bit {len(self.sequence) + 1}; they could write anything, "
                f"so the model-free interval spans their share")

    def _repr_html_(self) -> str:
        """The forecast as a notebook shows it: the table ``toyinduction predict`` prints (every
        bit's probability and model-free interval; the first and last 16 of a long sequence), the
        next bit with both intervals, the continuation and the top hypotheses."""
        from html import escape

        def cell(value, tag="td"):
            return f"<{tag}>{escape(str(value))}</{tag}>"

        rows = self.prediction.steps_json()
        shown = rows if len(rows) <= 40 else rows[:16] + [None] + rows[-16:]
        header = "".join(cell(name, "th") for name in ("t", "x_t", "P(x_t = 1 | x_<t)", "model-free interval",
                                                        "coin-assumption interval"))
        body = []
        for row in shown:
            if row is None:
                body.append(f"<tr><td colspan='5'>… {len(rows) - 32} more bits …</td></tr>")
                continue
            body.append("<tr>" + cell(row["t"]) + cell(row["bit"]) + cell(f"{row['p_next_one']:.4f}")
                        + cell(f"[{row['p_lower']:.4f}, {row['p_upper']:.4f}]")
                        + cell(f"[{row['p_coin_lower']:.4f}, {row['p_coin_upper']:.4f}]") + "</tr>")
        n = len(self.sequence) + 1
        body.append("<tr style='font-weight:bold'>" + cell(n) + cell("?") + cell(f"{self.p_next_one:.4f}")
                    + cell(f"[{self.p_lower:.4f}, {self.p_upper:.4f}]")
                    + cell(f"[{self.p_coin_lower:.4f}, {self.p_coin_upper:.4f}]") + "</tr>")
        continuation = "".join(str(step["bit"]) for step in self.continuation)
        hypotheses = "".join(
            f"<li>posterior {hypothesis['posterior']:.4g}, {hypothesis['length']} bits, "
            f"{escape(str(hypothesis['class']))} ({escape(str(hypothesis['status']))}): "
            f"<code>{escape(' '.join(hypothesis['disassembly'].split())[:120])}</code></li>"
            for hypothesis in self.top_hypotheses)
        notes = [f"log-loss: mixture {self.log_loss_bits:.2f} bits; " + ", ".join(
                     f"{escape(name)} {value:.2f}" for name, value in self.baselines_log_loss_bits.items()),
                 f"posterior mass of unresolved programs: {self.unresolved_posterior:.4f}"]
        if continuation:
            notes.append(f"most probable continuation: <code>{continuation}</code>")
        if self.advice is not None:
            notes.append(escape(self.advice))
        return (f"<div><p><b>Forecast of {len(self.sequence)} bits</b> by the mixture over "
                f"{escape(self.mixture.machine.name)} programs up to {self.mixture.max_bits} bits "
                f"({self.pool.size} hypotheses): P(x_{n} = 1) = {self.p_next_one:.4f}</p>"
                f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>"
                f"<p>{'<br>'.join(notes)}</p>" + (f"<ul>{hypotheses}</ul>" if hypotheses else "") + "</div>")

    def __repr__(self) -> str:
        return (f"<Forecast of {len(self.sequence)} bits: P(x_{len(self.sequence) + 1} = 1) = {self.p_next_one:.4f} "
                f"in [{self.p_lower:.4f}, {self.p_upper:.4f}], continuation "
                f"{''.join(str(step['bit']) for step in self.continuation)}>")


class Mixture:
    """The Solomonoff mixture over every program of ``machine`` up to ``max_bits`` bits, plus
    named ``programs`` (assembly files, :class:`NamedProgram` objects, or bit strings), weighted
    2^-length — or 2^-(length + speed·log2 steps) with a ``speed`` prior, and weight 0 past
    ``step_cap`` steps. The enumeration is computed on first use (from ``store`` if it has it),
    on ``workers`` threads (default: all cores, as on the command line), with a progress bar in a
    terminal or a notebook (``progress=False`` silences it; a callable ``progress(done, total)``
    is called instead). Every value is checked as ``toyinduction predict`` checks its options
    (:mod:`toyinduction.validate`), with the same messages."""

    def __init__(self, machine="toy", max_bits: int = 20, *, max_steps: int = 1000, programs=(), store=None,
                 workers: int = validate.DEFAULT_WORKERS, speed: float = 0.0, step_cap: int | None = None,
                 progress=True):
        self.machine = bits_machine(machine)
        self.max_bits, self.max_steps = validate.MIXTURE_MAX_BITS(max_bits), validate.MAX_STEPS(max_steps)
        self.store, self.workers = store, validate.WORKERS(workers)
        self.progress = progress
        self.weighting = Weighting(speed=validate.SPEED(speed), step_cap=validate.STEP_CAP(step_cap))
        programs = [bit_sequence(value) if isinstance(value, (list, tuple, np.ndarray)) else value
                    for value in programs]
        self.named = [self._named(value, index) for index, value in enumerate(dict.fromkeys(programs))]
        self._pools: dict = {}
        #: Shipped programs the last advice skipped (they do not assemble in this machine).
        self.skipped_programs: list = []

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
            progress = reporter(self.progress, f"enumerating {self.machine.name} programs up to {self.max_bits} bits",
                                "chunks")
            enumeration = self.machine.enumerate(self.max_bits, max_steps=self.max_steps, output_bits=output_bits,
                                                 store=self.store, workers=self.workers, progress=progress,
                                                 keep_leaves=4_000_000)
            self._pools = {output_bits: (enumeration, build_pool(self.machine, enumeration, output_bits, self.named,
                                                                 named_max_steps=max(self.max_steps, 10 ** 7)))}
        return self._pools[output_bits]

    def predict(self, sequence, *, continue_bits: int = 8, top: int = 5) -> Forecast:
        """Predict every bit of ``sequence`` (a string of 0 and 1, a list of 0/1 or a numpy array),
        the next, unseen bit, and ``continue_bits`` more; ``top``: how many hypotheses to name."""
        sequence = bit_sequence(sequence)
        continue_bits, top = validate.CONTINUE_BITS(continue_bits), validate.TOP(top)
        longest = validate.OUTPUT_BITS.high - continue_bits - 2
        if len(sequence) > longest:
            raise ValueError(f"the sequence has {len(sequence)} bits; a mixture predicts at most {longest} "
                             f"(with {continue_bits} bits of continuation)")
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
                        mixture=self, pool=pool, enumeration=enumeration,
                        skipped_programs=list(self.skipped_programs) if unresolved > UNEXPLAINED else [])

    def advice(self, sequence: str, unresolved: float) -> str:
        """What to do when the pool cannot explain the data (most posterior mass on programs
        stopped at a step or length limit), naming the shortest shipped program that writes it.
        Shipped programs that do not assemble in this machine (a variant without ``eval``) are
        skipped; their names are left in :attr:`skipped_programs`."""
        from toyinduction.machines.shipped import assembled_programs

        text = (f"the pool cannot explain these bits: {unresolved:.2f} of the posterior sits on programs stopped at "
                f"a step or length limit (their next bits are unknown). Enumerate more (max_bits above "
                f"{self.max_bits}, more max_steps) or add a named program that writes the sequence")
        writers = []
        programs, skipped = assembled_programs(self.machine)
        self.skipped_programs = [name for name, _ in skipped]
        for path, code in programs:
            if self.machine.run(code, max_steps=10 ** 6, output_bits=len(sequence)).output == sequence:
                writers.append((len(code), path.name))
        if writers:
            length, name = min(writers)
            text += f"; the shortest shipped program that writes them is {name} ({length} bits)"
        return text + "."

    def __repr__(self) -> str:
        return (f"<Mixture over {self.machine.name} programs up to {self.max_bits} bits, {self.max_steps} steps, "
                f"{len(self.named)} named>")

