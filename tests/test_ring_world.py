"""The ring world, written for two machines (the lexical-update experiment's programs): every
program's stream equals the independent model in toyinduction.world, on the toy language and
on the binary lambda calculus, and the ledger holds on both."""

import random

import pytest

import naive
from toyinduction.blc import run_blc
from toyinduction.blc_kernel import run_blc_fast
from toyinduction.demo import run_demo
from toyinduction.interpreter import run
from toyinduction.language import TOY
from toyinduction.world import FRAME, MARKER, RING_CELLS, World, ring_child, ring_step

MACHINES = {"toy": (TOY, lambda bits, n: run(TOY, bits, 10 ** 8, n)),
            "blc": ("blc", lambda bits, n: run_blc_fast(bits, 10 ** 8, n))}


def cells(value):
    return [(value >> (RING_CELLS - 1 - i)) & 1 for i in range(RING_CELLS)]


def test_the_model_is_rule_30_on_a_ring():
    rng = random.Random(3)
    for _ in range(200):
        value = rng.getrandbits(RING_CELLS)
        assert cells(ring_step(value)) == naive.rule30_ring(cells(value))
        flipped = cells(value)
        flipped[0] ^= 1
        for _ in range(4):
            flipped = naive.rule30_ring(flipped)
        assert cells(ring_child(value, 1)) == flipped


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_honest_streams_are_the_modelled_streams(machine):
    language, execute = MACHINES[machine]
    world = World(seed=31337, depth=12, region_bits=2, quiet=3, physics="ring")
    honest = world.program("honest", language)
    n = world.first_decision + 2 * FRAME
    rng = random.Random(5)
    for region in range(4):
        civilisation = world.louder_path(region)
        control = world.control_path(region, rng)
        for path in (civilisation, control):
            result = execute(honest + world.region(region) + path, n)
            assert result.output == world.stream(region, path, n)
            assert result.bits_read == len(honest) + world.region_bits + world.depth   # reads its bridge, no more
        asks = world.stream(region, civilisation, n)
        assert all(asks[t - MARKER:t] == "1" * MARKER for t in world.decision_points(n))
        assert "1" * MARKER not in world.stream(region, control, n)


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_the_consequentialist_finds_each_target_and_flips_exactly_the_answers(machine):
    language, execute = MACHINES[machine]
    world = World(seed=4, depth=16, region_bits=2, quiet=2, physics="ring")
    code = world.program("guided_flip", language)
    n = world.first_decision + 3 * FRAME
    for region in range(4):
        result = execute(code + world.region(region), n)
        target = world.stream(region, world.louder_path(region), n)
        assert result.bits_read == len(code) + world.region_bits                 # selection bits only
        assert [t for t in range(n) if result.output[t] != target[t]] == world.decision_points(n)


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_the_code_difference_is_a_constant_of_the_machine(machine):
    """M − H does not depend on the depth (the DEPTH literal is in both), so the takeover
    threshold is one number per machine."""
    language, _ = MACHINES[machine]
    differences = {len(World(depth=d, physics="ring").program("guided_flip", language))
                   - len(World(depth=d, physics="ring").program("honest", language)) for d in (1, 40, 300, 4000)}
    assert len(differences) == 1


def test_reference_and_kernel_agree_on_the_lambda_world_programs():
    world = World(seed=9, depth=2, region_bits=1, quiet=1, physics="ring")
    n = world.first_decision + 2
    for role, data in (("honest", world.region(1) + world.louder_path(1)), ("guided_flip", world.region(0))):
        bits = world.program(role, "blc") + data
        assert run_blc(bits, 2_000_000, n) == run_blc_fast(bits, 2_000_000, n)


def test_the_ledger_holds_on_the_lambda_calculus(tmp_path):
    for depth in (1, 12):
        report = run_demo(tmp_path, language="blc", physics="ring", depth=depth, targets=2, controls=1, max_bits=10,
                          figures=False, consequentialists=("ring_guided_flip",))
        assert report["language"] == "blc"
        for row in report["targets"]:
            assert abs(row["measured_share"] - row["predicted_share"]) <= 0.01
            assert row["delta_bits"] == pytest.approx(row["K_M"] - row["K_H"])
        assert all(row["measured_share"] == 0 for row in report["controls"])


def test_the_lambda_world_needs_the_ring_physics(tmp_path):
    with pytest.raises(ValueError, match="ring physics"):
        run_demo(tmp_path, language="blc", depth=4, targets=1, controls=0, max_bits=4, figures=False)
    with pytest.raises(ValueError, match="ring physics only"):
        World().stream(0, "0" * 84, 10)
