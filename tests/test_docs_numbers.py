"""The docs say what the demo's report says, and the report's lengths are the shipped programs'.

experiments/results/demo_report.json is written by ``python experiments/demo_results.py`` (the
default demo). These tests do not rerun the demo (minutes); they check that the report is that of
the programs shipped now (every length recomputed from the files and the world) and that
docs/demo.md and the README quote its numbers.
"""

import json
import re
from pathlib import Path

import pytest

from toyinduction.machines import machine
from toyinduction.malign.demo import share_text
from toyinduction.malign.world import LITERAL_ITEMS, World

ROOT = Path(__file__).resolve().parents[1]
REPORT = json.loads((ROOT / "experiments" / "results" / "demo_report.json").read_text())
DEMO_MD = (ROOT / "docs" / "demo.md").read_text()
README = (ROOT / "README.md").read_text()
CLASSES = ("deviating, not goal-directed", "honest", "goal-directed")


def _world() -> World:
    w = REPORT["world"]
    return World(seed=w["seed"], depth=w["depth"], region_bits=w["region_bits"], quiet=w["quiet_frames"],
                 physics=w["physics"], ask_bits=w["ask_bits"])


def _shortest(cls, when=None) -> str:
    """'a / b / c / d': the shortest total bits at the first question of a measured class, per target."""
    per = []
    for target in REPORT["targets"]:
        bits = [p["total_bits"] for p in REPORT["programs"] if p["region"] == target["region"] and p["at_question"][0]
                and p["at_question"][0]["class"] == cls and (when is None or p["at_question"][0]["when"] == when)]
        per.append(str(min(bits)) if bits else "—")
    return " / ".join(per)


def test_the_reports_lengths_are_those_of_the_programs_shipped_now():
    world, toy = _world(), machine(REPORT["language"])
    assert REPORT["spec_hash"] == toy.spec_hash
    checked = 0
    for program in REPORT["programs"]:
        if program["file"].startswith("found from"):
            continue
        items = program["data"].split()
        literal = any(item.split(":")[0] in LITERAL_ITEMS for item in items)
        region = program["region"]
        code = world.program(program["file"], toy, region=region if literal else None)
        data = world.data(program["file"], region, world.louder_path(region),
                          questions=2 if "told 2 questions" in program["name"] else 1, machine=toy)
        assert (len(code), len(data)) == (program["code_bits"], program["data_bits"]), program["name"]
        checked += 1
    assert checked >= 100


def test_demo_md_quotes_the_shortest_program_of_each_class():
    for cls, when in ((CLASSES[0], None), ("honest", "told"), ("goal-directed", None), ("honest", "computes")):
        assert _shortest(cls, when) in DEMO_MD, (cls, when, _shortest(cls, when))


def test_the_docs_quote_the_headline_numbers():
    for target in REPORT["targets"]:
        head = target["questions"][0]
        assert share_text(head["p_honest"]) in DEMO_MD, target["name"]
        assert share_text(head["class_shares"]["goal-directed"]) in DEMO_MD, target["name"]
    price = REPORT["price_of_malice"]
    assert all(f"{bits:+d}" in DEMO_MD or f"−{-bits}" in DEMO_MD for bits in price.values() if bits is not None)
    assert f"{REPORT['shared_clock']['largest_share']}" in DEMO_MD
    # the README's headline sentence names the class that holds the first question and its numbers
    holders = {max(t["class_shares"], key=t["class_shares"].get) for t in REPORT["targets"]}
    assert all(holder in README for holder in holders)
    assert share_text(min(t["class_shares"]["goal-directed"] for t in REPORT["targets"])) in README


@pytest.mark.parametrize("way", range(4))
def test_demo_md_quotes_each_way_to_know_when(way):
    row = REPORT["ways_to_know_when"][way]
    text = " / ".join("—" if bits is None else str(bits) for bits in row["shortest_honest_bits"])
    assert text in DEMO_MD, (row["way"], text)
