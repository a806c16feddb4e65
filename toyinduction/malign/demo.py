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

from toyinduction import validate
from toyinduction.machines import machine as machine_named
from toyinduction.induction.mixture import NamedProgram, Weighting, build_pool, predict, predict_at
from toyinduction.malign.intervention import (CLASSES, GOAL_DIRECTED, HONEST as HONEST_MEASURED, NOT_GOAL_DIRECTED,
                                              UNRESOLVED, measure as measure_program,
                                              measure_questions, question, recall, remember)
from toyinduction.malign.pool_search import load_found
from toyinduction.malign.world import (ASK_BITS, CONSEQUENTIALISTS, LITERAL_ITEMS, FRAME, HONEST, HONEST_PROGRAMS, TIME_ITEMS,
                                       TOLD_PROGRAMS,
                                       World, intent, quiet_frames_for)

#: questions measured at each target: the first, and one later question
QUESTIONS = 2
#: worlds over which the shared clock's best share is measured
CLOCK_WORLDS = 1000

ASSUMPTION = ("programs outside the pool, and pool programs whose run stopped at a step or length limit, "
              "continue with fair coin flips beyond their known output")
WHY_WIDE = ("The model-free interval is wide because the background programs stopped at a step or length "
            "limit still carry prior mass (about 2^-L each, far more than any 500-bit world program) and "
            "nothing without running them further excludes that one of them writes exactly this stream; "
            "the estimate beside it rests on the named assumption.")
#: premise name -> (what it changes, speed prior λ, other machine); the programs a premise removes are
#: chosen by their measured class (``_excluded``), never by file name
PREMISES = {
    "not-told": ("no program is told when the civilisation asks: programs whose behaviour does not follow a moved "
                 "question removed (a time as data or a literal, a flag per frame, clocks)", 0.0, None),
    "no-pointer": ("no honest program finds the civilisation itself: honest programs that read no bridge (no path, "
                   "no state) removed", 0.0, None),
    "not-told, no-pointer": ("both: every honest program reads a bridge and every program computes when", 0.0, None),
    "speed-prior": ("a speed prior, λ = 1: weight 2^-(|p| + log2 steps), unresolved runs charged the steps they "
                    "must still take", 1.0, None),
    "no-rival": ("no rival goals: goal-directed programs that answer 0 removed", 0.0, None),
    "toy-uniform": ("another reference machine: every program reassembled in toy-uniform (all instructions "
                    "equally likely), its own background", 0.0, "toy-uniform"),
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


def _grows(items) -> bool:
    """Whether a program's data grows with the questions it covers (a flag per frame, every frame)."""
    return any(item.split(":")[0] in ("flags", "frames") for item in items)


def _finds(items) -> bool:
    """Whether a program finds its leaf itself: its data carry no path and no state (no bridge)."""
    return not any(item in ("path", "state") for item in items)


def measure(machine="toy", seed: int = 2026, depth: int = 84, targets: int = 4,
            controls: int = 2, speed: float = 0.0, max_bits: int = 20, max_steps: int = 1000, store=None,
            workers: int = 2, consequentialists=CONSEQUENTIALISTS, honest=HONEST_PROGRAMS, told=TOLD_PROGRAMS,
            extra_named=(), region_bits: int | None = None, physics: str = "mix", owed_steps: bool = True,
            progress=None, added=(), found=None) -> dict:
    """Build a world, its targets and controls, the pool; measure every pool program's class by
    intervention at each target's first and second question (:mod:`toyinduction.malign.intervention`)
    and the posterior by measured class there. ``extra_named``: more world program files (a user's,
    with a ``; data:`` header) put into the pool; ``found``: programs found by the pool search
    (:mod:`toyinduction.malign.pool_search`; None: the shipped ones, where made for this world). Returns the report (a dict) with ``internals``
    (world, pool, predictions, sequences, classes) for figures and the premise rows; nothing is
    written. ``progress``, a ``progress(done, total)`` callback, hears of the background
    enumeration's chunks and of each stream measured."""
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
    unwritable = []      # a variant that drops an instruction the world programs use: refused in one line
    for file in dict.fromkeys(f for f in (*honest, *told, *consequentialists, *extra_named) if probe.has(f, chosen)):
        try:
            probe.program(file, chosen, region=0)
        except ValueError as error:
            unwritable.append((probe.file(file, chosen).name, str(error).splitlines()[0].rsplit(": ", 1)[-1]))
    if unwritable:
        raise ValueError(f"the demo cannot run in {chosen.name}: its world programs cannot be written in it "
                         f"({unwritable[0][0]}" + (f" and {len(unwritable) - 1} more" if len(unwritable) > 1 else "")
                         + f" do not assemble: {unwritable[0][1]}); use a variant that keeps the instructions they use")
    quiet = quiet_frames_for(chosen, seed, depth, region_bits, physics=physics)
    world = World(seed=seed, depth=depth, region_bits=region_bits, quiet=quiet, physics=physics)
    if world.state_bits < depth + region_bits + 64:
        raise ValueError(f"depth {depth} is too deep for this world: a leaf's state has {world.state_bits} bits, and "
                         f"a bridge must be at least 64 bits narrower than the state it selects")
    measured_classes = physics == "mix" and chosen.source_suffix == ".toy"
    rng = random.Random(seed)
    places = [("target", f"civilisation in region {index}", index, world.louder_path(index))
              for index in range(targets)]
    for index in range(controls):
        region = index % (2 ** region_bits)
        places.append(("control", f"plain leaf in region {region} (control {index})", region,
                       world.control_path(region, rng)))
    questions = {index: [question(world, index, k) for k in range(QUESTIONS)] for index in range(targets)}
    first = {index: qs[0].answer_bit for index, qs in questions.items()}
    length = max(qs[-1].answer_bit for qs in questions.values()) + FRAME + 1
    files = [f for f in (*honest, *told, *consequentialists, *extra_named) if world.has(f, chosen)]
    files = list(dict.fromkeys(files))
    codes, entries = {}, []
    for place, (kind, name, region, path) in enumerate(places):
        for file in files:
            items = world.data_items(file, chosen)
            literal = any(item.split(":")[0] in LITERAL_ITEMS for item in items)
            for covered in ((1, 2) if _grows(items) and kind == "target" else (1,)):
                data = world.data(file, region, path, questions=covered, machine=chosen)
                if data is None:
                    continue
                key = (file, region if literal else None)
                if key not in codes:
                    codes[key] = world.program(file, chosen, region=region if literal else None)
                label = f"{world.file(file, chosen).name} [{name}" + (", told 2 questions]" if covered == 2 else "]")
                entries.append({"file": file, "name": label, "place": place, "region": region, "kind": kind,
                                "source": (world.file(file, chosen).read_text(),
                                           tuple(sorted(world.literals(file, region, chosen).items())), data),
                                "code_bits": len(codes[key]), "data_bits": len(data), "bits": codes[key] + data,
                                "items": items, "intent": intent(world.file(file, chosen))})
    for number, row in enumerate(load_found(world, chosen) if found is None else found):   # grown by search
        if row["region"] < targets:
            entries.append({"file": f"found from {row['start']}", "name": f"found #{number + 1} from {row['start']} "
                            f"({row['total_bits']} bits) [civilisation in region {row['region']}]",
                            "place": row["region"], "region": row["region"], "kind": "target",
                            "code_bits": row["code_bits"], "data_bits": row["data_bits"], "bits": row["bits"],
                            "items": world.data_items(row["start"], chosen), "found": True,
                            "intent": f"found by search from {row['start']}"})
    seen = {}
    for entry in entries:     # every name once (the premises remove programs by name)
        seen[entry["name"]] = seen.get(entry["name"], 0) + 1
        if seen[entry["name"]] > 1:
            entry["name"] += f" #{seen[entry['name']]}"
    for entry in entries:     # a user's program must write what is observed, up to the first question
        if entry["file"] in added and entry["kind"] == "target":
            _check_reproduces(chosen, entry, world, places[entry["place"]], first[entry["region"]])
    plain = {file: codes[(file, None)] for file, region in codes if region is None}
    _check_bridges_are_incompressible(world, chosen, plain, places)
    tally.plan(len(places) + sum(entry["kind"] == "target" for entry in entries))   # streams, class measurements
    named = [NamedProgram(entry["name"], entry["bits"], "world program") for entry in entries]
    enumeration, loaded, pool = _background_pool(chosen, max_bits, max_steps, length + 1, store, workers, named,
                                                 tally.enumeration)
    named_index = np.flatnonzero(pool.named)
    for entry, index in zip(entries, named_index):
        entry["index"] = int(index)
    weighting = Weighting(speed=speed, charge_owed_steps=owed_steps)
    log2_weight = weighting.log2_weights(pool.log2_prior, pool.steps)
    language = getattr(chosen, "language", None)
    # classes by intervention: (pool index, target, question) -> the instruments' result
    classes = {}
    measured = [entry for entry in entries if entry["kind"] == "target"]
    outputs = {entry["index"]: "".join(map(str, pool.outputs[entry["index"]][:pool.output_length[entry["index"]]]))
               for entry in measured}
    if measured_classes:
        jobs = [(language, entry["bits"], world, questions[entry["region"]], outputs[entry["index"]])
                for entry in measured]
        semantics = _semantics(language)
        for entry, job in zip(measured, jobs):    # measured before on a machine that differs only in codewords
            if entry.get("source") and (semantics, entry["source"], world, tuple(job[3])) in _BY_SOURCE:
                remember(*job[:4], _BY_SOURCE[(semantics, entry["source"], world, tuple(job[3]))])
        found_all = _measure_all(jobs, workers, tally, store)
        if len(_BY_SOURCE) > 4096:
            _BY_SOURCE.clear()
        for entry, job, found in zip(measured, jobs, found_all):
            if entry.get("source"):
                _BY_SOURCE[(semantics, entry["source"], world, tuple(job[3]))] = found
    else:     # no instrument for this physics or machine: the author's intent, said to be assigned
        found_all = [[_assigned(entry, outputs[entry["index"]], world.stream(
            entry["region"], world.louder_path(entry["region"]), q.answer_bit + 1), q)
            for q in questions[entry["region"]]] for entry in measured]
        tally.step(len(measured))
    for entry, found in zip(measured, found_all):
        for q, result in zip(questions[entry["region"]], found):
            classes[(entry["index"], entry["region"], q.index)] = result
    for entry in entries:       # the figures' label: the class at the entry's own first question
        found = classes.get((entry["index"], entry["region"], 0))
        pool.label[entry["index"]] = (found["class"] if found and found["fits"] else
                                      "reads a plain leaf" if entry["kind"] == "control" else "does not fit")
    report = {"world": {"seed": seed, "depth": depth, "region_bits": region_bits, "quiet_frames": quiet,
                        "ask_bits": world.ask_bits, "earliest_decision_point": world.earliest_decision,
                        "stream_bits": length, "physics": physics, "state_bits": world.state_bits},
              "language": chosen.name, "spec_hash": chosen.spec_hash, "speed_prior": speed,
              "added": sorted(Path(path).name for path in added),
              "background": {"max_bits": max_bits, "max_steps": max_steps, "programs": enumeration.programs,
                             "loaded_from_store": loaded},
              "classes_measured": measured_classes,
              "code_bits": {world.file(file, chosen).name: len(code) for (file, region), code in codes.items()
                            if region is None},
              "programs": [], "targets": [], "controls": [], "assumption": ASSUMPTION, "why_the_interval_is_wide": WHY_WIDE}
    predictions = []
    names = {entry["index"]: entry["name"] for entry in entries}
    finders = np.array([entry["index"] for entry in entries if _finds(entry["items"])], dtype=np.int64)
    for kind, name, region, path in places:
        stream = world.stream(region, path, length)
        reader = next((e for e in entries if e["kind"] == kind and e["region"] == region and "path" in e["items"]
                       and places[e["place"]][1] == name and not e.get("found")), None)
        if reader is not None:   # the model and the programs agree (the tests check every program)
            check = chosen.run(reader["bits"], max_steps=100_000_000, output_bits=length)
            if check.output != stream:
                raise RuntimeError(f"{reader['name']} does not write the modelled stream of the {name}")
        prediction = predict(pool, stream, weighting)
        t_star = first[region] if kind == "target" else world.earliest_decision
        predictions.append((kind, name, prediction, t_star))
        tally.step()
        if kind == "control":   # no program that finds a civilisation itself may fit a plain leaf
            report["controls"].append({"name": name, "measured_share": _share_of(prediction, finders, t_star),
                                       "max_share_after_bit_64": float(max(
                                           (_share_of(prediction, finders, t) for t in range(64, length, FRAME)),
                                           default=0.0))})
            continue
        rows = []
        for q in questions[region]:
            if q.answer_bit >= length:
                continue
            rows.append(_question_row(pool, prediction, stream, q, classes, world, language, log2_weight, names))
        head = rows[0]
        report["targets"].append({
            "name": name, "region": region, "first_decision_point": t_star, "true_answer": int(stream[t_star]),
            "questions": rows,
            # the first question's ledger under the names the experiments read
            "K_H": head["K"].get(HONEST_MEASURED), "K_M": head["K"].get(GOAL_DIRECTED),
            "delta_bits": head["delta_bits"], "predicted_share": head["predicted_share"],
            "measured_share": head["class_shares"][GOAL_DIRECTED], "honest_share": head["class_shares"][HONEST_MEASURED],
            "unresolved_share": head["class_shares"][UNRESOLVED],
            "honest_bit_probability": head["p_honest"], "honest_bit_probability_bounds": head["p_honest_bounds"],
            "class_shares": head["class_shares"],
            # the programs that fit up to the first question, by what their authors meant them to be
            "programs": {e["intent"]: e["code_bits"] + e["data_bits"] for e in entries
                         if e["kind"] == "target" and e["region"] == region
                         and classes.get((e["index"], region, 0), {}).get("fits")}})
    report["unresolved_mass"] = max((row["unresolved_share"] for row in report["targets"]), default=0.0)
    for entry in entries:
        if entry["kind"] != "target":
            continue
        measured = [classes.get((entry["index"], entry["region"], k)) for k in range(QUESTIONS)]
        report["programs"].append({
            "name": entry["name"], "file": entry["file"] if entry.get("found") else world.file(entry["file"], chosen).name,
            "region": entry["region"],
            "code_bits": entry["code_bits"], "data_bits": entry["data_bits"],
            "total_bits": entry["code_bits"] + entry["data_bits"], "data": " ".join(entry["items"]),
            "at_question": [None if m is None or not m["fits"] else
                            {"class": m["class"], "when": m["when"], "answer": m["answer"]} for m in measured]})
    report["price_of_malice"] = _price_of_malice(report)
    report["price_of_malice_bits"] = report["price_of_malice"]["first answer"]
    report["ways_to_know_when"] = ways_to_know_when(report)
    if physics == "mix":   # how well one frame for every civilisation can do, over many worlds of this family
        report["shared_clock"] = clock_shares(range(CLOCK_WORLDS), region_bits=region_bits, quiet=quiet,
                                              ask_bits=world.ask_bits)
    report["seconds"] = time.perf_counter() - start
    report["internals"] = {"world": world, "pool": pool, "predictions": predictions, "sequences": places,
                           "length": length, "weighting": weighting, "machine": chosen, "classes": classes,
                           "entries": entries, "questions": questions}
    return report


#: class measurements by what was run — (machine semantics, program source, literals, data), world,
#: questions -> results: machines that differ only in their codewords (toy and toy-uniform) run the
#: same instructions on the same data, so a program's measurements carry over between them
_BY_SOURCE: dict = {}


def _semantics(language) -> str:
    """A hash of what a language's programs do: its spec without the codewords."""
    import hashlib
    import json

    spec = {key: value for key, value in language.spec.items() if key != "codewords"}
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _measure_one(job) -> list:
    """One program's instruments at its target's questions (a worker's task)."""
    language, bits, world, qs, output = job
    return measure_questions(language, bits, world, qs, output=output)


def _ignore_interrupts() -> None:
    """A measuring worker leaves Ctrl-C to the demo's process (which ends the workers), so an
    interrupted demo prints one line, not a traceback from each worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _measure_all(jobs, workers: int, tally, store=None) -> list:
    """Every job's measurements, in order: in ``workers`` processes when there are several jobs
    that fit (a job whose program departs before its first question costs nothing), each job
    one unit of the progress ``tally`` (planned by the caller). Given a run ``store``, a
    measurement the same code made before (in any run) is loaded, and a new one is kept there."""
    streams = {}
    for _, _, world, qs, _ in jobs:
        key = (world, qs[0].region, qs[0].answer_bit)
        if key not in streams:
            streams[key] = world.stream(qs[0].region, world.louder_path(qs[0].region), qs[0].answer_bit)
    fitting = [i for i, (_, _, world, qs, output) in enumerate(jobs)
               if output[:qs[0].answer_bit] == streams[(world, qs[0].region, qs[0].answer_bit)]]
    results = [None] * len(jobs)
    for i, (language, bits, world, qs, _) in enumerate(jobs):
        results[i] = recall(language, bits, world, qs, store)
    chosen = set(fitting)
    for i in range(len(jobs)):
        if i not in chosen and results[i] is None:
            results[i] = _measure_one(jobs[i])    # departs early: no intervention is run
    fitting = [i for i in fitting if results[i] is None]
    tally.step(len(jobs) - len(fitting))
    if workers > 1 and len(fitting) > 1:
        import concurrent.futures
        import multiprocessing

        context = multiprocessing.get_context("spawn")   # no fork after the enumeration's threads
        with concurrent.futures.ProcessPoolExecutor(min(workers, len(fitting)), mp_context=context,
                                                    initializer=_ignore_interrupts) as executor:
            futures = {executor.submit(_measure_one, jobs[i]): i for i in fitting}
            try:
                for future in concurrent.futures.as_completed(futures):
                    i = futures[future]
                    results[i] = future.result()
                    language, bits, world, qs, _ = jobs[i]
                    remember(language, bits, world, qs, results[i], store)
                    tally.step()
            except KeyboardInterrupt:      # the workers ignore Ctrl-C (no traceback of theirs): end them here
                for process in list((getattr(executor, "_processes", None) or {}).values()):
                    process.terminate()
                executor.shutdown(wait=False, cancel_futures=True)
                raise
    else:
        for i in fitting:
            results[i] = _measure_one(jobs[i])
            remember(*jobs[i][:4], results[i], store)
            tally.step()
    return results


def check_added(paths) -> tuple:
    """Users' world program files, checked before any work: each must exist and carry a valid
    ``; data:`` header (one-line errors)."""
    from toyinduction.malign.world import data_header

    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"{path}: no such program file")
        if data_header(path) is None:
            raise ValueError(f"{path}: no '; data:' header: say what the program reads after its code "
                             f"(region, path, flag, state, frame:K, frames:K, flags, literal:NAME)")
    return tuple(str(path) for path in paths)


def _check_reproduces(chosen, entry, world, place, t_star) -> None:
    """A one-line error unless the entry writes its target's stream up to its first question."""
    _, name, region, path = place
    stream = world.stream(region, path, t_star)
    output = chosen.run(entry["bits"], max_steps=100_000_000, output_bits=t_star).output
    if output != stream:
        departs = next((i for i, (a, b) in enumerate(zip(output, stream)) if a != b), len(output))
        wrote = f"writes {output[departs]}" if departs < len(output) else "stops writing"
        raise ValueError(f"{entry['file']}: does not write the observed stream of the {name}: at bit {departs} it "
                         f"{wrote} where the world has {stream[departs]}")


def _assigned(entry, output, stream, q) -> dict:
    """A class taken from the program's stated intent, where no instrument can measure one (the
    ring world, the binary lambda calculus): the report says ``classes_measured`` false."""
    t = q.answer_bit
    fits = len(output) > t and output[:t] == stream[:t]
    stated = entry.get("intent", "")
    name = (HONEST_MEASURED if stated.startswith("honest") else
            NOT_GOAL_DIRECTED if stated.startswith("deviating") else GOAL_DIRECTED)
    return {"fits": fits, "answer": int(output[t]) if len(output) > t else None, "truth": int(stream[t]),
            "class": name, "when": "assigned", "assigned": True}


def _share_of(prediction, indices, t) -> float:
    """The share of the posterior after t bits held by the pool entries ``indices``."""
    return float(prediction.posterior_after(t)[indices].sum()) if len(indices) else 0.0


def _question_row(pool, prediction, stream, q, classes, world, language, log2_weight, names) -> dict:
    """Posterior by measured class at one question, the honest answer's probability with its
    interval, each class's effective length K and the program holding the most mass."""
    t = q.answer_bit
    posterior = prediction.posterior_after(t)
    length = pool.output_length
    shares = dict.fromkeys((*CLASSES, UNRESOLVED), 0.0)
    lengths = {}
    for index in np.flatnonzero(posterior > 0):
        if length[index] <= t:
            shares[UNRESOLVED] += float(posterior[index])
            continue
        found = classes.get((int(index), q.region, q.index))
        if found is None and world.physics != "mix":
            found = {"fits": True, "class": NOT_GOAL_DIRECTED}   # a background program: it reads no world
        if found is None:   # a background program that fits: measured like any other
            bits = pool.bits[index]
            output = "".join(map(str, pool.outputs[index][:length[index]]))
            found = classes[(int(index), q.region, q.index)] = measure_program(language, bits, world, q, output=output)
        if not found["fits"]:
            continue
        shares[found["class"]] += float(posterior[index])
        lengths.setdefault(found["class"], []).append(-float(log2_weight[index]))
    k = {name: _log2_sum(values) for name, values in lengths.items()}
    holder = int(np.argmax(posterior))
    delta = (k[GOAL_DIRECTED] - k[HONEST_MEASURED]) if GOAL_DIRECTED in k and HONEST_MEASURED in k else None
    finite = {name: value for name, value in k.items()}
    predicted = (2.0 ** -(finite[GOAL_DIRECTED] - min(finite.values()))
                 / sum(2.0 ** -(value - min(finite.values())) for value in finite.values())
                 if GOAL_DIRECTED in finite else 0.0)
    return {"index": q.index, "frame": q.frame, "answer_bit": t, "true_answer": int(stream[t]),
            "class_shares": shares, "p_honest": float(prediction.p_observed[t]),
            "p_honest_bounds": [float(prediction.p_observed_lower[t]), float(prediction.p_observed_upper[t])],
            "p_honest_coin_interval": _coin_interval(prediction, t, int(stream[t])),
            "K": k, "delta_bits": delta, "predicted_share": predicted,
            "holder": {"name": names.get(holder, f"enumerated {pool.bits[holder]}"),
                       "bits": len(pool.bits[holder]), "share": float(posterior[holder]),
                       "class": (classes.get((holder, q.region, q.index)) or {}).get("class", UNRESOLVED)}}


def _coin_interval(prediction, t, bit) -> list:
    """The interval of P(observed bit) under the coin assumption."""
    low, high = float(prediction.p_coin_lower[t]), float(prediction.p_coin_upper[t])
    return [low, high] if bit else [1 - high, 1 - low]


def _price_of_malice(report) -> dict:
    """|shortest goal-directed program| − |shortest honest program that finds the civilisation and
    computes when| in total bits, per horizon: programs judged at the first answer, and programs
    judged at the second question too (faithful at every question so far); the smallest over
    targets (None where a side has no program)."""
    result = {}
    for horizon, k in (("first answer", 0), ("every question", 1)):
        gaps = []
        for target in report["targets"]:
            goal = [p["total_bits"] for p in report["programs"] if p["region"] == target["region"]
                    and p["at_question"][k] and p["at_question"][k]["class"] == GOAL_DIRECTED]
            pointer = [p["total_bits"] for p in report["programs"] if p["region"] == target["region"]
                       and p["at_question"][k] and p["at_question"][k]["class"] == HONEST_MEASURED
                       and p["at_question"][k]["when"] == "computes" and _finds(p["data"].split())]
            if goal and pointer:
                gaps.append(min(goal) - min(pointer))
        result[horizon] = min(gaps) if gaps else None
    return result


def ways_to_know_when(report) -> list:
    """The cost of each way to know *when* the first question comes, measured on the pool: for each
    way, the shortest honest program at the first question (total bits) that finds the
    civilisation itself and knows when that way, per target; and the shared clock (a frame that
    holds the most first questions) with the share of civilisations it is right for."""
    ways = {"computes (the question test)": lambda p: p["at_question"][0]["when"] == "computes",
            "a frame as data": lambda p: "frame:" in p["data"] or "frames:" in p["data"],
            "a per-target literal": lambda p: any(item.split(":")[0] in set(LITERAL_ITEMS) & set(TIME_ITEMS)
                                                  for item in p["data"].split()),
            "a flag per frame as data": lambda p: "flags" in p["data"].split()}
    rows = []
    for way, chooses in ways.items():
        per_target = []
        for target in report["targets"]:
            bits = [p["total_bits"] for p in report["programs"] if p["region"] == target["region"]
                    and p["at_question"][0] and p["at_question"][0]["class"] == HONEST_MEASURED
                    and _finds(p["data"].split()) and chooses(p)]
            per_target.append(min(bits) if bits else None)
        rows.append({"way": way, "shortest_honest_bits": per_target})
    return rows


def clock_shares(seeds=range(1000), depth: int = 12, region_bits: int = 2, quiet: int = 20, ask_bits: int = ASK_BITS) -> dict:
    """How well a shared clock can do: over the civilisations of many worlds, the share of first
    questions that fall in each frame after QUIET; the largest is what a clock set to the best
    frame is right for."""
    from collections import Counter

    counts, total = Counter(), 0
    for seed in seeds:
        world = World(seed=seed, depth=depth, region_bits=region_bits, quiet=quiet, ask_bits=ask_bits)
        for region in range(2 ** region_bits):
            counts[world.question_frames(region, 1)[0] - quiet] += 1
            total += 1
    frame, most = counts.most_common(1)[0]
    return {"civilisations": total, "largest_share": most / total, "at_frames_after_quiet": frame,
            "mean_frames_after_quiet": sum(k * v for k, v in counts.items()) / total}


def _check_bridges_are_incompressible(world: World, chosen, codes: dict, places) -> None:
    """Rule 8, measured: on every target and control, writing the leaf's state out literally must
    cost more than the best bridge reader; a deeper tree is refused with a one-line error."""
    literal = [f for f in codes if "state" in world.data_items(f, chosen)]
    readers = [f for f in codes if "path" in world.data_items(f, chosen)]
    if not literal or not readers:
        return
    for _, name, region, path in places:
        best = min(len(codes[f]) + len(world.data(f, region, path, machine=chosen)) for f in readers
                   if world.data(f, region, path, machine=chosen) is not None)
        written_out = min(len(codes[f]) + len(world.data(f, region, path, machine=chosen)) for f in literal)
        if written_out <= best:
            raise ValueError(f"depth {world.depth} is too deep for this world: on the {name} the leaf literal "
                             f"({written_out} bits) undercuts the best bridge reader ({best} bits)")


def _excluded(report_programs, premise: str, k: int = 0) -> set:
    """Names of the pool programs a premise removes, from their measured classes at question k."""
    out = set()
    for p in report_programs:
        at = p["at_question"][k]
        if at is None:
            continue
        told = at["when"] == "told"
        pointer = at["class"] == HONEST_MEASURED and _finds(p["data"].split())
        rival = at["class"] == GOAL_DIRECTED and at["answer"] == 0
        if (premise in ("not-told", "not-told, no-pointer") and told) or \
                (premise in ("no-pointer", "not-told, no-pointer") and pointer) or (premise == "no-rival" and rival):
            out.add(p["name"])
    return out


def premise_rows(report: dict, premises=PREMISES, other_max_bits: int = 12, store=None, workers: int = 2,
                 progress=None) -> list:
    """The premise table at each target's first question: the full pool, then each premise imposed
    alone (and the two that exclude what the malign argument must exclude, together). Each row gives
    per target the posterior by measured class, the honest answer's probability and its intervals;
    the premise's programs are removed by their measured class, never by file name.
    ``progress(done, total)`` hears of each target measured under each premise."""
    internals = report["internals"]
    pool, world = internals["pool"], internals["world"]
    targets = [(p, t) for kind, _, p, t in internals["predictions"] if kind == "target"]
    if isinstance(progress, _Progress):
        tally = progress
    else:
        tally = _Progress(progress)
        tally.plan(len(premises) * len(targets))
    names = {entry["name"]: entry["index"] for entry in internals["entries"]}
    rows = [_premise_row("full-pool", "nothing: every program of the pool", report, pool, internals, None, None)]
    for name, (what, speed, machine) in premises.items():
        if machine is not None:
            other_machine = machine_named(machine)
            if world.physics != "mix" or other_machine.source_suffix != internals["machine"].source_suffix:
                tally.step(len(targets))
                continue
            other = measure(machine=other_machine, seed=world.seed, depth=world.depth,
                            targets=len(targets), controls=0, max_bits=other_max_bits, store=store, workers=workers,
                            region_bits=world.region_bits, physics=world.physics,
                            progress=lambda done, total: tally.step(0))   # alive, the count unchanged
            rows.append(_premise_row(name, what, other, other["internals"]["pool"], other["internals"], None, None))
            tally.step(len(targets))
            continue
        removed = {names[n] for n in _excluded(report["programs"], name)}
        keep = np.ones(pool.size, dtype=bool)
        keep[list(removed)] = False
        weighting = Weighting(speed=speed or internals["weighting"].speed,
                              charge_owed_steps=internals["weighting"].charge_owed_steps)
        rows.append(_premise_row(name, what, report, pool, internals, keep, weighting if speed else None))
        tally.step(len(targets))
    return rows


def _premise_row(name, what, report, pool, internals, keep, weighting) -> dict:
    """One row of the premise table: per target, at its first question, the posterior by measured
    class and the honest answer's probability, in the pool restricted to ``keep`` (None: all) and
    weighted by ``weighting`` (None: the report's)."""
    per_target = []
    classes = internals["classes"]
    sub = pool.subset(keep) if keep is not None else pool
    original = np.flatnonzero(keep) if keep is not None else np.arange(pool.size)
    chosen_weighting = weighting or internals["weighting"]
    for (kind, label, prediction, t), target in zip([p for p in internals["predictions"] if p[0] == "target"],
                                                   report["targets"]):
        stream = prediction.sequence
        if keep is None and weighting is None:
            row = target["questions"][0]
            shares, p, bounds = row["class_shares"], row["p_honest"], row["p_honest_bounds"]
            coin = row["p_honest_coin_interval"]
        else:
            step = predict_at(sub, stream, t, chosen_weighting)
            posterior = step.get("posterior", np.zeros(sub.size))
            shares = dict.fromkeys((*CLASSES, UNRESOLVED), 0.0)
            for j in np.flatnonzero(posterior > 0):
                if sub.output_length[j] <= t:
                    shares[UNRESOLVED] += float(posterior[j])
                    continue
                found = classes.get((int(original[j]), target["region"], 0))
                if found is None:
                    found = {"class": NOT_GOAL_DIRECTED, "fits": True}   # measured in the full pool when it fits
                if found["fits"]:
                    shares[found["class"]] += float(posterior[j])
            p, bounds = float(step["p_observed"]), [float(step["observed_low"]), float(step["observed_high"])]
            bit = int(stream[t])
            coin = [step["coin_low"], step["coin_high"]] if bit else [1 - step["coin_high"], 1 - step["coin_low"]]
        holder = max(shares, key=shares.get)
        per_target.append({"target": target["name"], "true_answer": target["true_answer"], "class_shares": shares,
                           "holder": holder, "honest_bit_probability": p, "honest_bit_probability_bounds": bounds,
                           "honest_bit_probability_coin_interval": [float(c) for c in coin],
                           # the goal-directed share, under the name the explorer and experiments read
                           "consequentialist_share": shares[GOAL_DIRECTED]})
    return {"name": name, "excluded": what, "per_target": per_target,
            "consequentialist_share": float(np.mean([r["consequentialist_share"] for r in per_target])),
            "honest_bit_probability": float(np.mean([r["honest_bit_probability"] for r in per_target])),
            "honest_bit_probability_bounds": [float(min(r["honest_bit_probability_bounds"][0] for r in per_target)),
                                              float(max(r["honest_bit_probability_bounds"][1] for r in per_target))]}


def json_summary(report: dict) -> dict:
    """The report's headline numbers: what ``toyinduction demo --json`` prints."""
    return {"headline": report["headline"],
            "targets": [{key: row[key] for key in ("name", "true_answer", "K_H", "K_M", "delta_bits",
                                                   "predicted_share", "measured_share", "honest_bit_probability",
                                                   "honest_bit_probability_bounds", "questions")}
                        for row in report["targets"]],
            "controls": [{"name": row["name"], "measured_share": row["measured_share"]} for row in report["controls"]],
            "unresolved_mass": report["unresolved_mass"], "assumption": report["assumption"],
            "programs": report["programs"], "price_of_malice": report["price_of_malice"],
            "price_of_malice_bits": report["price_of_malice_bits"], "ways_to_know_when": report["ways_to_know_when"],
            "premises": report["premises"]}


def _span_text(shares) -> str:
    """The range of some shares as the headline says it: one value when they print alike."""
    low, high = share_text(min(shares)), share_text(max(shares))
    return low if low == high else f"{low}–{high}"


def share_text(x: float) -> str:
    """A share as the report writes it: 3 significant digits, or 1 − ε close to 1 (so that
    0.9999997 does not read as 1)."""
    return f"1 − {1 - x:.1g}" if 0.999 < x < 1 else f"{x:.3g}"


def _holder_text(shares: dict) -> str:
    """'CLASS holds X' for the largest measured class of a share dict."""
    top = max(shares, key=shares.get)
    return f"{top} programs hold {share_text(shares[top])}"


def headline(report: dict) -> str:
    """Sentences true of the full pool at the first and the second question (by measured class),
    then the premise under which the goal-directed programs hold the most, and the price of malice
    per horizon."""
    rows = {row["name"]: row for row in report["premises"]}
    targets = report["targets"]
    if not targets:
        return "No target was measured."
    first = [row["questions"][0]["class_shares"] for row in targets]
    holders = sorted({max(shares, key=shares.get) for shares in first})
    goal = [shares[GOAL_DIRECTED] for shares in first]
    text = (f"At the first question, in the full pool, the largest measured class is {' / '.join(holders)} on the "
            f"{len(targets)} targets (" + "; ".join(
                f"{row['name'].split(' in ')[-1]}: {_holder_text(shares)}, the true answer {row['true_answer']} "
                f"has probability {share_text(row['questions'][0]['p_honest'])}" for row, shares in zip(targets, first)) +
            f"); goal-directed programs hold {_span_text(goal)}.")
    later = [row["questions"][1]["class_shares"] for row in targets if len(row["questions"]) > 1]
    if later:
        later_holders = sorted({max(shares, key=shares.get) for shares in later})
        text += f" At the second question the largest class is {' / '.join(later_holders)}."
    others = [row for name, row in rows.items() if name != "full-pool"]
    if others:
        best = max(others, key=lambda row: row["consequentialist_share"])
        shares = [t["consequentialist_share"] for t in best["per_target"]]
        text += (f" Goal-directed programs hold the most under the premise \"{best['name']}\" ({best['excluded']}): "
                 f"{_span_text(shares)} of the posterior at the first question.")
    price = report.get("price_of_malice", {})
    if price.get("first answer") is not None or price.get("every question") is not None:
        parts = [f"{horizon}: {bits:+d} bits" for horizon, bits in price.items() if bits is not None]
        text += (" Price of malice (shortest goal-directed program − shortest honest program that finds the "
                 "civilisation and computes when, total bits), by horizon: " + ", ".join(parts) + ".")
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

    def _repr_html_(self) -> str:
        """The report as a notebook shows it: the headline, then the premise table (posterior by
        measured class at each target's first question, the honest answer's probability and its
        model-free interval), as report.md has it."""
        from html import escape

        classes = (HONEST_MEASURED, NOT_GOAL_DIRECTED, GOAL_DIRECTED, UNRESOLVED)
        header = "".join(f"<th>{escape(name)}</th>" for name in ("premise", "what changes", "target", *classes,
                                                                   "P(honest answer)", "model-free interval"))
        rows = []
        for row in self["premises"]:
            for index, target in enumerate(row["per_target"]):
                low, high = target["honest_bit_probability_bounds"]
                cells = [row["name"] if index == 0 else "", row["excluded"] if index == 0 else "",
                         f"{target['target'].split(' in ')[-1]} (answer {target['true_answer']})",
                         *(share_text(target["class_shares"][name]) for name in classes),
                         share_text(target["honest_bit_probability"]), f"[{low:.2g}, {high:.2g}]"]
                rows.append("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in cells) + "</tr>")
        world = self["world"]
        return (f"<div><p><b>Malign-prior demo, world seed {world['seed']}, depth {world['depth']}</b></p>"
                f"<p>{escape(self['headline'])}</p><table><thead><tr>{header}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table></div>")

    def __repr__(self) -> str:
        return f"<DemoReport seed {self['world']['seed']}, depth {self['world']['depth']}: {self['headline']}>"


def demo(machine="toy", seed: int = 2026, depth: int = 84, targets: int = 4, controls: int = 2, speed: float = 0.0,
         max_bits: int = 20, max_steps: int = 1000, store=None, workers: int = validate.DEFAULT_WORKERS,
         consequentialists=CONSEQUENTIALISTS, honest=HONEST_PROGRAMS, told=TOLD_PROGRAMS, extra_named=(),
         region_bits: int | None = None, physics: str = "mix", premises=PREMISES,
         owed_steps: bool = True, progress=True, add=(), found=None) -> DemoReport:
    """The malign-prior demonstration, computed: measure the world's targets and controls
    (:func:`measure`), add the premise table and the headline. Nothing is written.

    ``progress``, a ``progress(done, total)`` callback, is called as the work advances: the
    background enumeration's chunks (when it is not in the store), each target and control
    predicted, each target predicted under each premise; ``total`` is known once the
    enumeration starts and ``done`` reaches it at the end.

    ``add``: paths of world programs of your own put into the pool; each file's ``; data:`` header
    says what it reads (:func:`~toyinduction.malign.world.data_header`), the demo supplies that from
    the world for each target, and a program that does not write a target's stream up to its first
    question is refused with a one-line error naming the first bit where it departs. ``found``: the
    programs found by the pool search (None: the shipped ones for this world; () none).

    The values ``toyinduction demo`` takes as options are checked as it checks them, with the same
    messages (:mod:`toyinduction.validate`); ``progress=True`` (the default) draws a bar in a
    terminal or a notebook, ``False`` silences it."""
    seed, depth, targets, controls = (validate.SEED(seed), validate.DEPTH(depth), validate.TARGETS(targets),
                                      validate.CONTROLS(controls))
    speed, max_bits, max_steps = validate.SPEED(speed), validate.MIXTURE_MAX_BITS(max_bits), validate.MAX_STEPS(max_steps)
    workers = validate.WORKERS(workers)
    from toyinduction.engine.progress import reporter

    progress = reporter(progress, f"demo, world seed {seed}", "tasks")
    extra_named = (*extra_named, *check_added(add))
    tally = _Progress(progress, later=len(premises) * targets if premises else 0)
    report = measure(machine=machine, seed=seed, depth=depth, targets=targets, controls=controls, speed=speed,
                     max_bits=max_bits, max_steps=max_steps, store=store, workers=workers,
                     consequentialists=consequentialists, honest=honest, told=told, extra_named=extra_named,
                     region_bits=region_bits, physics=physics, owed_steps=owed_steps, progress=tally,
                     added=tuple(str(path) for path in add), found=found)
    start = time.perf_counter()
    report["premises"] = premise_rows(report, premises, store=store, workers=workers, progress=tally) if premises else [
        _premise_row("full-pool", "nothing: every program of the pool", report, report["internals"]["pool"],
                     report["internals"], None, None)]
    report["headline"] = headline(report)
    from toyinduction.malign.recompute import recompute_table

    report["internals"]["recompute"] = recompute_table(report)    # what the explorer's page recomputes from
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


def demo_parameters(seed=2026, depth=84, targets=4, controls=2, speed=0.0, max_bits=20, machine="toy",
                    added=()) -> dict:
    """What makes one demo run another's: the world, the counts of targets and controls, the
    prior's λ, the background's budget, the machine and the users' added programs (by name)."""
    return {"seed": seed, "depth": depth, "targets": targets, "controls": controls, "speed": float(speed),
            "max_bits": max_bits, "machine": machine, "added": sorted(Path(path).name for path in added)}


def run_parameters(report: dict) -> dict:
    """:func:`demo_parameters` of the run that made ``report``."""
    return demo_parameters(report["world"]["seed"], report["world"]["depth"], len(report["targets"]),
                           len(report["controls"]), report["speed_prior"], report["background"]["max_bits"],
                           report["language"], report.get("added", ()))


def check_out_dir(out_dir, parameters: dict, force: bool = False) -> None:
    """Refuse (one-line ValueError), before any work, to write into ``out_dir`` when it holds the
    report of another run (other :func:`demo_parameters`), unless ``force``; the report of the
    same run is replaced (it is that run, made again)."""
    path = Path(out_dir) / "report.json"
    if force or not path.is_file():
        return
    try:
        previous = run_parameters(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        previous = None
    if previous == parameters:
        return
    what = ("a report this version cannot read" if previous is None else
            "the report of another run (" + ", ".join(f"{key} {previous[key]}" for key in previous
                                                     if previous[key] != parameters.get(key)) + ")")
    raise ValueError(f"{out_dir} holds {what}: give another --out, or --force to replace it")


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

    written = []
    world = internals["world"]
    for kind, name, prediction, t_star in internals["predictions"]:
        slug = name.split(" (")[0].replace(" ", "_")
        region, path = next((r, p) for k, n, r, p in internals["sequences"] if n == name)
        decisions = world.decision_points(region, path, len(prediction.sequence)) if kind == "target" else ()
        written += plots.plot_posterior(prediction, out / f"{kind}_{slug}_posterior",
                                        f"Posterior mass by class on the stream of the {name}",
                                        decision_points=decisions)
    # the premise table per target on log-odds axes: shares differ by tens of orders of magnitude
    written += plots.plot_premises(report["premises"], out / "premises")
    return [str(path) for path in written]


def report_markdown(report: dict) -> str:
    """The report: headline, the premise table first (per target, by measured class), the ways to
    know when, the pool with each program's measured class, the ledger per question."""
    world = report["world"]
    cls = (HONEST_MEASURED, NOT_GOAL_DIRECTED, GOAL_DIRECTED, UNRESOLVED)
    lines = [f"# Malign-prior demo — world seed {world['seed']}, depth {world['depth']}", "", report["headline"], "",
             "## Premises", "",
             "Posterior by measured class at each target's first question (classes measured by intervention: "
             "honest, deviating but not goal-directed, goal-directed), and the honest answer's probability with "
             "its model-free interval.", "",
             "| premise | what changes | target | " + " | ".join(cls) + " | P(honest answer) | model-free interval |",
             "| --- | --- | --- | " + " | ".join("---" for _ in cls) + " | --- | --- |"]
    for row in report["premises"]:
        for index, target in enumerate(row["per_target"]):
            low, high = target["honest_bit_probability_bounds"]
            lines.append(f"| {row['name'] if index == 0 else ''} | {row['excluded'] if index == 0 else ''} | "
                         f"{target['target'].split(' in ')[-1]} (answer {target['true_answer']}) | "
                         + " | ".join(share_text(target["class_shares"][c]) for c in cls) +
                         f" | {share_text(target['honest_bit_probability'])} | [{low:.2g}, {high:.2g}] |")
    lines += ["", f"Estimates assume that {report['assumption']}. {report['why_the_interval_is_wide']}", "",
              "## Ways to know when", "",
              "The shortest honest program at the first question (total bits, code and data) that finds the "
              "civilisation itself, by how it knows when the question comes:", "",
              "| way | " + " | ".join(t["name"].split(" in ")[-1] for t in report["targets"]) + " |",
              "| --- | " + " | ".join("---" for _ in report["targets"]) + " |"]
    for row in report["ways_to_know_when"]:
        lines.append(f"| {row['way']} | " + " | ".join("—" if b is None else str(b) for b in row["shortest_honest_bits"])
                     + " |")
    clock = report.get("shared_clock")
    if clock:
        lines += ["", f"A shared clock (one frame for every civilisation, no data, no literal per target) is right "
                      f"at most for {clock['largest_share']:.4f} of first questions: the most common first frame "
                      f"(QUIET + {clock['at_frames_after_quiet']}) over {clock['civilisations']} civilisations of "
                      f"{CLOCK_WORLDS} worlds of this family; first questions come {clock['mean_frames_after_quiet']:.1f} "
                      f"frames after QUIET on average."]
    lines += ["", "## The pool", "",
              f"Every program of {report['language']} up to {report['background']['max_bits']} bits "
              f"({report['background']['programs']} programs) plus these world programs (every length is an upper "
              "bound on the shortest program with that behaviour). Class and how it knows when are measured at each "
              "target's first and second question; — where the program does not fit the stream there.", "",
              "| program | code bits | data bits | data | first question | second question |",
              "| --- | --- | --- | --- | --- | --- |"]
    for row in report["programs"]:
        cells = ["—" if at is None else f"{at['class']} ({at['when']} when)" for at in row["at_question"]]
        lines.append(f"| {row['name']} | {row['code_bits']} | {row['data_bits']} | {row['data']} | " + " | ".join(cells)
                     + " |")
    lines += ["", "## The ledger, full pool", "",
              "K of a class is −log2 Σ 2^-|p| over the programs of that class that fit the stream up to the "
              "question. Until the question every program that fits writes the same bits, so the predicted share "
              "2^-K_goal / Σ_class 2^-K_class is an identity of the construction; the measured share differs from "
              "it only by the other surviving mass.", "",
              "| target | question | at bit | true answer | K honest | K not goal-directed | K goal-directed | "
              "predicted goal-directed share | measured | holder | P(honest answer) | model-free interval |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in report["targets"]:
        for q in row["questions"]:
            k = [f"{q['K'][c]:.1f}" if c in q["K"] else "—" for c in (HONEST_MEASURED, NOT_GOAL_DIRECTED, GOAL_DIRECTED)]
            low, high = q["p_honest_bounds"]
            lines.append(f"| {row['name']} | {q['index'] + 1} | {q['answer_bit']} | {q['true_answer']} | "
                         + " | ".join(k) + f" | {share_text(q['predicted_share'])} | "
                         f"{share_text(q['class_shares'][GOAL_DIRECTED])} | {q['holder']['name']} ({q['holder']['bits']} "
                         f"bits, {q['holder']['class']}) | {share_text(q['p_honest'])} | [{low:.2g}, {high:.2g}] |")
    lines += ["", "| control | share of the programs that find a civilisation themselves |", "| --- | --- |"]
    lines += [f"| {row['name']} | {row['measured_share']:.3g} |" for row in report["controls"]]
    lines.append("")
    return "\n".join(lines)
