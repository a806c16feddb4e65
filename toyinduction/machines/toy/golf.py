"""A superoptimizer for toy programs: lengths that are searched, not authored.

Every conclusion of the malign-prior demo is a difference of two program lengths, and every length
is an upper bound its author found. This module lets a search shorten any program with the same
effort, in the tradition of Massalin's superoptimizer (1987; GNU superopt: exhaustive search of
short instruction sequences, a fast test, then verification) and of STOKE (Schkufza, Sharma and
Aiken 2013: Markov chain Monte Carlo over programs, cost = incorrectness on tests + length).

A program is golfed as a :class:`Template`: its instruction sequence with the file's named
constants kept as names (``DEPTH``, ``QUIET``), so that one golfed text serves every instance of
a program family and can be checked on instances the search never saw. Its behaviour is pinned by
a :class:`Specification`: a list of :class:`Case` (constants, data bits appended after the code,
N output bits); on each case the original program is run once, and a candidate *meets the
specification* when, on every case, it writes the same first N output bits, ends with the same
status (and fault), reads the same number of data bits, and does so within a step budget (by
default twice the original's steps). Equivalence on those inputs is all that is claimed: it is a
test, not a proof. Held-back cases, never seen by the search, are checked afterwards; a golfed
program that fails any of them is reported and not accepted.

Two engines:

- ``peephole``: for every window of up to four consecutive instructions, exhaustive search of
  every shorter replacement (by bits, under the language's codewords). Windows of straight-line
  instructions are tested first, in a small numba kernel, on the machine states the original
  program actually had at the window's entry (recorded by the reference interpreter), so that a
  window is replaced by what is equivalent *in context* (``lt 0 eq not`` is ``lt`` where the
  value is a comparison's); every window, straight-line or not, is also tried deleted or replaced
  by any single shorter instruction. Whatever passes is verified on the whole specification in the
  batch kernel; the shortest verified replacement is applied and the search starts again.
- ``stochastic``: STOKE-style Metropolis sampling over instruction sequences (replace, insert,
  delete, swap instructions, change an operand, move a slice of code anywhere, into another
  subroutine too), cost = length in bits + ``penalty`` per mismatching output bit, with a seed and
  a budget of proposals (reproducible) or seconds. A proposal's acceptance threshold is drawn
  before it runs, so most are rejected after one case.

:func:`golf` validates its inputs and returns a :class:`GolfResult`.
"""

from __future__ import annotations

import math
import random
import re
import time
from dataclasses import dataclass, field

import numpy as np

from toyinduction._numba import jit
from toyinduction.core import Status, bits_matrix, pack_bits
from toyinduction.machines.toy.assembler import Op, Parser, Quote, RawBits, encode, tokenize
from toyinduction.machines.toy.kernel import _binary, run_batch
from toyinduction.machines.toy.language import (BLOCK_OPENERS, HAS_OPERAND, MNEMONICS, SEMANTIC_ID, STACK_EFFECT,
                                               Language, encode_natural)

ENGINES = ("peephole", "stochastic")
#: Straight-line instructions: no control flow, no data read, no eval. The peephole's local test
#: runs these on recorded machine states.
STRAIGHT = ("push", "dup", "drop", "swap", "over", "rot", "add", "sub", "mul", "div", "mod", "inc", "eq", "lt",
            "not", "and", "or", "xor", "shr", "mix", "load", "store", "idx", "out")
#: What the statement of equivalence says, in every result.
HONESTY = ("Equivalence is tested, not proved: the golfed program writes the same first N output bits, ends with "
           "the same status, reads the same data bits and stays within the step budget on every input of the "
           "specification (and on every held-back input, which the search never saw). Nothing is claimed about "
           "other inputs.")
#: Values of the captured top of the stack at a window's entry.
CAPTURED = 16
#: Room above the captured top in the local test (a replacement pushes at most this many values).
HEADROOM = 16
#: Samples of the machine state recorded at one window entry.
SAMPLES = 12
#: Visits of a window at which its state is recorded (the first few, then spread out).
SAMPLE_VISITS = frozenset([1, 2, 3, 4, 6, 9, 14, 22, 35, 60, 100, 200, 400, 1000])
#: Mismatch charged for a different status, fault, data read or a run over its step budget.
STATUS_MISMATCH = 16


# ---------------------------------------------------------------------------------------------
# Templates: a program as instructions, with its named constants kept as names
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Template:
    """A program as an instruction sequence. An instruction is ``(mnemonic, operand)``; the
    operand is None, a natural number, or the name of one of the file's constants (a ``push``
    written by name), so that the same sequence can be instantiated with other constants."""

    language: Language
    code: tuple
    constants: dict
    data: str = ""
    names: tuple = ()
    source: str = "<text>"
    lines: tuple = ()
    text_lines: tuple = ()

    def values(self, defines=None) -> dict:
        """The constants' values with ``defines`` (name -> value) overriding the file's."""
        values = dict(self.constants)
        for name, value in dict(defines or {}).items():
            if name not in values:
                raise ValueError(f"{self.source}: no const named {name} to define")
            values[name] = value
        return values

    def encode(self, code=None, defines=None) -> str:
        """The program bits of ``code`` (default: the template's own) under ``defines``."""
        return _Encoder(self.language, self.values(defines)).bits(self.code if code is None else code)

    def length(self, code=None, defines=None) -> int:
        """The length in bits of ``code`` under ``defines``."""
        return len(self.encode(code, defines))

    def text(self, code=None) -> str:
        """Readable assembly for ``code`` (default: the template's own) that assembles to its bits.

        With the source text at hand, the original file is kept line by line — header, comments,
        constants, layout — and only the instructions change: every instruction the golfed code
        shares with the original (aligned as a sequence) stays on its line, a new one joins the
        line of the instruction before it. Without it, one block per line."""
        code = self.code if code is None else tuple(code)
        words = _words(code, self.names)
        if not self.text_lines:
            return "\n".join(("  " * depth) + word for depth, word in _layout(code, words)) + \
                ("\nbits " + self.data if self.data else "") + "\n"
        import difflib

        line_of = [0] * len(code)
        matcher = difflib.SequenceMatcher(a=self.code, b=code, autojunk=False)
        for a, b, size in matcher.get_matching_blocks():
            for offset in range(size):
                line_of[b + offset] = self.lines[a + offset]
        previous = next((line for line in line_of if line), self.lines[0] if self.lines else 1)
        for index in range(len(code)):
            if not line_of[index]:
                line_of[index] = previous
            previous = line_of[index]
        by_line: dict = {}
        for index, line in enumerate(line_of):
            by_line.setdefault(line, []).append(words[index])
        code_lines = set(self.lines)
        out = []
        for number, line in enumerate(self.text_lines, start=1):
            if number not in code_lines and number not in by_line:
                out.append(line)
                continue
            indent = line[: len(line) - len(line.lstrip())]
            comment = line.split(";", 1)[1] if ";" in line else None
            text = " ".join(by_line.get(number, []))
            if text and comment is not None:
                out.append(f"{indent}{text}  ;{comment}")
            elif text:
                out.append(f"{indent}{text}")
            elif comment is not None:
                out.append(f"{indent};{comment}")
        return "\n".join(out).rstrip("\n") + "\n"


def _words(code, names) -> list:
    """Every instruction as an assembly word: constants and subroutines by name where possible,
    ``halt`` for a ``ret`` outside every ``def``."""
    defs = sum(1 for mnemonic, _ in code if mnemonic == "def")
    names = names if len(names) == defs and all(names) else ()
    words, blocks, seen = [], [], 0
    for mnemonic, operand in code:
        if mnemonic == "push":
            word = str(operand)
        elif mnemonic == "call":
            word = f"call {names[operand]}" if names and isinstance(operand, int) and operand < seen else \
                f"call {operand}"
        elif mnemonic == "def":
            word = f"def {names[seen]}" if names else "def"
            seen += 1
        elif mnemonic == "ret" and "def" not in blocks:
            word = "halt"
        else:
            word = mnemonic
        words.append(word)
        if mnemonic in BLOCK_OPENERS:
            blocks.append(mnemonic)
        elif mnemonic == "end" and blocks:
            blocks.pop()
    return words


def _layout(code, words) -> list:
    """(depth, text) lines: a new line at each block opener and after each block's end."""
    lines, current, depth, blocks = [], [], 0, 0
    for (mnemonic, _), word in zip(code, words):
        if mnemonic in BLOCK_OPENERS or mnemonic in ("else", "end"):
            if current:
                lines.append((depth, " ".join(current)))
                current = []
        if mnemonic in ("end", "else") and blocks:
            depth = max(depth - 1, 0)
        if mnemonic in BLOCK_OPENERS or mnemonic in ("else", "end"):
            lines.append((depth, word))
            if mnemonic in BLOCK_OPENERS or mnemonic == "else":
                depth += 1
            if mnemonic in BLOCK_OPENERS:
                blocks += 1
            elif mnemonic == "end" and blocks:
                blocks -= 1
            continue
        current.append(word)
    if current:
        lines.append((depth, " ".join(current)))
    return lines


def parse_template(text: str, language: Language, source: str = "<text>") -> Template:
    """A :class:`Template` from assembly text (the assembler's own parser, so every file the
    assembler takes is read the same way). Constants used by name stay names; a quoted program
    becomes the literal it pushes; raw ``bits`` are allowed only at the end (the program's data)."""
    tokens = tokenize(text)
    parser = Parser(tokens, language, source, True)
    items = parser.parse_program()
    code, data, lines = [], "", []
    for item in items:
        if isinstance(item, RawBits):
            data += item.bits
            continue
        if data:
            raise ValueError(f"{source}: raw bits inside the code (line {item.token.line}); the golfer takes them "
                             f"only at the end, as data")
        if isinstance(item, Quote):
            code.append(("push", pack_bits(encode(item.items, language, source))))
        elif isinstance(item, Op):
            operand = item.operand if HAS_OPERAND.get(item.mnemonic) else None
            if item.mnemonic == "push" and item.token.text in parser.constants:
                operand = item.token.text
            code.append((item.mnemonic, operand))
        lines.append(item.token.line)
    names = []
    for index, token in enumerate(tokens):
        if token.text.lower() == "def":
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            named = following is not None and re.fullmatch(r"[A-Za-z_][\w.-]*", following.text) and \
                following.text.lower() not in MNEMONICS and following.text not in parser.constants and \
                following.text not in parser.macros and following.text.lower() not in (
                    "bits", "halt", "const", "macro") and following.text.lower() not in language.composites
            names.append(following.text if named else None)
    if len(names) != sum(1 for mnemonic, _ in code if mnemonic == "def"):
        names = []
    quoted = any(isinstance(item, Quote) for item in items) or bool(parser.macros)
    template = Template(language, tuple(code), dict(parser.constants), data, tuple(names), source, tuple(lines),
                        () if quoted else tuple(text.splitlines()))
    from toyinduction.machines.toy.assembler import assemble

    if template.encode() + data != assemble(text, language, source):   # the template is the file, bit for bit
        raise ValueError(f"{source}: the golfer cannot represent this program exactly (macros inside quotes?)")
    return template


def template_from_file(path, language: Language) -> Template:
    """A :class:`Template` from a ``.toy`` file (one-line errors name the file)."""
    from toyinduction.machines.toy.assembler import read_source

    return parse_template(read_source(path), language, str(path))


class _Encoder:
    """Instruction -> bits under fixed constant values, with a cache (the search encodes often)."""

    def __init__(self, language: Language, values: dict):
        self.language, self.values = language, values
        self.cache: dict = {}

    def piece(self, instruction) -> str:
        """The bits of one instruction."""
        bits = self.cache.get(instruction)
        if bits is None:
            mnemonic, operand = instruction
            bits = self.language.codewords[mnemonic]
            if HAS_OPERAND.get(mnemonic):
                bits += encode_natural(self.values[operand] if isinstance(operand, str) else operand)
            self.cache[instruction] = bits
        return bits

    def bits(self, code) -> str:
        """The bits of an instruction sequence."""
        return "".join(self.piece(instruction) for instruction in code)

    def value(self, operand) -> int:
        """An operand's value (a constant's name resolved)."""
        return self.values[operand] if isinstance(operand, str) else int(operand or 0)


# ---------------------------------------------------------------------------------------------
# Specifications: what the original does on each case, and how far a candidate is from it
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One input of a specification: constants (name, value pairs), data bits appended after the
    code, and the number of output bits that must agree."""

    label: str
    data: str = ""
    defines: tuple = ()
    output_bits: int = 64

    def to_json(self) -> dict:
        """Plain data (the data bits by count)."""
        return {"label": self.label, "data_bits": len(self.data), "defines": dict(self.defines),
                "output_bits": self.output_bits}


@dataclass
class _Reference:
    """What the original program did on one case."""

    output: str
    status: int
    fault: int
    data_read: int
    steps: int
    budget: int


class Specification:
    """A template's behaviour on a list of cases, and the mismatch of any candidate with it.

    The original is run once per case (``max_steps`` each, the batch kernel); a candidate gets
    ``ceil(slowdown * original steps) + 64`` steps on a case. ``mismatch`` counts, over the cases,
    the output bits that differ or are missing among the first N, plus STATUS_MISMATCH for a
    different status or fault, a different number of data bits read, or a run over its budget.
    """

    def __init__(self, template: Template, cases, *, slowdown: float = 2.0, max_steps: int = 10 ** 9):
        cases = list(cases)
        if not cases:
            raise ValueError("a specification needs at least one case")
        if not 1 <= slowdown <= 1e6:      # (nan and inf too: a step budget must be a number of steps)
            raise ValueError(f"slowdown must be in 1..10^6 (--slowdown), got {slowdown}")
        self.template, self.cases, self.slowdown = template, cases, slowdown
        self.language = template.language
        self.encoders = {}
        self.references = []
        for case in cases:
            if not isinstance(case, Case):
                raise ValueError(f"specification cases must be Case objects, got {case!r}")
            if case.output_bits < 1 or case.output_bits > 1 << 16:
                raise ValueError(f"case {case.label}: output_bits must be in 1..65536, got {case.output_bits}")
            if set(case.data) - {"0", "1"}:
                raise ValueError(f"case {case.label}: data must be a bit string")
            self._encoder(case.defines)
        self.runs = 0
        self.groups = self._groups()
        found = {}
        for members in self.groups.values():
            batch = self._run(template.code, members, max_steps)
            for row, index in enumerate(members):
                case = cases[index]
                code_bits = len(self._encoder(case.defines).bits(template.code))
                output = batch["outputs"][row]
                produced = int(np.argmax(output == 2)) if (output == 2).any() else output.size
                found[index] = _Reference(
                    output="".join("1" if b else "0" for b in output[:produced]), status=int(batch["status"][row]),
                    fault=int(batch["fault"][row]), data_read=int(batch["bits_read"][row]) - code_bits,
                    steps=int(batch["steps"][row]), budget=int(math.ceil(slowdown * int(batch["steps"][row]))) + 64)
        self.references = [found[index] for index in range(len(cases))]
        self._expected = {}
        for key, members in self.groups.items():
            width = key[1]
            expected = np.full((len(members), width), 2, dtype=np.uint8)
            for row, index in enumerate(members):
                output = self.references[index].output
                expected[row, : len(output)] = np.frombuffer(output.encode(), dtype=np.uint8) - 48
            self._expected[key] = expected
        self.data_arrays = [np.frombuffer(case.data.encode(), dtype=np.uint8) - 48 for case in cases]

    def _encoder(self, defines) -> _Encoder:
        key = tuple(defines)
        if key not in self.encoders:
            self.encoders[key] = _Encoder(self.language, self.template.values(dict(defines)))
        return self.encoders[key]

    def _groups(self) -> dict:
        """Cases by (defines, output bits): each group runs in one batch."""
        groups: dict = {}
        for index, case in enumerate(self.cases):
            groups.setdefault((tuple(case.defines), case.output_bits), []).append(index)
        return groups

    @property
    def primary(self) -> _Encoder:
        """The encoder of the first case's constants: lengths are measured there."""
        return self._encoder(self.cases[0].defines)

    def length(self, code) -> int:
        """A candidate's length in bits under the first case's constants."""
        return len(self.primary.bits(code))

    def _run(self, code, indices, max_steps):
        """Run one code on some cases (one batch); the batch kernel's arrays."""
        indices = list(indices)
        rows = []
        for index in indices:
            case = self.cases[index]
            bits = self._encoder(case.defines).bits(code) + case.data
            rows.append(bits)
        matrix, lengths = bits_matrix(rows)
        output_bits = max(self.cases[index].output_bits for index in indices)
        self.runs = getattr(self, "runs", 0) + len(rows)
        return run_batch(self.language, matrix, lengths, max_steps, output_bits)

    def mismatch_many(self, codes, groups=None) -> np.ndarray:
        """The mismatch of each candidate (a list of instruction sequences), all cases of the
        chosen groups (default: every group) in one batch per group."""
        codes = list(codes)
        total = np.zeros(len(codes), dtype=np.int64)
        if not codes:
            return total
        for key in (groups or list(self.groups)):
            members = self.groups[key]
            defines, width = key
            encoder = self._encoder(defines)
            code_bits = [np.frombuffer(encoder.bits(code).encode(), dtype=np.uint8) - 48 for code in codes]
            longest = max(c.size for c in code_bits) + max(self.data_arrays[i].size for i in members)
            matrix = np.zeros((len(codes) * len(members), max(longest, 1)), dtype=np.uint8)
            lengths = np.zeros(len(codes) * len(members), dtype=np.int64)
            row = 0
            for bits in code_bits:
                for index in members:
                    data = self.data_arrays[index]
                    matrix[row, : bits.size] = bits
                    matrix[row, bits.size: bits.size + data.size] = data
                    lengths[row] = bits.size + data.size
                    row += 1
            budget = max(self.references[i].budget for i in members)
            self.runs += matrix.shape[0]
            batch = run_batch(self.language, matrix, lengths, budget, width)
            expected = np.tile(self._expected[key], (len(codes), 1))
            bad = (batch["outputs"] != expected).sum(axis=1)
            refs = [self.references[i] for i in members] * len(codes)
            status = np.array([r.status for r in refs])
            fault = np.array([r.fault for r in refs])
            data_read = np.array([r.data_read for r in refs])
            budgets = np.array([r.budget for r in refs])
            code_lengths = np.repeat([c.size for c in code_bits], len(members))
            bad += STATUS_MISMATCH * ((batch["status"] != status) | (batch["fault"] != fault)
                                      | (batch["bits_read"] - code_lengths != data_read)
                                      | (batch["steps"] > budgets))
            total += bad.reshape(len(codes), len(members)).sum(axis=1)
        return total

    def mismatch(self, code, limit: float = math.inf) -> int:
        """One candidate's mismatch; evaluation stops (returning what it has, already above
        ``limit``) as soon as the first case, or then the first group, exceeds ``limit``."""
        keys = list(self.groups)
        first = self.groups[keys[0]]
        total = 0
        if len(first) > 1 or len(keys) > 1:
            total = int(self._partial(code, keys[0], first[:1]))
            if total > limit:
                return total
            rest = first[1:]
            if rest:
                total += int(self._partial(code, keys[0], rest))
            if total > limit:
                return total
            for key in keys[1:]:
                total += int(self._partial(code, key, self.groups[key]))
                if total > limit:
                    return total
            return total
        return int(self._partial(code, keys[0], first))

    def _partial(self, code, key, members) -> int:
        """Mismatch of one candidate on some cases of one group."""
        defines, width = key
        batch = self._run(code, members, max(self.references[i].budget for i in members))
        all_members = self.groups[key]
        expected = self._expected[key][[all_members.index(i) for i in members]]
        outputs = batch["outputs"][:, :width]
        if outputs.shape[1] < width:
            outputs = np.pad(outputs, ((0, 0), (0, width - outputs.shape[1])), constant_values=2)
        bad = int((outputs != expected).sum())
        code_length = len(self._encoder(defines).bits(code))
        for row, index in enumerate(members):
            ref = self.references[index]
            if (batch["status"][row] != ref.status or batch["fault"][row] != ref.fault
                    or batch["bits_read"][row] - code_length != ref.data_read or batch["steps"][row] > ref.budget):
                bad += STATUS_MISMATCH
        return bad

    def describe(self) -> dict:
        """The specification as plain data: cases, output bits, budgets, the original's steps."""
        return {"cases": [dict(case.to_json(), original_steps=ref.steps, step_budget=ref.budget,
                               status=Status(ref.status).label)
                          for case, ref in zip(self.cases, self.references)],
                "slowdown": self.slowdown}


# ---------------------------------------------------------------------------------------------
# The peephole engine's local test: straight-line windows on recorded machine states (numba)
# ---------------------------------------------------------------------------------------------
_NEEDS = np.zeros(len(MNEMONICS), dtype=np.int64)
_GROWS = np.zeros(len(MNEMONICS), dtype=np.int64)
for _m, _effect in STACK_EFFECT.items():
    _before, _after = _effect.split("--")
    _NEEDS[SEMANTIC_ID[_m]] = len(_before.split())
    _GROWS[SEMANTIC_ID[_m]] = max(len(_after.split()) - len(_before.split()), 0)
(S_PUSH, S_DUP, S_DROP, S_SWAP, S_OVER, S_ROT, S_ADD, S_SUB, S_MUL, S_DIV, S_MOD, S_INC, S_EQ, S_LT, S_NOT, S_AND,
 S_OR, S_XOR, S_SHR, S_MIX, S_LOAD, S_STORE, S_IDX, S_OUT) = (SEMANTIC_ID[m] for m in STRAIGHT)
#: Outcomes of the local test.
LOCAL_OK, LOCAL_FAULT, LOCAL_UNKNOWN = 0, 1, 2
LOCAL_OUT = 16     # output bits a window may emit in the local test


@jit
def _simulate(ops, args, count, top, have, depth, memory, index, stack_limit, buffer, out):
    """Run ``count`` straight-line instructions on a copy of the captured top of a stack.

    ``top`` holds the CAPTURED values nearest the top (the last is the top), of which ``have`` are
    real; ``depth`` is the real stack depth; ``memory`` is read and written in place (the caller
    passes a copy when the instructions store); ``index`` is the innermost loop's index (-1: no
    loop). Returns (outcome, stack pointer, output bits): LOCAL_UNKNOWN when an instruction needs
    a value below the captured ones. Every index is checked, so any input ends with an outcome.
    """
    captured = top.shape[0]
    for i in range(captured):
        buffer[i] = top[i]
    low = captured - have
    sp = captured
    nout = 0
    cells = memory.shape[0]
    for j in range(count):
        op = ops[j]
        if op < 0 or op >= _NEEDS.shape[0]:
            return LOCAL_UNKNOWN, sp, nout
        if sp - _NEEDS[op] < low:
            return (LOCAL_FAULT if have >= depth else LOCAL_UNKNOWN), sp, nout
        if depth + (sp - captured) + _GROWS[op] > stack_limit:
            return LOCAL_FAULT, sp, nout
        if sp + _GROWS[op] > buffer.shape[0]:
            return LOCAL_UNKNOWN, sp, nout
        if op == S_PUSH:
            buffer[sp] = args[j]
            sp += 1
        elif op == S_DUP:
            buffer[sp] = buffer[sp - 1]
            sp += 1
        elif op == S_DROP:
            sp -= 1
        elif op == S_SWAP:
            value = buffer[sp - 1]
            buffer[sp - 1] = buffer[sp - 2]
            buffer[sp - 2] = value
        elif op == S_OVER:
            buffer[sp] = buffer[sp - 2]
            sp += 1
        elif op == S_ROT:
            value = buffer[sp - 3]
            buffer[sp - 3] = buffer[sp - 2]
            buffer[sp - 2] = buffer[sp - 1]
            buffer[sp - 1] = value
        elif op == S_INC:
            buffer[sp - 1] += 1
        elif op == S_NOT:
            buffer[sp - 1] = np.int64(buffer[sp - 1] == 0)
        elif op == S_IDX:
            if index < 0:
                return LOCAL_FAULT, sp, nout
            buffer[sp] = index
            sp += 1
        elif op == S_OUT:
            if nout >= out.shape[0]:
                return LOCAL_UNKNOWN, sp, nout
            out[nout] = buffer[sp - 1] & 1
            nout += 1
            sp -= 1
        elif op == S_LOAD:
            address = buffer[sp - 1]
            if address < 0 or address >= cells:
                return LOCAL_FAULT, sp, nout
            buffer[sp - 1] = memory[address]
        elif op == S_STORE:
            address = buffer[sp - 1]
            if address < 0 or address >= cells:
                return LOCAL_FAULT, sp, nout
            memory[address] = buffer[sp - 2]
            sp -= 2
        elif (op == S_ADD or op == S_SUB or op == S_MUL or op == S_DIV or op == S_MOD or op == S_EQ or op == S_LT
              or op == S_AND or op == S_OR or op == S_XOR or op == S_SHR or op == S_MIX):
            result, bad = _binary(op, buffer[sp - 2], buffer[sp - 1])
            if bad:
                return LOCAL_FAULT, sp, nout
            buffer[sp - 2] = result
            sp -= 1
        else:
            return LOCAL_UNKNOWN, sp, nout
    return LOCAL_OK, sp, nout


@jit
def _window_effects(ops, args, count, stores, tops, haves, depths, memories, indices, stack_limit,
                    codes, sps, buffers, nouts, outs, memories_after):
    """The effect of one window on every recorded state (outcome, stack, output, memory)."""
    for s in range(tops.shape[0]):
        memory = memories_after[s]
        for cell in range(memory.shape[0]):
            memory[cell] = memories[s, cell]
        code, sp, nout = _simulate(ops, args, count, tops[s], haves[s], depths[s], memory, indices[s], stack_limit,
                                   buffers[s], outs[s])
        codes[s] = code
        sps[s] = sp
        nouts[s] = nout


@jit
def _local_filter(sequences, counts, letter_ops, letter_args, letter_stores, first, last, window_stores, tops, haves,
                  depths, memories, indices, stack_limit, codes, sps, buffers, nouts, outs, memories_after, passed):
    """Which candidates (table rows first..last-1: letter indices) have the window's effect on
    every recorded state: the same outcome, stack, output bits and memory (when either stores).
    Two faults count as the same effect; the full specification decides."""
    buffer = np.zeros(buffers.shape[1], dtype=np.int64)
    out = np.zeros(outs.shape[1], dtype=np.int64)
    scratch = np.zeros(memories.shape[1], dtype=np.int64)
    width = sequences.shape[1]
    ops = np.zeros(max(width, 1), dtype=np.int64)
    args = np.zeros(max(width, 1), dtype=np.int64)
    for c in range(first, last):
        count = counts[c]
        stores = window_stores
        for j in range(count):
            letter = sequences[c, j]
            ops[j] = letter_ops[letter]
            args[j] = letter_args[letter]
            stores = stores or letter_stores[letter]
        ok = True
        for s in range(tops.shape[0]):
            if codes[s] == LOCAL_UNKNOWN:
                continue
            if stores:
                for cell in range(scratch.shape[0]):
                    scratch[cell] = memories[s, cell]
                code, sp, nout = _simulate(ops, args, count, tops[s], haves[s], depths[s], scratch, indices[s],
                                           stack_limit, buffer, out)
            else:
                code, sp, nout = _simulate(ops, args, count, tops[s], haves[s], depths[s], memories[s], indices[s],
                                           stack_limit, buffer, out)
            if code != codes[s]:
                ok = False
            elif code == LOCAL_OK:
                if sp != sps[s] or nout != nouts[s]:
                    ok = False
                else:
                    for i in range(sp):
                        if buffer[i] != buffers[s, i]:
                            ok = False
                            break
                    for i in range(nout):
                        if out[i] != outs[s, i]:
                            ok = False
                            break
                    if ok and stores:
                        for cell in range(scratch.shape[0]):
                            if scratch[cell] != memories_after[s, cell]:
                                ok = False
                                break
            if not ok:
                break
        passed[c] = ok


@dataclass
class _States:
    """Machine states recorded at one window entry, as arrays for the local test."""

    tops: np.ndarray
    haves: np.ndarray
    depths: np.ndarray
    memories: np.ndarray
    indices: np.ndarray


def _trace(spec: Specification, code, cases, max_steps: int = 400_000):
    """Run ``code`` in the reference interpreter on some cases; per instruction index, how often
    it ran and (for SAMPLES visits) the machine state at its entry."""
    from toyinduction.machines.toy.reference import Clock, ReferenceMachine, Stop, NeedBits

    language = spec.language
    expansion = []
    for index, (mnemonic, _) in enumerate(code):
        size = len(language.composites[mnemonic]) if mnemonic in language.composites else 1
        expansion += [index] * size
    counts = [0] * len(code)
    samples: dict = {}

    class Tracing(ReferenceMachine):
        def execute(self, instruction):
            if self.depth == 0 and self.pc < len(expansion):
                where = expansion[self.pc]
                counts[where] += 1
                if counts[where] in SAMPLE_VISITS and len(samples.get(where, ())) < SAMPLES:
                    top = self.stack[-CAPTURED:]
                    index = self.loops[-1][2] if len(self.loops) > self.loop_base() else -1
                    samples.setdefault(where, []).append((list(top), len(self.stack), list(self.memory), index))
            super().execute(instruction)

    for case_index in cases:
        case = spec.cases[case_index]
        bits = spec._encoder(case.defines).bits(code) + case.data
        machine = Tracing(language, bits, Clock(), min(max_steps, spec.references[case_index].steps + 1),
                          case.output_bits)
        try:
            machine.run()
        except (Stop, NeedBits):
            pass
    cells = language.limits["memory_cells"]
    states = {}
    for where, recorded in samples.items():
        count = len(recorded)
        tops = np.zeros((count, CAPTURED), dtype=np.int64)
        haves = np.zeros(count, dtype=np.int64)
        depths = np.zeros(count, dtype=np.int64)
        memories = np.zeros((count, cells), dtype=np.int64)
        indices = np.zeros(count, dtype=np.int64)
        for row, (top, depth, memory, index) in enumerate(recorded):
            if top:
                tops[row, CAPTURED - len(top):] = top
            haves[row], depths[row], indices[row] = len(top), depth, index
            memories[row] = memory
        states[where] = _States(tops, haves, depths, memories, indices)
    return counts, states


@dataclass
class _Table:
    """Every straight-line sequence up to a number of bits, as rows of letter indices, sorted by
    net stack effect and then by bits (so the rows a window needs are one range)."""

    letters: list
    letter_ops: np.ndarray
    letter_args: np.ndarray
    letter_stores: np.ndarray
    sequences: np.ndarray
    counts: np.ndarray
    bits: np.ndarray
    net: np.ndarray
    max_bits: int

    def rows(self, net: int, below: int) -> tuple:
        """The range of rows with this net stack effect and fewer than ``below`` bits."""
        first = int(np.searchsorted(self.net, net, side="left"))
        end = int(np.searchsorted(self.net, net, side="right"))
        last = first + int(np.searchsorted(self.bits[first:end], below, side="left"))
        return first, last

    def sequence(self, row: int) -> tuple:
        """The instructions of one row."""
        return tuple(self.letters[i] for i in self.sequences[row, : self.counts[row]])


def _net(instruction) -> int:
    """An instruction's net effect on the stack depth."""
    before, after = STACK_EFFECT[instruction[0]].split("--")
    return len(after.split()) - len(before.split())


def _sequence_table(alphabet, encoder: _Encoder, max_bits: int, max_ops: int, limit: int = 4_000_000) -> _Table:
    """Every sequence of alphabet instructions of at most ``max_bits`` bits and ``max_ops``
    instructions (the empty one included); at most ``limit`` rows (fewer bits if needed)."""
    letters = list(alphabet)
    letter_bits = np.array([len(encoder.piece(i)) for i in letters], dtype=np.int64)
    letter_net = np.array([_net(i) for i in letters], dtype=np.int64)
    while True:
        levels = [(np.zeros((1, 0), dtype=np.int16), np.zeros(1, dtype=np.int64))]
        total = 1
        for _ in range(max_ops):
            previous, bits = levels[-1]
            fits = bits[:, None] + letter_bits[None, :] <= max_bits
            rows, columns = np.nonzero(fits)
            if rows.size == 0:
                break
            total += rows.size
            if total > limit:
                break
            levels.append((np.concatenate([previous[rows], columns[:, None].astype(np.int16)], axis=1),
                           bits[rows] + letter_bits[columns]))
        if total <= limit:
            break
        max_bits -= 1
    width = max(max_ops, 1)
    sequences = np.full((total, width), -1, dtype=np.int16)
    counts = np.zeros(total, dtype=np.int64)
    all_bits = np.zeros(total, dtype=np.int64)
    row = 0
    for level, (block, bits) in enumerate(levels):
        sequences[row: row + block.shape[0], :level] = block
        counts[row: row + block.shape[0]] = level
        all_bits[row: row + block.shape[0]] = bits
        row += block.shape[0]
    net = np.where(sequences >= 0, letter_net[np.maximum(sequences, 0)], 0).sum(axis=1)
    order = np.lexsort((all_bits, net))
    return _Table(letters, np.array([SEMANTIC_ID[m] for m, _ in letters], dtype=np.int64),
                  np.array([encoder.value(o) if m == "push" else 0 for m, o in letters], dtype=np.int64),
                  np.array([m == "store" for m, _ in letters], dtype=np.bool_), sequences[order], counts[order],
                  all_bits[order], net[order], max_bits)


# ---------------------------------------------------------------------------------------------
# The search space: which instructions and operands a candidate may use
# ---------------------------------------------------------------------------------------------
def _operand_pool(template: Template) -> list:
    """Push operands the search tries: 0..16, the program's own literals, its constants by name."""
    literals = set(range(17)) | {operand for mnemonic, operand in template.code
                                 if mnemonic == "push" and isinstance(operand, int) and operand < 1 << 20}
    return sorted(literals) + list(template.constants)


def _alphabet(template: Template, straight_only: bool) -> list:
    """Instructions a replacement may use: the language's, without ``eval`` or ``read`` unless the
    program uses them (a golfed world program must run on toy-noeval too), composites only if used."""
    used = {mnemonic for mnemonic, _ in template.code}
    pool = _operand_pool(template)
    letters = []
    for mnemonic in template.language.codewords:
        if mnemonic in template.language.composites and mnemonic not in used:
            continue
        if mnemonic in ("eval", "read") and mnemonic not in used:
            continue
        if straight_only and mnemonic not in STRAIGHT:
            continue
        if mnemonic == "push":
            letters += [("push", operand) for operand in pool]
        elif mnemonic == "call":
            defs = sum(1 for m, _ in template.code if m == "def")
            letters += [("call", n) for n in range(defs)]
        else:
            letters.append((mnemonic, None))
    return letters


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------
@dataclass
class EngineReport:
    """What one engine did: its budget, its proposals or candidates, the time taken."""

    engine: str
    seconds: float = 0.0
    proposals: int = 0
    evaluated: int = 0
    accepted: int = 0
    improvements: list = field(default_factory=list)
    budget: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Plain data, with proposals per second."""
        return {"engine": self.engine, "budget": self.budget, "seconds": round(self.seconds, 3),
                "proposals": self.proposals, "evaluated": self.evaluated, "accepted": self.accepted,
                "proposals_per_second": round(self.proposals / self.seconds, 1) if self.seconds > 0 else None,
                "improvements": self.improvements}


@dataclass
class GolfResult:
    """The outcome of a golf run: the original and the best program found, their lengths, the
    specification it was checked on, the held-back checks, and whether it is accepted (it meets
    the specification exactly and passes every held-back case)."""

    source: str
    language: str
    original_bits: int
    best_bits: int
    original_code: tuple
    best_code: tuple
    assembly: str
    specification: dict
    engines: list
    held_back: list
    accepted: bool
    seed: int
    seconds: float
    reassembles: bool
    statement: str = HONESTY
    steps: dict = field(default_factory=dict)
    history: list = field(default_factory=list)

    @property
    def saved(self) -> int:
        """Bits saved by the accepted program (0 when nothing shorter was accepted)."""
        return self.original_bits - self.best_bits if self.accepted else 0

    @property
    def held_back_failures(self) -> list:
        """The held-back cases the golfed program fails."""
        return [row for row in self.held_back if not row["passed"]]

    def to_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"source": self.source, "language": self.language, "original_bits": self.original_bits,
                "best_bits": self.best_bits, "saved_bits": self.saved, "accepted": self.accepted,
                "found_bits": self.best_bits, "assembly": self.assembly, "reassembles": self.reassembles,
                "specification": self.specification, "held_back": self.held_back, "engines": self.engines,
                "seed": self.seed, "seconds": round(self.seconds, 3), "steps": self.steps,
                "history": self.history, "equivalence": self.statement}

    def summary(self) -> str:
        """The result in words: lengths, bits saved, the checks."""
        cases = self.specification["cases"]
        failed = self.held_back_failures
        lines = [f"{self.source}: {self.original_bits} -> {self.best_bits} bits"
                 + (f" ({self.original_bits - self.best_bits} saved)" if self.best_bits < self.original_bits
                    else " (nothing shorter found)")]
        lines.append(f"specification: {len(cases)} inputs, {cases[0]['output_bits']} output bits each"
                     + (f" (and {len({c['output_bits'] for c in cases}) - 1} other lengths)"
                        if len({c['output_bits'] for c in cases}) > 1 else "")
                     + f", step budget {self.specification['slowdown']:g}x the original's")
        if self.held_back:
            lines.append(f"held back: {len(self.held_back) - len(failed)} of {len(self.held_back)} inputs pass"
                         + ("" if not failed else "; FAILED: " + ", ".join(row["label"] for row in failed[:6])))
        verdict = ("accepted" if self.accepted and self.best_bits < self.original_bits else
                   "not accepted: it fails held-back inputs, the original stands" if failed else
                   "nothing to accept")
        lines.append(f"verdict: {verdict}")
        for engine in self.engines:
            rate = engine.get("proposals_per_second")
            lines.append(f"engine {engine['engine']}: {engine['proposals']} proposals, {engine['evaluated']} run on "
                         f"the specification, {engine['seconds']:.1f} s" + (f" ({rate:.0f}/s)" if rate else ""))
        lines.append(self.statement)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The engines
# ---------------------------------------------------------------------------------------------
def _straight_windows(code, counts, k):
    """Start indices of windows of k straight-line instructions that ran."""
    for start in range(len(code) - k + 1):
        if counts[start] and all(code[start + j][0] in STRAIGHT for j in range(k)):
            yield start


class _Peephole:
    """The exhaustive window search (see the module docstring)."""

    def __init__(self, spec: Specification, max_window: int, max_bits: int, progress, report: EngineReport,
                 deadline: float):
        self.spec, self.max_window, self.progress, self.report = spec, max_window, progress, report
        self.deadline = deadline
        self.template = spec.template
        encoder = spec.primary
        self.table = _sequence_table(_alphabet(self.template, True), encoder, max_bits, max_window + 1)
        self.singles = sorted(_alphabet(self.template, False), key=lambda i: len(encoder.piece(i)))
        cases = list(range(len(spec.cases)))
        primary = spec.groups[next(iter(spec.groups))]
        self.trace_cases = sorted({primary[0], primary[-1]} & set(cases))
        self.near_cache: dict = {}

    def run(self, code):
        """Apply verified shortenings until none is left (or the time is up)."""
        code = list(code)
        while time.perf_counter() < self.deadline:
            counts, states = _trace(self.spec, code, self.trace_cases)
            found = self._dead(code, counts) or self._straight(code, counts, states) or self._small(code, counts)
            if found is None:
                break
            start, stop, replacement, kind = found
            before = self.spec.length(code)
            code[start:stop] = list(replacement)
            after = self.spec.length(code)
            self.report.improvements.append({"engine": "peephole", "kind": kind, "at": start,
                                             "replaced": stop - start, "with": [_word(i) for i in replacement],
                                             "bits": after, "saved": before - after})
            self.report.accepted += 1
        return code

    def _verify(self, code, start, stop, replacements):
        """The first replacement (in the order given) with which the code meets the specification."""
        if not replacements:
            return None
        spec = self.spec
        keys = list(spec.groups)
        candidates = [code[:start] + list(r) + code[stop:] for r in replacements]
        self.report.evaluated += len(candidates)
        first = spec.mismatch_many(candidates, keys[:1])
        survivors = [i for i in range(len(candidates)) if first[i] == 0]
        if survivors and len(keys) > 1:
            rest = spec.mismatch_many([candidates[i] for i in survivors], keys[1:])
            survivors = [i for i, m in zip(survivors, rest) if m == 0]
        return replacements[survivors[0]] if survivors else None

    def _dead(self, code, counts):
        """Delete instructions that never ran (maximal runs first), if the specification allows."""
        runs, start = [], None
        for index in range(len(code) + 1):
            dead = index < len(code) and counts[index] == 0
            if dead and start is None:
                start = index
            elif not dead and start is not None:
                runs.append((start, index))
                start = None
        for start, stop in runs:
            for length in range(stop - start, 0, -1):
                for first in range(start, stop - length + 1):
                    if self._verify(code, first, first + length, [()]) is not None:
                        return first, first + length, (), "dead code"
                if length > 4:
                    break
        return None

    def _straight(self, code, counts, states):
        """Straight-line windows: every shorter sequence with the same local effect, verified."""
        spec, table = self.spec, self.table
        encoder = spec.primary
        limit = spec.language.limits["stack_depth"]
        best = None
        for k in range(1, self.max_window + 1):
            for start in _straight_windows(code, counts, k):
                if time.perf_counter() > self.deadline:
                    return best
                if self.progress:
                    self.progress((k - 1) * len(code) + start, 2 * self.max_window * len(code))
                window = code[start:start + k]
                bits = sum(len(encoder.piece(i)) for i in window)
                recorded = states.get(start)
                if recorded is None:
                    continue
                net = sum(_net(i) for i in window)
                first, last = table.rows(net, bits)   # strictly fewer bits
                near = self._near(window, bits, net) if bits > table.max_bits + 1 else None
                if last <= first and near is None:
                    continue
                effects = self._effects(window, encoder, recorded, limit)
                stores = any(m == "store" for m, _ in window)
                chosen = []
                for sequences, counts, lo, hi in ((table.sequences, table.counts, first, last),
                                                  (*(near or (table.sequences, table.counts)), 0, len(near[0]) if near
                                                   else 0)):
                    if hi <= lo:
                        continue
                    passed = np.zeros(sequences.shape[0], dtype=np.bool_)
                    _local_filter(sequences, counts, table.letter_ops, table.letter_args, table.letter_stores, lo, hi,
                                  stores, recorded.tops, recorded.haves, recorded.depths, recorded.memories,
                                  recorded.indices, limit, *effects, passed)
                    self.report.proposals += hi - lo
                    chosen += [tuple(table.letters[j] for j in sequences[i, : counts[i]])
                               for i in lo + np.nonzero(passed[lo:hi])[0]]
                chosen = sorted(set(chosen), key=lambda seq: sum(len(encoder.piece(i)) for i in seq))[:64]
                found = self._verify(code, start, start + k, chosen)
                if found is not None:
                    saved = bits - sum(len(encoder.piece(i)) for i in found)
                    if best is None or saved > best[0]:
                        best = (saved, (start, start + k, tuple(found), "window"))
            if best is not None:
                return best[1]
        return None if best is None else best[1]

    def _near(self, window, bits, net):
        """Sequences within two edits (substitute, insert or delete an instruction; merge two
        neighbours into one or delete both) of a window too
        wide for the table, with fewer bits and the same net stack effect: (letter rows, counts),
        or None. Cached by the window's instructions."""
        key = tuple(window)
        if key in self.near_cache:
            return self.near_cache[key]
        table, encoder = self.table, self.spec.primary
        index = {letter: i for i, letter in enumerate(table.letters)}
        if any(i not in index for i in window):
            self.near_cache[key] = None
            return None
        letters = range(len(table.letters))
        cost = [len(encoder.piece(letter)) for letter in table.letters]
        moves = [_net(letter) for letter in table.letters]

        def edits(sequence):
            for at in range(len(sequence)):
                yield sequence[:at] + sequence[at + 1:]
                for letter in letters:
                    yield sequence[:at] + (letter,) + sequence[at + 1:]
                if at + 1 < len(sequence):            # two neighbours merged into one, or both gone
                    yield sequence[:at] + sequence[at + 2:]
                    for letter in letters:
                        yield sequence[:at] + (letter,) + sequence[at + 2:]
            for at in range(len(sequence) + 1):
                for letter in letters:
                    yield sequence[:at] + (letter,) + sequence[at:]

        start = tuple(index[i] for i in window)
        once = set(edits(start))
        found = set()
        for sequence in once:
            found.add(sequence)
            found.update(edits(sequence))
        kept = [seq for seq in found if len(seq) <= self.max_window + 2 and sum(cost[i] for i in seq) < bits
                and sum(moves[i] for i in seq) == net]
        if not kept:
            self.near_cache[key] = None
            return None
        width = max(len(seq) for seq in kept) or 1
        sequences = np.full((len(kept), width), -1, dtype=np.int16)
        for row, seq in enumerate(kept):
            sequences[row, : len(seq)] = seq
        result = (sequences, np.array([len(seq) for seq in kept], dtype=np.int64))
        self.near_cache[key] = result
        return result

    @staticmethod
    def _effects(window, encoder, recorded: _States, limit):
        """The window's own effect on the recorded states (arrays for the filter)."""
        count = len(window)
        ops = np.array([SEMANTIC_ID[m] for m, _ in window] or [0], dtype=np.int64)
        args = np.array([encoder.value(o) if m == "push" else 0 for m, o in window] or [0], dtype=np.int64)
        n = recorded.tops.shape[0]
        codes = np.zeros(n, dtype=np.int64)
        sps = np.zeros(n, dtype=np.int64)
        buffers = np.zeros((n, CAPTURED + HEADROOM), dtype=np.int64)
        nouts = np.zeros(n, dtype=np.int64)
        outs = np.zeros((n, LOCAL_OUT), dtype=np.int64)
        memories_after = np.zeros_like(recorded.memories)
        _window_effects(ops, args, count, any(m == "store" for m, _ in window), recorded.tops, recorded.haves,
                        recorded.depths, recorded.memories, recorded.indices, limit, codes, sps, buffers, nouts,
                        outs, memories_after)
        return codes, sps, buffers, nouts, outs, memories_after

    def _small(self, code, counts):
        """Any window of up to three instructions: deleted, or replaced by one shorter
        instruction, verified on the whole specification (context decides: a value nobody reads
        need not be computed)."""
        encoder = self.spec.primary
        for k in range(1, min(self.max_window, 3) + 1):
            for start in range(len(code) - k + 1):
                if time.perf_counter() > self.deadline:
                    return None
                if self.progress:
                    self.progress((self.max_window + k - 1) * len(code) + start, 2 * self.max_window * len(code))
                window = code[start:start + k]
                bits = sum(len(encoder.piece(i)) for i in window)
                options = [()] + [(i,) for i in self.singles if len(encoder.piece(i)) < bits and (i,) != tuple(window)]
                self.report.proposals += len(options)
                found = self._verify(code, start, start + k, options)
                if found is not None:
                    return start, start + k, tuple(found), "small edit"
        return None


def _word(instruction) -> str:
    """One instruction as assembly."""
    mnemonic, operand = instruction
    if mnemonic == "push":
        return str(operand)
    return f"{mnemonic} {operand}" if operand is not None else mnemonic


class _Stochastic:
    """STOKE-style Metropolis search over instruction sequences (see the module docstring)."""

    MOVES = ("replace", "operand", "insert", "delete", "swap", "move")
    WEIGHTS = (25, 15, 15, 20, 10, 15)

    def __init__(self, spec: Specification, rng: random.Random, beta: float, penalty: float, report: EngineReport,
                 progress, restart: int):
        self.spec, self.rng, self.beta, self.penalty = spec, rng, beta, penalty
        self.report, self.progress, self.restart = report, progress, restart
        self.letters = _alphabet(spec.template, False)
        self.pool = _operand_pool(spec.template)

    def propose(self, code: list):
        """A random neighbour of ``code`` (a new list), or None if the move does not apply."""
        rng, n = self.rng, len(code)
        move = rng.choices(self.MOVES, self.WEIGHTS)[0]
        candidate = list(code)
        if move == "replace" and n:
            candidate[rng.randrange(n)] = rng.choice(self.letters)
        elif move == "operand":
            places = [i for i, (m, _) in enumerate(code) if HAS_OPERAND.get(m)]
            if not places:
                return None
            where = rng.choice(places)
            mnemonic = code[where][0]
            if mnemonic == "push":
                candidate[where] = ("push", rng.choice(self.pool))
            else:
                defs = sum(1 for m, _ in code if m == "def")
                if defs < 2:
                    return None
                candidate[where] = (mnemonic, rng.randrange(defs))
        elif move == "insert":
            candidate.insert(rng.randrange(n + 1), rng.choice(self.letters))
        elif move == "delete" and n:
            del candidate[rng.randrange(n)]
        elif move == "swap" and n > 1:
            i = rng.randrange(n)
            j = min(max(i + rng.choice((-3, -2, -1, 1, 2, 3)), 0), n - 1) if rng.random() < 0.8 else rng.randrange(n)
            candidate[i], candidate[j] = candidate[j], candidate[i]
        elif move == "move" and n > 1:
            size = rng.randint(1, min(4, n))
            start = rng.randrange(n - size + 1)
            piece = candidate[start:start + size]
            del candidate[start:start + size]
            where = rng.randrange(len(candidate) + 1)
            candidate[where:where] = piece
        else:
            return None
        return candidate if candidate != code else None

    def run(self, code, proposals: int | None, deadline: float):
        """Sample until the budget is spent; the shortest candidate that meets the specification."""
        spec, rng = self.spec, self.rng
        current = list(code)
        current_cost = float(spec.length(current))
        best, best_bits = list(current), spec.length(current)
        since_best = 0
        count = 0
        began = time.perf_counter()
        while (proposals is None or count < proposals) and time.perf_counter() < deadline:
            count += 1
            self.report.proposals += 1
            since_best += 1
            if self.restart and since_best % self.restart == 0:
                current, current_cost = list(best), float(best_bits)
            candidate = self.propose(current)
            if candidate is None:
                continue
            length = spec.length(candidate)
            threshold = current_cost + (-math.log(1.0 - rng.random())) / self.beta
            allowed = (threshold - length) / self.penalty
            if allowed < 0:
                continue
            self.report.evaluated += 1
            mismatch = spec.mismatch(candidate, allowed)
            if mismatch > allowed:
                continue
            self.report.accepted += 1
            current, current_cost = candidate, length + self.penalty * mismatch
            if mismatch == 0 and length < best_bits:
                self.report.improvements.append({"engine": "stochastic", "proposal": count, "bits": length,
                                                 "saved": best_bits - length})
                best, best_bits, since_best = list(candidate), length, 0
            if self.progress and count % 1000 == 0:
                if proposals is not None:
                    self.progress(count, proposals)
                else:
                    self.progress(int(time.perf_counter() - began), int(deadline - began))
        if self.progress and proposals is not None:
            self.progress(proposals, proposals)
        return best


# ---------------------------------------------------------------------------------------------
# golf()
# ---------------------------------------------------------------------------------------------
def _check_held_back(spec: Specification, template: Template, code, held_back) -> list:
    """Each held-back case: the original's behaviour there against the golfed code's."""
    rows = []
    for case in held_back:
        check = Specification(template, [case], slowdown=spec.slowdown)
        mismatch = int(check.mismatch_many([code])[0]) if tuple(code) != template.code else 0
        rows.append({"label": case.label, "passed": mismatch == 0, "mismatch": mismatch,
                     "output_bits": case.output_bits, "defines": dict(case.defines)})
    return rows


#: The longest program golf searches (in instructions): the peephole pass rebuilds the program for
#: each candidate, so its time grows with the square of the length (1,000 instructions: about a
#: minute); the shipped programs have at most 142.
MAX_GOLF_INSTRUCTIONS = 1024


def golf(template: Template, cases, *, held_back=(), engines=ENGINES, proposals: int | None = 20_000,
         seconds: float | None = None, seed: int = 0, slowdown: float = 2.0, max_window: int = 4,
         max_bits: int = 24, beta: float = 1.0, penalty: float = 1.0, restart: int = 5000,
         progress=None) -> GolfResult:
    """Search for a shorter program with the same behaviour on a specification.

    ``cases`` (:class:`Case`) make the specification; ``held_back`` cases are checked after the
    search. ``engines``: "peephole" and/or "stochastic" (in that order; the second starts from
    the first's result). Budgets: the stochastic engine makes ``proposals`` proposals (None: no
    limit) and both stop after ``seconds`` (None: no limit); the peephole engine searches windows
    of up to ``max_window`` instructions and replacements of up to ``max_bits`` bits.
    ``progress`` (optional) is a ``progress(done, total)`` reporter: windows examined in a
    peephole pass, then proposals made (or seconds spent) by the stochastic engine.
    """
    start_time = time.perf_counter()
    if not isinstance(template, Template):
        raise ValueError("golf takes a Template (template_from_file reads one)")
    engines = tuple(engines)
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        raise ValueError(f"engines must be among {', '.join(ENGINES)}, got {', '.join(engines) or 'none'}")
    if proposals is not None and (isinstance(proposals, bool) or not isinstance(proposals, int) or proposals < 0):
        raise ValueError(f"proposals must be a natural number or None, got {proposals!r}")
    if seconds is not None and not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if proposals is None and seconds is None and "stochastic" in engines:
        raise ValueError("the stochastic engine needs a budget: proposals or seconds")
    if not 1 <= max_window <= 6:
        raise ValueError(f"max_window must be in 1..6, got {max_window}")
    if not 0 <= max_bits <= 28:
        raise ValueError(f"max_bits must be in 0..28, got {max_bits}")
    if not beta > 0 or not penalty > 0:
        raise ValueError("beta and penalty must be positive")
    if not template.code:
        raise ValueError(f"{template.source}: no instructions to golf")
    if len(template.code) > MAX_GOLF_INSTRUCTIONS:
        raise ValueError(f"{template.source}: {len(template.code)} instructions; golf searches programs of at most "
                         f"{MAX_GOLF_INSTRUCTIONS} (a peephole pass costs the square of the length; the shipped "
                         f"programs have at most a few hundred)")
    spec = Specification(template, cases, slowdown=slowdown)
    deadline = start_time + seconds if seconds is not None else math.inf
    code = list(template.code)
    original_bits = spec.length(code)
    reports, after_peephole = [], list(code)
    for engine in engines:
        report = EngineReport(engine)
        began = time.perf_counter()
        if engine == "peephole":
            report.budget = {"max_window": max_window, "max_bits": max_bits, "seconds": seconds}
            code = _Peephole(spec, max_window, max_bits, progress, report, deadline).run(code)
            after_peephole = list(code)
        else:
            report.budget = {"proposals": proposals, "seconds": seconds, "seed": seed, "beta": beta,
                             "penalty": penalty, "restart": restart}
            code = _Stochastic(spec, random.Random(seed), beta, penalty, report, progress, restart).run(
                code, proposals, deadline)
        report.seconds = time.perf_counter() - began
        reports.append(report)
    if engines == ENGINES and spec.length(code) < spec.length(after_peephole):
        report = EngineReport("peephole (again, on the sampler's result)")   # its windows are new
        began = time.perf_counter()
        report.budget = {"max_window": max_window, "max_bits": max_bits, "seconds": seconds}
        code = _Peephole(spec, max_window, max_bits, progress, report, deadline).run(code)
        report.seconds = time.perf_counter() - began
        reports.append(report)
    if spec.mismatch_many([code])[0] != 0:     # cannot happen: every engine keeps only exact candidates
        code = list(template.code)
    best_bits = spec.length(code)
    improved = best_bits < original_bits
    held = _check_held_back(spec, template, code, held_back) if improved else []
    accepted = improved and all(row["passed"] for row in held)
    assembly = template.text(code)
    from toyinduction.machines.toy.assembler import assemble

    try:
        reassembles = assemble(assembly, template.language, "<golfed>") + "" == \
            template.encode(code) + template.data
    except ValueError:
        reassembles = False
    steps = {"original": int(sum(r.steps for r in spec.references))}
    if improved:
        check = Specification(template.__class__(template.language, tuple(code), template.constants, template.data,
                                                 template.names, template.source), spec.cases, slowdown=1.0)
        steps["golfed"] = int(sum(r.steps for r in check.references))
    history = [item for report in reports for item in report.improvements]
    return GolfResult(source=template.source, language=template.language.name, original_bits=original_bits,
                      best_bits=best_bits, original_code=template.code, best_code=tuple(code), assembly=assembly,
                      specification=spec.describe(), engines=[r.to_json() for r in reports], held_back=held,
                      accepted=accepted, seed=seed, seconds=time.perf_counter() - start_time,
                      reassembles=reassembles, steps=steps, history=history)
