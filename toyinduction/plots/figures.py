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

from toyinduction.engine.progress import in_notebook

if not in_notebook():      # files, not windows; a notebook keeps its inline backend (its figures show)
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import animation  # noqa: E402

from toyinduction.core import Status  # noqa: E402
from toyinduction.engine.enumeration import BUCKETS, Enumeration  # noqa: E402
from toyinduction.induction.mixture import UNRESOLVED, Prediction  # noqa: E402
from toyinduction.plots.palette import (OTHER_COLOUR, UNRESOLVED_CAPTION, UNRESOLVED_MEANING,  # noqa: E402
                                        UNRESOLVED_STYLE,
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


def log10_odds(masses) -> np.ndarray:
    """log10 of each column's mass over the sum of the other columns, row by row (``masses``: rows
    of masses that together make the whole, e.g. every class and the unresolved mass). Each side
    is summed from its own masses, never taken as 1 − a rounded share, so a share of 1 − 5e-07
    gives +6.3, not +inf; a zero mass gives −inf, a column holding everything +inf (nan where a row
    has no mass at all)."""
    masses = np.atleast_2d(np.asarray(masses, dtype=float))
    rest = np.column_stack([np.delete(masses, column, axis=1).sum(axis=1) for column in range(masses.shape[1])])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(masses) - np.log10(rest)


def spans_orders(prediction: Prediction, factor: float = 1e3) -> bool:
    """Whether the posterior's shares differ by orders of magnitude: some class (or the unresolved
    mass) has a nonzero mass below 1/``factor`` of the largest at some step. Where they do, the
    posterior is drawn on a log-odds axis by default."""
    masses = np.column_stack([prediction.class_posterior, prediction.unresolved_posterior])
    top = masses.max(axis=1, keepdims=True)
    return bool(((masses > 0) & (masses < top / factor)).any())


def _odds_span(values) -> float:
    """The half-height of a log-odds axis: the largest finite |value|, rounded up to 5, within 5..100."""
    finite = np.abs(values[np.isfinite(values)])
    reach = float(finite.max()) if finite.size else 5.0
    return float(min(100.0, max(5.0, np.ceil(reach / 5) * 5)))


def posterior_log_odds_figure(prediction: Prediction, title: str, decision_points=()):
    """Posterior by class after each observed bit on a log-odds axis: for every class with mass (and
    the unresolved mass, grey dashed), log10 of its mass over the mass of everything else. At the
    first decision point the figure says who holds the posterior and by how many orders of
    magnitude. Values beyond the axis are drawn at its edge (a class without mass at its bottom).
    Returns the figure."""
    n = len(prediction.sequence)
    t = np.arange(n + 1)
    names = [name for name in ordered_classes(prediction.classes)
             if prediction.class_posterior[:, prediction.classes.index(name)].max() > 0]
    masses = np.column_stack([prediction.class_posterior[:, [prediction.classes.index(name) for name in names]],
                              prediction.unresolved_posterior])
    odds = log10_odds(masses)
    span = _odds_span(odds)
    colours = class_colours(prediction.classes)
    figure, axes = plt.subplots(figsize=(10, 5))
    for column, name in enumerate([*names, UNRESOLVED_LABEL]):
        values = odds[:, column]
        if not (values > -np.inf).any():
            continue
        unresolved = name == UNRESOLVED_LABEL
        axes.step(t, np.clip(np.nan_to_num(values, nan=-span), -span, span), where="post", linewidth=1.6,
                  color=UNRESOLVED_STYLE[1] if unresolved else colours[name], linestyle="--" if unresolved else "-",
                  label=name)
    axes.axhline(0, color="grey", linewidth=0.8, linestyle=":")
    axes.set_xlim(0, n)
    axes.set_ylim(-span * 1.03, span * 1.03)
    for index, point in enumerate(decision_points or ()):
        axes.axvline(point, color="black", linestyle="--", linewidth=1,
                     label="decision point" if index == 0 else None)
    if decision_points:
        first = int(decision_points[0])
        row = masses[first]
        top = int(np.argmax(row))
        holder = [*names, "unresolved"][top]
        text = (f"first question (t = {first}): {holder} holds the posterior, odds "
                + ("all of it" if not np.isfinite(odds[first, top]) else f"10^{odds[first, top]:.1f} : 1")
                + " over the rest")
        axes.annotate(text, xy=(first, float(np.clip(odds[first, top], -span, span))), xytext=(0.02, 0.96),
                      textcoords="axes fraction", fontsize=9, va="top",
                      arrowprops={"arrowstyle": "->", "color": "#39424e", "linewidth": 0.8},
                      bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#c3c9d1"})
    axes.set_xlabel("bits observed, t")
    axes.set_ylabel("log10 odds: the class's mass : everything else")
    axes.set_title(title)
    axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    caption(figure, f"Each line is log10 of a class's posterior mass over the mass of all the others (+6: a million "
            f"to one for it, 0: even, −6: a million to one against), computed from the masses themselves, so a "
            f"share of 1 − 5e-07 reads +6.3. Lines at the bottom edge: no mass, or below −{span:g}. Grey dashed, "
            f"unresolved: {UNRESOLVED_MEANING}.")
    return figure


def posterior_figure(prediction: Prediction, title: str, decision_points=(), scale: str = "auto"):
    """Posterior mass by class after each observed bit. ``scale``: "linear" — stacked areas with
    the unresolved band (hatched, on top, explained in the caption); "log-odds" — one line per
    class on a log-odds axis (:func:`posterior_log_odds_figure`); "auto" (default) — log-odds
    where the shares differ by orders of magnitude (:func:`spans_orders`), else linear. Returns
    the figure."""
    if scale not in ("auto", "linear", "log-odds"):
        raise ValueError(f"scale must be auto, linear or log-odds, got {str(scale)[:40]!r}")
    if scale == "log-odds" or (scale == "auto" and spans_orders(prediction)):
        return posterior_log_odds_figure(prediction, title, decision_points)
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


def _probability_log10_odds(p: float) -> float:
    """log10 (p / (1 − p)) of a probability carried as a float (±inf at 0 and 1)."""
    if p <= 0:
        return -np.inf
    if p >= 1:
        return np.inf
    return float(np.log10(p) - np.log10(1 - p)) if p > 0.5 else float(np.log10(p) - np.log1p(-p) / np.log(10))


def premises_figure(premises: list, title: str = "Who holds the posterior at each target's first question, "
                    "under each premise"):
    """The demo's premise table per target on log-odds axes (``premises``: the report's premise rows,
    each with ``per_target`` rows of ``class_shares``, ``true_answer``, ``honest_bit_probability`` and
    its coin-assumption interval). Top: one marker per premise, target and class, at log10 of the
    class's mass over the rest (from the class masses themselves, so 1 − 5e-07 reads +6.3); bottom:
    the probability of each target's true answer on a log-odds axis with its interval under the coin
    assumption. A hollow marker at an edge (its target's shape): beyond the axis, or a share of exactly 0 or 1.
    Returns the figure."""
    names = [row["name"] for row in premises]
    classes = list(premises[0]["per_target"][0]["class_shares"]) if premises and premises[0]["per_target"] else []
    colours = class_colours([c for c in classes if c != "unresolved"])
    colours["unresolved"] = UNRESOLVED_STYLE[1]
    markers = SERIES_MARKERS
    targets = [target["target"] for target in premises[0]["per_target"]] if premises else []
    odds = {(x, c, i): float(log10_odds([[target["class_shares"][k] for k in classes]])[0, classes.index(c)])
            for x, row in enumerate(premises) for i, target in enumerate(row["per_target"]) for c in classes}
    answer = {(x, i): [_probability_log10_odds(p) for p in (target["honest_bit_probability"],
                                                             *target.get("honest_bit_probability_coin_interval",
                                                                         [np.nan, np.nan]))]
              for x, row in enumerate(premises) for i, target in enumerate(row["per_target"])}
    span = _odds_span(np.array([*odds.values(), *[v for values in answer.values() for v in values]], dtype=float))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    width = 0.8 / max(1, len(classes))

    def place(axes, x, value, colour, marker, label=None):
        clipped = not np.isfinite(value) or abs(value) > span
        shown = np.clip(np.nan_to_num(value, nan=-span, posinf=span, neginf=-span), -span, span)
        axes.scatter(x, shown, s=36 if clipped else 30, facecolors="none" if clipped else colour, edgecolors=colour,
                     linewidths=1.4 if clipped else 0.5, marker=marker, label=label, zorder=3)

    for c_index, cls in enumerate(classes):
        for x in range(len(premises)):
            for i, _ in enumerate(premises[x]["per_target"]):
                xx = x - 0.4 + width * (c_index + 0.5) + (i - (len(targets) - 1) / 2) * width / (len(targets) + 1)
                place(top, xx, odds[(x, cls, i)], colours[cls], markers[i % len(markers)],
                      label=cls if x == 0 and i == 0 else None)
    for i, name in enumerate(targets):       # the marker of each target, in grey, for the legend
        top.scatter([], [], marker=markers[i % len(markers)], color="#7f7f7f", label=name.split(" in ")[-1])
    for x in range(len(premises)):
        for i, target in enumerate(premises[x]["per_target"]):
            xx = x + (i - (len(targets) - 1) / 2) * 0.8 / max(1, len(targets))
            value, low, high = answer[(x, i)]
            if np.isfinite(low) and np.isfinite(high):
                bottom.vlines(xx, max(low, -span), min(high, span), color="#1f5fa8", linewidth=3, alpha=0.35)
            place(bottom, xx, value, "#39424e", markers[i % len(markers)],
                  label=f"{target['target'].split(' in ')[-1]} (true answer {target['true_answer']})" if x == 0 else None)
    for axes in (top, bottom):
        axes.axhline(0, color="grey", linewidth=0.8, linestyle=":")
        axes.set_ylim(-span * 1.08, span * 1.08)
        for x in range(1, len(premises)):
            axes.axvline(x - 0.5, color="#e6e9ee", linewidth=0.8)
    bottom.set_xticks(np.arange(len(names)), names, fontsize=8, rotation=12)
    top.set_ylabel("log10 odds: class : the rest")
    bottom.set_ylabel("log10 odds of the\ntrue answer")
    top.set_title(title)
    top.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, title="class / target", title_fontsize=8)
    handles, labels = bottom.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    bottom.legend(unique.values(), unique.keys(), loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    bottom.set_xlabel("premise imposed")
    caption(figure, f"One marker per premise, target (its shape) and class (its colour): log10 of the class's "
            f"posterior mass at the target's first question over the mass of the other classes (+6: a million to "
            f"one for it). Bottom: the probability given to the true answer, as log10 odds, with its interval under "
            f"the coin assumption (bar); probabilities within float resolution of 1 are drawn at the top. "
            f"Hollow markers at an edge: beyond ±{span:g} or exactly 0 or 1.", y=0.0)
    return figure


def plot_premises(premises: list, stem, title: str | None = None) -> list:
    """:func:`premises_figure`, saved as ``stem``.png and .svg; returns the paths."""
    return save(premises_figure(premises, *([title] if title else [])), stem)


def plot_posterior(prediction: Prediction, stem, title: str, decision_points=(), scale: str = "auto") -> list:
    """:func:`posterior_figure` (``scale``: auto, linear or log-odds), saved as ``stem``.png and
    .svg; returns the paths."""
    return save(posterior_figure(prediction, title, decision_points, scale), stem)


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
    axes.fill_between(t, coin_low, coin_high, step="mid", facecolor=MIXTURE_COLOUR, alpha=0.35,
                      edgecolor=MIXTURE_COLOUR, hatch="///", linewidth=0.5,
                      label="mixture: interval under the coin assumption")
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


def figure_count(paths) -> int:
    """How many figures ``paths`` are (one figure is written in several formats)."""
    return len({Path(path).with_suffix("").as_posix() for path in paths})
