"""The malign-prior experiments: each runs, writes its JSON and figures, and shows its claim."""

import json

import pytest

from toyinduction.malign.experiments import importance_pointer, rivals, speed_prior, takeover


def test_takeover_follows_the_ledger_across_the_crossing(tmp_path):
    document = takeover(tmp_path, depths=(8, 20, 36, 48), max_bits=12)
    deltas = [row["delta_bits"] for row in document["rows"]]
    assert min(deltas) < 0 < max(deltas)                              # both regimes
    assert document["max_abs_error"] <= 0.01                          # measured = 1 / (1 + 2^Δ)
    for row in document["rows"]:
        assert (row["measured_share"] > 0.5) == (row["delta_bits"] < 0)
    assert json.loads((tmp_path / "results.json").read_text())["rows"] == document["rows"]
    assert (tmp_path / "takeover.png").exists()


def test_the_pointer_absorbs_every_consequentialist_whose_malice_costs_bits(tmp_path):
    document = importance_pointer(tmp_path, max_bits=12)
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


def test_speed_prior_charges_brute_force_search_by_its_depth(tmp_path):
    document = speed_prior(tmp_path, lambdas=(0.0, 1.0), brute_depths=(4, 8, 12), max_bits=12)
    brute = [r["speed_charge_bits_at_lambda_1"] for r in document["charges"] if r["search"] == "brute force"]
    guided = [r["speed_charge_bits_at_lambda_1"] for r in document["charges"] if r["search"] == "guided"]
    assert brute == sorted(brute) and brute[-1] > 4 * guided[-1]     # grows with the depth; guided stays flat
    assert max(guided) - min(guided) < 0.1
    shares = [r["measured_share"] for r in document["guided"]]
    assert all(share > 0.5 for share in shares)                       # guided search survives λ = 1


def test_rivals_with_opposite_goals(tmp_path):
    document = rivals(tmp_path, max_bits=12)
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

    document = phase_diagram(tmp_path, bridges=(24, 40), spreads=(1, 2, 3), max_bits=12)
    assert document["max_abs_error"] <= 0.01
    for bridge in (24, 40):
        deltas = [r["delta_bits"] for r in document["rows"] if r["bridge_bits"] == bridge]
        assert [b - a for a, b in zip(deltas, deltas[1:])] == [1.0, 1.0]   # log2 N more bits for M
    assert (tmp_path / "phase_diagram.png").exists()


def test_census_classifies_by_intervention(tmp_path):
    from toyinduction.malign.experiments import census

    document = census(tmp_path, max_bits=10, samples=200, control_seeds=(2026, 11))
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


def test_lexical_update_moves_the_threshold_with_the_reference_machine(tmp_path):
    from toyinduction.malign.experiments import lexical_update

    document = lexical_update(tmp_path, offsets=(-4, 0, 4), max_bits=10)
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
