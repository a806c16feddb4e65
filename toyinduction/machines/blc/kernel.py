"""The fast binary lambda calculus machine: the lazy Krivine machine of toyinduction.machines.blc.reference in numba.

Same semantics as :func:`toyinduction.machines.blc.reference.run_blc` (the tests run both): terms are flattened
into arrays; thunks, environment cells, marker arguments and the machine stack live in
preallocated arrays. Each store (thunks, environment cells, marker arguments, the stack) has
the run's heap limit, :func:`toyinduction.machines.blc.reference.heap_cells_limit`: the cells
the budgets can need (every step allocates a bounded number) or, for large budgets, what the
available memory holds. The arrays start at 2^23 cells and a run that fills them is rerun with
four times as many, up to that limit; every allocation is checked against the arrays' size, and
a run that reaches the limit ends in ``fault`` (``heap_limit``), as the reference does, never a
crash.
"""

from __future__ import annotations

import numpy as np

from toyinduction._numba import jit, jit_inline
from toyinduction.engine.stop import POLL_STEPS, STOP, call_interruptibly, raise_if_stopped, stop_requested
from toyinduction.machines.blc.reference import (FIRST_HEAP_CELLS, LAM, VAR, FreeVariable, NeedBits, check_heap_cells,
                                                 heap_bound, heap_cells_limit, parse)
from toyinduction.core import Fault, RunResult, Status

K_LAM, K_APP, K_VAR = 0, 1, 2
V_NONE, V_CLOSURE, V_MARKER, V_INPUT = 0, 1, 2, 3
M_PAIR, M_END, M_ZERO, M_ONE = 0, 1, 2, 3
TRUE_TERM, FALSE_TERM = 0, 2          # λλ2 at 0 (λ, λ, var 2) and λλ1 at 2 (λ at 2 → λ at 3 → var 1 at 4)
# status codes: core.Status's, and -1 while the machine runs
HALTED, STEP_LIMIT, OUTPUT_LIMIT, BITS_LIMIT, FAULT = (int(s) for s in Status)
RUNNING = -1
NOT_A_LIST, NO_ROOM = 1, 2


def flatten(term) -> tuple:
    """A parsed term -> (kind, left, right) int32 arrays with TRUE and FALSE at fixed places first."""
    kinds, lefts, rights = [], [], []

    def add(kind, left=0, right=0):
        kinds.append(kind)
        lefts.append(left)
        rights.append(right)
        return len(kinds) - 1

    # λλ2 = nodes 0,1 (var at 5); λλ1 = nodes 2,3 (var at 4): lay them out by hand
    add(K_LAM, 1)
    add(K_LAM, 5)
    add(K_LAM, 3)
    add(K_LAM, 4)
    add(K_VAR, 1)
    add(K_VAR, 2)
    # the term's nodes in pre-order: each node's children come after it, and their indices are
    # filled into its left/right when they are placed (iterative, so deep terms are fine)
    root = len(kinds)
    work = [(term, -1, 0)]                     # (node, its parent's index, 1: left or 2: right of it)
    while work:
        node, parent, slot = work.pop()
        placed = len(kinds)
        if slot == 1:
            lefts[parent] = placed
        elif slot == 2:
            rights[parent] = placed
        if node[0] == VAR:
            add(K_VAR, node[1])
        elif node[0] == LAM:
            add(K_LAM)
            work.append((node[1], placed, 1))
        else:
            add(K_APP)
            work.append((node[2], placed, 2))
            work.append((node[1], placed, 1))
    return (np.array(kinds, dtype=np.int32), np.array(lefts, dtype=np.int32), np.array(rights, dtype=np.int32),
            root)


@jit_inline
def _push_thunk(t_term, t_env, t_vk, s_tag, s_item, nt, sp, term, env):
    """A new thunk (``term`` in ``env``, not yet evaluated) pushed as an argument; the caller has
    checked the room. Returns (thunks, stack pointer)."""
    t_term[nt] = term
    t_env[nt] = env
    t_vk[nt] = V_NONE
    s_tag[sp] = 0
    s_item[sp] = nt
    return nt + 1, sp + 1


@jit_inline
def _push_arguments(s_tag, s_item, sp, first, second):
    """Push two argument thunks (``first`` below ``second``); the caller has checked the room."""
    s_tag[sp] = 0
    s_item[sp] = first
    s_tag[sp + 1] = 0
    s_item[sp + 1] = second
    return sp + 2


@jit_inline
def _force(target, t_term, t_env, t_vk, t_va, t_vb, t_vn, s_tag, s_item, sp):
    """Start forcing a thunk: (value kind, a, b, n, term, env, sp) — its value if it has one, else
    an update frame on the stack and its code to evaluate. Value kind -1: no room for the frame."""
    if t_vk[target] != V_NONE:
        return (np.int64(t_vk[target]), t_va[target], np.int64(t_vb[target]), np.int64(t_vn[target]), np.int64(-1),
                np.int64(-1), sp)
    if sp + 1 > s_tag.shape[0]:
        return np.int64(-1), np.int64(0), np.int64(-1), np.int64(0), np.int64(-1), np.int64(-1), sp
    s_tag[sp] = 1
    s_item[sp] = target
    return (np.int64(V_NONE), np.int64(0), np.int64(-1), np.int64(0), np.int64(t_term[target]),
            np.int64(t_env[target]), sp + 1)


@jit
def _machine(kind, left, right, root, bits, nbits, input_start, finite_input, max_steps, max_output, capacity,
             output, counters, stop):
    """Run the program; write output bits; counters = [steps, bits_read, nout, fault]. Every
    POLL_STEPS steps the stop flag ``stop`` is read: when set, the run ends at once (unfinished:
    the caller raises Interrupted)."""
    # thunks: term, env, value kind, value a, value b (closure env / marker args head), marker arg count
    t_term = np.empty(capacity, np.int32)
    t_env = np.empty(capacity, np.int32)
    t_vk = np.empty(capacity, np.int32)
    t_va = np.empty(capacity, np.int64)
    t_vb = np.empty(capacity, np.int32)
    t_vn = np.empty(capacity, np.int32)
    e_thunk = np.empty(capacity, np.int32)
    e_next = np.empty(capacity, np.int32)
    a_thunk = np.empty(capacity, np.int32)      # marker argument lists
    a_next = np.empty(capacity, np.int32)
    s_tag = np.empty(capacity, np.int8)         # 0: argument, 1: update
    s_item = np.empty(capacity, np.int32)
    nt = 0
    ne = 0
    na = 0
    sp = 0
    steps = 0
    check_at = min(max_steps, POLL_STEPS)    # the budget's end, or the next look at the stop flag
    bits_read = input_start
    # the output list: the program applied to the input
    input_thunk = nt
    t_vk[nt] = V_INPUT
    t_va[nt] = input_start
    nt += 1
    e_thunk[ne] = input_thunk
    e_next[ne] = -1
    env0 = ne
    ne += 1
    # a term node for "(program 1)" does not exist: evaluate program with the input pushed instead
    cell = -1
    nout = 0
    status = RUNNING
    fault = 0
    phase = 0    # 0: evaluate the list cell, 1: evaluate the head bit
    head = -1
    while status == RUNNING:
        if phase == 0 and nout >= max_output:
            status = OUTPUT_LIMIT
            break
        # ---- set up one evaluation: the thunk to force and the two marker arguments
        if nt + 2 > capacity or 2 > capacity:
            status, fault = FAULT, NO_ROOM
            break
        m1 = nt
        t_vk[m1] = V_MARKER
        t_va[m1] = M_PAIR if phase == 0 else M_ZERO
        t_vb[m1] = -1
        t_vn[m1] = 0
        m2 = nt + 1
        t_vk[m2] = V_MARKER
        t_va[m2] = M_END if phase == 0 else M_ONE
        t_vb[m2] = -1
        t_vn[m2] = 0
        nt += 2
        sp = _push_arguments(s_tag, s_item, 0, m2, m1)
        # current: a value (vk, va, vb, vn) or a term in an env (term >= 0)
        term = np.int64(-1)
        env = np.int64(-1)
        vk = np.int64(V_NONE)
        va = np.int64(0)
        vb = np.int64(-1)
        vn = np.int64(0)
        if phase == 0 and cell < 0:
            # the term (program 1) in the environment (input): one step for the application, and
            # the argument is the variable 1, a thunk whose evaluation is one more step (as in the reference)
            steps += 1
            if steps > max_steps:
                status = STEP_LIMIT
                break
            if nt + 1 > capacity or sp + 1 > capacity:
                status, fault = FAULT, NO_ROOM
                break
            nt, sp = _push_thunk(t_term, t_env, t_vk, s_tag, s_item, nt, sp, 4, env0)   # node 4: the variable 1
            term = root
            env = -1
        else:
            target = cell if phase == 0 else head
            vk, va, vb, vn, term, env, sp = _force(target, t_term, t_env, t_vk, t_va, t_vb, t_vn, s_tag, s_item, sp)
            if vk < 0:
                status, fault = FAULT, NO_ROOM
                break
        while True:
            if vk == V_NONE:
                steps += 1
                if steps > check_at:
                    if steps > max_steps:
                        status = STEP_LIMIT
                        break
                    check_at = min(max_steps, steps + POLL_STEPS)
                    if stop_requested(stop):
                        status = STEP_LIMIT             # (unfinished: the caller raises Interrupted)
                        break
                k = kind[term]
                if k == K_VAR:
                    found = env
                    for _ in range(left[term] - 1):
                        found = e_next[found]
                    # _force, written out: this is the machine's hottest path, and the call costs
                    # 2.4x here even inlined (measured); the two colder sites use the helper
                    target = e_thunk[found]
                    if t_vk[target] != V_NONE:
                        vk, va, vb, vn = t_vk[target], t_va[target], t_vb[target], t_vn[target]
                    else:
                        if sp + 1 > capacity:
                            status, fault = FAULT, NO_ROOM
                            break
                        s_tag[sp] = 1
                        s_item[sp] = target
                        sp += 1
                        term = t_term[target]
                        env = t_env[target]
                    continue
                if k == K_APP:
                    if nt + 1 > capacity or sp + 1 > capacity:
                        status, fault = FAULT, NO_ROOM
                        break
                    nt, sp = _push_thunk(t_term, t_env, t_vk, s_tag, s_item, nt, sp, right[term], env)
                    term = left[term]
                    continue
                vk = V_CLOSURE
                va = left[term]
                vb = env
                vn = 0
            if sp == 0:
                break
            sp -= 1
            tag = s_tag[sp]
            item = s_item[sp]
            if tag == 1:                                  # memoise the value
                t_vk[item], t_va[item], t_vb[item], t_vn[item] = vk, va, vb, vn
                continue
            if vk == V_CLOSURE:                           # apply: bind the argument
                if ne + 1 > capacity:
                    status, fault = FAULT, NO_ROOM
                    break
                e_thunk[ne] = item
                e_next[ne] = vb
                term = np.int32(va)
                env = ne
                ne += 1
                vk = V_NONE
            elif vk == V_MARKER:                          # collect the argument
                if na + 1 > capacity:
                    status, fault = FAULT, NO_ROOM
                    break
                a_thunk[na] = item
                a_next[na] = vb
                vb = na
                na += 1
                vn += 1
            else:                                         # an input cell applied to z
                position = va
                if finite_input and position >= nbits:
                    vk = V_CLOSURE                        # nil = λλ1, applied to z next
                    va = 3                                # body of λλ1's outer λ: node 3 (λ1)
                    vb = -1
                    vn = 0
                    sp += 1                               # push the argument back
                    continue
                steps += 1
                if position >= nbits:
                    status = BITS_LIMIT
                    break
                if position + 1 > bits_read:
                    bits_read = position + 1
                if nt + 2 > capacity or sp + 2 > capacity:
                    status, fault = FAULT, NO_ROOM
                    break
                tail = nt
                t_vk[tail] = V_INPUT
                t_va[tail] = position + 1
                nt += 1
                bit_thunk = nt
                t_vk[bit_thunk] = V_CLOSURE
                t_va[bit_thunk] = 1 if bits[position] == 0 else 3   # body of λλ2 (node 1) or λλ1 (node 3)
                t_vb[bit_thunk] = -1
                t_vn[bit_thunk] = 0
                nt += 1
                sp = _push_arguments(s_tag, s_item, sp, tail, bit_thunk)
                vk, va, vb, vn, term, env, sp = _force(item, t_term, t_env, t_vk, t_va, t_vb, t_vn, s_tag, s_item, sp)
                if vk < 0:
                    status, fault = FAULT, NO_ROOM
                    break
        if status != RUNNING:
            break
        # ---- interpret the value
        if phase == 0:
            if vk == V_MARKER and va == M_END and vn == 0:
                status = HALTED
            elif vk == V_MARKER and va == M_PAIR and vn == 3:
                # arguments are a linked list, most recent first: end marker, tail, head
                tail_cell = a_next[vb]
                head = a_thunk[a_next[tail_cell]]
                cell = a_thunk[tail_cell]
                phase = 1
            else:
                status, fault = FAULT, NOT_A_LIST
        else:
            if vk == V_MARKER and vn == 0 and (va == M_ZERO or va == M_ONE):
                if nout >= output.shape[0]:             # never: each bit costs four thunks
                    status, fault = FAULT, NO_ROOM
                    break
                output[nout] = 0 if va == M_ZERO else 1
                nout += 1
                phase = 0
            else:
                status, fault = FAULT, NOT_A_LIST
    counters[0] = max_steps if status == STEP_LIMIT else steps
    counters[1] = bits_read
    counters[2] = nout
    counters[3] = fault
    return status


def run_blc_fast(bits: str, max_steps: int, max_output_bits: int, finite_input: bool = False,
                 heap_cells: int | None = None) -> RunResult:
    """Run ``bits`` on the numba BLC machine; the same result as :func:`toyinduction.machines.blc.reference.run_blc`
    (``heap_cells``: the heap limit, default from the budgets and the available memory)."""
    if heap_cells is not None:
        check_heap_cells(heap_cells)
    try:
        term, start = parse(bits)
    except NeedBits:
        return RunResult(Status.BITS_LIMIT, "", 0, len(bits))
    except FreeVariable:
        return RunResult(Status.FAULT, "", 0, len(bits), Fault.FREE_VARIABLE)
    kind, left, right, root = flatten(term)
    program = np.frombuffer(bits.encode(), dtype=np.uint8) - ord("0") if bits else np.zeros(0, np.uint8)
    counters = np.zeros(4, dtype=np.int64)
    # start with arrays of at most 2^23 cells and rerun with four times more only if a run fills
    # them (runs are deterministic), up to the heap limit; the limit from the available memory is
    # asked for only then, so short runs never ask
    limit = heap_cells if heap_cells is not None else heap_bound(max_steps, max_output_bits)
    capacity = min(limit, FIRST_HEAP_CELLS)
    if heap_cells is None and limit > capacity:
        limit = None
    ran, output = 0, None                        # the largest arrays a run had, and its output
    while True:
        try:
            # each output bit costs four thunks, so a quarter of the heap holds every bit it can write
            room = np.zeros(max(1, min(max_output_bits, capacity // 4 + 1)), dtype=np.uint8)
            arguments = (kind, left, right, root, program, len(bits), start, finite_input, max_steps,
                         max_output_bits, capacity, room, counters, STOP)
            # (a run that may be long runs where Ctrl-C can stop it: engine.stop)
            status = call_interruptibly(_machine, *arguments) if max_steps > 1 << 24 else _machine(*arguments)
            raise_if_stopped()
        except MemoryError:
            # the memory estimate was too generous: the limit is the largest arrays that can be made
            if ran:
                status = FAULT                   # the last run filled its arrays; its counters stand
                break
            if capacity <= 1 << 16:
                raise MemoryError(f"not enough memory for the BLC machine's heap of {capacity} cells") from None
            capacity = limit = capacity // 4
            continue
        ran, output = capacity, room
        if not (status == FAULT and counters[3] == NO_ROOM):
            break
        if limit is None:
            limit = heap_cells_limit(max_steps, max_output_bits)
        if capacity == limit:
            break
        capacity = min(limit, capacity * 4)      # (smaller, when the memory holds less than the first arrays)
    steps, bits_read, nout, fault = (int(v) for v in counters)
    text = "".join(map(str, output[:nout]))
    if status == BITS_LIMIT:
        return RunResult(Status.BITS_LIMIT, text, steps, len(bits))
    if status == FAULT:
        return RunResult(Status.FAULT, text, steps, bits_read, Fault.BAD_OUTPUT if fault == NOT_A_LIST
                         else Fault.HEAP_LIMIT)
    return RunResult(Status(status), text, steps, bits_read)
