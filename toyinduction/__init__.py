"""toyinduction: Solomonoff induction made concrete on a toy universal machine.

Modules (one concept each):
    language     the instruction table, its complete prefix code, named variants
    machine      how a run ends (Status, Fault) and what it reports (RunResult)
    reference    the slow, obvious interpreter: the semantic definition
    interpreter  the numba kernel and the public, validating ``run``
    assembler    assembly text <-> program bits
    programs     the programs shipped in programs/
    bench        speed measurements
    cli          the ``toyinduction`` command
"""

__version__ = "0.1.0"
