"""Binary lambda calculus (Tromp's encoding, lazy evaluation): the second reference machine.

Its parts: ``reference`` (the term parser and a pure-Python lazy evaluator that defines the
semantics), ``kernel`` (the same in numba) and ``assembler`` (named lambda terms -> bits).
Everything else sees it through :class:`LambdaMachine`.
"""

from __future__ import annotations

from toyinduction.core import Machine, RunResult
from toyinduction.machines.blc.reference import SPEC_HASH
from toyinduction import validate
from toyinduction.validate import DEFAULT_WORKERS, ENUMERATE_OUTPUT_BITS, check_enumeration


def _resource_limited(result):
    """A run that reached the heap limit, counted as the enumeration and the sampler count a run
    that reached its step budget: unresolved (it might have written more with more memory), so the
    bounds on the posterior stay sound; ``run`` itself still reports ``fault (heap_limit)``."""
    from toyinduction.core import Fault, Status

    if result.status == Status.FAULT and result.fault == Fault.HEAP_LIMIT:
        return RunResult(Status.STEP_LIMIT, result.output, result.steps, result.bits_read)
    return result


class LambdaMachine(Machine):
    """Binary lambda calculus as a :class:`~toyinduction.core.Machine`: a program is a closed
    term in Tromp's code followed by its input bits; its output is the list of bits it reduces to."""

    name = "blc"
    spec_hash = SPEC_HASH
    source_suffix = ".lam"
    summary = "binary lambda calculus (closed term, then input bits), lazy evaluation"

    def run(self, program: str, *, max_steps: int = 1_000_000, output_bits: int = 64,
            reference: bool = False) -> RunResult:
        """Run program bits in the numba kernel (or, with ``reference``, the Python evaluator)."""
        from toyinduction.core import array_to_bits, bits_to_array

        max_steps, output_bits = validate.MAX_STEPS(max_steps), validate.RUN_OUTPUT_BITS(output_bits)

        bits = array_to_bits(bits_to_array(program))
        if reference:
            from toyinduction.machines.blc.reference import run_blc

            return run_blc(bits, max_steps, output_bits)
        from toyinduction.machines.blc.kernel import run_blc_fast

        return run_blc_fast(bits, max_steps, output_bits)

    def assemble(self, text: str, source: str = "<text>") -> str:
        """Named lambda terms (a ``main`` definition) -> program bits."""
        from toyinduction.machines.blc.assembler import assemble_lambda

        return assemble_lambda(text, source)

    def assemble_file(self, path, defines: dict | None = None) -> str:
        """A ``.lam`` file -> program bits (``defines`` override its constants)."""
        from toyinduction.machines.blc.assembler import assemble_lambda_file

        return assemble_lambda_file(path, defines)

    def disassemble(self, program: str, *, max_steps: int = 100_000) -> str:
        """Program bits -> the term in de Bruijn notation, then its input bits."""
        from toyinduction.machines.blc.reference import describe

        return describe(program)

    def enumerate(self, max_bits: int, *, max_steps: int = 1000, output_bits: int = ENUMERATE_OUTPUT_BITS, store=None,
                  workers: int = DEFAULT_WORKERS, progress=None, keep_leaves: int = 200_000, fresh: bool = False):
        """Every program up to ``max_bits`` bits (each node run from scratch: exact, slow), from
        ``store`` if it has it. ``workers`` and ``keep_leaves`` are accepted for the common
        interface; this enumerator is serial and keeps every leaf."""
        from toyinduction.engine.enumeration import enumeration_or_load, enumerate_with_runner
        from toyinduction.engine.progress import reporter

        progress = reporter(progress, "enumerate", "programs")
        from toyinduction.machines.blc.kernel import run_blc_fast

        check_enumeration(max_bits=max_bits, max_steps=max_steps, output_bits=output_bits, workers=workers,
                          keep_leaves=keep_leaves)

        def compute(_checkpoint):
            return enumerate_with_runner(lambda bits: _resource_limited(run_blc_fast(bits, max_steps, output_bits)),
                                         self.name,
                                         self.spec_hash, max_bits, max_steps, output_bits, progress)

        result, loaded = enumeration_or_load(self.spec_hash, max_bits, max_steps, output_bits, store, compute,
                                             split_bits=None, fresh=fresh)
        result.loaded = loaded
        return result

    def sample(self, count: int, *, max_bits: int, max_steps: int = 1000, output_bits: int = 32, seed: int = 0,
               progress=None):
        """``count`` programs drawn from the prior (a coin per bit the machine asks for)."""
        count, max_bits = validate.SAMPLE_COUNT(count), validate.SAMPLE_MAX_BITS(max_bits)
        max_steps, output_bits = validate.MAX_STEPS(max_steps), validate.RUN_OUTPUT_BITS(output_bits)
        from toyinduction.engine.progress import reporter
        from toyinduction.engine.sampling import sample_with_runner

        progress = reporter(progress, "sample", "samples")
        from toyinduction.machines.blc.kernel import run_blc_fast

        return sample_with_runner(lambda bits: _resource_limited(run_blc_fast(bits, max_steps, output_bits)), count,
                                  max_bits, seed,
                                  progress=progress)
