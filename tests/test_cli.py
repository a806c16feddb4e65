"""The toyinduction command: every command, its JSON, and one-line errors on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import naive
from toyinduction.machines.toy.assembler import assemble
from toyinduction.cli import main
from toyinduction.machines.toy.language import TOY


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_a_program_file_as_json():
    result = invoke("run", "programs/primes.toy", "--output-bits", "40", "--json")
    document = json.loads(result.output)
    assert result.exit_code == 0
    assert document["output"] == naive.primes_indicator(40)
    assert document["status"] == "output_limit" and document["bits_read"] == 248 and document["steps"] > 0


def test_run_bits_with_data_and_the_reference_interpreter():
    prefix = assemble("def main 3 read rep 1 out end end call main", TOY)
    for flag in ([], ["--reference"]):
        result = invoke("run", prefix, "--data", "101", "--json", *flag)
        assert json.loads(result.output) == {"output": "11111", "status": "bits_limit", "steps": 21,
                                             "bits_read": len(prefix) + 3}


def test_run_text_output_and_faults():
    result = invoke("run", "00000000001")  # push with an unfinished operand, then nothing
    assert "status: bits_limit" in result.output
    fault = invoke("run", assemble("drop", TOY), "--json")
    assert json.loads(fault.output)["fault"] == "stack_underflow"


def test_asm_and_disasm_round_trip():
    document = json.loads(invoke("asm", "programs/constant.toy", "--json").output)
    assert document["length"] == len(document["bits"]) == 21
    text = json.loads(invoke("disasm", document["bits"], "--json").output)["text"]
    assert assemble(text, TOY, strict=False) == document["bits"]


def test_spec_languages_programs():
    spec = json.loads(invoke("spec", "--json").output)
    assert spec["kraft_sum"] == "1" and len(spec["instructions"]) == 35
    names = [row["name"] for row in json.loads(invoke("machines", "--json").output)["machines"]]
    assert {"toy", "toy-noeval"} <= set(names)
    listed = json.loads(invoke("programs", "--json", "--output-bits", "8").output)["programs"]
    assert len(listed) >= 12 and all(row["length"] > 0 for row in listed)


def test_bench_reports_both_interpreters():
    report = json.loads(invoke("bench", "--quick", "--json").output)
    loop = report["loop_heavy"]
    assert loop["kernel_steps"] > 0 and loop["reference_steps"] > 0 and loop["ratio"] > 0
    assert report["random_programs"]["programs"] > 0


BAD_INPUTS = [
    (["run", "0102"], "neither a file nor a bit string"),
    (["run", ""], "empty program"),
    (["run", "missing.toy"], "no such file"),
    (["run", "0101", "--data", "2"], "not a bit string"),
    (["run", "0101", "--machine", "klingon"], "unknown machine"),
    (["disasm", "01x"], "not a bit string"),
    (["disasm", ""], "empty bit string"),
    (["asm", "missing.toy"], "no such file"),
]


@pytest.mark.parametrize("args, message", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_gives_one_line_and_exit_code_1(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_malformed_assembly_names_file_line_column(tmp_path):
    path = tmp_path / "broken.toy"
    path.write_text("; ok\n1 out\n  wibble\n")
    result = CliRunner().invoke(main, ["asm", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3:3: unknown instruction or name 'wibble'" in result.output


@pytest.mark.parametrize("args", [["run", "0101", "--max-steps", "-1"], ["run", "0101", "--output-bits", "x"],
                                  ["run", "0101", "--max-steps", str(2 ** 70)]])
def test_impossible_budgets_are_usage_errors(args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "Invalid value" in result.output


@pytest.mark.parametrize("command", ["asm", "disasm", "run", "spec", "machines", "programs", "bench"])
def test_every_command_has_help_and_json(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "--json" in result.output


def test_console_script_is_installed():
    completed = subprocess.run([sys.executable, "-m", "toyinduction.cli", "--version"], capture_output=True,
                               text=True)
    assert completed.returncode == 0 and "toyinduction" in completed.stdout


def test_language_speed_experiment_writes_its_report(tmp_path):
    script = Path(__file__).resolve().parent.parent / "experiments" / "language_speed.py"
    out = tmp_path / "speed.json"
    completed = subprocess.run([sys.executable, str(script), "--quick", "--out", str(out)], capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(out.read_text())
    assert report["loop_heavy"]["ratio"] > 0 and report["language"] == "toy"


# ----- progress: on stderr only; a bar on a terminal, rate-limited lines when piped ----------------

class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_lines_are_rate_limited_and_quick_work_prints_nothing():
    import io

    from toyinduction.cli.progress import ProgressBar

    clock, stream = FakeClock(), io.StringIO()
    report = ProgressBar("chunks", label="enumerate", stream=stream, clock=clock, interval=5, mode="lines")
    for done in range(41):                      # a chunk every 0.5 s: 20 s of work
        report(done, 64)
        clock.now += 0.5
    assert stream.getvalue().splitlines() == [f"enumerate: {done}/64 chunks, {seconds} s"
                                              for done, seconds in ((10, 5), (20, 10), (30, 15), (40, 20))]
    clock.now += 3
    report(64, 64)
    assert stream.getvalue().splitlines()[-1] == "enumerate: 64/64 chunks, done in 23 s"

    quick = io.StringIO()
    report = ProgressBar("chunks", label="enumerate", stream=quick, clock=clock, interval=5, mode="lines")
    for done in range(65):                      # all of it within the first 5 s: not a line
        report(done, 64)
        clock.now += 0.05
    assert quick.getvalue() == ""


def test_progress_mode_follows_the_stream_and_the_environment(monkeypatch, tmp_path):
    import io

    from toyinduction.cli.progress import MODE_VARIABLE, progress_interval, progress_mode

    monkeypatch.delenv(MODE_VARIABLE, raising=False)
    assert progress_mode(io.StringIO()) == "off"            # captured in-process (CliRunner): no file, silent
    with open(tmp_path / "log", "w") as log:
        assert progress_mode(log) == "lines"                # a file or a pipe: lines
        monkeypatch.setenv(MODE_VARIABLE, "off")
        assert progress_mode(log) == "off"
        monkeypatch.setenv(MODE_VARIABLE, "sometimes")
        with pytest.raises(ValueError, match="TOYINDUCTION_PROGRESS must be one of"):
            progress_mode(log)
    monkeypatch.setenv("TOYINDUCTION_PROGRESS_INTERVAL", "-1")
    with pytest.raises(ValueError, match="at least 0"):
        progress_interval()


def _cli_env(**extra):
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("TOYINDUCTION_")}
    return dict(env, **extra)


def test_every_long_command_reports_progress_on_stderr_and_keeps_stdout_clean_json(tmp_path):
    """Every long command, with lines forced (in-process, interval 0: a line per report):
    progress lines on stderr, one JSON document on stdout."""
    import re

    commands = {"enumerate": ["enumerate", "--max-bits", "12"],
                "predict": ["predict", "0101010101", "--max-bits", "12"],
                "demo": ["demo", "--max-bits", "10", "--depth", "24", "--targets", "1", "--controls", "0",
                         "--out", str(tmp_path / "d")],
                "experiment rivals": ["experiment", "rivals", "--max-bits", "10", "--out", str(tmp_path / "r")],
                "tm ctm": ["tm", "ctm", "--states", "2", "--max-steps", "20"],
                "tm bb": ["tm", "bb", "--states", "2"],
                "sample": ["sample", "--count", "3000"]}
    env = {"TOYINDUCTION_PROGRESS": "lines", "TOYINDUCTION_PROGRESS_INTERVAL": "0",
           "TOYINDUCTION_STORE": str(tmp_path / "store")}
    for label, args in commands.items():
        result = CliRunner().invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        json.loads(result.stdout)                           # stdout: the JSON document and nothing else
        pattern = re.compile(rf"{re.escape(label)}: (\d+)/(\d+) \w+, ((\d+ min )?\d+ s|done in (\d+ min )?\d+ s)")
        said = re.compile(rf"{re.escape(label)}: [a-z].*, (\d+ min )?\d+ s")      # what is starting
        lines = [line for line in result.stderr.splitlines() if pattern.fullmatch(line)]
        announced = [line for line in result.stderr.splitlines() if not pattern.fullmatch(line)]
        assert all(said.fullmatch(line) for line in announced), (label, result.stderr)
        if label == "demo":
            assert announced[0].startswith("demo: compiling the kernels") and "writing the report" in announced[1]
        assert len(lines) >= 2, (label, result.stderr)
        counts = [tuple(map(int, pattern.fullmatch(line).groups()[:2])) for line in lines]
        assert [done for done, _ in counts] == sorted(done for done, _ in counts), label
        assert counts[-1][0] == counts[-1][1] and "done in" in lines[-1], label


def test_piped_progress_is_periodic_and_stays_off_stdout(tmp_path):
    """A slowed enumeration (a chunk every 0.05 s) with lines at most every 0.4 s: several
    lines, each at least one interval after the last, none on stdout."""
    import time

    env = _cli_env(TOYINDUCTION_CHUNK_DELAY="0.05", TOYINDUCTION_PROGRESS_INTERVAL="0.4")
    process = subprocess.Popen([sys.executable, "-m", "toyinduction.cli", "enumerate", "--max-bits", "12",
                                "--workers", "1", "--store", str(tmp_path), "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    arrivals = []
    for line in process.stderr:
        arrivals.append((time.monotonic(), line.rstrip("\n")))
    out = process.stdout.read()
    assert process.wait(timeout=120) == 0
    assert json.loads(out)["total_mass"] == "1"
    progress = [line for _, line in arrivals if "done in" not in line]
    assert len(progress) >= 3, arrivals                     # 64 chunks x 0.05 s = 3.2 s of work
    gaps = [later - earlier for (earlier, _), (later, _) in zip(arrivals, arrivals[1:-1])]
    assert all(gap > 0.3 for gap in gaps), arrivals         # rate-limited (the closing line comes when done)
    assert arrivals[-1][1].startswith("enumerate: 64/64 chunks, done in ")


def test_piped_quick_commands_print_no_progress(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "toyinduction.cli", "enumerate", "--max-bits", "8",
                                "--store", str(tmp_path), "--json"], env=_cli_env(), capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0 and completed.stderr == ""
    json.loads(completed.stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("mode", ["bar", "lines"])
def test_ctrl_c_ends_with_the_one_line_interrupted_message(tmp_path, mode):
    """Ctrl-C during a slowed enumeration: with the bar on a terminal, or lines on a pipe, the
    last thing on stderr is the one-line "interrupted" message on its own line (exit 130)."""
    import os
    import select
    import signal
    import time

    env = _cli_env(TOYINDUCTION_CHUNK_DELAY="0.1", TOYINDUCTION_PROGRESS_INTERVAL="0")
    args = [sys.executable, "-m", "toyinduction.cli", "enumerate", "--max-bits", "14", "--workers", "1", "--store",
            str(tmp_path), "--json"]
    # SIGINT as at a terminal, even when these tests run in a background job (which ignores it)
    interruptible = dict(preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    if mode == "bar":
        import pty

        reader, writer = pty.openpty()
        process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=writer, **interruptible)
        os.close(writer)
    else:
        process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **interruptible)
        reader = process.stderr.fileno()
    seen, deadline = b"", time.monotonic() + 120
    while b"3/64" not in seen and time.monotonic() < deadline:
        if select.select([reader], [], [], 0.1)[0]:
            seen += os.read(reader, 4096)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    while select.select([reader], [], [], 0.5)[0]:
        try:
            chunk = os.read(reader, 4096)
        except OSError:                     # the terminal's other end has closed
            break
        if not chunk:
            break
        seen += chunk
    import re

    text = re.sub(r"\x1b\[\?25[hl]", "", seen.decode().replace("\r\n", "\n"))   # the bar hides the cursor
    lines = text.split("\n")
    assert process.stdout.read() == b"" and "Traceback" not in text
    assert lines[-1] == "" and lines[-2] == ("Error: interrupted (finished chunks of an enumeration are kept; run it "
                                             "again to resume)")
    if mode == "bar":                                   # the bar's line is ended before the message
        assert lines[-3].split("\r")[-1].startswith("enumerate: chunks  [")
    else:                                               # progress lines, then (click's) empty line, then the message
        assert lines[0].startswith("enumerate: 0/64 chunks") and lines[-3] == ""
