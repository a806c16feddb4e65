"""Golfing the demo's programs: the superoptimizer (machines/toy/golf.py) given the world's
specification.

A world program is golfed on what the demo asks of it: its own output, up to the demo's stream
length, on every target and control it can describe (the data bits ``World.data`` gives its role:
region and path bits, a flag, a leaf's state, or a searcher's selection bits), in the demo's
world (seed 2026, depth 84, the demo's QUIET) and in one smaller world with other constants and a
stream ten frames past its first question (so that a named constant cannot be confused with a
literal of the same value, nor a frame test with one that holds only up to 2·QUIET), and two
tiny worlds of other seeds (so that a trick that holds for one seed's numbers is refuted), one of
them also as a stream of 300 frames (so that a stack that grows by the frame overflows). Every
world has controls, and near misses beside its civilisations (a path one or two bits off). Held back, and checked
only after the search: the demo's held-out seeds, the worlds the tests use, shallower and deeper
trees, more regions, and a stream of 300 frames (longer than the stack is deep). Other programs are golfed on their first N output bits (their own data
appended, if the file ends with ``bits``), with 4N bits held back.
"""

from __future__ import annotations

import random
from pathlib import Path

from toyinduction.machines import is_toy_variant, machine as machine_named
from toyinduction.machines.shipped import program_files
from toyinduction.machines.toy.golf import ENGINES, Case, GolfResult, golf, template_from_file
from toyinduction.malign.world import FRAME, PHYSICS, World, quiet_frames_for

#: The demo's world (the primary instance of every world program's specification).
DEMO_SEED, DEMO_DEPTH, DEMO_REGION_BITS = 2026, 84, 2
#: Search depth of the specification where the demo's depth cannot be searched or is slow.
SPEC_DEPTH = {"brute": 8, "ring": 24}
#: Controls per world (leaves without a civilisation), as in the demo.
CONTROLS = 2
#: Frames of the long held-back stream (the stack holds 256 values: more frames than that).
LONG_FRAMES = 300
#: Seeds of the tiny worlds every specification also holds (depth 5, two regions).
TINY_SEEDS = (11, 13)


def world_role(path, role: str | None = None):
    """(physics, role) of a world program file, or None for any other program. The role comes
    from the file name (world_honest_flag.toy -> honest_flag) unless given; a world-looking name
    whose role no shipped program has needs ``role``."""
    stem = Path(str(path)).stem
    physics = next((name for name, prefix in PHYSICS.items() if stem.startswith(prefix)), None)
    if physics is None and role is None:
        return None
    known = {World.role(f.name) for f in program_files() if f.stem.startswith(tuple(PHYSICS.values()))}
    chosen = role if role is not None else World.role(stem)
    if chosen not in known:
        raise ValueError(f"{Path(str(path)).name}: no world program plays the role {chosen!r} "
                         f"(name its role, one of {', '.join(sorted(known))})")
    return physics or "mix", chosen


def _quiet(machine, seed, depth, region_bits, physics) -> int:
    """The demo's QUIET for a world (its honest reader's length decides it)."""
    return quiet_frames_for(machine, seed, depth, region_bits, physics=physics)


def _stream_length(world: World) -> int:
    """The demo's stream length for a world, plus one (the bits its pool runs every program to)."""
    return max(world.first_decision(r) for r in range(2 ** world.region_bits)) + 2 * FRAME + 2


def near_misses(world: World, region: int) -> list:
    """Plain leaves next to a civilisation: its path with the last bit flipped, with a middle bit
    flipped, and with two bits flipped the opposite ways (a 1 to 0 and a 0 to 1), so that a
    reader that counts its departures from the signposts instead of noticing any is caught."""
    path = world.louder_path(region)
    flip = lambda bits, at: bits[:at] + ("1" if bits[at] == "0" else "0") + bits[at + 1:]
    found = [("near miss: last bit flipped", flip(path, len(path) - 1))]
    if len(path) > 2:
        found.append(("near miss: middle bit flipped", flip(path, len(path) // 2)))
    ones, zeros = [i for i, b in enumerate(path) if b == "1"], [i for i, b in enumerate(path) if b == "0"]
    if ones and zeros:
        found.append(("near miss: a 1 and a 0 flipped", flip(flip(path, ones[len(ones) // 2]), zeros[len(zeros) // 2])))
    return found


def world_cases(role: str, world: World, label: str, *, near=None, controls: int = CONTROLS,
                output_bits: int | None = None) -> list:
    """Cases of a world for a role: every target region, ``controls`` plain leaves at random and
    the near misses of every target (or of the regions ``near``), each with the data the role reads there
    (skipped where it describes nothing)."""
    rng = random.Random(world.seed)
    places = [(f"region {r} civilisation", r, world.louder_path(r)) for r in range(2 ** world.region_bits)]
    places += [(f"region {i % 2 ** world.region_bits} control {i}", i % 2 ** world.region_bits,
                world.control_path(i % 2 ** world.region_bits, rng)) for i in range(controls)]
    places += [(f"region {r} {name}", r, path) for r in (range(2 ** world.region_bits) if near is None else near)
               for name, path in near_misses(world, r)]
    bits = output_bits or _stream_length(world)
    defines = tuple(sorted(world.defines.items()))
    cases = []
    for name, region, path in places:
        data = world.data(role, region, path)
        if data is not None:
            cases.append(Case(f"{label}: {name}", data, defines, bits))
    return cases


def world_specification(physics: str, role: str, machine, depth: int | None = None, seed: int | None = None) -> list:
    """The specification of a world program: the demo's world (or the given seed and depth) and
    a smaller world with other constants."""
    kind = "brute" if role.startswith("brute") else physics if physics == "ring" else None
    depth = depth if depth is not None else SPEC_DEPTH.get(kind, DEMO_DEPTH)
    seed = DEMO_SEED if seed is None else seed
    primary = World(seed, depth, DEMO_REGION_BITS, _quiet(machine, seed, depth, DEMO_REGION_BITS, physics), physics)
    small = World(7, max(3, min(depth, 23) - 3), 3, 3, physics)
    long = max(small.first_decision(r) for r in range(8)) + 10 * FRAME   # frames far past QUIET
    cases = (world_cases(role, primary, f"seed {seed}, depth {depth}, quiet {primary.quiet}")
             + world_cases(role, small, f"seed 7, depth {small.depth}, 8 regions, quiet 3", near=(0, 5),
                           controls=1, output_bits=long))
    for other in TINY_SEEDS:                       # more seeds: a trick that holds for one seed's numbers fails
        tiny = World(other, 5, 1, 2, physics)
        cases += world_cases(role, tiny, f"seed {other}, depth 5, 2 regions, quiet 2", near=(0,), controls=1,
                             output_bits=max(tiny.first_decision(r) for r in range(2)) + 6 * FRAME)
    tiny = World(TINY_SEEDS[0], 5, 1, 2, physics)   # and one long stream: no stack that grows by the frame
    cases += [case for case in world_cases(role, tiny, f"seed {tiny.seed}, depth 5, {LONG_FRAMES} frames", near=(),
                                           controls=0, output_bits=LONG_FRAMES * FRAME) if "region 0" in case.label]
    return cases


def held_back_cases(physics: str, role: str, machine) -> list:
    """Inputs the search never sees: other seeds, depths, region counts and QUIET values, and one
    long stream of LONG_FRAMES frames."""
    worlds = []
    if role.startswith("brute"):
        for depth in (4, 6, 10):
            worlds.append((World(2026, depth, 2, _quiet(machine, 2026, depth, 2, physics), physics), None))
        worlds += [(World(5, 6, 2, 4, physics), 12), (World(31337, 6, 3, 3, physics), None)]
    elif physics == "ring":
        worlds += [(World(31337, 12, 2, 3, physics), None), (World(4, 16, 2, 2, physics), None),
                   (World(2026, 84, 2, _quiet(machine, 2026, 84, 2, physics), physics), None),
                   (World(2026, 84, 1, _quiet(machine, 2026, 84, 1, physics), physics), None),
                   (World(1, 40, 1, _quiet(machine, 1, 40, 1, physics), physics), None)]
    else:
        for seed in (1, 987654321):
            worlds.append((World(seed, 84, 2, _quiet(machine, seed, 84, 2, physics), physics), None))
        worlds += [(World(31337, 12, 2, 3, physics), None), (World(5, 30, 2, 4, physics), 12),
                   (World(31337, 50, 3, 3, physics), None)]
        for depth in (8, 120, 240):
            worlds.append((World(2026, depth, 2, _quiet(machine, 2026, depth, 2, physics), physics), None))
    cases = []
    for world, frames in worlds:
        bits = world.earliest_decision + frames * FRAME if frames else None
        label = f"seed {world.seed}, depth {world.depth}, {2 ** world.region_bits} regions, quiet {world.quiet}"
        cases += world_cases(role, world, label, output_bits=bits)
    # a long stream (LONG_FRAMES frames): a program whose stack grows by a value per frame, or that is
    # right only for the first 2·QUIET frames, fails here
    world = worlds[0][0]
    bits = LONG_FRAMES * FRAME
    label = f"seed {world.seed}, depth {world.depth}, {LONG_FRAMES} frames"
    cases += [case for case in world_cases(role, world, label, controls=1, near=(), output_bits=bits)
              if "region 0" in case.label]
    return cases


def golf_file(path, *, machine="toy", engines=ENGINES, proposals: int | None = 20_000,
              seconds: float | None = None, seed: int = 0, output_bits: int = 256, role: str | None = None,
              depth: int | None = None, world_seed: int | None = None, slowdown: float = 2.0,
              max_window: int = 4, max_bits: int = 24, progress=None) -> GolfResult:
    """Golf one ``.toy`` file (see the module docstring for its specification and held-back
    inputs). A world program (world_*.toy, ring_*.toy, or any file with ``role``) is checked on its
    world; any other on ``output_bits`` output bits. Returns the :class:`GolfResult`."""
    chosen = machine_named(machine)
    if not is_toy_variant(chosen):
        raise ValueError(f"the golfer works on toy programs; {chosen.name} is not a toy variant")
    if not 1 <= output_bits <= 1 << 14:
        raise ValueError(f"output_bits must be in 1..16384, got {output_bits}")
    if depth is not None and not 1 <= depth <= 240:
        raise ValueError(f"depth must be in 1..240, got {depth}")
    template = template_from_file(path, chosen.language)
    found = world_role(path, role)
    if found is not None:
        physics, role = found
        missing = {"SEED", "DEPTH", "REGION_BITS", "QUIET"} - set(template.constants)
        if missing:
            raise ValueError(f"{path}: a world program needs the constants {', '.join(sorted(missing))}")
        cases = world_specification(physics, role, chosen, depth, world_seed)
        held_back = held_back_cases(physics, role, chosen)
    else:
        cases = [Case(f"first {output_bits} output bits", template.data, (), output_bits)]
        held_back = [Case(f"first {4 * output_bits} output bits", template.data, (), 4 * output_bits)]
    return golf(template, cases, held_back=held_back, engines=engines, proposals=proposals, seconds=seconds,
                seed=seed, slowdown=slowdown, max_window=max_window, max_bits=max_bits, progress=progress)
