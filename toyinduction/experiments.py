"""Reproducible experiments, each writing JSON and figures into an output directory.

``solomonoff-basics``: the mixture over every toy program up to L bits (plus the programs in
programs/ by name) predicting eight sequences — deterministic computable ones written by
programs in programs/, and one pseudo-random stream from Python's generator that no short
program in the pool writes. For each: convergence, log-loss against the baselines, and, for
the computable ones, the cumulative squared error against Solomonoff's bound (ln 2 / 2)·K(μ)
with K(μ) the length of the generating program.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np

from .baselines import BASELINES, ctw, log_loss
from .enumeration import enumerate_or_load
from .interpreter import run
from .language import TOY, Language
from .posterior import NamedProgram, build_pool, predict, top_hypotheses
from .programs import program_files, programs_dir

#: (name, generating program in programs/ or None for Python's pseudo-random generator)
BASIC_SEQUENCES = (
    ("constant", "constant.toy"),
    ("periodic (001)", "period3.toy"),
    ("Thue-Morse", "thue_morse.toy"),
    ("Fibonacci word", "fibonacci_word.toy"),
    ("primes indicator", "primes.toy"),
    ("rule 30 column (200-cell ring)", "eca_rule30.toy"),
    ("hash stream (program output)", "hash_stream.toy"),
    ("pseudo-random (Python, seed 2026)", None),
)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_").replace("__", "_")


def solomonoff_basics(out_dir="solomonoff-basics-out", language: Language = TOY, max_bits: int = 20,
                      max_steps: int = 1000, length: int = 448, ctw_depth: int = 8, store=None, workers: int = 2,
                      gif: bool = True, progress=None) -> dict:
    """Run the experiment; write results.json, table.md and figures into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    enumeration, loaded = enumerate_or_load(language, max_bits, max_steps, length + 1, store, workers=workers,
                                            keep_leaves=2_000_000)
    named = [NamedProgram.from_file(path, language) for path in program_files()]
    pool = build_pool(language, enumeration, length + 1, named)
    from . import plots

    figures = [str(p) for p in plots.plot_prior_by_length(enumeration, out / "prior_by_length")]
    rows, details = [], {}
    for index, (name, source) in enumerate(BASIC_SEQUENCES):
        if source is None:
            rng = random.Random(2026)
            sequence, generator_bits = "".join(rng.choice("01") for _ in range(length)), None
        else:
            program = NamedProgram.from_file(programs_dir() / source, language)
            result = run(language, program.bits, 100_000_000, length)
            if len(result.output) < length:
                raise ValueError(f"{source} wrote only {len(result.output)} bits")
            sequence, generator_bits = result.output, len(program.bits[: result.bits_read])
        prediction = predict(pool, sequence)
        baseline_probabilities = {key: (ctw(sequence, ctw_depth) if key == "ctw" else function(sequence))
                                  for key, function in BASELINES.items()}
        bound = math.log(2) / 2 * generator_bits if generator_bits else None
        squared_error = float(prediction.squared_error[-1])
        row = {"sequence": name, "generator": source, "K_bits": generator_bits, "length": length,
               "mixture_log_loss_bits": float(prediction.log_loss_bits[-1]),
               **{f"{key}_log_loss_bits": log_loss(p) for key, p in baseline_probabilities.items()},
               "squared_error_sum": squared_error, "solomonoff_bound": bound,
               "bound_holds": (squared_error <= bound) if bound is not None else None,
               "final_p_observed": float(prediction.p_observed[-1])}
        rows.append(row)
        slug = _slug(name)
        baselines_named = {f"{key}" + (f" (depth {ctw_depth})" if key == "ctw" else ""): p
                           for key, p in baseline_probabilities.items()}
        figures += map(str, plots.plot_posterior(prediction, out / f"{slug}_posterior",
                                        f"Posterior mass by class while observing: {name}"))
        figures += map(str, plots.plot_observed_probability(prediction, baselines_named, out / f"{slug}_probability",
                                                   f"Probability given to each observed bit: {name}"))
        figures += map(str, plots.plot_log_loss(prediction, baselines_named, out / f"{slug}_log_loss",
                                       f"Cumulative log-loss: {name}"))
        if gif and source == "primes.toy":
            figures.append(str(plots.animate_posterior(prediction, out / f"{slug}_posterior.gif",
                                                       f"Posterior mass by class: {name}")))
        details[name] = {"sequence": sequence, "steps": prediction.steps_json(),
                         "log_loss_bits": prediction.log_loss_bits.tolist(),
                         "squared_error": prediction.squared_error.tolist(),
                         "top_hypotheses": top_hypotheses(pool, prediction, language, 3)}
        if progress is not None:
            progress(index + 1, len(BASIC_SEQUENCES))
    document = {"experiment": "solomonoff-basics", "language": language.name, "spec_hash": language.spec_hash,
                "max_bits": max_bits, "max_steps": max_steps, "length": length, "ctw_depth": ctw_depth,
                "pool_size": pool.size, "pool_prior_mass": str(pool.prior_mass()),
                "enumeration_loaded_from_store": loaded, "table": rows, "sequences": details, "figures": figures}
    (out / "results.json").write_text(json.dumps(document, indent=1))
    (out / "table.md").write_text(table_markdown(rows))
    return document


def table_markdown(rows) -> str:
    """The log-loss and bound table as Markdown."""
    lines = ["| sequence | K(μ) bits | mixture | KT | Laplace | CTW | LZ78 | Σ squared error | (ln 2/2)·K | holds |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in rows:
        bound = f"{row['solomonoff_bound']:.1f}" if row["solomonoff_bound"] is not None else "—"
        holds = {True: "yes", False: "**no**", None: "—"}[row["bound_holds"]]
        lines.append(f"| {row['sequence']} | {row['K_bits'] or '—'} | {row['mixture_log_loss_bits']:.1f} | "
                     f"{row['kt_log_loss_bits']:.1f} | {row['laplace_log_loss_bits']:.1f} | "
                     f"{row['ctw_log_loss_bits']:.1f} | {row['lz78_log_loss_bits']:.1f} | "
                     f"{row['squared_error_sum']:.2f} | {bound} | {holds} |")
    return "\n".join(lines) + "\n"


EXPERIMENTS = {"solomonoff-basics": solomonoff_basics}


def finite(values) -> bool:
    """True if every value is a finite number."""
    return bool(np.all(np.isfinite(np.asarray(values, dtype=float))))
