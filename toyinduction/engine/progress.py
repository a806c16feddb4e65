"""Progress of the library's long computations when called from Python (the command line has
its own reporter, :mod:`toyinduction.cli.progress`).

A long computation takes ``progress``: ``True`` (the API's default) shows a bar where someone
is watching — a widget in a Jupyter notebook, a bar on stderr when stderr is a terminal — and
nothing elsewhere (a script writing to a log, a test); ``False`` or ``None`` shows nothing; a
callable ``progress(done, total)`` is called as work finishes. ``TOYINDUCTION_PROGRESS=off``
silences the default everywhere. The bars are tqdm's (``tqdm.auto``), without an ETA: the
totals of a demo grow while it runs, and an estimate from them would mislead.
"""

from __future__ import annotations

import os
import sys
import warnings

#: What a bar shows: what is running, done/total and the elapsed time (no ETA).
BAR_FORMAT = "{desc}: {n_fmt}/{total_fmt} {unit} |{bar}| {elapsed}"


def in_notebook() -> bool:
    """Whether this Python runs in a Jupyter kernel."""
    shell = sys.modules.get("IPython")
    try:
        ipython = shell.get_ipython() if shell is not None else None
    except Exception:        # an IPython too old or too odd to ask: not a notebook we can draw in
        return False
    return ipython is not None and "IPKernelApp" in getattr(ipython, "config", {})


def watched() -> bool:
    """Whether the default progress shows: in a notebook, or when stderr is a terminal (and
    ``$TOYINDUCTION_PROGRESS`` is not ``off``)."""
    if os.environ.get("TOYINDUCTION_PROGRESS", "").strip().lower() == "off":
        return False
    if in_notebook():
        return True
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, OSError, ValueError):
        return False


class TqdmProgress:
    """A ``progress(done, total)`` reporter drawn as a tqdm bar (a notebook widget in Jupyter,
    text on stderr in a terminal). ``total`` may change while it runs; ``done`` going back starts
    a new bar (a new phase of the work); the bar closes when ``done`` reaches ``total``."""

    def __init__(self, label: str, unit: str = ""):
        self.label, self.unit, self.bar, self.done = label, unit, None, 0

    def _open(self, total: int):
        with warnings.catch_warnings():          # tqdm warns when a notebook lacks ipywidgets; its text bar serves
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm

        options = {"total": max(total, 1), "desc": self.label, "unit": self.unit, "bar_format": BAR_FORMAT,
                   "leave": True}
        try:
            return tqdm(**options)
        except ImportError:           # a notebook without ipywidgets: tqdm's text bar, which Jupyter shows too
            from tqdm.std import tqdm as text_bar

            return text_bar(file=sys.stderr, **options)

    def __call__(self, done: int, total: int) -> None:
        """Report that ``done`` of ``total`` are finished."""
        if done < self.done:
            self.close()
        elif self.bar is None and done == self.done and done >= total > 0:   # told again that it is finished
            return
        if self.bar is None:
            self.bar = self._open(total)
        self.bar.total = max(total, 1)
        self.bar.update(done - self.bar.n)       # redrawn at most every 0.1 s (tqdm's mininterval)
        self.done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        """End the bar if one is open."""
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.close()


def reporter(progress, label: str, unit: str = ""):
    """The callback a computation calls for ``progress`` (see the module): a :class:`TqdmProgress`
    for ``True`` where someone watches, None for ``False``/``None`` or unwatched, else ``progress``."""
    if progress is True:
        return TqdmProgress(label, unit) if watched() else None
    if progress is False or progress is None:
        return None
    if not callable(progress):
        raise ValueError(f"progress must be True, False or a callable progress(done, total), not {progress!r:.40}")
    return progress
