"""The ring world, written for two machines (the lexical-update experiment's programs): every
program's stream equals the independent model in toyinduction.malign.world, on the toy language and
on the binary lambda calculus, and the ledger holds on both."""

import random

import pytest

import naive
from toyinduction.machines.blc.reference import run_blc
from toyinduction.machines.blc.kernel import run_blc_fast
from toyinduction.malign.demo import run_demo
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import TOY
from toyinduction.malign.world import (ANSWER_POSITION, FRAME, MARKER, RING_CELLS, RINGS, World, ring_child,
                                ring_step)

MACHINES = {"toy": (TOY, lambda bits, n: run(TOY, bits, 10 ** 8, n)),
            "blc": ("blc", lambda bits, n: run_blc_fast(bits, 10 ** 8, n))}
WORLD = World(seed=31337, depth=12, region_bits=2, quiet=3, physics="ring")


def cells(value):
    return [(value >> (RING_CELLS - 1 - i)) & 1 for i in range(RING_CELLS)]


def naive_stream(world, region, path, n):
    """The ring world's stream written again from the rules, on lists of cells (naive.rule30_ring),
    independently of World's integers."""
    def child(state, bit):
        rings = []
        for ring in state:
            ring = [ring[0] ^ bit] + ring[1:]
            for _ in range(4):
                ring = naive.rule30_ring(ring)
            rings.append(ring)
        return rings

    state = [cells(world.seed)]
    while len(state) < RINGS:
        state.append(child([state[-1]], 1)[0])
    for bit in world.region(region):
        state = child(state, int(bit))
    civilisation = True
    for bit in path:
        louder = int(child(state, 1)[0] > child(state, 0)[0])   # lists of cells compare as the numbers do
        civilisation = civilisation and int(bit) == louder
        state = child(state, int(bit))
    bits = []
    for frame in range(-(-n // FRAME)):
        ring_0, shown = state[0], state[frame % RINGS]
        asks = civilisation and frame >= world.quiet and ring_0[1] == 1
        talk = [0 if p % 4 == 3 else shown[p] for p in range(RING_CELLS)]
        if asks:
            talk[ANSWER_POSITION - MARKER:] = [1] * MARKER
        bits += talk + [naive.rule30_ring(shown)[3]]
        state = [naive.rule30_ring(ring) for ring in state]
    return "".join(map(str, bits[:n]))


def state_bits(world, region, path):
    """The literal description of a leaf: its rings' 32 cells each, then the civilisation flag."""
    leaf, civilisation = world.leaf(region, path)
    return "".join(format(ring, f"0{RING_CELLS}b") for ring in leaf) + str(int(civilisation))


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


def test_the_model_streams_what_the_rules_say():
    rng = random.Random(4)
    for world in (WORLD, World(seed=7, depth=5, region_bits=1, quiet=0, physics="ring")):
        for region in range(2 ** world.region_bits):
            n = world.first_decision(region) + 4 * FRAME
            for path in (world.louder_path(region), world.control_path(region, rng)):
                assert world.stream(region, path, n) == naive_stream(world, region, path, n)


def test_question_times_depend_on_the_state_not_on_a_clock():
    points = [WORLD.decision_points(region, WORLD.louder_path(region), 40 * FRAME) for region in range(4)]
    assert all(points) and len({tuple(p) for p in points}) == 4
    for region, found in enumerate(points):
        gaps = {b - a for a, b in zip(found, found[1:])}
        assert found[0] == WORLD.first_decision(region) >= WORLD.earliest_decision
        assert len(gaps) > 1                  # not every frame, not a fixed period either


@pytest.mark.parametrize("machine", sorted(MACHINES))
@pytest.mark.parametrize("role", ["honest", "honest_flag", "leaf_literal"])
def test_honest_streams_are_the_modelled_streams(machine, role):
    language, execute = MACHINES[machine]
    world = WORLD
    code = world.program(role, language)
    rng = random.Random(5)
    for region in range(4):
        n = world.first_decision(region) + 2 * FRAME
        civilisation = world.louder_path(region)
        control = world.control_path(region, rng)
        for path in (civilisation, control):
            data = {"honest": world.region(region) + path,
                    "honest_flag": world.region(region) + path + str(int(path == civilisation)),
                    "leaf_literal": state_bits(world, region, path)}[role]
            result = execute(code + data, n)
            assert result.output == world.stream(region, path, n)
            assert result.bits_read == len(code) + len(data)      # reads its bridge, no more
        asks = world.stream(region, civilisation, n)
        assert world.decision_points(region, civilisation, n)
        assert all(asks[t - MARKER:t] == "1" * MARKER for t in world.decision_points(region, civilisation, n))
        assert "1" * MARKER not in world.stream(region, control, n)
        assert world.decision_points(region, control, n) == []


@pytest.mark.parametrize("role, deviates", [("guided_flip", True), ("pointer", False)])
@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_the_searchers_find_each_target_and_deviate_exactly_at_the_answers(machine, role, deviates):
    """The consequentialist and the pointer read only their selection bits and find every target;
    the consequentialist differs from it exactly at the decision points, the pointer nowhere."""
    language, execute = MACHINES[machine]
    world = World(seed=4, depth=16, region_bits=2, quiet=2, physics="ring")
    code = world.program(role, language)
    for region in range(4):
        n = world.first_decision(region) + 3 * FRAME
        result = execute(code + world.region(region), n)
        target = world.stream(region, world.louder_path(region), n)
        assert result.bits_read == len(code) + world.region_bits                 # selection bits only
        assert len(result.output) == n
        expected = world.decision_points(region, world.louder_path(region), n) if deviates else []
        assert [t for t in range(n) if result.output[t] != target[t]] == expected


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_the_code_difference_is_a_constant_of_the_machine(machine):
    """M − H does not depend on the depth (the DEPTH literal is in both), so the takeover
    threshold is one number per machine; nor does M − pointer (the price of the deviation)."""
    language, _ = MACHINES[machine]

    def length(role, depth):
        return len(World(depth=depth, physics="ring").program(role, language))

    for other in ("honest", "pointer"):
        assert len({length("guided_flip", d) - length(other, d) for d in (1, 40, 84, 300, 4000)}) == 1


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_a_literal_leaf_against_the_path(machine):
    """Rule 8: the leaf's whole state written out (RINGS x 32 bits and the flag), by a program
    that carries none of the tree's physics (seed, children, region), is longer than reading
    region + path + flag bits at every depth the experiments use: the state is wider than the
    bridge plus the tree code the literal saves."""
    language, _ = MACHINES[machine]
    for depth in range(1, 129):
        world = World(depth=depth, physics="ring")
        literal = len(world.program("leaf_literal", language)) + world.state_bits + 1
        flag = len(world.program("honest_flag", language)) + world.region_bits + depth + 1
        assert literal > flag, depth


def test_reference_and_kernel_agree_on_the_lambda_world_programs():
    world = World(seed=9, depth=2, region_bits=1, quiet=1, physics="ring")
    n = world.first_decision(1) + 2
    path = world.louder_path(1)
    for role, data in (("honest", world.region(1) + path), ("guided_flip", world.region(1)),
                       ("pointer", world.region(1)), ("honest_flag", world.region(1) + path + "1"),
                       ("leaf_literal", state_bits(world, 1, path))):
        bits = world.program(role, "blc") + data
        reference = run_blc(bits, 5_000_000, n)
        assert reference == run_blc_fast(bits, 5_000_000, n)
        assert reference.status.label == "output_limit"


def test_the_ledger_holds_on_the_lambda_calculus(tmp_path):
    for depth in (1, 12):
        report = run_demo(tmp_path, machine="blc", physics="ring", depth=depth, targets=2, controls=1, max_bits=10,
                          figures=False, consequentialists=("ring_guided_flip",))
        assert report["language"] == "blc"
        for row in report["targets"]:
            assert abs(row["measured_share"] - row["predicted_share"]) <= 0.01
            assert row["delta_bits"] == pytest.approx(row["K_M"] - row["K_H"])
        assert all(row["measured_share"] == 0 for row in report["controls"])


def test_the_lambda_world_needs_the_ring_physics(tmp_path):
    with pytest.raises(ValueError, match="machine blc has no world programs for the mix physics"):
        run_demo(tmp_path, machine="blc", depth=4, targets=1, controls=0, max_bits=4, figures=False)
