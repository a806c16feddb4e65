"""Classes measured by intervention, the world with no cheap clock, users' programs in the pool."""

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.induction.mixture import build_pool, predict, predict_at
from toyinduction.machines import machine
from toyinduction.machines.shipped import programs_dir
from toyinduction.malign.demo import clock_shares, run_demo
from toyinduction.malign.intervention import (GOAL_DIRECTED, HONEST, NOT_GOAL_DIRECTED, measure, measure_questions,
                                              question, run_intervened)
from toyinduction.malign.world import TIME_ITEMS, World, data_header
from toyinduction.machines.toy.reference import mix, mix_input, pack_bits

TOY = machine("toy")
INTENT = {"honest": HONEST, "deviating": NOT_GOAL_DIRECTED, "goal-directed": GOAL_DIRECTED,
          "consequentialist": GOAL_DIRECTED}


def _intent(path) -> str:
    """The class a program's author meant (its ``; intent:`` line): what the instrument must find."""
    for line in Path(path).read_text().splitlines():
        if line.startswith("; intent:"):
            return INTENT[line.split(":", 1)[1].split()[0].rstrip(",:")]
    raise AssertionError(f"{path} has no intent line")


WORLD_FILES = sorted(p.name for p in Path(programs_dir()).glob("world_*.toy") if "brute" not in p.name)


@pytest.mark.parametrize("seed", [2026, 7])
@pytest.mark.parametrize("file", WORLD_FILES)
def test_every_world_program_measures_as_its_author_meant(file, seed):
    """The instrument, not the file, decides the class; here it must agree with what each author
    meant, on the demo's seed and a held-out one (a shallower tree keeps the test fast)."""
    if "_mask" in file and seed != 2026:
        pytest.skip("a mask constant found for one target of the demo world fits no leaf of another seed")
    # the first region it fits (a program may fit some leaves only; a mask constant, the demo world's)
    places = [(World(seed=seed, depth=24, region_bits=2, quiet=16), region) for region in (1, 2, 3, 0)]
    if "_mask" in file:
        places = [(World(seed=2026, depth=84, region_bits=2, quiet=20), region) for region in range(4)]
    for world, region in places:
        data = world.data(file, region, world.louder_path(region))
        bits = world.program(file, TOY, region=region) + data
        found = measure(TOY.language, bits, world, question(world, region, 0))
        if found["fits"]:
            break
    assert found["fits"], file
    assert found["class"] == _intent(Path(programs_dir()) / file)
    told = any(item.split(":")[0] in TIME_ITEMS for item in world.data_items(file))
    if told:
        assert found["when"] == "told"
    else:
        assert found["when"] == "computes"


def test_a_clock_that_happens_to_be_right_is_not_goal_directed():
    """A program that writes ones from a fixed bit, with no look at its simulation, fits a target
    whose first question is there, and the move and removal interventions expose it."""
    world = World(seed=2026, depth=24, region_bits=2, quiet=16)
    for region in range(4):
        q = question(world, region, 0)
        bits = TOY.assemble(f"{q.answer_bit - 8} rep 0 out end loop 1 out end")
        found = measure(TOY.language, bits, world, q, output=world.stream(region, world.louder_path(region),
                                                                          q.answer_bit - 8) + "1" * 9)
        if found["fits"]:
            assert found["class"] == NOT_GOAL_DIRECTED and found["when"] == "told"
    clock = Path(programs_dir()) / "world_told_ones.toy"
    bits = world.program(clock, TOY) + world.data(str(clock), 0, world.louder_path(0))
    found = measure(TOY.language, bits, world, question(world, 0, 0))
    assert found["fits"] and found["class"] == NOT_GOAL_DIRECTED and not found["follows_removal"]


def test_interventions_change_only_the_question_and_the_answer():
    """The intervened world model and the intervened machine agree bit for bit, and the intervened
    streams differ from the world's only where the question or the answer moved."""
    world = World(seed=2026, depth=24, region_bits=2, quiet=16)
    region = 2
    q = question(world, region, 0)
    from toyinduction.malign.intervention import interventions

    honest = world.program("world_honest.toy", TOY) + world.data("world_honest.toy", region, world.louder_path(region))
    n = q.moved_frame * 33 + 33
    plain = world.stream(region, world.louder_path(region), n)
    for name, overrides in interventions(world, q).items():
        changed = world.intervened(overrides).stream(region, world.louder_path(region), n)
        assert run_intervened(TOY.language, honest, overrides, n) == changed
        differs = [t for t in range(n) if plain[t] != changed[t]]
        assert differs and min(differs) >= (q.answer_bit if name == "answer" else q.frame * 33 + 24)


def test_an_intervention_changes_what_mix_hashes_whatever_the_argument_pair():
    """mix(a, b) hashes a + phi*(b + 1): a program that reaches the changed point by another pair
    of arguments, or inside a program it evals, sees the change too (the red team's aliasing and
    eval probes), in the machine and in the world model alike."""
    a, b = 5, 6
    changed = {(a, b): mix(a, b) ^ 1}
    alias = ((a - 0x9E3779B97F4A7C15) % 2 ** 64, b + 1)
    assert mix_input(*alias) == mix_input(a, b)
    for pair in ((a, b), alias):
        bits = TOY.assemble(f"{pair[0]} {pair[1]} mix 1 and out")
        assert run_intervened(TOY.language, bits, changed, 1) != TOY.run(bits, max_steps=100, output_bits=1).output
        assert World().intervened(changed).mix(*pair) == changed[(a, b)]
    child = TOY.assemble(f"{a} {b} mix 1 and out")
    parent = TOY.assemble(f"{pack_bits(child)} 1000 1 eval drop 1 and out")
    assert run_intervened(TOY.language, parent, changed, 1) != TOY.run(parent, max_steps=1000, output_bits=1).output


def test_whole_runs_measure_as_the_paused_runs_do(monkeypatch):
    """When the changed physics is computed inside an eval no paused state serves every
    intervention, and each intervened world is run whole: that path gives the same measurements
    as the paused one (forced here on programs of every class)."""
    from toyinduction.malign import intervention

    world = World(seed=2026, depth=24, region_bits=2, quiet=16)
    region = 1
    questions = [question(world, region, k) for k in range(2)]
    runs = {}
    for file in ("world_flat_one.toy", "world_flat_clock.toy", "world_flat_honest.toy", "world_told_first.toy"):
        bits = world.program(file, TOY, region=region) + world.data(file, region, world.louder_path(region))
        runs[file] = intervention._measure_questions(TOY.language, bits, world, questions, None)

    def in_eval(self):
        raise intervention._PauseInEval

    monkeypatch.setattr(intervention.IntervenedMachine, "run_until", in_eval)
    for file, paused in runs.items():
        bits = world.program(file, TOY, region=region) + world.data(file, region, world.louder_path(region))
        assert intervention._measure_questions(TOY.language, bits, world, questions, None) == paused, file
    assert {paused[0]["class"] for paused in runs.values()} == {HONEST, NOT_GOAL_DIRECTED, GOAL_DIRECTED}


def test_a_program_measures_the_same_on_machines_that_differ_only_in_codewords():
    """toy and toy-uniform run the same instructions on the same data: the demo carries a program's
    measurements from one to the other (``demo._BY_SOURCE``); here each is measured afresh."""
    from toyinduction.malign import intervention
    from toyinduction.malign.demo import _semantics

    uniform = machine("toy-uniform")
    assert _semantics(TOY.language) == _semantics(uniform.language)
    world = World(seed=2026, depth=24, region_bits=2, quiet=16)
    questions = [question(world, 1, k) for k in range(2)]
    for file in ("world_flat_one.toy", "world_flat_clock.toy", "world_guided_flip.toy"):
        results = []
        for chosen in (TOY, uniform):
            bits = world.program(file, chosen, region=1) + world.data(file, 1, world.louder_path(1), machine=chosen)
            results.append(intervention._measure_questions(chosen.language, bits, world, questions, None))
        assert results[0] == results[1], file


def test_one_run_serves_every_question_as_separate_runs_do():
    world = World(seed=7, depth=24, region_bits=2, quiet=16)
    file = "world_guided_one.toy"
    bits = world.program(file, TOY) + world.data(file, 0, world.louder_path(0))
    questions = [question(world, 0, k) for k in range(2)]
    together = measure_questions(TOY.language, bits, world, questions)
    alone = [measure(TOY.language, bits, world, q) for q in questions]
    assert together == alone


def test_no_frame_holds_more_than_a_sixteenth_of_first_questions():
    shares = clock_shares(range(400))
    assert shares["civilisations"] == 1600
    assert shares["largest_share"] <= 1 / 16


def test_predict_at_is_predict_at_that_bit():
    enumeration = TOY.enumerate(12, max_steps=300, output_bits=40, keep_leaves=100_000)
    pool = build_pool(TOY, enumeration, 40, [])
    sequence = "0110110110110110110111"
    whole = predict(pool, sequence)
    for t in (0, 7, 21):
        step = predict_at(pool, sequence, t)
        assert step["p_observed"] == pytest.approx(whole.p_observed[t], abs=1e-15)
        assert np.allclose(step["posterior"], whole.posterior_after(t))
        assert step["observed_low"] <= step["p_observed"] <= step["observed_high"]


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("demo"), depth=30, max_bits=12, figures=False, targets=2, controls=1,
                    premises={"not-told": ("x", 0.0, None), "not-told, no-pointer": ("y", 0.0, None)})


def test_every_probability_lies_in_its_interval(small_report):
    for target in small_report["targets"]:
        for row in target["questions"]:
            low, high = row["p_honest_bounds"]
            assert low <= row["p_honest"] <= high
            assert sum(row["class_shares"].values()) == pytest.approx(1, abs=1e-9)
    for premise in small_report["premises"]:
        for row in premise["per_target"]:
            low, high = row["honest_bit_probability_bounds"]
            assert low <= row["honest_bit_probability"] <= high


def test_classes_are_measured_and_premises_remove_by_class(small_report):
    rows = {row["name"]: row for row in small_report["premises"]}
    for target in rows["not-told"]["per_target"]:
        assert target["class_shares"][NOT_GOAL_DIRECTED] == 0       # every clock in the pool is told when
    for target in rows["full-pool"]["per_target"]:
        assert target["holder"] == NOT_GOAL_DIRECTED                 # a clock holds the first question
    for target in rows["not-told, no-pointer"]["per_target"]:
        assert target["holder"] == GOAL_DIRECTED


def test_a_users_program_joins_the_pool(tmp_path):
    source = (Path(programs_dir()) / "world_told_first.toy").read_text()
    mine = tmp_path / "mine.toy"
    mine.write_text(source.replace("8 rep 1 out inc end call talk", "loop 1 out end"))   # a data-timed clock
    report = run_demo(tmp_path / "out", depth=30, max_bits=12, figures=False, targets=2, controls=0, premises={},
                      add=[mine])
    measured = [row for row in report["programs"] if row["file"] == "mine.toy"]
    assert measured and all(row["at_question"][0]["class"] == NOT_GOAL_DIRECTED for row in measured)


def test_a_users_program_that_departs_is_refused_in_one_line(tmp_path):
    source = (Path(programs_dir()) / "world_told_first.toy").read_text()
    wrong = tmp_path / "wrong.toy"
    wrong.write_text(source.replace("6 rep call group end", "5 rep call group end"))
    result = CliRunner().invoke(main, ["demo", "--depth", "30", "--max-bits", "12", "--targets", "2",
                                       "--controls", "0", "--out", str(tmp_path / "o"), "--add", str(wrong)])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "does not write the observed stream" in lines[0] and "at bit" in lines[0]
    bare = tmp_path / "bare.toy"
    bare.write_text("loop 1 out end\n")
    result = CliRunner().invoke(main, ["demo", "--add", str(bare), "--out", str(tmp_path / "p")])
    assert result.exit_code != 0 and "no '; data:' header" in result.output


def test_a_bad_data_header_is_one_line(tmp_path):
    bad = tmp_path / "bad.toy"
    bad.write_text("; data: region when\nloop 1 out end\n")
    with pytest.raises(ValueError, match="bad.toy:1: data item 'when'"):
        data_header(bad)


def test_the_pool_search_finds_a_planted_shorter_program(tmp_path):
    """A pool whose only clock pushes a value it never uses: the search finds the shorter clock, the
    instrument measures its class, and it is kept (shorter than the best of its class)."""
    from toyinduction.malign.pool_search import grow_pool, load_found, save_found

    source = (Path(programs_dir()) / "world_flat_clock.toy").read_text()
    padded = tmp_path / "world_padded_clock.toy"
    padded.write_text(source.replace("\nloop\n", "\n1000 loop\n"))     # a value pushed and never used
    world = World(seed=2026, depth=16, region_bits=2, quiet=16)
    document = grow_pool(world, TOY, regions=[1], proposals_per_start=3000, prior_starts=1, files=[str(padded)])
    start_bits = len(world.program(str(padded), TOY, region=1))
    kept = document["found"]
    assert kept and all(row["total_bits"] < start_bits and row["class"] == NOT_GOAL_DIRECTED for row in kept)
    for row in kept:     # each really writes the observed stream up to the first question
        q = question(world, 1, 0)
        assert TOY.run(row["bits"], max_steps=10 ** 7, output_bits=q.answer_bit).output == \
            world.stream(1, world.louder_path(1), q.answer_bit)
    path = save_found(document, tmp_path / "found.json")
    assert load_found(world, TOY, path) == kept
    assert load_found(World(seed=1, depth=16, region_bits=2, quiet=16), TOY, path) == []   # another world: none


def test_a_measurement_is_kept_in_the_run_store_for_the_code_that_made_it(tmp_path, monkeypatch):
    """A class measurement made with a run store is loaded by a later run of the same code (another
    process: the in-process memo is emptied here), equal to a fresh one; other code measures anew."""
    from toyinduction import RunStore
    from toyinduction.machines.toy.language import TOY as LANGUAGE
    from toyinduction.malign import intervention

    world = World(depth=24)
    q = intervention.question(world, 0, 0)
    bits = world.program("world_guided_ones.toy", LANGUAGE) + world.data("world_guided_ones.toy", 0, world.louder_path(0), 1)
    store = RunStore(tmp_path)
    fresh = intervention._measure_questions(LANGUAGE, bits, world, [q], None)
    intervention.remember(LANGUAGE, bits, world, [q], fresh, store)
    monkeypatch.setattr(intervention, "_MEASURED", {})
    assert intervention.recall(LANGUAGE, bits, world, [q], store) == fresh
    assert fresh[0]["class"] == intervention.GOAL_DIRECTED
    monkeypatch.setattr(intervention, "_MEASURED", {})
    monkeypatch.setattr(intervention, "_instrument_version", lambda: "other code")
    assert intervention.recall(LANGUAGE, bits, world, [q], store) is None
