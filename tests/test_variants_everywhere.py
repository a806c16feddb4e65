"""Every command and API path runs under every registered machine and under user variants: shipped
programs that do not assemble in a variant are skipped and said to be skipped, never fatal; a
variant can change one instruction's codeword length in one line (``lengths``), keeping the code
complete; degenerate variants are warned about; ``spec`` shows a variant's change against its base."""

import json
import random

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.machines import PREFIX_MACHINES, machine, machine_names
from toyinduction.machines.shipped import assembled_programs, program_files, skipped_note
from toyinduction.machines.toy.language import (LANGUAGES, MAX_CODEWORD_BITS, TOY, complete_lengths, kraft_sum,
                                                language_from_json, variant)

TOY_LENGTHS = {m: len(word) for m, word in TOY.codewords.items()}
#: Variants of one's own that drop an instruction the shipped programs use.
DROPPING = {"noidx": {"name": "noidx", "drop": ["idx"]}, "norot": {"name": "norot", "drop": ["rot"]}}


def cli(*args):
    """Run the command line; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The dropping variants (and a silent one, without out) as language files, and a store."""
    root = tmp_path_factory.mktemp("variants")
    paths = {}
    for name, document in {**DROPPING, "silent": {"name": "silent", "drop": ["out"]}}.items():
        paths[name] = root / f"{name}.json"
        paths[name].write_text(json.dumps(document))
    paths["store"] = root / "store"
    return paths


# --- lengths: one line changes one instruction's codeword length ----------------------------------------
@pytest.mark.parametrize("pinned, changed", [
    ({"out": 6}, {"out": (5, 6), "eval": (6, 5)}),            # frees one 6-bit codeword: one 6-bit one gets shorter
    ({"out": 4}, {"out": (5, 4), "end": (4, 5)}),             # takes a 5-bit codeword's worth: one 4-bit one gets longer
    ({"out": 7}, {"out": (5, 7), "eval": (6, 7), "call": (5, 4)}),   # out's 7-bit sibling, and the rest filled
    ({"out": 5}, {}),                                          # no change
])
def test_lengths_pin_the_named_and_keep_the_rest_where_they_fit(pinned, changed):
    lengths = complete_lengths(TOY_LENGTHS, pinned)
    assert {m: (TOY_LENGTHS[m], bits) for m, bits in lengths.items() if bits != TOY_LENGTHS[m]} == changed
    assert kraft_sum("0" * bits for bits in lengths.values()) == 1


def test_lengths_always_give_a_complete_code_with_the_pinned_lengths():
    rng = random.Random(23)
    for _ in range(300):
        pinned = {m: rng.randint(1, 12) for m in rng.sample(sorted(TOY_LENGTHS), rng.randint(1, 4))}
        try:
            lengths = complete_lengths(TOY_LENGTHS, pinned)
        except ValueError as error:             # only when the pinned alone leave no room
            assert "no room" in str(error) and kraft_sum("0" * b for b in pinned.values()) >= 1
            continue
        assert all(lengths[m] == bits for m, bits in pinned.items())
        assert all(1 <= bits <= MAX_CODEWORD_BITS for bits in lengths.values())
        assert kraft_sum("0" * bits for bits in lengths.values()) == 1
        assert complete_lengths(TOY_LENGTHS, pinned) == lengths          # deterministic


def test_a_lengths_variant_is_a_complete_language_and_a_no_op_is_toy():
    costly = variant("costly-out", lengths={"out": 7})
    assert len(costly.codewords["out"]) == 7 and kraft_sum(costly.codewords.values()) == 1
    assert costly.changes()["lengths"] == {"call": [5, 4], "out": [5, 7], "eval": [6, 7]}
    assert variant("same", lengths={"out": 5}).spec_hash == TOY.spec_hash
    program = machine(costly).assemble("1 out 0 out end")
    assert machine(costly).run(program, max_steps=100, output_bits=4).output == "10"
    assert len(program) == len(machine("toy").assemble("1 out 0 out end")) + 4      # two outs, 2 bits dearer each


def test_lengths_apply_after_drop_and_to_composites():
    dropped = variant("x", drop=("xor",), lengths={"out": 4})
    assert "xor" not in dropped.codewords and len(dropped.codewords["out"]) == 4
    assert kraft_sum(dropped.codewords.values()) == 1
    with_max = language_from_json({"base": "toy", "composites": {"max": {"body": "over over lt if swap end drop"}},
                                   "lengths": {"max": 5}})
    assert len(with_max.codewords["max"]) == 5 and kraft_sum(with_max.codewords.values()) == 1
    assert with_max.changes()["added"] == {"max": 5}


@pytest.mark.parametrize("document, message", [
    ({"weights": {}}, "weights is empty"),
    ({"lengths": {}}, "lengths is empty"),
    ({"lengths": {"out": 0}}, "whole number of bits in 1..32"),
    ({"lengths": {"out": 40}}, "whole number of bits in 1..32"),
    ({"lengths": {"out": "6"}}, "'lengths' must be an object"),
    ({"lengths": {"outt": 6}}, "not in the variant"),
    ({"lengths": {"out": 1, "push": 1}}, "no room for the other 33 instructions"),
    ({"drop": ["eval"], "lengths": {"eval": 4}}, "not in the variant"),
])
def test_bad_lengths_and_empty_weights_are_refused_in_one_line(document, message):
    with pytest.raises(ValueError, match=message) as caught:
        language_from_json(document, "mine.json")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("language file mine.json: ")


# --- warnings for degenerate variants ---------------------------------------------------------------------
def test_degenerate_variants_get_warnings_as_plain_data():
    assert TOY.warnings == () and LANGUAGES["toy-noeval"].warnings == ()
    (silent,) = variant("silent", drop=("out",)).warnings
    assert "no program can write a bit" in silent
    (endless,) = variant("endless", drop=("end", "ret")).warnings
    assert "no program can halt" in endless
    # out (or halt) reachable through a composite's body: not degenerate
    assert variant("via-body", drop=("out",), composites={"emit": {"body": "out"}}).warnings == ()
    assert variant("halts", drop=("end", "ret"), composites={"stop": {"body": "halt"}}).warnings == ()


def test_cli_prints_the_warning_on_stderr_and_spec_shows_the_change(files, tmp_path):
    code, out, err = cli("spec", "--language", files["silent"])
    assert code == 0 and "against toy" in out and "dropped: out" in out
    assert err.strip().startswith("warning: language silent: no program can write a bit")
    assert "Warning" not in err                                        # the CLI fuzz forbids Python warnings
    mine = tmp_path / "costly-out.json"
    mine.write_text(json.dumps({"name": "costly-out", "lengths": {"out": 7}, "limits": {"memory_cells": 512}}))
    code, out, err = cli("spec", "--language", mine)
    assert code == 0 and err == ""
    assert "lengths: call 5 -> 4 bits, out 5 -> 7 bits, eval 6 -> 7 bits" in out
    assert "limits: memory_cells 256 -> 512" in out
    code, out, _ = cli("spec", "--language", mine, "--json")
    changes = json.loads(out)["changes"]
    assert changes["base"] == "toy" and changes["lengths"]["out"] == [5, 7] and changes["dropped"] == []
    code, out, _ = cli("spec", "--language", "toy-noeval")
    assert "dropped: eval" in out
    code, out, err = cli("spec", "--language", files["silent"], "--bogus")     # an error prints its one line alone
    assert code == 2 and len(err.strip().splitlines()) == 1


# --- shipped programs under variants: skipped, said to be skipped -----------------------------------------
def test_shipped_programs_that_do_not_assemble_are_skipped_with_a_note():
    programs, skipped = assembled_programs("toy-noeval")
    names = {name for name, _ in skipped}
    assert "eval_replay.toy" in names and all("eval" in reason for _, reason in skipped)
    assert len(programs) + len(skipped) == len(program_files())
    assert assembled_programs("toy")[1] == []
    assert skipped_note(skipped, "toy-noeval").startswith(f"note: {len(skipped)} shipped programs do not assemble in "
                                                          "toy-noeval and were skipped: ")
    assert skipped_note([], "toy") is None


def test_the_advice_skips_what_does_not_assemble(files):
    import toyinduction as ti

    forecast = ti.Mixture("toy-noeval", max_bits=10, store=None, workers=1, progress=False).predict("0110")
    assert forecast.advice is not None                    # the pool cannot explain 0110: the advice looked at the programs
    assert "eval_replay.toy" in forecast.skipped_programs
    assert forecast.to_json()["skipped_programs"] == forecast.skipped_programs


@pytest.mark.parametrize("name", [*PREFIX_MACHINES, *DROPPING])
def test_predict_and_enumerate_run_under_every_machine_and_dropping_variant(name, files):
    chosen = files[name] if name in DROPPING else name
    code, out, err = cli("predict", "0101010101", "--machine", chosen, "--max-bits", 10, "--all-programs",
                         "--store", files["store"], "--workers", 1, "--json")
    assert code == 0, err
    document = json.loads(out)
    expected = [n for n, _ in assembled_programs(machine(str(chosen)))[1]]
    assert set(document.get("skipped_programs", [])) >= set(expected)
    if expected:
        (line,) = [line for line in err.splitlines() if line.startswith("note: ")]
        assert f"{len(document['skipped_programs'])} shipped program" in line and expected[0] in line
    else:
        assert "note: " not in err
    code, out, err = cli("predict", "0110", "--machine", chosen, "--max-bits", 10, "--store", files["store"],
                         "--workers", 1)
    assert code == 0, err
    assert "next bit x_5" in out
    code, out, err = cli("enumerate", "--machine", chosen, "--max-bits", 10, "--store", files["store"],
                         "--workers", 1)
    assert code == 0, err
    assert "programs up to 10 bits" in out
    code, out, err = cli("programs", "--machine", chosen, "--output-bits", 8)
    assert code == 0, err
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    shipped, skipped = assembled_programs(machine(str(chosen)))
    assert {path.name for path, _ in shipped} <= listed and not listed & {name for name, _ in skipped}


def test_machines_that_read_no_bits_are_refused_in_one_line(files):
    assert set(machine_names()) - set(PREFIX_MACHINES) == {"tm"}
    for command in (["predict", "0110"], ["enumerate"]):
        code, _, err = cli(*command, "--machine", "tm", "--max-bits", 10, "--store", files["store"])
        assert code == 1 and len(err.strip().splitlines()) == 1 and "tm is not one" in err


# --- the demo: runs where its world programs can be written, refuses in one line elsewhere ----------------
@pytest.mark.parametrize("name", ["toy-noeval", "toy-uniform"])
def test_the_demo_runs_under_the_toy_variants(name):
    from toyinduction.malign.demo import demo

    report = demo(machine=name, depth=12, targets=1, controls=0, max_bits=8, workers=1, progress=False,
                  premises={})                          # the full pool only: the premises are tested in test_demo.py
    assert report["premises"] and "first question" in report["headline"]
    assert report["language"] == name and report["premises"][0]["name"] == "full-pool"


@pytest.mark.parametrize("name, message", [
    ("noidx", "the demo cannot run in noidx: its world programs cannot be written in it (world_honest.toy and"),
    ("blc", "machine blc has no world programs for the mix physics"),
    ("tm", "machine tm has no world programs"),
])
def test_the_demo_refuses_a_machine_that_cannot_write_its_world_in_one_line(name, message, files):
    from toyinduction.malign.demo import demo

    chosen = str(files[name]) if name in DROPPING else name
    with pytest.raises(ValueError) as caught:
        demo(machine=chosen, depth=12, targets=1, controls=0, max_bits=8, workers=1, progress=False)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.parametrize("name, message", [("blc", "machine blc has no world programs for the mix physics"),
                                           ("tm", "machine tm has no world programs for the mix physics")])
def test_the_demo_command_takes_a_machine_and_refuses_one_without_world_programs_in_one_line(name, message, tmp_path):
    result = CliRunner().invoke(main, ["demo", "--machine", name, "--out", str(tmp_path / "out"),
                                       "--store", str(tmp_path / "store")])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1 and lines[0].startswith(f"Error: {message}")
    assert not (tmp_path / "out").exists()
