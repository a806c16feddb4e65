"""Turing machines: single machines in bbchallenge notation, and the exhaustive CTM enumeration.

The code is in ``tm`` (one stepper for single machines, one tree enumerator for CTM, checkpointed
like every stored computation). Everything else sees it through :class:`TuringMachines`.
"""

from __future__ import annotations

from toyinduction.core import Machine


class TuringMachines(Machine):
    """Two-symbol Turing machines as a machine of the registry.

    Unlike the prefix machines, a program is a transition table (bbchallenge notation, e.g.
    ``1RB1LB_1LA1RZ``), the prior is uniform over the (4n+2)^(2n) tables of n states (the CTM
    measure), and enumeration is by number of states rather than by bits.
    """

    name = "tm"
    spec_hash = "tm-ctm-1"
    source_suffix = ".tm"
    summary = "2-symbol Turing machines: bbchallenge notation; CTM enumeration by number of states"

    def run(self, program: str, *, max_steps: int = 10 ** 9, output_bits: int = 0) -> dict:
        """Run a machine from a blank tape: ``{"machine", "steps", "ones", "status"}`` with status
        ``halted``, ``step_limit``, ``undefined_transition`` or ``tape_limit``."""
        from toyinduction.machines.turing.tm import run_machine

        return run_machine(program, max_steps)

    def assemble(self, text: str, source: str = "<text>") -> str:
        """A machine's text, checked and normalised (the table is the program)."""
        from toyinduction.machines.turing.tm import parse_machine

        parse_machine(text)
        return text.strip()

    def disassemble(self, program: str, *, max_steps: int = 0) -> str:
        """The machine's text, one state a line."""
        return "\n".join(f"{chr(65 + index)}: {part[:3]} {part[3:]}" for index, part in enumerate(program.split("_")))

    def enumerate(self, states: int, *, max_steps: int = 100, output_bits: int = 0, store=None, workers: int = 1,
                  progress=None, fresh: bool = False, client=None, reduce: bool = True, keep_leaves: int = 0) -> dict:
        """Every n-state machine on a blank tape: output frequencies (CTM), from ``store`` if it has them."""
        from toyinduction.machines.turing.tm import ctm, ctm_or_load

        if store is None and not reduce:
            return ctm(states, max_steps, reduce=False, workers=workers, progress=progress, client=client)
        result, loaded = ctm_or_load(states, max_steps, store, fresh=fresh, workers=workers, progress=progress,
                                     client=client)
        result["loaded"] = loaded
        return result

    def sample(self, count: int, *, max_bits: int = 0, max_steps: int = 100, output_bits: int = 0, seed: int = 0,
               states: int = 2, progress=None):
        """``count`` machines of ``states`` states drawn uniformly (every entry from its 4n+2 options)."""
        from toyinduction.machines.turing.tm import sample_machines

        return sample_machines(states, max_steps, count, seed, progress=progress)
