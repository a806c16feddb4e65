"""Exact tails: every continuation of a program prefix, enumerated from the state it leaves.

A toy program is read lazily, so a prefix p that runs until it needs a bit beyond itself leaves
the machine *suspended*: its stack, memory, decoded code and output are those of any program
that starts with p. :func:`continuations` runs p once to that point and then walks the tree of
reads below it exactly as the enumerator walks it from the empty program (snapshot the machine
where it asks for a bit, fix the bit to 0 and resume, restore, fix it to 1): every continuation c
of at most ``max_bits`` bits is one leaf (a run that stopped: halted, fault, output limit, step
limit; or a run that still needs bits at ``max_bits``, a length-limited leaf). Nothing is kept
per leaf: leaves are tallied by (status, the output written *after p's output*), each cell with
its count, its exact mass sum 2^-|c| (an integer in units of 2^-max_bits) and its shortest few
continuations; and every node where the first bit after p's output is written is tallied by that
bit (the shortest *deciding* continuations). :func:`decision_behaviours` classifies these tallies
at a decision point of the malign-prior demo (true answer then halt, goes on faithfully, answer
1, answer 0, flip, ones).

Exact *given the prefix*: the enumeration is over the continuations of this one p; programs that
do not start with p are not looked at (docs/tails.md).

Speed: an exact collapse (as the flat enumerator's, for the two cases below) records a node whose
pending instruction cannot complete within ``max_bits`` bits (its codeword or operand needs more
bits than are left, or a ``read`` reaches past the limit) as one leaf standing for its
2^(bits left) length-limited leaves, all with this node's output and steps. Every tally is the
one of the plain walk; only the tree leaves visited are fewer. The tree is split at
``split_bits`` continuation bits into subtrees run on threads (the kernel releases the GIL),
with progress and Ctrl-C between subtrees (and inside one, every 2^20 leaves).

Bounds (numba does not check them): the machine's arrays are the kernel's, sized for programs of
len(p) + max_bits bits; snapshot slots are indexed by the continuation depth 0..max_bits; code
entries saved are those from ``code_base`` (the first entry the continuation can change: the
root's decoded-code count, or an open block's opener below it) to the code count, within the
code capacity; output bits saved are those after p's output, at most ``output_bits`` of them
(the output limit); the tallies' output node has at most ``output_bits`` bits after its leading
1; kept leaves and roots are checked against their buffers before every write.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from toyinduction._numba import jit
from toyinduction.core import Status, bits_to_array
from toyinduction.machines.toy.kernel import (BITS_LIMIT, C_MATCH, C_OP, FAULT, G_STEPS, L_DEFS, L_NESTING, NREGS,
                                              OP_BRK, OP_DEF, OP_ELSE, OP_IF, OP_READ, OP_REP, R_CALLS, R_EXPAND,
                                              R_EXPAND_END, R_FAULT, R_LOOPS, R_MEMORY_HIGH, R_NCODE, R_NDEFS, R_NOUT,
                                              R_OPEN, R_OUTPUT_LIMIT, R_PC, R_POSITION, R_SP, MachineState,
                                              _execute, _set_budget, kernel_for)
from toyinduction.engine.stop import INTERRUPTED
from toyinduction.machines.toy.language import FIRST_COMPOSITE, HAS_OPERAND, MAX_LITERAL_EXPONENT, MNEMONICS, Language

#: most continuation bits (a continuation is kept packed in one int64)
MAX_TAIL_BITS = 62
#: most output bits after the prefix's that the tallies distinguish
MAX_TAIL_OUTPUT_BITS = 16
STATUS_COUNT = 5
NEVER = np.int64(1) << 40          # the length of an empty slot of a shortest-continuation list
# totals[T_*]
T_NODES, T_TREE_LEAVES, T_PROGRAMS, T_KEPT, T_OVERFLOW, T_STOPPED, T_ROOT_OVERFLOW = range(7)
NTOTALS = 7
# close_params[Q_*] (see close_parameters)
Q_END_BITS, Q_OPENER_BITS, Q_DEF_BITS = range(3)
STOP_EVERY = 1 << 20               # tree leaves between two looks at the stop flag


# ----------------------------------------------------------------------------------------------
# the kernel: snapshots of the live part above the prefix, the walk, the collapse test
@jit
def _save(slot, code_base, out_base, defs_base, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
          s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g):
    """Copy the main program's live state into snapshot slot ``slot``: what the continuation can
    change (the code from ``code_base``, subroutine entries from ``defs_base``, output bits from
    ``out_base``; all of the stack, memory in use, open blocks, calls, loops, registers)."""
    for register in range(NREGS):
        s_regs[slot, register] = regs[0, register]
    for i in range(regs[0, R_SP]):
        s_stack[slot, i] = stack[0, i]
    for i in range(regs[0, R_MEMORY_HIGH]):
        s_memory[slot, i] = memory[0, i]
    for i in range(code_base, regs[0, R_NCODE]):
        for f in range(4):
            s_code[slot, f, i - code_base] = code[0, f, i]
    for i in range(regs[0, R_OPEN]):
        s_open[slot, i] = open_blocks[0, i]
    for i in range(defs_base, regs[0, R_NDEFS]):
        s_defs[slot, i] = defs[0, i]
    for i in range(regs[0, R_CALLS]):
        s_calls[slot, 0, i] = calls[0, 0, i]
        s_calls[slot, 1, i] = calls[0, 1, i]
    for i in range(regs[0, R_LOOPS]):
        for f in range(3):
            s_loops[slot, f, i] = loops[0, f, i]
    for i in range(out_base, regs[0, R_NOUT]):
        s_out[slot, i - out_base] = out[i]
    s_g[slot, 0] = g[0]
    s_g[slot, 1] = g[1]


@jit
def _restore(slot, code_base, out_base, defs_base, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
             s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g):
    """Put the main program back in the state saved in slot ``slot`` (see :func:`_save`)."""
    for i in range(s_regs[slot, R_MEMORY_HIGH], regs[0, R_MEMORY_HIGH]):
        memory[0, i] = 0  # cells first written after the snapshot
    for register in range(NREGS):
        regs[0, register] = s_regs[slot, register]
    for i in range(regs[0, R_SP]):
        stack[0, i] = s_stack[slot, i]
    for i in range(regs[0, R_MEMORY_HIGH]):
        memory[0, i] = s_memory[slot, i]
    for i in range(code_base, regs[0, R_NCODE]):
        for f in range(4):
            code[0, f, i] = s_code[slot, f, i - code_base]
    for i in range(regs[0, R_OPEN]):
        open_blocks[0, i] = s_open[slot, i]
    for i in range(defs_base, regs[0, R_NDEFS]):
        defs[0, i] = s_defs[slot, i]
    for i in range(regs[0, R_CALLS]):
        calls[0, 0, i] = s_calls[slot, 0, i]
        calls[0, 1, i] = s_calls[slot, 1, i]
    for i in range(regs[0, R_LOOPS]):
        for f in range(3):
            loops[0, f, i] = s_loops[slot, f, i]
    for i in range(out_base, regs[0, R_NOUT]):
        out[i] = s_out[slot, i - out_base]
    g[0] = s_g[slot, 0]
    g[1] = s_g[slot, 1]


@jit
def _cannot_complete(trie, has_operand, limits, min_complete, close_params, program, length, max_length, regs, stack,
                     code, open_blocks, loops):
    """Whether the machine, stopped for want of bit ``length``, provably cannot finish what it
    is doing within ``max_length`` bits (so that every extension is a length-limited leaf with
    its output and steps): decoding an instruction whose codeword or operand needs more bits
    than are left (no decoding fault can come first: a fault needs the codeword decoded, or 63
    operand zeros), or a ``read`` reaching past the limit. Anything else: False."""
    remaining = max_length - length
    pc = regs[0, R_PC]
    if pc >= regs[0, R_NCODE]:
        if regs[0, R_EXPAND] < regs[0, R_EXPAND_END]:
            return False
        i = regs[0, R_POSITION]
        node = np.int64(0)
        op = np.int64(-1)
        while i < length:
            following = trie[node, program[i]]
            i += 1
            if following < 0:
                op = -following - 1
                break
            node = following
        if op < 0:
            return min_complete[node] > remaining
        if op >= FIRST_COMPOSITE or has_operand[op] == 0:
            return False  # (complete: the machine would not have stopped here)
        zeros = np.int64(0)
        while i < length and program[i] == 0:
            zeros += 1
            i += 1
        if i == length:  # still in the operand's zeros: a 1 and `zeros` value bits to come
            return zeros + 1 > remaining and MAX_LITERAL_EXPONENT + 1 - zeros > remaining
        i += 1
        return zeros - (length - i) > remaining
    op = code[0, C_OP, pc]
    if op == OP_READ:
        sp = regs[0, R_SP]
        if sp < 1:
            return False
        return regs[0, R_POSITION] + stack[0, sp - 1] > max_length
    # skipping a block (if 0, else, rep 0, brk, def): it needs e more `end`s, e*end_bits bits
    # from the pending codeword's start on; no decoding fault can come first when the openers
    # and defs that fit in the bits left stay within the limits (and no composite hides a block)
    if close_params[Q_END_BITS] <= 0 or regs[0, R_EXPAND] < regs[0, R_EXPAND_END]:
        return False
    if op == OP_IF or op == OP_REP or op == OP_DEF:
        opener = pc
    elif op == OP_ELSE:
        opener = code[0, C_MATCH, pc]
    elif op == OP_BRK:
        nloops = regs[0, R_LOOPS]
        if nloops < 1:
            return False
        opener = loops[0, 0, nloops - 1]
    else:
        return False
    if opener < 0 or code[0, C_MATCH, opener] >= 0:
        return False
    nopen = regs[0, R_OPEN]
    j = nopen - 1
    while j >= 0 and open_blocks[0, j] != opener:
        j -= 1
    if j < 0:
        return False
    partial = length - regs[0, R_POSITION]
    room = remaining + partial
    if nopen + room // close_params[Q_OPENER_BITS] >= limits[L_NESTING]:
        return False
    if regs[0, R_NDEFS] + room // close_params[Q_DEF_BITS] >= limits[L_DEFS]:
        return False
    return (nopen - j) * close_params[Q_END_BITS] - partial > remaining


@jit
def _keep_best(best_bits, best_length, best_steps, row, bits, length, steps):
    """Insert (length, bits) into row ``row`` of a shortest-first list (ties: smaller bits first)."""
    k = best_length.shape[1]
    if k == 0:
        return
    last = k - 1
    if length > best_length[row, last] or (length == best_length[row, last] and bits >= best_bits[row, last]):
        return
    j = last
    while j > 0 and (best_length[row, j - 1] > length
                     or (best_length[row, j - 1] == length and best_bits[row, j - 1] > bits)):
        best_length[row, j] = best_length[row, j - 1]
        best_bits[row, j] = best_bits[row, j - 1]
        best_steps[row, j] = best_steps[row, j - 1]
        j -= 1
    best_length[row, j] = length
    best_bits[row, j] = bits
    best_steps[row, j] = steps


@jit
def _tail_walk(trie, has_operand, limits, min_complete, close_params, program, prefix_length, root_length, max_length,
               split_length, roots, prefix_steps, out_base, code_base, defs_base, collapse,
               regs, stack, memory, code, open_blocks, defs, calls, loops, child_bits, out, g,
               s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g,
               cell_count, cell_mass, best_bits, best_length, best_steps,
               first_count, first_mass, first_bits, first_length, first_steps, length_count, totals,
               leaf_bits, leaf_length, leaf_status, leaf_steps, leaf_nout, leaf_output, leaf_count, stop):
    """Walk every continuation below the suspended machine (which needs bit ``root_length`` of
    ``program``), depth first, 0 before 1, into the tallies. A node at ``split_length`` that
    needs a bit is appended to ``roots`` (roots[0] counts them) instead of being expanded; the
    root itself is neither re-run nor re-tallied for its first bit (its caller did both).

    Tallies (continuation c = program[prefix_length:length], mass 2^(max_length - length)):
    ``cell_count/cell_mass[status, node]`` by the output node after the prefix's output
    (1, then one bit per output bit); ``best_*[status * nodes + node]`` its shortest leaves;
    ``first_*[bit]`` every node at which the first output bit after the prefix's is written;
    ``length_count[status, |c|]``. Returns early (totals[T_STOPPED] = 1) when ``stop[0]`` is set.
    """
    nodes = cell_count.shape[1]
    length = root_length
    status = BITS_LIMIT
    at_root = True
    tree_leaves = np.int64(0)
    while True:
        if not at_root:
            status = _execute(trie, has_operand, limits, program, length, regs, stack, memory, code, open_blocks,
                              defs, calls, loops, child_bits, out, g, stop)
            if status == INTERRUPTED:       # the stop flag, read inside a long run
                totals[T_STOPPED] = 1
                totals[T_TREE_LEAVES] += tree_leaves
                return tree_leaves
            totals[T_NODES] += 1
            nout = regs[0, R_NOUT]
            if nout > out_base and s_regs[length - 1 - prefix_length, R_NOUT] == out_base:
                bit = out[out_base]
                mass = np.int64(1) << (max_length - length)
                first_count[bit] += 1
                first_mass[bit] += mass
                packed = np.int64(0)
                for i in range(prefix_length, length):
                    packed = packed * 2 + program[i]
                _keep_best(first_bits, first_length, first_steps, bit, packed, length - prefix_length,
                           g[G_STEPS] - prefix_steps)
        at_root = False
        count = np.int64(0)
        if status == BITS_LIMIT and length == split_length:
            if roots[0] + 1 < roots.shape[0]:
                packed = np.int64(0)
                for i in range(prefix_length, length):
                    packed = packed * 2 + program[i]
                roots[0] += 1
                roots[roots[0]] = packed
            else:
                totals[T_ROOT_OVERFLOW] = 1
        elif status == BITS_LIMIT and length < max_length:
            if collapse and _cannot_complete(trie, has_operand, limits, min_complete, close_params, program, length,
                                             max_length, regs, stack, code, open_blocks, loops):
                count = np.int64(1) << (max_length - length)
            else:
                _save(length - prefix_length, code_base, out_base, defs_base, regs, stack, memory, code, open_blocks,
                      defs, calls, loops, out, g, s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops,
                      s_out, s_g)
                program[length] = 0
                length += 1
                continue
        else:
            count = np.int64(1)
        if count > 0:
            # a leaf (or `count` length-limited leaves at max_length with this output and steps)
            tree_leaves += 1
            nout = regs[0, R_NOUT]
            node = np.int64(1)
            for i in range(out_base, nout):
                if node < nodes:
                    node = node * 2 + out[i]
            if node >= nodes:
                node = 0  # cannot happen (the output limit is out_base + output bits): row 0 is never a node
            steps = g[G_STEPS] - prefix_steps
            clength = length - prefix_length if count == 1 else max_length - prefix_length
            mass = np.int64(1) << (max_length - length)
            cell_count[status, node] += count
            cell_mass[status, node] += mass
            length_count[status, clength] += count
            totals[T_PROGRAMS] += count
            packed = np.int64(0)
            for i in range(prefix_length, length):
                packed = packed * 2 + program[i]
            if count > 1:  # a collapsed group: its first program (the bits padded with 0s)
                _keep_best(best_bits, best_length, best_steps, status * nodes + node,
                           packed << (max_length - length), clength, steps)
            else:
                _keep_best(best_bits, best_length, best_steps, status * nodes + node, packed, clength, steps)
            kept = totals[T_KEPT]
            if kept < leaf_bits.shape[0]:
                leaf_bits[kept] = packed
                leaf_length[kept] = length - prefix_length
                leaf_status[kept] = status if status != FAULT else FAULT + 8 * regs[0, R_FAULT]
                leaf_steps[kept] = steps
                leaf_nout[kept] = nout - out_base
                leaf_output[kept] = node
                leaf_count[kept] = count
                totals[T_KEPT] = kept + 1
            elif leaf_bits.shape[0] > 0:
                totals[T_OVERFLOW] = 1
            if tree_leaves % STOP_EVERY == 0 and stop[0] != 0:
                totals[T_STOPPED] = 1
                totals[T_TREE_LEAVES] += tree_leaves
                return tree_leaves
        # backtrack to the deepest node whose 1-branch is still to do
        while True:
            if length == root_length:
                totals[T_TREE_LEAVES] += tree_leaves
                return tree_leaves
            if program[length - 1] == 0:
                _restore(length - 1 - prefix_length, code_base, out_base, defs_base, regs, stack, memory, code,
                         open_blocks, defs, calls, loops, out, g, s_regs, s_stack, s_memory, s_code, s_open, s_defs,
                         s_calls, s_loops, s_out, s_g)
                program[length - 1] = 1
                break
            length -= 1


# ----------------------------------------------------------------------------------------------
def min_completion(language: Language) -> np.ndarray:
    """For each node of the decoding trie, the fewest bits that complete an instruction from it
    (the codeword's rest, plus the shortest operand, 1 bit, for push and call)."""
    trie = language.trie
    has_operand = [HAS_OPERAND[m] for m in MNEMONICS]
    result = {}

    def visit(node: int) -> int:
        if node not in result:
            best = None
            for bit in (0, 1):
                child = int(trie[node, bit])
                if child < 0:
                    op = -child - 1
                    cost = 1 + (1 if op < FIRST_COMPOSITE and has_operand[op] else 0)
                else:
                    cost = 1 + visit(child)
                best = cost if best is None else min(best, cost)
            result[node] = best
        return result[node]

    visit(0)
    table = np.zeros(max(result) + 1, dtype=np.int64)
    for node, cost in result.items():
        table[node] = cost
    return table


def close_parameters(language: Language) -> np.ndarray:
    """[end codeword bits, shortest block opener's bits, def's bits] for the collapse of a block
    being skipped; end bits 0 (no such collapse) for a language with composites or without
    the instructions."""
    words = language.codewords
    if language.composites or not all(m in words for m in ("end", "if", "rep", "loop", "def")):
        return np.array([0, 1, 1], dtype=np.int64)
    return np.array([len(words["end"]), min(len(words[m]) for m in ("if", "rep", "loop", "def")), len(words["def"])],
                    dtype=np.int64)


def _language(language_or_machine) -> Language:
    if isinstance(language_or_machine, Language):
        return language_or_machine
    from toyinduction.machines import machine

    found = machine(language_or_machine)
    language = getattr(found, "language", None)
    if not isinstance(language, Language):
        raise ValueError(f"exact tails need a toy-language machine, got {getattr(found, 'name', found)!r}")
    return language


def _check_int(name, value, low, high) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    return int(value)


@dataclass
class Suspended:
    """A prefix run to the point where it needs a bit beyond itself."""

    language: Language
    prefix: str
    state: MachineState       # suspended, with the tail's budget and output limit set
    prefix_steps: int
    prefix_output: str
    max_bits: int
    max_steps: int
    output_bits: int


def suspend(language_or_machine, prefix_bits: str, *, max_bits: int, output_bits: int, max_steps: int,
            prefix_max_steps: int = 10 ** 9) -> Suspended:
    """Run ``prefix_bits`` until it needs a bit beyond them (at most ``prefix_max_steps`` steps);
    a ValueError (one line) if it stops for any other reason. The returned state has the tail's
    budget set: ``max_steps`` more steps and ``output_bits`` more output bits, room for
    ``max_bits`` more program bits."""
    language = _language(language_or_machine)
    if not isinstance(prefix_bits, str) or set(prefix_bits) - {"0", "1"}:
        raise ValueError("prefix_bits must be a string of 0s and 1s")
    max_bits = _check_int("max_bits", max_bits, 0, MAX_TAIL_BITS)
    output_bits = _check_int("output_bits", output_bits, 1, MAX_TAIL_OUTPUT_BITS)
    max_steps = _check_int("max_steps", max_steps, 0, 2 ** 60)
    prefix_max_steps = _check_int("prefix_max_steps", prefix_max_steps, 0, 2 ** 60)
    from toyinduction.machines.toy.kernel import run

    probe = run(language, prefix_bits, prefix_max_steps, 1 << 24)
    if probe.status != Status.BITS_LIMIT:
        why = f"fault {probe.fault.label}" if probe.status == Status.FAULT else probe.status.label
        raise ValueError(f"the prefix stops ({why}) after {probe.steps} steps and {len(probe.output)} output bits "
                         f"before it needs a bit beyond its {len(prefix_bits)} bits")
    program = bits_to_array(prefix_bits)
    state = MachineState.new(language, len(prefix_bits) + max_bits, prefix_max_steps,
                             len(probe.output) + output_bits)
    status = kernel_for(language).resume(state, np.ascontiguousarray(program))
    assert status == Status.BITS_LIMIT and state.steps == probe.steps, "the kernel is not deterministic"
    _set_budget(state.regs, state.g, probe.steps + max_steps)
    state.regs[0, R_OUTPUT_LIMIT] = len(probe.output) + output_bits
    return Suspended(language, prefix_bits, state, probe.steps, probe.output, max_bits, max_steps, output_bits)


@dataclass
class Leaf:
    """One kept leaf: continuation bits, status (fault: its label), output after the prefix's,
    steps after the prefix's, and how many programs it stands for (a collapsed node: 2^k
    length-limited leaves at max_bits, of which ``bits`` is the shortest prefix)."""

    bits: str
    status: str
    output: str
    steps: int
    count: int = 1


@dataclass
class Tails:
    """The tallies of every continuation of a prefix (see :func:`continuations`).

    ``cell_count[s, node]`` / ``cell_mass[s, node]``: leaves with status s whose output after the
    prefix's is the node's bit string (node = 1 followed by the bits), mass in units of
    2^-max_bits; ``first_count[b]`` / ``first_mass[b]``: continuations at whose end the first
    output bit after the prefix's, b, has been written (each decided there); ``length_count[s, n]``:
    leaves of n bits. Shortest examples: :meth:`shortest`, :meth:`shortest_first`."""

    language: Language
    prefix: str
    prefix_output: str
    prefix_steps: int
    max_bits: int
    output_bits: int
    max_steps: int
    cell_count: np.ndarray
    cell_mass: np.ndarray
    best_bits: np.ndarray
    best_length: np.ndarray
    best_steps: np.ndarray
    first_count: np.ndarray
    first_mass: np.ndarray
    first_bits: np.ndarray
    first_length: np.ndarray
    first_steps: np.ndarray
    length_count: np.ndarray
    programs: int
    tree_leaves: int
    nodes: int
    seconds: float
    collapse: bool
    leaves: list | None = None
    roots: int = 0
    notes: list = field(default_factory=list)

    # -- reading the tallies
    @property
    def total_mass(self) -> Fraction:
        """The mass of every leaf, as a fraction of the prefix's 2^-|p| (exactly 1)."""
        return Fraction(int(self.cell_mass.sum()), 1 << self.max_bits)

    def mass(self, status=None) -> Fraction:
        """Mass of the leaves with ``status`` (all if None), as a fraction of 2^-|p|."""
        rows = self.cell_mass if status is None else self.cell_mass[int(status)]
        return Fraction(int(rows.sum()), 1 << self.max_bits)

    def cells(self):
        """Every non-empty cell: (Status, output after the prefix's, count, mass as a Fraction)."""
        for status, node in zip(*np.nonzero(self.cell_count)):
            yield (Status(int(status)), format(int(node), "b")[1:], int(self.cell_count[status, node]),
                   Fraction(int(self.cell_mass[status, node]), 1 << self.max_bits))

    def _unpack(self, bits, length) -> str:
        return format(int(bits), f"0{int(length)}b") if length else ""

    def shortest(self, status, output: str) -> list:
        """The kept shortest leaves of one cell, shortest first: (continuation bits, steps).
        (Length-limited leaves are all max_bits long; a collapsed group shows its first program.)"""
        node = int("1" + output, 2)
        if node >= self.cell_count.shape[1]:
            return []
        row = int(status) * self.cell_count.shape[1] + node
        return [(self._unpack(b, n), int(s)) for b, n, s in zip(self.best_bits[row], self.best_length[row],
                                                                self.best_steps[row]) if n < NEVER]

    def shortest_first(self, bit: int) -> list:
        """The shortest continuations at whose end the first output bit after the prefix's is
        ``bit``: (continuation bits, steps after the prefix's)."""
        return [(self._unpack(b, n), int(s)) for b, n, s in zip(self.first_bits[bit], self.first_length[bit],
                                                                self.first_steps[bit]) if n < NEVER]

    def select(self, predicate) -> dict:
        """Aggregate the cells whose (Status, output) satisfy ``predicate``: count, mass (a
        Fraction of 2^-|p|) and the shortest leaves among them, (bits, steps, status, output)."""
        count, mass, best = 0, Fraction(0), []
        for status, output, n, m in self.cells():
            if predicate(status, output):
                count += n
                mass += m
                best += [(bits, steps, status.label, output) for bits, steps in self.shortest(status, output)]
        best.sort(key=lambda row: (len(row[0]), row[0]))
        return {"count": count, "mass": mass, "shortest": best[: self.best_bits.shape[1]]}

    def summary(self) -> str:
        """A few lines: the run and the mass per status."""
        lines = [f"{self.programs} continuations of a {len(self.prefix)}-bit prefix (wrote {len(self.prefix_output)} "
                 f"bits in {self.prefix_steps} steps), up to {self.max_bits} bits, {self.max_steps} more steps, "
                 f"{self.output_bits} more output bits: {self.tree_leaves} tree leaves, {self.nodes} runs, "
                 f"{self.seconds:.1f} s"]
        for status in Status:
            lines.append(f"  {status.label:13s} {int(self.cell_count[int(status)].sum()):>16d} continuations  "
                         f"mass {float(self.mass(status)):.6g}")
        return "\n".join(lines)


class _TailWorker:
    """One thread's machine, snapshot slots and tallies."""

    def __init__(self, suspended: Suspended, collapse: bool, best: int, keep_leaves: int):
        s = suspended
        self.s = s
        self.kernel = kernel_for(s.language)
        self.min_complete = min_completion(s.language)
        self.close_params = close_parameters(s.language)
        root = s.state
        self.prefix_length = len(s.prefix)
        self.code_base = int(min([root.regs[0, R_NCODE]] + [int(root.open_blocks[0, i])
                                                            for i in range(root.regs[0, R_OPEN])]))
        self.out_base = int(root.regs[0, R_NOUT])
        self.defs_base = int(root.regs[0, R_NDEFS])
        slots = s.max_bits + 1
        limits = s.language.limits
        capacity = root.code.shape[2]
        self.s_regs = np.zeros((slots, NREGS), dtype=np.int64)
        self.s_stack = np.zeros((slots, limits["stack_depth"]), dtype=np.int64)
        self.s_memory = np.zeros((slots, limits["memory_cells"]), dtype=np.int64)
        self.s_code = np.zeros((slots, 4, capacity - self.code_base), dtype=np.int64)
        self.s_open = np.zeros((slots, limits["block_nesting"]), dtype=np.int64)
        self.s_defs = np.zeros((slots, limits["max_subroutines"]), dtype=np.int64)
        self.s_calls = np.zeros((slots, 2, limits["call_depth"]), dtype=np.int64)
        self.s_loops = np.zeros((slots, 3, limits["loop_depth"]), dtype=np.int64)
        self.s_out = np.zeros((slots, s.output_bits + 1), dtype=np.uint8)
        self.s_g = np.zeros((slots, 2), dtype=np.int64)
        nodes = 2 << s.output_bits
        self.cell_count = np.zeros((STATUS_COUNT, nodes), dtype=np.int64)
        self.cell_mass = np.zeros((STATUS_COUNT, nodes), dtype=np.int64)
        self.best_bits = np.zeros((STATUS_COUNT * nodes, best), dtype=np.int64)
        self.best_length = np.full((STATUS_COUNT * nodes, best), NEVER, dtype=np.int64)
        self.best_steps = np.zeros((STATUS_COUNT * nodes, best), dtype=np.int64)
        self.first_count = np.zeros(2, dtype=np.int64)
        self.first_mass = np.zeros(2, dtype=np.int64)
        self.first_bits = np.zeros((2, best), dtype=np.int64)
        self.first_length = np.full((2, best), NEVER, dtype=np.int64)
        self.first_steps = np.zeros((2, best), dtype=np.int64)
        self.length_count = np.zeros((STATUS_COUNT, s.max_bits + 1), dtype=np.int64)
        self.totals = np.zeros(NTOTALS, dtype=np.int64)
        self.leaves = {name: np.zeros(keep_leaves, dtype=np.int64)
                       for name in ("bits", "length", "status", "steps", "nout", "output", "count")}
        self.collapse = collapse

    def subtree(self, root: str, split_bits: int, stop: np.ndarray) -> list:
        """Walk every continuation extending ``root`` (continuation bits); the roots left at
        ``split_bits`` continuation bits (-1: none)."""
        s = self.s
        state = s.state.copy()
        program = np.zeros(self.prefix_length + s.max_bits + 1, dtype=np.uint8)
        program[: self.prefix_length] = bits_to_array(s.prefix)
        for i, bit in enumerate(root):
            program[self.prefix_length + i] = int(bit)
        root_length = self.prefix_length + len(root)
        if root:
            status = self.kernel.resume(state, program[:root_length])
            assert status == Status.BITS_LIMIT, "a root must need a bit"
        roots = np.zeros((1 << max(split_bits, 0)) + 1, dtype=np.int64)
        split_length = self.prefix_length + split_bits if split_bits >= 0 else -1
        k, L = self.kernel, self.leaves
        _tail_walk(k.trie, k.has_operand, k.limits, self.min_complete, self.close_params, program, self.prefix_length, root_length,
                   self.prefix_length + s.max_bits, split_length, roots, s.prefix_steps, self.out_base, self.code_base,
                   self.defs_base, self.collapse, state.regs, state.stack, state.memory, state.code,
                   state.open_blocks, state.defs, state.calls, state.loops, state.child_bits, state.out, state.g,
                   self.s_regs, self.s_stack, self.s_memory, self.s_code, self.s_open, self.s_defs, self.s_calls,
                   self.s_loops, self.s_out, self.s_g, self.cell_count, self.cell_mass, self.best_bits,
                   self.best_length, self.best_steps, self.first_count, self.first_mass, self.first_bits,
                   self.first_length, self.first_steps, self.length_count, self.totals,
                   L["bits"], L["length"], L["status"], L["steps"], L["nout"], L["output"], L["count"], stop)
        return [format(int(bits), f"0{split_bits}b") for bits in roots[1: roots[0] + 1]]


def _merge_best(bits_list, length_list, steps_list, keep: int):
    bits, length, steps = (np.concatenate(arrays, axis=1) for arrays in (bits_list, length_list, steps_list))
    order = np.lexsort((bits, length), axis=-1)[:, :keep]
    take = np.take_along_axis
    return take(bits, order, 1), take(length, order, 1), take(steps, order, 1)


def continuations(language_or_machine, prefix_bits: str, *, max_bits: int, output_bits: int, max_steps: int,
                  progress=None, workers: int = 1, collapse: bool = True, best: int = 3, keep_leaves: int = 0,
                  split_bits: int | None = None, prefix_max_steps: int = 10 ** 9) -> Tails:
    """Enumerate every continuation of ``prefix_bits`` of at most ``max_bits`` bits.

    The prefix runs (at most ``prefix_max_steps`` steps) until it needs a bit beyond itself; a
    prefix that halts, faults or hits a limit first is a one-line ValueError. From that
    suspended state every continuation c is run by forking on each bit the machine asks for, as
    the enumerator does from the empty program, with ``max_steps`` more steps and
    ``output_bits`` (1..16) more output bits than the prefix used; a run that still needs bits
    at ``max_bits`` is a length-limited leaf. The result tallies the leaves by (status, output
    after the prefix's), with counts, exact masses (units of 2^-max_bits, relative to the
    prefix's own 2^-|p|: they sum to 1) and the ``best`` shortest continuations of each; and the
    continuations that write the first bit after the prefix's output, by that bit. With
    ``keep_leaves`` > 0 the first that many leaves are also kept (``Tails.leaves``).

    ``collapse`` (exact) counts a node that cannot finish its pending instruction within
    ``max_bits`` as its 2^k length-limited leaves at once. The tree is split at ``split_bits``
    continuation bits (default 10 when max_bits > 20, else no split) into subtrees run on
    ``workers`` threads; ``progress(done, total)`` follows them, and Ctrl-C stops the run (a
    KeyboardInterrupt after the running subtrees have stopped).
    """
    suspended = suspend(language_or_machine, prefix_bits, max_bits=max_bits, output_bits=output_bits,
                        max_steps=max_steps, prefix_max_steps=prefix_max_steps)
    workers = _check_int("workers", workers, 1, 64)
    best = _check_int("best", best, 1, 64)
    keep_leaves = _check_int("keep_leaves", keep_leaves, 0, 1 << 24)
    if split_bits is None:
        split_bits = 10 if max_bits > 20 else 0
    split_bits = min(_check_int("split_bits", split_bits, 0, 20), max_bits)
    if keep_leaves:
        split_bits = 0  # kept leaves come from one unsplit walk
    start = time.perf_counter()
    stop = np.zeros(1, dtype=np.int64)
    main = _TailWorker(suspended, bool(collapse), best, keep_leaves)
    roots = main.subtree("", split_bits if split_bits > 0 else -1, stop)
    pool = [main] + [_TailWorker(suspended, bool(collapse), best, 0) for _ in range(min(workers, len(roots)) - 1)]
    free = list(pool)
    lock = threading.Lock()

    def task(root):
        with lock:
            worker = free.pop()
        try:
            worker.subtree(root, -1, stop)
        finally:
            with lock:
                free.append(worker)

    done = 0
    if progress is not None:
        progress(done, len(roots))
    if roots:
        executor = ThreadPoolExecutor(max_workers=len(pool))
        futures = [executor.submit(task, root) for root in roots]
        try:
            for future in futures:
                while True:
                    try:
                        future.result(timeout=0.2)
                        break
                    except FutureTimeout:
                        continue
                done += 1
                if progress is not None:
                    progress(done, len(roots))
        except BaseException:
            stop[0] = 1
            for future in futures:
                future.cancel()
            executor.shutdown(wait=True)
            raise
        executor.shutdown(wait=True)
    if any(worker.totals[T_ROOT_OVERFLOW] for worker in pool):
        raise RuntimeError("internal: the root buffer overflowed")
    best_bits, best_length, best_steps = _merge_best([w.best_bits for w in pool], [w.best_length for w in pool],
                                                     [w.best_steps for w in pool], best)
    first_bits, first_length, first_steps = _merge_best([w.first_bits for w in pool], [w.first_length for w in pool],
                                                        [w.first_steps for w in pool], best)
    leaves = None
    if keep_leaves:
        kept = int(main.totals[T_KEPT])
        L = main.leaves
        leaves = []
        for i in range(kept):
            code = int(L["status"][i])
            if code >= FAULT:
                from toyinduction.core import Fault

                label = f"fault:{Fault(code // 8).label}"
            else:
                label = Status(code).label
            node = int(L["output"][i])
            leaves.append(Leaf(bits=format(int(L["bits"][i]), f"0{int(L['length'][i])}b") if L["length"][i] else "",
                               status=label, output=format(node, "b")[1:], steps=int(L["steps"][i]),
                               count=int(L["count"][i])))
        if main.totals[T_OVERFLOW]:
            leaves = None
    total = sum
    return Tails(language=suspended.language, prefix=prefix_bits, prefix_output=suspended.prefix_output,
                 prefix_steps=suspended.prefix_steps, max_bits=max_bits, output_bits=output_bits, max_steps=max_steps,
                 cell_count=total(w.cell_count for w in pool), cell_mass=total(w.cell_mass for w in pool),
                 best_bits=best_bits, best_length=best_length, best_steps=best_steps,
                 first_count=total(w.first_count for w in pool), first_mass=total(w.first_mass for w in pool),
                 first_bits=first_bits, first_length=first_length, first_steps=first_steps,
                 length_count=total(w.length_count for w in pool),
                 programs=int(total(w.totals[T_PROGRAMS] for w in pool)),
                 tree_leaves=int(total(w.totals[T_TREE_LEAVES] for w in pool)),
                 nodes=int(total(w.totals[T_NODES] for w in pool)), seconds=time.perf_counter() - start,
                 collapse=bool(collapse), leaves=leaves, roots=len(roots))


# ----------------------------------------------------------------------------------------------
def continuations_reference(language_or_machine, prefix_bits: str, *, max_bits: int, output_bits: int,
                            max_steps: int, runner=None) -> list:
    """The slow, obvious definition: every continuation c (breadth first) is run as the whole
    program prefix + c from scratch (by default with the pure-Python reference interpreter;
    ``runner(bits, max_steps, max_output_bits)`` to use another), a leaf when the run stops or
    c has ``max_bits`` bits, else extended by 0 and by 1. Returns the leaves (as
    :class:`Leaf`, outputs and steps after the prefix's), sorted by bits."""
    language = _language(language_or_machine)
    if runner is None:
        from toyinduction.machines.toy.reference import run_reference

        def runner(bits, steps, outputs):
            return run_reference(language, bits, steps, outputs)
    probe = runner(prefix_bits, 10 ** 9, 1 << 24)
    if probe.status != Status.BITS_LIMIT:
        raise ValueError(f"the prefix stops ({probe.status.label}) before it needs a bit beyond itself")
    budget, limit = probe.steps + max_steps, len(probe.output) + output_bits
    leaves, frontier = [], [""]
    while frontier:
        following = []
        for c in frontier:
            result = runner(prefix_bits + c, budget, limit)
            if result.status == Status.BITS_LIMIT and len(c) < max_bits:
                following += [c + "0", c + "1"]
                continue
            label = result.status.label if result.status != Status.FAULT else f"fault:{result.fault.label}"
            leaves.append(Leaf(bits=c, status=label, output=result.output[len(probe.output):],
                               steps=result.steps - probe.steps))
        frontier = following
    return sorted(leaves, key=lambda leaf: leaf.bits)


def expand_leaves(tails: Tails) -> list:
    """The kept leaves with every collapsed group written out as its 2^k programs (for
    comparison with :func:`continuations_reference`), sorted by bits."""
    if tails.leaves is None:
        raise ValueError("no leaves were kept (keep_leaves too small, or the run was split)")
    rows = []
    for leaf in tails.leaves:
        extra = tails.max_bits - len(leaf.bits) if leaf.count > 1 else 0
        for tail in range(1 << extra):
            bits = leaf.bits + (format(tail, f"0{extra}b") if extra else "")
            rows.append(Leaf(bits, leaf.status, leaf.output, leaf.steps))
    return sorted(rows, key=lambda leaf: leaf.bits)


# ----------------------------------------------------------------------------------------------
# behaviours at a decision point
BEHAVIOURS = ("true answer, then halt", "true answer, then goes on faithfully", "answer 1", "answer 0", "flip",
              "ones")


@dataclass
class Behaviour:
    """One behaviour at a decision point: how many continuations show it, their exact prior
    mass relative to the prefix's (a Fraction; times 2^-|p| for the absolute prior), and the
    shortest ones: (bits, steps after the prefix, status, output after the prefix)."""

    name: str
    definition: str
    count: int
    mass: Fraction
    shortest: list

    @property
    def bits(self) -> int | None:
        """Length in bits of the shortest continuation (None: none within max_bits)."""
        return len(self.shortest[0][0]) if self.shortest else None


def decision_behaviours(tails: Tails, stream: str, t: int, *, faithful_bits: int | None = None) -> list:
    """Classify the continuations at decision point ``t`` (the answer bit's index) of the true
    ``stream`` (at least t + faithful_bits bits; the prefix must have written exactly its first t
    bits). ``faithful_bits`` (N, default the tails' output_bits) is how far "goes on faithfully"
    and "ones" look. The behaviours (they overlap: answer 1 is the true answer or the flip):

    - *true answer, then halt*: writes stream[t] and halts;
    - *true answer, then goes on faithfully*: writes stream[t:t+N];
    - *answer 1* / *answer 0* / *flip*: its first bit is 1 / 0 / not stream[t] (counted where the
      bit is written: the shortest such continuation decides it, whatever follows);
    - *ones*: writes N ones.

    Returns one :class:`Behaviour` per name in BEHAVIOURS."""
    if not isinstance(t, int) or isinstance(t, bool) or t < 0:
        raise ValueError(f"t must be a non-negative integer, got {t!r}")
    n = tails.output_bits if faithful_bits is None else faithful_bits
    if not isinstance(n, int) or not 1 <= n <= tails.output_bits:
        raise ValueError(f"faithful_bits must be in 1..{tails.output_bits} (the tails' output_bits), got {n!r}")
    if not isinstance(stream, str) or set(stream) - {"0", "1"} or len(stream) < t + n:
        raise ValueError(f"stream must be a bit string of at least t + faithful_bits = {t + n} bits")
    if len(tails.prefix_output) != t:
        raise ValueError(f"the prefix wrote {len(tails.prefix_output)} bits, not t = {t}: it does not stop at the "
                         f"decision point")
    if tails.prefix_output != stream[:t]:
        raise ValueError("the prefix's output is not the stream's first t bits")
    answer, later = int(stream[t]), stream[t:t + n]
    rows = []

    def first(bit, name, definition):
        shortest = [(bits, steps, "first bit", str(bit)) for bits, steps in tails.shortest_first(bit)]
        rows.append(Behaviour(name, definition, int(tails.first_count[bit]),
                              Fraction(int(tails.first_mass[bit]), 1 << tails.max_bits), shortest))

    for name in BEHAVIOURS:
        if name == "true answer, then halt":
            got = tails.select(lambda s, o: s == Status.HALTED and o == str(answer))
            rows.append(Behaviour(name, f"writes {answer} and halts", got["count"], got["mass"], got["shortest"]))
        elif name == "true answer, then goes on faithfully":
            got = tails.select(lambda s, o: o.startswith(later))
            rows.append(Behaviour(name, f"writes the next {n} bits {later}", got["count"], got["mass"],
                                  got["shortest"]))
        elif name == "answer 1":
            first(1, name, "first bit 1")
        elif name == "answer 0":
            first(0, name, "first bit 0")
        elif name == "flip":
            first(1 - answer, name, f"first bit {1 - answer} (not the true {answer})")
        elif name == "ones":
            got = tails.select(lambda s, o: o.startswith("1" * n))
            rows.append(Behaviour(name, f"writes {n} ones", got["count"], got["mass"], got["shortest"]))
    return rows


def disassemble_tail(language_or_machine, prefix_bits: str, continuation: str) -> str:
    """Assembly of a continuation as the machine decodes it after the prefix: the disassembly of
    prefix + continuation (data spans found by running it) minus that of the prefix alone, or,
    where the two do not line up, the continuation disassembled on its own."""
    from toyinduction.machines.toy.assembler import disassemble

    language = _language(language_or_machine)
    whole = disassemble(prefix_bits + continuation, language).splitlines()
    alone = disassemble(prefix_bits, language).splitlines()
    if whole[: len(alone)] == alone:
        return " ".join(line.strip() for line in whole[len(alone):])
    return " ".join(line.strip() for line in disassemble(continuation, language).splitlines())
