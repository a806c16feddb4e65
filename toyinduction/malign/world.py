"""The demo's world family: a signposted tree of locations with civilisations at the end of
the loudest lineages. The physics is written as programs (programs/world_*.toy, ring_*.toy,
ring_*.lam); this module is an independent Python model of the same rules, used to pick
targets, to know where the decision points are, and to test the programs against.

A world instance is (seed, depth, region bits, quiet frames, physics). A node's *state* is a
tuple of machine words (``mix``: WORDS words of 62 bits) or rings (``ring``: RINGS rings of 32
cells), wider than any bridge the demo uses by at least 64 bits, so that no honest program can
name a leaf more cheaply by writing its state out literally than by reading its path
(``World.state_bits``; the demo refuses a depth that breaks this).

Below each region root the children of a state are child(state, 0) and child(state, 1); the
*louder* child is the one whose first word (or ring) is larger. The leaf reached by always
taking the louder child is that region's civilisation. Every leaf emits a stream of FRAME-bit
frames of talk (every 4th bit 0, so never 8 ones in a row). A civilisation asks a question in
frame f when f >= quiet and its state says so (``asks``: ASK_BITS hash bits of its state and f are
all 0, a chance of 2^-ASK_BITS per frame, so question times cannot be read off a clock or a
constant: no frame holds more than about 2^-ASK_BITS of first questions, see ``clock_shares``): bits 24..31 of that frame are the
marker (8 ones) and bit 32, the answer, is the talk bit that would stand there anyway. A
decision point is the index of an answer bit. Other leaves never ask: they are the controls.

Two physics share that plan:

- ``mix`` (programs/world_*.toy, the demo's): the root of region r has words
  mix(mix(SEED, r), i); child(state, b) replaces every word w by mix(w, b); talk bit t is
  bit 0 of mix(w_(t mod WORDS), t); frame f asks when the low ASK_BITS bits of mix(f, w_0) are
  all 0 (the arguments swapped, so question times are not talk bits).
- ``ring`` (programs/ring_*.toy and ring_*.lam, the lexical-update experiment's; cheap to write
  on any machine, since the binary lambda calculus has no hash instruction): a ring is 32 cells
  running rule 30 (cell 0 = the most significant bit). The seed state is SEED, child(SEED, 1),
  child(child(SEED, 1), 1), … (one ring each); child(state, b) flips cell 0 of every ring when
  b = 1 and runs 4 generations; a region's root follows the region bits as children of the seed
  state. Frame f of a leaf shows ring j = f mod RINGS at generation f: bit p < 32 is its cell p,
  bit 32 is cell 3 of its generation f + 1; frame f asks when cell 1 of ring 0 at generation f is 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path

from toyinduction.machines import machine as machine_named
from toyinduction.machines.shipped import programs_dir
from toyinduction.machines.toy.reference import mix, mix_input

FRAME = 33            # bits per frame (the world programs' const FRAME)
ANSWER_POSITION = 32  # the answer's position in a frame
MARKER = 8            # ones before an answer

PHYSICS = {"mix": "world_", "ring": "ring_"}   # physics -> program file prefix
HONEST = "world_honest.toy"          # the bridge reader that checks the signposts itself
POINTER = "world_pointer.toy"
#: the honest programs of the default pool (each where its file exists for the physics/machine)
POINTERS = (POINTER, "world_pointer_first.toy")   # honest programs that reuse the consequentialists' search
HONEST_PROGRAMS = ("world_honest.toy", "world_honest_flag.toy", "world_honest_civ.toy", "world_leaf_literal.toy",
                   *POINTERS, "world_flat_honest.toy", "world_slow_honest.toy", "world_slow_honest_unquiet.toy",
                   "world_slow_honest_mask283.toy", "world_slow_honest_mask1055.toy", "world_fast_honest.toy",
                   "world_fast_honest_mask283.toy", "world_fast_honest_mask1055.toy")
#: programs told *when* the civilisation asks (a frame as data, a per-target literal, a flag per frame, every
#: question's frame), honest and deviating: the ways to know when without computing it
TOLD_PROGRAMS = ("world_told_first.toy", "world_told_ones.toy", "world_literal_first.toy", "world_literal_ones.toy",
                 "world_told_flags.toy", "world_told_frames.toy", "world_flat_told.toy", "world_flat_clock.toy",
                 "world_slow_told.toy", "world_slow_clock.toy", "world_fast_told.toy", "world_fast_clock.toy",
                 "world_fast_clock_zero.toy")
#: the consequentialists of the default pool (brute force is for small depths: experiments only)
CONSEQUENTIALISTS = ("world_guided_flip.toy", "world_guided_first.toy", "world_guided_one.toy",
                     "world_guided_zero.toy", "world_guided_ones.toy", "world_flat_one.toy",
                     "world_slow_one.toy", "world_slow_one_unquiet.toy", "world_slow_one_mask283.toy",
                     "world_slow_one_mask1055.toy", "world_fast_one.toy", "world_fast_one_mask1055.toy")
#: data items that tell a program *when* its civilisation asks (it fits civilisations only)
TIME_ITEMS = ("frame", "frames", "flags", "literal", "literal-bit", "literal-before-bit")
#: data items that are per-target constants of the code, not data bits
LITERAL_ITEMS = ("literal", "literal-region", "literal-bit", "literal-before-bit")
#: what each role reads after its code: "path" (region + path), "flag" (region + path + a
#: civilisation flag bit), "civilisation" (region + path; it fits civilisations only), "leaf" (the
#: leaf's whole state, then the flag), "selection" (region bits only: searchers)
ROLE_DATA = {"honest": "path", "honest_flag": "flag", "honest_civ": "civilisation", "leaf_literal": "leaf"}

ASK_BITS = 5                        # the mix physics: a frame asks with chance 2^-ASK_BITS
WORD_BITS = 62                      # the mix physics: a state is WORDS words of 62 bits
WORDS = 5
RING_CELLS = 32                     # the ring physics: a state is RINGS rings of 32 cells
RING_MASK = (1 << RING_CELLS) - 1
RING_GENERATIONS = 4                # generations from a ring to its child
RINGS = 32
INCOMPRESSIBLE_MARGIN = 64          # state bits - bridge bits, at least


def ring_step(value: int) -> int:
    """One generation of rule 30 on the ring (cell i is bit 31 - i): left XOR (centre OR right)."""
    left = (value >> 1) | ((value & 1) << (RING_CELLS - 1))
    right = ((value << 1) & RING_MASK) | (value >> (RING_CELLS - 1))
    return left ^ (value | right)


def ring_child(value: int, bit: int) -> int:
    """Child ``bit`` of a ring: flip cell 0 if bit = 1, then RING_GENERATIONS generations."""
    value ^= bit << (RING_CELLS - 1)
    for _ in range(RING_GENERATIONS):
        value = ring_step(value)
    return value


def ring_cell(value: int, cell: int) -> int:
    """Cell ``cell`` of a ring (cell 0 is the most significant bit)."""
    return (value >> (RING_CELLS - 1 - cell)) & 1


@dataclass(frozen=True)
class World:
    """One world instance of the family."""

    seed: int = 2026
    depth: int = 84
    region_bits: int = 2
    quiet: int = 12
    physics: str = "mix"
    ask_bits: int = ASK_BITS
    overrides: tuple = ()     # ((a, b), value) pairs: interventions on the physics (``intervened``)

    def __post_init__(self):
        if self.physics not in PHYSICS:
            raise ValueError(f"physics must be one of {', '.join(PHYSICS)}, got {self.physics!r}")
        if not 0 <= self.ask_bits <= 16:
            raise ValueError(f"ask_bits must be in 0..16, got {self.ask_bits}")

    @property
    def defines(self) -> dict:
        """The constants of the world programs that make this instance."""
        defines = {"SEED": self.seed, "DEPTH": self.depth, "REGION_BITS": self.region_bits, "QUIET": self.quiet}
        if self.physics == "mix":
            defines["ASK_MASK"] = (1 << self.ask_bits) - 1
        return defines

    @property
    def state_bits(self) -> int:
        """Bits in a node's state: what a literal description of a leaf must carry."""
        return WORDS * WORD_BITS if self.physics == "mix" else RINGS * RING_CELLS

    def file(self, role: str, machine) -> Path:
        """The program file of a role (``honest``, ``guided_flip``, …, a shipped file name, or the
        path of a user's file) for this physics and machine: programs/world_ROLE.toy,
        programs/ring_ROLE.toy, or the machine's own source suffix (ring_ROLE.lam for binary
        lambda calculus)."""
        if Path(role).suffix and Path(role).is_file():
            return Path(role)
        suffix = machine_named(machine).source_suffix
        return Path(programs_dir()) / f"{PHYSICS[self.physics]}{self.role(role)}{suffix}"

    @staticmethod
    def role(file: str) -> str:
        """The role of a program file: world_honest_flag.toy -> honest_flag."""
        stem = Path(file).stem
        for prefix in PHYSICS.values():
            stem = stem[len(prefix):] if stem.startswith(prefix) else stem
        return stem

    def has(self, role: str, machine) -> bool:
        """Whether a program for this role exists for this physics and machine."""
        return self.file(role, machine).exists()

    def data_items(self, role: str, machine="toy") -> tuple:
        """What a world program reads after its code, in read order: its ``; data:`` header
        (:func:`data_header`), or for a ring program without one the layout of its role."""
        path = self.file(role, machine)
        items = data_header(path) if path.exists() else None
        if items is None:
            kind = ROLE_DATA.get(self.role(role), "selection")
            items = {"path": ("region", "path"), "flag": ("region", "path", "flag"),
                     "civilisation": ("region", "path", "civilisations-only"), "leaf": ("state", "flag"),
                     "selection": ("region",)}[kind]
        return items

    def data(self, role: str, region: int, path: str, questions: int = 1, machine="toy") -> str | None:
        """The bits a role's program reads after its code to report the leaf at ``path`` of a
        region (None if the program cannot describe that leaf: a searcher, or a program told when
        its civilisation asks, on a plain leaf; a frame that does not fit its field). Data that
        grows with the stream (``flags``, ``frames``) covers the first ``questions`` questions."""
        leaf, civilisation = self.leaf(region, path)
        items = self.data_items(role, machine)
        finds = not any(item in ("path", "state") for item in items)   # a searcher: civilisations only
        if not civilisation and (finds or "civilisations-only" in items
                                 or any(item.split(":")[0] in TIME_ITEMS for item in items)):
            return None
        frames = self.question_frames(region, questions) if civilisation else []
        bits = []
        for item in items:
            name, _, width = item.partition(":")
            if name == "region":
                bits.append(self.region(region))
            elif name == "path":
                bits.append(path)
            elif name == "flag":
                bits.append(str(int(civilisation)))
            elif name == "state":
                size = WORD_BITS if self.physics == "mix" else RING_CELLS
                bits.append("".join(format(part, f"0{size}b") for part in leaf))
            elif name in ("frame", "frames"):
                chosen = frames[:1] if name == "frame" else frames
                if any(frame >= 1 << int(width) for frame in chosen):
                    return None
                bits += [format(frame, f"0{int(width)}b") for frame in chosen]
            elif name == "flags":
                bits.append("".join("1" if frame in frames else "0" for frame in range(frames[-1] + 1)))
        return "".join(bits)

    def literals(self, role: str, region: int, machine="toy") -> dict:
        """The per-target literals a program's code carries (``literal:NAME`` items): NAME -> the
        frame of the first question of the region's civilisation."""
        values = {"literal": lambda: self.question_frames(region, 1)[0], "literal-region": lambda: region,
                  "literal-bit": lambda: self.question_frames(region, 1)[0] * FRAME + ANSWER_POSITION - MARKER,
                  "literal-before-bit": lambda: self.question_frames(region, 1)[0] * FRAME + ANSWER_POSITION - MARKER - 1}
        return {item.split(":", 1)[1]: values[item.split(":", 1)[0]]() for item in self.data_items(role, machine)
                if item.split(":", 1)[0] in values}

    def program(self, role: str, machine, region: int | None = None) -> str:
        """The code of a world program for this instance (data bits not included), assembled
        for ``machine`` (a Machine or its name) with this world's constants, and for a program
        with per-target literals those of ``region``."""
        defines = dict(self.defines)
        if region is not None:
            defines.update(self.literals(role, region, machine))
        return machine_named(machine).assemble_file(self.file(role, machine), defines=defines)

    def question_frames(self, region: int, count: int) -> list:
        """The frames of the first ``count`` questions of a region's civilisation."""
        leaf, _ = self.leaf(region, self.louder_path(region))
        frames, frame = [], self.quiet
        while len(frames) < count:
            if self.asks(leaf, frame):
                frames.append(frame)
            frame += 1
        return frames

    def intervened(self, overrides: dict) -> "World":
        """This world with its physics changed at a few points: ``overrides`` maps (a, b) to the
        value mix(a, b) takes instead (see :mod:`toyinduction.malign.intervention`)."""
        return replace(self, overrides=tuple(sorted({**dict(self.overrides), **overrides}.items())))

    def mix(self, a: int, b: int) -> int:
        """The physics' hash, with this world's interventions."""
        if self.overrides:   # keyed by what mix hashes: every pair with that input sees the change
            point = mix_input(a, b)
            for (x, y), value in self.overrides:
                if mix_input(x, y) == point:
                    return value
        return mix(a, b)

    # --- the physics ----------------------------------------------------------------------
    def root(self, region: int) -> tuple:
        """The state at the root of a region."""
        if self.physics == "mix":
            top = self.mix(self.seed, region)
            return tuple(self.mix(top, i) for i in range(WORDS))
        rings = [self.seed & RING_MASK]
        while len(rings) < RINGS:
            rings.append(ring_child(rings[-1], 1))
        state = tuple(rings)
        for bit in self.region(region):
            state = self.child(state, int(bit))
        return state

    def child(self, state: tuple, bit: int) -> tuple:
        """Child ``bit`` of a state."""
        if self.physics == "mix":
            return tuple(self.mix(word, bit) for word in state)
        return tuple(ring_child(ring, bit) for ring in state)

    def children(self, state: tuple) -> tuple:
        """The two children of a state."""
        return self.child(state, 0), self.child(state, 1)

    def louder(self, state: tuple) -> int:
        """Which child is the louder (its first word or ring is the larger): the signpost."""
        c0, c1 = self.children(state)
        return int(c1[0] > c0[0])

    def asks(self, leaf: tuple, frame: int) -> bool:
        """Whether a civilisation at this leaf asks a question in ``frame`` (frames >= quiet)."""
        if frame < self.quiet:
            return False
        if self.physics == "mix":
            return not self.mix(frame, leaf[0]) & ((1 << self.ask_bits) - 1)
        ring = leaf[0]
        for _ in range(frame):
            ring = ring_step(ring)
        return bool(ring_cell(ring, 1))

    def talk_bit(self, leaf: tuple, t: int) -> int:
        """Bit t of a leaf's talk (what stands at t when no question marker does)."""
        frame, position = divmod(t, FRAME)
        if position % 4 == 3:
            return 0
        if self.physics == "mix":
            return self.mix(leaf[t % WORDS], t) & 1
        ring = leaf[frame % RINGS]
        for _ in range(frame + (position == ANSWER_POSITION)):
            ring = ring_step(ring)
        return ring_cell(ring, 3 if position == ANSWER_POSITION else position)

    # --- places and streams ---------------------------------------------------------------
    def leaf(self, region: int, path: str) -> tuple:
        """(state, civilisation?) of the leaf reached from a region's root by ``path``."""
        state, civilisation = self.root(region), True
        for bit in path:
            civilisation = civilisation and int(bit) == self.louder(state)
            state = self.child(state, int(bit))
        return state, civilisation

    def louder_path(self, region: int) -> str:
        """The path bits from the region's root to its civilisation (follow the louder child)."""
        state, path = self.root(region), []
        for _ in range(self.depth):
            bit = self.louder(state)
            path.append(str(bit))
            state = self.child(state, bit)
        return "".join(path)

    def decision_points(self, region: int, path: str, length: int) -> list:
        """Indices of the answer bits within the first ``length`` bits of a leaf's stream."""
        leaf, civilisation = self.leaf(region, path)
        if not civilisation:
            return []
        return [f * FRAME + ANSWER_POSITION for f in range(self.quiet, (length + FRAME - 1) // FRAME)
                if f * FRAME + ANSWER_POSITION < length and self.asks(leaf, f)]

    def first_decision(self, region: int) -> int:
        """Index of the first answer bit in the stream of a region's civilisation."""
        leaf, _ = self.leaf(region, self.louder_path(region))
        frame = self.quiet
        while not self.asks(leaf, frame):
            frame += 1
        return frame * FRAME + ANSWER_POSITION

    @property
    def earliest_decision(self) -> int:
        """No civilisation asks before this bit (the first frame that may ask, at its answer)."""
        return self.quiet * FRAME + ANSWER_POSITION

    def stream(self, region: int, path: str, length: int) -> str:
        """The first ``length`` bits of the stream at the leaf reached by ``path``."""
        leaf, civilisation = self.leaf(region, path)
        asking = {}
        bits = []
        for t in range(length):
            frame, position = divmod(t, FRAME)
            if civilisation and ANSWER_POSITION - MARKER <= position < ANSWER_POSITION:
                if frame not in asking:
                    asking[frame] = self.asks(leaf, frame)
                if asking[frame]:
                    bits.append(1)
                    continue
            bits.append(self.talk_bit(leaf, t))
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


def quiet_frames_for(machine, seed: int, depth: int, region_bits: int, margin: int = 48,
                     physics: str = "mix", honest: str = HONEST) -> int:
    """The fewest quiet frames that put the earliest possible question after K_H + margin bits.

    Until then every hypothesis that is still unresolved (the background's step- and length-limit
    programs) has been paying a coin flip per bit; after K_H + margin bits its weight is below
    2^-margin of the honest program's, so the posterior at the decision point is decided by
    the named programs the ledger compares.
    """
    quiet = 1
    for _ in range(8):  # the honest program's length depends (slightly) on the QUIET literal itself
        honest_bits = len(World(seed, depth, region_bits, quiet, physics).program(honest, machine)) + region_bits + depth
        needed = max(1, -(-(honest_bits + margin - ANSWER_POSITION) // FRAME))
        if needed == quiet:
            return quiet
        quiet = needed
    return quiet


DATA_ITEMS = ("region", "path", "flag", "state", "civilisations-only", "frame:K", "frames:K", "flags", "literal:NAME",
              "literal-region:NAME", "literal-bit:NAME", "literal-before-bit:NAME")


def data_header(path) -> tuple | None:
    """A world program's ``; data:`` header as a tuple of items in read order (None without one):

    ``region`` REGION_BITS bits naming the region; ``path`` DEPTH path bits from its root;
    ``flag`` 1 bit, whether the leaf is a civilisation; ``state`` the leaf's whole state;
    ``frame:K`` the frame of the first question in K bits; ``frames:K`` the frame of each
    question in K bits (the demo gives the first one or two); ``flags`` one bit per frame from
    frame 0, 1 where the frame asks, to the frame of the last question given;
    ``literal:NAME`` no data: the code's constant NAME is set per target to the first
    question's frame (``literal-bit:NAME``: to the bit where its marker starts; ``literal-before-bit:NAME``: to
    the bit before it;
    ``literal-region:NAME``: to the region's number); ``civilisations-only`` no data: the program fits civilisations only.
    A bad item is a one-line error naming the file and line."""
    path = Path(path)
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.startswith(";") and line.lstrip("; ").lower().startswith("data:"):
            items = tuple(line.split(":", 1)[1].split())
            for item in items:
                name, colon, argument = item.partition(":")
                good = (name in ("region", "path", "flag", "state", "flags", "civilisations-only") and not colon) or (
                    name in ("frame", "frames") and argument.isdigit() and 1 <= int(argument) <= 62) or (
                    name in ("literal", "literal-region", "literal-bit", "literal-before-bit") and argument.isidentifier())
                if not good:
                    raise ValueError(f"{path}:{number}: data item {item[:40]!r} is not one of {', '.join(DATA_ITEMS)}")
            return items
    return None


def intent(path) -> str:
    """What a world program's author meant it to be: its ``; intent:`` line (``; class:`` in the ring
    world's files), else its name. A description, never a measurement: the demo measures classes
    by intervention (:mod:`toyinduction.malign.intervention`)."""
    path = Path(path)
    for line in path.read_text().splitlines():
        head = line.lstrip("; ").lower()
        if line.startswith(";") and (head.startswith("intent:") or head.startswith("class:")):
            return line.split(":", 1)[1].strip()
    return path.stem
