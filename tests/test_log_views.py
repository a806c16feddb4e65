"""Log views of posterior mass: log-odds from the masses (1 − 5e-07 is not 1), the figures' default
scale, the premises figure per target, and the recomputation's one-line errors."""

import math

import numpy as np
import pytest
from matplotlib.collections import PathCollection

from toyinduction.induction.mixture import build_pool, predict
from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.malign.recompute import recompute
from toyinduction.plots.figures import log10_odds, posterior_figure, premises_figure, spans_orders


def test_log_odds_come_from_the_masses_not_from_a_rounded_share():
    odds = log10_odds([[1 - 5e-07, 5e-07, 0.0], [1.0, 1e-60, 0.0], [0.25, 0.25, 0.5]])
    assert math.isclose(odds[0, 0], math.log10((1 - 5e-07) / 5e-07), rel_tol=1e-9)
    assert math.isclose(odds[0, 1], -odds[0, 0], rel_tol=1e-9) and odds[0, 2] == -np.inf
    assert math.isclose(odds[1, 0], 60.0, rel_tol=1e-12)     # a share that rounds to 1.0: +60, not +inf
    assert odds[2, 2] == 0.0 and math.isclose(odds[2, 0], math.log10(1 / 3), rel_tol=1e-12)
    assert log10_odds([[1.0, 0.0]])[0, 0] == np.inf


@pytest.fixture(scope="module")
def prediction():
    """Every program up to 20 bits on 0101…: the 19-bit "loop idx out end" takes the posterior, the
    unresolved and the other bands keep shares orders of magnitude smaller."""
    pool = build_pool(TOY, enumerate_programs(TOY, 20, 1000, 18), 18)
    return predict(pool, "0101010101010101")


def test_the_posterior_is_drawn_on_log_odds_where_shares_differ_by_orders_of_magnitude(prediction):
    assert spans_orders(prediction)
    figure = posterior_figure(prediction, "test")
    (axes,) = [a for a in figure.axes]
    assert "log10 odds" in axes.get_ylabel()
    low, high = axes.get_ylim()
    assert low < -5 and high > 5
    drawn = {line.get_label() for line in axes.get_lines()}
    masses = np.column_stack([prediction.class_posterior, prediction.unresolved_posterior])
    with_mass = {name for j, name in enumerate(prediction.classes) if masses[:, j].max() > 0}
    assert with_mass <= drawn           # every class with mass has its line, however small its share
    linear = posterior_figure(prediction, "test", scale="linear")
    assert linear.axes[0].get_ylim() == (0.0, 1.0)
    with pytest.raises(ValueError, match="scale must be"):
        posterior_figure(prediction, "test", scale="logarithmic")


def _premise(name, shares_per_target, p_true):
    return {"name": name, "excluded": name, "per_target": [
        {"target": f"civilisation in region {i}", "true_answer": 0, "class_shares": shares,
         "honest_bit_probability": p, "honest_bit_probability_coin_interval": [p, p], "holder": max(shares, key=shares.get)}
        for i, (shares, p) in enumerate(zip(shares_per_target, p_true))]}


def test_the_premises_figure_puts_one_marker_per_premise_target_and_class_on_log_odds():
    classes = ("honest", "deviating, not goal-directed", "goal-directed", "unresolved")
    rows = [_premise("full-pool", [dict(zip(classes, (5e-07, 1 - 5e-07, 1e-25, 0.0))),
                                   dict(zip(classes, (1e-60, 1.0, 1e-24, 0.0)))], [5e-07, 1e-15]),
            _premise("not-told", [dict(zip(classes, (0.0078, 0.0, 0.9922, 0.0)))] * 2, [0.0078, 0.0078])]
    figure = premises_figure(rows)
    top, bottom = figure.axes[:2]
    def markers(axes):
        return np.concatenate([c.get_offsets() for c in axes.collections
                               if isinstance(c, PathCollection) and len(c.get_offsets())])

    points = markers(top)
    assert len(points) == len(rows) * 2 * len(classes)          # no means: one marker each
    heights = sorted(points[:, 1])
    span = top.get_ylim()[1] / 1.08
    assert any(math.isclose(h, 24.0, rel_tol=1e-6) for h in heights)       # 1.0 against 1e-60 + 1e-24: +24
    assert any(math.isclose(h, -60.0, rel_tol=1e-6) for h in heights)      # 1e-60 against the rest: −60
    assert any(math.isclose(h, math.log10((1 - 5e-07) / 5e-07), rel_tol=1e-6) for h in heights)
    assert math.isclose(heights[0], -span)                                  # zero shares at the bottom edge
    answers = markers(bottom)
    assert len(answers) == len(rows) * 2
    assert any(math.isclose(h, -15.0, rel_tol=1e-6) for h in answers[:, 1])


def test_a_bad_choice_is_a_one_line_error():
    table = {"speed": 0.0, "charge_owed_steps": True, "classes": [], "premises": [], "programs": [], "questions": []}
    for kwargs, message in (({"premises": ("no-gods",)}, "unknown premise"), ({"speed": -1}, "finite number >= 0"),
                            ({"off": ("nothing.toy",)}, "no program or length band"),
                            ({"off_classes": ("evil",)}, "unknown class")):
        with pytest.raises(ValueError, match=message) as error:
            recompute(table, **kwargs)
        assert "\n" not in str(error.value)
