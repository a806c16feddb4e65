"""The installed wheel works anywhere: built from the checkout, installed (not editable) into a
fresh virtual environment, and run from a directory outside the checkout, it finds its programs."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(arguments, cwd, timeout=900):
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    completed = subprocess.run(arguments, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    return completed.stdout


def test_the_wheel_runs_the_demo_and_lists_the_programs_outside_the_checkout(tmp_path):
    wheels, venv, outside = tmp_path / "wheels", tmp_path / "venv", tmp_path / "elsewhere"
    outside.mkdir()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], tmp_path)
    wheel = next(wheels.glob("toyinduction-*.whl"))
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    command = str(venv / "bin" / "toyinduction")
    listing = _run([command, "programs"], outside)
    assert "world_pointer.toy" in listing and "primes.toy" in listing
    # a small world (the full demo is the README's command; here: the installed package finds its
    # programs and writes the report)
    _run([command, "demo", "--max-bits", "12", "--depth", "24", "--targets", "2", "--controls", "1",
          "--out", "demo-out", "--store", "store"], outside)
    report = (outside / "demo-out" / "report.md").read_text()
    assert report.index("## Premises") < report.index("## The ledger")
    assert not (outside / "runs").exists()
    # the Python API and the other machines from the installed package, away from the checkout
    api = _run([str(venv / "bin" / "python"), "-c",
                "import toyinduction as ti; blc = ti.machine('blc'); "
                "print(len(blc.assemble_file(ti.programs_dir() / 'ring_honest.lam'))); "
                "print(ti.Mixture('toy', max_bits=12).predict('0101010101').p_next_one)"], outside)
    assert int(api.split()[0]) > 1000 and 0 <= float(api.split()[1]) <= 1
    assert _run([command, "run", "primes.toy", "--output-bits", "8"], outside).startswith("output: 00110101")
    installed = _run([str(venv / "bin" / "python"), "-c", "import toyinduction; print(toyinduction.__file__)"], outside)
    assert str(ROOT) not in installed      # the wheel's own copy, not the checkout
