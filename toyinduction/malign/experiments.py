"""Reproducible experiments: each computes an :class:`ExperimentResult`, which writes its
results.json, table.md and figures only when asked (:meth:`ExperimentResult.write`).

``solomonoff-basics``: the mixture over every toy program up to L bits (plus the programs in
programs/ by name) predicting eight sequences — deterministic computable ones written by
programs in programs/, and one pseudo-random stream from Python's generator that no short
program in the pool writes. For each: convergence, log-loss against the baselines, and, for
the computable ones, the cumulative squared error against Solomonoff's bound (ln 2 / 2)·K(μ)
with K(μ) the length of the generating program.

The malign-prior experiments (``takeover``, ``phase-diagram``, ``speed-prior``,
``importance-pointer``, ``rivals``, ``census``, ``lexical-update``) measure the demo's world
(:mod:`toyinduction.malign.demo`) under one critique each.

:func:`experiment` runs one by name: it computes, then (unless ``write=False``) writes into
``./NAME-out`` or the folder given, and returns the result.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from toyinduction.induction.baselines import BASELINES, ctw, log_loss
from toyinduction.machines import machine as machine_named
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import TOY
from toyinduction.induction.mixture import NamedProgram, build_pool, predict, top_hypotheses
from toyinduction.machines.shipped import program_files, programs_dir


@dataclass
class ExperimentResult:
    """What an experiment computed; nothing of it is on disk until :meth:`write`.

    ``name``: the experiment's name; ``document``: its JSON-able results (what results.json
    holds; its ``figures`` lists the figure files :meth:`write` makes, relative to the output
    folder); ``table``: the result table as Markdown (table.md, what the command prints);
    ``figures``: file stem -> a function that draws the figure and returns it (a matplotlib
    figure, saved as PNG and SVG); ``animations``: file name -> a function that writes that
    animation to the path it is given and returns the path.
    """

    name: str
    document: dict
    table: str
    figures: dict = field(default_factory=dict)
    animations: dict = field(default_factory=dict)

    def figure_files(self) -> list:
        """The figure files :meth:`write` makes, relative to the output folder."""
        return [f"{stem}{suffix}" for stem in self.figures for suffix in (".png", ".svg")] + list(self.animations)

    def write(self, out_dir=None) -> list:
        """Write results.json, table.md and the figures into ``out_dir`` (default ``./NAME-out``,
        created if missing); returns the paths written, results.json and table.md first."""
        from toyinduction import plots

        out = Path(out_dir if out_dir is not None else f"{self.name}-out")
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "results.json", out / "table.md"]
        paths[0].write_text(json.dumps(self.document, indent=1))
        paths[1].write_text(self.table)
        for stem, draw in self.figures.items():
            paths += plots.save(draw(), out / stem)
        for name, animate in self.animations.items():
            paths.append(Path(animate(out / name)))
        return paths

    def __repr__(self) -> str:
        return (f"<ExperimentResult {self.name}: {len(self.table.splitlines())} table lines, "
                f"{len(self.figures)} figures>")


def _result(name: str, document: dict, table: str, figures: dict, animations: dict | None = None) -> ExperimentResult:
    """An ExperimentResult whose document lists the figure files it will write."""
    result = ExperimentResult(name, document, table, figures, animations or {})
    document["figures"] = result.figure_files()
    return result


def _markdown(header, rows) -> str:
    """A Markdown table from a header and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]) + "\n"


def _share(x: float) -> str:
    """A share in a table: 4 significant digits, or 1 − ε when it is that close to 1."""
    return f"1 − {1 - x:.2g}" if 0.9999 < x < 1 else f"{x:.4g}"


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


def solomonoff_basics(machine="toy", max_bits: int = 20, max_steps: int = 1000, length: int = 448,
                      ctw_depth: int = 8, store=None, workers: int = 2, gif: bool = True,
                      progress=None) -> ExperimentResult:
    """The mixture over every program of ``machine`` up to ``max_bits`` bits plus the shipped
    programs, predicting the eight :data:`BASIC_SEQUENCES` (``length`` bits each) against the
    baselines (CTW of depth ``ctw_depth``); figures per sequence, and (``gif``) an animation of
    the primes posterior. Computes; writes nothing."""
    from toyinduction import plots

    if length < 1 or ctw_depth < 0:
        raise ValueError(f"solomonoff-basics needs length >= 1 and ctw_depth >= 0, got {length} and {ctw_depth}")
    chosen = machine_named(machine)
    enumeration = chosen.enumerate(max_bits, max_steps=max_steps, output_bits=length + 1, store=store,
                                   workers=workers, keep_leaves=2_000_000)
    loaded = enumeration.loaded
    named = [NamedProgram.from_file(path, chosen) for path in program_files()]
    pool = build_pool(chosen, enumeration, length + 1, named)
    figures = {"prior_by_length": lambda: plots.prior_by_length_figure(enumeration)}
    animations = {}
    rows, details = [], {}
    for index, (name, source) in enumerate(BASIC_SEQUENCES):
        if source is None:
            rng = random.Random(2026)
            sequence, generator_bits = "".join(rng.choice("01") for _ in range(length)), None
        else:
            program = NamedProgram.from_file(programs_dir() / source, chosen)
            result = chosen.run(program.bits, max_steps=100_000_000, output_bits=length)
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
        figures.update({
            f"{slug}_posterior": lambda p=prediction, n=name: plots.posterior_figure(
                p, f"Posterior mass by class while observing: {n}"),
            f"{slug}_probability": lambda p=prediction, b=baselines_named, n=name: plots.observed_probability_figure(
                p, b, f"Probability given to each observed bit: {n}"),
            f"{slug}_log_loss": lambda p=prediction, b=baselines_named, n=name: plots.log_loss_figure(
                p, b, f"Cumulative log-loss: {n}")})
        if gif and source == "primes.toy":
            animations[f"{slug}_posterior.gif"] = lambda path, p=prediction, n=name: plots.animate_posterior(
                p, path, f"Posterior mass by class: {n}")
        details[name] = {"sequence": sequence, "steps": prediction.steps_json(),
                         "log_loss_bits": prediction.log_loss_bits.tolist(),
                         "squared_error": prediction.squared_error.tolist(),
                         "top_hypotheses": top_hypotheses(pool, prediction, chosen, 3)}
        if progress is not None:
            progress(index + 1, len(BASIC_SEQUENCES))
    document = {"experiment": "solomonoff-basics", "language": chosen.name, "spec_hash": chosen.spec_hash,
                "max_bits": max_bits, "max_steps": max_steps, "length": length, "ctw_depth": ctw_depth,
                "pool_size": pool.size, "pool_prior_mass": str(pool.prior_mass()),
                "enumeration_loaded_from_store": loaded, "table": rows, "sequences": details}
    return _result("solomonoff-basics", document, table_markdown(rows), figures, animations)


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


# ---------------------------------------------------------------------------------------------
# The malign-prior experiments.
# ---------------------------------------------------------------------------------------------
def _demo_rows(report):
    return [{key: row[key] for key in ("name", "K_H", "K_M", "delta_bits", "predicted_share", "measured_share",
                                       "honest_share", "unresolved_share", "honest_bit_probability")}
            for row in report["targets"]]


def _consequentialist_colour(index: int = 0, count: int = 1) -> str:
    """A consequentialist red from the palette (the ``index``-th of ``count`` shades)."""
    from toyinduction.plots.palette import class_colours

    names = [f"consequentialist {i}" for i in range(count)]
    return class_colours(names)[names[index]]


#: the bridge readers: every honest program except the importance pointer (the premise that
#: honest programs cannot reuse the consequentialists' search)
READERS = ("world_honest.toy", "world_honest_flag.toy", "world_honest_civ.toy", "world_leaf_literal.toy")
CHEAPEST_M = ("world_guided_one.toy",)
#: the consequentialists that read their region as data (one code for every target): the experiments'
GUIDED = ("world_guided_flip.toy", "world_guided_first.toy", "world_guided_one.toy", "world_guided_zero.toy",
          "world_guided_ones.toy")


def run_demo_quiet(**options) -> dict:
    """The demo's measurement without premises, figures or files (the experiments make their
    own): the report's plain data (with its ``internals`` when ``keep=True``)."""
    from toyinduction.malign.demo import run_demo

    options.setdefault("premises", None)
    options.setdefault("progress", None)   # the experiment reports its own progress
    options.setdefault("told", ())     # the ledger sweeps compare bridge readers with one consequentialist
    options.setdefault("found", ())    # and not the programs the pool search found for the demo's world
    return run_demo(figures=False, write=False, **options)


def takeover(depths=tuple(range(8, 60, 4)), seed: int = 2026, max_bits: int = 14, max_steps: int = 1000,
             store=None, workers: int = 2, progress=None) -> ExperimentResult:
    """(a) Under the no-pointer premise (bridge readers only) the cheapest consequentialist's share
    at the first decision point against Δ, by varying the honest bridge (the tree's depth): the
    measured points against the curve 1/(1+2^Δ). Computes; writes nothing."""
    if not depths:
        raise ValueError("takeover needs at least one depth")
    rows = []
    for index, depth in enumerate(depths):
        report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth, targets=2,
                                controls=0, max_bits=max_bits, honest=READERS, consequentialists=CHEAPEST_M)
        rows += [dict(row, depth=depth) for row in _demo_rows(report)]
        if progress is not None:
            progress(index + 1, len(depths))
    crossing = min(rows, key=lambda r: abs(r["delta_bits"]))
    document = {"experiment": "takeover", "seed": seed, "rows": rows,
                "max_abs_error": max(abs(r["measured_share"] - r["predicted_share"]) for r in rows),
                "depth_nearest_crossing": crossing["depth"]}
    table = _markdown(("depth d", "target", "K_H", "K_M", "Δ = K_M − K_H", "predicted 1/(1+2^Δ)", "measured share",
                       "|error|"),
                      [(r["depth"], r["name"], f"{r['K_H']:.2f}", f"{r['K_M']:.2f}", f"{r['delta_bits']:.2f}",
                        _share(r["predicted_share"]), _share(r["measured_share"]),
                        f"{abs(r['measured_share'] - r['predicted_share']):.1g}") for r in rows])
    table += (f"\nmax |measured − predicted| {document['max_abs_error']:.2g}; Δ nearest 0 at d = "
              f"{crossing['depth']} (Δ = {crossing['delta_bits']:.2f})\n")
    return _result("takeover", document, table, {"takeover": lambda: _takeover_figure(rows)})


def _takeover_figure(rows):
    import matplotlib.pyplot as plt
    from toyinduction import plots

    figure, axes = plt.subplots(figsize=(8, 4.5))
    deltas = np.linspace(min(r["delta_bits"] for r in rows) - 4, max(r["delta_bits"] for r in rows) + 4, 400)
    axes.plot(deltas, 1 / (1 + 2.0 ** deltas), color="black", linewidth=1,
              label="predicted from the lengths: 1 / (1 + 2^Δ)")
    names = list(dict.fromkeys(r["name"] for r in rows))
    red = _consequentialist_colour()
    for index, name in enumerate(names):        # targets at one depth coincide: a ring and a dot
        mine = [r for r in rows if r["name"] == name]
        style = dict(marker="o", linestyle="none", markersize=9, markerfacecolor="none", markeredgecolor=red,
                     markeredgewidth=1.5) if index == 0 else dict(marker="o", linestyle="none", markersize=4,
                                                                 color=red)
        axes.plot([r["delta_bits"] for r in mine], [r["measured_share"] for r in mine], label=f"measured: {name}",
                  **style)
    axes.axvline(0, color="grey", linestyle=":", label="Δ = 0")
    for row in [r for r in rows if r["name"] == names[0]][::2]:
        axes.annotate(f"d={row['depth']}", (row["delta_bits"], row["measured_share"]), fontsize=7,
                      textcoords="offset points", xytext=(4, 4))
    plots.decorate(figure, axes, "Takeover against the honest bridge: consequentialists' share at the first question",
                   "Δ = K_M − K_H (bits); the honest bridge is d path bits", "posterior share of the consequentialists")
    return figure


def importance_pointer(seed: int = 2026, depth: int = 84, max_bits: int = 16, max_steps: int = 1000, store=None,
                       workers: int = 2, progress=None) -> ExperimentResult:
    """(d) The honest importance pointers (the consequentialists' search without any deviation, and
    the same up to its first answer): for each consequentialist alone, its share at the first
    question with only the bridge readers in the pool, and with the pointers added; the price of
    malice |M| − |shortest pointer| decides which side it falls on. Computes; writes nothing."""
    from toyinduction.malign.world import POINTERS

    results = {}
    for index, file in enumerate(GUIDED):
        entry = {}
        for label, honest in (("without the pointer", READERS), ("with the pointer", READERS + POINTERS)):
            report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth,
                                    targets=4, controls=0, max_bits=max_bits, honest=honest,
                                    consequentialists=(file,))
            entry[label] = {"targets": _demo_rows(report),
                            "mean_share": float(np.mean([r["measured_share"] for r in report["targets"]])),
                            "mean_honest_bit_probability": float(np.mean([r["honest_bit_probability"]
                                                                          for r in report["targets"]]))}
        entry["code_bits"] = report["code_bits"][file]
        entry["price_of_malice_bits"] = report["code_bits"][file] - min(report["code_bits"][p] for p in POINTERS)
        entry["pointer_code_bits"] = {p: report["code_bits"][p] for p in POINTERS}
        results[file] = entry
        if progress is not None:
            progress(index + 1, len(GUIDED))
    pointer_code = min(report["code_bits"][p] for p in POINTERS)
    document = {"experiment": "importance-pointer", "seed": seed, "depth": depth, "pointer_code_bits": pointer_code,
                "results": results}
    table = _markdown(("consequentialist", "code bits", "price of malice (bits)", "share without the pointers",
                       "share with them", "P(honest answer) with them"),
                      [(file, entry["code_bits"], f"{entry['price_of_malice_bits']:+d}",
                        _share(entry["without the pointer"]["mean_share"]),
                        _share(entry["with the pointer"]["mean_share"]),
                        _share(entry["with the pointer"]["mean_honest_bit_probability"]))
                       for file, entry in results.items()])
    table += (f"\nshares at the first question, mean over 4 targets, depth {depth}; the pointers' code bits: "
              + ", ".join(f"{p} {bits}" for p, bits in results[GUIDED[0]]["pointer_code_bits"].items())
              + "\n")
    return _result("importance-pointer", document, table, {"pointer": lambda: _pointer_figure(results)})


def _bar_labels(axes, bars, values) -> None:
    """Each bar's value above it (so a bar of height 0 still says 0)."""
    for bar, value in zip(bars, values):
        text = f"1 − {1 - value:.1g}" if 0.999 < value < 1 else f"{value:.2g}"
        axes.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                      va="bottom", fontsize=7, textcoords="offset points", xytext=(0, 2))


def _pointer_figure(results):
    import matplotlib.pyplot as plt
    from toyinduction import plots

    figure, axes = plt.subplots(figsize=(9, 4.5))
    x = np.arange(len(results))
    for offset, label, index in ((-0.2, "without the pointer", 1), (0.2, "with the pointer", 0)):
        values = [entry[label]["mean_share"] for entry in results.values()]
        bars = axes.bar(x + offset, values, 0.4, label=f"its share, {label}", color=_consequentialist_colour(index, 2))
        _bar_labels(axes, bars, values)
    axes.set_xticks(x, [f"{Path(f).stem.replace('world_guided_', '')}\n(malice {e['price_of_malice_bits']:+d} bits)"
                        for f, e in results.items()], fontsize=8)
    axes.set_ylim(0, 1.1)
    plots.decorate(figure, axes, "Each consequentialist against the honest importance pointer, at the first question",
                   "consequentialist", "share (mean over targets)")
    return figure


def speed_prior(seed: int = 2026, lambdas=(0.0, 0.5, 1.0, 2.0, 4.0, 8.0), guided_depth: int = 36,
                brute_depths=(4, 6, 8, 10, 12), max_bits: int = 14, max_steps: int = 1000, store=None,
                workers: int = 2, progress=None) -> ExperimentResult:
    """(c) The speed prior 2^-(|p| + λ·log2 steps): the cheapest consequentialist's share against λ
    (guided search, bridge readers only, at a depth near its threshold), with the unresolved
    background charged the steps it must still take and, for comparison, without that charge;
    and the speed charge λ·log2(steps_M / steps_H) against the bits the search saves (the depth)
    for guided and brute-force search. Computes; writes nothing."""
    if not lambdas or not brute_depths:
        raise ValueError("speed-prior needs at least one λ and one brute-force depth")
    guided = []
    for index, speed in enumerate(lambdas):
        report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=guided_depth,
                                targets=2, controls=0, max_bits=max_bits, speed=speed, consequentialists=CHEAPEST_M,
                                honest=READERS)
        uncharged = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=guided_depth,
                                   targets=2, controls=0, max_bits=max_bits, speed=speed,
                                   consequentialists=CHEAPEST_M, honest=READERS, owed_steps=False)
        guided += [dict(row, speed=speed, unresolved_share_without_owed_steps=other["unresolved_share"],
                        measured_share_without_owed_steps=other["measured_share"])
                   for row, other in zip(_demo_rows(report), _demo_rows(uncharged))]
        if progress is not None:
            progress(index + 1, len(lambdas) + len(brute_depths))
    charges = []
    for index, depth in enumerate(brute_depths):
        for file in ("world_guided_flip.toy", "world_brute_flip.toy"):
            plain = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth,
                                   targets=1, controls=0, max_bits=max_bits, consequentialists=(file,), honest=READERS)
            timed = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth,
                                   targets=1, controls=0, max_bits=max_bits, speed=1.0, consequentialists=(file,),
                                   honest=READERS)
            charges.append({"search": "guided" if "guided" in file else "brute force", "depth": depth,
                            "delta_bits": plain["targets"][0]["delta_bits"],
                            "speed_charge_bits_at_lambda_1": timed["targets"][0]["delta_bits"]
                            - plain["targets"][0]["delta_bits"]})
        if progress is not None:
            progress(len(lambdas) + index + 1, len(lambdas) + len(brute_depths))
    document = {"experiment": "speed-prior", "seed": seed, "guided": guided, "charges": charges}
    table = (f"Guided search (answers 1) against the bridge readers at depth {guided_depth}, first question:\n\n"
             + _markdown(("λ", "target", "measured share", "predicted (named programs)",
                          "unresolved share, charged the steps it must still take", "… charged only the steps it ran",
                          "measured share, charged only the steps it ran"),
                         [(r["speed"], r["name"], _share(r["measured_share"]), _share(r["predicted_share"]),
                           f"{r['unresolved_share']:.2g}", f"{r['unresolved_share_without_owed_steps']:.2g}",
                           _share(r["measured_share_without_owed_steps"])) for r in guided])
             + "\nSpeed charge at λ = 1, λ·log2(steps_M / steps_H), against the bits the search saves:\n\n"
             + _markdown(("depth d (bits saved)", "guided charge (bits)", "brute-force charge (bits)"),
                         [(depth, *(f"{r['speed_charge_bits_at_lambda_1']:.2f}" for search in ("guided", "brute force")
                                    for r in charges if r["depth"] == depth and r["search"] == search))
                          for depth in brute_depths]))
    return _result("speed-prior", document, table,
                   {"speed_prior": lambda: _speed_prior_figure(guided, charges, guided_depth, brute_depths)})


def _speed_prior_figure(guided, charges, guided_depth, brute_depths):
    import matplotlib.pyplot as plt
    from toyinduction import plots
    from toyinduction.plots.palette import UNRESOLVED_MEANING, series_colours

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(16, 4.5))
    first = [r for r in guided if r["name"] == guided[0]["name"]]
    red = _consequentialist_colour()
    speeds = [r["speed"] for r in first]
    # separate measurements at separate λ: markers, no lines; where two coincide, a ring around a dot
    left.plot(speeds, [r["predicted_share"] for r in first], "o", markersize=10, markerfacecolor="none",
              markeredgecolor="black", label="predicted from the named programs alone")
    left.plot(speeds, [r["measured_share"] for r in first], "o", markersize=5, color=red,
              label=f"measured: consequentialist (guided, answers 1), depth {guided_depth}")
    left.set_ylim(-0.02, 1.02)
    plots.decorate(figure, left, "Share against λ", "λ (speed-prior weight)", "posterior share at the first question",
                   legend_inside=True)
    middle.semilogy(speeds, [max(r["unresolved_share_without_owed_steps"], 1e-300) for r in first], "s",
                    markersize=10, markerfacecolor="none", markeredgecolor="0.55", label="charged only the steps it ran")
    middle.semilogy(speeds, [max(r["unresolved_share"], 1e-300) for r in first], "s", markersize=5, color="0.25",
                    label="charged the steps it must still take")
    plots.decorate(figure, middle, "The unresolved background under the speed prior", "λ (speed-prior weight)",
                   "unresolved background's share (log scale)", legend_inside=True)
    colours = series_colours(2)
    for (search, marker), colour in zip((("guided", "o"), ("brute force", "s")), colours):
        rows = [r for r in charges if r["search"] == search]
        right.plot([r["depth"] for r in rows], [r["speed_charge_bits_at_lambda_1"] for r in rows], marker,
                   color=colour, label=f"{search}: charge at λ = 1")
    right.plot(brute_depths, brute_depths, color="grey", linestyle=":", label="bits the search saves (= depth)")
    plots.decorate(figure, right, "Speed charge λ·log2(steps_M / steps_H) at λ = 1",
                   "depth d (bits of honest bridge)", "bits")
    plots.caption(figure, f"Left and middle: the first target, depth {guided_depth}. The unresolved background is "
                  f"{UNRESOLVED_MEANING}. A run stopped k bits short of the observation must still take at least k "
                  "steps: the dark squares charge them at λ·log2(steps + k), the open squares only λ·log2(steps).",
                  width=200)
    return figure


def rivals(seed: int = 2026, depth: int = 84, max_bits: int = 14, max_steps: int = 1000, store=None, workers: int = 2,
           progress=None) -> ExperimentResult:
    """(e) Rival consequentialists with opposite goals (one answers 1, one answers 0): the net
    bias at the first decision point — how far the mixture's P(1) moves from the honest
    answer — against the number of rivals in the pool (0, one of them, both). Computes; writes
    nothing."""
    sets = {"no consequentialist": (), "wants 1": ("world_guided_one.toy",), "wants 0": ("world_guided_zero.toy",),
            "both rivals": ("world_guided_one.toy", "world_guided_zero.toy")}
    results = {}
    for index, (label, files) in enumerate(sets.items()):
        report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth, targets=4,
                                controls=0, max_bits=max_bits, consequentialists=files, honest=READERS, keep=True)
        predictions = report.pop("internals")["predictions"]
        rows = []
        for row, (_, _, prediction, _) in zip(report["targets"], predictions):
            t = row["first_decision_point"]
            honest_answer = int(prediction.sequence[t])
            p_one = float(prediction.p_next_one[t])
            rows.append({"name": row["name"], "honest_answer": honest_answer, "p_one": p_one,
                         "net_bias": p_one - honest_answer, "measured_share": row["measured_share"],
                         "programs": row["programs"]})
        results[label] = {"rivals": len(files), "targets": rows,
                          "mean_absolute_bias": float(np.mean([abs(r["net_bias"]) for r in rows]))}
        if progress is not None:
            progress(index + 1, len(sets))
    document = {"experiment": "rivals", "seed": seed, "depth": depth, "results": results}
    table = _markdown(("pool", "rivals", "target", "true answer", "P(answer 1)", "net bias P(1) − answer",
                       "consequentialists' share"),
                      [(label, result["rivals"], r["name"], r["honest_answer"], _share(r["p_one"]),
                        f"{r['net_bias']:+.4g}", _share(r["measured_share"]))
                       for label, result in results.items() for r in result["targets"]])
    table += "\nmean |net bias|: " + ", ".join(f"{label} {result['mean_absolute_bias']:.4g}"
                                               for label, result in results.items()) + "\n"
    return _result("rivals", document, table, {"rivals": lambda: _rivals_figure(results)})


def _rivals_figure(results):
    import matplotlib.pyplot as plt
    from toyinduction import plots
    from toyinduction.plots.palette import series_colours

    figure, axes = plt.subplots(figsize=(9, 4.5))
    names = list(dict.fromkeys(r["name"] for result in results.values() for r in result["targets"]))
    colours = series_colours(len(names))
    for index, name in enumerate(names):     # one pool per column; each target its own place in it
        rows = [(x, r) for x, result in enumerate(results.values()) for r in result["targets"] if r["name"] == name]
        answer = rows[0][1]["honest_answer"]
        axes.plot([x + 0.12 * (index - (len(names) - 1) / 2) for x, _ in rows], [r["net_bias"] for _, r in rows],
                  "os^D"[index % 4], color=colours[index], linestyle="none", label=f"{name} (true answer {answer})")
    axes.axhline(0, color="grey", linestyle=":")
    axes.set_xticks(range(len(results)), [f"{label}\n({result['rivals']} in the pool)"
                                          for label, result in results.items()], fontsize=8)
    axes.set_ylim(-1.1, 1.1)
    plots.decorate(figure, axes, "Rival consequentialists: net bias at the first question (one point per target)",
                   "which consequentialists are in the pool", "P(answer 1) − true answer")
    return figure


def phase_diagram(bridges=tuple(range(16, 48, 2)), spreads=(1, 2, 3, 4, 5), seed: int = 2026, max_bits: int = 12,
                  max_steps: int = 1000, store=None, workers: int = 2, progress=None) -> ExperimentResult:
    """(b) The consequentialists' share over honest-bridge bits B × the number of targets N = 2^r
    the consequentialist spreads over. H's bridge is B bits (r region bits + B − r path bits);
    M reads r selection bits, so spreading costs it log2 N bits: Δ = c + log2 N − B. Computes;
    writes nothing."""
    if not bridges or not spreads:
        raise ValueError("phase-diagram needs at least one bridge and one spread")
    rows = []
    total = len(bridges) * len(spreads)
    for index, (bridge, spread) in enumerate((b, r) for b in bridges for r in spreads):
        report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=bridge - spread,
                                targets=1, controls=0, max_bits=max_bits, region_bits=spread,
                                consequentialists=CHEAPEST_M, honest=READERS)
        rows.append(dict(_demo_rows(report)[0], bridge_bits=bridge, spread_bits=spread))
        if progress is not None:
            progress(index + 1, total)
    grid = np.array([[next(r["measured_share"] for r in rows if r["bridge_bits"] == b and r["spread_bits"] == s)
                      for b in bridges] for s in spreads])
    constant = rows[0]["delta_bits"] - rows[0]["spread_bits"] + rows[0]["bridge_bits"]
    document = {"experiment": "phase-diagram", "seed": seed, "rows": rows, "delta_constant_bits": constant,
                "max_abs_error": max(abs(r["measured_share"] - r["predicted_share"]) for r in rows)}
    table = ("Consequentialists' share at the first question, by the honest bridge B (columns, bits) and the "
             "targets N it spreads over (rows):\n\n"
             + _markdown(("N \\ B", *map(str, bridges)),
                         [(2 ** s, *(f"{value:.3g}" for value in line)) for s, line in zip(spreads, grid)])
             + f"\nΔ = {constant:.0f} + log2 N − B (the boundary Δ = 0 is B = {constant:.0f} + log2 N); "
               f"max |measured − predicted| {document['max_abs_error']:.2g}\n")
    return _result("phase-diagram", document, table,
                   {"phase_diagram": lambda: _phase_figure(grid, bridges, spreads, constant)})


def _phase_figure(grid, bridges, spreads, constant):
    import matplotlib.pyplot as plt
    from toyinduction import plots

    figure, axes = plt.subplots(figsize=(8, 4.5))
    step = (bridges[1] - bridges[0]) / 2 if len(bridges) > 1 else 1
    image = axes.imshow(grid, origin="lower", aspect="auto", cmap="RdBu_r", vmin=0, vmax=1,
                        extent=(bridges[0] - step, bridges[-1] + step, spreads[0] - 0.5, spreads[-1] + 0.5))
    figure.colorbar(image, ax=axes, label="consequentialists' share at the first question")
    line = np.array([spreads[0] - 0.5, spreads[-1] + 0.5])
    axes.plot(constant + line, line, color="black", linestyle="--", label=f"Δ = 0: B = {constant:.0f} + log2 N")
    axes.set_yticks(list(spreads), [f"{2 ** s}" for s in spreads])
    plots.decorate(figure, axes, "Phase diagram: honest bridge against spreading", "honest bridge B (bits)",
                   "targets the consequentialist spreads over, N", legend_inside=True)
    return figure


def census(seed: int = 2026, depth: int = 84, max_bits: int = 12, control_seeds=(2026, 11, 12, 13),
           background_steps: int = 20_000, reach_bits: int = 20, samples: int = 3000, sample_bits: int = 40,
           max_steps: int = 1000, store=None, workers: int = 2, progress=None) -> ExperimentResult:
    """(f) The searcher/controller census by intervention (toyinduction.malign.census): every named world
    program and every enumerated background program is classified — search: flips of its
    candidate evaluations send its output to at least SEARCH_THRESHOLD distinct alternatives;
    control: over world instances with other true answers (``control_seeds``) its answers at the
    decision points steer one way, not following the truth. The background is run to the
    streams' length (``background_steps`` steps each) so that it has answers there too, and so are
    every program up to ``reach_bits`` bits (those of them that write past a decision point are
    classified too) and ``samples`` programs of up to ``sample_bits`` bits drawn from the prior.
    Then the posterior mass in the 2×2 table at every decision point within the pool's outputs,
    under the full pool and under the premises that change its membership or weights. Computes;
    writes nothing."""
    from toyinduction.malign.census import CELLS, cell, control_measures, output_answers, search_by_flips, world_answers, world_truths
    from toyinduction.malign.demo import PREMISES
    from toyinduction.induction.mixture import Weighting, predict
    from toyinduction.malign.world import CONSEQUENTIALISTS, FRAME, HONEST_PROGRAMS, LITERAL_ITEMS, World, data_header
    from toyinduction.machines.shipped import programs_dir

    if not control_seeds:
        raise ValueError("census needs at least one control seed")
    if min(samples, sample_bits, reach_bits) < 1:
        raise ValueError(f"census needs samples, sample_bits and reach_bits >= 1, got {samples}, {sample_bits}, "
                         f"{reach_bits}")
    # the programs whose code serves every region (not those that carry their region as a literal)
    honest = tuple(f for f in HONEST_PROGRAMS if not any(
        item.split(":")[0] in LITERAL_ITEMS for item in data_header(programs_dir() / f) or ()))
    files = honest + GUIDED
    report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, seed=seed, depth=depth, targets=4,
                            controls=0, max_bits=max_bits, keep=True, honest=honest, consequentialists=GUIDED)
    internals = report.pop("internals")
    pool, world = internals["pool"], internals["world"]
    worlds = [World(seed=s, depth=depth, region_bits=world.region_bits, quiet=world.quiet) for s in control_seeds]
    truths = world_truths(worlds)
    named = {}
    for index, file in enumerate(files):
        path = world.louder_path(0)
        search = search_by_flips(TOY, world.program(file, TOY) + world.data(file, 0, path),
                                 world.first_decision(0) + FRAME, 2_000_000)
        control = control_measures(world_answers(file, worlds))
        named[class_label_of(world, file)] = {"file": file, "search": {k: v for k, v in search.items() if k != "output"},
                                              "control": control,
                                              "cell": cell(search["searcher"], control["controller"])}
        if progress is not None:
            progress(index + 1, len(files) + 1)
    longest = max(len(stream) for stream, _ in truths)
    enumerated = {}
    for index in np.flatnonzero(~pool.named):
        bits = pool.bits[index]
        search = search_by_flips(TOY, bits, 64, background_steps)
        output = run(TOY, bits, background_steps, longest).output
        control = control_measures(output_answers(output, truths))
        enumerated[int(index)] = {"bits": bits, "distinct_alternatives": search["distinct"],
                                  "answers_reached": control["reached"], "steering": control["steering"],
                                  "cell": cell(search["searcher"], control["controller"])}
    from toyinduction.machines.toy.enumerate import enumerate_programs
    from toyinduction.engine.sampling import sample_programs, wilson

    def classify_reaching(candidates):
        rows = []
        for bits, output in candidates:
            control = control_measures(output_answers(output, truths))
            if control["reached"]:
                search = search_by_flips(TOY, bits, 64, background_steps)
                rows.append({"bits": bits, "answers_reached": control["reached"], "steering": control["steering"],
                             "distinct_alternatives": search["distinct"],
                             "cell": cell(search["searcher"], control["controller"])})
        return rows

    leaves = enumerate_programs(TOY, reach_bits, 1000, 64).leaves   # cut where a program had written 64 bits
    every = (format(int(b), f"0{int(n)}b") if n else "" for b, n in zip(leaves["bits"], leaves["length"]))
    reaching = classify_reaching((bits, run(TOY, bits, background_steps, longest).output) for bits in every)
    drawn = sample_programs(lambda bits: run(TOY, bits, background_steps, longest), samples, sample_bits, seed)
    sampled = classify_reaching((bits, result.output) for bits, result in drawn)
    if progress is not None:
        progress(len(files) + 1, len(files) + 1)
    from toyinduction.malign.demo import _excluded

    by_index = {e["index"]: class_label_of(world, e["file"]) for e in internals["entries"]}
    labels = np.array([named[by_index[i]]["cell"] if pool.named[i] else enumerated[i]["cell"]
                       for i in range(pool.size)])
    length = pool.output_bits - 1
    premises = {"full-pool": 0.0, **{name: speed for name, (_, speed, machine) in PREMISES.items()
                                     if machine is None and "," not in name and name != "not-told"}}
    index_of = {e["name"]: e["index"] for e in internals["entries"]}
    tables = {}
    for name, speed in premises.items():
        removed = {index_of[n] for n in _excluded(report["programs"], name)} if name != "full-pool" else set()
        keep = np.array([i not in removed for i in range(pool.size)])
        sub, cells = pool.subset(keep), labels[keep]
        rows = []
        for _, target, region, path in internals["sequences"]:
            stream = world.stream(region, path, length)
            prediction = predict(sub, stream, Weighting(speed=speed))
            for number, t in enumerate(world.decision_points(region, path, length), start=1):
                posterior = prediction.posterior_after(t)
                rows.append({"target": target, "decision_point": number, "bit": t,
                             "unresolved": float(prediction.unresolved_posterior[t]),
                             **{c: float(posterior[cells == c].sum()) for c in CELLS}})
        tables[name] = rows
    background_cells = {c: sum(row["cell"] == c for row in enumerated.values()) for c in CELLS}
    document = {"experiment": "census", "seed": seed, "depth": depth, "control_seeds": list(control_seeds),
                "named": named,
                "enumerated": {"programs": len(enumerated), "cells": background_cells,
                               "most_distinct_alternatives": max((r["distinct_alternatives"] for r in enumerated.values()),
                                                                 default=0),
                               "reaching_decision_points": sum(r["answers_reached"] > 0 for r in enumerated.values()),
                               "examples": {c: next((r["bits"] for r in enumerated.values() if r["cell"] == c), None)
                                            for c in CELLS}},
                "reaching": {"programs_up_to_bits": reach_bits, "enumerated": len(leaves["length"]),
                             "reaching_decision_points": reaching},
                "sampled": {"programs": len(drawn), "max_bits": sample_bits, "reaching_decision_points": len(sampled),
                            "cells": {c: sum(r["cell"] == c for r in sampled) for c in CELLS},
                            "prior_fraction_by_cell": {
                                c: {"fraction": sum(r["cell"] == c for r in sampled) / len(drawn),
                                    "interval_99": wilson(sum(r["cell"] == c for r in sampled), len(drawn))}
                                for c in CELLS},
                            "examples": {c: next((r["bits"] for r in sampled if r["cell"] == c), None) for c in CELLS}},
                "tables": tables}
    return _result("census", document, _census_table(document, CELLS),
                   {"census": lambda: _census_figure(tables, CELLS)})


def _census_table(document, cells) -> str:
    """The census as Markdown: the named programs' cells, the background's, and the posterior
    mass by cell at every decision point under each premise."""
    text = "Named programs:\n\n" + _markdown(
        ("class", "file", "candidate comparisons", "distinct alternatives (search)", "steering (control)", "cell"),
        [(name, row["file"], row["search"]["candidates"], row["search"]["distinct"],
          f"{row['control']['steering']:.3g}", row["cell"])
         for name, row in document["named"].items()])
    background, reaching, sampled = document["enumerated"], document["reaching"], document["sampled"]
    reach_cells = {c: sum(r["cell"] == c for r in reaching["reaching_decision_points"]) for c in cells}
    text += ("\nBackground: " + f"{background['programs']} enumerated programs of the pool: "
             + ", ".join(f"{c} {n}" for c, n in background["cells"].items())
             + f"; of the {reaching['enumerated']} programs up to {reaching['programs_up_to_bits']} bits, "
             + f"{len(reaching['reaching_decision_points'])} write past the decision points ("
             + ", ".join(f"{c} {n}" for c, n in reach_cells.items() if n) + ")"
             + f"; of {sampled['programs']} programs up to {sampled['max_bits']} bits drawn from the prior, "
             + f"{sampled['reaching_decision_points']} do.\n")
    premises = list(document["tables"])
    first = document["tables"][premises[0]]
    text += ("\nPosterior mass by cell at each decision point (target : decision point), under each premise:\n\n"
             + _markdown(("decision point", *premises),
                         [(f"{row['target']} : {row['decision_point']}",
                           *("; ".join(f"{c} {_share(table[i][c])}" for c in cells if table[i][c] >= 5e-5) or "—"
                             for table in document["tables"].values()))
                          for i, row in enumerate(first)]))
    return text


def _census_figure(tables, cells):
    import matplotlib.pyplot as plt

    figure, panels = plt.subplots(1, len(tables), figsize=(4.2 * len(tables), 4.5), sharey=True, squeeze=False)
    colours = dict(zip(cells, ("0.75", "#2166ac", "#f4a582", "#b2182b")))
    handles = {}
    for axes, (name, table) in zip(panels[0], tables.items()):
        x = np.arange(len(table))
        bottom = np.zeros(len(table))
        for c in cells:                       # one bar per decision point: separate points, no lines
            values = np.array([row[c] for row in table])
            bars = axes.bar(x, values, bottom=bottom, label=c, color=colours[c])
            if values.max() > 0:
                handles[c] = bars
            bottom += values
        axes.set_xticks(x, [f"{row['target'].split()[-1]}:{row['decision_point']}" for row in table], fontsize=7)
        axes.set_ylim(0, 1.02)
        axes.set_title(name, fontsize=10)
        axes.set_xlabel("region : decision point")
    panels[0][0].set_ylabel("posterior mass")
    shown = [c for c in reversed(cells) if c in handles]       # the stack's order, top first
    figure.legend([handles[c] for c in shown], shown, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    figure.suptitle("Searcher/controller census by intervention: posterior mass at each decision point")
    figure.tight_layout()
    return figure


def class_label_of(world, file) -> str:
    """A world program's label in the census: what its author meant it to be (its intent line)."""
    from toyinduction.malign.world import intent

    return intent(world.file(file, TOY))


def lexical_variants() -> dict:
    """The toy-family reference languages the lexical-update experiment compares."""
    from toyinduction.machines.toy.language import LANGUAGES, variant

    return {"toy": LANGUAGES["toy"], "toy-noeval": LANGUAGES["toy-noeval"], "toy-uniform": LANGUAGES["toy-uniform"],
            "cheap-physics": variant("cheap-physics", weights={"mix": 30, "load": 20, "store": 10, "lt": 10,
                                                               "if": 10}),
            "costly-compare": variant("costly-compare", weights={m: (0.05 if m in ("lt", "eq") else 1)
                                                                 for m in LANGUAGES["toy"].codewords})}


#: world physics -> the machines its programs are written for (the BLC has no hash instruction,
#: so only the ring world, whose physics is rule 30, exists on it)
LEXICAL_WORLDS = {"mix": tuple(lexical_variants()), "ring": tuple(lexical_variants()) + ("blc",)}


def _lexical_depths(threshold: int, offsets) -> list:
    """Depths around a threshold; a machine whose threshold is below 1 (M shorter than H even
    with no bridge) gets a few small depths instead of the ones it cannot have."""
    depths = {threshold + offset for offset in offsets if threshold + offset >= 1}
    if len(depths) < len(offsets):
        depths |= {1, 2, 4, 8, 16}
    return sorted(depths)


def lexical_update(seed: int = 2026, offsets=(-8, -4, -2, 0, 2, 4, 8), max_bits: int = 12, worlds=LEXICAL_WORLDS,
                   max_steps: int = 1000, store=None, workers: int = 2, progress=None) -> ExperimentResult:
    """The same worlds and the same consequentialist strategy (guided search, flip every answer)
    written for several reference machines: where the takeover threshold lies (the honest
    bridge at which Δ = 0, which is |M code| − |H code|: the DEPTH literal is in both) on each,
    from each machine's own assembler, and the measured share around it. Two worlds: the mix
    world of the demo (toy-family languages) and the ring world, written for the toy family and
    for the binary lambda calculus. The constants of the malign argument depend on the machine.
    Computes; writes nothing."""
    from toyinduction.malign.world import World

    if not offsets or not worlds:
        raise ValueError("lexical-update needs at least one offset and one world")
    rows, thresholds = [], {}
    variants = lexical_variants()
    jobs = [(physics, name) for physics, names in worlds.items() for name in names]
    for index, (physics, name) in enumerate(jobs):
        language = machine_named(variants.get(name, name))
        probe = World(seed=seed, depth=84, physics=physics)
        readers = {role: len(probe.program(role, language)) + (role == "honest_flag")
                   for role in ("honest", "honest_flag", "honest_civ") if probe.has(role, language)}
        best = min(readers, key=readers.get)
        guided = len(probe.program("guided_flip", language))
        pointer = len(probe.program("pointer", language)) if probe.has("pointer", language) else None
        threshold = guided - readers[best]
        spec_hash = language.spec_hash
        entry = {"threshold_depth": threshold, "spec_hash": spec_hash, "honest_code_bits": readers[best],
                 "honest_reader": probe.file(best, language).name, "readers": readers,
                 "consequentialist_code_bits": guided, "pointer_code_bits": pointer,
                 "price_of_malice_bits": None if pointer is None else guided - pointer,
                 "files": [probe.file(best, language).name, probe.file("guided_flip", language).name]}
        deepest = probe.state_bits - 64 - 1
        for depth in [d for d in _lexical_depths(threshold, offsets) if d <= deepest]:
            report = run_demo_quiet(max_steps=max_steps, store=store, workers=workers, machine=language, seed=seed,
                                    depth=depth, targets=1, controls=0, max_bits=max_bits,
                                    consequentialists=("guided_flip",), physics=physics, honest=(best,))
            rows.append(dict(_demo_rows(report)[0], world=physics, language=name, depth=depth))
            if depth == threshold:
                entry["measured_share_at_threshold"] = rows[-1]["measured_share"]
        thresholds.setdefault(physics, {})[name] = entry
        if progress is not None:
            progress(index + 1, len(jobs))
    document = {"experiment": "lexical-update", "seed": seed, "thresholds": thresholds, "rows": rows,
                "max_abs_error": max(abs(r["measured_share"] - r["predicted_share"]) for r in rows)}
    lines = ["| world | machine | best reader | its code bits (+1 flag bit) | M code bits | threshold d (Δ = 0) | "
             "measured share there | pointer code bits | price of malice |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for physics, machines in thresholds.items():
        for name, entry in machines.items():
            share = entry.get("measured_share_at_threshold")
            lines.append(f"| {physics} | {name} | {entry['honest_reader']} | {entry['honest_code_bits']} | "
                         f"{entry['consequentialist_code_bits']} | {entry['threshold_depth']} | "
                         f"{'—' if share is None else f'{share:.6f}'} | {entry['pointer_code_bits'] or '—'} | "
                         f"{'—' if entry['price_of_malice_bits'] is None else entry['price_of_malice_bits']} |")
    lines.append(f"\nmeasured against predicted share, every point: max |error| {document['max_abs_error']:.2g}")
    return _result("lexical-update", document, "\n".join(lines) + "\n",
                   {"lexical_update": lambda: _lexical_figure(rows, thresholds, worlds)})


def _lexical_figure(rows, thresholds, worlds):
    """One panel per world, and the machines whose thresholds lie far from the rest (more than
    40 bits beyond the others, as the lambda calculus's) in a panel of their own, so no series
    squeezes another: measured shares as markers, each machine's ledger curve
    1/(1 + 2^(threshold − d)) as a thin line."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    from toyinduction import plots
    from toyinduction.plots.palette import series_colours

    names = list(dict.fromkeys(name for machines in worlds.values() for name in machines))
    colours = dict(zip(names, series_colours(len(names))))
    facets = []
    for physics, machines in worlds.items():
        machines = [m for m in machines if m in thresholds.get(physics, {})]
        if not machines:
            continue
        values = sorted(thresholds[physics][m]["threshold_depth"] for m in machines)
        cut = next((b for a, b in zip(values, values[1:]) if b - a > 40), None)
        near = [m for m in machines if cut is None or thresholds[physics][m]["threshold_depth"] < cut]
        far = [m for m in machines if m not in near]
        facets.append((f"{physics} world", physics, near))
        if far:
            facets.append((f"{physics} world: {', '.join(far)}", physics, far))
    figure, panels = plt.subplots(1, len(facets), figsize=(5.5 * len(facets), 4.8), sharey=True, squeeze=False)
    for axes, (title, physics, machines) in zip(panels[0], facets):
        for index, name in enumerate(machines):
            mine = [r for r in rows if r["world"] == physics and r["language"] == name]
            threshold = thresholds[physics][name]["threshold_depth"]
            depths = np.linspace(min(r["depth"] for r in mine) - 1, max(r["depth"] for r in mine) + 1, 200)
            axes.plot(depths, 1 / (1 + 2.0 ** (threshold - depths)), color=colours[name], linewidth=0.8, alpha=0.7)
            axes.plot([r["depth"] for r in mine], [r["measured_share"] for r in mine], "osD^v<>"[index % 7],
                      color=colours[name], linestyle="none", label=f"{name}: threshold d = {threshold}")
            axes.axvline(threshold, color=colours[name], linestyle=":", linewidth=1)
        axes.axhline(0.5, color="grey", linestyle=":")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        plots.decorate(figure, axes, title, "honest bridge: path bits d", "")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, fontsize=7)   # below: hides no point
    panels[0][0].set_ylabel("consequentialists' share at the first question")
    figure.suptitle("The same worlds and strategy on several reference machines: where takeover begins")
    plots.caption(figure, "Markers: measured shares; thin lines: each machine's ledger curve 1/(1 + 2^(threshold − d)); "
                  "dotted verticals: the thresholds.", width=180, y=-0.13)
    return figure


EXPERIMENTS.update({"lexical-update": lexical_update, "census": census, "phase-diagram": phase_diagram,
                    "takeover": takeover, "importance-pointer": importance_pointer, "speed-prior": speed_prior,
                    "rivals": rivals})


def experiment(name: str, out_dir=None, *, write: bool = True, **options) -> ExperimentResult:
    """Compute the experiment ``name`` (one of :data:`EXPERIMENTS`) and, with ``write`` (the
    default), write its results.json, table.md and figures into ``out_dir`` (default
    ``./NAME-out``); returns the :class:`ExperimentResult`. ``write=False`` writes nothing (then
    ``result.write(out_dir)`` does, later). ``options`` are the experiment's own keyword
    parameters (``max_bits``, ``store``, ...); one it does not take is refused with a
    ``ValueError``, never ignored, and the ones ``toyinduction experiment`` takes as options are
    checked as it checks them. ``progress`` (when the experiment takes it) defaults to a bar in a
    terminal or a notebook; ``progress=False`` silences it."""
    import inspect

    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; known: {', '.join(EXPERIMENTS)}")
    function = EXPERIMENTS[name]
    accepted = inspect.signature(function).parameters
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"experiment {name} does not take {', '.join(unknown)} (it takes {', '.join(accepted)})")
    if not write and out_dir is not None:
        raise ValueError("experiment: out_dir is where write=True writes; with write=False give no out_dir "
                         "(write later with result.write(out_dir))")
    from toyinduction import validate
    from toyinduction.engine.progress import reporter

    for keyword, check in (("max_bits", validate.EXPERIMENT_MAX_BITS), ("max_steps", validate.MAX_STEPS),
                           ("length", validate.LENGTH), ("workers", validate.WORKERS)):
        if keyword in options:       # checked as ``toyinduction experiment`` checks its options
            options[keyword] = check(options[keyword])
    if "max_bits" in options and options["max_bits"] is None:
        del options["max_bits"]      # None: the experiment's own
    if "progress" in accepted:       # a bar in a terminal or a notebook unless progress=False
        options["progress"] = reporter(options.get("progress", True), f"experiment {name}", "steps")
    result = function(**options)
    if write:
        result.write(out_dir if out_dir is not None else f"{name}-out")
    return result
