"""toyinduction: Solomonoff induction made concrete on a toy universal machine.

Modules (one concept each; the README's file tree says more):
    language     the instruction table, its complete prefix code, named variants
    machine      how a run ends (Status, Fault) and what it reports (RunResult)
    reference    the slow, obvious interpreter: the semantic definition
    interpreter  the numba kernel and the public, validating ``run``
    assembler    assembly text <-> program bits
    programs     the programs shipped in programs/
    enumeration  every short program, exact prior accounting
    parallel     chunks of subtrees on threads or dask, checkpointed
    store        the run store
    turing       Turing machines: CTM counts, Busy Beaver
    posterior    Solomonoff induction: the mixture, its bounds, the posterior
    baselines    Laplace, KT, CTW, LZ78
    plots        figures
    world        the demo's world family
    demo         the malign-prior demonstration
    census       the searcher/controller instruments
    experiments  the experiments
    blc          binary lambda calculus (reference); blc_kernel: the same in numba
    sampling     Monte Carlo from the prior
    fuzz         fuzzing
    bench        speed measurements
    cli          the ``toyinduction`` command
"""

__version__ = "0.1.0"
