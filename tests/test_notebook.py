"""The notebook tutorial (docs/tutorial.ipynb) runs from top to bottom on the Python kernel of
this interpreter, and what it prints is what the library computes now.

The notebook is stored without outputs (clean diffs); this test executes it in a temporary
working directory with the run store in a temporary folder, fails on any cell's error, and
checks its printed results against the same computations made here. The kernel is the python3
kernel of *this* interpreter, from a kernelspec written into a temporary folder by ipykernel
(``sys.executable -m ipykernel_launcher``): nothing is installed, and no kernelspec of the user
or the system (which could name another Python) is consulted; the kernel imports the same
toyinduction as this test (its folder first on PYTHONPATH).
"""

import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "tutorial.ipynb"

if os.environ.get("CI"):          # under CI the test extras are installed: a missing one fails
    import ipykernel  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat
else:
    pytest.importorskip("ipykernel")
    pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")


def _kernel_manager(directory: Path):
    """A kernel manager for the python3 kernel of this interpreter (a kernelspec in ``directory``)."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    write_kernel_spec(str(directory / "python3"))
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(directory)]))
    assert manager.kernel_spec.argv[0] == sys.executable
    return manager


def _text(cell) -> str:
    """Everything a code cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook, executed (store and working directory in temporary folders), and its run time."""
    import time

    from nbclient import NotebookClient

    base = tmp_path_factory.mktemp("notebook")
    (base / "work").mkdir()
    import toyinduction

    stored = nbformat.read(NOTEBOOK, as_version=4)
    saved = {name: os.environ.get(name) for name in ("TOYINDUCTION_STORE", "PYTHONPATH")}
    os.environ["TOYINDUCTION_STORE"] = str(base / "store")      # the kernel inherits both:
    package_root = str(Path(toyinduction.__file__).resolve().parent.parent)    # the library this test imported
    os.environ["PYTHONPATH"] = os.pathsep.join([package_root] + ([saved["PYTHONPATH"]] if saved["PYTHONPATH"] else []))
    try:
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        manager = _kernel_manager(base / "kernels")
        start = time.perf_counter()
        try:
            NotebookClient(notebook, km=manager, timeout=300, allow_errors=False,
                           resources={"metadata": {"path": str(base / "work")}}).execute()
        finally:                  # a kernel manager given to the client is ours to shut down
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
        seconds = time.perf_counter() - start
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {"stored": stored, "notebook": notebook, "seconds": seconds, "store": base / "store",
            "work": base / "work", "text": "\n".join(_text(cell) for cell in notebook.cells)}


def test_the_stored_notebook_has_no_outputs_and_uses_the_python3_kernel(executed):
    stored = executed["stored"]
    nbformat.validate(stored)
    assert stored.metadata.kernelspec.name == "python3"
    for cell in stored.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_every_cell_ran_without_error_in_under_a_minute_and_left_nothing(executed):
    cells = [cell for cell in executed["notebook"].cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in cells)
    assert not any(output.output_type == "error" for cell in cells for output in cell.outputs)
    assert executed["seconds"] < 120, executed["seconds"]       # about 25-30 s on the project's 2-core machine
    assert list(executed["work"].iterdir()) == []                # its files went to a temporary folder, now gone
    assert any("image/png" in output.get("data", {}) for cell in cells for output in cell.outputs)   # the figure


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

    forecast = ti.Mixture("toy", max_bits=20, store=store, workers=2).predict("01" * 12)
    assert f"P(x_25 = 1) = {forecast.p_next_one:.4f}" in text
    assert f"under the coin assumption in [{forecast.p_coin_lower:.4f}, {forecast.p_coin_upper:.4f}]" in text
    assert f"model-free in [{forecast.p_lower:.4f}, {forecast.p_upper:.4f}]" in text
    best = forecast.top_hypotheses[0]
    assert f"posterior {best['posterior']:.4g}  {best['length']:3d} bits" in text
    assert best["disassembly"].split() == ["loop", "idx", "out", "end"]


def test_the_demo_ledger_and_the_experiment_are_the_librarys(executed):
    import toyinduction as ti

    text = executed["text"]
    report = ti.demo(seed=2026, depth=24, targets=2, controls=1, max_bits=14, store=ti.RunStore(executed["store"]),
                     workers=2)
    assert report.headline in text
    for horizon, bits in report["price_of_malice"].items():
        assert f"  {horizon:26s} {bits:+4d} bits" in text
    for row in report["premises"]:
        assert f"\n{row['name']:22s} " in text
    for row in report["targets"]:
        first = row["questions"][0]
        assert f"{row['name']:26s} {first['K']['honest']:9.2f} " in text
    error = float(text.split("largest error of the measured share against 1/(1 + 2^Δ): ")[1].split()[0])
    assert error < 1e-12
    written = text.split("wrote [")[1].split("]")[0]
    assert "'results.json'" in written and "'takeover.png'" in written
