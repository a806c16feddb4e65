"""Figures (headless matplotlib, PNG and SVG) and the animated posterior (GIF).

Every figure states what it shows in its title, labels its axes with units, has a legend,
and marks decision points when the sequence has them (dashed vertical lines).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import animation  # noqa: E402

from toyinduction.engine.enumeration import BUCKETS, Enumeration  # noqa: E402
from toyinduction.induction.mixture import Prediction  # noqa: E402

UNRESOLVED_LABEL = "unresolved (step/length limit): could be any class"


def save(figure, stem) -> list:
    """Write ``stem``.png and ``stem``.svg; return both paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    for path in paths:
        figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return paths


def trailing_mean(values, window: int) -> np.ndarray:
    """Mean of the last ``window`` values at each position (fewer at the start)."""
    total = np.cumsum(np.asarray(values, dtype=float))
    shifted = np.concatenate([np.zeros(window), total[:-window]]) if len(total) > window else np.zeros(len(total))
    counts = np.minimum(np.arange(1, len(total) + 1), window)
    return (total - shifted[: len(total)]) / counts


def finish_figure(figure, axes, stem, title, xlabel, ylabel, decision_points, legend_inside: bool = False) -> list:
    """Decision points, labels, title, a legend beside the plot (or inside it); then save."""
    for index, point in enumerate(decision_points or ()):
        axes.axvline(point, color="black", linestyle="--", linewidth=1,
                     label="decision point" if index == 0 else None)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    if legend_inside:
        axes.legend(loc="upper left", fontsize=8)
    else:
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    return save(figure, stem)


def _class_colours(classes):
    palette = plt.get_cmap("tab20")
    return [palette(index % 20) for index in range(len(classes))]


def plot_posterior(prediction: Prediction, stem, title: str, decision_points=()) -> list:
    """Stacked posterior mass by class after each observed bit, with the unresolved band."""
    n = len(prediction.sequence)
    t = np.arange(n + 1)
    figure, axes = plt.subplots(figsize=(10, 5))
    shares = [prediction.class_posterior[:, i] for i in range(len(prediction.classes))]
    keep = [i for i, share in enumerate(shares) if share.max() >= 0.01]
    other = sum((shares[i] for i in range(len(shares)) if i not in keep), np.zeros(n + 1))
    layers = [shares[i] for i in keep] + [other, prediction.unresolved_posterior]
    labels = [prediction.classes[i] for i in keep] + ["other classes (each < 1%)", UNRESOLVED_LABEL]
    colours = [_class_colours(prediction.classes)[i] for i in keep] + ["lightgrey", "white"]
    polys = axes.stackplot(t, *layers, labels=labels, colors=colours, step="post")
    polys[-1].set_hatch("///")
    polys[-1].set_edgecolor("grey")
    axes.set_xlim(0, n)
    axes.set_ylim(0, 1)
    return finish_figure(figure, axes, stem, title, "bits observed, t", "posterior mass (fraction of the mixture)",
                   decision_points)


def plot_observed_probability(prediction: Prediction, baselines: dict, stem, title: str, decision_points=()) -> list:
    """Probability given to each observed bit: the mixture with its bounds, and the baselines."""
    n = len(prediction.sequence)
    t = np.arange(1, n + 1)
    bits = np.array([int(c) for c in prediction.sequence])
    low = np.where(bits == 1, prediction.p_lower, 1 - prediction.p_upper)
    high = np.where(bits == 1, prediction.p_upper, 1 - prediction.p_lower)
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.fill_between(t, low, high, step="mid", color="tab:blue", alpha=0.2,
                      label="mixture: bounds from unresolved mass")
    axes.step(t, prediction.p_observed, where="mid", color="tab:blue", linewidth=1.5, label="mixture")
    window = max(1, min(16, n // 8))
    for name, probabilities in baselines.items():
        axes.plot(t, trailing_mean(probabilities, window), linewidth=1, alpha=0.9,
                  label=f"{name} (mean of the last {window} bits)")
    axes.set_xlim(0.5, n + 0.5)
    axes.set_ylim(-0.02, 1.02)
    return finish_figure(figure, axes, stem, title, "bit index t (1 = first bit)", "probability given to the observed bit",
                   decision_points)


def plot_log_loss(prediction: Prediction, baselines: dict, stem, title: str, decision_points=()) -> list:
    """Cumulative log-loss of the mixture and of the baselines."""
    n = len(prediction.sequence)
    t = np.arange(1, n + 1)
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.plot(t, prediction.log_loss_bits, color="tab:blue", linewidth=2, label="mixture")
    for name, probabilities in baselines.items():
        with np.errstate(divide="ignore"):
            axes.plot(t, np.cumsum(-np.log2(probabilities)), linewidth=1, label=name)
    axes.plot(t, t, color="grey", linestyle=":", linewidth=1, label="1 bit per bit (no learning)")
    return finish_figure(figure, axes, stem, title, "bits observed, t", "cumulative log-loss (bits)", decision_points)


def plot_prior_by_length(enumeration: Enumeration, stem) -> list:
    """Prior mass of the enumeration by program length and bucket (log scale)."""
    lengths = np.arange(enumeration.max_bits + 1)
    scale = 2.0 ** enumeration.max_bits
    figure, axes = plt.subplots(figsize=(10, 4.5))
    markers = "osv^D"
    for index, name in enumerate(BUCKETS):
        mass = enumeration.length_mass[index].astype(float) / scale
        shown = mass > 0
        if shown.any():
            axes.plot(lengths[shown], mass[shown], marker=markers[index], linewidth=1, label=name)
    total = enumeration.length_mass.sum(axis=0).astype(float) / scale
    axes.plot(lengths[total > 0], total[total > 0], color="black", linestyle=":", linewidth=1, label="all programs")
    axes.set_yscale("log")
    axes.set_xlabel("program length (bits read)")
    axes.set_ylabel("prior mass (sum of 2^-length), log scale")
    axes.set_title(f"Prior mass by program length and how the run ended: {enumeration.language}, "
                   f"programs up to {enumeration.max_bits} bits, {enumeration.max_steps} steps")
    axes.legend(fontsize=8)
    return save(figure, stem)


def animate_posterior(prediction: Prediction, path, title: str, every: int = 4) -> Path:
    """An animated GIF: the posterior mass of each class as the bits arrive."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(prediction.sequence)
    shares = prediction.class_posterior
    keep = [i for i in range(len(prediction.classes)) if shares[:, i].max() >= 0.01]
    labels = [prediction.classes[i] for i in keep] + ["unresolved"]
    colours = [_class_colours(prediction.classes)[i] for i in keep] + ["lightgrey"]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    bars = axes.barh(range(len(labels)), np.zeros(len(labels)), color=colours)
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlim(0, 1)
    axes.set_xlabel("posterior mass (fraction of the mixture)")
    figure.tight_layout()

    def frame(t):
        values = [shares[t, i] for i in keep] + [prediction.unresolved_posterior[t]]
        for bar, value in zip(bars, values):
            bar.set_width(value)
        seen = prediction.sequence[:t]
        axes.set_title(f"{title}\nafter {t} bits: …{seen[-40:]}", fontsize=9)
        return bars

    frames = list(range(0, n + 1, every)) + ([n] if n % every else [])
    movie = animation.FuncAnimation(figure, frame, frames=frames, blit=False)
    movie.save(path, writer=animation.PillowWriter(fps=8))
    plt.close(figure)
    return path


def plot_forecast(forecast, out_dir) -> list:
    """Write a :class:`~toyinduction.induction.solomonoff.Forecast`'s figures into ``out_dir``:
    the posterior by class, the probability of each observed bit, the cumulative log-loss (each
    against the baselines), the prior by program length and an animation. Returns their paths."""
    from toyinduction.induction.baselines import BASELINES

    out = Path(out_dir)
    sequence, prediction = forecast.sequence, forecast.prediction
    title = f"{sequence[:24]}{'…' if len(sequence) > 24 else ''}"
    probabilities = {name: function(sequence) for name, function in BASELINES.items()}
    figures = [*plot_posterior(prediction, out / "posterior", f"Posterior mass by class: {title}"),
               *plot_observed_probability(prediction, probabilities, out / "probability",
                                          f"Probability given to each observed bit: {title}"),
               *plot_log_loss(prediction, probabilities, out / "log_loss", f"Cumulative log-loss: {title}"),
               *plot_prior_by_length(forecast.enumeration, out / "prior_by_length"),
               animate_posterior(prediction, out / "posterior.gif", f"Posterior: {title}")]
    return [str(path) for path in figures]
