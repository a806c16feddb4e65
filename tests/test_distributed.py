"""Beyond one machine and hard to break: the dask backend (a local cluster of 2 workers),
runs that resume after kill -9 or Ctrl-C, and damaged checkpoints."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.engine.parallel import DELAY_VARIABLE, Checkpoint
from toyinduction.machines.turing.tm import ctm

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as connected:
        yield connected
    cluster.close()


def test_dask_enumeration_is_bit_identical_to_serial(client):
    serial = enumerate_programs(TOY, 15, 300, 8)
    remote = enumerate_programs(TOY, 15, 300, 8, client=client)
    for name in ("trie_mass", "length_mass", "length_count"):
        assert np.array_equal(getattr(serial, name), getattr(remote, name)), name
    for name in serial.leaves:
        assert np.array_equal(serial.leaves[name], remote.leaves[name]), name


def test_dask_ctm_is_identical_to_serial(client):
    assert ctm(3, 60, client=client)["counts"] == ctm(3, 60)["counts"]


def cli(*args, env=None):
    return [sys.executable, "-m", "toyinduction.cli", *args]


def interrupt_after(args, store: Path, chunks: int, how=signal.SIGKILL):
    """Start a slowed-down run, stop it once ``chunks`` chunks are checkpointed."""
    env = dict(os.environ, **{DELAY_VARIABLE: "0.15"})
    # (SIGINT as at a terminal: a shell that starts a job in the background has the job ignore it)
    process = subprocess.Popen(cli(*args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline:
        if len(list(store.glob("partial/*/chunk-*.npz"))) >= chunks:
            break
        time.sleep(0.05)
    process.send_signal(how)
    process.wait(timeout=60)
    return process


@pytest.mark.parametrize("kind", ["toy", "tm"])
def test_a_killed_run_resumes_from_its_finished_chunks(tmp_path, kind):
    store = tmp_path / "runs"
    args = (["enumerate", "--max-bits", "16", "--max-steps", "200", "--output-bits", "8"] if kind == "toy" else
            ["tm", "ctm", "--states", "3", "--max-steps", "60"]) + ["--workers", "1", "--store", str(store), "--json"]
    process = interrupt_after(args, store, 10)
    assert process.returncode == -signal.SIGKILL
    finished = len(list(store.glob("partial/*/chunk-*.npz")))
    assert 10 <= finished < 64
    resumed = json.loads(subprocess.run(cli(*args), capture_output=True, text=True, check=True).stdout)
    assert resumed["resumed_chunks"] >= finished - 1   # (a chunk being written when killed is redone)
    assert not list(store.glob("partial/*/chunk-*.npz"))   # the checkpoint is gone once the result is stored
    fresh = tmp_path / "fresh"
    whole_args = [a if a != str(store) else str(fresh) for a in args]
    whole = json.loads(subprocess.run(cli(*whole_args), capture_output=True, text=True, check=True).stdout)
    for key in ("buckets", "total_mass", "programs", "halting", "counts", "non_halting"):
        assert resumed.get(key) == whole.get(key), key


def test_ctrl_c_stops_cleanly_and_the_run_resumes(tmp_path):
    store = tmp_path / "runs"
    args = ["enumerate", "--max-bits", "16", "--max-steps", "200", "--output-bits", "8", "--workers", "1",
            "--store", str(store), "--json"]
    process = interrupt_after(args, store, 5, signal.SIGINT)
    assert process.returncode != 0 and b"Traceback" not in process.stderr.read()
    resumed = json.loads(subprocess.run(cli(*args), capture_output=True, text=True, check=True).stdout)
    assert resumed["resumed_chunks"] >= 4 and resumed["total_mass"] == "1"


def test_damaged_or_foreign_checkpoints_are_refused(tmp_path):
    checkpoint = Checkpoint(tmp_path, "run", {"a": 1})
    checkpoint.save(0, {"x": np.arange(3)})
    checkpoint.path(1).write_bytes(b"garbage")
    assert Checkpoint(tmp_path, "run", {"a": 1}).load(0)["x"].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="damaged"):
        checkpoint.load(1)
    with pytest.raises(ValueError, match="another run"):
        Checkpoint(tmp_path, "run", {"a": 2})


def test_truncated_checkpoint_chunks_are_refused(tmp_path):
    checkpoint = Checkpoint(tmp_path, "run", {"a": 1})
    checkpoint.save(0, {"x": np.arange(1000)})
    data = checkpoint.path(0).read_bytes()
    checkpoint.path(0).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="damaged"):
        checkpoint.load(0)


def test_the_cli_uses_the_dask_backend_and_the_leaf_limit(tmp_path):
    """enumerate --scheduler local --workers 2 runs on a local cluster and gives the threaded result."""
    base = ["enumerate", "--max-bits", "14", "--max-steps", "200", "--output-bits", "6", "--json"]
    on_dask = subprocess.run(cli(*base, "--scheduler", "local", "--workers", "2", "--store", str(tmp_path / "a")),
                             capture_output=True, text=True, timeout=300)
    assert on_dask.returncode == 0, on_dask.stderr
    threaded = subprocess.run(cli(*base, "--workers", "2", "--store", str(tmp_path / "b")), capture_output=True,
                              text=True, timeout=300)
    assert json.loads(on_dask.stdout)["buckets"] == json.loads(threaded.stdout)["buckets"]
    bounded = subprocess.run(cli(*base, "--keep-leaves", "10", "--store", str(tmp_path / "c")), capture_output=True,
                             text=True, timeout=300)
    assert json.loads(bounded.stdout)["buckets"] == json.loads(threaded.stdout)["buckets"]
    entry = next((tmp_path / "c").glob("enumeration-*.json"))
    assert json.loads(entry.read_text())["leaves_kept"] is False       # the limit was applied
    bad = subprocess.run(cli(*base, "--scheduler", "tcp://127.0.0.1:1", "--store", str(tmp_path / "d")),
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1 and "dask scheduler" in bad.stderr
