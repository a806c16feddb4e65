"""Progress of the long commands, on stderr and never on stdout.

The rule (docs/cli.md, "Progress and output streams"):

* stdout carries the result only (text, or JSON with ``--json``); progress never goes there, so
  ``--json`` output is always one clean JSON document.
* stderr is a terminal: a bar, redrawn in place (with or without ``--json``).
* stderr is a pipe or a file (a log, CI, ``2> log``): one line at most every 5 seconds
  (``enumerate: 37/64 chunks, 12 s``), none during the first 5 seconds — a command that finishes
  quickly prints nothing — and a closing line (``enumerate: 64/64 chunks, done in 23 s``) when
  any line was printed. With or without ``--json``: it changes stdout, not stderr.
* stderr that is no file at all (captured in-process, as click's CliRunner does): silent.
* ``TOYINDUCTION_PROGRESS=off`` silences it, ``=lines`` writes lines wherever stderr goes (a
  terminal, an in-process capture); ``TOYINDUCTION_PROGRESS_INTERVAL`` sets the seconds between
  lines (default 5).

A reporter is a ``progress(done, total)`` callback, the form every long computation of the
library takes. ``total`` may change while it runs (the demo learns how many chunks its
enumeration has only once it starts); ``done`` going back starts a new phase.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref

import click

#: Environment variable: ``auto`` (the default), ``off`` or ``lines``.
MODE_VARIABLE = "TOYINDUCTION_PROGRESS"
#: Environment variable: seconds between two progress lines when stderr is not a terminal.
INTERVAL_VARIABLE = "TOYINDUCTION_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 5.0
MODES = ("auto", "off", "lines")
#: What a bar hides while it draws and shows again when it ends.
SHOW_CURSOR = "\x1b[?25h"


def _has_descriptor(stream) -> bool:
    """Whether ``stream`` is backed by a real file descriptor (a terminal, a pipe or a file)."""
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):   # io.UnsupportedOperation is an OSError and a ValueError
        return False
    return True


def progress_mode(stream=None) -> str:
    """How progress is shown on ``stream`` (default stderr): ``bar``, ``lines`` or ``off``."""
    stream = sys.stderr if stream is None else stream
    chosen = os.environ.get(MODE_VARIABLE, "auto").strip().lower() or "auto"
    if chosen not in MODES:
        raise ValueError(f"${MODE_VARIABLE} must be one of {', '.join(MODES)}, not {chosen!r}")
    if chosen == "off" or stream is None:
        return "off"
    if chosen == "lines":
        return "lines"
    if not _has_descriptor(stream):
        return "off"
    try:
        terminal = stream.isatty()
    except (AttributeError, OSError, ValueError):
        terminal = False
    return "bar" if terminal else "lines"


def progress_interval() -> float:
    """Seconds between two progress lines: ``$TOYINDUCTION_PROGRESS_INTERVAL``, else 5."""
    text = os.environ.get(INTERVAL_VARIABLE, "").strip()
    if not text:
        return DEFAULT_INTERVAL
    try:
        seconds = float(text)
    except ValueError:
        raise ValueError(f"${INTERVAL_VARIABLE} must be a number of seconds, not {text!r}") from None
    if not seconds >= 0:
        raise ValueError(f"${INTERVAL_VARIABLE} must be at least 0, not {text!r}")
    return seconds


def _command_label() -> str:
    """The running command's path without the program name (``enumerate``, ``tm ctm``), or ``progress``."""
    context, names = click.get_current_context(silent=True), []
    while context is not None and context.parent is not None:
        names.append(context.info_name)
        context = context.parent
    return " ".join(reversed(names)) or "progress"


def _seconds(elapsed: float) -> str:
    """Elapsed time as it is printed: ``12 s``, ``3 min 05 s``."""
    whole = int(elapsed)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min {whole % 60:02d} s"


class ProgressBar:
    """A ``progress(done, total)`` reporter on stderr following the module's rule: a bar on a
    terminal, a line at most every ``interval`` seconds otherwise, nothing when disabled.

    ``unit`` names what is counted (``chunks``); ``label`` what is running (default: the click
    command, e.g. ``tm ctm``). ``stream``, ``clock``, ``interval`` and ``mode`` are seams for
    tests (defaults: stderr, ``time.monotonic``, the environment)."""

    _open: "weakref.WeakSet[ProgressBar]" = weakref.WeakSet()

    def __init__(self, unit: str = "", enabled: bool = True, *, label: str | None = None, stream=None,
                 clock=time.monotonic, interval: float | None = None, mode: str | None = None):
        self.unit, self.label = unit, label if label is not None else _command_label()
        self.stream = sys.stderr if stream is None else stream
        self.mode = "off" if not enabled else (mode or progress_mode(self.stream))
        self.interval = progress_interval() if interval is None else interval
        self.clock, self.start = clock, clock()
        self.last_line, self.lines, self.done, self.total, self.bar = self.start, 0, 0, 0, None
        self.lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` are finished."""
        if self.mode == "off":
            return
        with self.lock:
            if done < self.done:           # a new phase: close what the last one left open
                self._close()
            if self.mode == "bar":
                self._bar(done, total)
            else:
                self._line(done, total)
            self.done, self.total = done, total

    def _bar(self, done: int, total: int) -> None:
        """Advance (or open) the bar."""
        if self.bar is None:
            label = f"{self.label}: {self.unit}" if self.unit else self.label
            # no ETA: the work's units are not equal (a chunk, a class measurement), so a rate from the
            # first ones would mislead; the elapsed time is in the lines and the closing line
            self.bar = click.progressbar(length=max(total, 1), label=label, file=self.stream, show_pos=True,
                                         show_eta=False)
            self.bar.__enter__()
            ProgressBar._open.add(self)
        self.bar.length = max(total, 1)
        self.bar.update(done - self.bar.pos)
        if done >= total:
            self._close()

    def _line(self, done: int, total: int) -> None:
        """Write a line if ``interval`` seconds have passed since the last (or the start); a
        closing line when the work is finished and a line was written."""
        now = self.clock()
        counted = f"{done}/{total}" + (f" {self.unit}" if self.unit else "")
        if done >= total:
            if self.lines:
                self._write(f"{self.label}: {counted}, done in {_seconds(now - self.start)}")
                self.lines = 0
            return
        if now - self.last_line >= self.interval:
            self._write(f"{self.label}: {counted}, {_seconds(now - self.start)}")
            self.last_line = now
            self.lines += 1

    def announce(self, text: str) -> None:
        """Say what is starting (``compiling the kernels``, ``writing 7 figures``) before its first
        count: at once on a terminal; in lines mode, once the first interval has passed (a command
        that finishes quickly still prints nothing); never when progress is off."""
        if self.mode == "off":
            return
        with self.lock:
            now = self.clock()
            if self.mode == "bar":
                self._close()
                self._write(f"{self.label}: {text}")
            elif now - self.start >= self.interval:
                self._write(f"{self.label}: {text}, {_seconds(now - self.start)}")
                self.last_line = now
                self.lines += 1

    def _write(self, line: str) -> None:
        """One line on the stream, flushed (a pipe is block-buffered)."""
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):     # a closed pipe: progress is never worth failing for
            self.mode = "off"

    def _close(self, newline: bool = True) -> None:
        """End an open bar with its newline (without it: only show the cursor again)."""
        if self.bar is not None:
            bar, self.bar = self.bar, None
            ProgressBar._open.discard(self)
            if newline:
                bar.__exit__(None, None, None)
            else:
                self.stream.write(SHOW_CURSOR)
                self.stream.flush()

    def close(self) -> None:
        """End the bar if it is open (a computation that stopped before its total)."""
        with self.lock:
            self._close()

    @classmethod
    def close_all(cls, newline: bool = True) -> None:
        """End every open bar, so that an error or "interrupted" message starts its own line
        (``newline=False`` after Ctrl-C, when click has already ended the line)."""
        for reporter in list(cls._open):
            reporter._close(newline)
