"""The demo's pool grown by search, not only by its authors.

For each target of a world, the posterior search (:mod:`toyinduction.sources.search`) starts from
every world program that can describe the target's civilisation (its data from the world, its
per-target literals set) and, with the same budget, from programs drawn from the prior. It
proposes edits to code and to data and keeps every program that writes the civilisation's
stream up to its first question bit for bit and is shorter in total bits (code + data) than its
start. Each program found is then measured like any other (classes by intervention:
:mod:`toyinduction.malign.intervention`); those shorter than the best pool program of their
measured class at that target join the pool: :func:`grow_pool` returns them, :func:`save_found`
keeps them in a file keyed by the world and the language, and the demo loads that file when it
runs the same world (:func:`load_found`).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from toyinduction.machines import machine as machine_named
from toyinduction.machines.shipped import programs_dir
from toyinduction.malign.intervention import measure, question
from toyinduction.malign.world import World

#: Step budget of a search's run, per observed bit (world programs take 10-30 steps a bit).
STEPS_PER_BIT = 50
#: The found programs of the demo's default world, shipped with the programs.
FOUND_FILE = "found_pool.json"


def world_key(world: World, machine) -> dict:
    """What a found program depends on: the world instance and the language's spec hash."""
    return {"seed": world.seed, "depth": world.depth, "region_bits": world.region_bits, "quiet": world.quiet,
            "ask_bits": world.ask_bits, "physics": world.physics, "spec_hash": machine_named(machine).spec_hash}


def world_files(world: World, machine) -> list:
    """Every shipped world program of this world's physics and the machine's source language."""
    chosen = machine_named(machine)
    prefix = {"mix": "world_", "ring": "ring_"}[world.physics]
    return sorted(path.name for path in Path(programs_dir()).glob(f"{prefix}*{chosen.source_suffix}")
                  if "brute" not in path.name)


def world_starts(world: World, region: int, machine, files=None) -> list:
    """Search starts: every world program that can describe the civilisation of ``region``, as a
    template with the world's constants (and its per-target literals) and its data bits."""
    from toyinduction.sources.search import Start
    from toyinduction.machines.toy.golf import template_from_file

    chosen = machine_named(machine)
    path = world.louder_path(region)
    starts = []
    for file in files if files is not None else world_files(world, chosen):
        data = world.data(file, region, path, machine=chosen)
        if data is None:
            continue
        template = template_from_file(world.file(file, chosen), chosen.language)
        starts.append(Start(Path(file).name, template, data,
                            {**world.defines, **world.literals(file, region, chosen)}))
    return starts


def grow_pool(world: World, machine="toy", regions=None, proposals_per_start: int = 20_000, prior_starts: int = 8,
              seed: int = 0, workers: int = 1, keep_per_class: int = 3, max_measured: int = 60, files=None,
              progress=None) -> dict:
    """Search for programs shorter than the pool's, target by target (module docstring). Returns
    a JSON-ready document: the world key, every program kept (region, class, how it knows when,
    total bits, bits, the start it came from), and per region the search's counts and the best
    pool program of each class. Of the programs found, the ``max_measured`` shortest distinct ones
    below the longest class best are measured (their class decides whether they are kept, at most
    ``keep_per_class`` a class). ``files``: the world programs to start from (default: every
    shipped one). ``progress(done, total)`` hears of each region searched."""
    from toyinduction.sources.search import posterior_search

    chosen = machine_named(machine)
    regions = list(range(2 ** world.region_bits)) if regions is None else list(regions)
    began = time.perf_counter()
    kept, per_region, proposals = [], [], 0
    for number, region in enumerate(regions):
        path = world.louder_path(region)
        q = question(world, region, 0)
        observed = world.stream(region, path, q.answer_bit)
        chosen_files = list(files) if files is not None else world_files(world, chosen)
        starts = world_starts(world, region, chosen, chosen_files)
        paths = {Path(file).name: file for file in chosen_files}
        best = {}
        for start in starts:       # the pool's own best of each class at this target
            bits = world.program(paths[start.name], chosen, region=region) + start.data
            found = measure(chosen.language, bits, world, q)
            if found["fits"] and len(bits) < best.get(found["class"], (10 ** 9, ""))[0]:
                best[found["class"]] = len(bits), start.name
        result = posterior_search(chosen, starts, observed, proposals_per_start=proposals_per_start,
                                  prior_starts=prior_starts, seed=seed + region, workers=workers,
                                  max_steps=STEPS_PER_BIT * len(observed) + 100_000)
        proposals += result.proposals
        by_class, seen = {}, set()
        ceiling = max((bits for bits, _ in best.values()), default=0)
        candidates = [found for found in result.found if found.total_bits < ceiling]    # shortest first
        for found in candidates[:max_measured]:
            bits = found.code_bits + found.data_bits
            if bits in seen:
                continue
            seen.add(bits)
            measured = measure(chosen.language, bits, world, q)
            if not measured["fits"]:
                continue
            name = measured["class"]
            if found.total_bits >= best.get(name, (10 ** 9, ""))[0] or len(by_class.get(name, [])) >= keep_per_class:
                continue
            by_class.setdefault(name, []).append({
                "region": region, "class": name, "when": measured["when"], "total_bits": found.total_bits,
                "code_bits": len(found.code_bits), "data_bits": len(found.data_bits), "bits": bits,
                "start": found.start, "start_bits": found.start_bits, "code": found.code_text})
        for rows in by_class.values():
            kept += rows
        per_region.append({"region": region, "observed_bits": len(observed), "starts": len(starts),
                           "prior_starts": prior_starts, "proposals": result.proposals,
                           "seconds": result.seconds, "found": len(result.found),
                           "kept": sum(len(rows) for rows in by_class.values()),
                           "best_pool_program": {name: {"total_bits": bits, "file": file}
                                                 for name, (bits, file) in best.items()}})
        if progress is not None:
            progress(number + 1, len(regions))
    seconds = time.perf_counter() - began
    return {"world": world_key(world, chosen), "proposals_per_start": proposals_per_start,
            "prior_starts": prior_starts, "seed": seed, "proposals": proposals, "seconds": seconds,
            "proposals_per_second": proposals / seconds if seconds > 0 else 0.0, "regions": per_region,
            "found": kept}


def save_found(document: dict, path) -> Path:
    """Write a :func:`grow_pool` document (atomically: a temporary file, then a rename)."""
    path = Path(path)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(json.dumps(document, indent=1))
    temporary.replace(path)
    return path


def load_found(world: World, machine, path=None) -> list:
    """The found programs of ``path`` (default: the shipped file) if it was made for this world and
    language, else none."""
    path = Path(path) if path is not None else Path(programs_dir()) / FOUND_FILE
    if not path.is_file():
        return []
    document = json.loads(path.read_text())
    if document.get("world") != world_key(world, machine):
        return []
    return list(document.get("found", []))
