"""Ctrl-C ends every long run: the kernels poll the stop flag (toyinduction.engine.stop), the
waiting thread sets it, and the command line prints its one "interrupted" line (exit 130).

In-process tests interrupt each kernel through :func:`call_interruptibly` or the threads of
``run_chunks``, with a SIGINT sent to this process; the command tests start the long commands of
issue 24 as real processes, wait until they run, send SIGINT and read what they leave behind.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from toyinduction.engine import stop
from toyinduction.engine.stop import STOP, Interrupted, call_interruptibly

ROOT = Path(__file__).resolve().parents[1]
HUGE = str(2 ** 61)
INTERRUPTED_LINE = "Error: interrupted (finished chunks of an enumeration are kept; run it again to resume)"


@contextmanager
def sigint_after(seconds: float):
    """SIGINT to this process after ``seconds`` (Python's handler installed for the test, even
    where the suite runs with SIGINT ignored); yields the moment it was sent (a list)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    sent: list = []

    def send():
        time.sleep(seconds)
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        yield sent
    finally:
        sender.join()
        signal.signal(signal.SIGINT, previous)


def interrupted(function, *arguments, seconds: float = 0.5, **options) -> float:
    """Run ``function`` (which never ends by itself) until a SIGINT; the seconds from the signal
    to the KeyboardInterrupt. The stop flag is clear afterwards."""
    with sigint_after(seconds) as sent:
        with pytest.raises(KeyboardInterrupt):
            function(*arguments, **options)
        elapsed = time.monotonic() - sent[0]
    assert STOP[0] == 0
    return elapsed


def test_the_flag_is_read_in_a_loop_that_writes_nothing():
    """The atomic load is not hoisted out of a loop that stores nothing (where a plain load may
    be): a spinning kernel on another thread sees the flag set."""
    from toyinduction._numba import jit

    @jit
    def spin(flag):
        turns = 0
        while not stop.stop_requested(flag):
            turns += 1
        return turns

    flag = np.zeros(1, dtype=np.int64)
    worker = threading.Thread(target=spin, args=(flag,), daemon=True)
    spin(np.ones(1, dtype=np.int64))           # compiled before the thread starts
    worker.start()
    time.sleep(0.2)
    flag[0] = 1
    worker.join(30)
    assert not worker.is_alive()


def test_an_interrupted_toy_run_is_suspended_and_resumes_exactly():
    """A set flag suspends the interpreter like a spent budget (Interrupted); cleared, the same
    state runs on to the result an uninterrupted run gives."""
    from toyinduction.machines.toy.kernel import MachineState, kernel_for, run
    from toyinduction.machines.toy.language import load_language

    from toyinduction.core import bits_to_array
    from toyinduction.machines.toy.assembler import assemble

    language = load_language("toy")
    program = np.ascontiguousarray(bits_to_array(assemble("0 3000000 rep idx xor 1 and end out halt", language)))
    whole = run(language, program, 10 ** 8, 64)
    state = MachineState.new(language, program.size, 10 ** 8, 64)
    kernel = kernel_for(language)
    STOP[0] = 1
    try:
        with pytest.raises(Interrupted):
            kernel.resume(state, program)
    finally:
        STOP[0] = 0
    assert 0 < state.steps <= stop.POLL_STEPS < whole.steps      # it stopped at its first look
    assert kernel.resume(state, program) == whole.status
    assert (state.steps, state.output) == (whole.steps, whole.output)


def test_ctrl_c_stops_each_kernel_in_process():
    """Each kernel on a budget it would need years for stops on SIGINT: the toy interpreter
    (via the sampler), the flat and snapshot enumerators (run_chunks' threads and the shallow
    pass), the Turing-machine stepper and CTM enumeration, the BLC machine."""
    from toyinduction.machines.blc.kernel import run_blc_fast
    from toyinduction.machines.toy.enumerate import enumerate_programs
    from toyinduction.machines.toy.language import load_language
    from toyinduction.machines.toy.sample import sample_toy
    from toyinduction.machines.turing.tm import ctm, run_machine

    language = load_language("toy")
    budget = 2 ** 61
    # compiled first: a SIGINT that lands while numba compiles in this thread is swallowed by the
    # compiler (the command line's own handler sets the stop flag for that case; tested below)
    sample_toy(language, 20, 12, 50, 2)
    enumerate_programs(language, 10, 50, 16, workers=2, split_bits=8)
    enumerate_programs(language, 8, 50, 16, workers=1)
    enumerate_programs(language, 8, 50, 16, workers=1, kernel="snapshot")
    run_machine("1RB1LA_1LA1RB", 50)
    ctm(2, 20, workers=2)
    run_blc_fast("0100011010000110100", 50, 16)
    waits = {
        "sample": interrupted(sample_toy, language, 200, 40, budget, 2),
        "flat, shallow pass": interrupted(enumerate_programs, language, 12, budget, 16, workers=2, split_bits=10),
        "flat, one thread": interrupted(enumerate_programs, language, 12, budget, 16, workers=1),
        "snapshot": interrupted(enumerate_programs, language, 12, budget, 16, workers=1, kernel="snapshot"),
        "tm run": interrupted(run_machine, "1RB1LA_1LA1RB", budget),
        "ctm": interrupted(ctm, 6, 100, workers=2),
        "blc": interrupted(run_blc_fast, "0100011010000110100", budget, 16),
    }
    assert all(seconds < 20 for seconds in waits.values()), waits   # (a hang guard: they take milliseconds)


def test_a_kernel_that_does_not_poll_is_left_after_the_grace(monkeypatch):
    """call_interruptibly gives up waiting after GRACE_SECONDS (the process goes on to exit)."""
    release = threading.Event()
    monkeypatch.setattr(stop, "GRACE_SECONDS", 0.2)
    interrupted(call_interruptibly, release.wait, 60)
    release.set()
    assert call_interruptibly(sum, [1, 2, 3]) == 6          # a new helper thread serves the next call


def test_warnings_before_budgets_that_cannot_finish():
    """Years of work are said before they start; ordinary budgets are not."""
    from toyinduction.machines.toy.enumerate import enumerate_programs, enumeration_warning, estimated_programs
    from toyinduction.machines.toy.language import load_language

    language = load_language("toy")
    assert estimated_programs(language, 18) == enumerate_programs(language, 18, 1000, 16).programs
    assert 0.5 < estimated_programs(language, 28) / enumerate_programs(language, 28, 1000, 16).programs < 2
    assert enumeration_warning(language, 40, 2) is None
    assert "years; Ctrl-C stops it" in enumeration_warning(language, 62, 2)
    assert stop.ctm_warning(5, 2) is None and "6-state machines" in stop.ctm_warning(6, 2)
    assert stop.steps_warning(10 ** 9) is None
    assert stop.steps_warning(2 ** 61).startswith("this is up to 2^61 steps")


# ---------------------------------------------------------------------------------------------
# The commands, as real processes
# ---------------------------------------------------------------------------------------------
COMMANDS = {
    "tm run (left and right)": ["tm", "run", "1LB1LB_0RA0RA", "--max-steps", HUGE],
    "tm run (shows progress)": ["tm", "run", "1RB1LA_1LA1RB", "--max-steps", HUGE],
    "enumerate": ["enumerate", "--max-bits", "12", "--max-steps", HUGE],
    "predict": ["predict", "0101", "--max-bits", "12", "--max-steps", HUGE],
    "sample": ["sample", "--count", "2000", "--max-bits", "40", "--max-steps", HUGE],
    "tm ctm --states 6": ["tm", "ctm", "--states", "6", "--max-steps", "100"],
}
#: What each command prints on stderr once it runs (its warning before it starts, or progress).
RUNNING = {"tm run (left and right)": "Warning: this is up to 2^61 steps", "tm run (shows progress)": "tm run: ",
           "tm ctm --states 6": "Warning: this is about 2^56 6-state machines",
           "enumerate": "Warning: this is about 2^61 steps for each program that never stops",
           "predict": "Warning: this is about 2^61 steps for each program that never stops",
           "sample": "Warning: this is about 2^61 steps for each program that never stops"}


def test_ctrl_c_ends_every_long_command_with_one_line(tmp_path):
    """All at once (the suite's time): each command runs, gets SIGINT, and exits 130 within
    seconds, stdout empty, its last stderr line the one "interrupted" line, no traceback; the
    store holds no finished result."""
    env = dict(os.environ, TOYINDUCTION_STORE=str(tmp_path / "store"), TOYINDUCTION_PROGRESS="lines",
               TOYINDUCTION_PROGRESS_INTERVAL="0.5", PYTHONPATH=str(ROOT))
    processes = {name: subprocess.Popen([sys.executable, "-m", "toyinduction", *args], env=env, cwd=tmp_path,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
                 for name, args in COMMANDS.items()}
    started = time.monotonic()
    seen = {name: b"" for name in processes}
    pending = set(processes)
    while pending and time.monotonic() - started < 60:
        for name in list(pending):
            process = processes[name]
            while select.select([process.stderr], [], [], 0)[0]:
                chunk = os.read(process.stderr.fileno(), 65536)
                if not chunk:
                    break
                seen[name] += chunk
            assert process.poll() is None, f"{name} ended by itself: {seen[name].decode()[-300:]}"
            if RUNNING[name].encode() in seen[name]:
                process.send_signal(signal.SIGINT)
                pending.discard(name)
        time.sleep(0.05)
    assert not pending, f"never seen running: {pending}"
    for name, process in processes.items():
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"{name} did not stop after SIGINT")
        text = (seen[name] + err).decode()
        lines = [line for line in text.splitlines() if line.strip()]
        assert process.returncode == 130, (name, text[-500:])
        assert out == b"" and "Traceback" not in text, (name, text[-500:])
        assert lines[-1] == INTERRUPTED_LINE and [line for line in lines if line.startswith("Error")] == lines[-1:]
        assert RUNNING[name] in text, (name, text[-500:])
    store = tmp_path / "store"
    finished = [path for path in store.rglob("*") if path.is_file() and "partial" not in path.parts] \
        if store.exists() else []
    assert not finished, finished
