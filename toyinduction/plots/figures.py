"""Figures (headless matplotlib, PNG and SVG) and the animated posterior (GIF).

Every figure states what it shows in its title, labels its axes with units, has a legend, and
marks decision points when the sequence has them (dashed vertical lines). Colours come from
:mod:`toyinduction.plots.palette`, the explorer's palette: one colour per class, never repeated
within a figure, grouped by family (background greys, honest blues, consequentialist reds, other
named programs greens, purples and oranges); the unresolved band is light and hatched and its
caption says what it is. A legend lists only what has mass in the figure, in the order it is
stacked (top of the legend = top of the stack). Each ``*_figure`` function returns the
matplotlib figure (nothing written); its ``plot_*`` twin saves it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import animation  # noqa: E402

from toyinduction.core import Status  # noqa: E402
from toyinduction.engine.enumeration import BUCKETS, Enumeration  # noqa: E402
from toyinduction.induction.mixture import UNRESOLVED, Prediction  # noqa: E402
from toyinduction.plots.palette import (OTHER_COLOUR, UNRESOLVED_CAPTION, UNRESOLVED_STYLE,  # noqa: E402
                                        class_colours, class_family, ordered_classes, series_colours)

UNRESOLVED_LABEL = "unresolved (step/length limit): could be any class"
OTHER_LABEL = "other classes (each < 1%)"
#: the mixture's own colour (the explorer's accent blue)
MIXTURE_COLOUR = "#1f5fa8"
#: line styles and markers for series that may coincide: each series gets its own, and its
#: markers sit at its own offset, so a series drawn over another does not hide it
SERIES_STYLES = ("-", "--", "-.", ":")
SERIES_MARKERS = "osD^v<>phX*"


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


def caption(figure, text: str, width: int = 130, y: float = -0.01) -> None:
    """A caption under the figure, its top at ``y`` (figure coordinates; wrapped at ``width``
    characters; kept inside the saved image)."""
    figure.text(0.01, y, "\n".join(textwrap.wrap(text, width)), ha="left", va="top", fontsize=8,
                color="#39424e")


def decorate(figure, axes, title, xlabel, ylabel, decision_points=(), legend_inside: bool = False) -> None:
    """Decision points (dashed vertical lines), labels, title and a legend beside the plot (or
    inside it) — only of the entries that have a label."""
    for index, point in enumerate(decision_points or ()):
        axes.axvline(point, color="black", linestyle="--", linewidth=1,
                     label="decision point" if index == 0 else None)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    handles, labels = axes.get_legend_handles_labels()
    if not handles:
        return
    if legend_inside:
        axes.legend(loc="upper left", fontsize=8)
    else:
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)


def finish_figure(figure, axes, stem, title, xlabel, ylabel, decision_points, legend_inside: bool = False) -> list:
    """:func:`decorate`, then save; returns the paths written."""
    decorate(figure, axes, title, xlabel, ylabel, decision_points, legend_inside)
    return save(figure, stem)


def posterior_layers(prediction: Prediction, threshold: float = 0.01) -> list:
    """The stacked layers of a posterior figure, bottom to top: [(label, values, colour)].

    Every class that reaches ``threshold`` of the mixture at some step, in the palette's stacking
    order (background bands, other named programs, honest, consequentialist); the classes that
    never do, lumped as one layer just above the background bands; the unresolved mass on top. A layer that is zero throughout is
    left out, so no legend entry is empty."""
    n = len(prediction.sequence)
    shares = {name: prediction.class_posterior[:, i] for i, name in enumerate(prediction.classes)}
    colours = class_colours(prediction.classes)
    kept = [name for name in ordered_classes(prediction.classes) if shares[name].max() >= threshold]
    other = sum((share for name, share in shares.items() if name not in kept), np.zeros(n + 1))
    background = [name for name in kept if class_family(name) == "background"]
    layers = [(name, shares[name], colours[name]) for name in background]
    layers.append((OTHER_LABEL, other, OTHER_COLOUR))
    layers += [(name, shares[name], colours[name]) for name in kept if name not in background]
    layers.append((UNRESOLVED_LABEL, prediction.unresolved_posterior, UNRESOLVED_STYLE[0]))
    return [(label, values, colour) for label, values, colour in layers if np.max(values) > 0]


def posterior_figure(prediction: Prediction, title: str, decision_points=()):
    """Stacked posterior mass by class after each observed bit, with the unresolved band (hatched,
    on top, explained in the caption). Returns the figure."""
    n = len(prediction.sequence)
    t = np.arange(n + 1)
    figure, axes = plt.subplots(figsize=(10, 5))
    layers = posterior_layers(prediction)
    polys = axes.stackplot(t, *[values for _, values, _ in layers], labels=[label for label, _, _ in layers],
                           colors=[colour for _, _, colour in layers], step="post")
    for poly, (label, _, _) in zip(polys, layers):
        if label == UNRESOLVED_LABEL:
            poly.set_hatch(UNRESOLVED_STYLE[2])
            poly.set_edgecolor(UNRESOLVED_STYLE[1])
    axes.set_xlim(0, n)
    axes.set_ylim(0, 1)
    for index, point in enumerate(decision_points or ()):
        axes.axvline(point, color="black", linestyle="--", linewidth=1,
                     label="decision point" if index == 0 else None)
    axes.set_xlabel("bits observed, t")
    axes.set_ylabel("posterior mass (fraction of the mixture)")
    axes.set_title(title)
    handles, labels = axes.get_legend_handles_labels()
    stacked = len(layers)                     # the legend reads like the stack: top layer first
    order = list(range(stacked))[::-1] + list(range(stacked, len(handles)))
    axes.legend([handles[i] for i in order], [labels[i] for i in order], loc="center left",
                bbox_to_anchor=(1.01, 0.5), fontsize=8)
    caption(figure, UNRESOLVED_CAPTION + " Legend from the top of the stack down; classes that never reach 1% of "
            "the mixture are lumped as \"other classes\".")
    return figure


def plot_posterior(prediction: Prediction, stem, title: str, decision_points=()) -> list:
    """:func:`posterior_figure`, saved as ``stem``.png and .svg; returns the paths."""
    return save(posterior_figure(prediction, title, decision_points), stem)


def _series(axes, t, values, index: int, label: str, colour, period: int) -> None:
    """One line among several that may coincide: its own line style, and its own markers at its
    own offset, so that it shows even where another is drawn over it."""
    axes.plot(t, values, color=colour, linewidth=1, linestyle=SERIES_STYLES[index % len(SERIES_STYLES)],
              marker=SERIES_MARKERS[index % len(SERIES_MARKERS)], markersize=4,
              markevery=(index * max(1, period // 4) % max(1, period), max(1, period)), label=label)


def observed_probability_figure(prediction: Prediction, baselines: dict, title: str, decision_points=()):
    """Probability given to each observed bit: the mixture with its bounds, and the baselines
    (each its own style and offset markers, so none hides another). Returns the figure."""
    n = len(prediction.sequence)
    t = np.arange(1, n + 1)
    bits = np.array([int(c) for c in prediction.sequence])
    low = np.where(bits == 1, prediction.p_lower, 1 - prediction.p_upper)
    high = np.where(bits == 1, prediction.p_upper, 1 - prediction.p_lower)
    coin_low = np.where(bits == 1, prediction.p_coin_lower, 1 - prediction.p_coin_upper)
    coin_high = np.where(bits == 1, prediction.p_coin_upper, 1 - prediction.p_coin_lower)
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.fill_between(t, low, high, step="mid", color=MIXTURE_COLOUR, alpha=0.15,
                      label="mixture: model-free interval")
    axes.fill_between(t, coin_low, coin_high, step="mid", facecolor="none", edgecolor=MIXTURE_COLOUR, hatch="///",
                      linewidth=0, label="mixture: interval under the coin assumption")
    axes.step(t, prediction.p_observed, where="mid", color=MIXTURE_COLOUR, linewidth=1.5, label="mixture")
    window = max(1, min(16, n // 8))
    colours = series_colours(len(baselines) + 1)[1:]
    for index, (name, probabilities) in enumerate(baselines.items()):
        _series(axes, t, trailing_mean(probabilities, window), index, f"{name} (mean of the last {window} bits)",
                colours[index], max(1, n // 12))
    axes.set_xlim(0.5, n + 0.5)
    axes.set_ylim(-0.02, 1.02)
    decorate(figure, axes, title, "bit index t (1 = first bit)", "probability given to the observed bit",
             decision_points)
    caption(figure, "Shaded: the mixture's model-free interval (the unresolved programs, stopped at a step or length "
            "limit, could still print anything). Hatched: the interval if they continue as fair coin flips, as the "
            "estimate assumes.")
    return figure


def plot_observed_probability(prediction: Prediction, baselines: dict, stem, title: str, decision_points=()) -> list:
    """:func:`observed_probability_figure`, saved as ``stem``.png and .svg; returns the paths."""
    return save(observed_probability_figure(prediction, baselines, title, decision_points), stem)


def log_loss_figure(prediction: Prediction, baselines: dict, title: str, decision_points=()):
    """Cumulative log-loss of the mixture and of the baselines (each its own style and offset
    markers, so none hides another). Returns the figure."""
    n = len(prediction.sequence)
    t = np.arange(1, n + 1)
    figure, axes = plt.subplots(figsize=(10, 4.5))
    axes.plot(t, prediction.log_loss_bits, color=MIXTURE_COLOUR, linewidth=2, label="mixture")
    colours = series_colours(len(baselines) + 1)[1:]
    for index, (name, probabilities) in enumerate(baselines.items()):
        with np.errstate(divide="ignore"):
            _series(axes, t, np.cumsum(-np.log2(probabilities)), index, name, colours[index], max(1, n // 12))
    axes.plot(t, t, color="grey", linestyle=":", linewidth=1, label="1 bit per bit (no learning)")
    decorate(figure, axes, title, "bits observed, t", "cumulative log-loss (bits)", decision_points)
    return figure


def plot_log_loss(prediction: Prediction, baselines: dict, stem, title: str, decision_points=()) -> list:
    """:func:`log_loss_figure`, saved as ``stem``.png and .svg; returns the paths."""
    return save(log_loss_figure(prediction, baselines, title, decision_points), stem)


def prior_by_length_figure(enumeration: Enumeration):
    """Prior mass of the enumeration by program length and how the run ended (log scale).
    Returns the figure."""
    lengths = np.arange(enumeration.max_bits + 1)
    scale = 2.0 ** enumeration.max_bits
    figure, axes = plt.subplots(figsize=(10, 4.5))
    colours = series_colours(len(BUCKETS))
    for index, name in enumerate(BUCKETS):      # a line joins adjacent lengths only, never across a gap
        mass = enumeration.length_mass[index].astype(float) / scale
        if (mass > 0).any():
            axes.plot(lengths, np.where(mass > 0, mass, np.nan), marker=SERIES_MARKERS[index], linewidth=1,
                      label=name, color=colours[index])
    total = enumeration.length_mass.sum(axis=0).astype(float) / scale
    axes.plot(lengths, np.where(total > 0, total, np.nan), color="black", linestyle=":", linewidth=1,
              label="all programs")
    axes.set_yscale("log")
    axes.set_xlabel("program length (bits read)")
    axes.set_ylabel("prior mass (sum of 2^-length), log scale")
    axes.set_title(f"Prior mass by program length and how the run ended: {enumeration.language}, "
                   f"programs up to {enumeration.max_bits} bits, {enumeration.max_steps} steps")
    axes.legend(fontsize=8)
    unresolved = " and ".join(Status(int(status)).label for status in UNRESOLVED)
    caption(figure, f"{unresolved} runs are the unresolved ones: stopped at the step budget or at the last bit "
            "enumerated, they could still print anything.")
    return figure


def plot_prior_by_length(enumeration: Enumeration, stem) -> list:
    """:func:`prior_by_length_figure`, saved as ``stem``.png and .svg; returns the paths."""
    return save(prior_by_length_figure(enumeration), stem)


def animate_posterior(prediction: Prediction, path, title: str, every: int = 4) -> Path:
    """An animated GIF: the posterior mass of each class as the bits arrive (the classes and
    colours of :func:`posterior_figure`, bottom bar = bottom of its stack)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(prediction.sequence)
    layers = posterior_layers(prediction)
    labels = [label for label, _, _ in layers]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    bars = axes.barh(range(len(labels)), np.zeros(len(labels)), color=[colour for _, _, colour in layers],
                     edgecolor=[UNRESOLVED_STYLE[1] if label == UNRESOLVED_LABEL else "none" for label in labels])
    for bar, label in zip(bars, labels):
        if label == UNRESOLVED_LABEL:
            bar.set_hatch(UNRESOLVED_STYLE[2])
    axes.set_yticks(range(len(labels)), labels, fontsize=8)
    axes.set_xlim(0, 1)
    axes.set_xlabel("posterior mass (fraction of the mixture)")
    figure.tight_layout(rect=(0, 0, 1, 0.88))        # room for the two-line title set per frame

    def frame(t):
        for bar, (_, values, _) in zip(bars, layers):
            bar.set_width(values[t])
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
    title = f"{sequence[:24]}{'…' * (len(sequence) > 24)}"
    probabilities = {name: function(sequence) for name, function in BASELINES.items()}
    figures = [*plot_posterior(prediction, out / "posterior", f"Posterior mass by class: {title}"),
               *plot_observed_probability(prediction, probabilities, out / "probability",
                                          f"Probability given to each observed bit: {title}"),
               *plot_log_loss(prediction, probabilities, out / "log_loss", f"Cumulative log-loss: {title}"),
               *plot_prior_by_length(forecast.enumeration, out / "prior_by_length"),
               animate_posterior(prediction, out / "posterior.gif", f"Posterior: {title}")]
    return [str(path) for path in figures]
