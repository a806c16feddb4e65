"""Binary lambda calculus (Tromp) as a monotone machine: the reference interpreter.

Encoding: λM = 00 M, (M N) = 01 M N, the de Bruijn variable i >= 1 = 1^i 0. A program is a
closed term read from the front of the bit stream; it is applied to the rest of the stream,
read lazily as a list of bits, and its result is read lazily as a list of bits. Lists and bits
follow Tromp's convention: the bit 0 is True = λλ2, the bit 1 is False = λλ1, a list cell is
λz. z head tail, and the empty list is False. The input never ends (the machine is monotone):
a program that needs an input bit beyond the bits given stops with ``bits_limit``.

Evaluation is lazy (call by need): a Krivine machine whose closures are memoised thunks, so
shared arguments are evaluated once. A step is one transition of the machine. Every run ends
in a named Status: ``halted`` (the output list ended), ``step_limit``, ``output_limit``,
``bits_limit`` (the program text or the input needs more bits), or ``fault`` (a free variable,
an output that is not a list of bits, or ``heap_limit``: the heap reached its limit, set from the
budgets and the available memory). With ``finite_input`` the input list ends where the
given bits end, as when Tromp's interpreter runs a file; the published quine needs that.
"""

from __future__ import annotations

from dataclasses import dataclass

from toyinduction.core import RunResult, Status

# ---------------------------------------------------------------------------------------------
# Published programs (John Tromp, "Binary lambda calculus", and his repository tromp/AIT; the same
# bits appear in several independent implementations). Kept as data; tests check what they do.
# ---------------------------------------------------------------------------------------------
TROMP_UNIVERSAL = ("0101000110100000000101011000000000011110000101111110011110000101110011110000001111000010110110111001"
                   "1111000011111000010111101001110100101100111000011011000010111110000111110000111001101111011111001111"
                   "01110110000110010001101000011010")   # 232 bits: the universal machine U
TROMP_PRIMES = ("0001000110011001010001101000000001011000001001000101011111011110100100011010000111001101000000000010"
                "1101110011100111111101111000000001111100110111000000101100000110110")  # 167 bits
TROMP_QUINE = "000101100100011010000000000001011011110010111100111111011111011010"     # 66 bits

# ---------------------------------------------------------------------------------------------
# terms
# ---------------------------------------------------------------------------------------------
LAM, APP, VAR = "lam", "app", "var"


class NeedBits(Exception):
    """More bits are needed than were given."""


class FreeVariable(Exception):
    """The program text is an open term."""


def parse(bits: str, position: int = 0, depth: int = 0):
    """Parse one term from ``bits`` at ``position`` under ``depth`` binders: (term, next position).

    Raises NeedBits if the bits end inside the term, FreeVariable for an index above ``depth``.
    Iterative, so deep terms are fine.
    """
    # a stack of frames: ("app1", depth) waits for the function, ("app2", f) for the argument,
    # ("lam",) wraps a body
    stack, term = [], None
    while True:
        if term is None:
            if position + 2 > len(bits):
                raise NeedBits
            if bits[position] == "0":
                kind = bits[position + 1]
                position += 2
                if kind == "0":                      # 00: a lambda; its body is at depth + 1
                    stack.append(("lam", depth))
                    depth += 1
                else:                                # 01: an application of two terms
                    stack.append(("app1", depth))
                continue
            end = bits.find("0", position)           # 1^i 0: the variable i
            if end < 0:
                raise NeedBits
            index, position = end - position, end + 1
            if index > depth:
                raise FreeVariable(f"variable {index} under {depth} binders")
            term = (VAR, index)
        if not stack:
            return term, position
        frame = stack.pop()
        if frame[0] == "lam":
            term, depth = (LAM, term), frame[1]
        elif frame[0] == "app1":
            stack.append(("app2", term, frame[1]))
            depth, term = frame[1], None
        else:
            term = (APP, frame[1], term)
            depth = frame[2]


def encode(term) -> str:
    """The bits of a term (inverse of :func:`parse`). Iterative, so deep terms are fine."""
    pieces, work = [], [term]
    while work:
        node = work.pop()
        kind = node[0]
        if kind == LAM:
            pieces.append("00")
            work.append(node[1])
        elif kind == APP:
            pieces.append("01")
            work.append(node[2])                     # the argument after the function
            work.append(node[1])
        else:
            pieces.append("1" * node[1] + "0")
    return "".join(pieces)


def closed_term_counts(max_size: int) -> list:
    """Closed terms of each size 0..max_size, by exhaustive enumeration of the tree of reads:
    bit strings are extended one bit at a time while they can still become a closed term, and
    counted when one is complete. A parser state is (bits read, binding depths of the terms
    still to read, what the last bits started: "term", "zero" after a 0, or k ones of a
    variable)."""
    counts = [0] * (max_size + 1)
    stack = [(0, (0,), "term")]
    while stack:
        length, pending, mode = stack.pop()
        if not pending:
            counts[length] += 1                              # a complete closed term
            continue
        if length == max_size:
            continue
        depth, rest = pending[-1], pending[:-1]
        if mode == "term":
            stack.append((length + 1, pending, "zero"))      # 0: a lambda or an application follows
            if depth >= 1:
                stack.append((length + 1, pending, 1))       # 1: a variable starts
        elif mode == "zero":
            stack.append((length + 1, rest + (depth + 1,), "term"))       # 00: λ, body one deeper
            stack.append((length + 1, rest + (depth, depth), "term"))     # 01: function and argument
        else:
            if mode + 1 <= depth:
                stack.append((length + 1, pending, mode + 1))              # another 1: a larger index
            stack.append((length + 1, rest, "term"))                       # 0: the variable ends
    return counts


def closed_term_counts_by_recurrence(max_size: int) -> list:
    """The same counts from the recurrence on (size, depth), as an independent check."""
    from functools import lru_cache

    @lru_cache(maxsize=None)
    def count(size: int, depth: int) -> int:
        if size < 2:
            return 0
        total = 1 if size - 1 <= depth else 0                  # the variable size-1
        total += count(size - 2, depth + 1)                     # λ
        total += sum(count(a, depth) * count(size - 2 - a, depth) for a in range(2, size - 3))  # application
        return total

    return [count(n, 0) for n in range(max_size + 1)]


# ---------------------------------------------------------------------------------------------
# the machine: a lazy Krivine machine
# ---------------------------------------------------------------------------------------------
class Thunk:
    """A term in an environment, evaluated at most once (call by need)."""

    __slots__ = ("term", "env", "value")

    def __init__(self, term=None, env=None, value=None):
        self.term, self.env, self.value = term, env, value


@dataclass(frozen=True)
class Closure:
    """A value: a lambda with its environment (a linked list of thunks: (thunk, rest) or None)."""

    body: tuple
    env: object


@dataclass(frozen=True)
class Marker:
    """A value: an inert native constant, collecting the arguments it is applied to."""

    name: str
    args: tuple = ()


@dataclass(frozen=True)
class Input:
    """A value: the input list from bit ``position`` on (read only when the cell is used)."""

    position: int


TRUE = Closure((LAM, (VAR, 2)), None)     # λλ2: the bit 0
FALSE = Closure((LAM, (VAR, 1)), None)    # λλ1: the bit 1 (and the empty list)


class OutOfSteps(Exception):
    """The step budget ran out."""
    pass


class BadOutput(Exception):
    """The result is not a list of bits."""
    pass


class HeapFull(Exception):
    """One of the machine's stores reached the heap limit."""


#: The heap limit below which no memory estimate is asked for (the kernel's first array size).
FIRST_HEAP_CELLS = 1 << 23
#: Bytes a heap cell may cost: the kernel's arrays take 49 per cell of the limit (a thunk 26, an
#: environment cell 8, a marker argument 8, a stack entry 5 and a bit of output), the reference's
#: Python objects about 130 (measured), so one limit suits both.
HEAP_CELL_BYTES = 160
#: The largest heap limit: the kernel's indices are 32-bit.
MAX_HEAP_CELLS = (1 << 31) - 1
#: The heap limit when the available memory is unknown (about 0.8 GiB of kernel arrays).
UNKNOWN_MEMORY_HEAP_CELLS = 1 << 24


def heap_bound(max_steps: int, max_output_bits: int) -> int:
    """Cells no store can exceed within these budgets: every step allocates a bounded number of
    cells, and every output bit a bounded number more."""
    return int(4 * max_steps + 16 * max_output_bits + 64)


def heap_cells_limit(max_steps: int, max_output_bits: int) -> int:
    """The heap limit of a run with these budgets: :func:`heap_bound` (which the run can never
    reach) when that is small, else the cells of :data:`HEAP_CELL_BYTES` that fit in half the
    memory the process may still use (``available_memory``: the smallest of free memory, the
    address-space and data limits and the cgroup limit), at most :data:`MAX_HEAP_CELLS`."""
    bound = heap_bound(max_steps, max_output_bits)
    if bound <= FIRST_HEAP_CELLS:
        return bound
    from toyinduction.engine.parallel import available_memory

    available = available_memory()
    cells = UNKNOWN_MEMORY_HEAP_CELLS if available is None else available // 2 // HEAP_CELL_BYTES
    return max(1024, min(bound, cells, MAX_HEAP_CELLS))


def check_heap_cells(heap_cells) -> None:
    """Refuse (ValueError) a heap limit that is not an integer in 16..MAX_HEAP_CELLS."""
    if isinstance(heap_cells, bool) or not isinstance(heap_cells, int) or not 16 <= heap_cells <= MAX_HEAP_CELLS:
        raise ValueError(f"heap_cells must be an integer in 16..{MAX_HEAP_CELLS}, got {heap_cells!r}")


class BLCMachine:
    """One program applied to its input; its output is read bit by bit.

    The heap has a limit, ``heap_cells``, in each of the machine's four stores: thunks,
    environment cells, the arguments collected by markers, and the stack. They count what the
    numba kernel allocates (cells are never freed), so both machines stop at the same place
    with ``fault`` (``heap_limit``) when one would grow past it.
    """

    def __init__(self, bits: str, max_steps: int, finite_input: bool = False, heap_cells: int | None = None):
        self.bits, self.steps, self.max_steps = bits, 0, max_steps
        self.finite_input = finite_input
        self.heap_cells = MAX_HEAP_CELLS if heap_cells is None else heap_cells
        self.program, self.input_start = parse(bits)
        self.bits_read = self.input_start
        self.output: list = []
        self.thunks, self.env_cells, self.marker_args = 1, 1, 0     # the input thunk and its environment

    def read_input(self, position: int) -> int:
        """Input bit ``position`` (NeedBits beyond the given bits)."""
        if position >= len(self.bits):
            raise NeedBits
        self.bits_read = max(self.bits_read, position + 1)
        return int(self.bits[position])

    def new_thunks(self, count: int, stack: list, pushes: int) -> None:
        """Room for ``count`` new thunks and ``pushes`` more stack entries, or HeapFull."""
        if self.thunks + count > self.heap_cells or len(stack) + pushes > self.heap_cells:
            raise HeapFull
        self.thunks += count

    def force(self, thunk: Thunk, stack: list):
        """Start forcing ``thunk``: (value, None, None) if it has one, else push an update frame
        and return (None, its term, its environment)."""
        if thunk.value is not None:
            return thunk.value, None, None
        if len(stack) + 1 > self.heap_cells:
            raise HeapFull
        stack.append(("update", thunk))
        return None, thunk.term, thunk.env

    def whnf(self, stack: list, value=None, term=None, env=None):
        """Evaluate ``value``, or ``term`` in ``env``, against ``stack`` (arguments and update
        frames, the next to apply last) to a value."""
        while True:
            if value is None:
                self.steps += 1
                if self.steps > self.max_steps:
                    raise OutOfSteps
                kind = term[0]
                if kind == VAR:                        # look the variable up; force its thunk
                    found = env
                    for _ in range(term[1] - 1):
                        found = found[1]
                    value, term, env = self.force(found[0], stack)
                    continue
                if kind == APP:                        # push the argument, evaluate the function
                    self.new_thunks(1, stack, 1)
                    stack.append(("arg", Thunk(term[2], env)))
                    term = term[1]
                    continue
                value = Closure(term[1], env)          # a lambda: a value
            if not stack:
                return value
            tag, item = stack.pop()
            if tag == "update":                        # memoise the value in the thunk that asked
                item.value = value
                continue
            # apply the value to the argument thunk ``item``
            if isinstance(value, Closure):
                if self.env_cells + 1 > self.heap_cells:
                    raise HeapFull
                self.env_cells += 1
                term, env, value = value.body, (item, value.env), None
            elif isinstance(value, Marker):
                if self.marker_args + 1 > self.heap_cells:
                    raise HeapFull
                self.marker_args += 1
                value = Marker(value.name, value.args + (item,))
            elif self.finite_input and value.position >= len(self.bits):
                value = FALSE                          # Tromp's convention: the input list ends (nil)
                stack.append(("arg", item))
            else:                                      # an input cell: λz. z head tail
                self.steps += 1
                bit = self.read_input(value.position)
                self.new_thunks(2, stack, 2)
                stack.append(("arg", Thunk(value=Input(value.position + 1))))
                stack.append(("arg", Thunk(value=TRUE if bit == 0 else FALSE)))
                value, term, env = self.force(item, stack)

    def evaluate(self, thunk: Thunk | None, markers: tuple) -> object:
        """``thunk`` applied to two new marker thunks (``markers``' names) to a value; None: the
        program applied to its input, the first cell of the output list (one step for the
        application, and the input is a thunk of the variable 1)."""
        stack: list = []
        self.new_thunks(2, stack, 2)
        stack += [("arg", Thunk(value=Marker(markers[1]))), ("arg", Thunk(value=Marker(markers[0])))]
        if thunk is not None:
            value, term, env = self.force(thunk, stack)
            return self.whnf(stack, value, term, env)
        self.steps += 1
        if self.steps > self.max_steps:
            raise OutOfSteps
        self.new_thunks(1, stack, 1)
        stack.append(("arg", Thunk((VAR, 1), (Thunk(value=Input(self.input_start)), None))))
        return self.whnf(stack, None, self.program, None)

    def run(self, max_output_bits: int) -> tuple[Status, str]:
        """Read the output list; return how the run ended and the bits read."""
        output = self.output
        cell = None
        while True:
            if len(output) >= max_output_bits:
                return Status.OUTPUT_LIMIT, "".join(output)
            value = self.evaluate(cell, ("pair", "end"))
            if isinstance(value, Marker) and value.name == "end" and not value.args:
                return Status.HALTED, "".join(output)          # the empty list: the output ends
            if not (isinstance(value, Marker) and value.name == "pair" and len(value.args) == 3):
                raise BadOutput
            head, tail = value.args[0], value.args[1]
            bit = self.evaluate(head, ("0", "1"))
            if not (isinstance(bit, Marker) and bit.name in "01" and not bit.args):
                raise BadOutput
            output.append(bit.name)
            cell = tail


def run_blc(bits: str, max_steps: int, max_output_bits: int, finite_input: bool = False,
            heap_cells: int | None = None) -> RunResult:
    """Run ``bits`` (a closed term, then its input) on the reference BLC machine.

    ``finite_input``: the input list ends where the bits end (Tromp's convention for running a
    file), instead of the monotone machine's never-ending input (``bits_limit`` when it runs out).
    ``heap_cells``: the heap limit (default :func:`heap_cells_limit`, from the budgets and the
    available memory); a run that reaches it ends in ``fault`` (``heap_limit``).
    """
    from toyinduction.core import Fault

    if heap_cells is None:
        heap_cells = heap_cells_limit(max_steps, max_output_bits)
    check_heap_cells(heap_cells)
    try:
        machine = BLCMachine(bits, max_steps, finite_input, heap_cells)
    except NeedBits:
        return RunResult(Status.BITS_LIMIT, "", 0, len(bits))
    except FreeVariable:
        return RunResult(Status.FAULT, "", 0, len(bits), Fault.FREE_VARIABLE)
    try:
        status, text = machine.run(max_output_bits)
        return RunResult(status, text, machine.steps, machine.bits_read)
    except OutOfSteps:
        return RunResult(Status.STEP_LIMIT, "".join(machine.output), max_steps, machine.bits_read)
    except NeedBits:
        return RunResult(Status.BITS_LIMIT, "".join(machine.output), machine.steps, len(bits))
    except BadOutput:
        return RunResult(Status.FAULT, "".join(machine.output), machine.steps, machine.bits_read, Fault.BAD_OUTPUT)
    except HeapFull:
        return RunResult(Status.FAULT, "".join(machine.output), machine.steps, machine.bits_read, Fault.HEAP_LIMIT)


#: Identifies the machine (this module's semantics) wherever results are keyed.
SPEC_HASH = "blc-tromp-lazy-1"


def show(term) -> str:
    """A term in de Bruijn notation: λ for an abstraction, juxtaposition for application.
    Iterative, so deep terms are fine; the text is linear in the term's size."""
    pieces, work = [], [term]
    while work:
        node = work.pop()
        if isinstance(node, str):                    # a parenthesis or the space, in order
            pieces.append(node)
            continue
        kind = node[0]
        if kind == VAR:
            pieces.append(str(node[1]))
        elif kind == LAM:
            pieces.append("λ")
            work.append(node[1])
        else:                                        # "f a": (f) when f is a λ, (a) unless a is a variable
            function, argument = node[1], node[2]
            work += [argument] if argument[0] == VAR else [")", argument, "("]
            work.append(" ")
            work += [")", function, "("] if function[0] == LAM else [function]
    return "".join(pieces)


def describe(bits: str) -> str:
    """A program's term, then the input bits after it."""
    try:
        term, end = parse(bits)
    except (NeedBits, FreeVariable):
        return f"(not a closed term) {bits}"
    return show(term) + (f"   input: {bits[end:]}" if bits[end:] else "")
