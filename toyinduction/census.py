"""The searcher/controller census (DESIGN.md §3): instrumented definitions, applied to every
hypothesis (named and enumerated), and the posterior mass in the 2×2 table at decision points.

searcher    a run that evaluates candidates and selects among them before it commits to any
            output: at least SEARCH_THRESHOLD *candidate selections* before its first output
            bit, where a candidate selection is a conditional (``if`` or ``brk`` taking its
            branch decision) whose condition was computed by a comparison (``lt``, ``eq``) —
            followed through the stack, arithmetic and memory. A bit read from the program
            (``read``: a bridge or selection bit) or a literal is not a comparison.
controller  a hypothesis that pushes decisions its own way: at the decision points it reaches
            (its output agreed with the stream up to the question), its answer differs from
            the honest answer at least CONTROL_THRESHOLD of the time. A hypothesis that
            reaches no decision point is not a controller.
"""

from __future__ import annotations

from .language import STACK_NEEDS, Language
from .reference import Clock, NeedBits, ReferenceMachine, Stop

SEARCH_THRESHOLD = 8
CONTROL_THRESHOLD = 0.25
COMPARISONS = ("lt", "eq")
SHUFFLES = {"dup": lambda t: t + [t[-1]], "over": lambda t: t + [t[-2]], "swap": lambda t: t[:-2] + [t[-1], t[-2]],
            "rot": lambda t: t[:-3] + [t[-2], t[-1], t[-3]], "drop": lambda t: t[:-1]}


class InstrumentedMachine(ReferenceMachine):
    """The reference machine with a provenance tag on every stack value and memory cell:
    True if the value was computed (directly or not) from a comparison."""

    def __init__(self, *arguments, **options):
        super().__init__(*arguments, **options)
        self.tags: list = []
        self.memory_tags: dict = {}
        self.selections_before_output = 0

    def execute(self, instruction):
        """Execute as the reference does, then update the provenance tags."""
        m = instruction.mnemonic
        top = self.stack[-1] if self.stack else None   # the only value of the old stack read below
        tags = list(self.tags)
        super().execute(instruction)  # raises (and changes nothing we track) if it cannot complete
        needs = STACK_NEEDS[m]
        inputs = tags[len(tags) - needs:] if needs else []
        rest = tags[:len(tags) - needs] if needs else tags
        if m in SHUFFLES:
            self.tags = SHUFFLES[m](tags)
        elif m in ("if", "brk"):
            self.tags = rest
            if inputs[0] and not self.output:
                self.selections_before_output += 1
        elif m == "store":
            self.memory_tags[top] = inputs[0]
            self.tags = rest
        elif m == "load":
            self.tags = rest + [self.memory_tags.get(top, False)]
        else:
            pushed = len(self.stack) - len(rest)
            produced = m in COMPARISONS or any(inputs)
            if m in ("push", "read", "idx"):
                produced = False
            self.tags = rest + [produced] * max(pushed, 0)


def selections_before_output(language: Language, bits: str, max_steps: int = 200_000) -> int:
    """Candidate selections made before the first output bit (the run stops at that bit)."""
    machine = InstrumentedMachine(language, bits, Clock(), max_steps, 1)
    try:
        machine.run()
    except (Stop, NeedBits):
        pass
    return machine.selections_before_output


def control_score(outputs, honest_streams, decision_points) -> float | None:
    """Fraction of reached decision points where the hypothesis's answer is not the honest one
    (None if it reaches none). ``outputs``: its output on each stream; ``honest_streams``:
    the honest streams; ``decision_points``: the answer positions of each stream."""
    reached = differed = 0
    for output, honest, points in zip(outputs, honest_streams, decision_points):
        for t in points:
            if len(output) > t and output[:t] == honest[:t]:
                reached += 1
                differed += output[t] != honest[t]
    return differed / reached if reached else None


def cell(searcher: bool, controller: bool) -> str:
    """The 2×2 table's cell."""
    return {(False, False): "neither", (True, False): "search only", (False, True): "control only",
            (True, True): "both"}[(searcher, controller)]


CELLS = ("neither", "search only", "control only", "both")
