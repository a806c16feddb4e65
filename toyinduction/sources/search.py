"""The posterior search (its implementation, toy-specific kernels included, is
:mod:`toyinduction.machines.toy.search`; docs/search.md)."""

from toyinduction.machines.toy.search import (  # noqa: F401
    CLAIM, Found, MAX_BATCH, MAX_OBSERVED_BITS, MOVE_KINDS, MOVE_WEIGHTS, PROBE_WIDTH, SearchResult, Start,
    posterior_search, run_against,
)
