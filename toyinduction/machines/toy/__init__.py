"""The toy machine: a stack machine whose instructions are read as a complete prefix code.

Its parts: ``language`` (the instruction table, one source of truth, and named variants),
``reference`` (the slow, obvious interpreter that defines the semantics), ``kernel`` (the same
in numba), ``assembler`` (text <-> bits), ``enumerate`` (the tree of reads, with snapshots),
``sample`` (the prior, in the kernel) and ``fuzz`` (reference vs kernel). Everything else sees
the machine through :class:`ToyMachine`.
"""

from __future__ import annotations

import numpy as np

from toyinduction.core import Machine, RunResult
from toyinduction.machines.toy.language import Language, load_language
from toyinduction import validate
from toyinduction.validate import DEFAULT_WORKERS, ENUMERATE_OUTPUT_BITS, check_enumeration


class ToyMachine(Machine):
    """A toy-language variant as a :class:`~toyinduction.core.Machine`."""

    source_suffix = ".toy"

    def __init__(self, language: Language):
        self.language = language
        self.name = language.name
        self.spec_hash = language.spec_hash
        self.summary = f"toy stack machine, {len(language.codewords)} instructions as a complete prefix code"

    @classmethod
    def named(cls, name_or_path: str) -> "ToyMachine":
        """A registered variant by name, or a variant described by a JSON file."""
        return cls(load_language(name_or_path))

    def run(self, program, *, max_steps: int = 1_000_000, output_bits: int = 64, reference: bool = False,
            chunk_steps: int | None = None, on_chunk=None) -> RunResult:
        """Run program bits in the numba kernel (or, with ``reference``, the pure-Python interpreter)."""
        max_steps, output_bits = validate.MAX_STEPS(max_steps), validate.RUN_OUTPUT_BITS(output_bits)
        if reference:
            from toyinduction.machines.toy.reference import run_reference
            from toyinduction.core import array_to_bits, bits_to_array

            return run_reference(self.language, array_to_bits(bits_to_array(program)), max_steps, output_bits)
        from toyinduction.machines.toy.kernel import run

        return run(self.language, program, max_steps, output_bits, chunk_steps=chunk_steps, on_chunk=on_chunk)

    def run_many(self, programs, *, max_steps: int, output_bits: int) -> list:
        """Run several programs in one kernel call."""
        from toyinduction.machines.toy.kernel import run_many

        return run_many(self.language, list(programs), max_steps, output_bits)

    def run_leaves(self, matrix: np.ndarray, lengths: np.ndarray, *, max_steps: int, output_bits: int) -> dict:
        """Run a matrix of programs (one per row, ``lengths`` bits each) in the batch kernel:
        ``{"status", "steps", "outputs"}`` arrays (outputs padded with 2)."""
        from toyinduction.machines.toy.kernel import run_batch

        return run_batch(self.language, matrix, lengths, max_steps, output_bits)

    def assemble(self, text: str, source: str = "<text>") -> str:
        """Assembly text -> program bits."""
        from toyinduction.machines.toy.assembler import assemble

        return assemble(text, self.language, source)

    def assemble_file(self, path, defines: dict | None = None) -> str:
        """A ``.toy`` file -> program bits (``defines`` override its ``const`` values)."""
        from toyinduction.machines.toy.assembler import assemble_file

        return assemble_file(path, self.language, defines=defines)

    def disassemble(self, program: str, *, max_steps: int = 100_000) -> str:
        """Program bits -> assembly text (data the program reads is shown as data)."""
        from toyinduction.machines.toy.assembler import disassemble

        return disassemble(program, self.language, max_steps)

    def enumerate(self, max_bits: int, *, max_steps: int = 1000, output_bits: int = ENUMERATE_OUTPUT_BITS, store=None,
                  workers: int = DEFAULT_WORKERS, progress=None, keep_leaves: int = 200_000, fresh: bool = False,
                  client=None, split_bits: int | None = None, counted: bool = False):
        """Every program up to ``max_bits`` bits, exact masses; from ``store`` if it has them
        (``fresh`` recomputes). The result's ``loaded`` says which. ``counted``: blocks read but
        not run are counted by class (the same masses, faster, no leaves kept; see
        :func:`~toyinduction.machines.toy.enumerate.enumerate_programs`)."""
        from toyinduction.machines.toy.enumerate import enumerate_or_load

        check_enumeration(max_bits=max_bits, max_steps=max_steps, output_bits=output_bits, workers=workers,
                          keep_leaves=keep_leaves)
        from toyinduction.engine.progress import reporter

        options = {"workers": workers, "progress": reporter(progress, "enumerate", "chunks"), "keep_leaves": keep_leaves,
                   "client": client}
        if counted:
            options["counted"] = True
        if split_bits is not None:
            options["split_bits"] = split_bits
        result, loaded = enumerate_or_load(self.language, max_bits, max_steps, output_bits, store, fresh=fresh,
                                           **options)
        result.loaded = loaded
        return result

    def sample(self, count: int, *, max_bits: int, max_steps: int = 1000, output_bits: int = 32, seed: int = 0,
               progress=None):
        """``count`` programs drawn from the prior in the kernel."""
        count, max_bits = validate.SAMPLE_COUNT(count), validate.SAMPLE_MAX_BITS(max_bits)
        max_steps, output_bits = validate.MAX_STEPS(max_steps), validate.RUN_OUTPUT_BITS(output_bits)
        from toyinduction.machines.toy.sample import sample_toy

        from toyinduction.engine.progress import reporter

        return sample_toy(self.language, count, max_bits, max_steps, output_bits, seed,
                          progress=reporter(progress, "sample", "samples"))

    def describe(self) -> dict:
        """Name, spec hash, instruction codewords and limits."""
        return dict(super().describe(), **self.language.to_json())
