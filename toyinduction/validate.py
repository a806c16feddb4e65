"""What the Python API and the command line accept, checked in one place.

Every value a user gives (a budget, a length, a seed, a sequence, a machine) is checked by one
function or :class:`Bounded` checker here, which the API calls on its keyword arguments and the
command line calls on the option it has parsed, so both refuse the same values with the same
one-line message::

    >>> MIXTURE_MAX_BITS(50)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for '--max-bits' (max_bits): 50 is not in the range 1<=x<=40 (every program up to 2^40 bits is the most a mixture enumerates).

The message names the command line's option and the API's keyword. The defaults both use are
here too (:data:`DEFAULT_WORKERS`, :data:`ENUMERATE_OUTPUT_BITS`), so the same call keys the same
stored result.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass

import numpy as np

#: Threads (or local dask processes) of a computation when none are given: all cores.
DEFAULT_WORKERS = os.cpu_count() or 1
#: Output bits an enumeration keeps per program when none are given.
ENUMERATE_OUTPUT_BITS = 16
#: Budgets above this are refused as absurd (the kernel caps step counts at 2**61).
MAX_BUDGET = 2 ** 61
#: How much of a bad value a message quotes.
QUOTED = 40


def quoted(value) -> str:
    """``repr(value)``, cut to a few dozen characters."""
    text = repr(value)
    return text if len(text) <= QUOTED else text[: QUOTED - 3] + "..."


@dataclass(frozen=True)
class Bounded:
    """A number in ``low..high`` (``high`` None: no upper bound), given as ``keyword`` to the API
    and as ``option`` on the command line; ``kind`` is int or float; ``optional``: None is
    allowed (and returned); ``why`` is said after the range when a value is outside it.

    Calling it returns the value (as an int or a float) or raises a one-line ValueError."""

    keyword: str
    option: str
    low: float
    high: float | None
    kind: type = int
    optional: bool = False
    why: str = ""

    def _name(self) -> str:
        return f"'{self.option}' ({self.keyword})"

    def __call__(self, value):
        """The checked value, or a ValueError naming the option, the keyword and the range."""
        if value is None and self.optional:
            return None
        number = self._number(value)
        if number < self.low or (self.high is not None and number > self.high):
            why = f" ({self.why})" if self.why else ""
            range_text = f"{self.low}<=x<={self.high}" if self.high is not None else f"x>={self.low}"
            raise ValueError(f"Invalid value for {self._name()}: {quoted(number)} is not in the range "
                             f"{range_text}{why}.")
        return number

    def _number(self, value):
        """``value`` as an int (or float), refusing booleans, text and anything else."""
        if self.kind is int:
            if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
                return int(value)
            raise ValueError(f"Invalid value for {self._name()}: {quoted(value)} is not a valid integer.")
        if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and not math.isnan(value):
            return float(value)
        raise ValueError(f"Invalid value for {self._name()}: {quoted(value)} is not a valid float.")


MAX_STEPS = Bounded("max_steps", "--max-steps", 1, MAX_BUDGET)
WORKERS = Bounded("workers", "--workers", 1, 256)
MIXTURE_MAX_BITS = Bounded("max_bits", "--max-bits", 1, 40,
                           why="every program up to 2^40 bits is the most a mixture enumerates")
ENUMERATE_MAX_BITS = Bounded("max_bits", "--max-bits", 1, 62)
OUTPUT_BITS = Bounded("output_bits", "--output-bits", 1, 1 << 16)
RUN_OUTPUT_BITS = Bounded("output_bits", "--output-bits", 1, 1 << 32, why="the most one run may write")
SAMPLE_COUNT = Bounded("count", "--count", 1, 10 ** 8)
SAMPLE_MAX_BITS = Bounded("max_bits", "--max-bits", 1, 4096)
KEEP_LEAVES = Bounded("keep_leaves", "--keep-leaves", 0, 1 << 28)
SPEED = Bounded("speed", "--speed-prior", 0, 1000, kind=float)
STEP_CAP = Bounded("step_cap", "--step-cap", 0, None, optional=True)
TOP = Bounded("top", "--top", 0, 100)
CONTINUE_BITS = Bounded("continue_bits", "--continue", 0, 256)
SEED = Bounded("seed", "--seed", 0, 2 ** 62)
DEPTH = Bounded("depth", "--depth", 1, 4096)
TARGETS = Bounded("targets", "--targets", 1, 64)
CONTROLS = Bounded("controls", "--controls", 0, 64)
EXPERIMENT_MAX_BITS = Bounded("max_bits", "--max-bits", 1, 40, optional=True)
LENGTH = Bounded("length", "--length", 8, 4096)


def check_enumeration(*, max_bits, max_steps, output_bits, workers, keep_leaves) -> None:
    """The budgets of an exhaustive enumeration (``Machine.enumerate``, ``toyinduction enumerate``)."""
    ENUMERATE_MAX_BITS(max_bits)
    MAX_STEPS(max_steps)
    OUTPUT_BITS(output_bits)
    WORKERS(workers)
    KEEP_LEAVES(keep_leaves)
