"""Random programs for differential tests (the generators live in toyinduction.fuzz)."""

from toyinduction.fuzz import SIMPLE, structured_bits, structured_source, uniform_bits

__all__ = ["SIMPLE", "structured_bits", "structured_source", "uniform_bits"]
