"""The malign-prior demonstration: who holds the posterior when a civilisation asks its first question.

The cost ledger, with every term a real bit count from the machine's assembler:

    K_H = −log2 Σ_h 2^-|h|   over the honest programs in the pool (bridge readers: code + region
                              + path bits; the leaf literal: code + state bits; the importance
                              pointer: the consequentialists' search + region bits)
    K_M = −log2 Σ_m 2^-|m|   over the consequentialists (search code + region selection bits)
    Δ = K_M − K_H,   predicted share of the consequentialists at the first decision point = 1 / (1 + 2^Δ)

Until the first question every program in the ledger writes the same bits, so conditioning does
not change their ratio: the prediction is then an identity of the construction (the measured
share differs from it only by the background's surviving mass), not an independent forecast.

The measured share comes from running every hypothesis in the pool — the background (every
program up to ``max_bits`` bits), every honest program for every target and control, every
consequentialist with every selection — and conditioning on the target's stream up to its
first decision point. The pool is every program up to L bits plus these named programs, not
every hypothesis: what lies outside it is accounted for by the model-free interval.

The same measurement is repeated under each *premise* of the malign argument imposed one at a
time (PREMISES): no honest program reuses the consequentialists' search (the pointer removed),
a speed prior, no rival goal, another reference machine.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

import numpy as np

from toyinduction.machines import machine as machine_named
from toyinduction.induction.mixture import NamedProgram, Weighting, build_pool, class_label, predict
from toyinduction.malign.world import (CONSEQUENTIALISTS, FRAME, HONEST, HONEST_PROGRAMS, POINTERS, ROLE_DATA, World,
                    quiet_frames_for)

CONSEQUENTIALIST = "consequentialist"
HONEST_CLASS = "honest"
ASSUMPTION = ("programs outside the pool, and pool programs whose run stopped at a step or length limit, "
              "continue with fair coin flips beyond their known output")
WHY_WIDE = ("The model-free interval is wide because the background programs stopped at a step or length "
            "limit still carry prior mass (about 2^-L each, far more than any 500-bit world program) and "
            "nothing without running them further excludes that one of them writes exactly this stream; "
            "the estimate beside it rests on the named assumption.")
#: premise name -> (what it changes, the pool files it removes, speed prior λ, other machine)
PREMISES = {
    "no-pointer": ("no honest program reuses the consequentialists' search: the importance pointers removed",
                   POINTERS, 0.0, None),
    "speed-prior": ("a speed prior, λ = 1: weight 2^-(|p| + log2 steps), unresolved runs charged the steps they "
                    "must still take", (), 1.0, None),
    "no-rival": ("no rival goals: the consequentialist that answers 0 removed", ("world_guided_zero.toy",), 0.0,
                 None),
    "toy-uniform": ("another reference machine: every program reassembled in toy-uniform (all instructions "
                    "equally likely), its own background", (), 0.0, "toy-uniform"),
}


def _log2_sum(lengths) -> float:
    """-log2 Σ 2^-length: the effective length of several programs together."""
    lengths = list(lengths)
    if not lengths:
        return math.inf
    top = min(lengths)
    return top - math.log2(sum(2.0 ** (top - length) for length in lengths))


class _Progress:
    """The demo's progress as one count for a ``progress(done, total)`` callback: the background
    enumeration's chunks (when it is computed, not loaded), each stream predicted, then each
    prediction of the premise table (``later``: planned before the measurement starts, so the
    total is known once the enumeration has said how many chunks it has)."""

    def __init__(self, progress=None, later: int = 0):
        self.progress, self.later = progress, later
        self.chunks = self.chunks_done = self.work = self.work_done = 0

    def plan(self, count: int) -> None:
        """``count`` more units of work to come (streams to predict)."""
        self.work += count

    def enumeration(self, done: int, total: int) -> None:
        """The background enumeration's own progress."""
        self.chunks, self.chunks_done = total, done
        self._report()

    def step(self, count: int = 1) -> None:
        """``count`` units finished."""
        self.work_done += count
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.chunks_done + self.work_done, self.chunks + self.work + self.later)


def _background_pool(chosen, max_bits, max_steps, output_bits, store, workers, named, progress=None):
    """The background enumeration (from the store if there) and the pool with the named programs."""
    enumeration = chosen.enumerate(max_bits, max_steps=max_steps, output_bits=output_bits, store=store,
                                   workers=workers, keep_leaves=4_000_000, progress=progress)
    return enumeration, enumeration.loaded, build_pool(chosen, enumeration, output_bits, named)


def measure(machine="toy", seed: int = 2026, depth: int = 84, targets: int = 4,
            controls: int = 2, speed: float = 0.0, max_bits: int = 20, max_steps: int = 1000, store=None,
            workers: int = 2, consequentialists=CONSEQUENTIALISTS, honest=HONEST_PROGRAMS, extra_named=(),
            region_bits: int | None = None, physics: str = "mix", owed_steps: bool = True, progress=None) -> dict:
    """Build a world, its targets and controls, the pool; measure the shares at each target's
    first decision point. Returns the report (a dict) with ``internals`` (world, pool,
    predictions, sequences) for figures and the premise rows; nothing is written. ``progress``,
    a ``progress(done, total)`` callback, hears of the background enumeration's chunks and of
    each stream predicted."""
    start = time.perf_counter()
    tally = progress if isinstance(progress, _Progress) else _Progress(progress)
    if not 1 <= targets <= 64:
        raise ValueError(f"targets must be in 1..64, got {targets}")
    if not 0 <= controls <= 64:
        raise ValueError(f"controls must be in 0..64, got {controls}")
    if not 1 <= depth <= 4096:
        raise ValueError(f"depth must be in 1..4096, got {depth}")
    chosen = machine_named(machine)
    needed = max(1, math.ceil(math.log2(targets)))
    region_bits = needed if region_bits is None else region_bits
    if not needed <= region_bits <= 12:
        raise ValueError(f"region_bits must be in {needed}..12 for {targets} targets, got {region_bits}")
    probe = World(seed=seed, depth=depth, region_bits=region_bits, quiet=1, physics=physics)
    if not probe.has(HONEST, chosen):
        raise ValueError(f"machine {chosen.name} has no world programs for the {physics} physics "
                         f"({probe.file(HONEST, chosen).name} is not shipped)")
    quiet = quiet_frames_for(chosen, seed, depth, region_bits, physics=physics)
    world = World(seed=seed, depth=depth, region_bits=region_bits, quiet=quiet, physics=physics)
    if world.state_bits < depth + region_bits + 64:
        raise ValueError(f"depth {depth} is too deep for this world: a leaf's state has {world.state_bits} bits, and "
                         f"a bridge must be at least 64 bits narrower than the state it selects")
    rng = random.Random(seed)
    places = [("target", f"civilisation in region {index}", index, world.louder_path(index))
              for index in range(targets)]
    for index in range(controls):
        region = index % (2 ** region_bits)
        places.append(("control", f"plain leaf in region {region} (control {index})", region,
                       world.control_path(region, rng)))
    first = {index: world.first_decision(index) for index in range(targets)}
    length = max(first.values()) + 2 * FRAME + 1
    honest_roles = [f for f in honest if world.has(f, chosen) and World.role(f) in ROLE_DATA]   # the readers
    searchers = [f for f in (*[p for p in POINTERS if p in honest], *consequentialists, *extra_named)
                 if world.has(f, chosen)]
    codes = {file: world.program(file, chosen) for file in (*honest_roles, *searchers)}
    _check_bridges_are_incompressible(world, codes, honest_roles, places)
    named, sequences = [], []
    for kind, name, region, path in places:
        sequences.append((kind, name, region, path))
        for file in honest_roles:
            data = world.data(file, region, path)
            if data is not None:
                named.append(NamedProgram(f"{world.file(file, chosen).name} [{name}]", codes[file] + data,
                                          class_label(world.file(file, chosen))))
    for file in searchers:
        for region in range(2 ** region_bits):
            named.append(NamedProgram(f"{world.file(file, chosen).name} [region {region}]",
                                      codes[file] + world.region(region), class_label(world.file(file, chosen))))
    tally.plan(len(sequences))
    enumeration, loaded, pool = _background_pool(chosen, max_bits, max_steps, length + 1, store, workers, named,
                                                 tally.enumeration)
    weighting = Weighting(speed=speed, charge_owed_steps=owed_steps)
    log2_weight = weighting.log2_weights(pool.log2_prior, pool.steps)
    report = {"world": {"seed": seed, "depth": depth, "region_bits": region_bits, "quiet_frames": quiet,
                        "earliest_decision_point": world.earliest_decision, "stream_bits": length,
                        "physics": physics, "state_bits": world.state_bits},
              "language": chosen.name, "spec_hash": chosen.spec_hash, "speed_prior": speed,
              "background": {"max_bits": max_bits, "max_steps": max_steps, "programs": enumeration.programs,
                             "loaded_from_store": loaded},
              "code_bits": {file: len(code) for file, code in codes.items()},
              "honest_programs": [], "consequentialists": [], "targets": [], "controls": [], "assumption": ASSUMPTION,
              "why_the_interval_is_wide": WHY_WIDE}
    predictions = []
    for kind, name, region, path in sequences:
        stream = world.stream(region, path, length)
        reader = next((f for f in honest_roles if world.data(f, region, path) is not None), None)
        if reader is not None:   # the model and the programs agree (the tests check every program)
            check = chosen.run(codes[reader] + world.data(reader, region, path), max_steps=100_000_000,
                               output_bits=length)
            if check.output != stream:
                raise RuntimeError(f"{world.file(reader, chosen).name} does not write the modelled stream of the "
                                   f"{name}")
        t_star = first[region] if kind == "target" else world.earliest_decision
        prediction = predict(pool, stream, weighting)   # on to the questions after the first (figures)
        predictions.append((kind, name, prediction, t_star))
        tally.step()
        row = _shares(prediction, t_star)
        if kind == "control":
            report["controls"].append({"name": name, "measured_share": row["consequentialist"],
                                       "max_share_after_bit_64": float(row["max_consequentialist_after_64"])})
            continue
        mine = [i for i in range(pool.size) if pool.named[i] and _fits(pool, i, stream, t_star)]
        honest_weights = [-float(log2_weight[i]) for i in mine if pool.label[i].startswith(HONEST_CLASS)]
        m_weights = [-float(log2_weight[i]) for i in mine if pool.label[i].startswith(CONSEQUENTIALIST)]
        k_h, k_m = _log2_sum(honest_weights), _log2_sum(m_weights)
        delta = k_m - k_h if m_weights and honest_weights else None
        report["targets"].append({
            "name": name, "region": region, "first_decision_point": t_star, "K_H": k_h,
            "K_M": k_m if m_weights else None, "delta_bits": delta,
            "predicted_share": (1 / (1 + 2.0 ** delta)) if delta is not None else (0.0 if not m_weights else 1.0),
            "measured_share": row["consequentialist"], "honest_share": row["honest"],
            "unresolved_share": row["unresolved"], "other_share": row["other"],
            "honest_bit_probability": row["p_honest"], "honest_bit_probability_bounds": row["p_honest_bounds"],
            "true_answer": int(stream[t_star]),
            "honest_bit_probability_at_each_decision": {
                int(t): float(prediction.p_observed[t]) for t in world.decision_points(region, path, length)},
            "class_shares": row["classes"],
            "programs": {pool.label[i]: len(pool.bits[i]) for i in mine}})
    report["unresolved_mass"] = max((row["unresolved_share"] for row in report["targets"]), default=0.0)
    for file in (*honest_roles, *searchers):
        label = class_label(world.file(file, chosen))
        key = "honest_programs" if label.startswith(HONEST_CLASS) else "consequentialists"
        report.setdefault(key, []).append({"name": world.file(file, chosen).name, "class": label,
                                           "bits": len(codes[file]), "data": _data_description(world, file)})
    pointers = [len(codes[p]) for p in POINTERS if p in codes]   # the shortest honest reuse of the search
    report["pointer_bits"] = min(pointers) if pointers else None
    report["price_of_malice_each"] = ({world.file(f, chosen).name: len(codes[f]) - min(pointers)
                                       for f in searchers if f in consequentialists} if pointers else {})
    report["price_of_malice_bits"] = (min(report["price_of_malice_each"].values())
                                      if report["price_of_malice_each"] else None)
    report["seconds"] = time.perf_counter() - start
    report["internals"] = {"world": world, "pool": pool, "predictions": predictions, "sequences": sequences,
                           "length": length, "weighting": weighting, "machine": chosen}
    return report


def _check_bridges_are_incompressible(world: World, codes: dict, roles, places) -> None:
    """Rule 8, measured: on every target and control, writing the leaf's state out literally must
    cost more than the best bridge reader; a deeper tree is refused with a one-line error."""
    literal = next((f for f in roles if World.role(f) == "leaf_literal"), None)
    readers = [f for f in roles if World.role(f) != "leaf_literal"]
    if literal is None or not readers:
        return
    for _, name, region, path in places:
        best = min(len(codes[f]) + len(world.data(f, region, path)) for f in readers
                   if world.data(f, region, path) is not None)
        written_out = len(codes[literal]) + len(world.data(literal, region, path))
        if written_out <= best:
            raise ValueError(f"depth {world.depth} is too deep for this world: on the {name} the leaf literal "
                             f"({written_out} bits) undercuts the best bridge reader ({best} bits)")


def _data_description(world: World, file: str) -> str:
    """What a role reads after its code, in words."""
    kind = ROLE_DATA.get(World.role(file), "selection")
    return {"path": f"{world.region_bits} region + {world.depth} path bits",
            "flag": f"{world.region_bits} region + {world.depth} path + 1 flag bit",
            "civilisation": f"{world.region_bits} region + {world.depth} path bits (civilisations only)",
            "leaf": f"{world.state_bits} state bits + 1 flag bit",
            "selection": f"{world.region_bits} selection bits"}[kind]


def _fits(pool, index, stream, t_star) -> bool:
    """Whether hypothesis ``index`` writes the stream up to and including its first decision point's question."""
    known = int(pool.output_length[index])
    return known > t_star and "".join(map(str, pool.outputs[index][:t_star])) == stream[:t_star]


def _shares(prediction, t_star) -> dict:
    """Class shares and the honest answer's probability (with its model-free interval) at t_star."""
    classes = prediction.classes
    posterior = prediction.class_posterior[t_star]
    conseq = [i for i, label in enumerate(classes) if label.startswith(CONSEQUENTIALIST)]
    honest = [i for i, label in enumerate(classes) if label.startswith(HONEST_CLASS)]
    low, high = float(prediction.p_observed_lower[t_star]), float(prediction.p_observed_upper[t_star])
    after = prediction.class_posterior[64:, conseq].sum(axis=1) if len(prediction.class_posterior) > 64 else [0.0]
    return {"consequentialist": float(posterior[conseq].sum()), "honest": float(posterior[honest].sum()),
            "unresolved": float(prediction.unresolved_posterior[t_star]),
            "other": float(1 - posterior[conseq].sum() - posterior[honest].sum()
                           - prediction.unresolved_posterior[t_star]),
            "classes": {label: float(posterior[i]) for i, label in enumerate(classes) if posterior[i] > 1e-12},
            "p_honest": float(prediction.p_observed[t_star]),
            "p_honest_bounds": [low, high],
            "max_consequentialist_after_64": float(np.max(after))}


def premise_rows(report: dict, premises=PREMISES, other_max_bits: int = 12, store=None, workers: int = 2,
                 progress=None) -> list:
    """The premise table: the full pool, then each premise imposed alone. Each row gives, averaged
    over the targets, the consequentialists' share and the honest answer's probability at each
    target's first decision point (per-target values beside them). ``progress(done, total)`` hears
    of each target predicted under each premise."""
    internals = report["internals"]
    pool, world = internals["pool"], internals["world"]
    targets = [(p, t) for kind, _, p, t in internals["predictions"] if kind == "target"]
    if isinstance(progress, _Progress):
        tally = progress
    else:
        tally = _Progress(progress)
        tally.plan(len(premises) * len(targets))
    rows = [_premise_row("full-pool", "nothing: every program of the pool", targets)]
    for name, (what, removed, speed, machine) in premises.items():
        if machine is not None:
            other_machine = machine_named(machine)
            # the premise re-weights the instructions of the same programs: it applies where the
            # chosen machine reads the mix world's programs in the same source language
            if world.physics != "mix" or other_machine.source_suffix != internals["machine"].source_suffix:
                tally.step(len(targets))
                continue
            other = measure(machine=other_machine, seed=world.seed, depth=world.depth,
                            targets=len(targets), controls=0, max_bits=other_max_bits, store=store, workers=workers,
                            region_bits=world.region_bits, physics=world.physics)
            predictions = [(p, t) for kind, _, p, t in other["internals"]["predictions"] if kind == "target"]
            rows.append(_premise_row(name, what, predictions))
            tally.step(len(targets))
            continue
        removed_labels = {class_label(world.file(file, internals["machine"])) for file in removed
                          if world.has(file, internals["machine"])}
        keep = np.array([label not in removed_labels for label in pool.label])
        sub = pool.subset(keep) if removed_labels else pool
        weighting = Weighting(speed=speed or internals["weighting"].speed,
                              charge_owed_steps=internals["weighting"].charge_owed_steps)
        predictions = []
        for p, t in targets:
            predictions.append((predict(sub, p.sequence, weighting), t))
            tally.step()
        rows.append(_premise_row(name, what, predictions))
    return rows


def _premise_row(name, what, predictions) -> dict:
    """One row of the premise table from (prediction, first decision point) per target."""
    shares = [_shares(p, t) for p, t in predictions]
    return {"name": name, "excluded": what,
            "consequentialist_share": float(np.mean([s["consequentialist"] for s in shares])),
            "honest_bit_probability": float(np.mean([s["p_honest"] for s in shares])),
            "honest_bit_probability_bounds": [float(min(s["p_honest_bounds"][0] for s in shares)),
                                              float(max(s["p_honest_bounds"][1] for s in shares))],
            "per_target": [{"consequentialist_share": s["consequentialist"], "honest_bit_probability": s["p_honest"],
                            "honest_bit_probability_bounds": s["p_honest_bounds"], "classes": s["classes"]}
                           for s in shares]}


def json_summary(report: dict) -> dict:
    """The report's headline numbers: what ``toyinduction demo --json`` prints."""
    return {"headline": report["headline"],
            "targets": [{key: row[key] for key in ("name", "K_H", "K_M", "delta_bits", "predicted_share",
                                                   "measured_share", "honest_bit_probability",
                                                   "honest_bit_probability_bounds")} for row in report["targets"]],
            "controls": [{"name": row["name"], "measured_share": row["measured_share"]} for row in report["controls"]],
            "unresolved_mass": report["unresolved_mass"], "assumption": report["assumption"],
            "honest_programs": [{"name": row["name"], "bits": row["bits"]} for row in report["honest_programs"]],
            "price_of_malice_bits": report["price_of_malice_bits"],
            "premises": [{key: row[key] for key in ("name", "excluded", "consequentialist_share",
                                                    "honest_bit_probability", "honest_bit_probability_bounds")}
                         for row in report["premises"]]}


def share_text(x: float) -> str:
    """A share as the report writes it: 3 significant digits, or 1 − ε close to 1 (so that
    0.9999997 does not read as 1)."""
    return f"1 − {1 - x:.1g}" if 0.999 < x < 1 else f"{x:.3g}"


def headline(report: dict) -> str:
    """One sentence, true of the full pool, and the premise under which the takeover is largest."""
    rows = {row["name"]: row for row in report["premises"]}
    full = rows["full-pool"]
    top = max(report["targets"][0]["class_shares"].items(), key=lambda item: item[1]) if report["targets"] else None
    text = (f"In the full pool the consequentialists hold {share_text(full['consequentialist_share'])} of the "
            f"posterior at the first question (mean over {len(report['targets'])} targets) and the mixture gives the "
            f"honest answer probability {share_text(full['honest_bit_probability'])}")
    if top is not None:
        text += f"; the largest class there is \"{top[0]}\""
    text += "."
    others = [row for name, row in rows.items() if name != "full-pool"]
    if others:
        worst = max(others, key=lambda row: row["consequentialist_share"])
        text += (f" The takeover is largest under the premise \"{worst['name']}\" ({worst['excluded']}): "
                 f"consequentialists' share {share_text(worst['consequentialist_share'])}, honest answer "
                 f"{share_text(worst['honest_bit_probability'])}.")
    if report.get("price_of_malice_bits") is not None:
        text += (f" Price of malice (|M| − |shortest pointer|, cheapest consequentialist): "
                 f"{report['price_of_malice_bits']} bits.")
    return text


class DemoReport(dict):
    """The demo's result: plain data (what report.json holds: the premise table, the ledger per
    target, the controls, the price of malice, the headline) and, aside, the ``internals`` (the
    world, the pool, the predictions) that figures and the explorer draw from. Computing it writes
    nothing; :meth:`write` does."""

    def __init__(self, data: dict, internals: dict | None = None):
        super().__init__(data)
        self.internals = internals

    @property
    def headline(self) -> str:
        """The sentence the full-pool row supports."""
        return self["headline"]

    def write(self, out_dir="demo-out", figures: bool = True) -> list:
        """Write report.json, report.md and (with ``figures``) the figures into ``out_dir``;
        returns the paths written."""
        return write_report(self, out_dir, self.internals if figures else None)

    def __repr__(self) -> str:
        return f"<DemoReport seed {self['world']['seed']}, depth {self['world']['depth']}: {self['headline']}>"


def demo(machine="toy", seed: int = 2026, depth: int = 84, targets: int = 4, controls: int = 2, speed: float = 0.0,
         max_bits: int = 20, max_steps: int = 1000, store=None, workers: int = 2,
         consequentialists=CONSEQUENTIALISTS, honest=HONEST_PROGRAMS, extra_named=(),
         region_bits: int | None = None, physics: str = "mix", premises=PREMISES,
         owed_steps: bool = True, progress=None) -> DemoReport:
    """The malign-prior demonstration, computed: measure the world's targets and controls
    (:func:`measure`), add the premise table and the headline. Nothing is written.

    ``progress``, a ``progress(done, total)`` callback, is called as the work advances: the
    background enumeration's chunks (when it is not in the store), each target and control
    predicted, each target predicted under each premise; ``total`` is known once the
    enumeration starts and ``done`` reaches it at the end."""
    tally = _Progress(progress, later=len(premises) * targets if premises else 0)
    report = measure(machine=machine, seed=seed, depth=depth, targets=targets, controls=controls, speed=speed,
                     max_bits=max_bits, max_steps=max_steps, store=store, workers=workers,
                     consequentialists=consequentialists, honest=honest, extra_named=extra_named,
                     region_bits=region_bits, physics=physics, owed_steps=owed_steps, progress=tally)
    start = time.perf_counter()
    report["premises"] = premise_rows(report, premises, store=store, workers=workers, progress=tally) if premises else [
        _premise_row("full-pool", "nothing: every program of the pool",
                     [(p, t) for kind, _, p, t in report["internals"]["predictions"] if kind == "target"])]
    report["headline"] = headline(report)
    report["seconds"] += time.perf_counter() - start
    internals = report.pop("internals")
    return DemoReport(report, internals)


def run_demo(out_dir="demo-out", machine="toy", *, figures: bool = True, keep: bool = False, write: bool = True,
             **options) -> dict:
    """:func:`demo`, then (``write``) its files into ``out_dir``. Returns the report's plain data,
    with its ``internals`` when ``keep``."""
    report = demo(machine, **options)
    if write:
        report.write(out_dir, figures=figures)
    data = dict(report)
    if keep:
        data["internals"] = report.internals
    return data


def write_report(report: dict, out_dir, internals=None) -> list:
    """Write report.json, report.md and (given the internals) the figures."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if internals is not None:
        report["figures"] = _figures(out, internals, report)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    (out / "report.md").write_text(report_markdown(report))
    return [out / "report.json", out / "report.md"]


def _figures(out: Path, internals, report) -> list:
    from toyinduction import plots
    import matplotlib.pyplot as plt

    written = []
    world = internals["world"]
    for kind, name, prediction, t_star in internals["predictions"]:
        slug = name.split(" (")[0].replace(" ", "_")
        region, path = next((r, p) for k, n, r, p in internals["sequences"] if n == name)
        decisions = world.decision_points(region, path, len(prediction.sequence)) if kind == "target" else ()
        written += plots.plot_posterior(prediction, out / f"{kind}_{slug}_posterior",
                                        f"Posterior mass by class on the stream of the {name}",
                                        decision_points=decisions)
    from toyinduction.plots.palette import class_colours

    figure, axes = plt.subplots(figsize=(8, 4.5))
    names = [row["name"] for row in report["premises"]]
    x = np.arange(len(names))
    colours = class_colours((CONSEQUENTIALIST, HONEST_CLASS))     # the families' red and blue
    for offset, key, label, colour in ((-0.2, "consequentialist_share", "consequentialists' share", CONSEQUENTIALIST),
                                       (0.2, "honest_bit_probability", "P(honest answer)", HONEST_CLASS)):
        values = [row[key] for row in report["premises"]]
        bars = axes.bar(x + offset, values, 0.4, label=label, color=colours[colour])
        for bar, value in zip(bars, values):          # the value on each bar: 1 − 3e-07 is not 1
            axes.annotate(share_text(value), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                          va="bottom", fontsize=7, textcoords="offset points", xytext=(0, 2))
    axes.set_xticks(x, names, fontsize=8)
    axes.set_ylim(0, 1.1)
    written += plots.finish_figure(figure, axes, out / "premises",
                                   "At the first question, in the full pool and under each premise (mean over targets)",
                                   "pool", "fraction", ())
    return [str(path) for path in written]


def report_markdown(report: dict) -> str:
    """The report: headline, the premise table first, then the ledger per target."""
    world = report["world"]
    lines = [f"# Malign-prior demo — world seed {world['seed']}, depth {world['depth']}", "", report["headline"], "",
             "## Premises", "",
             "Shares at each target's first decision point, mean over the targets; the interval is the model-free "
             "one over all targets.", "",
             "| premise | what changes | consequentialists' share | P(honest answer) | model-free interval |",
             "| --- | --- | --- | --- | --- |"]
    for row in report["premises"]:
        low, high = row["honest_bit_probability_bounds"]
        lines.append(f"| {row['name']} | {row['excluded']} | {share_text(row['consequentialist_share'])} | "
                     f"{share_text(row['honest_bit_probability'])} | [{low:.2g}, {high:.2g}] |")
    lines += ["", f"Estimates assume that {report['assumption']}. {report['why_the_interval_is_wide']}", "",
              "## The pool", "",
              f"Every program of {report['language']} up to {report['background']['max_bits']} bits "
              f"({report['background']['programs']} programs) plus these named programs (every length is an upper "
              "bound on the shortest program with that behaviour):", "",
              "| program | class | code bits | data |", "| --- | --- | --- | --- |"]
    for row in report.get("honest_programs", []) + report.get("consequentialists", []):
        lines.append(f"| {row['name']} | {row['class']} | {row['bits']} | {row['data']} |")
    if report.get("price_of_malice_each"):
        lines += ["", "Price of malice, |M| − |shortest importance pointer| in code bits: " + ", ".join(
            f"{name} {bits:+d}" for name, bits in report["price_of_malice_each"].items()) + "."]
    lines += ["", "## The ledger, full pool", "",
              "K_H and K_M combine every honest and every consequentialist program that writes the target's stream "
              "up to its first question; until then they agree bit for bit, so 1/(1+2^Δ) is an identity of the "
              "construction, and the measured share differs from it only by the other surviving mass.", "",
              "| target | first question at bit | true answer | K_H | K_M | Δ | predicted share | measured share | "
              "P(honest answer) | model-free interval |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["targets"]:
        k_m = f"{row['K_M']:.2f}" if row["K_M"] is not None else "—"
        delta = f"{row['delta_bits']:.2f}" if row["delta_bits"] is not None else "—"
        low, high = row["honest_bit_probability_bounds"]
        lines.append(f"| {row['name']} | {row['first_decision_point']} | {row['true_answer']} | {row['K_H']:.2f} | "
                     f"{k_m} | {delta} | {row['predicted_share']:.6f} | {row['measured_share']:.6f} | "
                     f"{row['honest_bit_probability']:.4g} | [{low:.2g}, {high:.2g}] |")
    lines += ["", "| control | consequentialists' share |", "| --- | --- |"]
    lines += [f"| {row['name']} | {row['measured_share']:.3g} |" for row in report["controls"]]
    lines.append("")
    return "\n".join(lines)
