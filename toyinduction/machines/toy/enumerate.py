"""The toy machine's exhaustive enumerator: the tree of reads, walked with snapshots.

The machine runs until it needs a program bit it has not been given; there the tree branches:
the machine state is snapshotted, the next bit is fixed to 0 and the run resumes; later the
snapshot is restored and the bit is fixed to 1. Programs that share a prefix share its
execution, and nothing is re-run from scratch. The result, its exact accounting and the store
are the engine's (``toyinduction.engine.enumeration``); this module is the kernel's part.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from toyinduction._numba import jit
from toyinduction.engine.enumeration import (BUCKETS, CHUNKS, LEAF_FIELDS, MAX_BITS, MAX_TRIE_BITS, Enumeration,
                                             enumeration_or_load, merge_parts)
from toyinduction.engine.parallel import check_memory, run_chunks, split_chunks
from toyinduction.engine.stop import (INTERRUPTED, POLL_LEAVES, STOP, call_interruptibly, raise_if_stopped,
                                     stop_requested)
from toyinduction.machines.toy.kernel import (BITS_LIMIT, FAULT, G_STEPS, NREGS, R_CALLS, R_FAULT, R_LOOPS,
                                              R_MEMORY_HIGH, R_NCODE, R_NDEFS, R_NOUT, R_OPEN, R_SP, MachineState,
                                              _execute, _reset, kernel_for)
from toyinduction.machines.toy.language import Language

# totals[...] fields
T_LEAVES, T_STEPS, T_KEPT, T_OVERFLOW = 0, 1, 2, 3


@jit
def _save(depth, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
          s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g):
    """Copy the live part of the main program's state into snapshot slot ``depth``."""
    for register in range(NREGS):
        s_regs[depth, register] = regs[0, register]
    for i in range(regs[0, R_SP]):
        s_stack[depth, i] = stack[0, i]
    for i in range(regs[0, R_MEMORY_HIGH]):
        s_memory[depth, i] = memory[0, i]
    for i in range(regs[0, R_NCODE]):
        for f in range(4):
            s_code[depth, f, i] = code[0, f, i]
    for i in range(regs[0, R_OPEN]):
        s_open[depth, i] = open_blocks[0, i]
    for i in range(regs[0, R_NDEFS]):
        s_defs[depth, i] = defs[0, i]
    for i in range(regs[0, R_CALLS]):
        s_calls[depth, 0, i] = calls[0, 0, i]
        s_calls[depth, 1, i] = calls[0, 1, i]
    for i in range(regs[0, R_LOOPS]):
        for f in range(3):
            s_loops[depth, f, i] = loops[0, f, i]
    for i in range(regs[0, R_NOUT]):
        s_out[depth, i] = out[i]
    s_g[depth, 0] = g[0]
    s_g[depth, 1] = g[1]


@jit
def _restore(depth, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
             s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g):
    """Put the main program back in the state saved in snapshot slot ``depth``."""
    for i in range(s_regs[depth, R_MEMORY_HIGH], regs[0, R_MEMORY_HIGH]):
        memory[0, i] = 0  # cells written after the snapshot
    for register in range(NREGS):
        regs[0, register] = s_regs[depth, register]
    for i in range(regs[0, R_SP]):
        stack[0, i] = s_stack[depth, i]
    for i in range(regs[0, R_MEMORY_HIGH]):
        memory[0, i] = s_memory[depth, i]
    for i in range(regs[0, R_NCODE]):
        for f in range(4):
            code[0, f, i] = s_code[depth, f, i]
    for i in range(regs[0, R_OPEN]):
        open_blocks[0, i] = s_open[depth, i]
    for i in range(regs[0, R_NDEFS]):
        defs[0, i] = s_defs[depth, i]
    for i in range(regs[0, R_CALLS]):
        calls[0, 0, i] = s_calls[depth, 0, i]
        calls[0, 1, i] = s_calls[depth, 1, i]
    for i in range(regs[0, R_LOOPS]):
        for f in range(3):
            loops[0, f, i] = s_loops[depth, f, i]
    for i in range(regs[0, R_NOUT]):
        out[i] = s_out[depth, i]
    g[0] = s_g[depth, 0]
    g[1] = s_g[depth, 1]


@jit
def _record_leaf(status, program, length, max_bits, trie_bits, regs, out, g, trie_mass, length_mass, length_count,
                 totals, leaf_bits, leaf_length, leaf_status, leaf_steps, leaf_output, leaf_output_length):
    """Add the leaf program[:length] (mass 2^-length) to the tallies; keep it if there is room."""
    mass = np.int64(1) << (max_bits - length)
    nout = regs[0, R_NOUT]
    node = np.int64(1)
    for i in range(min(nout, trie_bits)):
        node = node * 2 + out[i]
    trie_mass[status, node] += mass
    length_mass[status, length] += mass
    length_count[status, length] += 1
    kept = totals[T_KEPT]
    if kept < leaf_bits.shape[0]:
        packed = np.int64(0)
        for i in range(length):
            packed = packed * 2 + program[i]
        leaf_bits[kept] = packed
        leaf_length[kept] = length
        leaf_status[kept] = status if status != FAULT else FAULT + 8 * regs[0, R_FAULT]
        leaf_steps[kept] = g[G_STEPS]
        packed = np.int64(0)
        for i in range(min(nout, 62)):
            packed = packed * 2 + out[i]
        leaf_output[kept] = packed
        leaf_output_length[kept] = nout
        totals[T_KEPT] = kept + 1
    else:
        totals[T_OVERFLOW] = 1
    return 1


@jit
def _enumerate_subtree(trie, has_operand, limits, program, root_length, max_bits, max_steps, output_bits,
                       trie_bits, split_depth, roots, regs, stack, memory, code, open_blocks, defs, calls, loops, child_bits, out, g,
                       s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g,
                       trie_mass, length_mass, length_count, totals, leaf_bits, leaf_length, leaf_status,
                       leaf_steps, leaf_output, leaf_output_length, stop):
    """Enumerate every program extending ``program[:root_length]`` (depth first, 0 before 1).

    Adds each leaf's mass (units of 2^-max_bits) to ``trie_mass[bucket, node of its output]``
    and ``length_mass[bucket, bits read]``; keeps the leaf itself while capacity lasts.
    A node at ``split_depth`` that needs more bits is not expanded: its prefix is appended to
    ``roots`` (roots[0] counts them) for a later call. Returns the number of leaves.

    ``totals[T_STEPS]`` counts each node's own steps once: the run of a non-empty root prefix
    (replayed from the machine's start, since no snapshot of it is at hand) is not counted, its
    steps having been counted by the enumeration that found the root. So a split run's steps
    equal the serial run's.

    A run interrupted by the stop flag ``stop`` ends the enumeration at once (returns -1; the
    tallies are unfinished).
    """
    _reset(regs, memory, g, max_steps, output_bits)
    length = root_length
    leaves = 0
    visits = 0
    replay = root_length > 0
    while True:
        before = g[G_STEPS]
        status = _execute(trie, has_operand, limits, program, length, regs, stack, memory, code, open_blocks,
                          defs, calls, loops, child_bits, out, g, stop)
        visits += 1
        if status == INTERRUPTED or (visits % POLL_LEAVES == 0 and stop_requested(stop)):
            return -1
        if not replay:
            totals[T_STEPS] += g[G_STEPS] - before
        replay = False
        if status == BITS_LIMIT and length == split_depth:
            packed = np.int64(0)
            for i in range(length):
                packed = packed * 2 + program[i]
            roots[0] += 1
            roots[roots[0]] = packed
        elif status == BITS_LIMIT and length < max_bits:
            _save(length, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
                  s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g)
            program[length] = 0
            length += 1
            continue
        else:
            # a leaf: all infinite extensions of program[:length], mass 2^-length
            leaves += _record_leaf(status, program, length, max_bits, trie_bits, regs, out, g, trie_mass,
                                   length_mass, length_count, totals, leaf_bits, leaf_length, leaf_status, leaf_steps,
                                   leaf_output, leaf_output_length)
        # backtrack to the deepest node whose 1-branch is still to do
        while True:
            if length == root_length:
                totals[T_LEAVES] += leaves
                return leaves
            if program[length - 1] == 0:
                _restore(length - 1, regs, stack, memory, code, open_blocks, defs, calls, loops, out, g,
                         s_regs, s_stack, s_memory, s_code, s_open, s_defs, s_calls, s_loops, s_out, s_g)
                program[length - 1] = 1
                break
            length -= 1



class _Worker:
    """Per-thread machine, snapshot slots and result arrays for enumerating subtrees."""

    def __init__(self, language: Language, max_bits: int, max_steps: int, output_bits: int, trie_bits: int,
                 leaf_capacity: int):
        self.kernel = kernel_for(language)
        self.state = MachineState.new(language, max_bits, max_steps, output_bits)
        slots = max_bits + 1
        limits = language.limits
        self.s_regs = np.zeros((slots, NREGS), dtype=np.int64)
        self.s_stack = np.zeros((slots, limits["stack_depth"]), dtype=np.int64)
        self.s_memory = np.zeros((slots, limits["memory_cells"]), dtype=np.int64)
        self.s_code = np.zeros((slots, 4, self.state.code.shape[2]), dtype=np.int64)
        self.s_open = np.zeros((slots, limits["block_nesting"]), dtype=np.int64)
        self.s_defs = np.zeros((slots, limits["max_subroutines"]), dtype=np.int64)
        self.s_calls = np.zeros((slots, 2, limits["call_depth"]), dtype=np.int64)
        self.s_loops = np.zeros((slots, 3, limits["loop_depth"]), dtype=np.int64)
        self.s_out = np.zeros((slots, max(output_bits, 1)), dtype=np.uint8)
        self.s_g = np.zeros((slots, 2), dtype=np.int64)
        self.max_bits, self.max_steps, self.output_bits, self.trie_bits = max_bits, max_steps, output_bits, trie_bits
        # this worker's exact tallies, summed over every subtree it runs
        self.trie_mass = np.zeros((len(BUCKETS), 2 << trie_bits), dtype=np.int64)
        self.length_mass = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
        self.length_count = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
        self.totals = np.zeros(4, dtype=np.int64)
        self.leaf_buffers = {name: np.zeros(leaf_capacity, dtype=np.int64) for name in LEAF_FIELDS}

    def subtree(self, prefix: str, split_depth: int = -1, keep: bool = True) -> dict:
        """Enumerate every program extending ``prefix`` into this worker's tallies. Returns the
        subtree's leaves (if ``keep`` and they fit) and, with a ``split_depth``, the prefixes of
        the subtrees left unexpanded there."""
        program = np.zeros(self.max_bits + 1, dtype=np.uint8)
        for i, bit in enumerate(prefix):
            program[i] = int(bit)
        roots = np.zeros((1 << max(split_depth, 0)) + 1, dtype=np.int64)
        self.totals[T_KEPT] = 0
        self.totals[T_OVERFLOW] = 0
        buffers = self.leaf_buffers if keep else {name: array[:0] for name, array in self.leaf_buffers.items()}
        state, k = self.state, self.kernel
        _enumerate_subtree(k.trie, k.has_operand, k.limits, program, len(prefix), self.max_bits, self.max_steps,
                           self.output_bits, self.trie_bits, split_depth, roots, state.regs, state.stack,
                           state.memory, state.code, state.open_blocks, state.defs, state.calls, state.loops,
                           state.child_bits, state.out, state.g, self.s_regs, self.s_stack, self.s_memory,
                           self.s_code, self.s_open, self.s_defs, self.s_calls, self.s_loops, self.s_out, self.s_g,
                           self.trie_mass, self.length_mass, self.length_count, self.totals,
                           *(buffers[name] for name in LEAF_FIELDS), STOP)
        raise_if_stopped()
        kept = int(self.totals[T_KEPT])
        return {"overflow": bool(self.totals[T_OVERFLOW]) or not keep,
                "leaves": {name: array[:kept].copy() for name, array in buffers.items()},
                "roots": [format(int(bits), f"0{split_depth}b") for bits in roots[1:roots[0] + 1]]}



def worker_memory(language: Language, max_bits: int, output_bits: int, keep_leaves: int) -> int:
    """Bytes of the arrays one enumeration worker (one thread, or one dask task) allocates: its
    machine, max_bits + 1 snapshot slots, its tallies and its leaf buffer. Computed from the
    shapes, without allocating (``tests/test_parallel_limits.py`` checks it against a real worker)."""
    per_state = 8 * MachineState.level_words(language, max_bits)
    slots, out = max_bits + 1, max(output_bits, 1)
    machine = MachineState.nbytes(language, max_bits, output_bits)
    snapshots = slots * (per_state + out + 2 * 8)
    trie_bits = min(output_bits, MAX_TRIE_BITS)
    tallies = len(BUCKETS) * ((2 << trie_bits) + 2 * (max_bits + 1)) * 8 + 4 * 8
    leaves = len(LEAF_FIELDS) * (min(keep_leaves, 1 << 20) + 1) * 8
    return machine + snapshots + tallies + leaves


def _language_from_spec(spec: dict) -> Language:
    composites = spec.get("composites", {})  # Language.to_json keeps a composite's codeword beside its body
    codewords = dict(spec["codewords"], **{name: entry["codeword"] for name, entry in composites.items()})
    return Language(name=spec["name"], codewords=codewords, limits=dict(spec["limits"]),
                    composites={name: entry["body"] for name, entry in composites.items()})


def enumerate_chunk(spec: dict, max_bits: int, max_steps: int, output_bits: int, trie_bits: int, capacity: int,
                    roots: list, split_depth: int = -1) -> dict:
    """One task: enumerate the subtrees below ``roots``; their exact tallies and (up to
    ``capacity``) their leaves. A pure function of its arguments (threads, dask, checkpoints)."""
    language = _language_from_spec(spec)
    worker = _Worker(language, max_bits, max_steps, output_bits, trie_bits, min(capacity, 1 << 20) + 1)
    kept, overflow, new_roots = [], False, []
    for root in roots:
        part = worker.subtree(root, split_depth, keep=not overflow)
        new_roots += part["roots"]
        overflow = overflow or part["overflow"] or sum(len(k["bits"]) for k in kept) + len(part["leaves"]["bits"]) > capacity
        if not overflow:
            kept.append(part["leaves"])
    leaves = {name: (np.concatenate([k[name] for k in kept]) if kept and not overflow else np.zeros(0, np.int64))
              for name in LEAF_FIELDS}
    nonzero = np.flatnonzero(worker.trie_mass)  # the trie is mostly empty: keep its nonzero cells only
    return {"trie_index": nonzero, "trie_value": worker.trie_mass.ravel()[nonzero],
            "length_mass": worker.length_mass, "length_count": worker.length_count,
            "programs": int(worker.totals[T_LEAVES]), "steps": int(worker.totals[T_STEPS]), "overflow": overflow,
            "leaves": leaves, "roots": new_roots}


def _chunk_to_arrays(part: dict) -> dict:
    arrays = {key: part[key] for key in ("trie_index", "trie_value", "length_mass", "length_count")}
    arrays["totals"] = np.array([part["programs"], part["steps"], int(part["overflow"])], dtype=np.int64)
    arrays.update({f"leaf_{name}": part["leaves"][name] for name in LEAF_FIELDS})
    return arrays


def _chunk_from_arrays(arrays: dict) -> dict:
    programs, steps, overflow = (int(v) for v in arrays["totals"])
    return {"trie_index": arrays["trie_index"], "trie_value": arrays["trie_value"], "length_mass": arrays["length_mass"],
            "length_count": arrays["length_count"], "programs": programs, "steps": steps, "overflow": bool(overflow),
            "leaves": {name: arrays[f"leaf_{name}"] for name in LEAF_FIELDS}, "roots": []}


def enumerate_programs(language: Language, max_bits: int, max_steps: int, output_bits: int, workers: int = 1,
                       keep_leaves: int = 200_000, split_bits: int | None = None, progress=None, client=None,
                       checkpoint=None, kernel: str = "flat", collapse: bool = True,
                       target: str | None = None, counted: bool = False) -> Enumeration:
    """Enumerate every program of ``language`` of at most ``max_bits`` bits.

    Each program runs for at most ``max_steps`` steps and ``output_bits`` output bits. With
    ``workers`` > 1, a dask ``client`` or a ``checkpoint``, the tree is first enumerated to
    ``split_bits`` bits; the nodes there that need more bits are subtrees, cut into CHUNKS
    chunks run on ``workers`` threads or on the dask cluster (finished chunks are saved to and
    reloaded from the checkpoint). The merged result is identical to a serial run. Leaves are
    kept when there are at most ``keep_leaves`` of them (memory for leaves is bounded by
    chunks × keep_leaves; the tallies are always exact). ``progress(done, total)`` follows chunks.

    ``kernel`` picks the enumerator: ``"flat"`` (:mod:`toyinduction.machines.toy.flat`, one numba
    function with an undo log) or ``"snapshot"`` (this module's, which copies the machine at every
    read; kept as the reference the flat one is tested against). Both give identical results.
    ``collapse`` (flat only) visits a node whose pending instruction cannot complete within
    ``max_bits`` bits as one tree leaf: the result is identical, only ``tree_leaves`` is smaller.
    With a ``target`` bit string x (flat only, not checkpointed), the result's ``agreement`` tallies
    every leaf's mass by how many leading bits of its output agree with x (what the mixture's
    predictions along x need, see :mod:`toyinduction.induction.exhaustive`), leaves kept or not.
    ``counted`` (flat only) runs what follows a block that is read but not run (a def's body, a
    skipped if part, ...) once per class of such blocks, weighted by their number, instead of once
    per block (:mod:`toyinduction.machines.toy.bodies`): every tally is identical, no leaves are
    kept (a leaf stands for many programs) and ``tree_leaves`` is smaller.
    """
    if kernel not in ("flat", "snapshot"):
        raise ValueError(f"kernel must be 'flat' or 'snapshot', got {kernel!r}")
    if counted and kernel != "flat":
        raise ValueError("counted blocks are the flat kernel's (kernel='flat')")
    if target is not None and (kernel != "flat" or checkpoint is not None or not isinstance(target, str)
                               or set(target) - {"0", "1"} or len(target) > 1 << 16):
        raise ValueError("a target must be a bit string of at most 65,536 bits, for the flat kernel, without a checkpoint")
    for name, value, low, high in (("max_bits", max_bits, 0, MAX_BITS), ("max_steps", max_steps, 0, 2 ** 61),
                                   ("output_bits", output_bits, 0, 1 << 16), ("workers", workers, 1, 256),
                                   ("keep_leaves", keep_leaves, 0, 1 << 28)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            raise ValueError(f"{name} must be an integer in {low}..{high}, got {value!r}")
    trie_bits = min(output_bits, MAX_TRIE_BITS)
    # every thread allocates a worker's arrays (on dask only the shallow split runs here)
    if kernel == "flat":
        from toyinduction.machines.toy.flat import flat_worker_memory

        def estimate(*arguments):
            return flat_worker_memory(*arguments, counted=bool(counted))
    else:
        estimate = worker_memory
    check_memory(workers if client is None else 1, estimate(language, max_bits, output_bits, keep_leaves),
                 "enumeration threads" if client is None and workers > 1 else "enumeration worker")
    start = time.perf_counter()
    parallel = workers > 1 or client is not None or checkpoint is not None
    if split_bits is None:
        split_bits = min(max_bits, 10) if parallel else 0
    split_bits = min(split_bits, max_bits)
    spec = language.to_json()
    chunk, to_arrays, from_arrays = enumerate_chunk, _chunk_to_arrays, _chunk_from_arrays
    if kernel == "flat":
        from toyinduction.machines.toy import flat

        chunk = functools.partial(flat.enumerate_chunk_flat, collapse=bool(collapse), target=target,
                                  counted=bool(counted))
        to_arrays, from_arrays = flat.flat_chunk_to_arrays, flat.flat_chunk_from_arrays
    task = functools.partial(chunk, spec, max_bits, max_steps, output_bits, trie_bits, keep_leaves)
    parts, roots = [], [""]
    if split_bits > 0:
        shallow = call_interruptibly(chunk, spec, max_bits, max_steps, output_bits, trie_bits, keep_leaves, [""],
                                     split_bits)
        parts.append(shallow)
        roots = shallow["roots"]
    chunks = split_chunks(roots, CHUNKS if split_bits > 0 else 1)
    parts += run_chunks(task, chunks, workers, progress, client, checkpoint, to_arrays, from_arrays)
    return merge_parts(language.name, language.spec_hash, parts, max_bits, max_steps, output_bits, trie_bits,
                       keep_leaves, time.perf_counter() - start, workers)




def enumerate_or_load(language: Language, max_bits: int, max_steps: int, output_bits: int, store=None,
                      fresh: bool = False, **options) -> tuple[Enumeration, bool]:
    """A stored enumeration of ``language`` with these exact parameters, else a new one (then
    stored; resumable from its checkpoint). ``fresh`` recomputes. Returns (result, loaded)."""
    options.setdefault("split_bits", min(max_bits, 10) if store is not None else None)

    def compute(checkpoint):
        return enumerate_programs(language, max_bits, max_steps, output_bits, checkpoint=checkpoint, **options)

    return enumeration_or_load(language.spec_hash, max_bits, max_steps, output_bits, store, compute,
                               split_bits=options["split_bits"], fresh=fresh)


#: The lengths of the two small enumerations an estimate of the program count extrapolates.
PROBE_BITS = (20, 24)


def estimated_programs(language: Language, max_bits: int) -> float:
    """About how many programs of ``language`` have at most ``max_bits`` bits: exact up to
    PROBE_BITS[1] bits, beyond that extrapolated from the growth between two small enumerations
    (PROBE_BITS, 1,000 steps each: milliseconds)."""
    low, high = PROBE_BITS
    if max_bits <= high:
        return float(enumerate_programs(language, max_bits, 1000, 16, keep_leaves=0).programs)
    fewer, more = (enumerate_programs(language, bits, 1000, 16, keep_leaves=0).programs for bits in PROBE_BITS)
    growth = (more / max(fewer, 1)) ** (1 / (high - low))
    return more * growth ** (max_bits - high)


def enumeration_warning(language: Language, max_bits: int, workers: int = 1) -> str | None:
    """A one-line warning when enumerating every program of up to ``max_bits`` bits cannot
    finish in a human time (the estimated count at the flat enumerator's measured rate), else None."""
    from toyinduction.engine.stop import PROGRAMS_PER_SECOND, WARN_SECONDS, endless_warning

    if 2.0 ** max_bits / (PROGRAMS_PER_SECOND * max(workers, 1)) <= WARN_SECONDS:   # (not even the 2^L bound)
        return None
    return endless_warning(estimated_programs(language, max_bits), "programs", PROGRAMS_PER_SECOND,
                           f"{PROGRAMS_PER_SECOND / 1e6:.0f} M programs/s", threads=workers)
