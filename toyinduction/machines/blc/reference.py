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
or an output that is not a list of bits). With ``finite_input`` the input list ends where the
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
            index = 0                                # 1^i 0: the variable i
            while True:
                if position >= len(bits):
                    raise NeedBits
                if bits[position] == "0":
                    position += 1
                    break
                index += 1
                position += 1
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
    """The bits of a term (inverse of :func:`parse`)."""
    kind = term[0]
    if kind == LAM:
        return "00" + encode(term[1])
    if kind == APP:
        return "01" + encode(term[1]) + encode(term[2])
    return "1" * term[1] + "0"


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


class BLCMachine:
    """One program applied to its input; its output is read bit by bit."""

    def __init__(self, bits: str, max_steps: int, finite_input: bool = False):
        self.bits, self.steps, self.max_steps = bits, 0, max_steps
        self.finite_input = finite_input
        self.program, self.input_start = parse(bits)
        self.bits_read = self.input_start
        self.output: list = []

    def read_input(self, position: int) -> int:
        """Input bit ``position`` (NeedBits beyond the given bits)."""
        if position >= len(self.bits):
            raise NeedBits
        self.bits_read = max(self.bits_read, position + 1)
        return int(self.bits[position])

    def whnf(self, thunk: Thunk, arguments=()):
        """Evaluate ``thunk`` applied to ``arguments`` (thunks, first applied first) to a value."""
        stack = [("arg", argument) for argument in reversed(arguments)]
        value, term, env = None, None, None
        if thunk.value is not None:
            value = thunk.value
        else:
            stack.append(("update", thunk))
            term, env = thunk.term, thunk.env
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
                    target = found[0]
                    if target.value is not None:
                        value = target.value
                    else:
                        stack.append(("update", target))
                        term, env = target.term, target.env
                    continue
                if kind == APP:                        # push the argument, evaluate the function
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
                term, env, value = value.body, (item, value.env), None
            elif isinstance(value, Marker):
                value = Marker(value.name, value.args + (item,))
            elif self.finite_input and value.position >= len(self.bits):
                value = FALSE                          # Tromp's convention: the input list ends (nil)
                stack.append(("arg", item))
            else:                                      # an input cell: λz. z head tail
                self.steps += 1
                bit = self.read_input(value.position)
                stack.append(("arg", Thunk(value=Input(value.position + 1))))
                stack.append(("arg", Thunk(value=TRUE if bit == 0 else FALSE)))
                value = None
                if item.value is not None:
                    value = item.value
                else:
                    stack.append(("update", item))
                    term, env = item.term, item.env

    def run(self, max_output_bits: int) -> tuple[Status, str]:
        """Read the output list; return how the run ended and the bits read."""
        output = self.output
        cell = Thunk(term=(APP, self.program, (VAR, 1)), env=(Thunk(value=Input(self.input_start)), None))
        while True:
            if len(output) >= max_output_bits:
                return Status.OUTPUT_LIMIT, "".join(output)
            value = self.whnf(cell, (Thunk(value=Marker("pair")), Thunk(value=Marker("end"))))
            if isinstance(value, Marker) and value.name == "end" and not value.args:
                return Status.HALTED, "".join(output)          # the empty list: the output ends
            if not (isinstance(value, Marker) and value.name == "pair" and len(value.args) == 3):
                raise BadOutput
            head, tail = value.args[0], value.args[1]
            bit = self.whnf(head, (Thunk(value=Marker("0")), Thunk(value=Marker("1"))))
            if not (isinstance(bit, Marker) and bit.name in "01" and not bit.args):
                raise BadOutput
            output.append(bit.name)
            cell = tail


def run_blc(bits: str, max_steps: int, max_output_bits: int, finite_input: bool = False) -> RunResult:
    """Run ``bits`` (a closed term, then its input) on the reference BLC machine.

    ``finite_input``: the input list ends where the bits end (Tromp's convention for running a
    file), instead of the monotone machine's never-ending input (``bits_limit`` when it runs out).
    """
    from toyinduction.core import Fault

    try:
        machine = BLCMachine(bits, max_steps, finite_input)
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


#: Identifies the machine (this module's semantics) wherever results are keyed.
SPEC_HASH = "blc-tromp-lazy-1"


def show(term) -> str:
    """A term in de Bruijn notation: λ for an abstraction, juxtaposition for application."""
    kind = term[0]
    if kind == VAR:
        return str(term[1])
    if kind == LAM:
        return "λ" + show(term[1])
    function, argument = show(term[1]), show(term[2])
    if term[1][0] == LAM:
        function = f"({function})"
    if term[2][0] != VAR:
        argument = f"({argument})"
    return f"{function} {argument}"


def describe(bits: str) -> str:
    """A program's term, then the input bits after it."""
    try:
        term, end = parse(bits)
    except (NeedBits, FreeVariable):
        return f"(not a closed term) {bits}"
    return show(term) + (f"   input: {bits[end:]}" if bits[end:] else "")
