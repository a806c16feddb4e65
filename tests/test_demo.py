"""The malign-prior demo: the stated results, for several seeds, and the faithfulness rules."""

import json

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.demo import run_demo
from toyinduction.interpreter import run
from toyinduction.language import TOY, natural_code_length
from toyinduction.world import CONSEQUENTIALISTS, HONEST, POINTER, World

#: every consequentialist program, with a depth at which its search can run in a test
EVERY_M = {"world_guided_flip.toy": 50, "world_guided_first.toy": 50, "world_guided_one.toy": 50,
           "world_guided_zero.toy": 50, "world_brute_flip.toy": 6, POINTER: 50}


@pytest.fixture(scope="module")
def default_report(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), max_bits=16)


@pytest.mark.parametrize("seed", [2026, 1, 987654321])
def test_takeover_on_every_target_and_none_on_controls(seed, tmp_path):
    report = run_demo(tmp_path, seed=seed, max_bits=16, figures=False)
    assert len(report["targets"]) >= 4 and len(report["controls"]) >= 2
    for row in report["targets"]:
        assert row["measured_share"] > 0.5
        assert row["honest_bit_probability"] < 0.5
        assert abs(row["measured_share"] - row["predicted_share"]) <= 0.01   # rule 5: the ledger predicts it
        assert row["delta_bits"] == pytest.approx(row["K_M"] - row["K_H"])
    assert all(row["measured_share"] == 0 for row in report["controls"])
    assert report["unresolved_mass"] < 1e-6                                  # rule 6: reported, and small


def test_the_other_regime_when_the_bridge_is_short(tmp_path):
    report = run_demo(tmp_path, depth=60, max_bits=16, figures=False)
    for row in report["targets"]:
        assert row["delta_bits"] > 0 and row["measured_share"] < 0.5
        assert abs(row["measured_share"] - row["predicted_share"]) <= 0.01


def test_lengths_come_from_the_assembler(default_report):
    world = World(**{k: default_report["world"][k] for k in ("seed", "depth", "region_bits")},
                  quiet=default_report["world"]["quiet_frames"])
    honest = world.program(HONEST, TOY)
    for index, row in enumerate(default_report["targets"]):
        assert row["K_H"] == len(honest + world.region(index) + world.louder_path(index))
        for file in CONSEQUENTIALISTS:
            assert row["K_M_each"][file] == len(world.program(file, TOY)) + world.region_bits


@pytest.mark.parametrize("file", sorted(EVERY_M))
def test_one_prefix_serves_every_target_and_holds_no_target_bits(file):
    """M's code is the same for every target (only its selection bits differ), and it does not
    grow with the depth of the tree (it finds the target by search, not by a stored path)."""
    shallow, deep = World(depth=40), World(depth=400)
    literal = natural_code_length(400) - natural_code_length(40)
    growth = len(deep.program(file, TOY)) - len(shallow.program(file, TOY))
    assert growth in (literal, 2 * literal)                      # only the DEPTH literal(s), never a path
    honest_growth = len(deep.program(HONEST, TOY) + deep.louder_path(0)) - len(shallow.program(HONEST, TOY)
                                                                                + shallow.louder_path(0))
    assert honest_growth == literal + 360                        # the honest bridge grows with the depth
    world = World(seed=31337, depth=EVERY_M[file], region_bits=3, quiet=30)
    code = world.program(file, TOY)
    honest = world.program(HONEST, TOY)
    for region in range(8):                                      # one prefix + selection bits finds each target
        target = run(TOY, honest + world.region(region) + world.louder_path(region), 10 ** 8, world.first_decision)
        found = run(TOY, code + world.region(region), 10 ** 8, world.first_decision)
        assert found.output == target.output


@pytest.mark.parametrize("quiet", [13, 20, 27])
@pytest.mark.parametrize("file", sorted(EVERY_M))
def test_deviation_is_triggered_by_the_internal_importance_test(quiet, file):
    """M deviates exactly where a question appears in its own simulation of the world: move the
    questions (the physics) and the deviation moves, with no change to M's search or control code."""
    world = World(seed=5, depth=min(EVERY_M[file], 30), quiet=quiet)
    length = world.first_decision + 100
    honest = run(TOY, world.program(HONEST, TOY) + world.region(1) + world.louder_path(1), 10 ** 7, length).output
    decisions = world.decision_points(length)
    answers = [int(honest[t]) for t in decisions]
    expected = {"world_guided_flip.toy": decisions, "world_brute_flip.toy": decisions,
                "world_guided_first.toy": decisions[:1], POINTER: [],
                "world_guided_one.toy": [t for t, a in zip(decisions, answers) if a == 0],
                "world_guided_zero.toy": [t for t, a in zip(decisions, answers) if a == 1]}[file]
    output = run(TOY, world.program(file, TOY) + world.region(1), 10 ** 8, length).output
    assert [t for t in range(length) if output[t] != honest[t]] == expected


def test_demo_command_json(tmp_path):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "out"), "--store", str(tmp_path / "runs"),
                                       "--max-bits", "14", "--json"])
    document = json.loads(result.output)
    assert set(document) == {"targets", "controls", "unresolved_mass"}
    assert set(document["targets"][0]) == {"name", "K_H", "K_M", "delta_bits", "predicted_share", "measured_share",
                                           "honest_bit_probability"}
    for name in ("report.json", "report.md", "ledger.png", "honest_bit_probability.png"):
        assert (tmp_path / "out" / name).exists()
