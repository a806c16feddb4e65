"""The README's Python example runs, and what its comments claim is what it prints."""

import contextlib
import io
import re
from pathlib import Path

import pytest

import toyinduction as ti

ROOT = Path(__file__).resolve().parent.parent


def _readme_python() -> str:
    blocks = re.findall(r"```python\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) == 1, "the README has one Python example"
    return blocks[0]


def test_the_readme_python_example_runs_and_prints_what_it_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    namespace = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(_readme_python(), "README.md", "exec"), namespace)
    lines = printed.getvalue().splitlines()
    assert lines[0] == "1010101010101010"
    p = namespace["p"]
    low, high = (float(x) for x in lines[1].split()[1:])
    assert float(lines[1].split()[0]) == p.p_next_one and (low, high) == (p.p_lower, p.p_upper)
    assert round(p.p_next_one, 4) == 0.0005 and p.p_lower == 0 and round(p.p_upper, 4) == 0.9999
    assert p.top_hypotheses[0]["length"] == 19 and p.top_hypotheses[0]["disassembly"].split() == ["loop", "idx",
                                                                                                  "out", "end"]
    report = namespace["report"]
    assert report.headline in printed.getvalue()
    assert (tmp_path / "demo-out" / "report.json").exists() and (tmp_path / "demo-out" / "premises.png").exists()


def test_objects_print_well_and_errors_speak_library_terms():
    toy = ti.machine("toy")
    result = toy.run(toy.assemble("1 out 1 0 div end"), max_steps=100, output_bits=8)
    assert repr(result) == (f"RunResult(status=fault, output='1', steps={result.steps}, bits_read={result.bits_read}"
                            ", fault=division_by_zero)")
    assert str(ti.Status.HALTED) == "halted" and repr(toy) == f"<machine toy {toy.spec_hash}>"
    with pytest.raises(ValueError, match="unknown machine 'klingon'"):
        ti.machine("klingon")
    with pytest.raises(TypeError, match="a machine is given by name"):
        ti.machine(42)
    with pytest.raises(ValueError, match="does not take length"):
        ti.experiment("takeover", length=12)
    with pytest.raises(TypeError):
        toy.run("0101", 1000, 16)      # budgets are keywords


def test_every_machine_runs_assembles_and_disassembles_through_one_interface():
    for name, source, expected in (("toy", "1 out 0 out end", "10"),
                                   ("blc", "def zero = \\x y. x\ndef one = \\x y. y\ndef cons = \\h t z. z h t\n"
                                           "def main = \\input. cons one (cons zero one)", "10")):
        chosen = ti.machine(name)
        bits = chosen.assemble(source)
        assert chosen.run(bits, max_steps=10_000, output_bits=8).output == expected
        assert chosen.disassemble(bits)
    tm = ti.machine("tm")
    assert tm.run(tm.assemble("1RB1LB_1LA1RZ"), max_steps=100)["status"] == "halted"


def test_the_api_page_session_runs_and_names_every_public_name(tmp_path, monkeypatch):
    page = (ROOT / "docs" / "api.md").read_text()
    for name in ti.__all__:
        assert name == "__version__" or f"`ti.{name}" in page, f"docs/api.md does not describe ti.{name}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOYINDUCTION_STORE", str(tmp_path / "store"))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in re.findall(r"```python\n(.*?)\n```", page, re.S):
            exec(compile(block, "docs/api.md", "exec"), {})
    assert printed.getvalue().startswith("RunResult(status=halted, output='10'")
    assert (tmp_path / "figures" / "posterior.png").exists() and any((tmp_path / "store").iterdir())
