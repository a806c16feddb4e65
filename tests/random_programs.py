"""Random programs for differential tests (the generators live in toyinduction.machines.toy.fuzz)."""

from toyinduction.machines.toy.fuzz import SIMPLE, structured_bits, structured_source, uniform_bits

__all__ = ["SIMPLE", "structured_bits", "structured_source", "uniform_bits"]
