"""Sampling toy programs from the prior in the kernel: a coin is flipped only when the machine asks."""

from __future__ import annotations

import numpy as np

from toyinduction._numba import jit
from toyinduction.engine.sampling import Sample
from toyinduction.machines.toy.kernel import (BITS_LIMIT, FAULT, G_STEPS, R_FAULT, R_NOUT, MachineState, _execute,
                                              _reset, kernel_for)
from toyinduction.machines.toy.language import Language


@jit
def _sample_batch(trie, has_operand, limits, count, seed, reseed, max_bits, max_steps, output_bits, regs, stack,
                  memory, code, open_blocks, defs, calls, loops, child_bits, out, g, program, statuses, lengths,
                  outputs):
    """Draw ``count`` programs from the prior, lazily, and run each to a stop. The random state
    is seeded when ``reseed``; otherwise the batch goes on with the numbers the last one left, so
    that batches drawn one after another are the same draws as one batch."""
    if reseed:
        np.random.seed(seed)
    for index in range(count):
        _reset(regs, memory, g, max_steps, output_bits)
        length = 0
        while True:
            status = _execute(trie, has_operand, limits, program, length, regs, stack, memory, code, open_blocks, defs,
                              calls, loops, child_bits, out, g)
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



def sample_toy(language: Language, count: int, max_bits: int, max_steps: int, output_bits: int,
               seed: int = 0, progress=None) -> Sample:
    """``count`` programs of ``language`` drawn from the prior (lazily), each up to ``max_bits``;
    with ``progress``, in batches of about a hundredth (the same draws), calling
    ``progress(done, count)`` after each."""
    if not 1 <= count <= 10 ** 8 or not 1 <= max_bits <= 4096 or not 0 <= output_bits <= 1 << 16:
        raise ValueError("count must be in 1..1e8, max_bits in 1..4096, output_bits in 0..65536")
    state = MachineState.new(language, max_bits, max_steps, output_bits)
    kernel = kernel_for(language)
    program = np.zeros(max_bits + 1, dtype=np.uint8)
    statuses, lengths = np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64)
    outputs = np.zeros((count, max(output_bits, 1)), dtype=np.uint8)
    batch = count if progress is None else max(1_000, -(-count // 100))
    for first in range(0, count, batch):
        last = min(count, first + batch)
        _sample_batch(kernel.trie, kernel.has_operand, kernel.limits, last - first, seed, first == 0, max_bits,
                      max_steps, output_bits, state.regs, state.stack, state.memory, state.code, state.open_blocks,
                      state.defs, state.calls, state.loops, state.child_bits, state.out, state.g, program,
                      statuses[first:last], lengths[first:last], outputs[first:last])
        if progress is not None:
            progress(last, count)
    texts = []
    for row in outputs:
        cut = int(np.argmax(row == 2)) if (row == 2).any() else output_bits
        texts.append("".join(map(str, row[:cut])))
    return Sample(statuses, lengths, texts)
