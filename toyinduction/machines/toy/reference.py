"""The slow, obvious interpreter: the semantic definition of the toy language.

A plain pipeline, as in an interpreter textbook:

    bits --(decode, lazily)--> instruction list --(eval loop)--> output and status

Decoding is lazy: the machine decodes the next instruction only when execution reaches the end
of what it has decoded, or when it must find the ``end`` of a block it jumps over. Data bits
(``read``) come from the same stream at the current read position. Blocks are matched while
decoding: an ``end`` closes the innermost open block, an ``else`` belongs to the innermost
open ``if`` (its first ``else`` only).

A composite's codeword decodes to its body: the body's instructions are queued and decoded one
at a time from the queue, before any further program bit, exactly as if they had been read at
that point (block matching, nesting limits and faults included); each executes as itself.

The numba kernel in :mod:`toyinduction.machines.toy.kernel` must agree with this module on every
program; the tests check that. Nothing here is optimised.
"""

from __future__ import annotations

from dataclasses import dataclass

from toyinduction.machines.toy.language import HAS_OPERAND, MAX_LITERAL_EXPONENT, MAX_PACKED_BITS, STACK_GROWS, STACK_NEEDS, Language
from toyinduction.core import Fault, RunResult, Status, pack_bits, unpack_bits

WORD = 2 ** 64


def wrap(value: int) -> int:
    """Reduce an integer to a signed 64-bit value (two's complement wrap-around)."""
    return (value + 2 ** 63) % WORD - 2 ** 63


def mix_input(a: int, b: int) -> int:
    """What mix hashes: a + phi*(b + 1) mod 2^64 (two argument pairs with the same input have
    the same mix; an intervention on the physics changes an input, not a pair)."""
    return (a + 0x9E3779B97F4A7C15 * (b + 1)) % WORD


def mix(a: int, b: int) -> int:
    """The hash primitive: splitmix64's finaliser applied to a + phi*(b + 1), top 62 bits."""
    x = mix_input(a, b)
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) % WORD
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) % WORD
    x ^= x >> 31
    return x >> 2


class NeedBits(Exception):
    """The program needs a bit beyond those it was given (status bits_limit)."""


class Stop(Exception):
    """The run ends with ``status`` (and ``fault``)."""

    def __init__(self, status: Status, fault: Fault = Fault.NONE):
        super().__init__(status.label)
        self.status, self.fault = status, fault


@dataclass
class Instruction:
    """One decoded instruction. ``match``: for a block opener its ``end``; for ``end`` and
    ``else`` their opener (None: unmatched). ``else_at``: for ``if``, its ``else`` if any."""

    mnemonic: str
    operand: int | None = None
    match: int | None = None
    else_at: int | None = None


class Clock:
    """Steps used, shared by a program and every program it evals."""

    def __init__(self):
        self.steps = 0


class ReferenceMachine:
    """One program being run: its bits, decoded code, stacks, memory and output."""

    def __init__(self, language: Language, bits: str, clock: Clock, step_end: int, output_limit: int,
                 depth: int = 0):
        self.language, self.limits = language, language.limits
        self.decode_table = language.decode_table
        self.bits, self.position = bits, 0
        self.code: list[Instruction] = []
        self.expansion: list[tuple] = []            # body instructions of a composite still to decode
        self.open_blocks: list[int] = []
        self.subroutines: list[int] = []
        self.stack: list[int] = []
        self.memory = [0] * self.limits["memory_cells"]
        self.calls: list[tuple[int, int]] = []      # (return address, loop-stack height)
        self.loops: list[list[int]] = []            # [opener, count (-1: forever), index]
        self.output: list[int] = []
        self.pc = 0
        self.clock, self.step_end, self.output_limit, self.depth = clock, step_end, output_limit, depth
        self.fault = Fault.NONE

    # ----- reading the program ------------------------------------------------------------------
    def read_bit(self) -> int:
        """The next program bit (NeedBits when there is none)."""
        if self.position >= len(self.bits):
            raise NeedBits
        bit = int(self.bits[self.position])
        self.position += 1
        return bit

    def decode_next(self) -> None:
        """Decode one instruction and append it (all or nothing): the next of a composite's body,
        else the one at the read position (a composite's codeword: the first of its body)."""
        if self.expansion:
            self.append(*self.expansion.pop(0))
            return
        start = self.position
        try:
            word = ""
            while word not in self.decode_table:
                word += str(self.read_bit())
            mnemonic = self.decode_table[word]
            operand = None
            if mnemonic in self.language.composites:
                (mnemonic, operand), *self.expansion = self.language.composites[mnemonic]
            elif HAS_OPERAND[mnemonic]:
                zeros = 0
                while self.read_bit() == 0:
                    zeros += 1
                    if zeros > MAX_LITERAL_EXPONENT:
                        raise Stop(Status.FAULT, Fault.LITERAL_TOO_LARGE)
                value = 1
                for _ in range(zeros):
                    value = 2 * value + self.read_bit()
                operand = value - 1
        except NeedBits:
            self.position = start
            raise
        self.append(mnemonic, operand)

    def append(self, mnemonic: str, operand) -> None:
        """Append a decoded instruction, matching blocks (faults past the nesting limits)."""
        index = len(self.code)
        instruction = Instruction(mnemonic, operand)
        if mnemonic in ("if", "rep", "loop", "def"):
            if len(self.open_blocks) >= self.limits["block_nesting"]:
                raise Stop(Status.FAULT, Fault.BLOCK_NESTING)
            if mnemonic == "def":
                if len(self.subroutines) >= self.limits["max_subroutines"]:
                    raise Stop(Status.FAULT, Fault.TOO_MANY_SUBROUTINES)
                self.subroutines.append(index)
            self.open_blocks.append(index)
        elif mnemonic == "else":
            if self.open_blocks:
                opener = self.code[self.open_blocks[-1]]
                if opener.mnemonic == "if" and opener.else_at is None:
                    opener.else_at = index
                    instruction.match = self.open_blocks[-1]
        elif mnemonic == "end":
            if self.open_blocks:
                opener_index = self.open_blocks.pop()
                self.code[opener_index].match = index
                instruction.match = opener_index
        self.code.append(instruction)

    def decode_until_closed(self, opener: int) -> int:
        """Decode until the block opened at ``opener`` has its ``end``; return that index."""
        while self.code[opener].match is None:
            self.decode_next()
        return self.code[opener].match

    # ----- the stack ----------------------------------------------------------------------------
    def need(self, count: int) -> None:
        """Fault unless the stack holds ``count`` values."""
        if len(self.stack) < count:
            raise Stop(Status.FAULT, Fault.STACK_UNDERFLOW)

    def room(self, count: int = 1) -> None:
        """Fault unless ``count`` more values fit on the stack."""
        if len(self.stack) + count > self.limits["stack_depth"]:
            raise Stop(Status.FAULT, Fault.STACK_OVERFLOW)

    def pop(self) -> int:
        """Pop the top value."""
        self.need(1)
        return self.stack.pop()

    def push(self, value: int) -> None:
        """Push a value, wrapped to 64 bits."""
        self.room()
        self.stack.append(wrap(value))

    def address(self, value: int) -> int:
        """A memory address, or a fault."""
        if not 0 <= value < len(self.memory):
            raise Stop(Status.FAULT, Fault.MEMORY_ADDRESS)
        return value

    def loop_base(self) -> int:
        """Height of the loop stack when the current call began (0 in the main program)."""
        return self.calls[-1][1] if self.calls else 0

    def do_return(self) -> None:
        """ret, or the end of a def: back to the caller; in the main program, halt."""
        if not self.calls:
            self.clock.steps += 1
            raise Stop(Status.HALTED)
        self.pc, height = self.calls.pop()
        del self.loops[height:]

    # ----- the eval loop ------------------------------------------------------------------------
    def run(self) -> Status:
        """Run until the program stops; return its status (faults raise Stop)."""
        while True:
            if self.clock.steps >= self.step_end:
                return Status.STEP_LIMIT
            if self.pc == len(self.code):
                self.decode_next()
                continue
            self.execute(self.code[self.pc])

    def execute(self, instruction: Instruction) -> None:
        """Execute the instruction at pc; advance pc; count one step."""
        m, pc, code = instruction.mnemonic, self.pc, self.code
        next_pc = pc + 1
        # every instruction first checks its stack effect (the table's "stack" column)
        self.need(STACK_NEEDS[m])
        self.room(STACK_GROWS[m])
        # -- push n: a literal
        if m == "push":
            self.push(instruction.operand)
        # -- dup drop swap over rot: stack shuffles
        elif m == "dup":
            self.need(1)
            self.push(self.stack[-1])
        elif m == "drop":
            self.pop()
        elif m == "swap":
            self.need(2)
            self.stack[-1], self.stack[-2] = self.stack[-2], self.stack[-1]
        elif m == "over":
            self.need(2)
            self.push(self.stack[-2])
        elif m == "rot":
            self.need(3)
            self.stack.append(self.stack.pop(-3))
        # -- binary arithmetic and logic: a b -- f(a, b)
        elif m in ("add", "sub", "mul", "eq", "lt", "and", "or", "xor", "shr", "mix", "div", "mod"):
            self.need(2)
            b, a = self.stack[-1], self.stack[-2]
            if m in ("div", "mod") and b == 0:
                raise Stop(Status.FAULT, Fault.DIVISION_BY_ZERO)
            result = {
                "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
                "div": lambda: a // b, "mod": lambda: a % b,
                "eq": lambda: int(a == b), "lt": lambda: int(a < b),
                "and": lambda: a & b, "or": lambda: a | b, "xor": lambda: a ^ b,
                "shr": lambda: a >> min(max(b, 0), 63), "mix": lambda: mix(a, b),
            }[m]()
            del self.stack[-2:]
            self.push(result)
        # -- inc not: unary
        elif m == "inc":
            self.push(self.pop() + 1)
        elif m == "not":
            self.push(int(self.pop() == 0))
        # -- load store: memory
        elif m == "load":
            self.need(1)
            self.stack[-1] = self.memory[self.address(self.stack[-1])]
        elif m == "store":
            self.need(2)
            self.memory[self.address(self.stack[-1])] = self.stack[-2]
            del self.stack[-2:]
        # -- if ... [else ...] end
        elif m == "if":
            self.need(1)
            if self.stack[-1] == 0:
                end = self.decode_until_closed(pc)
                else_at = code[pc].else_at
                next_pc = (else_at if else_at is not None else end) + 1
            self.stack.pop()
        # -- else: reached from the then-branch, jump past the end
        elif m == "else":
            if instruction.match is None:
                raise Stop(Status.FAULT, Fault.MISPLACED_ELSE)
            next_pc = self.decode_until_closed(instruction.match) + 1
        # -- end: close a block (loop back, return, or halt when nothing is open)
        elif m == "end":
            opener = instruction.match
            if opener is None:
                self.clock.steps += 1
                raise Stop(Status.HALTED)
            kind = code[opener].mnemonic
            if kind in ("rep", "loop"):
                if len(self.loops) <= self.loop_base() or self.loops[-1][0] != opener:
                    raise Stop(Status.FAULT, Fault.INTERNAL)
                frame = self.loops[-1]
                frame[2] += 1
                if kind == "loop" or frame[2] < frame[1]:
                    next_pc = opener + 1
                else:
                    self.loops.pop()
            elif kind == "def":
                self.do_return()
                next_pc = self.pc
        # -- rep ... end: counted loop; loop ... end: forever
        elif m == "rep":
            self.need(1)
            count = self.stack[-1]
            if count <= 0:
                next_pc = self.decode_until_closed(pc) + 1
            else:
                if len(self.loops) >= self.limits["loop_depth"]:
                    raise Stop(Status.FAULT, Fault.LOOP_DEPTH)
                self.loops.append([pc, count, 0])
            self.stack.pop()
        elif m == "loop":
            if len(self.loops) >= self.limits["loop_depth"]:
                raise Stop(Status.FAULT, Fault.LOOP_DEPTH)
            self.loops.append([pc, -1, 0])
        # -- brk: leave the innermost loop when the top is non-zero
        elif m == "brk":
            self.need(1)
            if self.stack[-1] != 0:
                if len(self.loops) <= self.loop_base():
                    raise Stop(Status.FAULT, Fault.BREAK_OUTSIDE_LOOP)
                opener = self.loops[-1][0]
                next_pc = self.decode_until_closed(opener) + 1
                self.loops.pop()
            self.stack.pop()
        # -- idx: the innermost loop's iteration index
        elif m == "idx":
            if len(self.loops) <= self.loop_base():
                raise Stop(Status.FAULT, Fault.INDEX_OUTSIDE_LOOP)
            self.push(self.loops[-1][2])
        # -- def ... end: skip the body (it was numbered when decoded)
        elif m == "def":
            next_pc = self.decode_until_closed(pc) + 1
        # -- call n / ret
        elif m == "call":
            if instruction.operand >= len(self.subroutines):
                raise Stop(Status.FAULT, Fault.UNDEFINED_SUBROUTINE)
            if len(self.calls) >= self.limits["call_depth"]:
                raise Stop(Status.FAULT, Fault.CALL_DEPTH)
            self.calls.append((pc + 1, len(self.loops)))
            next_pc = self.subroutines[instruction.operand] + 1
        elif m == "ret":
            self.do_return()
            next_pc = self.pc
        # -- out: emit a bit
        elif m == "out":
            self.need(1)
            if len(self.output) >= self.output_limit:
                raise Stop(Status.OUTPUT_LIMIT)
            self.output.append(self.stack.pop() & 1)
            if len(self.output) >= self.output_limit:
                self.clock.steps += 1
                raise Stop(Status.OUTPUT_LIMIT)
        # -- read: k program bits as data
        elif m == "read":
            self.need(1)
            width = self.stack[-1]
            if not 0 <= width <= MAX_PACKED_BITS:
                raise Stop(Status.FAULT, Fault.READ_WIDTH)
            if self.position + width > len(self.bits):
                raise NeedBits
            self.stack[-1] = int("0" + self.bits[self.position:self.position + width], 2)
            self.position += width
        # -- eval: run a bit string as a program of the same language
        elif m == "eval":
            self.need(3)
            if self.depth >= self.limits["eval_depth"]:
                raise Stop(Status.FAULT, Fault.EVAL_DEPTH)
            program, budget, width = self.stack[-3], self.stack[-2], self.stack[-1]
            if program < 1:
                raise Stop(Status.FAULT, Fault.BAD_BIT_STRING)
            del self.stack[-3:]
            self.clock.steps += 1            # eval's own step, paid up front
            remaining = self.step_end - self.clock.steps
            child = self.child(unpack_bits(program), self.clock.steps + min(max(budget, 0), remaining),
                               min(max(width, 0), MAX_PACKED_BITS))
            status = child.run_to_status()
            self.push(pack_bits("".join(map(str, child.output))))
            self.push(int(status))
            self.pc = next_pc
            return
        else:  # pragma: no cover - the table and this dispatch are kept in step by a test
            raise AssertionError(f"no semantics for {m!r}")
        self.clock.steps += 1
        self.pc = next_pc

    def child(self, bits: str, step_end: int, width: int) -> "ReferenceMachine":
        """The machine ``eval`` runs a program on: the same language and clock, one level deeper."""
        return ReferenceMachine(self.language, bits, self.clock, step_end, width, self.depth + 1)

    def run_to_status(self) -> Status:
        """Run and turn every way of stopping into a status (faults included)."""
        try:
            return self.run()
        except Stop as stop:
            self.fault = stop.fault
            return stop.status
        except NeedBits:
            return Status.BITS_LIMIT


def run_reference(language: Language, bits: str, max_steps: int, max_output_bits: int) -> RunResult:
    """Run ``bits`` as a program of ``language`` with the pure-Python reference interpreter.

    Stops at the first of: halting, ``max_steps`` executed steps, ``max_output_bits`` output
    bits, needing a bit beyond ``bits``, or a fault. ``bits_read`` is the number of program bits
    consumed (all of ``bits`` when the run stopped for want of more).
    """
    clock = Clock()
    machine = ReferenceMachine(language, bits, clock, max_steps, max_output_bits)
    status = machine.run_to_status()
    bits_read = len(bits) if status == Status.BITS_LIMIT else machine.position
    return RunResult(status=status, output="".join(map(str, machine.output)), steps=clock.steps,
                     bits_read=bits_read, fault=machine.fault)
