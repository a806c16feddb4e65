"""Sampling toy programs from the prior in the kernel: a coin is flipped only when the machine asks."""

from __future__ import annotations

import numpy as np

from toyinduction._numba import jit
from toyinduction.engine.sampling import MAX_TRIE_BITS, Sample
from toyinduction.engine.stop import (INTERRUPTED, POLL_LEAVES, STOP, call_interruptibly, raise_if_stopped,
                                     stop_requested)
from toyinduction.machines.toy.kernel import (BITS_LIMIT, FAULT, G_STEPS, R_FAULT, R_NOUT, MachineState, _execute,
                                              _reset, kernel_for)
from toyinduction.machines.toy.language import Language


@jit
def _sample_batch(trie, has_operand, limits, count, seed, reseed, max_bits, max_steps, output_bits, regs, stack,
                  memory, code, open_blocks, defs, calls, loops, child_bits, out, g, program, statuses, lengths,
                  outputs, stop):
    """Draw ``count`` programs from the prior, lazily, and run each to a stop. The random state
    is seeded when ``reseed``; otherwise the batch goes on with the numbers the last one left, so
    that batches drawn one after another are the same draws as one batch. A run interrupted by
    the stop flag ``stop`` ends the batch at once (the rest unwritten)."""
    if reseed:
        np.random.seed(seed)
    for index in range(count):
        _reset(regs, memory, g, max_steps, output_bits)
        length = 0
        while True:
            status = _execute(trie, has_operand, limits, program, length, regs, stack, memory, code, open_blocks, defs,
                              calls, loops, child_bits, out, g, stop)
            if status == INTERRUPTED or (index % POLL_LEAVES == 0 and stop_requested(stop)):
                return g[G_STEPS]
            if status == BITS_LIMIT and length < max_bits:
                program[length] = np.random.randint(0, 2)   # the coin is flipped only when asked
                length += 1
                continue
            break
        statuses[index] = status if status != FAULT else FAULT + 8 * regs[0, R_FAULT]
        lengths[index] = length
        for position in range(output_bits):
            outputs[index, position] = out[position] if position < regs[0, R_NOUT] else 2
    return g[G_STEPS]


#: Runs, and output bits (one byte each), of the batch the kernel draws before it is tallied.
BATCH_RUNS = 1 << 16
BATCH_OUTPUT_BITS = 1 << 24


def sample_toy(language: Language, count: int, max_bits: int, max_steps: int, output_bits: int,
               seed: int = 0, progress=None) -> Sample:
    """``count`` programs of ``language`` drawn from the prior (lazily), each up to ``max_bits``;
    with ``progress``, in batches of about a hundredth (the same draws), calling
    ``progress(done, count)`` after each. Each batch (at most :data:`BATCH_OUTPUT_BITS` output
    bits) is tallied into the :class:`Sample` as it is drawn, so memory does not grow with
    ``count``."""
    if not 1 <= count <= 10 ** 8 or not 1 <= max_bits <= 4096 or not 0 <= output_bits <= 1 << 16:
        raise ValueError("count must be in 1..1e8, max_bits in 1..4096, output_bits in 0..65536")
    state = MachineState.new(language, max_bits, max_steps, output_bits)
    kernel = kernel_for(language)
    program = np.zeros(max_bits + 1, dtype=np.uint8)
    batch = min(BATCH_RUNS, max(1, BATCH_OUTPUT_BITS // max(output_bits, 1)),
                count if progress is None else max(1_000, -(-count // 100)))
    statuses, lengths = np.zeros(batch, dtype=np.int64), np.zeros(batch, dtype=np.int64)
    outputs = np.zeros((batch, max(output_bits, 1)), dtype=np.uint8)
    drawn = Sample(trie_bits=min(output_bits, MAX_TRIE_BITS))

    def draw():     # every batch in one thread: numba's random state is the thread's
        for first in range(0, count, batch):
            last = min(count, first + batch)
            _sample_batch(kernel.trie, kernel.has_operand, kernel.limits, last - first, seed, first == 0, max_bits,
                          max_steps, output_bits, state.regs, state.stack, state.memory, state.code,
                          state.open_blocks, state.defs, state.calls, state.loops, state.child_bits, state.out,
                          state.g, program, statuses, lengths, outputs, STOP)
            raise_if_stopped()
            size = last - first
            drawn.add_rows(statuses[:size], lengths[:size], outputs[:size, :output_bits])
            if progress is not None:
                progress(last, count)

    call_interruptibly(draw)
    return drawn
