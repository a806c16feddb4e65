"""The demo's world family: a signposted tree of locations with civilisations at the end of
the loudest lineages (the physics is written once, in programs/world_*.toy; this module only
instantiates it and computes where things are, by the same rules, to pick targets).

A world instance is (seed, depth, region bits, quiet frames). Below each region root
mix(seed, region) the children of v are mix(v, 0) and mix(v, 1); the larger is the louder.
The leaf reached by always taking the louder child is that region's civilisation; its stream
asks a question (8 ones, then the answer bit) at the end of every frame from frame ``quiet``
on. Any other leaf talks without questions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from .assembler import assemble_file
from .language import Language
from .programs import programs_dir
from .reference import mix

FRAME = 33            # bits per frame (programs/world_*.toy: const FRAME)
ANSWER_POSITION = 32  # the answer's position in a frame
MARKER = 8            # ones before an answer

HONEST = "world_honest.toy"
CONSEQUENTIALISTS = ("world_guided_flip.toy", "world_guided_first.toy")
POINTER = "world_pointer.toy"


@dataclass(frozen=True)
class World:
    """One world instance of the family."""

    seed: int = 2026
    depth: int = 84
    region_bits: int = 2
    quiet: int = 12

    @property
    def defines(self) -> dict:
        """The constants of programs/world_*.toy that make this instance."""
        return {"SEED": self.seed, "DEPTH": self.depth, "REGION_BITS": self.region_bits, "QUIET": self.quiet}

    def program(self, name: str, language: Language) -> str:
        """The code of programs/NAME for this world (data bits not included)."""
        return assemble_file(Path(programs_dir()) / name, language, defines=self.defines)

    def louder_path(self, region: int) -> str:
        """The path bits from the region's root to its civilisation (follow the louder child)."""
        value, path = mix(self.seed, region), []
        for _ in range(self.depth):
            children = (mix(value, 0), mix(value, 1))
            bit = int(children[1] > children[0])
            path.append(str(bit))
            value = children[bit]
        return "".join(path)

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


def quiet_frames_for(language: Language, seed: int, depth: int, region_bits: int, margin: int = 48) -> int:
    """The fewest quiet frames that put the first question after K_H + margin bits.

    Until then every hypothesis that is still unresolved (the background's step- and length-limit
    programs) has been paying a coin flip per bit; after K_H + margin bits its weight is below
    2^-margin of the honest program's, so the posterior at the decision point is decided by
    the named programs the ledger compares.
    """
    quiet = 1
    for _ in range(8):  # the honest program's length depends (slightly) on the QUIET literal itself
        honest_bits = len(World(seed, depth, region_bits, quiet).program(HONEST, language)) + region_bits + depth
        needed = max(1, -(-(honest_bits + margin - ANSWER_POSITION) // FRAME))
        if needed == quiet:
            return quiet
        quiet = needed
    return quiet
