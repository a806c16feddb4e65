"""The searcher/controller census, measured by intervention, not by syntax.

searcher    a run whose comparisons *select among candidates*: flip the result of one
            candidate evaluation (0 <-> 1), rerun to the same output length and step budget,
            and see where the output goes. A searcher is a run with at least SEARCH_THRESHOLD
            distinct alternative outputs over its single flips (:func:`search_by_flips`).

            A *candidate evaluation* is an execution of ``lt`` or ``eq`` whose two operands are
            both computed values. A value is *data* when it is a literal (``push``), a bit field
            read from the program (``read``), or an untouched memory cell, carried only by stack
            shuffles (``dup drop swap over rot``) and memory (``store``/``load``); any other
            instruction (arithmetic, ``mix``, ``not``, ``idx``, ``eval``, a comparison) computes.
            So ``b 0 eq`` on a read bit follows data: it is no candidate, whatever is wrapped
            around it (``0 eq not if``). Why distinct outputs and not flips that matter: an
            honest program that *verifies* signposts (compares the children at every level
            only to compute one civilisation flag) has one alternative output however many
            comparisons are flipped (the flag off); a consequentialist that follows the louder
            child reaches a different leaf for each flipped level: as many alternatives as
            levels. A flip that does not change the output counts for nothing.

controller  a hypothesis that steers decisions in a consistent direction
            (:func:`control_measures`): over the decision points it reaches (it has output at
            the answer's position), in world instances whose true answers differ, with v* its
            most common answer, steering = P(answer = v*) - P(truth = v*) is at least
            CONTROL_THRESHOLD while the answer carries at most CONTROL_MAX_INFORMATION of the
            truth's entropy (mutual information). An answer that always is 1 is a controller;
            an answer equal to the truth (steering 0) or to its negation (full information,
            no preferred value) is not. Fewer than MIN_DECISIONS reached points: not one.

Limits of the instruments, stated: comparisons inside an ``eval``'d child are not seen (the
child runs on the plain reference machine); a read bit laundered through arithmetic on both
sides of a comparison (``b inc`` vs ``b b xor inc``) counts as computed, and flipping such a
comparison then counts like any other; a comparison whose result is written straight to the
output (one bit per flip) gives one alternative per flip, so a "readout" of many computed
comparisons counts as a search (``min_distance`` in the report tells the two apart).
"""

from __future__ import annotations

import math
from collections import Counter

from toyinduction.machines.toy.language import STACK_NEEDS, TOY, Language
from toyinduction.machines.toy.reference import Clock, ReferenceMachine, run_reference

#: Distinct alternative outputs (over single flips of candidate evaluations) that make a searcher.
#: A verifier of one flag has exactly 1, k independent flags at most k; a selection by a chain
#: of comparisons (a descent of depth d) has up to d. 8 = more than a few flags' worth:
#: the comparisons steer the output among at least 9 outcomes (> 3 bits of selection).
SEARCH_THRESHOLD = 8
#: Candidate evaluations flipped at most (shared among comparison sites: :func:`flip_choice`).
MAX_FLIPS = 64
#: Steering that makes a controller: P(answer = v*) - P(truth = v*). The honest answer has 0
#: exactly, a constant answer 1 - P(truth = v) (1/2 on balanced truths); 0.25 = a quarter of the
#: decisions moved its way beyond what the truth gives, about twice the noise of an answer
#: independent of the truth on MIN_DECISIONS..16 points (its majority bias ~ 1/sqrt(2*pi*n)).
CONTROL_THRESHOLD = 0.25
#: Largest share of the truth's entropy the answer may carry (I(answer; truth) / H(truth)) for a
#: controller: steering that follows the truth (an answer that negates it) is not control.
CONTROL_MAX_INFORMATION = 0.5
#: Fewest reached decision points on which a hypothesis can be called a controller.
MIN_DECISIONS = 8

COMPARISONS = ("lt", "eq")
DATA, COMPUTED = False, True     # provenance of a value
SHUFFLES = {"dup": lambda t: t + [t[-1]], "over": lambda t: t + [t[-2]], "swap": lambda t: t[:-2] + [t[-1], t[-2]],
            "rot": lambda t: t[:-3] + [t[-2], t[-1], t[-3]], "drop": lambda t: t[:-1]}


# ----- search by intervention ----------------------------------------------------------------
class InstrumentedMachine(ReferenceMachine):
    """The reference machine with a provenance tag (DATA or COMPUTED) on every stack value and
    memory cell. It records, for every execution of a comparison, whether it was a candidate
    evaluation (``self.candidates``, in execution order), and flips the result of the
    execution numbered ``flip`` (0-based over all comparison executions; None: no flip)."""

    def __init__(self, *arguments, flip: int | None = None, **options):
        super().__init__(*arguments, **options)
        self.tags: list = []
        self.memory_tags: dict = {}
        self.candidates: list = []
        self.sites: list = []          # the code index of each comparison executed
        self.flip = flip

    def execute(self, instruction):
        """Execute as the reference does (flipping the chosen comparison), then update the tags."""
        m, site = instruction.mnemonic, self.pc
        top = self.stack[-1] if self.stack else None   # the address of load and store
        tags = list(self.tags)
        super().execute(instruction)  # raises (and changes nothing we track) if it cannot complete
        needs = STACK_NEEDS[m]
        inputs = tags[len(tags) - needs:] if needs else []
        rest = tags[:len(tags) - needs] if needs else tags
        if m in COMPARISONS:
            if len(self.candidates) == self.flip:
                self.stack[-1] ^= 1
            self.candidates.append(all(inputs))
            self.sites.append(site)
        if m in SHUFFLES:
            self.tags = SHUFFLES[m](tags)
        elif m == "store":
            self.memory_tags[top] = inputs[0]
            self.tags = rest
        elif m == "load":
            self.tags = rest + [self.memory_tags.get(top, DATA)]
        else:
            pushed = max(len(self.stack) - len(rest), 0)
            self.tags = rest + [DATA if m in ("push", "read") else COMPUTED] * pushed


def _instrumented_run(language, bits, output_bits, max_steps, flip=None):
    """(output, machine) of one instrumented run."""
    machine = InstrumentedMachine(language, bits, Clock(), max_steps, output_bits, flip=flip)
    machine.run_to_status()
    return "".join(map(str, machine.output)), machine


def flip_choice(indices, sites, max_flips: int) -> list:
    """Which candidate evaluations to flip: ``max_flips`` shared out evenly among the comparison
    instructions (code sites) that made them (a site with fewer executions passes its share on),
    spread evenly over each site's executions, first execution included. Deterministic. So a
    brute-force search, whose selecting ``eq`` runs once per candidate after a dozen verifying
    ``lt``s, has its selections examined all along the search, not only its first few."""
    by_site: dict = {}
    for k in indices:
        by_site.setdefault(sites[k], []).append(k)
    quota = dict.fromkeys(by_site, 0)
    remaining = max_flips
    while remaining > 0 and any(quota[s] < len(ks) for s, ks in by_site.items()):
        for s, ks in by_site.items():
            if remaining > 0 and quota[s] < len(ks):
                quota[s] += 1
                remaining -= 1
    return sorted(ks[i * len(ks) // quota[s]] for s, ks in by_site.items() for i in range(quota[s]))


def search_by_flips(language: Language, bits: str, output_bits: int, max_steps: int = 200_000,
                    max_flips: int = MAX_FLIPS) -> dict:
    """Flip up to ``max_flips`` candidate evaluations of a run of ``bits`` (:func:`flip_choice`; one
    at a time, rerunning to ``output_bits`` output bits within ``max_steps`` steps) and count where
    the output goes. Returns a dict:

    ``output`` the unflipped output; ``comparisons`` comparison executions in the run;
    ``candidates`` those that were candidate evaluations; ``examined`` candidates flipped;
    ``changed`` flips that changed the output; ``distinct`` distinct changed outputs;
    ``min_distance`` the fewest bits in which an alternative differs from the output
    (mismatches plus the difference in length; None without alternatives); ``searcher`` distinct >=
    SEARCH_THRESHOLD.
    """
    output, machine = _instrumented_run(language, bits, output_bits, max_steps)
    indices = [k for k, candidate in enumerate(machine.candidates) if candidate]
    alternatives = []
    for k in flip_choice(indices, machine.sites, max_flips):
        flipped, _ = _instrumented_run(language, bits, output_bits, max_steps, flip=k)
        if flipped != output:
            alternatives.append(flipped)
    distinct = set(alternatives)
    distances = [sum(a != b for a, b in zip(alternative, output)) + abs(len(alternative) - len(output))
                 for alternative in distinct]
    return {"output": output, "comparisons": len(machine.candidates), "candidates": len(indices),
            "examined": min(len(indices), max_flips), "changed": len(alternatives), "distinct": len(distinct),
            "min_distance": min(distances) if distances else None, "searcher": len(distinct) >= SEARCH_THRESHOLD}


# ----- control by intervention ---------------------------------------------------------------
def answers_at(output: str, stream: str, points) -> list:
    """(answer, truth) at every decision point of ``stream`` that ``output`` reaches (has output
    at that position)."""
    return [(int(output[t]), int(stream[t])) for t in points if t < len(output)]


def _entropy(counts) -> float:
    total = sum(counts)
    return -sum(c / total * math.log2(c / total) for c in counts if c)


def control_measures(pairs) -> dict:
    """The control instruments of (answer, truth) pairs pooled over decision points and world
    instances. Returns a dict:

    ``reached`` pairs; ``agreement`` P(answer = truth); ``preferred`` v*, the most common answer
    (ties: the one with the larger steering, then 1); ``consistency`` P(answer = v*);
    ``steering`` P(answer = v*) - P(truth = v*); ``mutual_information`` I(answer; truth) in
    bits; ``truth_entropy`` H(truth) in bits; ``controller`` reached >= MIN_DECISIONS, steering
    >= CONTROL_THRESHOLD and mutual information <= CONTROL_MAX_INFORMATION * H(truth).
    Agreement and the rest are None when nothing was reached.
    """
    pairs = [(int(a), int(t)) for a, t in pairs]
    n = len(pairs)
    if not n:
        return {"reached": 0, "agreement": None, "preferred": None, "consistency": None, "steering": None,
                "mutual_information": None, "truth_entropy": None, "controller": False}
    answers, truths = Counter(a for a, _ in pairs), Counter(t for _, t in pairs)
    preferred = max((1, 0), key=lambda v: (answers[v], answers[v] - truths[v]))
    joint = Counter(pairs)
    information = _entropy(answers.values()) + _entropy(truths.values()) - _entropy(joint.values())
    truth_entropy = _entropy(truths.values())
    information = max(information, 0.0)   # rounding
    steering = (answers[preferred] - truths[preferred]) / n
    controller = (n >= MIN_DECISIONS and steering >= CONTROL_THRESHOLD
                  and information <= CONTROL_MAX_INFORMATION * truth_entropy + 1e-12)
    return {"reached": n, "agreement": sum(a == t for a, t in pairs) / n, "preferred": preferred,
            "consistency": answers[preferred] / n, "steering": steering, "mutual_information": information,
            "truth_entropy": truth_entropy, "controller": controller}


def world_truths(worlds, regions=None, frames: int = 160) -> list:
    """(stream, decision points) of the civilisation of every region of every world instance,
    ``frames`` frames past the earliest question (``regions``: default all of each world's)."""
    from toyinduction.malign.world import FRAME

    truths = []
    for world in worlds:
        length = world.earliest_decision + frames * FRAME
        for region in (regions if regions is not None else range(2 ** world.region_bits)):
            path = world.louder_path(region)
            truths.append((world.stream(region, path, length), world.decision_points(region, path, length)))
    return truths


def default_data(role: str, world, region: int) -> str:
    """The data bits a world program reads after its code to report the civilisation of
    ``region`` (the world's own layout: ``World.data``)."""
    return world.data(role, region, world.louder_path(region))


def world_answers(role: str, worlds, language: Language = TOY, regions=None, frames: int = 160,
                  max_steps: int = 2_000_000, data=default_data) -> list:
    """(answer, truth) pairs of a named world program at the decision points of the
    civilisation of every region of every world instance: the program is reassembled for each
    instance (``world.program(role, language)`` + ``data(role, world, region)``) and run with
    the reference interpreter to the stream's length."""
    pairs = []
    for world in worlds:
        code = world.program(role, language)
        for region in (regions if regions is not None else range(2 ** world.region_bits)):
            (stream, points), = world_truths([world], [region], frames)
            output = run_reference(language, code + data(role, world, region), max_steps, len(stream)).output
            pairs += answers_at(output, stream, points)
    return pairs


def output_answers(output: str, truths) -> list:
    """(answer, truth) pairs of a world-independent output (an enumerated program's: the same in
    every instance) against ``truths`` from :func:`world_truths`."""
    return [pair for stream, points in truths for pair in answers_at(output, stream, points)]


def cell(searcher: bool, controller: bool) -> str:
    """The 2×2 table's cell."""
    return {(False, False): "neither", (True, False): "search only", (False, True): "control only",
            (True, True): "both"}[(searcher, controller)]


CELLS = ("neither", "search only", "control only", "both")
