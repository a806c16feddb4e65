"""A CI-sized hostile fuzz (toyinduction.cli.fuzz.fuzz_hostile; the long run is
``python experiments/fuzz.py --hostile --runs 300``): generated files nested 10^3..10^5 deep,
macro fan-out bombs, huge literals, long bit strings, every memory-sized option at its documented
maximum, and long commands sent SIGINT at a random moment - each a real subprocess under a 4 GB
address-space cap. Each must end with exit 0, or one ``Error: `` line (exit 1/2, 130 after
SIGINT), never a traceback, within the timeout; plus the hostile texts through the toy
assembler in process."""

import random

import pytest

from toyinduction.cli.fuzz import (LONG_COMMANDS, HostileCase, check_hostile, fuzz_hostile, hostile_cases,
                                   interrupted_during_startup, lam_deep_parentheses, lam_long_application, run_hostile)
from toyinduction.machines.toy.assembler import assemble, tokenize
from toyinduction.machines.toy.fuzz import deep_source, fuzz_hostile_assembler, macro_bomb_source
from toyinduction.machines.toy.language import TOY

CASES, INTERRUPTED = 24, 8


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    # (a case at a budget's maximum gets SIGINT after 3 s: long enough to show a runaway allocation)
    return fuzz_hostile(CASES, INTERRUPTED, seed=2026, root=tmp_path_factory.mktemp("hostile"), workers=2,
                        maximum_seconds=3.0)


def test_no_hostile_case_ends_in_a_traceback_a_long_error_or_a_hang(report):
    assert report["problems"] == []


def test_the_campaign_ran_every_case_and_sigint_stopped_long_commands(report):
    assert report["runs"] == CASES and report["interrupted_runs"] == INTERRUPTED
    # every interrupted command and every case at a maximum still running at 3 s got SIGINT and stopped on it
    assert report["stopped_by_sigint"] >= INTERRUPTED // 2
    assert report["stopped_by_sigint"] + report["finished_before_sigint"] >= INTERRUPTED
    assert report["peak_rss_mib"] < 4_000_000 / 1024


def test_the_cases_cover_inputs_maxima_and_sigint():
    cases = hostile_cases(random.Random(2026), CASES, INTERRUPTED)
    assert len(cases) == CASES + INTERRUPTED
    assert sum(case.at_maximum for case in cases) == CASES // 2
    assert sum(case.interrupt_at is not None for case in cases) == INTERRUPTED
    assert all(0.5 <= case.interrupt_at <= 3.0 for case in cases if case.interrupt_at is not None)
    files = [text for case in cases for text in case.files.values()]
    assert any(name.endswith(".lam") for case in cases for name in case.files)
    assert any(name.endswith(".toy") for case in cases for name in case.files)
    assert all(len(arg) <= 131_072 for case in cases for arg in case.args)   # one argument of the OS's ARG_MAX
    assert files and {case.args[0] for case in cases if case.interrupt_at} <= {args[0] for args in LONG_COMMANDS}


def test_the_generators_make_what_they_say():
    assert deep_source(3, "quote") == "[ [ [ 1 out ] ] ]\n"
    assert deep_source(2, "if", closed=False) == "1 if 1 if 1 out\n"
    bomb = macro_bomb_source(10, 10)
    assert len(bomb) < 600 and len(tokenize(bomb)) < 200   # 10^10 dup once expanded
    assert assemble(macro_bomb_source(2, 3), TOY) == assemble("dup " * 9 + "out", TOY)
    assert assemble(macro_bomb_source(1, 2, "1 out", quoted=True), TOY) == assemble("[ 1 out 1 out ] out", TOY)
    assert lam_deep_parentheses(10 ** 5).count("(") == 10 ** 5
    assert lam_long_application(4) == "def id = \\x. x\ndef main = id id id id\n"
    assert lam_long_application(3, nested=True).endswith("(id (id id))\n")


def test_the_contract_is_not_vacuous():
    assert check_hostile(0, "", 0, False) is None
    assert check_hostile(1, "Error: too deep\n", 16, False) is None
    assert check_hostile(130, "\nError: interrupted\n", 20, True) is None       # click ends the ^C line first
    assert check_hostile(0, "warning: language x: no eval\n", 30, False) is None
    assert check_hostile(130, "Warning: about 2^61 steps: 365 years; Ctrl-C stops it\n\nError: interrupted\n", 80,
                         True) is None
    assert "exit 0 with stderr" in check_hostile(0, "Error: but it worked\n", 22, False)
    assert "exit 130 without SIGINT" == check_hostile(130, "Error: interrupted\n", 19, False)
    assert "traceback" in check_hostile(1, "Traceback (most recent call last):\n  x\nRecursionError\n", 50, False)
    assert "uncaught KeyboardInterrupt" in check_hostile(-2, "", 0, True)
    assert "2 stderr lines" in check_hostile(1, "Error: one\nError: two\n", 22, False)
    assert "characters" in check_hostile(1, "Error: " + "x" * 1000 + "\n", 1008, False)
    assert "exit code 3" == check_hostile(3, "", 0, False)
    # a SIGINT while Python is still starting (no handler of ours can be yet) is told apart
    assert interrupted_during_startup('Fatal Python error: init_import_site: Failed to import the site module\n'
                                      'Traceback (most recent call last):\n  File "<frozen site>", line 616, in '
                                      '<module>\n  File "<frozen site>", line 599, in main\nKeyboardInterrupt\n')
    assert interrupted_during_startup('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
                                      '    import click\nKeyboardInterrupt\n')
    assert not interrupted_during_startup('Traceback (most recent call last):\n  File "cli.py", line 9, in main\n'
                                          'KeyboardInterrupt\n')
    assert not interrupted_during_startup('Traceback (most recent call last):\n  File "x.py", line 1, in <module>\n'
                                          'KeyboardInterrupt\n\nError: interrupted\n')   # (another thread's)
    assert not interrupted_during_startup("Traceback (most recent call last):\nRecursionError\n")


def test_a_case_that_hangs_is_a_problem_and_is_stopped(tmp_path):
    # a program that spins forever at the largest budget, not marked as one: the timeout catches it,
    # SIGINT stops it in one line, and the run is still reported as not ending in time
    hang = HostileCase("spin", ["run", "spin.toy", "--max-steps", str(2 ** 61)], files={"spin.toy": "loop end\n"})
    run = run_hostile(hang, tmp_path, timeout=4.0, grace=10.0)
    assert run.problem == "no end within 4 s" and run.interrupted_at is not None
    assert run.exit_code == 130 and run.stderr.strip().startswith("Error: ")


def test_hostile_texts_assemble_or_fail_in_one_line_in_process():
    result = fuzz_hostile_assembler(TOY, 40, seed=5, scale=4, kinds=["deep", "bomb", "literal", "word", "bits"])
    assert result["problems"] == []
    assert result["texts"] == 40 and result["refused"] > 5 and result["assembled"] > 5
