"""The mixture: predictions, bounds and posteriors against a literal naive computation;
bounds that nest; exact prior accounting with named programs; weighting; baselines; plots;
the experiment and the predict command."""

import json
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

import naive
from toyinduction.machines.toy.assembler import assemble
from toyinduction.induction.baselines import ctw, kt, laplace, lz78
from toyinduction.cli import main
from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.induction.mixture import most_probable_continuation, predict_next, NamedProgram, Weighting, build_pool, predict
from toyinduction.machines.shipped import programs_dir

THUE = assemble("loop idx 0 loop over not brk over 1 and xor swap 1 shr swap end out drop end", TOY)
SLOW_ONES = assemble("loop 40 rep end 1 out end", TOY)     # 1111… but 40 idle steps per bit


def pool_for(sequence, max_bits, max_steps, named=()):
    enumeration = enumerate_programs(TOY, max_bits, max_steps, len(sequence) + 1)
    programs = [NamedProgram(f"named{i}", bits, f"named{i}") for i, bits in enumerate(named)]
    return build_pool(TOY, enumeration, len(sequence) + 1, programs)


CASES = [("0110100110010110", 12, 200, (THUE,)), ("1111111111", 13, 300, ()), ("01010101011", 12, 100, (THUE,)),
         ("0", 10, 50, ())]


@pytest.mark.parametrize("speed, step_cap", [(0.0, None), (1.5, None), (0.0, 60)])
@pytest.mark.parametrize("sequence, max_bits, max_steps, named", CASES, ids=[c[0] for c in CASES])
def test_predictions_bounds_and_posteriors_equal_the_naive_computation(sequence, max_bits, max_steps, named, speed,
                                                                       step_cap):
    """Also under a speed prior, where an unresolved run is charged the steps it must still take,
    and under a step cap, where a run that cannot write the next bit in time is out; the coin
    interval too."""
    pool = pool_for(sequence, max_bits, max_steps, named)
    prediction = predict(pool, sequence, Weighting(speed=speed, step_cap=step_cap))
    steps, posteriors = naive.predict_naively(TOY, sequence, max_bits, max_steps, named, speed=speed,
                                              step_cap=step_cap)
    for t, (p_one, p_low, p_high, coin_low, coin_high) in enumerate(steps):
        assert prediction.p_next_one[t] == pytest.approx(float(p_one), rel=1e-9, abs=1e-15)
        assert prediction.p_lower[t] == pytest.approx(float(p_low), rel=1e-9, abs=1e-15)
        assert prediction.p_upper[t] == pytest.approx(float(p_high), rel=1e-9, abs=1e-15)
        assert prediction.p_coin_lower[t] == pytest.approx(float(coin_low), rel=1e-9, abs=1e-15)
        assert prediction.p_coin_upper[t] == pytest.approx(float(coin_high), rel=1e-9, abs=1e-15)
        assert p_low <= coin_low <= p_one <= coin_high <= p_high
    named_columns = [i for i, label in enumerate(prediction.classes) if label.startswith("named")]
    for t, (named_share, unresolved_share) in enumerate(posteriors):
        assert prediction.class_posterior[t, named_columns].sum() == pytest.approx(float(named_share), abs=1e-12)
        assert prediction.unresolved_posterior[t] == pytest.approx(float(unresolved_share), abs=1e-12)


def test_posterior_after_every_bit():
    sequence = "0110100110"
    prediction = predict(pool_for(sequence, 12, 200, (THUE,)), sequence)
    for t in range(len(sequence) + 1):
        posterior = prediction.posterior_after(t)
        resolved_share = prediction.class_posterior[t].sum()
        assert posterior.sum() == pytest.approx(1.0)
        assert resolved_share + prediction.unresolved_posterior[t] == pytest.approx(1.0)
    assert np.allclose(prediction.posterior_after(len(sequence)), prediction.final_posterior)


def test_prior_mass_stays_exactly_one_with_named_programs():
    pool = pool_for("0110", 12, 100, (THUE, SLOW_ONES))
    assert pool.prior_mass() == 1
    assert sum(pool.named) == 2


def test_a_named_program_the_enumeration_contains_is_not_counted_twice():
    alternate = NamedProgram.from_file(programs_dir() / "alternate.toy", TOY)  # 19 bits
    enumeration = enumerate_programs(TOY, 20, 200, 9)
    plain = build_pool(TOY, enumeration, 9)
    with_it = build_pool(TOY, enumeration, 9, [alternate])
    assert with_it.size == plain.size and with_it.prior_mass() == 1
    assert with_it.label.count("alternate") == 1


@pytest.mark.parametrize("seed", range(3))
def test_bounds_contain_the_prediction_and_nest_as_the_enumeration_grows(seed):
    rng = random.Random(seed)
    sequence = rng.choice(["0101010101", "1111111111", "0110100110", "0010010010"])[: rng.randint(4, 10)]
    small, large = (predict(pool_for(sequence, bits, steps), sequence) for bits, steps in ((12, 100), (17, 400)))
    for p in (small, large):
        assert np.all(p.p_lower <= p.p_next_one + 1e-15) and np.all(p.p_next_one <= p.p_upper + 1e-15)
    assert np.all(small.p_lower <= large.p_lower + 1e-12) and np.all(large.p_upper <= small.p_upper + 1e-12)
    # so the larger enumeration's prediction (closer to the exact value) is inside the smaller's bounds
    assert np.all(small.p_lower <= large.p_next_one + 1e-12) and np.all(large.p_next_one <= small.p_upper + 1e-12)


def test_the_step_cap_tightening_is_exact():
    """A run the step cap takes out of the model-free interval really cannot write the next bit in
    time: rerun with the cap as its budget, it has not written it."""
    from toyinduction.machines.toy.kernel import run

    sequence, cap = "0101010101", 32
    pool = pool_for(sequence, 12, 30)
    checked = 0
    for t in range(len(sequence)):
        seen = sequence[:t]
        for index in np.flatnonzero(pool.unresolved):
            output = "".join(map(str, pool.outputs[index][: pool.output_length[index]]))
            if seen.startswith(output) and pool.steps[index] + (t + 1 - len(output)) > cap:
                assert len(run(TOY, pool.bits[index], cap, t + 1).output) <= t
                checked += 1
    assert checked > 0
    capped, plain = predict(pool, sequence, Weighting(step_cap=cap)), predict(pool, sequence)
    assert np.all(capped.p_upper - capped.p_lower <= plain.p_upper - plain.p_lower + 1e-12)


def test_speed_prior_and_step_cap():
    fast_ones = assemble("loop 1 out end", TOY)
    sequence = "111111"
    pool = pool_for(sequence, 10, 100, (fast_ones, SLOW_ONES))
    fast, slow = (pool.bits.index(bits) for bits in (fast_ones, SLOW_ONES))
    plain = predict(pool, sequence)
    ratio = plain.final_posterior[fast] / plain.final_posterior[slow]
    assert ratio == pytest.approx(2.0 ** (len(SLOW_ONES) - len(fast_ones)))
    speedy = predict(pool, sequence, Weighting(speed=1.0))
    faster = speedy.final_posterior[fast] / speedy.final_posterior[slow]
    assert faster == pytest.approx(ratio * pool.steps[slow] / pool.steps[fast])
    capped = predict(pool, sequence, Weighting(step_cap=int(pool.steps[fast])))
    assert capped.final_posterior[slow] == 0 and capped.final_posterior[fast] > 0
    with pytest.raises(ValueError):
        Weighting(speed=-1)


def test_the_speed_prior_charges_unresolved_runs_the_steps_they_still_owe():
    """A program that has written k of the t observed bits must run at least t - k more steps."""
    weighting = Weighting(speed=2.0)
    owed = weighting.steps_still_owed(np.array([3, 100, 5]), np.array([5, 0, -2]))
    assert owed == pytest.approx([2 * (np.log2(8) - np.log2(3)), 0.0, 0.0])
    assert not Weighting(speed=2.0, charge_owed_steps=False).steps_still_owed(np.array([3]), np.array([5])).any()


def test_laplace_kt_and_lz78_by_hand():
    # probabilities given to the observed bits of 0110
    assert list(laplace("0110")) == pytest.approx([1 / 2, 1 / 3, 2 / 4, 1 - 3 / 5])
    assert list(kt("0110")) == pytest.approx([1 / 2, 0.5 / 2, 1.5 / 3, 1 - 2.5 / 4])
    # LZ78 parses 0110 as "0", "1", "10": the root's KT counts predict bits 1-3, node "1" bit 4
    assert list(lz78("0110")) == pytest.approx([0.5, 0.5 / 2, 1.5 / 3, 0.5])


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_ctw_equals_its_recursive_definition(depth):
    rng = random.Random(depth)
    for _ in range(5):
        sequence = "".join(rng.choice("01") for _ in range(rng.randint(1, 12)))
        sequential = math.prod(ctw(sequence, depth))
        assert sequential == pytest.approx(float(naive.ctw_block_probability(sequence, depth)), rel=1e-9)
    assert list(ctw("0110111", 0)) == pytest.approx(list(kt("0110111")))


def test_plots_write_png_svg_and_gif(tmp_path):
    from toyinduction import plots

    sequence = "0110100110010110"
    enumeration = enumerate_programs(TOY, 12, 100, len(sequence) + 1)
    pool = build_pool(TOY, enumeration, len(sequence) + 1, [NamedProgram("thue", THUE, "thue")])
    prediction = predict(pool, sequence)
    written = [*plots.plot_posterior(prediction, tmp_path / "a", "t", decision_points=[5]),
               *plots.plot_observed_probability(prediction, {"kt": kt(sequence)}, tmp_path / "b", "t", [5]),
               *plots.plot_log_loss(prediction, {"kt": kt(sequence)}, tmp_path / "c", "t"),
               *plots.plot_prior_by_length(enumeration, tmp_path / "d"),
               plots.animate_posterior(prediction, tmp_path / "e.gif", "t")]
    assert len(written) == 9 and all(path.stat().st_size > 1000 for path in written)


def test_the_probability_figure_draws_both_intervals():
    """Beside the model-free band, the interval under the coin assumption (on 0101... at 20 bits
    the narrower one by far at the last bit, so the figure shows what the estimate rests on)."""
    from matplotlib.collections import PolyCollection

    from toyinduction.plots.figures import observed_probability_figure

    sequence = "01" * 12
    enumeration = enumerate_programs(TOY, 20, 1000, len(sequence) + 1)
    prediction = predict(build_pool(TOY, enumeration, len(sequence) + 1, []), sequence)
    figure = observed_probability_figure(prediction, {}, "t")
    axes = figure.axes[0]
    labels = axes.get_legend_handles_labels()[1]
    assert "mixture: model-free interval" in labels and "mixture: interval under the coin assumption" in labels
    assert len([c for c in axes.collections if isinstance(c, PolyCollection)]) == 2     # two bands, no more
    assert float(prediction.p_coin_upper[-1] - prediction.p_coin_lower[-1]) < float(
        prediction.p_upper[-1] - prediction.p_lower[-1]) / 2


def test_experiment_runs_end_to_end(tmp_path):
    from toyinduction.malign.experiments import BASIC_SEQUENCES, solomonoff_basics

    result = solomonoff_basics(max_bits=12, max_steps=300, length=40, gif=False)
    assert not (tmp_path / "out").exists()
    result.write(tmp_path / "out")
    document = result.document
    assert len(document["table"]) == len(BASIC_SEQUENCES) >= 8
    for row in document["table"]:
        assert math.isfinite(row["mixture_log_loss_bits"])
        if row["K_bits"] is not None:
            assert row["bound_holds"], row  # Solomonoff's bound: Σ squared error <= (ln 2 / 2) K
    saved = json.loads((tmp_path / "out" / "results.json").read_text())
    assert Fraction(saved["pool_prior_mass"]) == 1
    assert (tmp_path / "out" / "table.md").read_text().count("\n") == len(BASIC_SEQUENCES) + 2
    assert all((tmp_path / "out" / path).exists() for path in document["figures"])


def test_predict_command(tmp_path):
    store = str(tmp_path / "runs")
    args = ["predict", "0110100110", "--max-bits", "12", "--max-steps", "100", "--store", store, "--json",
            "--program", str(programs_dir() / "thue_morse.toy"), "--top", "2"]
    document = json.loads(CliRunner().invoke(main, args).output)
    assert [set(step) for step in document["steps"]] == [{"t", "bit", "p_next_one", "p_lower", "p_upper",
                                                           "p_coin_lower", "p_coin_upper"}] * 10
    assert [step["t"] for step in document["steps"]] == list(range(1, 11))     # x_t, counted from 1
    assert document["steps_meaning"].startswith("steps[i] is bit x_t, t = i + 1: p_next_one = P(x_t = 1 | x_<t)")
    assert set(document["next"]) == {"p_next_one", "p_lower", "p_upper", "p_coin_lower", "p_coin_upper",
                                     "unresolved_raw_share"} and len(document["continuation"]) == 8
    upcoming = document["next"]
    assert upcoming["p_lower"] <= upcoming["p_coin_lower"] <= upcoming["p_next_one"] <= upcoming["p_coin_upper"] \
        <= upcoming["p_upper"]
    assert document["why_the_interval_is_wide"].startswith(f"{upcoming['unresolved_raw_share']:.4g} of the prior")
    assert document["log_loss_bits"] > 0 and document["top_hypotheses"][0]["class"] == "thue_morse"
    assert json.loads(CliRunner().invoke(main, args).output)["enumeration_loaded_from_store"]
    from_program = CliRunner().invoke(main, ["predict", str(programs_dir() / "period3.toy"), "--length", "12",
                                             "--max-bits", "10", "--store", store, "--json",
                                             "--out", str(tmp_path / "figures")])
    assert json.loads(from_program.output)["sequence"] == "001001001001"
    assert (tmp_path / "figures" / "posterior.gif").exists()
    bad = CliRunner().invoke(main, ["predict", "01x1", "--store", store])
    assert bad.exit_code == 1 and "not a bit string" in bad.output


def test_the_next_unseen_bit_is_step_n_of_the_mixture():
    """P(x_{n+1} = 1 | x) does not depend on the bit that follows, so it is step n of a prediction over
    x extended by either bit; the continuation follows the more probable bit, step by step."""
    sequence = "0110100110"
    pool = pool_for(sequence + "0" * 4, 12, 200, (THUE,))
    upcoming = predict_next(pool, sequence)
    for bit in "01":
        extended = predict(pool, sequence + bit)
        assert upcoming["p_next_one"] == pytest.approx(extended.p_next_one[len(sequence)])
        assert [upcoming["p_lower"], upcoming["p_upper"]] == pytest.approx(
            [extended.p_lower[len(sequence)], extended.p_upper[len(sequence)]])
    alternating = "01" * 6
    continuation = most_probable_continuation(pool_for(alternating + "0" * 4, 20, 200), alternating, 3)
    assert "".join(str(step["bit"]) for step in continuation) == "010"
    assert all(step["p_lower"] <= step["p"] <= step["p_upper"] and step["p"] >= 0.5 for step in continuation)
    with pytest.raises(ValueError, match="needs"):
        predict_next(pool, sequence + "0" * 4)


def test_predict_predicts_the_next_bit_and_says_when_the_pool_cannot_explain_the_data(tmp_path):
    store = str(tmp_path / "runs")
    alternating = CliRunner().invoke(main, ["predict", "01" * 12, "--max-bits", "20", "--store", store])
    last = alternating.output.strip().splitlines()[-1]
    assert last.startswith("next bit x_25: P(x_25 = 1 | x) = ")
    assert float(last.split(" = ")[2].split(";")[0]) < 0.01
    low, high = (float(x) for x in last.split("coin assumption [")[1].split("]")[0].split(", "))
    assert 0 <= low <= high < 0.01          # the interval under the coin assumption informs
    assert "model-free interval [0.0000, 0.9999]" in last and "stopped at a step or length limit" in last
    document = json.loads(CliRunner().invoke(main, ["predict", "01" * 12, "--max-bits", "20", "--store", store,
                                                    "--json"]).output)
    assert document["next"]["p_next_one"] < 0.01 and document["continuation"] == "01010101"
    period3 = CliRunner().invoke(main, ["predict", "001" * 6, "--max-bits", "12", "--store", store, "--json"])
    advice = json.loads(period3.output)["advice"]
    assert "cannot explain" in advice and "period3.toy (46 bits)" in advice


def test_a_pool_too_large_is_refused_before_it_is_allocated(monkeypatch):
    """Memory is bounded: hypotheses x output bits above MAX_POOL_CELLS is a one-line error."""
    from toyinduction.induction import mixture as posterior

    enumeration = enumerate_programs(TOY, 10, 50, 4)
    monkeypatch.setattr(posterior, "MAX_POOL_CELLS", 10)
    with pytest.raises(ValueError, match="the pool would hold .* enumerate fewer bits or predict a shorter"):
        build_pool(TOY, enumeration, 4)
