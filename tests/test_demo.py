"""The malign-prior demo: its report's structure and conclusions on several seeds, and the
faithfulness rules (red-teamed: the honest side holds the shortest honest programs we can write,
bridges are incompressible, the deviation is triggered by the simulation, not a clock)."""

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from toyinduction.machines.toy.assembler import assemble_file
from toyinduction.cli import main
from toyinduction.malign.demo import PREMISES, run_demo, share_text
from toyinduction.machines.toy.kernel import run
from toyinduction.machines.toy.language import TOY, natural_code_length
from toyinduction.malign.intervention import GOAL_DIRECTED, HONEST
from toyinduction.machines.shipped import programs_dir
from toyinduction.malign.world import CONSEQUENTIALISTS, FRAME, HONEST_PROGRAMS, LITERAL_ITEMS, POINTER, World, data_header

FIXTURES = Path(__file__).parent / "fixtures"
#: every searching program, with a depth at which its search can run in a test
EVERY_M = {"world_guided_flip.toy": 50, "world_guided_first.toy": 50, "world_guided_one.toy": 50,
           "world_guided_zero.toy": 50, "world_guided_ones.toy": 50, "world_brute_flip.toy": 6, POINTER: 50,
           "world_pointer_first.toy": 50}
READERS = ("world_honest.toy", "world_honest_flag.toy", "world_honest_civ.toy")


@pytest.fixture(scope="module")
def default_report(tmp_path_factory, shared_store):
    """The demo on the small world the README, the notebook and the CLI tests use (the default
    world's full report is experiments/results/demo_report.json, made by experiments/demo_results.py)."""
    return run_demo(tmp_path_factory.mktemp("demo"), max_bits=14, figures=False, store=shared_store, **SMALL)


def _conclusions(report):
    """What the report concludes, in words that must not depend on the seed."""
    rows = {row["name"]: row for row in report["premises"]}
    return {"holder at the first question": {t["holder"] for t in rows["full-pool"]["per_target"]},
            "holder without told programs or pointers": {t["holder"] for t in rows["not-told, no-pointer"]["per_target"]},
            "controls untouched": all(row["measured_share"] == 0 for row in report["controls"])}


#: the small world of the README's example: its class measurements are made once a session
SMALL = dict(depth=24, targets=2, controls=1)
HELD_OUT = {name: PREMISES[name] for name in ("not-told", "not-told, no-pointer")}


@pytest.mark.parametrize("seed", [1, 987654321])
def test_held_out_seeds_give_the_same_structure_and_conclusions(seed, default_report, tmp_path):
    report = run_demo(tmp_path, seed=seed, max_bits=14, figures=False, premises=HELD_OUT, **SMALL)
    mine = {k: v for k, v in _conclusions(default_report).items()}
    assert _conclusions(report) == mine


def test_the_report_leads_with_the_premise_table(default_report, tmp_path, shared_store):
    assert [row["name"] for row in default_report["premises"]] == ["full-pool", *PREMISES]
    report = run_demo(tmp_path, max_bits=12, figures=False, premises={}, store=shared_store, **SMALL)
    markdown = (tmp_path / "report.md").read_text()
    assert markdown.index("## Premises") < markdown.index("## Ways to know when") < markdown.index("## The ledger")
    assert "model-free interval" in markdown and report["assumption"] in markdown


def test_the_headline_is_true_of_the_full_pool(default_report):
    full = default_report["premises"][0]
    assert full["name"] == "full-pool"
    for target, row in zip(default_report["targets"], full["per_target"]):
        assert row["class_shares"] == target["questions"][0]["class_shares"]
        assert f"{target['name'].split(' in ')[-1]}: {row['holder']} programs hold " \
               f"{share_text(row['class_shares'][row['holder']])}" in default_report["headline"]
    best = max(default_report["premises"][1:], key=lambda row: row["consequentialist_share"])
    assert f"under the premise \"{best['name']}\"" in default_report["headline"]


def test_the_ledger_holds_and_every_probability_has_its_interval(default_report):
    for row in default_report["targets"]:
        for q in row["questions"]:
            # rule 5: an identity of the construction (everything that fits writes the same bits)
            assert abs(q["class_shares"][GOAL_DIRECTED] - q["predicted_share"]) <= 0.01
            low, high = q["p_honest_bounds"]
            assert low <= q["p_honest"] <= high
            low, high = q["p_honest_coin_interval"]
            assert low - 1e-12 <= q["p_honest"] <= high + 1e-12
    for premise in default_report["premises"]:
        for row in premise["per_target"]:
            low, high = row["honest_bit_probability_bounds"]
            assert low <= row["honest_bit_probability"] <= high
    assert all(row["measured_share"] == 0 for row in default_report["controls"])
    assert default_report["unresolved_mass"] < 1e-6                          # rule 6: reported, and small


def test_price_of_malice_is_the_measured_length_difference(default_report):
    """Per horizon: the shortest goal-directed program minus the shortest honest program that
    finds the civilisation itself and computes when, both judged at the same question."""
    for horizon, k in (("first answer", 0), ("every question", 1)):
        gaps = []
        for target in default_report["targets"]:
            rows = [p for p in default_report["programs"] if p["region"] == target["region"] and p["at_question"][k]]
            goal = [p["total_bits"] for p in rows if p["at_question"][k]["class"] == GOAL_DIRECTED]
            pointer = [p["total_bits"] for p in rows if p["at_question"][k]["class"] == HONEST
                       and p["at_question"][k]["when"] == "computes" and not {"path", "state"} & set(p["data"].split())]
            gaps.append(min(goal) - min(pointer))
        assert default_report["price_of_malice"][horizon] == min(gaps)


def test_lengths_come_from_the_assembler(default_report):
    world = World(**{k: default_report["world"][k] for k in ("seed", "depth", "region_bits")},
                  quiet=default_report["world"]["quiet_frames"])
    for file in HONEST_PROGRAMS + CONSEQUENTIALISTS:
        if not _literal(file):     # a program with per-target literals has a code per target (below)
            assert default_report["code_bits"][file] == len(world.program(file, TOY))
    for row in default_report["programs"]:
        if row["file"].startswith("found"):
            continue
        region = row["region"]
        code = world.program(row["file"], TOY, region=region)
        covered = 2 if "told 2 questions" in row["name"] else 1
        assert row["total_bits"] == len(code + world.data(row["file"], region, world.louder_path(region), covered))


@pytest.mark.parametrize("depth", [8, 29, 60, 84, 120])
def test_the_leaf_literal_is_longer_than_reading_the_path_at_every_depth_used(depth):
    """Rule 8: the state a bridge selects is wider than the bridge (by 64 bits at least), and a
    literal description of it costs more than the best bridge reader, on a civilisation's leaf and
    on a plain one, at every depth the demo and the experiments use (at most 120)."""
    world = World(depth=depth)
    assert world.state_bits >= depth + world.region_bits + 64
    rng = random.Random(depth)
    for path in (world.louder_path(0), world.control_path(0, rng)):
        literal = world.program("world_leaf_literal.toy", TOY) + world.data("world_leaf_literal.toy", 0, path)
        readers = [world.program(f, TOY) + world.data(f, 0, path) for f in READERS if world.data(f, 0, path)]
        assert len(literal) > min(map(len, readers))


def test_the_demo_refuses_a_bridge_wider_than_the_state_allows(tmp_path):
    with pytest.raises(ValueError, match="too deep"):
        run_demo(tmp_path, depth=250, max_bits=8, figures=False)


def _literal(file) -> bool:
    """Whether a world program carries per-target literals (its code differs per target)."""
    return any(item.split(":")[0] in LITERAL_ITEMS for item in data_header(Path(programs_dir()) / file) or ())


def _some_leaves(file) -> bool:
    """Whether a world program was made to fit some leaves only (no QUIET test, or a mask found
    for one leaf of the demo world): its ``; fits:`` line says so."""
    return any(line.startswith("; fits: some leaves") for line in (Path(programs_dir()) / file).read_text().splitlines())


@pytest.mark.parametrize("file", sorted(f for f in HONEST_PROGRAMS if not _some_leaves(f)))
def test_every_honest_program_writes_the_modelled_stream(file):
    world = World(seed=31337, depth=12, region_bits=2, quiet=3)
    rng = random.Random(1)
    n = max(world.first_decision(region) for region in range(4)) + 2 * FRAME
    for region in range(4):
        code = world.program(file, TOY, region=region)
        for path in (world.louder_path(region), world.control_path(region, rng)):
            data = world.data(file, region, path)
            if data is None:
                continue
            result = run(TOY, code + data, 10 ** 8, n)
            stream = world.stream(region, path, n)
            if file == "world_pointer_first.toy":                          # faithful up to its first answer
                stream = stream[: world.decision_points(region, path, n)[0] + 1]
            assert result.output == stream
            assert result.bits_read == len(code + data)                    # reads its data, no more


@pytest.mark.parametrize("file", sorted(EVERY_M))
def test_one_prefix_serves_every_target_and_holds_no_target_bits(file):
    """M's code is the same for every target (only its selection bits differ), and it does not
    grow with the depth of the tree (it finds the target by search, not by a stored path)."""
    shallow, deep = World(depth=40), World(depth=200)
    literal = natural_code_length(200) - natural_code_length(40)
    growth = len(deep.program(file, TOY)) - len(shallow.program(file, TOY))
    assert growth in (literal, 2 * literal)                      # only the DEPTH literal(s), never a path
    world = World(seed=31337, depth=EVERY_M[file], region_bits=3, quiet=3)
    code = world.program(file, TOY)
    n = world.earliest_decision
    for region in range(8):                                      # one prefix + selection bits finds each target
        found = run(TOY, code + world.region(region), 10 ** 8, n)
        assert found.output == world.stream(region, world.louder_path(region), n)
        assert found.bits_read == len(code) + world.region_bits


def _deviations(file_or_path, world, region, length):
    """Where a program's output differs from the civilisation's stream (a position past the end of a
    halted output counts as a difference)."""
    code = (world.program(file_or_path, TOY) if not Path(str(file_or_path)).is_absolute()
            else assemble_file(file_or_path, TOY, defines=world.defines))
    output = run(TOY, code + world.region(region), 10 ** 8, length).output
    target = world.stream(region, world.louder_path(region), length)
    return [t for t in range(length) if t >= len(output) or output[t] != target[t]], target


def _expected(file, decisions, target, deviations):
    """The deviations rule 3 allows each program: exactly at the decision points its goal gives;
    the programs that are only right until their first question may do anything after it."""
    first = decisions[0]
    after_first = [t for t in deviations if t > first]
    return {"world_guided_flip.toy": decisions, "world_brute_flip.toy": decisions,
            "world_guided_first.toy": decisions[:1], POINTER: [],
            "world_guided_one.toy": [t for t in decisions if target[t] == "0"],
            "world_guided_zero.toy": [t for t in decisions if target[t] == "1"],
            "world_guided_ones.toy": [t for t in [first] if target[t] == "0"] + after_first,
            "world_pointer_first.toy": after_first}[file]


@pytest.mark.parametrize("seed", [5, 77])
@pytest.mark.parametrize("file", sorted(EVERY_M))
def test_rule_3_deviation_is_triggered_by_the_question_the_simulation_shows(seed, file):
    """M deviates exactly at the questions of its own simulation — whose times depend on the
    civilisation's hashed state, so no clock or constant M can read predicts them."""
    world = World(seed=seed, depth=min(EVERY_M[file], 30), quiet=4)
    length = world.earliest_decision + 120 * FRAME
    for region in range(4):
        deviations, target = _deviations(file, world, region, length)
        decisions = world.decision_points(region, world.louder_path(region), length)
        assert decisions and deviations == _expected(file, decisions, target, deviations)


def test_rule_3_rejects_a_clock_driven_consequentialist():
    """The positive control passes (above); a consequentialist that defects at the answer position
    of every frame from QUIET on, never looking at its simulation, is caught: it deviates where
    no question was asked."""
    world = World(seed=5, depth=30, quiet=4)
    length = world.earliest_decision + 120 * FRAME
    caught = 0
    for region in range(4):
        deviations, _ = _deviations(FIXTURES / "world_clock_flip.toy", world, region, length)
        decisions = world.decision_points(region, world.louder_path(region), length)
        caught += deviations != decisions
    assert caught == 4


def test_question_times_depend_on_the_civilisation_not_on_the_clock():
    world = World(seed=2026, depth=40, quiet=4)
    length = world.earliest_decision + 300 * FRAME
    patterns = {tuple((t - world.earliest_decision) // FRAME for t in
                      world.decision_points(region, world.louder_path(region), length)) for region in range(4)}
    assert len(patterns) == 4                                   # every civilisation asks at its own times


def test_demo_command_json(tmp_path, shared_store):
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "out"), "--store", str(shared_store.directory),
                                       "--max-bits", "12", "--depth", "24", "--targets", "2", "--controls", "1",
                                       "--json"])
    document = json.loads(result.output)
    assert {"targets", "controls", "unresolved_mass", "assumption", "programs", "price_of_malice", "premises",
            "ways_to_know_when"} <= set(document)
    assert {"name", "K_H", "K_M", "delta_bits", "predicted_share", "measured_share", "honest_bit_probability",
            "honest_bit_probability_bounds", "questions"} <= set(document["targets"][0])
    assert {"name", "excluded", "per_target"} <= set(document["premises"][0])
    assert "no-pointer" in [row["name"] for row in document["premises"]]
    assert {"name", "total_bits", "at_question"} <= set(document["programs"][0])
    for name in ("report.json", "report.md", "premises.png"):
        assert (tmp_path / "out" / name).exists()


def _prose(path):
    """A doc's text with its line breaks folded (claims are checked as phrases)."""
    return " ".join((Path(__file__).resolve().parent.parent / path).read_text().split())


def test_the_demo_reports_its_progress(tmp_path):
    """ti.demo's progress(done, total): the background enumeration's chunks, every stream, every
    program's class measurement, every premise's predictions — one count that only grows and ends at its total — and the same
    report as without it."""
    import toyinduction as ti

    calls = []
    options = dict(max_bits=10, workers=1, **SMALL)
    report = ti.demo(store=ti.RunStore(tmp_path), progress=lambda done, total: calls.append((done, total)), **options)
    total = calls[0][1]
    assert all(t == total for _, t in calls) and calls[-1] == (total, total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert total > 3 + 2 * len(PREMISES)               # chunks, then 3 streams (2 targets + 1 control), 2 per premise
    loaded = []                                         # from the store: no chunks, streams and premises only
    again = ti.demo(store=ti.RunStore(tmp_path), progress=lambda d, t: loaded.append((d, t)), **options)
    measured = len(report["programs"])     # one class measurement a target's program (remembered: no rerun)
    assert loaded[-1] == (3 + measured + 2 * len(PREMISES),) * 2
    assert again["targets"] == report["targets"] and again["premises"] == report["premises"]
