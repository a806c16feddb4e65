"""Turing machines: the CTM formalism (Soler-Toscano et al. 2014) and Busy Beaver runs.

A machine has n states (0 .. n-1, started in 0) and a halting state. Each of its 2n entries
(state, symbol read) holds one of 4n + 2 options:

    halt writing w           (w in {0, 1}; the head does not move)        2 options
    write w, move L or R, go to state s                                   4n options

so there are (4n + 2)^(2n) machines. They start on a blank tape of 0s; a step is one
transition, the halting one included. The *output* of a halting machine is every cell
between the leftmost and the rightmost cell its head visited (start cell included).

Enumeration is a tree of *reads*: a machine runs until it reads an entry that is not yet
fixed, and the tree branches over that entry's 4n + 2 options. A leaf with k fixed entries
stands for (4n + 2)^(2n - k) machines (every completion of the other entries). Two exact
reductions (Tree-Normal-Form style) cut the tree without changing any count:

  - state relabelling: all states not yet referenced are interchangeable, so a transition
    to a new state branches once, to the lowest unreferenced state, with multiplicity equal
    to the number of unreferenced states;
  - the left/right mirror: swapping L and R everywhere mirrors a machine's run and reverses
    its output, so the first transition only moves right, and each such leaf is counted for
    its output and for the reversed output.

And one non-halting shortcut: a machine whose entries are all fixed and none halts never halts.

Busy Beaver machines use bbchallenge's notation, ``1RB1LB_1LA1RZ``: per state, for read 0
and read 1, the symbol written, the move, and the next state (Z = halt; ``---`` undefined).
"""

from __future__ import annotations

import functools
import re
import time

import numpy as np
from numba import types
from numba.typed import Dict

from toyinduction._numba import jit
from toyinduction.engine.parallel import run_chunks, split_chunks
from toyinduction.core import Status
from toyinduction.engine.sampling import Sample
from toyinduction.engine.stop import (INTERRUPTED, POLL_LEAVES, POLL_STEPS, STOP, Interrupted, call_interruptibly,
                                     raise_if_stopped, stop_requested)
from toyinduction.engine.store import load_or_compute
from toyinduction.validate import quoted

#: Output keys are (length, 16 words of 62 bits): outputs up to 992 cells, so cutoffs up to 992 steps.
KEY_WORDS = 16
WORD_BITS = 62
MAX_CTM_STEPS = KEY_WORDS * WORD_BITS
KEY_TYPE = types.UniTuple(types.int64, KEY_WORDS + 1)

RUNNING, NEED, HALT, CUTOFF = 0, 1, 2, 3
# stats[...] fields
S_HALTING, S_NONHALTING, S_LEAVES, S_STEPS, S_MAX_STEPS, S_MAX_ONES, S_ROOTS = range(7)


@jit
def _key(tape, lo, hi):
    """Dictionary key of the output tape[lo..hi]: (length, packed words)."""
    words = np.zeros(KEY_WORDS, dtype=np.int64)
    for i in range(hi - lo + 1):
        words[i // WORD_BITS] = words[i // WORD_BITS] * 2 + tape[lo + i]
    return (np.int64(hi - lo + 1), words[0], words[1], words[2], words[3], words[4], words[5], words[6], words[7],
            words[8], words[9], words[10], words[11], words[12], words[13], words[14], words[15])


@jit
def _option_allowed(option, level, referenced, states, reduce_states, reduce_mirror):
    """Is ``option`` explored at branch ``level`` with ``referenced`` states referenced so far?"""
    if option < 2:
        return True
    k = option - 2
    move_right = (k >> 1) & 1
    target = k >> 2
    if reduce_mirror and level == 0 and move_right == 0:
        return False  # the mirror image of a right-moving first transition
    if reduce_states and target > referenced:
        return False  # only the lowest unreferenced state stands for all of them
    return True


@jit
def _ctm_subtree(states, max_steps, reduce_states, reduce_mirror, prefix, prefix_length, split_depth, roots,
                 direct, mirrored, stats, stop):
    """Depth-first enumeration of every machine whose first branch choices are ``prefix``.

    Halting leaves add their machine count to ``direct[output]`` (or to ``mirrored[output]``,
    counted again reversed by the caller). Branches reached at ``split_depth`` are not explored
    but their choices are written to ``roots`` (stats[S_ROOTS] counts them). stats[S_STEPS]
    counts the steps of the nodes below the root path only (the root path's were counted where
    the root was found), so a split run simulates as many steps as a serial one. Every
    POLL_LEAVES nodes the stop flag ``stop`` is read: when set, the enumeration ends at once
    (unfinished; the caller raises Interrupted).
    """
    arity = 4 * states + 2
    entries = 2 * states
    powers = np.ones(entries + 1, dtype=np.int64)
    for i in range(1, entries + 1):
        powers[i] = powers[i - 1] * arity
    width = 2 * max_steps + 3
    tape = np.zeros(width, dtype=np.uint8)
    table = np.full(entries, -1, dtype=np.int64)
    # per branch level: the entry, the next option to try, and a snapshot of the machine
    level_entry = np.zeros(entries + 1, dtype=np.int64)
    level_next = np.zeros(entries + 1, dtype=np.int64)
    level_choice = np.zeros(entries + 1, dtype=np.int64)
    saved = np.zeros((entries + 1, 9), dtype=np.int64)   # pos lo hi state steps referenced mult mirror halts
    saved_tape = np.zeros((entries + 1, width), dtype=np.uint8)
    position = max_steps + 1
    lo = position
    hi = position
    state = 0
    steps = 0
    referenced = 1
    multiplicity = np.int64(1)
    is_mirrored = 0
    halts_defined = 0
    depth = 0
    choose = False
    visits = 0
    while True:
        if not choose:
            # ---- run until the machine halts, hits the cutoff, or reads an unfixed entry
            visits += 1
            if visits % POLL_LEAVES == 0 and stop_requested(stop):
                return
            status = RUNNING
            if depth == entries and halts_defined == 0:
                status = CUTOFF  # every entry fixed and none halts: it never halts
            start_steps = steps
            while status == RUNNING:
                if steps >= max_steps:
                    status = CUTOFF
                    break
                entry = 2 * state + tape[position]
                option = table[entry]
                if option < 0:
                    status = NEED
                    break
                steps += 1
                if option < 2:
                    tape[position] = option
                    status = HALT
                    break
                k = option - 2
                tape[position] = k & 1
                if (k >> 1) & 1:
                    position += 1
                    if position > hi:
                        hi = position
                else:
                    position -= 1
                    if position < lo:
                        lo = position
                state = k >> 2
            if prefix_length == 0 or depth > prefix_length:
                # (the runs on the root path replay nodes whose steps the enumeration that
                # found the root has counted: a split run's steps equal the serial run's)
                stats[S_STEPS] += steps - start_steps
            if status == NEED and depth == split_depth:
                index = stats[S_ROOTS]
                for i in range(depth):
                    roots[index, i] = level_choice[i]
                stats[S_ROOTS] = index + 1
                choose = True
            elif status == NEED:
                level_entry[depth] = 2 * state + tape[position]
                level_next[depth] = 0
                saved[depth, 0] = position
                saved[depth, 1] = lo
                saved[depth, 2] = hi
                saved[depth, 3] = state
                saved[depth, 4] = steps
                saved[depth, 5] = referenced
                saved[depth, 6] = multiplicity
                saved[depth, 7] = is_mirrored
                saved[depth, 8] = halts_defined
                for i in range(lo, hi + 1):
                    saved_tape[depth, i] = tape[i]
                depth += 1
                choose = True
            else:
                count = multiplicity * powers[entries - depth]
                stats[S_LEAVES] += 1
                if status == HALT:
                    stats[S_HALTING] += count * (2 if is_mirrored else 1)
                    key = _key(tape, lo, hi)
                    if is_mirrored:
                        mirrored[key] = mirrored.get(key, 0) + count
                    else:
                        direct[key] = direct.get(key, 0) + count
                    if steps > stats[S_MAX_STEPS]:
                        stats[S_MAX_STEPS] = steps
                    ones = 0
                    for i in range(lo, hi + 1):
                        ones += tape[i]
                    if ones > stats[S_MAX_ONES]:
                        stats[S_MAX_ONES] = ones
                else:
                    stats[S_NONHALTING] += count * (2 if is_mirrored else 1)
                choose = True
        else:
            # ---- take the next option at the deepest open branch, or backtrack
            if depth == 0:
                return
            level = depth - 1
            if level < prefix_length:
                # a level on the subtree's root path: its one forced option, once
                if level_next[level] > 0:
                    return  # everything below the root path has been explored
                option = prefix[level]
                level_next[level] = 1
                if not _option_allowed(option, level, saved[level, 5], states, reduce_states, reduce_mirror):
                    return
            else:
                option = level_next[level]
                while option < arity and not _option_allowed(option, level, saved[level, 5], states,
                                                             reduce_states, reduce_mirror):
                    option += 1
                if option >= arity:
                    table[level_entry[level]] = -1
                    depth -= 1
                    continue
                level_next[level] = option + 1
            # restore the machine as it was at this branch and apply the option
            for i in range(lo, hi + 1):
                tape[i] = 0  # every cell the abandoned branch may have written is in lo..hi
            position = saved[level, 0]
            lo = saved[level, 1]
            hi = saved[level, 2]
            state = saved[level, 3]
            steps = saved[level, 4]
            referenced = saved[level, 5]
            multiplicity = saved[level, 6]
            is_mirrored = saved[level, 7]
            halts_defined = saved[level, 8]
            for i in range(lo, hi + 1):
                tape[i] = saved_tape[level, i]
            table[level_entry[level]] = option
            level_choice[level] = option
            if option < 2:
                halts_defined += 1
            else:
                target = (option - 2) >> 2
                if reduce_states and target == referenced:
                    multiplicity *= states - referenced
                    referenced += 1
                elif not reduce_states and target >= referenced:
                    referenced = target + 1
                if reduce_mirror and level == 0:
                    is_mirrored = 1
            choose = False


def _new_counts():
    return Dict.empty(key_type=KEY_TYPE, value_type=types.int64)


def _decode_key(key) -> str:
    length, words = key[0], key[1:]
    bits = []
    for i in range(length):
        word, offset = divmod(i, WORD_BITS)
        in_word = min(length - word * WORD_BITS, WORD_BITS)
        bits.append(str((words[word] >> (in_word - 1 - offset)) & 1))
    return "".join(bits)


def _run_ctm(states, max_steps, reduce, prefix=(), split_depth=-1):
    """One call of the kernel; returns (direct, mirrored, stats, roots)."""
    direct, mirrored = _new_counts(), _new_counts()
    stats = np.zeros(7, dtype=np.int64)
    roots = np.zeros(((4 * states + 2) ** max(split_depth, 0) if split_depth > 0 else 1, max(split_depth, 1)),
                     dtype=np.int64)
    prefix_array = np.array(list(prefix) or [0], dtype=np.int64)
    _ctm_subtree(states, max_steps, reduce, reduce, prefix_array, len(prefix), split_depth, roots, direct, mirrored,
                 stats, STOP)
    raise_if_stopped()
    return direct, mirrored, stats, roots[: stats[S_ROOTS]]


#: Chunks a parallel or resumable CTM run is cut into (fixed, so a resumed run is cut the same way).
CHUNKS = 64


def ctm_chunk(states: int, max_steps: int, reduce: bool, roots: list) -> dict:
    """One task: the CTM counts of the subtrees below ``roots`` (lists of branch choices)."""
    direct, mirrored, stats = {}, {}, np.zeros(7, dtype=np.int64)
    for root in roots:
        part_direct, part_mirrored, part_stats, _ = _run_ctm(states, max_steps, reduce, tuple(root))
        for source, target in ((part_direct, direct), (part_mirrored, mirrored)):
            for key, count in source.items():
                target[key] = target.get(key, 0) + int(count)
        stats[:S_MAX_STEPS] += part_stats[:S_MAX_STEPS]
        stats[S_MAX_STEPS] = max(stats[S_MAX_STEPS], part_stats[S_MAX_STEPS])
        stats[S_MAX_ONES] = max(stats[S_MAX_ONES], part_stats[S_MAX_ONES])
    return {"direct": direct, "mirrored": mirrored, "stats": stats}


def _ctm_to_arrays(part: dict) -> dict:
    arrays = {"stats": part["stats"]}
    for name in ("direct", "mirrored"):
        keys = list(part[name])
        arrays[f"{name}_keys"] = np.array(keys, dtype=np.int64).reshape(len(keys), KEY_WORDS + 1)
        arrays[f"{name}_counts"] = np.array([part[name][key] for key in keys], dtype=np.int64)
    return arrays


def _ctm_from_arrays(arrays: dict) -> dict:
    part = {"stats": arrays["stats"]}
    for name in ("direct", "mirrored"):
        part[name] = {tuple(int(v) for v in key): int(count)
                      for key, count in zip(arrays[f"{name}_keys"], arrays[f"{name}_counts"])}
    return part


def ctm(states: int, max_steps: int, reduce: bool = True, workers: int = 1, split_depth: int | None = None,
        progress=None, client=None, checkpoint=None) -> dict:
    """Output frequencies of all (4n+2)^(2n) n-state machines on a blank tape, CTM formalism.

    Returns ``{"states", "max_steps", "machines", "halting", "counts": {output: c0}, ...}``
    where ``counts[s]`` is the number of machines that halt within ``max_steps`` steps with
    output s. ``reduce`` applies the relabelling and mirror reductions (the counts are the
    same either way; the tests check it). With ``workers`` > 1, a dask ``client`` or a
    ``checkpoint`` the tree is cut at ``split_depth`` branch levels into CHUNKS chunks.
    """
    if isinstance(states, bool) or not isinstance(states, int) or not 1 <= states <= 6:
        raise ValueError(f"states must be an integer in 1..6, got {states!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not 1 <= max_steps <= MAX_CTM_STEPS:
        raise ValueError(f"max_steps must be an integer in 1..{MAX_CTM_STEPS}, got {max_steps!r}")
    start = time.perf_counter()
    parallel = workers > 1 or client is not None or checkpoint is not None
    if split_depth is None:
        split_depth = min(3, 2 * states) if parallel else 0
    parts, roots = [], [()]
    if split_depth > 0:
        direct, mirrored, stats, root_array = call_interruptibly(_run_ctm, states, max_steps, reduce, (), split_depth)
        parts.append({"direct": dict(direct), "mirrored": dict(mirrored), "stats": stats})
        roots = [tuple(int(v) for v in row) for row in root_array]
    task = functools.partial(ctm_chunk, states, max_steps, reduce)
    chunks = split_chunks(roots, CHUNKS if split_depth > 0 else 1)
    parts += run_chunks(task, chunks, workers, progress, client, checkpoint, _ctm_to_arrays, _ctm_from_arrays)
    counts: dict = {}
    stats = np.zeros(7, dtype=np.int64)
    for part in parts:
        part_stats = part["stats"]
        stats[:S_MAX_STEPS] += part_stats[:S_MAX_STEPS]
        stats[S_MAX_STEPS] = max(stats[S_MAX_STEPS], part_stats[S_MAX_STEPS])
        stats[S_MAX_ONES] = max(stats[S_MAX_ONES], part_stats[S_MAX_ONES])
        for key, count in part["direct"].items():
            output = _decode_key(key)
            counts[output] = counts.get(output, 0) + int(count)
        for key, count in part["mirrored"].items():
            output = _decode_key(key)
            counts[output] = counts.get(output, 0) + int(count)
            counts[output[::-1]] = counts.get(output[::-1], 0) + int(count)
    machines = (4 * states + 2) ** (2 * states)
    halting = int(stats[S_HALTING])
    assert halting + int(stats[S_NONHALTING]) == machines, "every machine must be counted exactly once"
    assert sum(counts.values()) == halting
    ordered = dict(sorted(counts.items(), key=lambda item: (len(item[0]), item[0])))
    return {"states": states, "max_steps": max_steps, "machines": machines, "halting": halting,
            "non_halting": int(stats[S_NONHALTING]), "counts": ordered, "seconds": time.perf_counter() - start,
            "tree_leaves": int(stats[S_LEAVES]), "steps_simulated": int(stats[S_STEPS]),
            "max_halting_steps": int(stats[S_MAX_STEPS]), "max_halting_ones": int(stats[S_MAX_ONES]),
            "reduced": reduce, "workers": workers}


def algorithmic_probability(result: dict, output: str):
    """D(s) = (c0(s) + c0(complement of s)) / (2 H), as an exact Fraction."""
    from fractions import Fraction

    complement = output.translate(str.maketrans("01", "10"))
    return Fraction(result["counts"].get(output, 0) + result["counts"].get(complement, 0), 2 * result["halting"])


def complexity_bits(result: dict, output: str):
    """K(s) = −log2 D(s) in bits, by the coding theorem (None when D(s) = 0: no machine of the
    table halts with s or its complement). Computed from D's exact numerator and denominator."""
    import math

    probability = algorithmic_probability(result, output)
    if probability == 0:
        return None
    return math.log2(probability.denominator) - math.log2(probability.numerator)


def _ctm_parameters(states: int, max_steps: int) -> dict:
    return {"machine": "tm-ctm", "states": states, "max_steps": max_steps}


def _encode_ctm(result: dict) -> tuple[dict, dict]:
    """A CTM result -> (metadata, arrays) for the store (outputs as one bit array with lengths)."""
    outputs = list(result["counts"])
    lengths = np.array([len(output) for output in outputs], dtype=np.int64)
    bits = np.frombuffer("".join(outputs).encode(), dtype=np.uint8) - ord("0") if outputs else np.zeros(0, np.uint8)
    arrays = {"lengths": lengths, "bits": bits.astype(np.uint8),
              "counts": np.array([result["counts"][output] for output in outputs], dtype=np.int64)}
    return {key: value for key, value in result.items() if key != "counts"}, arrays


def _decode_ctm(metadata: dict, arrays: dict) -> dict:
    """(metadata, arrays) from the store -> the CTM result."""
    text = "".join("1" if bit else "0" for bit in arrays["bits"])
    offsets = np.concatenate([[0], np.cumsum(arrays["lengths"])])
    counts = {text[offsets[i]:offsets[i + 1]]: int(arrays["counts"][i]) for i in range(len(arrays["counts"]))}
    result = {key: value for key, value in metadata.items()
              if key not in ("kind", "parameters", "format", "version", "created")}
    result["counts"] = counts
    return result


def save_ctm(store, result: dict) -> str:
    """Write a CTM result to the run store; returns the entry name."""
    return store.save("ctm", _ctm_parameters(result["states"], result["max_steps"]), *_encode_ctm(result))


def load_ctm(store, states: int, max_steps: int):
    """The stored CTM result for these parameters, or None."""
    found = store.load("ctm", _ctm_parameters(states, max_steps))
    return None if found is None else _decode_ctm(*found)


def ctm_or_load(states: int, max_steps: int, store=None, fresh: bool = False, **options) -> tuple[dict, bool]:
    """A stored CTM result if there is one (unless ``fresh``), else a new one (then stored). With a
    store the run is resumable: finished chunks are checkpointed and an interrupted run picks up."""
    if store is not None:
        options.setdefault("split_depth", min(3, 2 * states))

    def compute(checkpoint):
        resumed = checkpoint.finished() if checkpoint is not None else 0
        result = ctm(states, max_steps, checkpoint=checkpoint, **options)
        result["resumed_chunks"] = resumed
        return result

    return load_or_compute(store, "ctm", _ctm_parameters(states, max_steps), compute, encode=_encode_ctm,
                           decode=_decode_ctm, fresh=fresh,
                           checkpoint_parameters={"chunks": CHUNKS, "split_depth": options.get("split_depth")})


# ---------------------------------------------------------------------------------------------
# Single machines in bbchallenge notation (Radó formalism: the halting transition writes, moves
# and counts as a step; an undefined transition "---" stops the machine without a step).
# ---------------------------------------------------------------------------------------------
# a single machine's outcomes: core.Status's halted and step_limit, and two of its own
TM_HALTED, TM_STEP_LIMIT = int(Status.HALTED), int(Status.STEP_LIMIT)
TM_UNDEFINED, TM_OFF_TAPE = 5, 6
TM_STATUS = {TM_HALTED: "halted", TM_STEP_LIMIT: "step_limit", TM_UNDEFINED: "undefined_transition",
             TM_OFF_TAPE: "tape_limit"}
#: The longest tape ``run_machine`` allocates (bytes, one cell each): a run whose head leaves it
#: ends with status ``tape_limit`` (steps and ones so far) instead of growing memory without bound.
MAX_TAPE_CELLS = 1 << 28
TRANSITION = re.compile(r"([01])([LR])([A-Z])|(---)")


def parse_machine(text: str) -> np.ndarray:
    """bbchallenge notation -> int64 array (states, 2, 3) of (write, move +1/-1, next state or -1
    for halt); undefined transitions are (-1, 0, -2)."""
    parts = text.strip().split("_")
    states = len(parts)
    if not text.strip() or not 1 <= states <= 26:
        raise ValueError(f"not a machine in bbchallenge notation: {quoted(text)} (e.g. 1RB1LB_1LA1RZ)")
    table = np.zeros((states, 2, 3), dtype=np.int64)
    for state, part in enumerate(parts):
        if len(part) != 6:
            raise ValueError(f"state {chr(65 + state)} of {quoted(text)} must be 6 characters (two transitions), got "
                             f"{quoted(part)}")
        for symbol in range(2):
            piece = part[3 * symbol: 3 * symbol + 3]
            match = TRANSITION.fullmatch(piece)
            if match is None:
                raise ValueError(f"transition {quoted(piece)} of state {chr(65 + state)} is not like 1RB, 0LZ or ---")
            if match.group(4):
                table[state, symbol] = (-1, 0, -2)
                continue
            target = ord(match.group(3)) - 65
            if match.group(3) != "Z" and target >= states:
                raise ValueError(f"transition {quoted(piece)} goes to state {match.group(3)}, but the machine has "
                                 f"{states} states (A..{chr(64 + states)}; Z halts)")
            table[state, symbol] = (int(match.group(1)), 1 if match.group(2) == "R" else -1,
                                    -1 if match.group(3) == "Z" else target)
    return table


# the registers of a single machine's run (_start, _step)
M_POSITION, M_LO, M_HI, M_STATE, M_STEPS, M_ONES = range(6)
NREGISTERS = 6


@jit
def _start(tape, registers):
    """A blank ``tape`` (cleared here), the head in its middle, state A, no steps."""
    for i in range(tape.shape[0]):
        tape[i] = 0
    position = tape.shape[0] // 2
    registers[M_POSITION] = position
    registers[M_LO] = position
    registers[M_HI] = position
    registers[M_STATE] = 0
    registers[M_STEPS] = 0
    registers[M_ONES] = 0


@jit
def _step(table, step_end, tape, registers, stop):
    """The one stepper for single machines: run ``table`` (states, 2, 3) on ``tape`` from the
    ``registers`` (_start, or where the last call stopped) until it halts, reads an undefined
    transition, leaves the tape, or has made ``step_end`` steps (TM_STEP_LIMIT: a later call
    with a larger ``step_end`` goes on exactly). Every POLL_STEPS steps the stop flag ``stop``
    is read: when set, it returns INTERRUPTED (resumable too). lo..hi are the cells the head has
    been on (a halting transition's move visits nothing, as CTM's output is the tape the head
    covered before halting); after TM_OFF_TAPE the position is one cell off the tape."""
    tape_cells = tape.shape[0]
    position = registers[M_POSITION]
    lo = registers[M_LO]
    hi = registers[M_HI]
    state = registers[M_STATE]
    steps = registers[M_STEPS]
    ones = registers[M_ONES]
    check_at = min(step_end, steps + POLL_STEPS)
    status = TM_STEP_LIMIT
    while True:
        if steps >= check_at:
            if steps >= step_end:
                status = TM_STEP_LIMIT
                break
            check_at = min(step_end, steps + POLL_STEPS)
            if stop_requested(stop):
                status = INTERRUPTED
                break
        symbol = tape[position]
        write = table[state, symbol, 0]
        if write < 0:
            status = TM_UNDEFINED
            break
        ones += write - symbol
        tape[position] = write
        move = table[state, symbol, 1]
        state = table[state, symbol, 2]
        steps += 1
        if state < 0:
            status = TM_HALTED
            break
        position += move
        if position < 0 or position >= tape_cells:
            status = TM_OFF_TAPE
            break
        lo, hi = min(lo, position), max(hi, position)
    registers[M_POSITION] = position
    registers[M_LO] = lo
    registers[M_HI] = hi
    registers[M_STATE] = state
    registers[M_STEPS] = steps
    registers[M_ONES] = ones
    return status


@jit
def _simulate(table, max_steps, tape, stop):
    """Run ``table`` from a blank ``tape`` for at most ``max_steps`` steps (:func:`_step`).
    Returns (status, steps, ones, lo, hi)."""
    registers = np.zeros(NREGISTERS, dtype=np.int64)
    _start(tape, registers)
    status = _step(table, max_steps, tape, registers, stop)
    return status, registers[M_STEPS], registers[M_ONES], registers[M_LO], registers[M_HI]


def run_machine(text: str, max_steps: int = 10 ** 9, chunk_steps: int | None = None, on_chunk=None) -> dict:
    """Run a machine given in bbchallenge notation: ``{"steps", "ones", "status"}``; status
    ``tape_limit`` when the head leaves MAX_TAPE_CELLS cells (memory stays bounded).

    The tape starts at 2^16 cells and grows fourfold (the written part kept in the middle)
    whenever the head leaves it. With ``chunk_steps`` the run goes in slices of that many steps,
    calling ``on_chunk(steps_so_far)`` between them (progress bars); the result is the same.
    Ctrl-C stops it within a poll interval (a KeyboardInterrupt)."""
    table = parse_machine(text)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not 0 <= max_steps <= 2 ** 62:
        raise ValueError(f"max_steps must be an integer in 0..2**62, got {max_steps!r}")
    if chunk_steps is not None and (isinstance(chunk_steps, bool) or not isinstance(chunk_steps, int)
                                    or chunk_steps < 1):
        raise ValueError(f"chunk_steps must be a positive integer, got {chunk_steps!r}")
    tape = np.empty(1 << 16, dtype=np.uint8)
    registers = np.zeros(NREGISTERS, dtype=np.int64)
    _start(tape, registers)

    def slices():
        nonlocal tape
        while True:
            steps = int(registers[M_STEPS])
            end = max_steps if chunk_steps is None else min(steps + chunk_steps, max_steps)
            status = _step(table, end, tape, registers, STOP)
            if status == INTERRUPTED:
                raise Interrupted()
            if status == TM_OFF_TAPE and tape.size < MAX_TAPE_CELLS:
                # a tape four times as long, this one in its middle: the run goes on as on a larger tape
                offset = (4 * tape.size - tape.size) // 2
                larger = np.zeros(4 * tape.size, dtype=np.uint8)
                larger[offset:offset + tape.size] = tape
                tape = larger
                registers[M_POSITION] += offset
                registers[M_LO] = min(registers[M_LO] + offset, registers[M_POSITION])
                registers[M_HI] = max(registers[M_HI] + offset, registers[M_POSITION])
                continue
            if on_chunk is not None:
                on_chunk(int(registers[M_STEPS]))
            if status != TM_STEP_LIMIT or registers[M_STEPS] >= max_steps:
                return status

    status = call_interruptibly(slices)
    return {"machine": text.strip(), "steps": int(registers[M_STEPS]), "ones": int(registers[M_ONES]),
            "status": TM_STATUS[status]}


def ctm_table(options, states: int) -> np.ndarray:
    """A CTM machine (entry 2*state+symbol = option: 0/1 halt writing it, else 2 + 4*next +
    2*right + write) -> the stepper's (states, 2, 3) table."""
    table = np.zeros((states, 2, 3), dtype=np.int64)
    for entry, option in enumerate(options):
        state, symbol = divmod(entry, 2)
        if option < 2:
            table[state, symbol] = (option, 0, -1)
        else:
            k = int(option) - 2
            table[state, symbol] = (k & 1, 1 if (k >> 1) & 1 else -1, k >> 2)
    return table


def sample_machines(states: int, max_steps: int, count: int, seed: int = 0, progress=None) -> Sample:
    """``count`` n-state machines with every entry drawn uniformly from its 4n+2 options (the
    CTM measure), each run on a blank tape by the one stepper; ``progress(done, count)`` hears of
    every hundredth of them."""
    rng = np.random.default_rng(seed)
    tape = np.zeros(2 * max_steps + 3, dtype=np.uint8)
    drawn = Sample()             # tallied as drawn: memory does not grow with count
    every = max(1, count // 100)
    batch = 1 << 14              # (rows of 2n entries: an even count, so batches draw what one call would)
    for first in range(0, count, batch):
        table_rows = rng.integers(0, 4 * states + 2, size=(min(batch, count - first), 2 * states), dtype=np.int64)
        for index, options in enumerate(table_rows, start=first):
            if progress is not None and index % every == 0:
                progress(index, count)
            status, _, _, lo, hi = _simulate(ctm_table(options, states), max_steps, tape, STOP)
            raise_if_stopped()
            if status == TM_HALTED:
                drawn.add(Status.HALTED, 2 * states, (tape[lo:hi + 1] + ord("0")).tobytes().decode())
            else:
                drawn.add(Status.STEP_LIMIT, 2 * states, "")
    if progress is not None:
        progress(count, count)
    return drawn


def busy_beaver(states: int, max_steps: int, workers: int = 1, progress=None, store=None) -> dict:
    """The largest step count and number of ones among n-state machines that halt within
    ``max_steps`` steps, from the exhaustive CTM enumeration (the halting transition's move
    changes neither). Machines still running at the cutoff are counted, not decided: S(n) and
    Σ(n) are proven only once the cutoff exceeds what every halting machine needs."""
    result, _ = ctm_or_load(states, max_steps, store, workers=workers, progress=progress)
    return {"states": states, "max_steps": max_steps, "max_steps_halting": result["max_halting_steps"],
            "max_ones_halting": result["max_halting_ones"], "halting": result["halting"],
            "still_running_at_cutoff": result["non_halting"], "machines": result["machines"],
            "seconds": result["seconds"]}
