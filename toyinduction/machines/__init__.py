"""The machines and their registry: the only place that knows machines by name.

    >>> from toyinduction.machines import machine
    >>> machine("toy").run(machine("toy").assemble("1 out end"), max_steps=10, output_bits=4).output
    '1'

``machine(name)`` takes ``toy`` and its variants (``toy-noeval``, ``toy-uniform``, ... or a
``.json`` variant file), ``blc`` and ``tm``. Adding a machine: implement
:class:`toyinduction.core.Machine` in a package here and add one line to ``_FACTORIES``.
"""

from __future__ import annotations

from toyinduction.core import Machine
from toyinduction.machines.toy.language import LANGUAGES


def _toy(name: str) -> Machine:
    from toyinduction.machines.toy import ToyMachine

    return ToyMachine.named(name)


def _blc(_name: str) -> Machine:
    from toyinduction.machines.blc import LambdaMachine

    return LambdaMachine()


def _tm(_name: str) -> Machine:
    from toyinduction.machines.turing import TuringMachines

    return TuringMachines()


#: name -> factory; every toy variant is a machine of its own.
_FACTORIES = dict({name: _toy for name in LANGUAGES}, blc=_blc, tm=_tm)
#: Machines that read their program as bits, one at a time (enumeration by bits, the mixture).
PREFIX_MACHINES = tuple(name for name in _FACTORIES if name != "tm")


def machine_names() -> tuple:
    """Every registered machine name."""
    return tuple(_FACTORIES)


def machine(name_or_machine) -> Machine:
    """A machine by registry name, by ``.json`` toy-variant file, or a Machine passed through."""
    if isinstance(name_or_machine, Machine):
        return name_or_machine
    if not isinstance(name_or_machine, str):
        from toyinduction.machines.toy import ToyMachine
        from toyinduction.machines.toy.language import Language

        if isinstance(name_or_machine, Language):
            return ToyMachine(name_or_machine)
        raise TypeError(f"a machine is given by name (one of {', '.join(_FACTORIES)}), got {name_or_machine!r}")
    factory = _FACTORIES.get(name_or_machine)
    if factory is not None:
        return factory(name_or_machine)
    if name_or_machine.endswith(".json"):
        return _toy(name_or_machine)
    raise ValueError(f"unknown machine {name_or_machine!r}; known: {', '.join(_FACTORIES)} (or a .json toy variant)")


def is_toy_variant(chosen: Machine) -> bool:
    """Whether a machine is a variant of the toy language (it has an instruction table)."""
    return chosen.source_suffix == ".toy"


def is_prefix_machine(chosen: Machine) -> bool:
    """Whether a machine reads its program as bits (so it has an enumeration by bits and a mixture)."""
    return chosen.name != "tm"


def machine_for_file(path) -> Machine | None:
    """The registered machine whose assembly files end like ``path`` (``.toy`` -> toy, ``.lam`` -> blc), or None."""
    from pathlib import Path

    suffix = Path(str(path)).suffix
    for name in ("toy", *[name for name in _FACTORIES if name not in LANGUAGES]):
        candidate = machine(name)
        if candidate.source_suffix == suffix:
            return candidate
    return None


def bits_machine(value):
    """A machine that reads its program as bits (a toy variant or blc), by name, .json variant
    file or Machine object; refuses a Turing machine, which is enumerated by its states."""
    chosen = machine(value)
    if not is_prefix_machine(chosen):
        raise ValueError(f"this command takes a machine that reads its program as bits ({', '.join(PREFIX_MACHINES)})"
                         f"; {chosen.name} is not one (Turing machines: toyinduction tm ctm / tm run)")
    return chosen
