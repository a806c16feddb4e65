"""The toy machine's flat enumerator: the tree of reads in one numba function with an undo log.

The snapshot enumerator (:mod:`toyinduction.machines.toy.enumerate`) copies the live part of every
register, stack, memory and code array at each read and calls the interpreter once per node with
dozens of array arguments. This one walks the same tree, leaf for leaf, in a single function
(like the Turing machines' ``_ctm_subtree``):

- *Registers* (pc, stack height, read position, counts, the decoder's progress through the
  codeword it is reading, ...) are local variables, copied into one row of ``saved`` at each
  branch: a few dozen integers.
- *Arrays* (data stack, memory, the block-matching fields of the decoded code, open blocks,
  calls, loops) live in one flat int64 array ``S``. A write that could overwrite something a
  branch point still needs records the old value in an *undo log* the first time the cell is
  written after the latest branch point (a per-cell stamp says when it was last recorded).
  Backtracking replays the log backwards to the branch's height. (The logged write is written
  out at every use: as an inlined function, numba's reference counting of its four array
  arguments took 45% of the time.)
  Decoded instructions, subroutine entry points and output bits are only ever appended, so they
  need no log: restoring their counts restores them.
- *Decoding is incremental*: the decoder keeps its place inside a codeword (trie node, operand
  zeros, operand bits left), so a node that needs one more bit reads one more bit instead of
  decoding the codeword from its start again.
- *eval* runs its child in the ordinary kernel (:func:`~toyinduction.machines.toy.kernel._execute`)
  on a separate machine whose level 0 is the child: a child reads no program bits, so it always
  finishes between two branch points and its state is never needed again.

The semantics are those of the kernel and the reference interpreter; the tests check every leaf
(bits, length, status, steps, output) against the snapshot enumerator and the reference.

*Exact collapse* (``collapse``): a node whose pending decode (an instruction, or a block being
skipped) or ``read`` cannot complete within the L-bit limit, and below which no decoding fault
is possible, has 2^(L-d) program-length-limit leaves below it, every one with this node's output
and steps. It is recorded as one tree leaf carrying all of them: the tallies (masses, program
counts per length, steps) and kept leaves are exactly those of the plain walk; only
``tree_leaves``, the leaves actually visited, is smaller.

*Counted blocks* (``counted``): where the machine must find the end of a block it does not run
(a def's body, a skipped if part, rep 0, a skipped else part, the rest of a loop left by brk),
what follows runs once per class of such blocks (length, closer, nested defs, flags), the node
carrying the class's size as a multiplicity; the block is decoded as two entries, OP_COUNTED
(entering it, by a call or a loop coming round, is recorded and ends the node) and its closer.
Blocks that fault or do not close within L bits are counted as leaves at the block's start. The
class sizes come from :mod:`toyinduction.machines.toy.bodies`. A recorded entry is *walked*: the
recorded path is replayed bit for bit, the entered block's class enumerated block by block, the
other counted blocks on the path applied as their class again, and from the entry on the run
is the plain one (with the steps up to the entry already counted). A branch point's depth can
hold a class iterator (``class_pos`` >= 0) or no branch at all (-2: bits of a counted block, or
a walk's recorded path).

Bounds (numba does not check them): every index into ``S`` is an offset of a region plus an
index the interpreter has checked against that region's limit (the language limits size the
regions, the code capacity bounds decoded code); the undo log records each cell at most once per
branch point on the current path, so it holds at most (cells) x (max_bits + 2) entries; ``saved``
has a row per depth; the kept-leaf buffers are checked before every write; the counted blocks'
tables are indexed by lengths <= L, depths and nested defs checked against their shape, at most
max_spans(L) blocks are counted on a path (checked), and a record that does not fit pauses the run.
"""

from __future__ import annotations

import numpy as np

from toyinduction._numba import jit
from toyinduction.engine.enumeration import BUCKETS, LEAF_FIELDS
from toyinduction.engine.stop import INTERRUPTED, POLL_LEAVES, POLL_STEPS, STOP, Interrupted, stop_requested
from toyinduction.machines.toy.kernel import (BITS_LIMIT, F_BAD_BITS, F_BREAK, F_CALL_DEPTH, F_ELSE, F_EVAL_DEPTH,
                                              F_INDEX, F_INTERNAL, F_LITERAL, F_LOOP_DEPTH, F_NESTING, F_OVERFLOW,
                                              F_READ_WIDTH, F_TOO_MANY_DEFS, F_UNDEFINED, F_UNDERFLOW, F_ADDRESS,
                                              FAULT, G_LEVEL, G_STEPS, HALTED, L_CALLS, L_DEFS, L_EVAL,
                                              L_LOOPS, L_MEMORY, L_NESTING, L_STACK, MAX_STEPS, NREGS, OP_ADD,
                                              OP_AND, OP_BRK, OP_CALL, OP_DEF, OP_DIV, OP_DROP, OP_DUP, OP_ELSE,
                                              OP_END, OP_EQ, OP_EVAL, OP_IDX, OP_IF, OP_INC, OP_LOAD, OP_LOOP,
                                              OP_LT, OP_MIX, OP_MOD, OP_MUL, OP_NOT, OP_OR, OP_OUT, OP_OVER,
                                              OP_PUSH, OP_READ, OP_REP, OP_RET, OP_ROT, OP_SHR, OP_STORE, OP_SUB,
                                              OP_SWAP, OP_XOR, OUTPUT_LIMIT, R_NOUT, R_OUTPUT_LIMIT, R_STEP_END,
                                              RUNNING, STACK_GROWS, STACK_NEEDS, STEP_LIMIT, MachineState, _execute,
                                              _binary, code_capacity, kernel_for)
from toyinduction.machines.toy.bodies import C_ELSE, C_END, F_LOUD, F_RET, block_tables
from toyinduction.machines.toy.language import (FIRST_COMPOSITE, HAS_OPERAND, MAX_LITERAL_EXPONENT, MAX_PACKED_BITS,
                                               Language, language_from_json)

# Registers saved at a branch point: saved[depth, X_*].
(X_PC, X_SP, X_STEPS, X_NCODE, X_POSITION, X_NOUT, X_NOPEN, X_NDEFS, X_NCALLS, X_NLOOPS, X_EXPAND, X_EXPAND_END,
 X_DNODE, X_DPHASE, X_DOP, X_DZEROS, X_DVALUE, X_DLEFT, X_DPOS, X_TNODE, X_NLOG, X_FAULT, X_NEED, X_OPENER) = range(24)
X_MULT, X_NSPANS = 24, 25
NSAVED = 26
# Outcomes of a node that are not a run's status: a block the expansion walk does not want
# (PRUNE), control entering a counted block (EXPAND).
PRUNE, EXPAND = -2, -3
#: The decoded instruction that stands for a counted block (no instruction of the table).
OP_COUNTED = 1 << 20
# class_ctx[depth, *]: a class iterator's context.
K_ELSE_CLOSES, K_ROOM_OPEN, K_ROOM_DEFS, K_LAST = range(4)
# walk[W_*]: the expansion walk of one recorded entry into a counted block (see _flat_subtree).
W_ACTIVE, W_DEPTH, W_CLASS, W_CALL_LENGTH, W_CALL_STEPS, W_PROGRAM = range(6)
NWALK = 6
# expansions[row, R_*] (row 0, column 0: the number of rows), then (depth, class) per span
R_PROGRAM, R_CALL_LENGTH, R_CALL_STEPS, R_CALLED, R_SPANS = range(5)
NRECORD = 5
# resume[P_*]: a run paused with a full record buffer, and (from P_RECORD on) its last record
P_PAUSED, P_LENGTH, P_NLOG, P_OPENER, P_START, P_NDEFS, P_NOPEN, P_ELSE, P_RECORD = range(9)


def max_spans(max_bits: int) -> int:
    """Most counted blocks on one path (beyond it, blocks are enumerated one by one)."""
    return max_bits // 4 + 1
# totals[...] fields (the first four as in the snapshot enumerator)
T_PROGRAMS, T_STEPS, T_KEPT, T_OVERFLOW, T_TREE_LEAVES, T_ERROR, T_SILENT, T_CLASSES = range(8)
NTOTALS = 8
#: totals[T_ERROR] of a run the stop flag ended (not a bug: Ctrl-C)
E_INTERRUPTED = 5
# Rows of the agreement tally (see _flat_subtree).
A_ROW, B_ROW, U_ROW, NEXT_ROW, SILENT_ROW = range(5)
# What a node that needs a bit is waiting for.
K_DECODE, K_CLOSE, K_READ = 0, 1, 2
# Collapse parameters: params[P_*] (INFINITE where the language lacks the instruction).
P_END_BITS, P_OPEN_BITS, P_COMPOSITE_DEPTH, P_DEF_BITS = range(4)
INFINITE = 1 << 40


def region_sizes(limits, capacity: int) -> tuple:
    """Sizes of the regions of the flat state S, in order: stack, memory, code match, code else,
    open blocks, call returns, call loop heights, loop openers, loop counts, loop indices."""
    return (limits[L_STACK], limits[L_MEMORY], capacity, capacity, limits[L_NESTING], limits[L_CALLS],
            limits[L_CALLS], limits[L_LOOPS], limits[L_LOOPS], limits[L_LOOPS])


@jit
def _block_flags(code_op, code_arg, S, o_match, spans, start, end):
    """The flags (bodies.F_LOUD: an out, call or brk; bodies.F_RET: a ret) of decoded
    code[start:end], the bodies of its defs left out (they run only when called, and a call is
    seen), a counted block by its class's flags: what the silent-run test and the counted blocks'
    classes read off a block."""
    flags = 0
    index = start
    while index < end:
        op = code_op[index]
        if op == OP_DEF and S[o_match + index] > index:
            index = S[o_match + index] + 1
            continue
        if op == OP_COUNTED:
            flags |= spans[code_arg[index], 1] % 4
        elif op == OP_OUT or op == OP_CALL or op == OP_BRK:
            flags |= F_LOUD
        elif op == OP_RET:
            flags |= F_RET
        index += 1
    return flags


@jit
def _tally_leaves(status, tnode, leaf_length, count, mass, nout, out, sequence, agreement, trie_mass, length_mass,
                  length_count, totals):
    """Add ``count`` leaves of ``leaf_length`` bits (``mass`` each), all with this status and
    output, to the tallies (as _flat_subtree's leaves add themselves, written out there: a call per
    leaf costs a fifth of the time; none of them silent). Returns the number of leading bits their
    output shares with the target when they are unresolved and their whole output is that prefix
    (the U row), else -1."""
    total = count * mass
    trie_mass[status, tnode] += total
    length_mass[status, leaf_length] += total
    length_count[status, leaf_length] += count
    totals[T_PROGRAMS] += count
    if agreement.shape[1] > 0:
        agree = np.int64(0)
        while agree < nout and agree < sequence.shape[0] and out[agree] == sequence[agree]:
            agree += 1
        agreement[A_ROW, agree] += total
        if nout > agree:
            agreement[B_ROW, agree] += total
            if agree == sequence.shape[0]:
                agreement[NEXT_ROW, out[agree]] += total
        elif status == STEP_LIMIT or status == BITS_LIMIT:
            agreement[U_ROW, agree] += total
            return agree
    return np.int64(-1)


@jit
def _flat_subtree(trie, has_operand, limits, child_limits, min_leaf, min_end, params, program, root_length,
                  max_bits, max_steps, output_bits, trie_bits, split_depth, roots, collapse,
                  S, stamp, log_address, log_value, saved, code_op, code_arg, defs, out, epochs,
                  a_program, a_regs, a_stack, a_memory, a_code, a_open, a_defs, a_calls, a_loops, a_child_bits,
                  a_out, a_g,
                  trie_mass, length_mass, length_count, totals, leaf_bits, leaf_length, leaf_status, leaf_steps,
                  leaf_output, leaf_output_length, sequence, agreement, silent_trie, leaf_silent,
                  counted, closed_table, faulted_table, next_class, closable, class_pos, class_ctx, spans, expansions, walk,
                  walk_spans, resume, closing, closing_groups, stop):
    """Enumerate every program extending ``program[:root_length]`` (depth first, 0 before 1) into
    the tallies, exactly as the snapshot enumerator's ``_enumerate_subtree`` does (same leaves,
    same order, same steps; see the module doc). A node at ``split_depth`` that needs a bit is
    appended to ``roots`` instead; such a shallow run never collapses, so the roots, and with them
    the chunks of a resumable run, are the same with and without collapse (and as the snapshot
    enumerator's). With an ``agreement`` array of n + 2 columns for a ``sequence`` x of n bits
    (none: 0 columns), each leaf also adds its mass to
    ``agreement``, by a = the number of leading bits its output shares with x: [A_ROW, a]; if its
    output goes on past a, [B_ROW, a]; if it is unresolved and its whole output is x's first a
    bits, [U_ROW, a] (and [SILENT_ROW, a] if it is silent, below); if its output extends all of x,
    [NEXT_ROW, its bit n+1].

    An unresolved leaf is *silent* when it provably never writes another bit: stopped by the step
    budget (or waiting for the bits of a ``read``) inside a running ``loop`` of the current call
    whose whole body is decoded and holds no ``out``, ``call`` or ``brk`` (nor ``ret`` inside a
    subroutine): such a run can only go round the loop, fault or halt, so its output is final.
    Its mass is added to ``silent_trie`` (by output, as ``trie_mass``) and ``totals[T_SILENT]``,
    and ``leaf_silent`` flags its kept rows. Returns the number of tree leaves visited.

    The stop flag ``stop`` is read every POLL_LEAVES nodes and every POLL_STEPS steps of a run:
    when set, the enumeration ends at once with ``totals[T_ERROR] = E_INTERRUPTED`` (unfinished).
    """
    stack_depth = limits[L_STACK]
    memory_cells = limits[L_MEMORY]
    nesting = limits[L_NESTING]
    max_defs = limits[L_DEFS]
    call_depth = limits[L_CALLS]
    loop_depth = limits[L_LOOPS]
    capacity = code_op.shape[0]
    o_mem = stack_depth
    o_match = o_mem + memory_cells
    o_else = o_match + capacity
    o_open = o_else + capacity
    o_cret = o_open + nesting
    o_cloop = o_cret + call_depth
    o_lopen = o_cloop + call_depth
    o_lcount = o_lopen + loop_depth
    o_lindex = o_lcount + loop_depth
    log_capacity = log_address.shape[0]
    keep_capacity = leaf_bits.shape[0]
    end_bits = params[P_END_BITS]
    open_bits = params[P_OPEN_BITS]
    composite_depth = params[P_COMPOSITE_DEPTH]
    def_bits = params[P_DEF_BITS]
    # ---- the machine at its start (memory all zero; nothing else is read before it is written)
    for cell in range(memory_cells):
        S[o_mem + cell] = 0
    pc = np.int64(0)
    sp = np.int64(0)
    steps = np.int64(0)
    ncode = np.int64(0)
    position = np.int64(0)
    nout = np.int64(0)
    nopen = np.int64(0)
    ndefs = np.int64(0)
    ncalls = np.int64(0)
    nloops = np.int64(0)
    expand = np.int64(0)
    expand_end = np.int64(0)
    d_node = np.int64(0)     # the decoder's place: trie node (phase 0), zeros read (1), bits left (2)
    d_phase = np.int64(0)
    d_op = np.int64(0)
    d_zeros = np.int64(0)
    d_value = np.int64(0)
    d_left = np.int64(0)
    d_pos = np.int64(0)      # the next program bit the decoder reads (= position between instructions)
    tnode = np.int64(1)      # the output trie node of the output so far
    fault = np.int64(0)
    nlog = np.int64(0)
    epoch = epochs[0] + 1
    length = root_length
    replay = root_length > 0
    tree_leaves = np.int64(0)
    resume_kind = np.int64(-1)   # after a branch: what the node was waiting for (a block's end: go on decoding)
    resume_opener = np.int64(-1)
    # counted blocks: the multiplicity of the current node (the product of its blocks' class
    # sizes) and the blocks counted on its path (spans[i] = (depth, class); OP_COUNTED's operand)
    mult = np.int64(1)
    nspans = np.int64(0)
    per = closed_table.shape[4]
    max_depth = closable.shape[2] - 2
    max_nested = closable.shape[3] - 1
    # an expansion walk: the recorded path is followed bit for bit up to the entry (w_call),
    # except the walked block (from w_depth to w_close), whose blocks of the class are enumerated
    walking = walk[W_ACTIVE] != 0
    w_call = walk[W_CALL_LENGTH] if walking else np.int64(-1)
    w_depth = walk[W_DEPTH] if walking else np.int64(-1)
    w_class = walk[W_CLASS]
    w_close = w_depth + w_class // per
    w_nested = (w_class % per) // 8
    w_closer = ((w_class % per) // 4) % 2
    w_flags = w_class % 4
    w_opener = np.int64(-1)                 # the walked block's opener (code index), its start
    w_start = np.int64(0)
    w_ndefs = np.int64(0)
    w_nopen = np.int64(0)
    w_else = np.int64(0)
    # a run paused because the record buffer was full (see EXPAND) goes on with its backtracking
    resuming = resume[P_PAUSED] != 0
    if resuming:
        resume[P_PAUSED] = 0
        length = resume[P_LENGTH]
        nlog = resume[P_NLOG]
        w_opener = resume[P_OPENER]
        w_start = resume[P_START]
        w_ndefs = resume[P_NDEFS]
        w_nopen = resume[P_NOPEN]
        w_else = resume[P_ELSE]
        replay = False
    while True:
        # ================= run until a leaf, or until the machine needs program bit `length`
        before = steps
        step_check = min(max_steps, steps + POLL_STEPS)   # the budget's end, or the next look at the flag
        status = RUNNING
        need_kind = K_DECODE
        need_opener = np.int64(-1)
        need_end = np.int64(0)
        while True:
            if resuming:
                break
            if steps >= step_check:
                if steps >= max_steps:
                    status = STEP_LIMIT
                    break
                step_check = min(max_steps, steps + POLL_STEPS)
                if stop_requested(stop):
                    totals[T_ERROR] = E_INTERRUPTED
                    return tree_leaves
            close_opener = np.int64(-1)
            if resume_kind == K_CLOSE:  # the instruction at pc was decoding its block's end: go on with that
                close_opener = resume_opener
            elif pc < ncode:
                op = code_op[pc]
                next_pc = pc + 1
                refused = False
                if op == OP_COUNTED:
                    status = EXPAND   # control enters a counted block: expanded (walked) later
                    break
                if sp < STACK_NEEDS[op]:
                    fault = F_UNDERFLOW
                elif sp + STACK_GROWS[op] > stack_depth:
                    fault = F_OVERFLOW
                elif op == OP_PUSH:
                    cell = sp
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = code_arg[pc]
                    sp += 1
                elif op == OP_DUP:
                    cell = sp
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 1]
                    sp += 1
                elif op == OP_DROP:
                    sp -= 1
                elif op == OP_SWAP:
                    top = S[sp - 1]
                    cell = sp - 1
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 2]
                    cell = sp - 2
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = top
                elif op == OP_OVER:
                    cell = sp
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 2]
                    sp += 1
                elif op == OP_ROT:
                    third = S[sp - 3]
                    cell = sp - 3
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 2]
                    cell = sp - 2
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 1]
                    cell = sp - 1
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = third
                elif (op == OP_ADD or op == OP_SUB or op == OP_MUL or op == OP_DIV or op == OP_MOD or op == OP_EQ
                      or op == OP_LT or op == OP_AND or op == OP_OR or op == OP_XOR or op == OP_SHR or op == OP_MIX):
                    result, bad = _binary(op, S[sp - 2], S[sp - 1])
                    if bad:
                        fault = bad
                    if fault == 0:
                        cell = sp - 2
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = result
                        sp -= 1
                elif op == OP_INC:
                    cell = sp - 1
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = S[sp - 1] + 1
                elif op == OP_NOT:
                    cell = sp - 1
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = np.int64(S[sp - 1] == 0)
                elif op == OP_LOAD or op == OP_STORE:
                    address = S[sp - 1]
                    if address < 0 or address >= memory_cells:
                        fault = F_ADDRESS
                    elif op == OP_LOAD:
                        cell = sp - 1
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = S[o_mem + address]
                    else:
                        cell = o_mem + address
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = S[sp - 2]
                        sp -= 2
                elif op == OP_IF:
                    if S[sp - 1] == 0:
                        if S[o_match + pc] < 0:
                            close_opener = pc
                        else:
                            target = S[o_else + pc]
                            next_pc = (target if target >= 0 else S[o_match + pc]) + 1
                            sp -= 1
                    else:
                        sp -= 1
                elif op == OP_ELSE:
                    opener = S[o_match + pc]
                    if opener < 0:
                        fault = F_ELSE
                    elif S[o_match + opener] < 0:
                        close_opener = opener
                    else:
                        next_pc = S[o_match + opener] + 1
                elif op == OP_END:
                    opener = S[o_match + pc]
                    if opener < 0:
                        status = HALTED
                    else:
                        kind = code_op[opener]
                        if kind == OP_REP or kind == OP_LOOP:
                            base = S[o_cloop + ncalls - 1] if ncalls > 0 else np.int64(0)
                            if nloops <= base or S[o_lopen + nloops - 1] != opener:
                                fault = F_INTERNAL
                            else:
                                index = S[o_lindex + nloops - 1] + 1
                                cell = o_lindex + nloops - 1
                                if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                                    stamp[cell] = epoch
                                    log_address[nlog] = cell
                                    log_value[nlog] = S[cell]
                                    nlog += 1
                                S[cell] = index
                                if kind == OP_LOOP or index < S[o_lcount + nloops - 1]:
                                    next_pc = opener + 1
                                else:
                                    nloops -= 1
                        elif kind == OP_DEF:
                            if ncalls == 0:
                                status = HALTED
                                next_pc = -1
                            else:
                                nloops = S[o_cloop + ncalls - 1]
                                next_pc = S[o_cret + ncalls - 1]
                                ncalls -= 1
                elif op == OP_REP:
                    count = S[sp - 1]
                    if count <= 0:
                        if S[o_match + pc] < 0:
                            close_opener = pc
                        else:
                            next_pc = S[o_match + pc] + 1
                            sp -= 1
                    elif nloops >= loop_depth:
                        fault = F_LOOP_DEPTH
                    else:
                        cell = o_lopen + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = pc
                        cell = o_lcount + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = count
                        cell = o_lindex + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = 0
                        nloops += 1
                        sp -= 1
                elif op == OP_LOOP:
                    if nloops >= loop_depth:
                        fault = F_LOOP_DEPTH
                    else:
                        cell = o_lopen + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = pc
                        cell = o_lcount + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = -1
                        cell = o_lindex + nloops
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = 0
                        nloops += 1
                elif op == OP_BRK:
                    if S[sp - 1] != 0:
                        base = S[o_cloop + ncalls - 1] if ncalls > 0 else np.int64(0)
                        if nloops <= base:
                            fault = F_BREAK
                        else:
                            opener = S[o_lopen + nloops - 1]
                            if S[o_match + opener] < 0:
                                close_opener = opener
                            else:
                                nloops -= 1
                                next_pc = S[o_match + opener] + 1
                                sp -= 1
                    else:
                        sp -= 1
                elif op == OP_IDX:
                    base = S[o_cloop + ncalls - 1] if ncalls > 0 else np.int64(0)
                    if nloops <= base:
                        fault = F_INDEX
                    else:
                        cell = sp
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = S[o_lindex + nloops - 1]
                        sp += 1
                elif op == OP_DEF:
                    if S[o_match + pc] < 0:
                        close_opener = pc
                    else:
                        next_pc = S[o_match + pc] + 1
                elif op == OP_CALL:
                    target = code_arg[pc]
                    if target >= ndefs:
                        fault = F_UNDEFINED
                    elif ncalls >= call_depth:
                        fault = F_CALL_DEPTH
                    else:
                        cell = o_cret + ncalls
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = pc + 1
                        cell = o_cloop + ncalls
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = nloops
                        ncalls += 1
                        next_pc = defs[target] + 1
                elif op == OP_RET:
                    if ncalls == 0:
                        status = HALTED
                        next_pc = -1
                    else:
                        nloops = S[o_cloop + ncalls - 1]
                        next_pc = S[o_cret + ncalls - 1]
                        ncalls -= 1
                elif op == OP_OUT:
                    if nout >= output_bits:
                        status = OUTPUT_LIMIT
                        refused = True
                    else:
                        bit = S[sp - 1] & 1
                        out[nout] = bit
                        if nout < trie_bits:
                            tnode = tnode * 2 + bit
                        nout += 1
                        sp -= 1
                        if nout >= output_bits:
                            status = OUTPUT_LIMIT
                elif op == OP_READ:
                    width = S[sp - 1]
                    if width < 0 or width > MAX_PACKED_BITS:
                        fault = F_READ_WIDTH
                    elif position + width > length:
                        status = BITS_LIMIT
                        need_kind = K_READ
                        need_end = position + width
                    else:
                        value = np.int64(0)
                        for offset in range(width):
                            value = value * 2 + program[position + offset]
                        cell = sp - 1
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = value
                        position += width
                        d_pos = position
                elif op == OP_EVAL:
                    if limits[L_EVAL] <= 0:
                        fault = F_EVAL_DEPTH
                    elif S[sp - 3] < 1:
                        fault = F_BAD_BITS
                    else:
                        # the child runs in the ordinary kernel, on a machine whose level 0 is the child
                        packed = S[sp - 3]
                        budget = min(max(S[sp - 2], np.int64(0)), np.int64(MAX_STEPS))
                        width = min(max(S[sp - 1], np.int64(0)), np.int64(MAX_PACKED_BITS))
                        sp -= 3
                        steps += 1  # eval's own step, paid up front
                        budget = min(budget, max_steps - steps)
                        nbits = np.int64(0)
                        while (packed >> (nbits + 1)) > 0:
                            nbits += 1
                        for offset in range(nbits):
                            a_program[offset] = (packed >> (nbits - 1 - offset)) & 1
                        for register in range(NREGS):
                            a_regs[0, register] = 0
                        a_regs[0, R_STEP_END] = steps + budget
                        a_regs[0, R_OUTPUT_LIMIT] = width
                        for cell in range(memory_cells):
                            a_memory[0, cell] = 0
                        a_g[G_STEPS] = steps
                        a_g[G_LEVEL] = 0
                        child = _execute(trie, has_operand, child_limits, a_program, nbits, a_regs, a_stack, a_memory,
                                         a_code, a_open, a_defs, a_calls, a_loops, a_child_bits, a_out, a_g, stop)
                        if child == INTERRUPTED:
                            totals[T_ERROR] = E_INTERRUPTED
                            return tree_leaves
                        steps = a_g[G_STEPS]
                        if child == STEP_LIMIT and steps >= max_steps:
                            status = STEP_LIMIT  # the main program's budget ran out inside the child
                            break
                        packed_output = np.int64(1)
                        for i in range(a_regs[0, R_NOUT]):
                            packed_output = packed_output * 2 + a_out[i]
                        cell = sp
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = packed_output
                        cell = sp + 1
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = child
                        sp += 2
                        pc = next_pc
                        continue
                else:
                    fault = F_INTERNAL
                if close_opener < 0:
                    if fault != 0:
                        status = FAULT
                        break
                    if status == BITS_LIMIT:
                        break
                    if not refused:
                        pc = next_pc
                        steps += 1
                    if status != RUNNING:
                        break
                    continue
            # ---- decode one instruction (pc is past the decoded code, or a block must be closed)
            resume_kind = -1
            if ncode >= capacity:  # cannot happen (see the module doc): a fault rather than a stray write
                fault = F_INTERNAL
                status = FAULT
                break
            if expand < expand_end:
                decoded = trie[expand, 0]
                operand = trie[expand, 1]
                expand += 1
            else:
                complete = False
                operand = np.int64(0)
                decoded = np.int64(0)
                while d_pos < length:
                    bit = program[d_pos]
                    d_pos += 1
                    if d_phase == 0:
                        following = trie[d_node, bit]
                        if following >= 0:
                            d_node = following
                            continue
                        decoded = -following - 1
                        d_node = 0
                        if decoded >= FIRST_COMPOSITE:
                            header = decoded - FIRST_COMPOSITE
                            first = trie[header, 0]
                            decoded = trie[first, 0]
                            operand = trie[first, 1]
                            expand = first + 1
                            expand_end = trie[header, 1]
                            complete = True
                            break
                        if has_operand[decoded]:
                            d_phase = 1
                            d_op = decoded
                            d_zeros = 0
                            continue
                        complete = True
                        break
                    elif d_phase == 1:
                        if bit == 1:
                            if d_zeros == 0:
                                decoded = d_op
                                d_phase = 0
                                complete = True
                                break
                            d_phase = 2
                            d_value = 1
                            d_left = d_zeros
                        else:
                            d_zeros += 1
                            if d_zeros > MAX_LITERAL_EXPONENT:
                                fault = F_LITERAL
                                break
                    else:
                        d_value = d_value * 2 + bit
                        d_left -= 1
                        if d_left == 0:
                            decoded = d_op
                            operand = d_value - 1
                            d_phase = 0
                            complete = True
                            break
                if fault != 0:
                    status = FAULT
                    break
                if not complete:
                    status = BITS_LIMIT
                    if close_opener >= 0:
                        need_kind = K_CLOSE
                        need_opener = close_opener
                    break
                position = d_pos
            # append it (entries at and above ncode are dead at every branch point: no log)
            index = ncode
            code_op[index] = decoded
            code_arg[index] = operand
            S[o_match + index] = -1
            S[o_else + index] = -1
            ncode += 1
            if decoded == OP_IF or decoded == OP_REP or decoded == OP_LOOP or decoded == OP_DEF:
                if nopen >= nesting:
                    fault = F_NESTING
                    status = FAULT
                    break
                if decoded == OP_DEF:
                    if ndefs >= max_defs:
                        fault = F_TOO_MANY_DEFS
                        status = FAULT
                        break
                    defs[ndefs] = index
                    ndefs += 1
                cell = o_open + nopen
                if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                    stamp[cell] = epoch
                    log_address[nlog] = cell
                    log_value[nlog] = S[cell]
                    nlog += 1
                S[cell] = index
                nopen += 1
            elif decoded == OP_ELSE:
                if nopen > 0:
                    opener = S[o_open + nopen - 1]
                    if code_op[opener] == OP_IF and S[o_else + opener] < 0:
                        cell = o_else + opener
                        if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                            stamp[cell] = epoch
                            log_address[nlog] = cell
                            log_value[nlog] = S[cell]
                            nlog += 1
                        S[cell] = index
                        S[o_match + index] = opener
                        if opener == w_opener and (w_closer != C_ELSE or d_pos != w_close
                                                   or ndefs - w_ndefs != w_nested
                                                   or _block_flags(code_op, code_arg, S, o_match, spans, w_start, index) != w_flags):
                            status = PRUNE   # the walked block closes otherwise than its class
                            break
            elif decoded == OP_END:
                if nopen > 0:
                    opener = S[o_open + nopen - 1]
                    nopen -= 1
                    cell = o_match + opener
                    if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                        stamp[cell] = epoch
                        log_address[nlog] = cell
                        log_value[nlog] = S[cell]
                        nlog += 1
                    S[cell] = index
                    S[o_match + index] = opener
                    if (opener == w_opener and (w_closer == C_END or S[o_else + opener] < 0)
                            and (w_closer != C_END or d_pos != w_close or ndefs - w_ndefs != w_nested
                                 or _block_flags(code_op, code_arg, S, o_match, spans, w_start, index) != w_flags)):
                        status = PRUNE   # the walked block closes otherwise than its class
                        break            # (an if part's class closed by else: the end after is fine)
        # ================= the node's outcome
        if resuming:    # straight to the backtracking
            resuming = False
            status = PRUNE
        # can a counted block start here? The machine must find the end of the innermost open
        # block without running it (an if's else part, which runs next, excepted), between codewords
        block_start = (status == BITS_LIMIT and need_kind == K_CLOSE and nopen > 0 and length < max_bits
                       and S[o_open + nopen - 1] == need_opener and d_phase == 0 and d_node == 0
                       and expand >= expand_end
                       and not (code_op[need_opener] == OP_IF and pc == need_opener and S[o_else + need_opener] >= 0))
        single = np.int64(-1)   # in a walk: the class of a recorded block that starts here
        if walking:
            # an expansion walk: its steps up to the recorded entry were counted by the run that
            # recorded it; the walked block's blocks of the class are enumerated; elsewhere the
            # recorded path is followed without branching, recorded blocks counted as their class
            if length > w_call:
                totals[T_STEPS] += (steps - before) * mult
            elif length == w_call:
                totals[T_STEPS] += (steps - walk[W_CALL_STEPS]) * mult
            if status != PRUNE and status != EXPAND and length < w_call:
                if length == w_depth:
                    if not block_start:
                        totals[T_ERROR] = 3     # the recorded block does not start here (a bug)
                        return tree_leaves
                    w_opener = need_opener
                    w_start = ncode
                    w_ndefs = ndefs
                    w_nopen = nopen
                    w_else = 1 if code_op[need_opener] == OP_IF and S[o_else + need_opener] < 0 else 0
                if length >= w_depth and length < w_close:
                    if status != BITS_LIMIT:
                        status = PRUNE          # a decoding fault: counted with the block's class
                    elif d_phase == 0 and d_node == 0 and expand >= expand_end:
                        depth = nopen - w_nopen + 1
                        more = w_nested - (ndefs - w_ndefs)
                        if more < 0 or (1 <= depth <= max_depth and more <= max_nested
                                        and closable[w_else, w_close - length, depth, more] == 0):
                            status = PRUNE      # no block of the class starts like this
                elif length >= w_close and not ((w_closer == C_END and S[o_match + w_opener] >= 0)
                                                or (w_closer == C_ELSE and S[o_else + w_opener] >= 0)):
                    status = PRUNE              # the block does not close where its class says
                elif walk_spans[length] >= 0:
                    if not block_start:
                        totals[T_ERROR] = 3
                        return tree_leaves
                    single = walk_spans[length]
                elif status != BITS_LIMIT:
                    totals[T_ERROR] = 3         # the recorded path needs a bit here (a bug if not)
                    return tree_leaves
                else:
                    program[length] = (walk[W_PROGRAM] >> (w_call - 1 - length)) & 1
                    class_pos[length] = -2
                    resume_kind = need_kind
                    resume_opener = need_opener
                    epoch += 1
                    length += 1
                    replay = False
                    continue
        elif not replay:
            totals[T_STEPS] += (steps - before) * mult
        replay = False
        if nlog > log_capacity - 4 * NSAVED:  # cannot happen (see the module doc)
            totals[T_ERROR] = 1
            return tree_leaves
        collapsed = False
        counting = False
        if status == PRUNE:
            pass
        elif status == EXPAND:
            # control enters a counted block: recorded (the path's bits, where and after how many
            # steps, which block, every counted block on the path), to be walked (FlatWorker does)
            row = expansions[0, 0] + 1
            full = row >= expansions.shape[0]
            record = resume[P_RECORD:] if full else expansions[row]
            packed = np.int64(0)
            for i in range(length):
                packed = packed * 2 + program[i]
            record[R_PROGRAM] = packed
            record[R_CALL_LENGTH] = length
            record[R_CALL_STEPS] = steps
            record[R_CALLED] = code_arg[pc]
            record[R_SPANS] = nspans
            for i in range(nspans):
                record[NRECORD + 2 * i] = spans[i, 0]
                record[NRECORD + 2 * i + 1] = spans[i, 1]
            if full:
                # pause: the caller takes the records and calls again to go on from here
                resume[P_PAUSED] = 1
                resume[P_LENGTH] = length
                resume[P_NLOG] = nlog
                resume[P_OPENER] = w_opener
                resume[P_START] = w_start
                resume[P_NDEFS] = w_ndefs
                resume[P_NOPEN] = w_nopen
                resume[P_ELSE] = w_else
                totals[T_TREE_LEAVES] += tree_leaves
                epochs[0] = epoch
                return tree_leaves
            expansions[0, 0] = row
        elif status == BITS_LIMIT and length == split_depth:
            packed = np.int64(0)
            for i in range(length):
                packed = packed * 2 + program[i]
            roots[0] += 1
            roots[roots[0]] = packed
        else:
            if status == BITS_LIMIT and collapse and split_depth < 0 and length < max_bits and (not walking
                                                                                               or length >= w_call):
                # can the pending decode or read complete within the bits left, and can no
                # decoding fault happen on the way? If neither, every leaf below is this one.
                left = max_bits - length
                if need_kind == K_READ:
                    collapsed = need_end > max_bits
                else:
                    if d_phase == 0:
                        any_bits = min_leaf[d_node]
                        end_at = min_end[d_node]
                    elif d_phase == 1:
                        any_bits = 1 + d_zeros
                        end_at = INFINITE
                    else:
                        any_bits = d_left
                        end_at = INFINITE
                    least = any_bits
                    if need_kind == K_CLOSE and any_bits + nopen * end_bits > left:
                        depth = np.int64(-1)
                        for j in range(nopen - 1, -1, -1):
                            if S[o_open + j] == need_opener:
                                depth = j
                                break
                        ends = nopen - depth
                        least = min(end_at + (ends - 1) * end_bits, any_bits + ends * end_bits)
                        if depth < 0:
                            least = 0
                    elif need_kind == K_CLOSE:
                        least = 0  # it can close in time (a cheap bound says so)
                    if least > left:
                        span = max_bits - position
                        collapsed = ((d_phase != 1 or d_zeros + left <= MAX_LITERAL_EXPONENT)
                                     and left <= MAX_LITERAL_EXPONENT
                                     and nopen + span // open_bits + composite_depth <= nesting
                                     and ndefs + span // def_bits <= max_defs)
            counting = single >= 0 or (block_start and counted and split_depth < 0 and not collapsed
                                       and nspans < spans.shape[0] and (not walking or length >= w_call))
            if counting:
                # a counted block starts: run what follows once per class (the backtracking
                # below takes the classes in turn); blocks that fault or do not close within
                # max_bits bits are leaves, counted here (in a walk the recording run counted them)
                else_closes = 1 if code_op[need_opener] == OP_IF and S[o_else + need_opener] < 0 else 0
                room_open = min(nesting - nopen, closed_table.shape[1] - 1)
                room_defs = min(max_defs - ndefs, closed_table.shape[2] - 1)
                if faulted_table[else_closes, room_open, room_defs, 0, 0] < 0:
                    totals[T_ERROR] = 4   # a context the tables were not made for (a bug)
                    return tree_leaves
                if single >= 0:
                    class_pos[length] = single
                    class_ctx[length, K_LAST] = single + 1
                else:
                    budget = max_bits - length
                    for q in range(1, budget + 1 if faulted_table[else_closes, room_open, room_defs, budget, 2] else 1):
                        count = faulted_table[else_closes, room_open, room_defs, q, 0]
                        if count > 0:
                            _tally_leaves(FAULT, tnode, length + q, count * mult, np.int64(1) << (budget - q), nout,
                                          out, sequence, agreement, trie_mass, length_mass, length_count, totals)
                    unclosed = (np.int64(1) << budget) - faulted_table[else_closes, room_open, room_defs, budget, 1]
                    if unclosed > 0:
                        agree = _tally_leaves(BITS_LIMIT, tnode, max_bits, unclosed * mult, np.int64(1), nout, out,
                                              sequence, agreement, trie_mass, length_mass, length_count, totals)
                        if agree >= 0 and closing_groups.shape[0] > 0:   # for bodies.unclosed_going_on
                            closing_groups[agree, else_closes, room_open, room_defs, budget] += mult
                    tree_leaves += 1
                    class_pos[length] = 0
                    class_ctx[length, K_LAST] = (budget + 1) * per
                class_ctx[length, K_ELSE_CLOSES] = else_closes
                class_ctx[length, K_ROOM_OPEN] = room_open
                class_ctx[length, K_ROOM_DEFS] = room_defs
            if (status == BITS_LIMIT and length < max_bits and not collapsed) or counting:
                # a branch point: save the registers, take bit 0 first
                saved[length, X_PC] = pc
                saved[length, X_SP] = sp
                saved[length, X_STEPS] = steps
                saved[length, X_NCODE] = ncode
                saved[length, X_POSITION] = position
                saved[length, X_NOUT] = nout
                saved[length, X_NOPEN] = nopen
                saved[length, X_NDEFS] = ndefs
                saved[length, X_NCALLS] = ncalls
                saved[length, X_NLOOPS] = nloops
                saved[length, X_EXPAND] = expand
                saved[length, X_EXPAND_END] = expand_end
                saved[length, X_DNODE] = d_node
                saved[length, X_DPHASE] = d_phase
                saved[length, X_DOP] = d_op
                saved[length, X_DZEROS] = d_zeros
                saved[length, X_DVALUE] = d_value
                saved[length, X_DLEFT] = d_left
                saved[length, X_DPOS] = d_pos
                saved[length, X_TNODE] = tnode
                saved[length, X_NLOG] = nlog
                saved[length, X_FAULT] = fault
                saved[length, X_NEED] = need_kind
                saved[length, X_OPENER] = need_opener
                saved[length, X_MULT] = mult
                saved[length, X_NSPANS] = nspans
                if counting:   # the class iterator: the backtracking below takes its first class
                    length += 1
                    continue_run = False
                else:
                    continue_run = True
            else:
                continue_run = False
            if continue_run:
                resume_kind = need_kind
                resume_opener = need_opener
                epoch += 1
                program[length] = 0
                length += 1
                continue
            if not counting:
                # ---- a leaf: every infinite extension of program[:length]
                tree_leaves += 1
                mass = mult << (max_bits - length)   # mult: bodies of the counted class (else 1)
                silent = False
                if status == STEP_LIMIT or (status == BITS_LIMIT and need_kind == K_READ):
                    base = S[o_cloop + ncalls - 1] if ncalls > 0 else np.int64(0)
                    for frame in range(nloops - 1, base - 1, -1):
                        opener = S[o_lopen + frame]
                        closer = S[o_match + opener]
                        if S[o_lcount + frame] != -1 or closer < 0:
                            continue   # a rep (it ends), or a loop whose end is not decoded yet
                        flags = _block_flags(code_op, code_arg, S, o_match, spans, opener + 1, closer)
                        silent = not (flags & F_LOUD or (flags & F_RET and ncalls > 0))
                        if silent:
                            break
                    if silent:
                        silent_trie[tnode] += mass
                        totals[T_SILENT] += mass
                trie_mass[status, tnode] += mass
                if collapsed:  # 2^(max_bits - length) program-length-limit leaves of max_bits bits
                    length_mass[BITS_LIMIT, max_bits] += mass
                    length_count[BITS_LIMIT, max_bits] += mass
                    totals[T_PROGRAMS] += mass
                    rows = mass
                else:
                    length_mass[status, length] += mass
                    length_count[status, length] += mult
                    totals[T_PROGRAMS] += mult
                    rows = mult
                if agreement.shape[1] > 0:
                    agree = np.int64(0)
                    while agree < nout and agree < sequence.shape[0] and out[agree] == sequence[agree]:
                        agree += 1
                    agreement[A_ROW, agree] += mass
                    if nout > agree:
                        agreement[B_ROW, agree] += mass
                        if agree == sequence.shape[0]:
                            agreement[NEXT_ROW, out[agree]] += mass
                    elif status == STEP_LIMIT or status == BITS_LIMIT:
                        agreement[U_ROW, agree] += mass
                        if silent:
                            agreement[SILENT_ROW, agree] += mass
                        if status == BITS_LIMIT and need_kind == K_CLOSE and closing.shape[0] > 0:
                            # waiting for `ends` ends, the decoder at trie node d_node (or in an
                            # operand: the last column): see bodies.closing_odds
                            ends = np.int64(0)
                            for j in range(nopen - 1, -1, -1):
                                ends += 1
                                if S[o_open + j] == need_opener:
                                    break
                            column = d_node if d_phase == 0 else closing.shape[2] - 1
                            if ends < closing.shape[1] and column < closing.shape[2]:
                                closing[agree, ends, column] += mass
                kept = totals[T_KEPT]
                if kept + rows <= keep_capacity:
                    packed = np.int64(0)
                    for i in range(length):
                        packed = packed * 2 + program[i]
                    packed_output = np.int64(0)
                    for i in range(min(nout, 62)):
                        packed_output = packed_output * 2 + out[i]
                    code = status if status != FAULT else FAULT + 8 * fault
                    widen = max_bits - length if collapsed else np.int64(0)
                    for extension in range(rows):
                        leaf_bits[kept] = (packed << widen) | extension
                        leaf_length[kept] = length + widen
                        leaf_status[kept] = code
                        leaf_steps[kept] = steps
                        leaf_output[kept] = packed_output
                        leaf_output_length[kept] = nout
                        if kept < leaf_silent.shape[0]:
                            leaf_silent[kept] = silent
                        kept += 1
                    totals[T_KEPT] = kept
                else:
                    totals[T_OVERFLOW] = 1
        if (tree_leaves & (POLL_LEAVES - 1)) == 0 and stop_requested(stop):
            totals[T_ERROR] = E_INTERRUPTED
            return tree_leaves
        # ================= backtrack to the deepest branch point whose 1-branch (or next class
        # of counted bodies) is still to do; class_pos marks depths that are no branch point (-2)
        # and class iterators (>= 0: the next class to try)
        while True:
            if length == root_length:
                totals[T_TREE_LEAVES] += tree_leaves
                epochs[0] = epoch
                return tree_leaves
            d = length - 1
            marker = class_pos[d]
            if marker == -2:
                class_pos[d] = -1
                length -= 1
                continue
            if marker >= 0 or program[d] == 0:
                height = saved[d, X_NLOG]
                while nlog > height:
                    nlog -= 1
                    S[log_address[nlog]] = log_value[nlog]
                pc = saved[d, X_PC]
                sp = saved[d, X_SP]
                steps = saved[d, X_STEPS]
                ncode = saved[d, X_NCODE]
                position = saved[d, X_POSITION]
                nout = saved[d, X_NOUT]
                nopen = saved[d, X_NOPEN]
                ndefs = saved[d, X_NDEFS]
                ncalls = saved[d, X_NCALLS]
                nloops = saved[d, X_NLOOPS]
                expand = saved[d, X_EXPAND]
                expand_end = saved[d, X_EXPAND_END]
                d_node = saved[d, X_DNODE]
                d_phase = saved[d, X_DPHASE]
                d_op = saved[d, X_DOP]
                d_zeros = saved[d, X_DZEROS]
                d_value = saved[d, X_DVALUE]
                d_left = saved[d, X_DLEFT]
                d_pos = saved[d, X_DPOS]
                tnode = saved[d, X_TNODE]
                fault = saved[d, X_FAULT]
                resume_kind = saved[d, X_NEED]
                resume_opener = saved[d, X_OPENER]
                mult = saved[d, X_MULT]
                nspans = saved[d, X_NSPANS]
                epoch += 1
                if marker < 0:
                    program[d] = 1
                    break
                # the next class of blocks read but not run from program bit d on
                else_closes = class_ctx[d, K_ELSE_CLOSES]
                room_open = class_ctx[d, K_ROOM_OPEN]
                room_defs = class_ctx[d, K_ROOM_DEFS]
                last = class_ctx[d, K_LAST]
                k = next_class[else_closes, room_open, room_defs, marker]
                if k >= last:
                    class_pos[d] = -1
                    length -= 1
                    continue
                class_pos[d] = k + 1
                totals[T_CLASSES] += 1
                ell = k // per
                nested = (k % per) // 8
                closer = ((k % per) // 4) % 2
                opener = resume_opener
                # the block as two instructions: OP_COUNTED (entering it is an entry to expand)
                # and its closer, matched to the opener; its defs number subroutines that start
                # at OP_COUNTED (entries at and above ncode and ndefs are dead below d: no log)
                place = ncode
                if place + 2 > capacity:    # cannot happen (a block of >= 4 bits takes 2 entries)
                    totals[T_ERROR] = 4
                    return tree_leaves
                code_op[place] = OP_COUNTED
                code_arg[place] = nspans
                S[o_match + place] = -1
                S[o_else + place] = -1
                for j in range(nested):
                    defs[ndefs + j] = place - 1
                ndefs += nested
                shut = place + 1
                code_arg[shut] = 0
                S[o_match + shut] = opener
                S[o_else + shut] = -1
                cell = o_match + opener if closer == C_END else o_else + opener
                if stamp[cell] != epoch:  # first write since the latest branch point: log the old value
                    stamp[cell] = epoch
                    log_address[nlog] = cell
                    log_value[nlog] = S[cell]
                    nlog += 1
                S[cell] = shut
                if closer == C_END:
                    code_op[shut] = OP_END
                    nopen -= 1
                    resume_kind = -1           # the instruction at pc goes on with its block closed
                else:
                    code_op[shut] = OP_ELSE    # the if part ends: go on finding the if's end
                ncode += 2
                spans[nspans, 0] = d
                spans[nspans, 1] = k
                nspans += 1
                mult = mult * closed_table[else_closes, room_open, room_defs, ell, k % per]
                position = d + ell
                d_pos = position
                for j in range(d + 1, d + ell):
                    class_pos[j] = -2
                length = d + ell
                break
            length -= 1


def collapse_tables(language: Language) -> tuple:
    """What exact collapse needs to know about the code: for each trie node, the fewest bits that
    complete an instruction from it (operand included) and that complete ``end`` from it; and
    [bits of end, fewest bits of a block opener, deepest nesting inside a composite's body, bits of
    def] (INFINITE for what the language lacks)."""
    trie = language.trie
    inner = set()
    frontier = [0]
    while frontier:
        node = frontier.pop()
        if node in inner:
            continue
        inner.add(node)
        for bit in (0, 1):
            if trie[node, bit] >= 0:
                frontier.append(int(trie[node, bit]))
    nodes = max(inner) + 1
    end_word = language.codewords.get("end")
    min_leaf = np.full(nodes, INFINITE, dtype=np.int64)
    min_end = np.full(nodes, INFINITE, dtype=np.int64)
    for symbol, word in language.codewords.items():
        extra = 1 if HAS_OPERAND.get(symbol, False) else 0  # an operand is at least one more bit
        node = 0
        for depth, bit in enumerate(word):
            min_leaf[node] = min(min_leaf[node], len(word) - depth + extra)
            if symbol == "end":
                min_end[node] = min(min_end[node], len(word) - depth)
            if depth < len(word) - 1:
                node = int(trie[node, int(bit)])
    openers = [len(language.codewords[m]) for m in ("if", "rep", "loop", "def") if m in language.codewords]
    depth_inside = 0
    for body in language.composites.values():
        level = 0
        for mnemonic, _ in body:
            if mnemonic in ("if", "rep", "loop", "def"):
                level += 1
                depth_inside = max(depth_inside, level)
            elif mnemonic == "end":
                level -= 1
    params = np.array([len(end_word) if end_word else INFINITE, min(openers) if openers else INFINITE, depth_inside,
                       len(language.codewords["def"]) if "def" in language.codewords else INFINITE], dtype=np.int64)
    return min_leaf, min_end, params


_TABLES: dict = {}


def _collapse_tables_for(language: Language) -> tuple:
    key = (language.name, language.spec_hash)
    if key not in _TABLES:
        _TABLES[key] = collapse_tables(language)
    return _TABLES[key]


class FlatWorker:
    """One thread's flat machine, undo log, child machine for eval, and tallies."""

    def __init__(self, language: Language, max_bits: int, max_steps: int, output_bits: int, trie_bits: int,
                 leaf_capacity: int, collapse: bool = False, target: str | None = None, counted: bool = False,
                 expansion_capacity: int = 1 << 12):
        kernel = kernel_for(language)
        self.trie, self.has_operand, self.limits = kernel.trie, kernel.has_operand, kernel.limits
        self.child_limits = self.limits.copy()
        self.child_limits[L_EVAL] = max(int(self.limits[L_EVAL]) - 1, 0)
        self.min_leaf, self.min_end, self.params = _collapse_tables_for(language)
        capacity = code_capacity(language, max_bits)
        cells = sum(region_sizes(self.limits, capacity))
        self.S = np.zeros(cells, dtype=np.int64)
        self.stamp = np.full(cells, -1, dtype=np.int64)
        self.log_address = np.zeros(cells * (max_bits + 2) + 4 * NSAVED, dtype=np.int64)
        self.log_value = np.zeros_like(self.log_address)
        self.saved = np.zeros((max_bits + 1, NSAVED), dtype=np.int64)
        self.code_op = np.zeros(capacity, dtype=np.int64)
        self.code_arg = np.zeros(capacity, dtype=np.int64)
        self.defs = np.zeros(language.limits["max_subroutines"], dtype=np.int64)
        self.out = np.zeros(max(output_bits, 1), dtype=np.int64)
        self.epochs = np.zeros(1, dtype=np.int64)
        self.child = MachineState.new(language, MAX_PACKED_BITS, 0, MAX_PACKED_BITS)
        self.child_program = np.zeros(MAX_PACKED_BITS + 1, dtype=np.uint8)
        self.max_bits, self.max_steps, self.output_bits, self.trie_bits = max_bits, max_steps, output_bits, trie_bits
        self.collapse = bool(collapse)
        self.trie_mass = np.zeros((len(BUCKETS), 2 << trie_bits), dtype=np.int64)
        self.length_mass = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
        self.length_count = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
        self.totals = np.zeros(NTOTALS, dtype=np.int64)
        leaf_capacity = 1 if counted else leaf_capacity     # a counted run keeps no leaves
        self.leaf_buffers = {name: np.zeros(leaf_capacity, dtype=np.int64) for name in LEAF_FIELDS}
        self.target = np.array([int(bit) for bit in target or ""], dtype=np.int64)
        self.agreement = np.zeros((5, len(target) + 2 if target is not None else 0), dtype=np.int64)
        self.silent_trie = np.zeros(2 << trie_bits, dtype=np.int64)
        self.leaf_silent = np.zeros(leaf_capacity, dtype=np.uint8)
        # with a target: the unresolved leaves waiting for a block's end, by agreement, ends and
        # decoder node; counted, the unclosed blocks counted at their start, by agreement and context
        rows = len(target) + 2 if target is not None else 0
        self.closing = np.zeros((rows, max_bits + 2, self.trie.shape[0] + 1), dtype=np.int64)
        self.closing_groups = np.zeros((0, 2, 1, 1, 1), dtype=np.int64)
        self.counted = bool(counted)
        if self.counted:
            tables = block_tables(language, max_bits)
            self.closed_table, self.faulted_table, self.closable = tables.closed, tables.faulted, tables.closable
            self.closing_groups = np.zeros((rows, 2) + tables.closed.shape[1:4], dtype=np.int64)
            self.next_class = tables.next_class
        else:
            self.closed_table = np.zeros((2, 1, 1, max_bits + 1, 8), dtype=np.int64)
            self.faulted_table = np.zeros((2, 1, 1, max_bits + 1, 3), dtype=np.int64)
            self.next_class = np.zeros((2, 1, 1, 1), dtype=np.int64)
            self.closable = np.zeros((2, 1, 3, 1), dtype=np.uint8)
        self.class_pos = np.full(max_bits + 1, -1, dtype=np.int64)
        self.class_ctx = np.zeros((max_bits + 1, 4), dtype=np.int64)
        self.spans = np.zeros((max_spans(max_bits), 2), dtype=np.int64)
        self.expansions = np.zeros((expansion_capacity + 1 if self.counted else 1, NRECORD + 2 * max_spans(max_bits)),
                                   dtype=np.int64)
        self.walk_spans = np.full(max_bits + 1, -1, dtype=np.int64)
        self.resume = np.zeros(P_RECORD + self.expansions.shape[1], dtype=np.int64)
        self._expanded = np.zeros(1, dtype=np.int64)
        self._helper_worker = None
        self.language, self.target_text = language, target

    def _run(self, program, root_length, split_depth, roots, buffers, keep, walk) -> list:
        """One run of the kernel; returns the entries into counted blocks it recorded in its last
        stretch. Whenever its record buffer fills, it pauses, a helper worker (its own machine,
        these tallies) walks the records so far, and it goes on: pending records stay bounded."""
        self.class_pos[:] = -1
        self.resume[P_PAUSED] = 0
        while True:
            self.expansions[0, 0] = 0
            self._kernel(program, root_length, split_depth, roots, buffers, keep, walk)
            rows = int(self.expansions[0, 0])
            recorded = [row.copy() for row in self.expansions[1:rows + 1]]
            if not self.resume[P_PAUSED]:
                return recorded
            recorded.append(self.resume[P_RECORD:].copy())
            self._helper().walk(recorded)

    def _helper(self) -> "FlatWorker":
        if self._helper_worker is None:
            helper = FlatWorker(self.language, self.max_bits, self.max_steps, self.output_bits, self.trie_bits, 1,
                                self.collapse, self.target_text, True, self.expansions.shape[0] - 1)
            for name in ("trie_mass", "length_mass", "length_count", "totals", "agreement", "silent_trie",
                         "_expanded", "closing", "closing_groups"):
                setattr(helper, name, getattr(self, name))
            self._helper_worker = helper
        return self._helper_worker

    @property
    def expanded(self) -> int:
        """Entries into counted blocks walked so far (by this worker and its helpers)."""
        return int(self._expanded[0])

    def walk(self, recorded: list) -> None:
        """Walk recorded entries into counted blocks (see _flat_subtree), newest first; the
        entries a walk records join the queue."""
        program = np.zeros(self.max_bits + 1, dtype=np.uint8)
        roots = np.zeros(2, dtype=np.int64)
        buffers = {name: array[:0] for name, array in self.leaf_buffers.items()}
        while recorded:
            row = recorded.pop()
            spans = [(int(row[NRECORD + 2 * i]), int(row[NRECORD + 2 * i + 1])) for i in range(int(row[R_SPANS]))]
            called = int(row[R_CALLED])
            self.walk_spans[:] = -1
            for i, (depth, klass) in enumerate(spans):
                if i != called:
                    self.walk_spans[depth] = klass
            walk = np.array([1, spans[called][0], spans[called][1], row[R_CALL_LENGTH], row[R_CALL_STEPS],
                             row[R_PROGRAM]], dtype=np.int64)
            program[:] = 0
            recorded += self._run(program, 0, -1, roots, buffers, False, walk)
            self._expanded[0] += 1
        self.walk_spans[:] = -1

    def _kernel(self, program, root_length, split_depth, roots, buffers, keep, walk) -> None:
        c = self.child
        _flat_subtree(self.trie, self.has_operand, self.limits, self.child_limits, self.min_leaf, self.min_end,
                      self.params, program, root_length, self.max_bits, self.max_steps, self.output_bits,
                      self.trie_bits, split_depth, roots, self.collapse, self.S, self.stamp, self.log_address,
                      self.log_value, self.saved, self.code_op, self.code_arg, self.defs, self.out, self.epochs,
                      self.child_program, c.regs, c.stack, c.memory, c.code, c.open_blocks, c.defs, c.calls, c.loops,
                      c.child_bits, c.out, c.g, self.trie_mass, self.length_mass, self.length_count, self.totals,
                      *(buffers[name] for name in LEAF_FIELDS), self.target, self.agreement, self.silent_trie,
                      self.leaf_silent if keep else self.leaf_silent[:0], self.counted, self.closed_table,
                      self.faulted_table, self.next_class, self.closable, self.class_pos, self.class_ctx, self.spans, self.expansions,
                      walk, self.walk_spans, self.resume, self.closing, self.closing_groups, STOP)
        error = int(self.totals[T_ERROR])
        if error == E_INTERRUPTED:
            raise Interrupted()
        if error:
            raise RuntimeError({1: "flat enumerator: undo log overflow (a bug: it is bounded by construction)",
                                3: "flat enumerator: an expansion walk left its recorded path (a bug)",
                                4: "flat enumerator: a counted block in a context without tables, or beyond the "
                                   "code capacity (a bug)"}[error])

    def subtree(self, prefix: str, split_depth: int = -1, keep: bool = True) -> dict:
        """Enumerate every program extending ``prefix`` into this worker's tallies (as the
        snapshot enumerator's worker does): the subtree's leaves (if ``keep`` and they fit) and,
        with a ``split_depth``, the prefixes of the subtrees left unexpanded there."""
        program = np.zeros(self.max_bits + 1, dtype=np.uint8)
        for i, bit in enumerate(prefix):
            program[i] = int(bit)
        roots = np.zeros((1 << max(split_depth, 0)) + 1, dtype=np.int64)
        self.totals[T_KEPT] = 0
        self.totals[T_OVERFLOW] = 0
        keep = keep and not self.counted   # a leaf of a counted class stands for many programs: none kept
        buffers = self.leaf_buffers if keep else {name: array[:0] for name, array in self.leaf_buffers.items()}
        # entries into counted blocks are walked block by block once the run is done
        self.walk(self._run(program, len(prefix), split_depth, roots, buffers, keep, np.zeros(NWALK, dtype=np.int64)))
        kept = int(self.totals[T_KEPT])
        return {"overflow": bool(self.totals[T_OVERFLOW]) or not keep,
                "leaves": {name: array[:kept].copy() for name, array in buffers.items()},
                "silent_leaves": self.leaf_silent[:kept].astype(bool) if keep else np.zeros(0, bool),
                "roots": [format(int(bits), f"0{split_depth}b") for bits in roots[1:roots[0] + 1]]}


def flat_worker_memory(language: Language, max_bits: int, output_bits: int, keep_leaves: int,
                       counted: bool = False) -> int:
    """Bytes of the arrays one flat enumeration worker allocates (its state, stamps and undo log,
    saved registers, decoded code, the child machine for eval, tallies and leaf buffer; with
    ``counted``, the block tables (shared by a process's workers, counted per worker) and the
    record buffer), computed from the shapes without allocating."""
    from toyinduction.engine.enumeration import MAX_TRIE_BITS
    from toyinduction.machines.toy.kernel import LIMIT_ORDER

    limits = [language.limits[name] for name in LIMIT_ORDER]
    capacity = code_capacity(language, max_bits)
    cells = sum(region_sizes(limits, capacity))
    state = cells * 8 * 2 + 2 * 8 * (cells * (max_bits + 2) + 4 * NSAVED) + (max_bits + 1) * NSAVED * 8
    state += 2 * capacity * 8 + language.limits["max_subroutines"] * 8 + max(output_bits, 1) * 8
    levels = language.limits["eval_depth"] + 1
    child_capacity = code_capacity(language, MAX_PACKED_BITS)
    child = levels * 8 * (NREGS + language.limits["stack_depth"] + language.limits["memory_cells"]
                          + 4 * child_capacity + language.limits["block_nesting"]
                          + language.limits["max_subroutines"] + 2 * language.limits["call_depth"]
                          + 3 * language.limits["loop_depth"]) + levels * (MAX_PACKED_BITS + 1) + 2 * MAX_PACKED_BITS
    trie_bits = min(output_bits, MAX_TRIE_BITS)
    tallies = (len(BUCKETS) + 1) * (2 << trie_bits) * 8 + len(BUCKETS) * 2 * (max_bits + 1) * 8 + NTOTALS * 8
    leaves = (len(LEAF_FIELDS) * 8 + 1) * (min(keep_leaves, 1 << 20) + 1)   # and a silent flag per leaf
    columns = NRECORD + 2 * max_spans(max_bits)
    # class iterators (position, context), walk marks, spans, the paused record, the walk count
    counting = 8 * ((max_bits + 1) * 6 + 2 * max_spans(max_bits) + P_RECORD + columns + 1)
    if counted:
        from toyinduction.machines.toy.bodies import block_tables_nbytes

        records = 8 * ((1 << 12) + 1) * columns
        return state + child + tallies + counting + block_tables_nbytes(language, max_bits) + records + 7 * 8 + 1
    empty_tables = 8 * (2 * (max_bits + 1) * 8 + 2 * (max_bits + 1) * 3 + 2 + columns) + 2 * 3
    return state + child + tallies + leaves + counting + empty_tables


def enumerate_chunk_flat(spec: dict, max_bits: int, max_steps: int, output_bits: int, trie_bits: int, capacity: int,
                         roots: list, split_depth: int = -1, collapse: bool = False,
                         target: str | None = None, counted: bool = False) -> dict:
    """One task of the flat enumerator: the subtrees below ``roots``, as the snapshot
    enumerator's ``enumerate_chunk`` returns them (the same tallies and leaves), plus
    ``tree_leaves``, the silent mass by output (``silent_index``/``silent_value``, nonzero cells;
    ``silent_leaves`` flags the kept leaves) and, with a ``target`` sequence, its ``agreement``
    tally (see :func:`_flat_subtree`). With ``counted``, blocks read but not run are counted by
    class (:mod:`toyinduction.machines.toy.bodies`): the same tallies, no leaves kept. A pure
    function of its arguments (threads, dask, checkpoints)."""
    language = language_from_json(spec)
    worker = FlatWorker(language, max_bits, max_steps, output_bits, trie_bits, min(capacity, 1 << 20) + 1, collapse,
                        target, counted)
    kept, overflow, new_roots, silent = [], False, [], []
    for root in roots:
        part = worker.subtree(root, split_depth, keep=not overflow)
        new_roots += part["roots"]
        overflow = overflow or part["overflow"] or sum(len(k["bits"]) for k in kept) + len(part["leaves"]["bits"]) > capacity
        if not overflow:
            kept.append(part["leaves"])
            silent.append(part["silent_leaves"])
    leaves = {name: (np.concatenate([k[name] for k in kept]) if kept and not overflow else np.zeros(0, np.int64))
              for name in LEAF_FIELDS}
    nonzero = np.flatnonzero(worker.trie_mass)
    quiet = np.flatnonzero(worker.silent_trie)
    return {"trie_index": nonzero, "trie_value": worker.trie_mass.ravel()[nonzero],
            "length_mass": worker.length_mass, "length_count": worker.length_count,
            "programs": int(worker.totals[T_PROGRAMS]), "steps": int(worker.totals[T_STEPS]),
            "tree_leaves": int(worker.totals[T_TREE_LEAVES]), "overflow": overflow, "leaves": leaves,
            "roots": new_roots, "silent_index": quiet, "silent_value": worker.silent_trie[quiet],
            "silent_leaves": np.concatenate(silent) if silent and not overflow else np.zeros(0, bool),
            **({"agreement": worker.agreement, "closing": worker.closing, "closing_groups": worker.closing_groups}
               if target is not None else {})}


def flat_chunk_to_arrays(part: dict) -> dict:
    """A flat chunk's result as arrays for a checkpoint (the snapshot enumerator's layout, plus
    ``tree_leaves``)."""
    arrays = {key: part[key] for key in ("trie_index", "trie_value", "length_mass", "length_count")}
    arrays["totals"] = np.array([part["programs"], part["steps"], int(part["overflow"])], dtype=np.int64)
    arrays["tree_leaves"] = np.array([part.get("tree_leaves", part["programs"])], dtype=np.int64)
    if "agreement" in part:
        arrays["agreement"] = part["agreement"]
    if "silent_index" in part:
        arrays["silent_index"], arrays["silent_value"] = part["silent_index"], part["silent_value"]
    arrays.update({f"leaf_{name}": part["leaves"][name] for name in LEAF_FIELDS})
    return arrays


def flat_chunk_from_arrays(arrays: dict) -> dict:
    """A checkpointed chunk back (either enumerator's: a chunk without ``tree_leaves`` visited
    one tree leaf per program)."""
    programs, steps, overflow = (int(v) for v in arrays["totals"][:3])
    tree_leaves = int(arrays["tree_leaves"][0]) if "tree_leaves" in arrays else programs
    return {"trie_index": arrays["trie_index"], "trie_value": arrays["trie_value"], "length_mass": arrays["length_mass"],
            "length_count": arrays["length_count"], "programs": programs, "steps": steps, "overflow": bool(overflow),
            "tree_leaves": tree_leaves, "leaves": {name: arrays[f"leaf_{name}"] for name in LEAF_FIELDS}, "roots": [],
            **({"agreement": arrays["agreement"]} if "agreement" in arrays else {}),
            **({"silent_index": arrays["silent_index"], "silent_value": arrays["silent_value"]}
               if "silent_index" in arrays else {})}
