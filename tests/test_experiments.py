"""The malign-prior experiments: each runs, writes its JSON and figures, and shows its claim."""

import json

from toyinduction.experiments import importance_pointer, rivals, speed_prior, takeover


def test_takeover_follows_the_ledger_across_the_crossing(tmp_path):
    document = takeover(tmp_path, depths=(60, 72, 80, 92), max_bits=12)
    deltas = [row["delta_bits"] for row in document["rows"]]
    assert min(deltas) < 0 < max(deltas)                              # both regimes
    assert document["max_abs_error"] <= 0.01                          # measured = 1 / (1 + 2^Δ)
    for row in document["rows"]:
        assert (row["measured_share"] > 0.5) == (row["delta_bits"] < 0)
    assert json.loads((tmp_path / "results.json").read_text())["rows"] == document["rows"]
    assert (tmp_path / "takeover.png").exists()


def test_the_honest_importance_pointer_absorbs_the_takeover(tmp_path):
    document = importance_pointer(tmp_path, max_bits=12)
    before, after = (document["results"][k]["targets"] for k in ("without the pointer", "with the pointer"))
    assert all(row["measured_share"] > 0.5 for row in before)
    assert all(row["measured_share"] < 0.01 and row["honest_bit_probability"] > 0.99 for row in after)
    assert document["pointer_code_bits"] < document["results"]["with the pointer"]["code_bits"]["world_guided_flip.toy"]


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
    for label in ("wants 1", "wants 0", "both rivals"):
        assert len(document["results"][label]["targets"]) == 4
    both = document["results"]["both rivals"]["targets"]
    assert all(0.1 < row["honest_bit_probability"] < 0.9 for row in both)  # neither goal takes the decision outright
