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
