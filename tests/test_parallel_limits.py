"""Hard to break, the parallel side: a dask run on a cluster without workers stops with a
one-line error after a timeout instead of hanging, and a number of workers whose memory does not
fit in the machine is refused before anything starts."""

import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.engine import parallel
from toyinduction.engine.parallel import (DEFAULT_DASK_TIMEOUT, TIMEOUT_VARIABLE, WORKER_PROCESS_BYTES, check_memory,
                                          connect, dask_timeout, run_chunks)
from toyinduction.machines.toy.enumerate import _Worker, enumerate_programs, worker_memory
from toyinduction.machines.toy.flat import FlatWorker, flat_worker_memory
from toyinduction.machines.toy.language import TOY, Language


def _slow_sum(chunk):
    time.sleep(0.02)
    return sum(chunk)


# ---- the timeout's value -----------------------------------------------------------------------

def test_timeout_default_environment_and_keyword(monkeypatch):
    monkeypatch.delenv(TIMEOUT_VARIABLE, raising=False)
    assert dask_timeout() == DEFAULT_DASK_TIMEOUT == 60
    monkeypatch.setenv(TIMEOUT_VARIABLE, "2.5")
    assert dask_timeout() == 2.5
    assert dask_timeout(7) == 7.0  # the keyword wins


@pytest.mark.parametrize("value", ["soon", "-1", "0", "inf", "nan"])
def test_a_bad_timeout_variable_is_one_line(monkeypatch, value):
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    with pytest.raises(ValueError, match=TIMEOUT_VARIABLE) as raised:
        dask_timeout()
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("value", [0, -3, float("nan"), "10", True])
def test_a_bad_timeout_keyword_is_refused(value):
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        dask_timeout(value)


# ---- no workers -----------------------------------------------------------------------------

@pytest.fixture
def empty_cluster():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None)
    client = distributed.Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


def test_a_scheduler_without_workers_times_out(empty_cluster):
    _, client = empty_cluster
    start = time.monotonic()
    with pytest.raises(ValueError, match=r"no worker for 1 s \(5 of 5 chunks unfinished\)") as raised:
        run_chunks(_slow_sum, [[i] for i in range(5)], client=client, timeout=1)
    assert 1 <= time.monotonic() - start < 10
    assert "\n" not in str(raised.value)


def test_the_timeout_comes_from_the_environment(empty_cluster, monkeypatch):
    _, client = empty_cluster
    monkeypatch.setenv(TIMEOUT_VARIABLE, "0.5")
    start = time.monotonic()
    with pytest.raises(ValueError, match="no worker for 0.5 s"):
        enumerate_programs(TOY, 8, 50, 4, client=client)
    assert time.monotonic() - start < 10


def test_connect_passes_its_timeout_to_the_run(empty_cluster, monkeypatch):
    cluster, _ = empty_cluster
    monkeypatch.delenv(TIMEOUT_VARIABLE, raising=False)
    client = connect(cluster.scheduler_address, 1, timeout=0.5)
    try:
        start = time.monotonic()
        with pytest.raises(ValueError, match="no worker for 0.5 s"):
            run_chunks(_slow_sum, [[1], [2]], client=client)
        assert time.monotonic() - start < 10
    finally:
        client.close()


def test_the_run_stops_after_its_last_worker_leaves():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None)
    client = distributed.Client(cluster)
    done, leaving = [], []

    def progress(finished, total):
        done.append(finished)
        if finished >= 5 and not leaving:   # the worker leaves once it has done some work (not after a fixed
            leaving.append(True)            # time, which a loaded machine may not reach)
            threading.Thread(target=cluster.scale, args=(0,)).start()

    try:
        start = time.monotonic()
        with pytest.raises(ValueError, match="no worker for 1 s"):
            run_chunks(_slow_sum, [[i] for i in range(400)], client=client, timeout=1, progress=progress)
        assert time.monotonic() - start < 15
        assert 0 < done[-1] < 400   # it did run, then lost its worker
    finally:
        client.close()
        cluster.close()


def test_a_cluster_with_workers_still_runs_to_the_end():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        assert run_chunks(_slow_sum, [[i, i] for i in range(30)], client=client, timeout=0.5) == \
            [2 * i for i in range(30)]


def test_an_unreachable_scheduler_is_one_line():
    pytest.importorskip("distributed")
    with pytest.raises(ValueError, match="cannot reach the dask scheduler at tcp://127.0.0.1:1") as raised:
        connect("tcp://127.0.0.1:1", 1, timeout=1)
    assert "\n" not in str(raised.value)


# ---- memory ---------------------------------------------------------------------------------

def test_available_memory_reads_the_machine():
    available = parallel.available_memory()
    assert available is None or available > 0


def test_check_memory_names_both_numbers(monkeypatch):
    monkeypatch.setattr(parallel, "available_memory", lambda: 1 << 30)
    check_memory(4, 256 << 20)  # exactly fits
    with pytest.raises(ValueError) as raised:
        check_memory(5, 256 << 20, "things")
    message = str(raised.value)
    assert message == ("5 things need about 1,280 MiB (256 MiB each) but only 1,024 MiB is available; "
                       "use at most 4 workers")
    monkeypatch.setattr(parallel, "available_memory", lambda: None)  # unknown: no check
    check_memory(10 ** 6, 1 << 40)


def test_too_many_local_processes_are_refused_before_anything_starts(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "available_memory", lambda: 2 << 30)

    def never(*args, **kwargs):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(distributed, "LocalCluster", never)
    with pytest.raises(ValueError, match=r"^256 local dask worker processes need about 60.0 GiB \(240 MiB each\) "
                                         r"but only 2,048 MiB is available; use at most 8 workers$"):
        connect("local", 256)
    assert WORKER_PROCESS_BYTES == 240 << 20


def test_the_cli_refuses_too_many_local_workers_in_one_line(monkeypatch, tmp_path):
    pytest.importorskip("distributed")
    monkeypatch.setattr(parallel, "available_memory", lambda: 1 << 30)
    result = CliRunner().invoke(main, ["enumerate", "--max-bits", "8", "--scheduler", "local", "--workers", "256",
                                       "--store", str(tmp_path / "runs")])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: 256 local dask worker processes need about 60.0 GiB (240 MiB each) "
                                     "but only 1,024 MiB is available; use at most 4 workers")


def _allocated(worker) -> int:
    arrays = [v for obj in (worker, worker.state) for v in vars(obj).values() if isinstance(v, np.ndarray)]
    return sum(a.nbytes for a in arrays) + sum(a.nbytes for a in worker.leaf_buffers.values())


@pytest.mark.parametrize("max_bits, output_bits, keep_leaves", [(1, 1, 0), (12, 8, 1000), (20, 16, 200_000),
                                                                 (62, 1 << 16, 1 << 28)])
def test_the_worker_estimate_is_what_a_worker_allocates(max_bits, output_bits, keep_leaves):
    big = Language(name="big", codewords=dict(TOY.codewords),
                   limits=dict(TOY.limits, memory_cells=4096, stack_depth=1000, eval_depth=0))
    for language in (TOY, big):
        worker = _Worker(language, max_bits, 10, output_bits, min(output_bits, 16), min(keep_leaves, 1 << 20) + 1)
        assert worker_memory(language, max_bits, output_bits, keep_leaves) == _allocated(worker)


@pytest.mark.parametrize("max_bits, output_bits, keep_leaves", [(1, 1, 0), (12, 8, 1000), (62, 1 << 16, 1 << 28)])
@pytest.mark.parametrize("counted", [False, True])
def test_the_flat_worker_estimate_is_what_a_flat_worker_allocates(max_bits, output_bits, keep_leaves, counted):
    """(Within the few shared kernel tables a worker refers to but does not allocate; counted, the
    block tables, shared by a process's workers, are counted with each.)"""
    for language in (TOY, Language(name="big", codewords=dict(TOY.codewords),
                                   limits=dict(TOY.limits, memory_cells=4096, eval_depth=0))):
        worker = FlatWorker(language, max_bits, 10, output_bits, min(output_bits, 16), min(keep_leaves, 1 << 20) + 1,
                            counted=counted)
        arrays = [v for obj in (worker, worker.child) for v in vars(obj).values() if isinstance(v, np.ndarray)]
        allocated = sum(a.nbytes for a in arrays) + sum(a.nbytes for a in worker.leaf_buffers.values())
        assert 0 <= allocated - flat_worker_memory(language, max_bits, output_bits, keep_leaves, counted) <= 4096


@pytest.mark.parametrize("kernel, estimate", [("flat", flat_worker_memory), ("snapshot", worker_memory)])
def test_too_many_threads_are_refused_before_the_enumeration(monkeypatch, kernel, estimate):
    per_thread = estimate(TOY, 12, 8, 1000)
    monkeypatch.setattr(parallel, "available_memory", lambda: 3 * per_thread)
    enumerate_programs(TOY, 12, 50, 8, workers=3, keep_leaves=1000, kernel=kernel)  # fits
    with pytest.raises(ValueError, match=r"^4 enumeration threads need about .* but only .* is available; "
                                         r"use at most 3 workers$"):
        enumerate_programs(TOY, 12, 50, 8, workers=4, keep_leaves=1000, kernel=kernel)


@pytest.mark.parametrize("kernel", ["flat", "snapshot"])
def test_a_language_too_big_for_one_worker_is_one_line(kernel):
    huge = Language(name="huge", codewords=dict(TOY.codewords),
                    limits={key: 1 << 20 for key in TOY.limits})
    with pytest.raises(ValueError, match="1 enumeration worker needs about .* GiB but .* lower the limits"):
        enumerate_programs(huge, 20, 50, 8, kernel=kernel)


def test_a_machine_too_big_for_the_memory_is_refused_before_it_is_allocated():
    """(The fuzz found it: a language file with every limit at 2^20 made `run` allocate 8 TiB.)"""
    from toyinduction.machines.toy.kernel import MachineState, run

    huge = Language(name="huge", codewords=dict(TOY.codewords), limits={key: 1 << 20 for key in TOY.limits})
    with pytest.raises(ValueError, match=r"^1 machine of huge needs about .* GiB but only .* is available; "
                                         r"lower the limits"):
        run(huge, "0101", 100, 8)
    state = MachineState.new(TOY, 20, 10, 16)
    assert MachineState.nbytes(TOY, 20, 16) == sum(getattr(state, name).nbytes for name in state.__dataclass_fields__)
