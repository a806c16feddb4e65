"""The fast interpreter: a numba kernel beside a public function that validates and wraps it.

The kernel implements exactly the semantics of :mod:`toyinduction.machines.toy.reference` (the tests run
both on the same programs). Its whole state lives in a :class:`MachineState` of plain arrays,
so a run that stopped for want of program bits (status ``bits_limit``) can be resumed later
with a longer program: the machine always stops at an instruction boundary, having consumed
nothing of the instruction it could not finish.

Safety: numba does not check bounds, so every array access below is bounded by construction
or by an explicit check that ends the run in ``fault``:
  - data stack, memory, call stack, loop stack, open-block stack, subroutine table: checked
    against the language limits (the arrays are sized by exactly those limits);
  - decoded code: one entry per decoded instruction, and every codeword is >= 1 bit long and
    decodes to at most ``max_expansion`` instructions (more than one only for a composite), so
    at most (program bits) * max_expansion entries; the array has one more than that (and the
    decoder checks the index all the same);
  - the decoding table (trie, composite headers and bodies): every index into it is a value the
    table itself holds, each pointing inside it by construction (Language.trie);
  - eval: at most ``eval_depth`` levels below the main program (checked); a child's program
    is a bit-string value of at most 62 bits, so its code and bit arrays (63 wide) suffice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toyinduction._numba import jit, jit_inline
from toyinduction.engine.stop import (INTERRUPTED, POLL_LEAVES, POLL_STEPS, STOP, Interrupted, raise_if_stopped,
                                     stop_requested)
from toyinduction.machines.toy.language import (FIRST_COMPOSITE, HAS_OPERAND, MAX_LITERAL_EXPONENT, MAX_PACKED_BITS,
                                               MNEMONICS, SEMANTIC_ID, STACK_GROWS, STACK_NEEDS, Language)
from toyinduction.core import Fault, RunResult, Status, array_to_bits, bits_to_array

# Semantic ids of the instructions (numba treats these module globals as constants).
OP_PUSH, OP_DUP, OP_DROP, OP_SWAP, OP_OVER, OP_ROT = (SEMANTIC_ID[m] for m in ("push", "dup", "drop", "swap", "over", "rot"))
OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_INC = (SEMANTIC_ID[m] for m in ("add", "sub", "mul", "div", "mod", "inc"))
OP_EQ, OP_LT, OP_NOT, OP_AND, OP_OR, OP_XOR, OP_SHR, OP_MIX = (
    SEMANTIC_ID[m] for m in ("eq", "lt", "not", "and", "or", "xor", "shr", "mix"))
OP_LOAD, OP_STORE = SEMANTIC_ID["load"], SEMANTIC_ID["store"]
OP_IF, OP_ELSE, OP_END, OP_REP, OP_LOOP, OP_BRK, OP_IDX = (
    SEMANTIC_ID[m] for m in ("if", "else", "end", "rep", "loop", "brk", "idx"))
OP_DEF, OP_CALL, OP_RET = SEMANTIC_ID["def"], SEMANTIC_ID["call"], SEMANTIC_ID["ret"]
OP_OUT, OP_READ, OP_EVAL = SEMANTIC_ID["out"], SEMANTIC_ID["read"], SEMANTIC_ID["eval"]
assert len(MNEMONICS) == 35, "a new instruction needs a dispatch branch in the reference, the kernel and flat.py"
# Stack effects by semantic id (global arrays are compile-time constants for numba).
STACK_NEEDS = np.array([STACK_NEEDS[m] for m in MNEMONICS], dtype=np.int64)
STACK_GROWS = np.array([STACK_GROWS[m] for m in MNEMONICS], dtype=np.int64)

# Status and fault codes as plain ints for the kernel.
HALTED, STEP_LIMIT, OUTPUT_LIMIT, BITS_LIMIT, FAULT = (int(s) for s in Status)
RUNNING = -1
F_UNDERFLOW, F_OVERFLOW, F_ADDRESS, F_ZERO = (int(f) for f in (
    Fault.STACK_UNDERFLOW, Fault.STACK_OVERFLOW, Fault.MEMORY_ADDRESS, Fault.DIVISION_BY_ZERO))
F_READ_WIDTH, F_UNDEFINED, F_CALL_DEPTH, F_LOOP_DEPTH = (int(f) for f in (
    Fault.READ_WIDTH, Fault.UNDEFINED_SUBROUTINE, Fault.CALL_DEPTH, Fault.LOOP_DEPTH))
F_NESTING, F_TOO_MANY_DEFS, F_ELSE, F_BREAK, F_INDEX = (int(f) for f in (
    Fault.BLOCK_NESTING, Fault.TOO_MANY_SUBROUTINES, Fault.MISPLACED_ELSE, Fault.BREAK_OUTSIDE_LOOP,
    Fault.INDEX_OUTSIDE_LOOP))
F_LITERAL, F_EVAL_DEPTH, F_BAD_BITS, F_INTERNAL = (int(f) for f in (
    Fault.LITERAL_TOO_LARGE, Fault.EVAL_DEPTH, Fault.BAD_BIT_STRING, Fault.INTERNAL))

# Per-level registers: regs[level, R_*]. R_EXPAND..R_EXPAND_END: the rows of the decoding table
# still to decode from a composite's body (empty when equal), so a snapshot of the registers
# carries a half-decoded composite along.
(R_PC, R_SP, R_CALLS, R_LOOPS, R_OPEN, R_NCODE, R_POSITION, R_NDEFS, R_NBITS, R_PACKED_OUT,
 R_NOUT, R_OUTPUT_LIMIT, R_STEP_END, R_FAULT, R_REQUESTED_END, R_MEMORY_HIGH, R_EXPAND, R_EXPAND_END) = range(18)
NREGS = 18
#: Step budgets are capped here so that step counts plus budgets never overflow int64.
MAX_STEPS = 2 ** 61
# Global registers: g[G_*].
G_STEPS, G_LEVEL = 0, 1
# Fields of the decoded code: code[level, C_*, index].
C_OP, C_ARG, C_MATCH, C_ELSE = 0, 1, 2, 3
# Limits as an array, in this order.
LIMIT_ORDER = ("stack_depth", "memory_cells", "call_depth", "loop_depth", "block_nesting",
               "max_subroutines", "eval_depth")
L_STACK, L_MEMORY, L_CALLS, L_LOOPS, L_NESTING, L_DEFS, L_EVAL = range(7)

U30, U27, U31, U2, U1 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(2), np.uint64(1)
GOLDEN, MIX_A, MIX_B = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


@jit
def _mix(a, b):
    """splitmix64 finaliser of a + phi*(b+1) (mod 2^64), top 62 bits: the ``mix`` primitive."""
    x = np.uint64(a) + GOLDEN * (np.uint64(b) + U1)
    x = x ^ (x >> U30)
    x = x * MIX_A
    x = x ^ (x >> U27)
    x = x * MIX_B
    x = x ^ (x >> U31)
    return np.int64(x >> U2)


@jit_inline
def _binary(op, a, b):
    """The two-operand instructions, ``a b -- f(a, b)`` (add sub mul div mod eq lt and or xor
    shr mix), on int64 with wrap-around: returns (result, fault), fault F_ZERO for a division or
    modulo by 0, else 0. The one definition the kernel, the flat enumerator and the
    superoptimizer's local test share; the reference interpreter says the same in Python."""
    result = np.int64(0)
    fault = 0
    if op == OP_ADD:
        result = a + b
    elif op == OP_SUB:
        result = a - b
    elif op == OP_MUL:
        result = a * b
    elif op == OP_DIV or op == OP_MOD:
        if b == 0:
            fault = F_ZERO
        elif b == -1:  # avoid the hardware trap of MIN // -1; wraps like the reference
            result = np.int64(0) - a if op == OP_DIV else np.int64(0)
        elif op == OP_DIV:
            result = a // b
        else:
            result = a % b
    elif op == OP_EQ:
        result = np.int64(a == b)
    elif op == OP_LT:
        result = np.int64(a < b)
    elif op == OP_AND:
        result = a & b
    elif op == OP_OR:
        result = a | b
    elif op == OP_XOR:
        result = a ^ b
    elif op == OP_SHR:
        result = a >> min(max(b, np.int64(0)), np.int64(63))
    else:
        result = _mix(a, b)
    return result, fault


@jit
def _bit(level, position, program, child_bits):
    """Program bit ``position`` of the program running at ``level`` (caller checks the range)."""
    if level == 0:
        return np.int64(program[position])
    return np.int64(child_bits[level, position])


@jit
def _decode_one(level, trie, has_operand, limits, program, nprog, child_bits, regs, code, open_blocks, defs):
    """Decode the next instruction and append it to the code: the next of a composite's body
    (rows R_EXPAND..R_EXPAND_END of the decoding table), else the one at the read position (a
    composite's codeword queues its body and yields its first instruction).

    Returns RUNNING on success, BITS_LIMIT (nothing consumed) or FAULT (reason in regs).
    """
    index = regs[level, R_NCODE]
    if index >= code.shape[2]:  # cannot happen (see the module doc): a fault rather than a stray write
        regs[level, R_FAULT] = F_INTERNAL
        return FAULT
    expand = regs[level, R_EXPAND]
    if expand < regs[level, R_EXPAND_END]:
        op = trie[expand, 0]
        operand = trie[expand, 1]
        regs[level, R_EXPAND] = expand + 1
    else:
        position = regs[level, R_POSITION]
        nbits = nprog if level == 0 else regs[level, R_NBITS]
        node = 0
        while True:
            if position >= nbits:
                return BITS_LIMIT
            following = trie[node, _bit(level, position, program, child_bits)]
            position += 1
            if following < 0:
                op = -following - 1
                break
            node = following
        operand = 0
        if op >= FIRST_COMPOSITE:
            header = op - FIRST_COMPOSITE
            first = trie[header, 0]
            op = trie[first, 0]
            operand = trie[first, 1]
            regs[level, R_EXPAND] = first + 1
            regs[level, R_EXPAND_END] = trie[header, 1]
        elif has_operand[op]:
            zeros = 0
            while True:
                if position >= nbits:
                    return BITS_LIMIT
                bit = _bit(level, position, program, child_bits)
                position += 1
                if bit == 1:
                    break
                zeros += 1
                if zeros > MAX_LITERAL_EXPONENT:
                    regs[level, R_POSITION] = position
                    regs[level, R_FAULT] = F_LITERAL
                    return FAULT
            if position + zeros > nbits:
                return BITS_LIMIT
            value = 1
            for offset in range(zeros):
                value = value * 2 + _bit(level, position + offset, program, child_bits)
            position += zeros
            operand = value - 1
        regs[level, R_POSITION] = position
    code[level, C_OP, index] = op
    code[level, C_ARG, index] = operand
    code[level, C_MATCH, index] = -1
    code[level, C_ELSE, index] = -1
    regs[level, R_NCODE] = index + 1
    nopen = regs[level, R_OPEN]
    if op == OP_IF or op == OP_REP or op == OP_LOOP or op == OP_DEF:
        if nopen >= limits[L_NESTING]:
            regs[level, R_FAULT] = F_NESTING
            return FAULT
        if op == OP_DEF:
            ndefs = regs[level, R_NDEFS]
            if ndefs >= limits[L_DEFS]:
                regs[level, R_FAULT] = F_TOO_MANY_DEFS
                return FAULT
            defs[level, ndefs] = index
            regs[level, R_NDEFS] = ndefs + 1
        open_blocks[level, nopen] = index
        regs[level, R_OPEN] = nopen + 1
    elif op == OP_ELSE:
        if nopen > 0:
            opener = open_blocks[level, nopen - 1]
            if code[level, C_OP, opener] == OP_IF and code[level, C_ELSE, opener] < 0:
                code[level, C_ELSE, opener] = index
                code[level, C_MATCH, index] = opener
    elif op == OP_END:
        if nopen > 0:
            opener = open_blocks[level, nopen - 1]
            regs[level, R_OPEN] = nopen - 1
            code[level, C_MATCH, opener] = index
            code[level, C_MATCH, index] = opener
    return RUNNING


@jit
def _close(level, opener, trie, has_operand, limits, program, nprog, child_bits, regs, code, open_blocks, defs):
    """Decode until the block opened at ``opener`` has its end. RUNNING, or why not."""
    while code[level, C_MATCH, opener] < 0:
        result = _decode_one(level, trie, has_operand, limits, program, nprog, child_bits, regs, code,
                             open_blocks, defs)
        if result != RUNNING:
            return result
    return RUNNING


@jit
def _loop_base(level, regs, calls):
    """Loop-stack height when the current call began (0 in the main program)."""
    ncalls = regs[level, R_CALLS]
    if ncalls == 0:
        return 0
    return calls[level, 1, ncalls - 1]


@jit
def _return(level, regs, calls):
    """ret, or the end of a def: (return address, RUNNING), or (-, HALTED) in the main program."""
    ncalls = regs[level, R_CALLS]
    if ncalls == 0:
        return np.int64(-1), HALTED
    regs[level, R_LOOPS] = calls[level, 1, ncalls - 1]
    regs[level, R_CALLS] = ncalls - 1
    return calls[level, 0, ncalls - 1], RUNNING


@jit
def _execute(trie, has_operand, limits, program, nprog, regs, stack, memory, code, open_blocks, defs, calls,
             loops, child_bits, out, g, stop):
    """Run (or resume) the machine until it stops; return the status of the main program.

    The state arrays are updated in place; ``g[G_STEPS]`` holds the steps used. Every
    POLL_STEPS steps the stop flag ``stop`` is read: when set, the machine is suspended as a
    spent budget suspends it (resumable) and INTERRUPTED is returned (see engine.stop).
    """
    level = g[G_LEVEL]
    steps = g[G_STEPS]
    pc = regs[level, R_PC]
    sp = regs[level, R_SP]
    step_end = regs[level, R_STEP_END]
    stack_depth = limits[L_STACK]
    memory_cells = limits[L_MEMORY]
    poll_at = steps + POLL_STEPS
    while True:
        status = RUNNING
        fault = 0
        if steps >= poll_at:
            poll_at = steps + POLL_STEPS
            if stop_requested(stop):
                regs[level, R_PC] = pc
                regs[level, R_SP] = sp
                g[G_STEPS] = steps
                return INTERRUPTED
        if steps >= step_end:
            if steps >= regs[0, R_STEP_END]:
                # the main program's budget is spent: suspend right here, at any level, so that
                # a larger budget can resume exactly (see _set_budget)
                regs[level, R_PC] = pc
                regs[level, R_SP] = sp
                g[G_STEPS] = steps
                return STEP_LIMIT
            status = STEP_LIMIT
        elif pc >= regs[level, R_NCODE]:
            status = _decode_one(level, trie, has_operand, limits, program, nprog, child_bits, regs, code,
                                 open_blocks, defs)
        else:
            op = code[level, C_OP, pc]
            next_pc = pc + 1
            refused = False  # set when an instruction stops the run without completing
            # every instruction first checks its stack effect (the table's "stack" column)
            if sp < STACK_NEEDS[op]:
                fault = F_UNDERFLOW
            elif sp + STACK_GROWS[op] > stack_depth:
                fault = F_OVERFLOW
            # -- push n
            elif op == OP_PUSH:
                stack[level, sp] = code[level, C_ARG, pc]
                sp += 1
            # -- dup drop swap over rot
            elif op == OP_DUP:
                stack[level, sp] = stack[level, sp - 1]
                sp += 1
            elif op == OP_DROP:
                sp -= 1
            elif op == OP_SWAP:
                top = stack[level, sp - 1]
                stack[level, sp - 1] = stack[level, sp - 2]
                stack[level, sp - 2] = top
            elif op == OP_OVER:
                stack[level, sp] = stack[level, sp - 2]
                sp += 1
            elif op == OP_ROT:
                third = stack[level, sp - 3]
                stack[level, sp - 3] = stack[level, sp - 2]
                stack[level, sp - 2] = stack[level, sp - 1]
                stack[level, sp - 1] = third
            # -- a b -- f(a, b): arithmetic, comparison, bits, mix
            elif (op == OP_ADD or op == OP_SUB or op == OP_MUL or op == OP_DIV or op == OP_MOD or op == OP_EQ
                  or op == OP_LT or op == OP_AND or op == OP_OR or op == OP_XOR or op == OP_SHR or op == OP_MIX):
                result, bad = _binary(op, stack[level, sp - 2], stack[level, sp - 1])
                if bad:
                    fault = bad
                stack[level, sp - 2] = result
                sp -= 1
            # -- inc not
            elif op == OP_INC:
                stack[level, sp - 1] += 1
            elif op == OP_NOT:
                stack[level, sp - 1] = np.int64(stack[level, sp - 1] == 0)
            # -- load store
            elif op == OP_LOAD or op == OP_STORE:
                address = stack[level, sp - 1]
                if address < 0 or address >= memory_cells:
                    fault = F_ADDRESS
                elif op == OP_LOAD:
                    stack[level, sp - 1] = memory[level, address]
                else:
                    memory[level, address] = stack[level, sp - 2]
                    sp -= 2
                    if address >= regs[level, R_MEMORY_HIGH]:  # cells at and above it are all zero
                        regs[level, R_MEMORY_HIGH] = address + 1
            # -- if ... [else ...] end
            elif op == OP_IF:
                if stack[level, sp - 1] == 0:
                    status = _close(level, pc, trie, has_operand, limits, program, nprog, child_bits, regs, code,
                                    open_blocks, defs)
                    target = code[level, C_ELSE, pc]
                    next_pc = (target if target >= 0 else code[level, C_MATCH, pc]) + 1
                if status == RUNNING:  # (a stop for want of bits must leave the state as it was)
                    sp -= 1
            # -- else: from the then-branch, jump past the end
            elif op == OP_ELSE:
                opener = code[level, C_MATCH, pc]
                if opener < 0:
                    fault = F_ELSE
                else:
                    status = _close(level, opener, trie, has_operand, limits, program, nprog, child_bits, regs,
                                    code, open_blocks, defs)
                    next_pc = code[level, C_MATCH, opener] + 1
            # -- end: fall through, loop back, return, or (unmatched) halt
            elif op == OP_END:
                opener = code[level, C_MATCH, pc]
                kind = code[level, C_OP, opener] if opener >= 0 else -1
                if opener < 0:
                    status = HALTED
                elif kind == OP_REP or kind == OP_LOOP:
                    nloops = regs[level, R_LOOPS]
                    if nloops <= _loop_base(level, regs, calls) or loops[level, 0, nloops - 1] != opener:
                        fault = F_INTERNAL
                    else:
                        index = loops[level, 2, nloops - 1] + 1
                        loops[level, 2, nloops - 1] = index
                        if kind == OP_LOOP or index < loops[level, 1, nloops - 1]:
                            next_pc = opener + 1
                        else:
                            regs[level, R_LOOPS] = nloops - 1
                elif kind == OP_DEF:
                    next_pc, status = _return(level, regs, calls)
            # -- rep ... end: n times
            elif op == OP_REP:
                count = stack[level, sp - 1]
                nloops = regs[level, R_LOOPS]
                if count <= 0:
                    status = _close(level, pc, trie, has_operand, limits, program, nprog, child_bits, regs, code,
                                    open_blocks, defs)
                    next_pc = code[level, C_MATCH, pc] + 1
                elif nloops >= limits[L_LOOPS]:
                    fault = F_LOOP_DEPTH
                else:
                    loops[level, 0, nloops] = pc
                    loops[level, 1, nloops] = count
                    loops[level, 2, nloops] = 0
                    regs[level, R_LOOPS] = nloops + 1
                if status == RUNNING:
                    sp -= 1
            # -- loop ... end: forever
            elif op == OP_LOOP:
                nloops = regs[level, R_LOOPS]
                if nloops >= limits[L_LOOPS]:
                    fault = F_LOOP_DEPTH
                else:
                    loops[level, 0, nloops] = pc
                    loops[level, 1, nloops] = -1
                    loops[level, 2, nloops] = 0
                    regs[level, R_LOOPS] = nloops + 1
            # -- brk: leave the innermost loop if the top is non-zero
            elif op == OP_BRK:
                nloops = regs[level, R_LOOPS]
                if stack[level, sp - 1] != 0:
                    if nloops <= _loop_base(level, regs, calls):
                        fault = F_BREAK
                    else:
                        opener = loops[level, 0, nloops - 1]
                        status = _close(level, opener, trie, has_operand, limits, program, nprog, child_bits, regs,
                                        code, open_blocks, defs)
                        if status == RUNNING:
                            regs[level, R_LOOPS] = nloops - 1
                            next_pc = code[level, C_MATCH, opener] + 1
                if status == RUNNING:
                    sp -= 1
            # -- idx
            elif op == OP_IDX:
                nloops = regs[level, R_LOOPS]
                if nloops <= _loop_base(level, regs, calls):
                    fault = F_INDEX
                else:
                    stack[level, sp] = loops[level, 2, nloops - 1]
                    sp += 1
            # -- def ... end: skip the body
            elif op == OP_DEF:
                status = _close(level, pc, trie, has_operand, limits, program, nprog, child_bits, regs, code,
                                open_blocks, defs)
                next_pc = code[level, C_MATCH, pc] + 1
            # -- call n
            elif op == OP_CALL:
                target = code[level, C_ARG, pc]
                ncalls = regs[level, R_CALLS]
                if target >= regs[level, R_NDEFS]:
                    fault = F_UNDEFINED
                elif ncalls >= limits[L_CALLS]:
                    fault = F_CALL_DEPTH
                else:
                    calls[level, 0, ncalls] = pc + 1
                    calls[level, 1, ncalls] = regs[level, R_LOOPS]
                    regs[level, R_CALLS] = ncalls + 1
                    next_pc = defs[level, target] + 1
            # -- ret (in the main program: halt)
            elif op == OP_RET:
                next_pc, status = _return(level, regs, calls)
            # -- out
            elif op == OP_OUT:
                nout = regs[level, R_NOUT]
                if nout >= regs[level, R_OUTPUT_LIMIT]:
                    status = OUTPUT_LIMIT
                    refused = True
                else:
                    bit = stack[level, sp - 1] & 1
                    if level == 0:
                        out[nout] = bit
                    else:
                        regs[level, R_PACKED_OUT] = regs[level, R_PACKED_OUT] * 2 + bit
                    regs[level, R_NOUT] = nout + 1
                    sp -= 1
                    if nout + 1 >= regs[level, R_OUTPUT_LIMIT]:
                        status = OUTPUT_LIMIT
            # -- read: k program bits as data
            elif op == OP_READ:
                width = stack[level, sp - 1]
                position = regs[level, R_POSITION]
                nbits = nprog if level == 0 else regs[level, R_NBITS]
                if width < 0 or width > MAX_PACKED_BITS:
                    fault = F_READ_WIDTH
                elif position + width > nbits:
                    status = BITS_LIMIT
                else:
                    value = np.int64(0)
                    for offset in range(width):
                        value = value * 2 + _bit(level, position + offset, program, child_bits)
                    stack[level, sp - 1] = value
                    regs[level, R_POSITION] = position + width
            # -- eval: run a bit-string value as a program, one level down
            elif op == OP_EVAL:
                if level >= limits[L_EVAL]:
                    fault = F_EVAL_DEPTH
                elif stack[level, sp - 3] < 1:
                    fault = F_BAD_BITS
                else:
                    packed = stack[level, sp - 3]
                    budget = min(max(stack[level, sp - 2], np.int64(0)), np.int64(MAX_STEPS))
                    width = min(max(stack[level, sp - 1], np.int64(0)), np.int64(MAX_PACKED_BITS))
                    sp -= 3
                    steps += 1  # eval's own step, paid up front
                    requested_end = steps + budget
                    budget = min(budget, step_end - steps)
                    regs[level, R_PC] = pc
                    regs[level, R_SP] = sp
                    level += 1
                    nbits = 0
                    while (packed >> (nbits + 1)) > 0:
                        nbits += 1
                    for offset in range(nbits):
                        child_bits[level, offset] = (packed >> (nbits - 1 - offset)) & 1
                    for register in range(NREGS):
                        regs[level, register] = 0
                    regs[level, R_NBITS] = nbits
                    regs[level, R_PACKED_OUT] = 1
                    regs[level, R_OUTPUT_LIMIT] = width
                    regs[level, R_STEP_END] = steps + budget
                    regs[level, R_REQUESTED_END] = requested_end
                    for cell in range(memory_cells):
                        memory[level, cell] = 0
                    g[G_LEVEL] = level
                    pc = 0
                    sp = 0
                    step_end = steps + budget
                    continue
            else:
                fault = F_INTERNAL
            # the instruction completed unless it faulted, ran out of bits, or was refused
            if fault == 0 and status != BITS_LIMIT and status != FAULT and not refused:
                pc = next_pc
                steps += 1
        if fault != 0:
            regs[level, R_FAULT] = fault
            status = FAULT
        if status != RUNNING:
            regs[level, R_PC] = pc
            regs[level, R_SP] = sp
            if level == 0:
                g[G_STEPS] = steps
                return status
            # a child stopped: push its output and status on the parent's stack, continue there
            packed_output = regs[level, R_PACKED_OUT]
            level -= 1
            g[G_LEVEL] = level
            pc = regs[level, R_PC] + 1
            sp = regs[level, R_SP]
            step_end = regs[level, R_STEP_END]
            stack[level, sp] = packed_output
            stack[level, sp + 1] = status
            sp += 2


@jit
def _set_budget(regs, g, max_steps):
    """Give the main program the step budget ``max_steps`` (and every running eval its share)."""
    regs[0, R_STEP_END] = max_steps
    for level in range(1, g[G_LEVEL] + 1):
        regs[level, R_STEP_END] = min(regs[level, R_REQUESTED_END], regs[level - 1, R_STEP_END])


@jit
def _reset(regs, memory, g, max_steps, max_output_bits):
    """Put the main program's machine back at its start (no code read, empty memory)."""
    for register in range(NREGS):
        regs[0, register] = 0
    regs[0, R_STEP_END] = max_steps
    regs[0, R_OUTPUT_LIMIT] = max_output_bits
    for cell in range(memory.shape[1]):
        memory[0, cell] = 0
    g[G_STEPS] = 0
    g[G_LEVEL] = 0


@jit
def _run_batch(trie, has_operand, limits, programs, lengths, max_steps, max_output_bits, regs, stack, memory, code,
               open_blocks, defs, calls, loops, child_bits, out, g, statuses, steps, bits_read, outputs, stop):
    """Run each row of ``programs`` (its first ``lengths[i]`` bits) from a fresh machine.

    Writes each run's status (for a fault: FAULT + 8 * reason), steps, bits read and output
    bits (outputs[i, :n] for n output bits, the rest set to 2) into the result arrays. Returns
    at once, the rest unwritten, when a run was interrupted by the stop flag.
    """
    for index in range(programs.shape[0]):
        _reset(regs, memory, g, max_steps, max_output_bits)
        length = lengths[index]
        status = _execute(trie, has_operand, limits, programs[index], length, regs, stack, memory, code,
                          open_blocks, defs, calls, loops, child_bits, out, g, stop)
        if status == INTERRUPTED or (index % POLL_LEAVES == 0 and stop_requested(stop)):
            return
        statuses[index] = status
        steps[index] = g[G_STEPS]
        bits_read[index] = length if status == BITS_LIMIT else regs[0, R_POSITION]
        for position in range(regs[0, R_NOUT]):
            outputs[index, position] = out[position]
        for position in range(regs[0, R_NOUT], outputs.shape[1]):
            outputs[index, position] = 2
        if status == FAULT:
            statuses[index] = FAULT + regs[0, R_FAULT] * 8


def code_capacity(language: Language, max_program_bits: int) -> int:
    """Entries of decoded code a machine for programs of at most ``max_program_bits`` bits needs
    per level (eval children run programs of at most 62 bits), with one to spare."""
    return max(max_program_bits, MAX_PACKED_BITS) * language.max_expansion + 1


@dataclass
class MachineState:
    """The complete state of a (possibly suspended) run, as arrays the kernel updates in place.

    Level 0 is the main program; levels 1..eval_depth are nested evals. Copying every array
    (:meth:`copy`) snapshots the machine.
    """

    regs: np.ndarray
    stack: np.ndarray
    memory: np.ndarray
    code: np.ndarray
    open_blocks: np.ndarray
    defs: np.ndarray
    calls: np.ndarray
    loops: np.ndarray
    child_bits: np.ndarray
    out: np.ndarray
    g: np.ndarray

    @staticmethod
    def level_words(language: Language, max_program_bits: int) -> int:
        """int64 words of one level's stack, memory, decoded code, blocks, subroutines, calls, loops
        and registers."""
        limits = language.limits
        return (NREGS + limits["stack_depth"] + limits["memory_cells"] + 4 * code_capacity(language, max_program_bits)
                + limits["block_nesting"] + limits["max_subroutines"] + 2 * limits["call_depth"]
                + 3 * limits["loop_depth"])

    @staticmethod
    def nbytes(language: Language, max_program_bits: int, max_output_bits: int,
               output_capacity: int | None = None) -> int:
        """Bytes :meth:`new` allocates (computed, not allocated): every eval level's arrays."""
        levels = language.limits["eval_depth"] + 1
        buffer = max_output_bits if output_capacity is None else min(max_output_bits, output_capacity)
        return (levels * (8 * MachineState.level_words(language, max_program_bits) + MAX_PACKED_BITS + 1)
                + max(buffer, 1) + 2 * 8)

    @classmethod
    def new(cls, language: Language, max_program_bits: int, max_steps: int, max_output_bits: int,
            output_capacity: int | None = None):
        """A machine at its start, for programs of at most ``max_program_bits`` bits. A machine
        whose arrays (large language limits times eval levels) exceed the available memory is
        refused with a ValueError before anything is allocated.

        With ``output_capacity`` the output buffer holds only that many bits (at most
        ``max_output_bits``) and the machine pauses with ``output_limit`` when it is full;
        :meth:`grow_output` enlarges it and the run resumes exactly (see :func:`run`)."""
        from toyinduction.engine.parallel import check_memory

        buffer = max_output_bits if output_capacity is None else min(max_output_bits, output_capacity)
        size = cls.nbytes(language, max_program_bits, max_output_bits, output_capacity)
        if size > 64 << 20:  # (the usual machine is a few kB: no need to ask the OS)
            check_memory(1, size, f"machine of {language.name}")
        limits = language.limits
        levels = limits["eval_depth"] + 1
        capacity = code_capacity(language, max_program_bits)
        state = cls(
            regs=np.zeros((levels, NREGS), dtype=np.int64),
            stack=np.zeros((levels, limits["stack_depth"]), dtype=np.int64),
            memory=np.zeros((levels, limits["memory_cells"]), dtype=np.int64),
            code=np.zeros((levels, 4, capacity), dtype=np.int64),
            open_blocks=np.zeros((levels, limits["block_nesting"]), dtype=np.int64),
            defs=np.zeros((levels, limits["max_subroutines"]), dtype=np.int64),
            calls=np.zeros((levels, 2, limits["call_depth"]), dtype=np.int64),
            loops=np.zeros((levels, 3, limits["loop_depth"]), dtype=np.int64),
            child_bits=np.zeros((levels, MAX_PACKED_BITS + 1), dtype=np.uint8),
            out=np.zeros(max(buffer, 1), dtype=np.uint8),
            g=np.zeros(2, dtype=np.int64),
        )
        state.regs[0, R_STEP_END] = max_steps
        state.regs[0, R_OUTPUT_LIMIT] = buffer
        return state

    def grow_output(self, max_output_bits: int) -> bool:
        """After the main program stopped with ``output_limit``: when that was only the buffer
        being full (below ``max_output_bits``), enlarge it (doubling, at most to
        ``max_output_bits``) so that resuming goes on exactly, and return True; False when the
        limit reached is ``max_output_bits`` itself. Growth that would not fit in the available
        memory (the buffer, and the output's text once the run ends) is a one-line ValueError."""
        from toyinduction.engine.parallel import _size, available_memory

        written, limit = int(self.regs[0, R_NOUT]), int(self.regs[0, R_OUTPUT_LIMIT])
        if written < limit or limit >= max_output_bits or int(self.g[G_LEVEL]) != 0:
            return False
        size = min(max_output_bits, 2 * max(self.out.size, 1))
        needed = 4 * size      # the new buffer, the old one while copying, and the text of the output
        available = available_memory() if needed > 16 << 20 else None
        if available is not None and needed > available:
            raise ValueError(f"the program has written {written:,} output bits and going on needs about "
                             f"{_size(needed)} but only {_size(available)} is available; lower the output budget "
                             f"(--output-bits {max_output_bits:,}) or the step budget")
        grown = np.zeros(size, dtype=np.uint8)
        grown[:written] = self.out[:written]
        self.out = grown
        self.regs[0, R_OUTPUT_LIMIT] = size
        return True

    def copy(self) -> "MachineState":
        """An independent snapshot."""
        return MachineState(*(getattr(self, name).copy() for name in self.__dataclass_fields__))

    @property
    def steps(self) -> int:
        """Steps used so far."""
        return int(self.g[G_STEPS])

    @property
    def output(self) -> str:
        """Output bits emitted so far by the main program."""
        written = self.out[: self.regs[0, R_NOUT]]
        return ((written != 0).view(np.uint8) + np.uint8(ord("0"))).tobytes().decode("ascii")


class Kernel:
    """A language compiled to the arrays the kernel reads (decoding trie, operand flags, limits)."""

    def __init__(self, language: Language):
        self.language = language
        self.trie = language.trie
        self.has_operand = np.array([HAS_OPERAND[m] for m in MNEMONICS], dtype=np.uint8)
        self.limits = np.array([language.limits[name] for name in LIMIT_ORDER], dtype=np.int64)

    def resume(self, state: MachineState, program: np.ndarray) -> Status:
        """Continue ``state`` on ``program`` (which must extend the bits it has read) until it stops."""
        if code_capacity(self.language, program.size) > state.code.shape[2]:
            raise ValueError(f"state was made for programs of at most "
                             f"{(state.code.shape[2] - 1) // self.language.max_expansion} bits")
        status = _execute(self.trie, self.has_operand, self.limits, program, program.size, state.regs, state.stack,
                          state.memory, state.code, state.open_blocks, state.defs, state.calls, state.loops,
                          state.child_bits, state.out, state.g, STOP)
        if status == INTERRUPTED:
            raise Interrupted()
        return Status(status)


def _check_budget(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    if value > MAX_STEPS:
        raise ValueError(f"{name} must be at most 2**61, got {value}")
    return int(value)


_KERNELS: dict = {}


def kernel_for(language: Language) -> Kernel:
    """The (cached) compiled form of a language."""
    key = (language.name, language.spec_hash)
    if key not in _KERNELS:
        _KERNELS[key] = Kernel(language)
    return _KERNELS[key]


def run_batch(language: Language, programs: np.ndarray, lengths: np.ndarray, max_steps: int,
              max_output_bits: int) -> dict:
    """Run every row of a uint8 matrix of program bits (row i: its first ``lengths[i]`` bits).

    The array-level form of :func:`run_many`, with no per-program Python objects. Returns
    arrays: ``status`` (Status values), ``fault`` (Fault values), ``steps``, ``bits_read``,
    ``outputs`` (rows of output bits, padded with 2 after each run's output).
    """
    max_steps = _check_budget("max_steps", max_steps)
    max_output_bits = _check_budget("max_output_bits", max_output_bits)
    if max_output_bits > 1 << 20:
        raise ValueError(f"max_output_bits for a batch must be at most 2**20, got {max_output_bits}")
    programs = np.ascontiguousarray(programs, dtype=np.uint8)
    lengths = np.ascontiguousarray(lengths, dtype=np.int64)
    if programs.ndim != 2 or lengths.shape != (programs.shape[0],):
        raise ValueError("programs must be a matrix with one length per row")
    if lengths.size and (lengths.min() < 0 or lengths.max() > programs.shape[1]):
        raise ValueError("every length must be between 0 and the matrix width")
    if programs.size and programs.max() > 1:
        raise ValueError("program matrices may hold only 0 and 1")
    count = programs.shape[0]
    state = MachineState.new(language, programs.shape[1], max_steps, max_output_bits)
    codes, steps, bits_read = (np.zeros(count, dtype=np.int64) for _ in range(3))
    outputs = np.zeros((count, max_output_bits), dtype=np.uint8)
    kernel = kernel_for(language)
    _run_batch(kernel.trie, kernel.has_operand, kernel.limits, programs, lengths, max_steps, max_output_bits,
               state.regs, state.stack, state.memory, state.code, state.open_blocks, state.defs, state.calls,
               state.loops, state.child_bits, state.out, state.g, codes, steps, bits_read, outputs, STOP)
    raise_if_stopped()
    is_fault = codes >= FAULT
    return {"status": np.where(is_fault, FAULT, codes), "fault": np.where(is_fault, codes // 8, 0),
            "steps": steps, "bits_read": bits_read, "outputs": outputs}


def run_many(language: Language, programs, max_steps: int, max_output_bits: int) -> list[RunResult]:
    """Run many programs (bit strings or 0/1 sequences) in one kernel call; same results as :func:`run`."""
    arrays = [bits_to_array(program) for program in programs]
    width = max((a.size for a in arrays), default=0)
    matrix = np.zeros((len(arrays), max(width, 1)), dtype=np.uint8)
    lengths = np.zeros(len(arrays), dtype=np.int64)
    for index, array in enumerate(arrays):
        matrix[index, : array.size] = array
        lengths[index] = array.size
    batch = run_batch(language, matrix, lengths, max_steps, max_output_bits)
    results = []
    for index in range(len(arrays)):
        row = batch["outputs"][index]
        produced = int(np.argmax(row == 2)) if (row == 2).any() else row.size
        results.append(RunResult(status=Status(int(batch["status"][index])), output=array_to_bits(row[:produced]),
                                 steps=int(batch["steps"][index]), bits_read=int(batch["bits_read"][index]),
                                 fault=Fault(int(batch["fault"][index]))))
    return results


#: A run's output buffer starts this many bits long and doubles as the program writes (up to its
#: output budget), so that a large budget costs nothing until it is used.
OUTPUT_BUFFER_BITS = 1 << 14


def run(language: Language, bits, max_steps: int, max_output_bits: int, chunk_steps: int | None = None,
        on_chunk=None) -> RunResult:
    """Run ``bits`` as a program of ``language`` with the numba kernel.

    ``bits`` is a bit string ('0110…'), a 0/1 sequence or a uint8 array. The run stops at the
    first of: halting, ``max_steps`` steps, ``max_output_bits`` output bits, needing a program bit
    beyond ``bits`` (``bits_limit``), or a fault. Same result as
    :func:`toyinduction.machines.toy.reference.run_reference`, faster.

    With ``chunk_steps`` the kernel runs in slices of that many steps, calling
    ``on_chunk(steps_so_far)`` between slices (for progress bars; Ctrl-C is honoured there).
    The result is identical to an unsliced run: a spent budget suspends the machine in place.
    The output buffer starts at :data:`OUTPUT_BUFFER_BITS` and doubles whenever it is full (the
    machine pauses there and resumes exactly), so memory grows with the output written, not with
    ``max_output_bits``.
    """
    max_steps = _check_budget("max_steps", max_steps)
    max_output_bits = _check_budget("max_output_bits", max_output_bits)
    if max_output_bits > 1 << 32:
        raise ValueError(f"max_output_bits must be at most 2**32, got {max_output_bits}")
    if chunk_steps is not None and _check_budget("chunk_steps", chunk_steps) < 1:
        raise ValueError("chunk_steps must be >= 1")
    program = np.ascontiguousarray(bits_to_array(bits))
    state = MachineState.new(language, program.size, max_steps, max_output_bits, output_capacity=OUTPUT_BUFFER_BITS)
    kernel = kernel_for(language)

    def resume():   # (a full output buffer is grown and the run goes on: memory follows what is written)
        while True:
            stopped = kernel.resume(state, program)
            if stopped != Status.OUTPUT_LIMIT or not state.grow_output(max_output_bits):
                return stopped

    if chunk_steps is None:
        status = resume()
    else:
        while True:
            _set_budget(state.regs, state.g, min(state.steps + chunk_steps, max_steps))
            status = resume()
            if on_chunk is not None:
                on_chunk(state.steps)
            if status != Status.STEP_LIMIT or state.steps >= max_steps:
                break
    bits_read = program.size if status == Status.BITS_LIMIT else int(state.regs[0, R_POSITION])
    return RunResult(status=status, output=state.output, steps=state.steps, bits_read=bits_read,
                     fault=Fault(int(state.regs[0, R_FAULT])))
