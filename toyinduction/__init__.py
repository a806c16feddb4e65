"""toyinduction: Solomonoff induction made concrete on small universal machines, and how
consequentialist programs take over its posterior.

One import gives the public API::

    import toyinduction as ti

    toy = ti.machine("toy")                          # or "blc", "tm", "toy-noeval", a .json variant
    program = toy.assemble("loop 1 out 0 out end")
    print(toy.run(program, max_steps=1000, output_bits=16).output)

    mix = ti.Mixture(toy, max_bits=16)               # every program up to 16 bits, weighted 2^-length
    forecast = mix.predict("0101010101")             # every bit, the next one, the continuation
    report = ti.demo(seed=2026)                      # computes; report.write("demo-out") writes

The package is layered (each layer imports only from the ones above it in this list):

    core        the machine interface (Machine), how a run ends (Status, Fault), RunResult
    engine/     machine-independent work: exact enumeration results, parallel chunks and
                checkpoints, the run store, sampling estimates
    machines/   the machines and their registry: toy/ (language, reference, kernel, assembler,
                enumerator, sampler, fuzzer), blc/ (binary lambda calculus), turing/
    induction/  the mixture (Solomonoff induction), its bounds and baselines
    malign/     the world family, the malign-prior demo, the instruments and the experiments
    plots/      figures and the browser explorer
    cli/        the ``toyinduction`` command (it only parses and calls the above)
"""

__version__ = "0.1.0"

#: public name -> (module, attribute); loaded on first use, so ``import toyinduction`` stays light
_PUBLIC = {
    "Machine": ("toyinduction.core", "Machine"),
    "RunResult": ("toyinduction.core", "RunResult"),
    "Status": ("toyinduction.core", "Status"),
    "Fault": ("toyinduction.core", "Fault"),
    "machine": ("toyinduction.machines", "machine"),
    "machine_names": ("toyinduction.machines", "machine_names"),
    "variant": ("toyinduction.machines.toy.language", "variant"),
    "Mixture": ("toyinduction.induction.solomonoff", "Mixture"),
    "Forecast": ("toyinduction.induction.solomonoff", "Forecast"),
    "plot_forecast": ("toyinduction.plots.figures", "plot_forecast"),
    "NamedProgram": ("toyinduction.induction.mixture", "NamedProgram"),
    "Weighting": ("toyinduction.induction.mixture", "Weighting"),
    "RunStore": ("toyinduction.engine.store", "RunStore"),
    "programs_dir": ("toyinduction.machines.shipped", "programs_dir"),
    "World": ("toyinduction.malign.world", "World"),
    "demo": ("toyinduction.malign.demo", "demo"),
    "DemoReport": ("toyinduction.malign.demo", "DemoReport"),
    "experiment": ("toyinduction.malign.experiments", "experiment"),
    "ExperimentResult": ("toyinduction.malign.experiments", "ExperimentResult"),
    "complexity": ("toyinduction.induction.complexity", "complexity"),
    "ComplexityReport": ("toyinduction.induction.complexity", "ComplexityReport"),
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'toyinduction' has no attribute {name!r}")
    import importlib

    module, attribute = _PUBLIC[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
