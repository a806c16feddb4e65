"""Where programs come from, beyond the enumeration and the sampler of :mod:`toyinduction.engine`:
searches that grow a pool and exact enumerations from a given machine state.

- :mod:`toyinduction.sources.search` — the posterior search: edits to code and to what a program
  reads, keeping programs that write an observed stream and are shorter than their start;
- :mod:`toyinduction.sources.tails` — every continuation of a program prefix, enumerated from the
  machine state the prefix leaves.

(The superoptimizer, which shortens one program against a specification, is
:mod:`toyinduction.machines.toy.golf`; the enumerator and the sampler are
:mod:`toyinduction.engine.enumeration` and :mod:`toyinduction.engine.sampling`.)
"""
