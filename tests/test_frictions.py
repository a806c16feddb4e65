"""Small frictions a new user met (issue: seeing and tweaking): the demo does not silently replace
another run's report, figures are counted as figures, commands say what they wrote, ``programs``
says at which constants it measures, and progress says what is starting before its first count."""

import io
import json

import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.cli.progress import ProgressBar
from toyinduction.malign.demo import check_out_dir, demo_parameters, run_parameters
from toyinduction.plots.figures import figure_count


def _report(seed=2026, depth=84, targets=4, controls=2, speed=0.0, max_bits=20):
    """The keys of a demo report that say which run made it."""
    return {"world": {"seed": seed, "depth": depth}, "targets": [{}] * targets, "controls": [{}] * controls,
            "speed_prior": speed, "background": {"max_bits": max_bits}, "language": "toy", "added": []}


def test_a_report_names_the_run_that_made_it():
    assert run_parameters(_report()) == demo_parameters()
    assert run_parameters(_report(seed=1)) != demo_parameters()


def test_the_demo_refuses_a_folder_holding_another_runs_report_before_any_work(tmp_path):
    out = tmp_path / "demo-out"
    out.mkdir()
    (out / "report.json").write_text(json.dumps(_report(seed=1)))
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--store", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {out} holds the report of another run (seed 1): give another --out, or --force to replace it"]
    assert not (tmp_path / "store").exists()                       # refused before the enumeration
    check_out_dir(out, demo_parameters(seed=1))                     # the same run: replaced
    check_out_dir(out, demo_parameters(), force=True)               # --force: replaced
    (out / "report.json").write_text("{not json")
    with pytest.raises(ValueError, match="a report this version cannot read"):
        check_out_dir(out, demo_parameters())
    check_out_dir(tmp_path / "elsewhere", demo_parameters())       # no report: nothing to replace


def test_figures_are_counted_once_whatever_their_formats():
    assert figure_count(["a/premises.png", "a/premises.svg", "a/t0_posterior.png", "a/t0_posterior.svg"]) == 2
    assert figure_count([]) == 0


def test_predict_says_what_it_wrote(tmp_path):
    result = CliRunner().invoke(main, ["predict", "0101010101", "--max-bits", "10", "--out", str(tmp_path / "figs"),
                                       "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    written = sorted(path.name for path in (tmp_path / "figs").iterdir())
    assert f"wrote {figure_count(written)} figures to {tmp_path / 'figs'}" in result.output


def test_programs_says_at_which_constants_it_measures():
    result = CliRunner().invoke(main, ["programs"])
    assert result.exit_code == 0
    footer = result.output.strip().splitlines()[-1]
    assert footer.startswith("lengths are at each file's own constants (world programs: SEED 2026, DEPTH 40")
    rows = json.loads(CliRunner().invoke(main, ["programs", "--json"]).output)["programs"]
    assert next(r for r in rows if r["name"] == "world_honest.toy")["constants"]["DEPTH"] == 40


def test_progress_says_what_is_starting_at_once_on_a_terminal_and_after_the_first_interval_in_lines():
    times = iter([0.0, 0.5, 7.0])
    stream = io.StringIO()
    bar = ProgressBar("tasks", label="demo", stream=stream, mode="bar", clock=lambda: 0.0)
    bar.announce("compiling the kernels")
    assert stream.getvalue() == "demo: compiling the kernels\n"
    lines = io.StringIO()
    quiet = ProgressBar("tasks", label="demo", stream=lines, mode="lines", interval=5, clock=lambda: next(times))
    quiet.announce("compiling")            # 0.5 s after the start: a quick command prints nothing
    assert lines.getvalue() == ""
    quiet.announce("writing the figures")  # 7 s
    assert lines.getvalue() == "demo: writing the figures, 7 s\n"
