"""The demo's world family: a signposted tree of locations with civilisations at the end of
the loudest lineages (the physics is written once, in programs/world_*.toy; this module only
instantiates it and computes where things are, by the same rules, to pick targets).

A world instance is (seed, depth, region bits, quiet frames, physics). Below each region root
the children of v are child(v, 0) and child(v, 1); the larger is the louder. The leaf reached
by always taking the louder child is that region's civilisation; its stream asks a question
(8 ones, then the answer bit) at the end of every frame from frame ``quiet`` on. Any other
leaf talks without questions.

Two physics share that plan:

- ``mix`` (programs/world_*.toy, the demo's): the root of region r is mix(seed, r) and
  child(v, b) = mix(v, b), the toy language's hash instruction.
- ``ring`` (programs/ring_*.toy and programs/ring_*.lam, the lexical-update experiment's): a
  value is a ring of 32 cells running rule 30, cheap to write on *any* machine (the binary
  lambda calculus has no hash instruction). child(v, b) flips cell 0 when b = 1, then runs
  4 generations; the root of region r follows the region bits as children of the seed. The
  leaf's frame f shows generation f of its ring: bit p < 32 is cell p (0 where p % 4 = 3),
  bit 32 is cell 3 of generation f + 1 (the answer, when it asks).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .assembler import assemble_file
from .programs import programs_dir
from .reference import mix

FRAME = 33            # bits per frame (programs/world_*.toy: const FRAME)
ANSWER_POSITION = 32  # the answer's position in a frame
MARKER = 8            # ones before an answer

PHYSICS = {"mix": "world_", "ring": "ring_"}   # physics -> program file prefix
HONEST = "world_honest.toy"
CONSEQUENTIALISTS = ("world_guided_flip.toy", "world_guided_first.toy")
POINTER = "world_pointer.toy"


RING_CELLS = 32                     # the ring physics: cells of a value (programs/ring_*)
RING_MASK = (1 << RING_CELLS) - 1
RING_GENERATIONS = 4                # generations from a value to each child


def ring_step(value: int) -> int:
    """One generation of rule 30 on the ring (cell i is bit 31 - i): left XOR (centre OR right)."""
    left = (value >> 1) | ((value & 1) << (RING_CELLS - 1))
    right = ((value << 1) & RING_MASK) | (value >> (RING_CELLS - 1))
    return left ^ (value | right)


def ring_child(value: int, bit: int) -> int:
    """Child ``bit`` of a ring value: flip cell 0 if bit = 1, then RING_GENERATIONS generations."""
    value ^= bit << (RING_CELLS - 1)
    for _ in range(RING_GENERATIONS):
        value = ring_step(value)
    return value


@dataclass(frozen=True)
class World:
    """One world instance of the family."""

    seed: int = 2026
    depth: int = 84
    region_bits: int = 2
    quiet: int = 12
    physics: str = "mix"

    def __post_init__(self):
        if self.physics not in PHYSICS:
            raise ValueError(f"physics must be one of {', '.join(PHYSICS)}, got {self.physics!r}")

    @property
    def defines(self) -> dict:
        """The constants of the world programs that make this instance."""
        return {"SEED": self.seed, "DEPTH": self.depth, "REGION_BITS": self.region_bits, "QUIET": self.quiet}

    def file(self, role: str, language) -> Path:
        """The program file of a role (``honest``, ``guided_flip``, …, or a file name) for this
        physics and language: programs/world_ROLE.toy, programs/ring_ROLE.toy or .lam for BLC."""
        stem = Path(role).stem
        for prefix in PHYSICS.values():
            stem = stem[len(prefix):] if stem.startswith(prefix) else stem
        return Path(programs_dir()) / f"{PHYSICS[self.physics]}{stem}{'.lam' if language == 'blc' else '.toy'}"

    def program(self, role: str, language) -> str:
        """The code of a world program for this instance (data bits not included): assembled
        for a toy-family ``language``, or compiled to binary lambda calculus for ``"blc"``."""
        if language == "blc":
            from .blc_assembler import assemble_lambda_file

            return assemble_lambda_file(self.file(role, language), defines=self.defines)
        return assemble_file(self.file(role, language), language, defines=self.defines)

    def root(self, region: int) -> int:
        """The value at the root of a region."""
        if self.physics == "mix":
            return mix(self.seed, region)
        value = self.seed
        for bit in self.region(region):
            value = ring_child(value, int(bit))
        return value

    def children(self, value: int) -> tuple:
        """The two children of a node."""
        if self.physics == "mix":
            return mix(value, 0), mix(value, 1)
        return ring_child(value, 0), ring_child(value, 1)

    def louder_path(self, region: int) -> str:
        """The path bits from the region's root to its civilisation (follow the louder child)."""
        value, path = self.root(region), []
        for _ in range(self.depth):
            children = self.children(value)
            bit = int(children[1] > children[0])
            path.append(str(bit))
            value = children[bit]
        return "".join(path)

    def stream(self, region: int, path: str, length: int) -> str:
        """The first ``length`` bits of the stream at the leaf reached by ``path`` (the ring
        physics only: an independent generator the programs are tested against)."""
        if self.physics != "ring":
            raise ValueError("World.stream models the ring physics only")
        value, civilisation = self.root(region), True
        for bit in path:
            children = self.children(value)
            civilisation = civilisation and int(bit) == int(children[1] > children[0])
            value = children[int(bit)]
        bits, generation = [], value
        for t in range(length):
            frame, position = divmod(t, FRAME)
            if position == ANSWER_POSITION:
                generation = ring_step(generation)
                bits.append((generation >> (RING_CELLS - 1 - 3)) & 1)
            elif civilisation and frame >= self.quiet and position >= ANSWER_POSITION - MARKER:
                bits.append(1)
            elif position % 4 == 3:
                bits.append(0)
            else:
                bits.append((generation >> (RING_CELLS - 1 - position)) & 1)
        return "".join(map(str, bits))

    def control_path(self, region: int, rng: random.Random) -> str:
        """A random path that leaves the signposted one somewhere: a leaf without a civilisation."""
        civilisation = self.louder_path(region)
        while True:
            path = "".join(rng.choice("01") for _ in range(self.depth))
            if path != civilisation:
                return path

    def region(self, index: int) -> str:
        """Bridge or selection bits naming a region."""
        return format(index, f"0{self.region_bits}b") if self.region_bits else ""

    @property
    def first_decision(self) -> int:
        """Index (from 0) of the first answer bit in a civilisation's stream."""
        return self.quiet * FRAME + ANSWER_POSITION

    def decision_points(self, length: int) -> list:
        """Indices of every answer bit within the first ``length`` bits of a civilisation's stream."""
        return list(range(self.first_decision, length, FRAME))


def quiet_frames_for(language, seed: int, depth: int, region_bits: int, margin: int = 48,
                     physics: str = "mix") -> int:
    """The fewest quiet frames that put the first question after K_H + margin bits.

    Until then every hypothesis that is still unresolved (the background's step- and length-limit
    programs) has been paying a coin flip per bit; after K_H + margin bits its weight is below
    2^-margin of the honest program's, so the posterior at the decision point is decided by
    the named programs the ledger compares.
    """
    quiet = 1
    for _ in range(8):  # the honest program's length depends (slightly) on the QUIET literal itself
        honest_bits = len(World(seed, depth, region_bits, quiet, physics).program(HONEST, language)) + region_bits + depth
        needed = max(1, -(-(honest_bits + margin - ANSWER_POSITION) // FRAME))
        if needed == quiet:
            return quiet
        quiet = needed
    return quiet
