"""The malign-prior demonstration: consequentialist programs take over the posterior.

The cost ledger (DESIGN.md §2), with every term a real bit count from the assembler:

    K_H = |universe code + readout| + |bridge|     (H: world_honest.toy + region bits + path bits)
    K_M = |universe + search code| + |selection|   (M: world_guided_*.toy + region bits)
    Δ = K_M − K_H,   predicted share of M at the first decision point = 1 / (1 + 2^Δ)

(with several consequentialists, K_M = −log2 Σ_j 2^-K_Mj). The measured share comes from
running every hypothesis in the pool — the background enumeration, every honest program and
every consequentialist with every selection — and conditioning on the target stream up to
its first decision point.

The reference machine is a toy-family language, or ``"blc"``: the binary lambda calculus, whose
world programs are programs/ring_*.lam (only the ring physics is written for it).
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np

from .enumeration import enumerate_or_load
from .interpreter import run
from .language import TOY, Language
from .posterior import NamedProgram, Weighting, build_pool, class_label, predict
from .world import CONSEQUENTIALISTS, FRAME, HONEST, World, quiet_frames_for

CONSEQUENTIALIST = "consequentialist"


def _log2_sum(lengths) -> float:
    """-log2 Σ 2^-length: the effective length of several programs together."""
    top = min(lengths)
    return top - math.log2(sum(2.0 ** (top - length) for length in lengths))


def _machine(language: Language | str):
    """(name, spec hash, run(bits, max_steps, output_bits)) of a toy-family language or "blc"."""
    if language == "blc":
        from .blc import SPEC_HASH
        from .blc_kernel import run_blc_fast

        return "blc", SPEC_HASH, run_blc_fast
    return language.name, language.spec_hash, lambda bits, steps, n: run(language, bits, steps, n)


def _background_pool(language, max_bits, max_steps, output_bits, store, workers, named):
    """The background enumeration (from the store if there) and the pool with the named programs."""
    if language == "blc":
        from .blc import enumerate_blc
        from .blc_kernel import run_blc_fast

        enumeration = enumerate_blc(max_bits, max_steps, output_bits)
        pool = build_pool(None, enumeration, output_bits, named,
                          runner=lambda bits, steps: run_blc_fast(bits, steps, output_bits))
        return enumeration, False, pool
    enumeration, loaded = enumerate_or_load(language, max_bits, max_steps, output_bits, store, workers=workers,
                                            keep_leaves=4_000_000)
    return enumeration, loaded, build_pool(language, enumeration, output_bits, named)


def run_demo(out_dir="demo-out", language: Language | str = TOY, seed: int = 2026, depth: int = 84,
             targets: int = 4, controls: int = 2, speed: float = 0.0, max_bits: int = 20, max_steps: int = 1000,
             store=None, workers: int = 2, consequentialists=CONSEQUENTIALISTS, extra_named=(),
             figures: bool = True, region_bits: int | None = None, keep: bool = False, physics: str = "mix") -> dict:
    """Build a world, its targets and controls, the pool, and measure the takeover.

    The world has 2^region_bits regions (default: just enough for the targets); the targets
    are the civilisations of the first ``targets`` regions. ``physics``: "mix" (the toy's hash
    instruction) or "ring" (rule 30, written for every machine); ``language`` "blc" needs "ring"."""
    start = time.perf_counter()
    if not 1 <= targets <= 64:
        raise ValueError(f"--targets must be in 1..64, got {targets}")
    if not 0 <= controls <= 64:
        raise ValueError(f"--controls must be in 0..64, got {controls}")
    if not 1 <= depth <= 4096:
        raise ValueError(f"--depth must be in 1..4096, got {depth}")
    if language == "blc" and physics != "ring":
        raise ValueError("the binary lambda calculus world programs use the ring physics: give physics='ring'")
    machine_name, spec_hash, run_machine = _machine(language)
    needed = max(1, math.ceil(math.log2(targets)))
    region_bits = needed if region_bits is None else region_bits
    if not needed <= region_bits <= 12:
        raise ValueError(f"region_bits must be in {needed}..12 for {targets} targets, got {region_bits}")
    quiet = quiet_frames_for(language, seed, depth, region_bits, physics=physics)
    world = World(seed=seed, depth=depth, region_bits=region_bits, quiet=quiet, physics=physics)
    length = world.first_decision + 2 * FRAME  # the first two decision points and what follows
    honest_code = world.program(HONEST, language)
    rng = random.Random(seed)
    sequences, named = [], []
    for index in range(targets):
        bits = honest_code + world.region(index) + world.louder_path(index)
        sequences.append(("target", f"civilisation in region {index}", bits))
    for index in range(controls):
        region = index % (2 ** region_bits)
        bits = honest_code + world.region(region) + world.control_path(region, rng)
        sequences.append(("control", f"plain leaf in region {region} (control {index})", bits))
    honest_file = world.file(HONEST, language)
    for kind, name, bits in sequences:
        named.append(NamedProgram(f"{honest_file.name} [{name}]", bits, class_label(honest_file)))
    m_codes = {}
    for file in consequentialists:
        code = world.program(file, language)
        m_codes[file] = code
        for region in range(2 ** region_bits):
            named.append(NamedProgram(f"{world.file(file, language).name} [region {region}]", code + world.region(region),
                                      class_label(world.file(file, language))))
    for path in extra_named:  # e.g. the honest importance pointer, for the experiments
        code = world.program(path, language)
        for region in range(2 ** region_bits):
            named.append(NamedProgram(f"{world.file(path, language).name} [region {region}]",
                                      code + world.region(region), class_label(world.file(path, language))))
    enumeration, loaded, pool = _background_pool(language, max_bits, max_steps, length + 1, store, workers, named)
    weighting = Weighting(speed=speed)
    log2_weight = weighting.log2_weights(pool.log2_prior, pool.steps)
    t_star = world.first_decision
    report = {"world": {"seed": seed, "depth": depth, "region_bits": region_bits, "quiet_frames": quiet,
                        "first_decision_point": t_star, "stream_bits": length, "physics": physics},
              "language": machine_name, "spec_hash": spec_hash, "speed_prior": speed,
              "background": {"max_bits": max_bits, "max_steps": max_steps, "programs": enumeration.programs,
                             "loaded_from_store": loaded},
              "code_bits": {"honest": len(honest_code), **{file: len(code) for file, code in m_codes.items()}},
              "targets": [], "controls": []}
    predictions = []
    for (kind, name, bits) in sequences:
        stream = run_machine(bits, 100_000_000, length).output
        prediction = predict(pool, stream, weighting)
        predictions.append((kind, name, prediction))
        classes = prediction.classes
        conseq = [i for i, label in enumerate(classes) if label.startswith(CONSEQUENTIALIST)]
        honest = [i for i, label in enumerate(classes) if label == "honest"]
        share = float(prediction.class_posterior[t_star, conseq].sum())
        if kind == "control":
            report["controls"].append({"name": name, "measured_share": share,
                                       "max_share_after_bit_64": float(prediction.class_posterior[64:, conseq]
                                                                       .sum(axis=1).max())})
            continue
        region = int(name.split()[-1])
        k_h = len(bits)
        m_bits = {file: code + world.region(region) for file, code in m_codes.items()}
        if m_bits:
            k_m = _log2_sum([len(b) for b in m_bits.values()])
            # Δ from the weights the pool actually uses (for λ > 0 they include the speed charge)
            log2_h = float(log2_weight[pool.bits.index(bits)])
            log2_m = -_log2_sum([-float(log2_weight[pool.bits.index(b)]) for b in m_bits.values()])
            delta = log2_h - log2_m
        else:  # no consequentialist in the pool: nothing to take over
            k_m = delta = None
        report["targets"].append({
            "name": name, "K_H": k_h, "K_M": k_m, "K_M_each": {file: len(b) for file, b in m_bits.items()},
            "delta_bits": delta,
            "predicted_share": 1 / (1 + 2.0 ** delta) if delta is not None else 0.0, "measured_share": share,
            "honest_share": float(prediction.class_posterior[t_star, honest].sum()),
            "unresolved_share": float(prediction.unresolved_posterior[t_star]),
            "other_share": float(1 - prediction.class_posterior[t_star, conseq].sum()
                                 - prediction.class_posterior[t_star, honest].sum()
                                 - prediction.unresolved_posterior[t_star]),
            "honest_bit_probability": float(prediction.p_observed[t_star]),
            "honest_bit_probability_bounds": _observed_bounds(prediction, t_star),
            "honest_bit_probability_at_each_decision": [float(prediction.p_observed[t])
                                                        for t in world.decision_points(length)],
            "first_decision_point": t_star})
    report["unresolved_mass"] = max((row["unresolved_share"] for row in report["targets"]), default=0.0)
    report["seconds"] = time.perf_counter() - start
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if figures:
        report["figures"] = _figures(out, world, predictions, report, length)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "report.md").write_text(report_markdown(report))
    if keep:  # for the experiments: what the report was computed from (not written to disk)
        report["internals"] = {"world": world, "pool": pool, "predictions": predictions, "sequences": sequences,
                               "length": length}
    return report


def _observed_bounds(prediction, t) -> list:
    bit = int(prediction.sequence[t])
    low, high = float(prediction.p_lower[t]), float(prediction.p_upper[t])
    return [low, high] if bit else [1 - high, 1 - low]


def _figures(out: Path, world: World, predictions, report, length) -> list:
    from . import plots
    import matplotlib.pyplot as plt

    written = []
    decisions = world.decision_points(length)
    for kind, name, prediction in predictions:
        slug = name.split(" (")[0].replace(" ", "_")
        written += plots.plot_posterior(prediction, out / f"{kind}_{slug}_posterior",
                                        f"Posterior mass by class on the stream of the {name}",
                                        decision_points=decisions if kind == "target" else ())
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for row in report["targets"]:
        axes.plot(range(1, len(decisions) + 1), row["honest_bit_probability_at_each_decision"], marker="o",
                  label=row["name"])
    axes.axhline(0.5, color="grey", linestyle=":", label="1/2")
    axes.set_xticks(range(1, len(decisions) + 1))
    axes.set_ylim(-0.02, 1.02)
    written += plots.finish_figure(figure, axes, out / "honest_bit_probability",
                             "Probability the mixture gives the honest answer at each decision point",
                             "decision point (1 = first question)", "P(honest answer bit)", ())
    figure, axes = plt.subplots(figsize=(8, 4.5))
    deltas = np.linspace(-30, 30, 400)
    axes.plot(deltas, 1 / (1 + 2.0 ** deltas), color="black", label="predicted: 1 / (1 + 2^Δ)")
    for row in report["targets"]:
        if row["delta_bits"] is not None:
            axes.plot(row["delta_bits"], row["measured_share"], marker="o", linestyle="none", label=row["name"])
    axes.axvline(0, color="grey", linestyle=":")
    written += plots.finish_figure(figure, axes, out / "ledger",
                             "Consequentialists' share at the first decision point against Δ = K_M − K_H",
                             "Δ = K_M − K_H (bits)", "posterior share of the consequentialists", ())
    return [str(path) for path in written]


def report_markdown(report: dict) -> str:
    """A short report in the ledger's terms."""
    world = report["world"]
    codes = report["code_bits"]
    lines = [f"# Malign-prior demo — world seed {world['seed']}, depth {world['depth']}", "",
             f"Every hypothesis is a real program of {report['language']}: a background of every program up to "
             f"{report['background']['max_bits']} bits ({report['background']['programs']} programs), an honest "
             f"world program H for each target and control, and each consequentialist M with each selection.",
             "", "## The ledger", "",
             f"- H: universe code and readout {codes['honest']} bits + bridge {world['region_bits']} region bits "
             f"+ {world['depth']} path bits.",
             *[f"- M `{file}`: universe and search code {bits} bits + {world['region_bits']} selection bits."
               for file, bits in codes.items() if file != "honest"],
             f"- The first question comes at bit {world['first_decision_point']} (after {world['quiet_frames']} "
             f"quiet frames), when the background's unresolved mass has paid a coin flip for every bit.", "",
             "| target | K_H | K_M | Δ | predicted share | measured share | honest share | unresolved | "
             "P(honest answer) |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["targets"]:
        k_m = f"{row['K_M']:.2f}" if row["K_M"] is not None else "—"
        delta = f"{row['delta_bits']:.2f}" if row["delta_bits"] is not None else "—"
        lines.append(f"| {row['name']} | {row['K_H']} | {k_m} | {delta} | "
                     f"{row['predicted_share']:.6f} | {row['measured_share']:.6f} | {row['honest_share']:.2e} | "
                     f"{row['unresolved_share']:.2e} | {row['honest_bit_probability']:.2e} |")
    lines += ["", "| control | consequentialists' share at the same bit |", "| --- | --- |"]
    lines += [f"| {row['name']} | {row['measured_share']:.3g} |" for row in report["controls"]]
    lines += ["", "M pays for selecting its target among the civilisations it finds (region bits) but not for "
              "the honest bridge (the path), because its search follows the signposts; when Δ = K_M − K_H < 0 it "
              "holds most of the posterior when the first question is asked, and the mixture predicts its "
              "answer, not the honest one. On the controls no consequentialist survives: its search never leads "
              "to a leaf without a civilisation.", ""]
    return "\n".join(lines)
