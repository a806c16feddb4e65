"""The experiments: each computes without writing, writes what it says when asked, shows its
claim; and their figures do not mislead (one colour per class, no empty legend entries)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

import toyinduction as ti
from toyinduction.malign.experiments import importance_pointer, rivals, speed_prior, takeover


def test_takeover_follows_the_ledger_across_the_crossing(tmp_path):
    result = takeover(depths=(8, 20, 36, 48), max_bits=12)
    document = result.document
    result.write(tmp_path)
    deltas = [row["delta_bits"] for row in document["rows"]]
    assert min(deltas) < 0 < max(deltas)                              # both regimes
    assert document["max_abs_error"] <= 0.01                          # measured = 1 / (1 + 2^Δ)
    for row in document["rows"]:
        assert (row["measured_share"] > 0.5) == (row["delta_bits"] < 0)
    assert json.loads((tmp_path / "results.json").read_text())["rows"] == document["rows"]
    assert (tmp_path / "takeover.png").exists()


def test_the_pointer_absorbs_every_consequentialist_whose_malice_costs_bits():
    document = importance_pointer(max_bits=12).document
    for file, entry in document["results"].items():
        before, after = entry["without the pointer"], entry["with the pointer"]
        for row in before["targets"]:                                 # against the bridge readers: the ledger
            assert row["measured_share"] == pytest.approx(row["predicted_share"], abs=0.01)
        price = entry["price_of_malice_bits"]
        odds = sum(2.0 ** (entry["code_bits"] - bits) for bits in entry["pointer_code_bits"].values())
        assert after["mean_share"] == pytest.approx(1 / (1 + odds), abs=0.01)         # the pointers decide
        if price:                                                    # a tie (price 0) splits the mass 1:1
            assert (after["mean_share"] < 0.5) == (price > 0)
    assert document["results"]["world_guided_one.toy"]["without the pointer"]["mean_share"] > 0.99


def test_speed_prior_charges_brute_force_search_by_its_depth():
    document = speed_prior(lambdas=(0.0, 1.0), brute_depths=(4, 8, 12), max_bits=12).document
    brute = [r["speed_charge_bits_at_lambda_1"] for r in document["charges"] if r["search"] == "brute force"]
    guided = [r["speed_charge_bits_at_lambda_1"] for r in document["charges"] if r["search"] == "guided"]
    assert brute == sorted(brute) and brute[-1] > 4 * guided[-1]     # grows with the depth; guided stays flat
    assert max(guided) - min(guided) < 0.1
    shares = [r["measured_share"] for r in document["guided"]]
    assert all(share > 0.5 for share in shares)                       # guided search survives λ = 1


def test_rivals_with_opposite_goals():
    result = rivals(max_bits=12)
    document = result.document
    assert "wants 1" in result.table and "P(answer 1)" in result.table         # the table the command prints
    results = document["results"]
    assert results["no consequentialist"]["mean_absolute_bias"] < 1e-6        # H alone: no bias
    for label in ("wants 1", "wants 0"):                                       # one rival decides its questions
        for row in results[label]["targets"]:
            wanted = 1 if label == "wants 1" else 0
            assert abs(row["p_one"] - wanted) < 0.01
    both = results["both rivals"]
    for row in both["targets"]:                                   # they cancel only as far as their lengths are equal
        k_one = row["programs"]["consequentialist (guided, answers 1)"]
        k_zero = row["programs"]["consequentialist (guided, answers 0)"]
        assert row["p_one"] == pytest.approx(1 / (1 + 2.0 ** (k_one - k_zero)), abs=0.01)


def test_phase_diagram_spreading_costs_one_bit_per_doubling(tmp_path):
    from toyinduction.malign.experiments import phase_diagram

    phase_diagram(bridges=(24, 40), spreads=(1, 2, 3), max_bits=12).write(tmp_path)
    document = json.loads((tmp_path / "results.json").read_text())
    assert document["max_abs_error"] <= 0.01
    for bridge in (24, 40):
        deltas = [r["delta_bits"] for r in document["rows"] if r["bridge_bits"] == bridge]
        assert [b - a for a, b in zip(deltas, deltas[1:])] == [1.0, 1.0]   # log2 N more bits for M
    assert (tmp_path / "phase_diagram.png").exists()


def test_census_classifies_by_intervention():
    from toyinduction.malign.experiments import census

    result = census(max_bits=10, samples=200, control_seeds=(2026, 11))
    document = result.document
    cells = {name: row["cell"] for name, row in document["named"].items()}
    assert {cells[name] for name in cells if name.startswith("honest (")} == {"neither"}
    assert cells["honest importance pointer"] == "search only"
    assert cells["consequentialist (guided, answers 1)"] == cells["consequentialist (guided, answers 0)"] == "both"
    assert cells["consequentialist (guided, writes ones from its first question)"] == "both"
    assert cells["honest importance pointer (to its first answer)"] == "search only"
    assert cells["consequentialist (guided, flips every answer)"] == "search only"   # deviation without a direction
    assert document["enumerated"]["programs"] > 0 and sum(document["enumerated"]["cells"].values()) == \
        document["enumerated"]["programs"]
    reaching = document["reaching"]["reaching_decision_points"]          # the background's row is not empty
    assert any(row["cell"] == "control only" for row in reaching)        # e.g. a program writing 0 forever
    for name, table in document["tables"].items():
        for row in table:
            assert sum(row[c] for c in ("neither", "search only", "control only", "both")) == pytest.approx(1.0)
    first = document["tables"]["no-pointer"][0]
    assert first["both"] > 0.99                                  # search and control, at the first question
    # the figure's legend: only the cells with mass somewhere, in the order they are stacked (top first)
    figure = result.figures["census"]()
    shown = [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    present = [c for c in ("neither", "search only", "control only", "both")
               if any(row[c] > 0 for table in document["tables"].values() for row in table)]
    assert shown == present[::-1] and "control only" not in shown


def test_lexical_update_moves_the_threshold_with_the_reference_machine():
    from toyinduction.malign.experiments import lexical_update

    document = lexical_update(offsets=(-4, 0, 4), max_bits=10).document
    mix, ring = document["thresholds"]["mix"], document["thresholds"]["ring"]
    assert len({row["threshold_depth"] for row in mix.values()}) >= 3   # the constant depends on the language
    for world in (mix, ring):
        for name, row in world.items():
            if row["threshold_depth"] >= 1:
                assert row["measured_share_at_threshold"] == pytest.approx(0.5)   # Δ = 0 exactly there
    for world in (mix, ring):                                            # the price of malice, on every machine
        for row in world.values():
            assert row["price_of_malice_bits"] == row["consequentialist_code_bits"] - row["pointer_code_bits"]
    blc = [row for row in document["rows"] if row["language"] == "blc"]
    assert ring["blc"]["honest_code_bits"] > ring["toy"]["honest_code_bits"]       # from the BLC assembler
    assert len(blc) >= 3 and all((row["measured_share"] > 0.5) == (row["depth"] > ring["blc"]["threshold_depth"])
                                 for row in blc)
    assert document["max_abs_error"] <= 0.01


def test_computing_writes_nothing_and_write_writes_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = ti.experiment("takeover", write=False, depths=(8, 36), max_bits=10)
    assert not (tmp_path / "takeover-out").exists() and list(tmp_path.iterdir()) == []
    assert isinstance(result, ti.ExperimentResult) and result.name == "takeover"
    assert "| depth d |" in result.table and "max |measured − predicted|" in result.table
    out = tmp_path / "deep" / "out"
    paths = result.write(out)
    assert [path.name for path in paths[:2]] == ["results.json", "table.md"]
    assert sorted(path.name for path in paths) == sorted(["results.json", "table.md", *result.figure_files()])
    assert sorted(path.name for path in out.iterdir()) == sorted(path.name for path in paths)
    assert json.loads((out / "results.json").read_text()) == result.document
    assert (out / "table.md").read_text() == result.table
    assert result.document["figures"] == ["takeover.png", "takeover.svg"]
    # the default folder, and options refused in one line
    again = ti.experiment("takeover", depths=(8,), max_bits=10)
    assert (tmp_path / "takeover-out" / "table.md").read_text() == again.table
    with pytest.raises(ValueError, match="does not take out_dir_typo"):
        ti.experiment("takeover", out_dir_typo=1)
    with pytest.raises(ValueError, match="write=False"):
        ti.experiment("takeover", tmp_path / "x", write=False)
    with pytest.raises(ValueError, match="at least one depth"):
        ti.experiment("takeover", write=False, depths=())


def _fake_prediction(shares: dict, n: int = 40):
    """A stand-in for a Prediction with the given class masses over time (the rest unresolved)."""
    classes = list(shares)
    posterior = np.array([[shares[c](t) for c in classes] for t in range(n + 1)])
    unresolved = 1 - posterior.sum(axis=1)
    return SimpleNamespace(sequence="0" * n, classes=classes, class_posterior=posterior,
                           unresolved_posterior=unresolved)


def test_a_figure_of_more_than_twenty_classes_repeats_no_colour_and_lists_no_empty_class():
    from matplotlib.colors import to_hex

    from toyinduction import plots
    from toyinduction.plots.palette import class_family

    names = ([f"enumerated {8 * i + 1}-{8 * i + 8} bits" for i in range(4)] + [f"program {i}" for i in range(9)]
             + [f"honest reader {i}" for i in range(6)] + [f"consequentialist {i}" for i in range(6)])
    shares = {name: (lambda t, i=i: 0.9 / len(names) * (1 + 0.1 * np.sin(t + i))) for i, name in enumerate(names)}
    shares["consequentialist that never gets mass"] = lambda t: 0.0
    prediction = _fake_prediction(shares)
    figure = plots.posterior_figure(prediction, "many classes", decision_points=[10, 20])
    axes = figure.axes[0]
    polys = [c for c in axes.collections if c.get_label() and not c.get_label().startswith("_")]
    colours = [to_hex(poly.get_facecolor()[0]) for poly in polys]
    assert len(polys) == len(names) + 1 > 20                      # the classes and the unresolved band
    assert len(set(colours)) == len(colours)                      # no colour twice
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert "consequentialist that never gets mass" not in legend   # zero mass: no entry
    assert "other classes (each < 1%)" not in legend               # nothing lumped: no entry
    stacked = [poly.get_label() for poly in polys]
    assert legend == stacked[::-1] + ["decision point"]           # the legend reads like the stack
    assert [class_family(name) for name in stacked[:-1]] == sorted(
        (class_family(name) for name in stacked[:-1]), key=["background", "named", "honest",
                                                             "consequentialist"].index)   # grouped by family
    assert stacked[-1].startswith("unresolved") and polys[-1].get_hatch()
    assert any("could still print anything" in " ".join(text.get_text().split()) for text in figure.texts)  # why
