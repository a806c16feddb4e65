"""A CI-sized fuzz of the whole command line (toyinduction.cli.fuzz; the long run is
``python experiments/fuzz.py --cli --runs 2000``): generated and mutated command lines over every
command and option, bad files, damaged stores. Each must end with exit 0, or exit 1/2 and exactly
one ``Error: `` line on stderr - never a traceback - and leave every store entry's bytes alone."""

import hashlib
import random

import click
import pytest

from toyinduction.cli.fuzz import (REGRESSIONS, StoreWatch, build_fixtures, check, commands, fuzz_cli, generate,
                                   within_budget, _pools)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    return fuzz_cli(1200, seed=2026, root=tmp_path_factory.mktemp("fuzz"), subprocess_runs=3)


def test_no_command_line_ends_in_a_traceback_or_a_changed_store(report):
    assert report["problems"] == []


def test_the_fuzz_reaches_every_command_and_every_ending(report):
    assert report["runs"] == 1200 + len(REGRESSIONS) and report["subprocess_runs"] == 3
    assert set(commands()) <= set(report["commands"])
    assert {"0", "1", "2"} <= set(report["exit_codes"])
    assert report["exit_codes"]["0"] > 100 and report["exit_codes"]["1"] > 50


def test_generated_lines_use_every_option_of_every_command():
    rng, catalogue = random.Random(7), commands()
    pools = _pools(rng)
    seen = set()
    for _ in range(3000):
        args = generate(rng, pools, catalogue)
        seen |= {(args[0], token.split("=")[0]) for token in args if token.startswith("--")}
    for path, command in catalogue.items():
        for param in command.params:
            if isinstance(param, click.Option):
                assert any((path.split()[0], opt) in seen for opt in param.opts), (path, param.opts)


def test_budgets_are_capped_and_heavy_commands_refused():
    catalogue = commands()
    assert within_budget(["enumerate", "--max-bits", "62", "--max-steps=99999"], catalogue) == \
        ["enumerate", "--max-bits", "12", "--max-steps=2000"]
    assert within_budget(["enumerate", "--max-bits", "-3", "--count", "x"], catalogue) == \
        ["enumerate", "--max-bits", "-3", "--count", "x"]   # bad values stay bad
    assert within_budget(["demo"], catalogue)[-2:] == ["--workers", "0"]
    # "--" before the command: still that command (a generated "-- bench --d5" ran D(5) for two minutes)
    assert within_budget(["--", "bench", "--d5"], catalogue)[-2:] == ["--workers", "0"]
    assert within_budget(["--", "enumerate", "--max-bits", "62"], catalogue) == ["--", "enumerate", "--max-bits", "12"]
    assert within_budget(["enumerate", "--scheduler", "local"], catalogue, in_process=False)[-1] != "local"


def test_the_contract_is_not_vacuous(tmp_path):
    ok = dict(before={}, after={})
    assert check(["run", "x"], 0, "", None, **ok) is None
    assert check(["run", "x"], 1, "Error: bad\n", SystemExit(1), **ok) is None
    assert "traceback" in check(["run"], 1, "Traceback (most recent call last):\n", None, **ok)
    assert "2 stderr lines" in check(["run"], 2, "Error: one\ntwo\n", None, **ok)
    assert "not one" in check(["run"], 1, "oops\n", None, **ok)
    assert "exit code 3" == check(["run"], 3, "", None, **ok)
    assert check(["run"], 1, "", ZeroDivisionError("x"), **ok).startswith("exception ZeroDivisionError")
    assert "warning" in check(["run"], 0, "RuntimeWarning: overflow\n", None, **ok)
    # a store entry whose bytes change is caught; under --fresh it may be replaced
    build_fixtures(tmp_path)
    watch = StoreWatch(tmp_path)
    before = watch.snapshot()
    assert len(before) >= 6
    entry = sorted(path for path in before if "stores/good" in str(path) and path.suffix == ".json")[0]
    entry.write_text(entry.read_text() + " ")
    after = watch.snapshot()
    assert after[entry] == hashlib.sha256(entry.read_bytes()).hexdigest()
    assert "store entries changed" in check(["enumerate"], 0, "", None, before, after)
    assert check(["enumerate", "--fresh"], 0, "", None, before, after) is None
    entry.unlink()
    assert "store entries changed" in check(["runs"], 0, "", None, before, watch.snapshot())

