"""Exact tails: every continuation of a prefix from the machine state it leaves (its
implementation is :mod:`toyinduction.machines.toy.tails`; docs/tails.md)."""

from toyinduction.machines.toy.tails import (  # noqa: F401
    BEHAVIOURS, Behaviour, Leaf, MAX_TAIL_BITS, MAX_TAIL_OUTPUT_BITS, NEVER, NTOTALS, STATUS_COUNT,
    STOP_EVERY, Suspended, Tails, close_parameters, continuations, continuations_reference,
    decision_behaviours, disassemble_tail, expand_leaves, min_completion, suspend,
)
