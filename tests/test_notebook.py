"""The notebook tutorial (docs/tutorial.ipynb) runs from top to bottom on the Python kernel of
this interpreter, its committed outputs are the ones it produces now, and what it prints is what
the library computes.

The notebook is committed with its outputs (it reads without running). This test executes it
with the machinery of ``experiments/notebook.py`` (the script that refreshes those outputs): the
python3 kernel of *this* interpreter from a kernelspec in a temporary folder, the run store and
the working directory in temporary folders. Any cell's error fails it. Each code cell's text
outputs (streams and text/plain) must equal the committed ones once what legitimately varies is
normalised (timings, temporary paths, memory addresses); images must be where they were, of the
same type (their bytes are not compared). The printed results are also checked against the same
computations made here.
"""

import importlib.util
import os
import re
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
SCRIPT = ROOT / "experiments" / "notebook.py"
REFRESH = "python experiments/notebook.py"

if os.environ.get("CI"):          # under CI the test extras are installed: a missing one fails
    import ipykernel  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat
else:
    pytest.importorskip("ipykernel")
    pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")

#: what may differ between two runs of the same notebook, and what it is replaced by
_VARYING = [
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|ms|seconds|min)\b"), "<time>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "0x<address>"),
    (re.compile("(?:" + "|".join(re.escape(folder) for folder in sorted({tempfile.gettempdir(), "/tmp", "/var/folders"}))
                + r")[^\s'\"\]\)]*"), "<temporary path>"),
]


def _script():
    """experiments/notebook.py, imported as a module."""
    spec = importlib.util.spec_from_file_location("notebook_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _normalised(text: str) -> str:
    """``text`` with the timings, temporary paths and memory addresses replaced by placeholders."""
    for pattern, placeholder in _VARYING:
        text = pattern.sub(placeholder, text)
    return text


def _outputs(cell) -> dict:
    """What a code cell's outputs say, as compared: its stdout and stderr (normalised), the
    text/plain of each displayed or returned value (normalised), and the image types of each."""
    streams, plain, images = {"stdout": "", "stderr": ""}, [], []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            streams[output.name] = streams.get(output.name, "") + output.text
        elif output.output_type in ("display_data", "execute_result"):
            data = output.get("data", {})
            plain.append(_normalised(data.get("text/plain", "")))
            images.append(sorted(kind for kind in data if kind.startswith("image/")))
        else:
            plain.append(f"{output.output_type}: {output.get('ename', '')}")
    return {**{name: _normalised(text) for name, text in streams.items()}, "text/plain": plain, "images": images}


def _text(cell) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


def _code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def test_the_normalisation_replaces_only_what_varies():
    assert _normalised("done in 12.3 s, 4 bits, 2757/32768") == "done in <time>, 4 bits, 2757/32768"
    assert _normalised("<Thing at 0x7f3a2b1c>") == "<Thing at 0x<address>>"
    folder = Path(tempfile.gettempdir()) / "toyinduction-notebook-abc" / "takeover"
    assert _normalised(f"wrote {folder}/results.json") == "wrote <temporary path>"
    assert _normalised("+103 bits; 10 steps; P(x_25 = 1) = 0.0005") == "+103 bits; 10 steps; P(x_25 = 1) = 0.0005"


def test_the_comparison_catches_a_changed_result_or_a_lost_figure_but_not_a_timing():
    import copy

    cells = _code_cells(nbformat.read(NOTEBOOK, as_version=4))
    printed = next(cell for cell in cells if any(output.get("name") == "stdout" for output in cell.outputs))
    changed = copy.deepcopy(printed)
    stream = next(output for output in changed.outputs if output.get("name") == "stdout")
    stream.text = re.sub(r"\d", lambda digit: str((int(digit.group()) + 1) % 10), stream.text, count=1)
    assert _outputs(changed) != _outputs(printed)
    timed, retimed = copy.deepcopy(printed), copy.deepcopy(printed)
    for cell, seconds in ((timed, "12.3"), (retimed, "9.8")):
        next(output for output in cell.outputs if output.get("name") == "stdout").text += f"done in {seconds} s\n"
    assert _outputs(retimed) == _outputs(timed)
    drawn = next(cell for cell in cells if any("image/png" in output.get("data", {}) for output in cell.outputs))
    undrawn = copy.deepcopy(drawn)
    for output in undrawn.outputs:
        output.get("data", {}).pop("image/png", None)
    assert _outputs(undrawn) != _outputs(drawn)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook as committed, and as executed now (store and working directory in temporary folders)."""
    base = tmp_path_factory.mktemp("notebook")
    stored = nbformat.read(NOTEBOOK, as_version=4)
    notebook = _script().execute(NOTEBOOK, base)
    return {"stored": stored, "notebook": notebook, "store": base / "store", "work": base / "work",
            "text": "\n".join(_text(cell) for cell in notebook.cells)}


def test_the_committed_notebook_has_its_outputs_from_one_run_and_uses_the_python3_kernel(executed):
    stored = executed["stored"]
    nbformat.validate(stored)
    assert stored.metadata.kernelspec.name == "python3"
    cells = _code_cells(stored)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1)), \
        f"not one run from the top: refresh it with {REFRESH}"
    assert not any(output.output_type == "error" for cell in cells for output in cell.outputs)
    assert sum(bool(cell.outputs) for cell in cells) >= len(cells) - 2      # all but the setup and clean-up cells
    log_view = next(cell for cell in cells if "plots.posterior_figure(" in cell.source)
    assert 'scale="log-odds"' in log_view.source
    assert any("image/png" in output.get("data", {}) for output in log_view.outputs)   # the figure is stored


def test_the_committed_outputs_are_current(executed):
    stored, fresh = _code_cells(executed["stored"]), _code_cells(executed["notebook"])
    assert [cell.source for cell in stored] == [cell.source for cell in fresh]
    for old, new in zip(stored, fresh):
        assert _outputs(old) == _outputs(new), \
            f"the stored outputs of the cell {old.source.splitlines()[0][:60]!r} are stale: run {REFRESH}"


def test_every_cell_ran_without_error_and_left_nothing(executed):
    cells = _code_cells(executed["notebook"])
    assert all(cell.execution_count is not None for cell in cells)
    assert not any(output.output_type == "error" for cell in cells for output in cell.outputs)
    assert not any(output.get("name") == "stderr" for cell in cells for output in cell.outputs)   # no bar, no warning
    assert list(executed["work"].iterdir()) == []                # its files went to a temporary folder, now gone
    figures = [cell for cell in cells if any("image/png" in output.get("data", {}) for output in cell.outputs)]
    assert len(figures) >= 3                                     # the forecast, the log view, the premises


def test_the_runs_are_what_the_machines_compute(executed):
    import toyinduction as ti

    text, toy, blc = executed["text"], ti.machine("toy"), ti.machine("blc")
    alternate = toy.assemble("loop idx out end")
    assert f"{len(alternate)} bits: {alternate}" in text
    assert repr(toy.run(alternate, max_steps=1000, output_bits=16)) in text
    for bits in ("10100101", "1010010101101110100", "0001000110"):
        assert repr(toy.run(bits, max_steps=10, output_bits=12)) in text
    source = ("def one = \\x y. y\ndef zero = \\x y. x\ndef cons = \\h t z. z h t\n"
              "def main = \\input. cons one (cons zero one)")
    result = blc.run(blc.assemble(source), max_steps=10_000, output_bits=8)
    assert result.output == "10" and repr(result) in text


def test_the_enumeration_and_the_forecast_are_the_librarys(executed):
    import toyinduction as ti

    text, store = executed["text"], ti.RunStore(executed["store"])
    enumeration = ti.machine("toy").enumerate(16, max_steps=1000, output_bits=16, store=store, workers=2)
    assert enumeration.loaded                                    # the notebook's own, from the store
    counts = enumeration.bucket_programs()
    for bucket, mass in enumeration.bucket_mass().items():
        assert f"  {bucket:13s} {counts[bucket]:6d} programs  mass {str(mass):>12s}" in text
    assert "total mass: 1\n" in text
    lower, upper = enumeration.mass_bounds("0")
    assert f"M(0) in [{float(lower):.6f}, {float(upper):.6f}]" in text

    forecast = ti.Mixture("toy", max_bits=20, store=store, workers=2, progress=False).predict("01" * 12)
    assert f"P(x_25 = 1) = {forecast.p_next_one:.4f}" in text
    assert f"under the coin assumption in [{forecast.p_coin_lower:.4f}, {forecast.p_coin_upper:.4f}]" in text
    assert f"model-free in [{forecast.p_lower:.4f}, {forecast.p_upper:.4f}]" in text
    best = forecast.top_hypotheses[0]
    assert f"posterior {best['posterior']:.4g}  {best['length']:3d} bits" in text
    assert best["disassembly"].split() == ["loop", "idx", "out", "end"]


def test_the_demo_ledger_the_log_view_and_the_experiment_are_the_librarys(executed):
    import math

    import toyinduction as ti

    text = executed["text"]
    report = ti.demo(seed=2026, depth=24, targets=2, controls=1, max_bits=14, store=ti.RunStore(executed["store"]),
                     workers=2, progress=False)
    assert report.headline in text
    for horizon, bits in report["price_of_malice"].items():
        assert f"  {horizon:26s} {bits:+4d} bits" in text
    for row in report["premises"]:
        assert f"\n{row['name']:22s} " in text
    for row in report["targets"]:
        first = row["questions"][0]
        assert f"{row['name']:26s} {first['K']['honest']:9.2f} " in text

    # the log view: the first target's questions, and each class's log10 odds at each first question
    internals = report.internals
    name = report["targets"][0]["name"]
    prediction = next(entry[2] for entry in internals["predictions"] if entry[1] == name)
    region, path = next((r, p) for _, n, r, p in internals["sequences"] if n == name)
    questions = internals["world"].decision_points(region, path, len(prediction.sequence))
    assert questions[0] == report["targets"][0]["first_decision_point"]
    assert f"questions at t = {', '.join(str(t) for t in questions)}" in text
    for row in report["targets"]:
        shares = row["questions"][0]["class_shares"]
        block = text.split(f"{row['name']}, first question (t = {row['first_decision_point']})")[1].split(" runner-up")[0]
        for cls, share in shares.items():       # log10 of the class's mass over the sum of the others
            odds = f"{math.log10(share) - math.log10(sum(v for k, v in shares.items() if k != cls)):+6.1f}" \
                if share > 0 else "  no mass"
            assert re.search(rf"\n  {re.escape(f'{cls:30s}')} share +\S.* log10 odds {re.escape(odds)}\n", block), cls
        holder, runner_up = sorted((k for k in shares if shares[k] > 0), key=lambda k: -shares[k])[:2]
        assert f"  {holder} holds 10^{math.log10(shares[holder] / shares[runner_up]):.1f} times the mass of the" in block

    error = float(text.split("largest error of the measured share against 1/(1 + 2^Δ): ")[1].split()[0])
    assert error < 1e-12
    written = text.split("wrote [")[1].split("]")[0]
    assert "'results.json'" in written and "'takeover.png'" in written
