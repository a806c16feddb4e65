"""Serial equals parallel, the work counter included: a chunked enumeration (the tree cut at
``split_bits`` into subtrees, each replayed from its root prefix) simulates exactly as many
steps as a serial one. Before the fix a chunked run counted the replay of every root prefix
again (69 steps too many at 12-24 bits with the default split)."""

import pytest

from toyinduction.machines.toy.enumerate import enumerate_programs
from toyinduction.machines.toy.language import TOY
from toyinduction.machines.turing.tm import ctm


KERNELS = [dict(kernel="snapshot"), dict(kernel="flat", collapse=False), dict(kernel="flat", collapse=True)]


@pytest.mark.parametrize("options", KERNELS, ids=lambda options: "-".join(map(str, options.values())))
@pytest.mark.parametrize("max_bits", [6, 12, 16])
def test_toy_steps_equal_serial_for_every_split(max_bits, options):
    serial = enumerate_programs(TOY, max_bits, 1000, 16, **options)
    for split_bits in sorted({1, 2, 3, 5, 8, 10, max_bits, max_bits + 3}):
        chunked = enumerate_programs(TOY, max_bits, 1000, 16, workers=2, split_bits=split_bits, **options)
        assert (chunked.programs, chunked.steps) == (serial.programs, serial.steps), split_bits


def test_the_reported_case():
    """The case first reported: 16 bits, default split, two workers; both kernels agree."""
    serial = enumerate_programs(TOY, 16, 1000, 16)
    assert enumerate_programs(TOY, 16, 1000, 16, workers=2).steps == serial.steps
    assert enumerate_programs(TOY, 16, 1000, 16, kernel="snapshot").steps == serial.steps


@pytest.mark.parametrize("options", KERNELS, ids=lambda options: "-".join(map(str, options.values())))
def test_steps_equal_with_a_step_limit_that_cuts_programs(options):
    serial = enumerate_programs(TOY, 14, 20, 4, **options)
    for split_bits in (4, 9, 14):
        assert enumerate_programs(TOY, 14, 20, 4, workers=3, split_bits=split_bits, **options).steps == serial.steps


@pytest.mark.parametrize("states, max_steps", [(2, 50), (3, 60)])
def test_ctm_steps_simulated_equal_serial_for_every_split(states, max_steps):
    serial = ctm(states, max_steps)
    for split_depth in range(1, 2 * states + 1):
        chunked = ctm(states, max_steps, workers=2, split_depth=split_depth)
        for key in ("steps_simulated", "tree_leaves", "halting", "counts"):
            assert chunked[key] == serial[key], (split_depth, key)
