"""Ctrl-C for numba kernels: a stop flag the kernels poll, and the Python side that sets it.

numba code cannot see Python signals: a SIGINT only sets a flag in the interpreter, which runs
the handler (raising KeyboardInterrupt) once the main thread executes Python again, i.e. after
the kernel returns, which for a run with a 2^61-step budget is never. So:

* every long kernel takes the process-wide stop flag :data:`STOP` (an int64 array of one
  element) and reads it with :func:`stop_requested` at a bounded interval (every
  :data:`POLL_STEPS` steps of a run; the enumerators also every :data:`POLL_LEAVES` tree
  leaves). When it is set, the kernel ends at once with a named status (``INTERRUPTED``, or an
  error code of its own) and leaves its results unfinished;
* the Python wrapper of a kernel calls :func:`raise_if_stopped` after it returns, so unfinished
  results are never mistaken for finished ones (nor stored: the store writes only what a
  computation returned);
* whatever waits for kernels (:func:`call_interruptibly` for one call made from the main thread,
  :func:`toyinduction.engine.parallel.run_chunks` for its worker threads) waits in Python, where
  Ctrl-C arrives as a KeyboardInterrupt; it then sets the flag with :func:`request_stop`, waits
  for the kernels to return (within milliseconds), clears the flag and lets the
  KeyboardInterrupt go on, which the command line turns into its one-line "interrupted" message.

The flag is read with an atomic (monotonic) load, an intrinsic below: a plain ``stop[0]`` in a
loop that writes no memory may be hoisted out of the loop by LLVM and never read again.

The second half estimates budgets that cannot finish in a human time (a count of programs,
machines or steps at a measured rate), for the one-line warnings the command line prints first.
"""

from __future__ import annotations

import threading

import numpy as np
from numba.core import types
from numba.extending import intrinsic

from toyinduction._numba import jit_inline

#: The process-wide stop flag: nonzero asks every running kernel to stop.
STOP = np.zeros(1, dtype=np.int64)
#: A run polls the flag at least once per this many steps (about a millisecond of the kernels).
POLL_STEPS = 1 << 18
#: An enumerator polls it at least once per this many tree leaves.
POLL_LEAVES = 1 << 12
#: The status a kernel returns when it stopped for the flag (no Status: never a result).
INTERRUPTED = -9


class Interrupted(KeyboardInterrupt):
    """A kernel stopped because Ctrl-C asked it to; its results are unfinished."""


@intrinsic
def _atomic_load(typingctx, flags):
    """flags[0] of a 1-d int64 array, by an atomic (monotonic) load that LLVM does not hoist."""
    if not (isinstance(flags, types.Array) and flags.dtype == types.int64 and flags.ndim == 1):
        return None

    def codegen(context, builder, signature, arguments):
        array = context.make_array(signature.args[0])(context, builder, arguments[0])
        return builder.load_atomic(array.data, "monotonic", 8)

    return types.int64(flags), codegen


@jit_inline
def stop_requested(stop):
    """In a kernel: whether the stop flag ``stop`` (:data:`STOP`, or a test's own) is set."""
    return stop.shape[0] > 0 and _atomic_load(stop) != 0


def request_stop() -> None:
    """Ask every running kernel to stop (they return within a poll interval)."""
    STOP[0] = 1


def clear_stop() -> None:
    """Let kernels run again (after the interrupted ones have returned)."""
    STOP[0] = 0


def raise_if_stopped() -> None:
    """After a kernel returns: raise :class:`Interrupted` if it may have stopped for the flag."""
    if STOP[0]:
        raise Interrupted()


#: Seconds Ctrl-C waits for an interrupted call to return (a kernel that polls returns within
#: milliseconds; one that does not is left to the exiting process).
GRACE_SECONDS = 2.0
_helper: dict = {"requests": None}


def _serve(requests) -> None:
    """The helper thread: run each call handed over, put its value or its error in its box."""
    while True:
        function, arguments, options, box, done = requests.get()
        try:
            box["value"] = function(*arguments, **options)
        except BaseException as error:      # handed back to the waiting thread
            box["error"] = error
        finally:
            done.set()


def _helper_requests():
    """The queue of the one helper thread call_interruptibly runs calls on (a daemon: a call
    left running never holds up the process's exit)."""
    import queue

    if _helper["requests"] is None:
        requests = queue.SimpleQueue()
        threading.Thread(target=_serve, args=(requests,), name="toyinduction-kernel", daemon=True).start()
        _helper["requests"] = requests
    return _helper["requests"]


def call_interruptibly(function, *arguments, **options):
    """``function(*arguments, **options)``, which runs kernels, with Ctrl-C honoured within a poll
    interval: called from the main thread, it runs on a helper thread while the main thread waits
    (where a KeyboardInterrupt can arrive); on one, the stop flag is set, the call is waited for
    (its kernels return at once; at most GRACE_SECONDS) and the KeyboardInterrupt goes on. From
    any other thread it is a plain call (whoever runs that thread waits and sets the flag)."""
    if threading.current_thread() is not threading.main_thread():
        return function(*arguments, **options)
    box: dict = {}
    done = threading.Event()
    try:
        _helper_requests().put((function, arguments, options, box, done))
        while not done.wait(0.5):
            pass
    except BaseException:
        request_stop()
        try:
            if not done.wait(GRACE_SECONDS):    # a call that does not poll: leave it, use a new thread
                _helper["requests"] = None
        finally:
            clear_stop()
        raise
    if "error" in box:
        raise box["error"]
    return box["value"]


# ---------------------------------------------------------------------------------------------
# Budgets that cannot finish in a human time: a one-line warning before they start
# ---------------------------------------------------------------------------------------------
#: A computation estimated to take longer than this (seconds) is warned about before it starts.
WARN_SECONDS = 24 * 3600
#: Rates the estimates assume, per thread, as measured on a 2-core machine (docs/reliability.md):
#: the toy interpreter's loop-heavy workload (190-300 M steps/s), the Turing-machine stepper
#: (190 M steps/s), the flat enumerator (40 M programs/s at 30 bits, 1,000 steps) and the CTM
#: enumeration's target (D(5), cutoff 500, in 30 minutes on 2 threads: 7.4e9 machines/s each).
STEPS_PER_SECOND = 200e6
PROGRAMS_PER_SECOND = 30e6
CTM_MACHINES_PER_SECOND = 7.4e9


def duration_text(seconds: float) -> str:
    """A rough duration: ``40 min``, ``3 h``, ``5 days``, ``12 years``, ``1,200 years``."""
    for limit, size, unit in ((3600, 60, "min"), (2 * 86400, 3600, "h"), (2 * 365.25 * 86400, 86400, "days")):
        if seconds < limit:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds / (365.25 * 86400):,.0f} years"


def amount_text(amount: float) -> str:
    """A count as it is read in a warning: ``5,000``, or ``2^55`` from 2^20 on."""
    import math

    return f"{amount:,.0f}" if amount < 1 << 20 else f"2^{math.log2(amount):.0f}"


def endless_warning(amount: float, what: str, rate: float, rate_text: str, *, upper: bool = False,
                    threads: int = 1) -> str | None:
    """The warning for ``amount`` units of ``what`` at ``rate`` per second per thread on
    ``threads`` threads when that takes more than WARN_SECONDS, else None: ``this is about 2^55
    programs: at about 30 M programs/s per thread on 2 threads, 19 years; Ctrl-C stops it``.
    ``upper``: the amount is a bound (a step budget a run may not use up): "up to"."""
    threads = max(int(threads), 1)
    seconds = amount / (rate * threads)
    if not seconds > WARN_SECONDS:
        return None
    on = f" per thread on {threads} threads" if threads > 1 else ""
    return (f"this is {'up to' if upper else 'about'} {amount_text(amount)} {what}: at about {rate_text}{on}, "
            f"{'up to ' if upper else ''}{duration_text(seconds)}; Ctrl-C stops it")


def steps_warning(max_steps: int, each: bool = False) -> str | None:
    """The warning for a step budget no run can use up in a human time (``each``: of every
    program of an enumeration or a sample, where any program that never stops uses it up)."""
    line = endless_warning(max_steps, "steps" + (" for each program that never stops" if each else ""),
                           STEPS_PER_SECOND, f"{STEPS_PER_SECOND / 1e6:.0f} M steps/s", upper=not each)
    return line


def ctm_warning(states: int, workers: int = 1) -> str | None:
    """The warning for a CTM enumeration of every ``states``-state machine ((4n+2)^(2n) of them)
    at the rate of D(5)'s target, when it cannot finish in a human time."""
    return endless_warning((4 * states + 2) ** (2 * states), f"{states}-state machines", CTM_MACHINES_PER_SECOND,
                           f"{CTM_MACHINES_PER_SECOND:.1e} machines/s (the rate of D(5))", threads=workers)
