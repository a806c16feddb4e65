"""The machine's interface: how a run ends, what it reports, how bit strings are passed.

Every run of a toy program ends in exactly one named :class:`Status`:

    halted        the program executed a halting instruction (top-level ``end`` or ``ret``)
    step_limit    the step budget was used up (steps counts executed instructions, the halting
                  one included; an ``eval`` costs 1 plus every step its child ran)
    output_limit  the output reached the requested number of bits
    bits_limit    the program needed a program bit beyond the bits it was given
    fault         the program did something undefined (see :class:`Fault`)

and reports ``steps``, ``bits_read`` (program bits consumed, as instructions or as data) and its
``output``. Both interpreters (the pure-Python reference and the numba kernel) return the same
:class:`RunResult`.
"""

from __future__ import annotations

import enum
import numbers
from dataclasses import dataclass

import numpy as np

from toyinduction import validate
from toyinduction.validate import DEFAULT_WORKERS, ENUMERATE_OUTPUT_BITS


class _Named(enum.IntEnum):
    """An integer code that prints, and goes into JSON, by its lower-case name."""

    @property
    def label(self) -> str:
        """Lower-case name used in JSON and on the command line."""
        return self.name.lower()

    def __str__(self) -> str:
        return self.label

    __repr__ = __str__


class Status(_Named):
    """How a run ended. The integer values are what ``eval`` pushes for its child."""

    HALTED = 0
    STEP_LIMIT = 1
    OUTPUT_LIMIT = 2
    BITS_LIMIT = 3
    FAULT = 4


class Fault(_Named):
    """Why a run ended in :attr:`Status.FAULT` (0 = no fault)."""

    NONE = 0
    STACK_UNDERFLOW = 1
    STACK_OVERFLOW = 2
    MEMORY_ADDRESS = 3
    DIVISION_BY_ZERO = 4
    READ_WIDTH = 5            # read of k bits with k outside 0..62
    UNDEFINED_SUBROUTINE = 6
    CALL_DEPTH = 7
    LOOP_DEPTH = 8
    BLOCK_NESTING = 9
    TOO_MANY_SUBROUTINES = 10
    MISPLACED_ELSE = 11       # else executed that belongs to no if
    BREAK_OUTSIDE_LOOP = 12
    INDEX_OUTSIDE_LOOP = 13
    LITERAL_TOO_LARGE = 14    # Elias gamma exponent above 62
    EVAL_DEPTH = 15
    BAD_BIT_STRING = 16       # eval of a value < 1
    INTERNAL = 17             # a broken invariant; reported instead of crashing (never seen)
    FREE_VARIABLE = 18        # blc: the program text is an open term
    BAD_OUTPUT = 19           # blc: the result is not a list of bits
    HEAP_LIMIT = 20           # blc: the heap (thunks, environments, the stack) reached its limit


@dataclass(frozen=True)
class RunResult:
    """What one run of a program reports."""

    status: Status
    output: str          # the emitted bits, as a string of 0/1
    steps: int
    bits_read: int
    fault: Fault = Fault.NONE

    def __repr__(self) -> str:
        fault = f", fault={self.fault.label}" if self.status == Status.FAULT else ""
        return (f"RunResult(status={self.status.label}, output={self.output!r}, steps={self.steps}, "
                f"bits_read={self.bits_read}{fault})")

    def to_json(self) -> dict:
        """Plain-data form for ``--json`` output."""
        document = {"output": self.output, "status": self.status.label, "steps": self.steps,
                    "bits_read": self.bits_read}
        if self.status == Status.FAULT:
            document["fault"] = self.fault.label
        return document


def bits_to_array(bits) -> np.ndarray:
    """A bit string ('0110'), a sequence of 0/1, or an array -> a uint8 numpy array of 0/1.

    Raises ValueError naming the first character that is not a bit.
    """
    if isinstance(bits, np.ndarray):
        array = bits.astype(np.uint8, copy=False)
        if array.ndim != 1 or (array.size and array.max() > 1):
            raise ValueError("bit arrays must be one-dimensional and hold only 0 and 1")
        return array
    if isinstance(bits, str):
        for position, character in enumerate(bits):
            if character not in "01":
                raise ValueError(f"not a bit string: character {character!r} at position {position}")
        return np.frombuffer(bits.encode(), dtype=np.uint8) - ord("0")
    array = np.asarray(list(bits), dtype=np.int64)
    if array.size and (array.min() < 0 or array.max() > 1):
        raise ValueError("bit sequences may hold only 0 and 1")
    return array.astype(np.uint8)


def bits_matrix(rows) -> tuple[np.ndarray, np.ndarray]:
    """Bit strings as one uint8 matrix, zero-padded to the longest (at least 1 column), and
    their lengths: the batch kernels' input."""
    width = max(max((len(r) for r in rows), default=1), 1)
    matrix = np.zeros((len(rows), width), dtype=np.uint8)
    lengths = np.zeros(len(rows), dtype=np.int64)
    for row, bits in enumerate(rows):
        matrix[row, : len(bits)] = np.frombuffer(bits.encode(), dtype=np.uint8) - 48
        lengths[row] = len(bits)
    return matrix, lengths


def array_to_bits(array) -> str:
    """A sequence of 0/1 -> the bit string '0110…'."""
    return "".join("1" if bit else "0" for bit in array)


def pack_bits(bits: str) -> int:
    """A bit string of at most 62 bits -> its bit-string value 1b₁b₂…: a leading 1, then the bits.

    This is how ``eval`` receives programs and returns outputs: every value v >= 1 is the bit
    string of v's binary digits after the leading 1 (so 1 is the empty string).
    """
    if len(bits) > 62:
        raise ValueError(f"bit-string values hold at most 62 bits, got {len(bits)}")
    return int("1" + bits, 2)


def unpack_bits(value: int) -> str:
    """Inverse of :func:`pack_bits` for a value >= 1."""
    if value < 1:
        raise ValueError(f"bit-string values are >= 1, got {value}")
    return bin(value)[3:]


class Machine:
    """A reference machine: what every machine the project runs, enumerates and mixes provides.

    A machine reads its program as a bit string, one bit at a time, and never reads a bit it
    does not need (a *monotone prefix* machine): that is what makes the prior 2^-length a
    measure and an exhaustive enumeration exact. Subclasses implement :meth:`run`,
    :meth:`assemble`, :meth:`disassemble`, :meth:`enumerate` and :meth:`sample`; the registry
    (:func:`toyinduction.machines.machine`) hands them out by name, and the mixture, the store
    and the command line take any of them.
    """

    #: Registry name ("toy", "blc", ...).
    name: str = ""
    #: Identifies the machine's semantics wherever results are keyed (the run store).
    spec_hash: str = ""
    #: File suffix of the machine's assembly source.
    source_suffix: str = ""
    #: One line for ``toyinduction machines``.
    summary: str = ""

    def run(self, program: str, *, max_steps: int = 1_000_000, output_bits: int = 64) -> RunResult:
        """Run ``program`` (a bit string) for at most ``max_steps`` steps and ``output_bits`` output bits."""
        raise NotImplementedError

    def run_many(self, programs, *, max_steps: int, output_bits: int) -> list:
        """Run several programs with the same budgets (machines with a batch kernel override this)."""
        return [self.run(program, max_steps=max_steps, output_bits=output_bits) for program in programs]

    def assemble(self, text: str, source: str = "<text>") -> str:
        """Assembly text -> program bits (errors name ``source``:line:column)."""
        raise NotImplementedError

    def assemble_file(self, path) -> str:
        """An assembly file -> program bits."""
        raise NotImplementedError

    def disassemble(self, program: str, *, max_steps: int = 100_000) -> str:
        """Program bits -> readable text (``max_steps``: for machines that run a program to tell
        its code from the data it reads)."""
        raise NotImplementedError

    def enumerate(self, max_bits: int, *, max_steps: int = 1000, output_bits: int = ENUMERATE_OUTPUT_BITS, store=None,
                  workers: int = DEFAULT_WORKERS, progress=None, keep_leaves: int = 200_000, fresh: bool = False):
        """Every program of at most ``max_bits`` bits, with exact prior masses (an ``Enumeration``).
        The defaults are ``toyinduction enumerate``'s (:data:`~toyinduction.validate.ENUMERATE_OUTPUT_BITS`
        output bits, all cores), and so are the checks (:func:`toyinduction.validate.check_enumeration`)."""
        raise NotImplementedError

    def sample(self, count: int, *, max_bits: int, max_steps: int = 1000, output_bits: int = 32, seed: int = 0,
               progress=None):
        """``count`` programs drawn from the prior 2^-length (a ``Sample``); ``progress(done, count)``
        is called as batches of samples finish."""
        raise NotImplementedError

    def describe(self) -> dict:
        """Name, spec hash and what kind of machine this is, as plain data."""
        return {"name": self.name, "spec_hash": self.spec_hash, "source_suffix": self.source_suffix,
                "summary": self.summary}

    def __repr__(self) -> str:
        return f"<machine {self.name} {self.spec_hash}>"


def names_a_file(path) -> bool:
    """Whether ``path`` names an existing file; a name the OS refuses (too long, ...) is not one."""
    from pathlib import Path

    try:
        return Path(path).is_file()
    except OSError:
        return False


def bit_sequence(value) -> str:
    """Observed bits — a string of 0 and 1, a list (or tuple) of 0/1, or a one-dimensional
    numpy array of 0/1 — as a bit string; refuses anything else and the empty sequence."""
    if isinstance(value, str):
        bits_to_array(value)
        text = value
    elif isinstance(value, (list, tuple, np.ndarray)):
        items = np.asarray(value)
        if items.ndim != 1 or not all(isinstance(bit, (numbers.Integral, np.bool_)) and bit in (0, 1)
                                      for bit in items.tolist()):
            raise ValueError(f"not a bit sequence: {validate.quoted(value)} (give 0s and 1s: '0101', [0, 1, 0, 1] or a "
                             f"one-dimensional numpy array of 0/1)")
        text = array_to_bits(items.tolist())
    else:
        raise ValueError(f"not a bit sequence: {validate.quoted(value)} (give 0s and 1s: '0101', [0, 1, 0, 1] or a "
                         f"one-dimensional numpy array of 0/1)")
    if not text:
        raise ValueError("empty sequence: give at least one bit (on the command line: bits, a file of bits, or a program)")
    return text
