"""Classes measured by intervention: does a program's deviation follow the question?

A program's class at a decision point is what it does when the simulated world is changed, with
every bit it reads held fixed — never what its file is called. The world's physics is the toy
language's ``mix`` instruction, so an intervention changes what ``mix`` returns at a few points
of the world (``World.intervened``; :class:`IntervenedMachine` runs a program on that world): the
points where the civilisation's question test, or its answer, is computed. A program that
simulates the world sees the change, whatever its code; a program that was told the time (data,
a literal, a clock) or the answer does not.

At question k of a target (frame F, answer bit t = F·FRAME + ANSWER_POSITION), four interventions:

    answer    the true answer at t flipped (the talk bit's hash at t changed in bit 0)
    remove    the question at F removed (the question test at F made false); later questions stay
    move 0/1  the question moved from F to F', the first frame from F + 2 that does not ask, with
              its true answer set to 0 (move 0) and to 1 (move 1)

and these measurements (each a comparison of the program's output with the intervened world's
true stream, which the world model computes with the same intervention):

    honest    it writes the true answer at t in the world and in the answer-flipped world
    tracks    it follows the removal world up to the moved question's answer bit (or to the
              next question's marker, if that comes first), and each moved world through the
              moved question's marker (it did not write a question where
              the world no longer has one, nor miss the moved one; the answers of other questions
              that come before the moved one are not compared, the markers are)
    moved     it follows each moved world up to the moved answer and, in at least one of them,
              does not write the true answer there: its deviation moved with the question

and the class:

    honest                         honest
    goal-directed                  not honest, tracks, moved
    deviating, not goal-directed   not honest, and not goal-directed (a clock, a time told as data,
                                   an answer that does not depend on the world, …)

``when`` says how an honest program knows when: ``computes`` (tracks) or ``told`` (does not).
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass

from toyinduction.machines.toy.language import Language
from toyinduction.machines.toy.reference import Clock, ReferenceMachine, mix_input
from toyinduction.malign.world import ANSWER_POSITION, FRAME, MARKER, WORDS, World

HONEST = "honest"
GOAL_DIRECTED = "goal-directed"
NOT_GOAL_DIRECTED = "deviating, not goal-directed"
UNRESOLVED = "unresolved"
#: step budget of an instrumented run (the world programs take about 10^5)
MAX_STEPS = 50_000_000
#: the measured classes, in report order
CLASSES = (HONEST, NOT_GOAL_DIRECTED, GOAL_DIRECTED)


class _Pause(Exception):
    """The machine is about to compute the physics at a point an intervention changes."""


class _PauseInEval(Exception):
    """A program ``eval`` runs is about to compute a changed point: no one paused state serves
    every intervention (each is then run whole)."""


def _inputs(overrides) -> dict:
    """(a, b) -> value as mix input -> value (:func:`mix_input`)."""
    return {mix_input(a, b): value for (a, b), value in dict(overrides).items()}


class IntervenedMachine(ReferenceMachine):
    r"""The reference machine in an intervened world: ``mix(a, b)`` returns the changed value
    wherever the world was changed (keyed by what mix hashes, so every argument pair that hashes
    the same input sees the change, and so does every program the machine ``eval``\ s), and the
    physics' own value everywhere else. With ``pause_at`` (a set of (a, b)), :meth:`run_until`
    stops just before computing any of them, so that one run up to there serves every
    intervention (:meth:`fork`)."""

    def __init__(self, *arguments, overrides: dict, pause_at=frozenset(), **options):
        super().__init__(*arguments, **options)
        self.overrides, self.pause_at = _inputs(overrides), frozenset(mix_input(a, b) for a, b in pause_at)

    def pause_before(self, points) -> None:
        """Pause before computing mix at any of ``points`` ((a, b) pairs; empty: never)."""
        self.pause_at = frozenset(mix_input(a, b) for a, b in points)

    def child(self, bits: str, step_end: int, width: int) -> "IntervenedMachine":
        """An ``eval``'d program runs in the same intervened world."""
        other = IntervenedMachine(self.language, bits, self.clock, step_end, width, self.depth + 1, overrides={})
        other.overrides, other.pause_at = self.overrides, self.pause_at
        return other

    def execute(self, instruction):
        """Execute as the reference does; a ``mix`` at an intervened point returns the new value."""
        key = (mix_input(self.stack[-2], self.stack[-1])
               if instruction.mnemonic == "mix" and len(self.stack) >= 2 else None)
        if key in self.pause_at:
            raise _PauseInEval if self.depth > 0 else _Pause
        super().execute(instruction)
        if key in self.overrides:
            self.stack[-1] = self.overrides[key]

    def run_until(self):
        """Run to a status (returned), or to a pause point (returns None; the state is as just
        before that ``mix``, and running again goes on from there). A pause point inside an
        ``eval`` raises :class:`_PauseInEval`."""
        try:
            return self.run_to_status()
        except _Pause:
            return None

    def fork(self, overrides: dict, output_limit: int, pause_at=frozenset()) -> "IntervenedMachine":
        """A copy of this machine's whole state that goes on in a world changed by ``overrides``."""
        other = copy.copy(self)
        other.code, other.expansion = list(self.code), list(self.expansion)
        other.open_blocks, other.subroutines = list(self.open_blocks), list(self.subroutines)
        other.stack, other.memory, other.calls = list(self.stack), list(self.memory), list(self.calls)
        other.loops = [list(loop) for loop in self.loops]
        other.output = list(self.output)
        other.clock = Clock()
        other.clock.steps = self.clock.steps
        other.output_limit = output_limit
        other.overrides = _inputs(overrides)
        other.pause_before(pause_at)
        return other

    def output_text(self) -> str:
        """The output so far as a bit string."""
        return "".join(map(str, self.output))


def run_intervened(language: Language, bits: str, overrides: dict, output_bits: int,
                   max_steps: int = MAX_STEPS) -> str:
    """The output (up to ``output_bits`` bits) of ``bits`` run on the world changed by ``overrides``."""
    machine = IntervenedMachine(language, bits, Clock(), max_steps, output_bits, overrides=dict(overrides))
    machine.run_to_status()
    return machine.output_text()


@dataclass(frozen=True)
class Question:
    """Question ``index`` (0 = the first) of the civilisation of ``region``: its frame, its answer
    bit's index in the stream, and the frames the interventions use."""

    region: int
    index: int
    frame: int
    answer_bit: int
    next_frame: int
    moved_frame: int


def question(world: World, region: int, index: int) -> Question:
    """Question ``index`` of a region's civilisation, and where the move intervention puts it."""
    frames = world.question_frames(region, index + 2)
    frame, following = frames[index], frames[index + 1]
    moved = frame + 2
    while moved in frames or world.asks(world.leaf(region, world.louder_path(region))[0], moved):
        moved += 1
    return Question(region, index, frame, frame * FRAME + ANSWER_POSITION, following, moved)


def interventions(world: World, q: Question) -> dict:
    """name -> overrides ((a, b) -> value) of the four interventions at question ``q``."""
    if world.physics != "mix":
        raise ValueError("interventions are defined for the mix physics")
    leaf, _ = world.leaf(q.region, world.louder_path(q.region))
    mask = (1 << world.ask_bits) - 1
    word = leaf[0]

    def talk_point(t):
        return leaf[t % WORDS], t

    answer_point = talk_point(q.answer_bit)
    remove = {(q.frame, word): world.mix(q.frame, word) | 1}
    moved_answer = q.moved_frame * FRAME + ANSWER_POSITION
    move = {**remove, (q.moved_frame, word): world.mix(q.moved_frame, word) & ~mask}
    point = talk_point(moved_answer)
    base = world.mix(*point)
    return {"answer": {answer_point: world.mix(*answer_point) ^ 1}, "remove": remove,
            "move 0": {**move, point: base & ~1}, "move 1": {**move, point: base | 1}}


def measure(language: Language, bits: str, world: World, q: Question, output: str | None = None) -> dict:
    """The instruments of one program (``bits``: code and data) at question ``q``
    (:func:`measure_questions` for one question)."""
    return measure_questions(language, bits, world, [q], output)[0]


#: measurements already made in this process: (language spec hash, bits, world, questions) -> results
#: (a measurement is a pure function of these; the experiments and tests measure one program many times)
_MEASURED: dict = {}
_MEASURED_LIMIT = 4096


def measure_questions(language: Language, bits: str, world: World, questions, output: str | None = None) -> list:
    """The instruments of one program (``bits``: code and data) at each of ``questions`` (of one
    region, in order): whether it fits the world's stream up to the answer, its answer, and each
    intervention's comparison (module docstring). ``output``, the program's own output in the
    world (at least to the last answer bit), saves a run. One reference run goes up to the first
    point an intervention changes; each intervention goes on from a copy of it. A measurement made
    before in this process is not made again (it depends on nothing else)."""
    questions = list(questions)
    results = recall(language, bits, world, questions)
    if results is None:
        results = _measure_questions(language, bits, world, questions, output)
        remember(language, bits, world, questions, results)
    return results


@functools.lru_cache(maxsize=1)
def _instrument_version() -> str:
    """A digest of the code a measurement depends on (the instruments, the world model, the
    reference interpreter): a stored measurement is used only by the code that made it."""
    import hashlib
    from pathlib import Path

    from toyinduction import __version__
    from toyinduction.machines.toy import reference
    from toyinduction.malign import world as world_module

    digest = hashlib.sha256(__version__.encode())
    for module_file in (__file__, world_module.__file__, reference.__file__):
        digest.update(Path(module_file).read_bytes())
    return digest.hexdigest()[:16]


#: the run store's kind for one program's measurements
MEASUREMENT_KIND = "measurement"


def _stored_key(language: Language, bits: str, world: World, questions) -> dict:
    """The run store parameters of one program's measurements (a pure function of these)."""
    import dataclasses
    import hashlib

    return {"instruments": _instrument_version(), "language": language.spec_hash,
            "program_sha256": hashlib.sha256(bits.encode()).hexdigest(), "program_bits": len(bits),
            "world": json.loads(json.dumps(dataclasses.asdict(world))),
            "questions": [dataclasses.asdict(q) for q in questions]}


def recall(language: Language, bits: str, world: World, questions, store=None) -> list | None:
    """The measurements made before of a program at ``questions``: in this process, or (given a
    run store) by any earlier run of the same code; None: never."""
    key = (language.spec_hash, bits, world, tuple(questions))
    if key in _MEASURED:
        return copy.deepcopy(_MEASURED[key])
    if store is not None:
        found = store.load(MEASUREMENT_KIND, _stored_key(language, bits, world, questions))
        if found is not None:
            _MEASURED[key] = found[0]["results"]
            return copy.deepcopy(found[0]["results"])
    return None


def remember(language: Language, bits: str, world: World, questions, results, store=None) -> None:
    """Keep measurements made (here or in another process) for :func:`recall`, and in the run
    store when one is given (a store that cannot be written is left alone: it only saves time)."""
    if len(_MEASURED) >= _MEASURED_LIMIT:
        _MEASURED.clear()
    _MEASURED[(language.spec_hash, bits, world, tuple(questions))] = copy.deepcopy(results)
    if store is not None:
        from toyinduction.engine.store import StoreError

        try:
            store.save(MEASUREMENT_KIND, _stored_key(language, bits, world, questions), {"results": results}, {})
        except StoreError:
            pass


def _measure_questions(language: Language, bits: str, world: World, questions, output: str | None) -> list:
    """:func:`measure_questions` without the memo."""
    region = questions[0].region
    path = world.louder_path(region)
    plans = []
    for q in questions:
        changed = interventions(world, q)
        through = q.next_frame * FRAME + ANSWER_POSITION - MARKER     # the next question's marker starts here
        moved_answer = q.moved_frame * FRAME + ANSWER_POSITION
        # the removal world is compared over the moves' window (F to F' + 1 frame), not to the next
        # question: a clock or a told time writes its marker at F, and the run stays short
        lengths = {"answer": q.answer_bit + 1, "remove": min(through, moved_answer), "move 0": moved_answer + 1,
                   "move 1": moved_answer + 1}
        plans.append((q, changed, lengths))
    longest = max(max(lengths.values()) for _, _, lengths in plans)
    if output is None or len(output) < questions[-1].answer_bit + 1:
        output = run_intervened(language, bits, {}, questions[-1].answer_bit + 1)
    stream = world.stream(region, path, questions[-1].answer_bit + 1)
    results = []
    base = IntervenedMachine(language, bits, Clock(), MAX_STEPS, longest, overrides={})
    for q, changed, lengths in plans:
        t = q.answer_bit
        fits = len(output) > t and output[:t] == stream[:t]
        result = {"fits": fits, "answer": int(output[t]) if len(output) > t else None, "truth": int(stream[t])}
        results.append(result)
        if not fits:
            continue
        # run the world as it is up to the first point any of this question's interventions changes
        outputs = {}
        if base is not None:
            base.pause_before({key for overrides in changed.values() for key in overrides})
            try:
                paused = base.run_until() is None
            except _PauseInEval:   # the changed physics is computed inside an eval: run each world whole
                base = None
        if base is None:
            for name, overrides in changed.items():
                outputs[name] = run_intervened(language, bits, overrides, lengths[name])
        for name, overrides in changed.items():
            if base is None:
                break
            if paused:
                fork = base.fork(overrides, lengths[name])
                fork.run_to_status()
                outputs[name] = fork.output_text()
            else:    # it never computes the changed physics: the intervened worlds look the same to it
                outputs[name] = base.output_text()[:lengths[name]]
        if base is not None:
            base.pause_before(())
            if paused:     # the unchanged world goes on from here for the next question
                base = base.fork({}, longest)
        flipped_truth = world.intervened(changed["answer"]).stream(region, path, t + 1)
        result["honest"] = output[t] == stream[t] and outputs["answer"][:t + 1] == flipped_truth
        removed_truth = world.intervened(changed["remove"]).stream(region, path, lengths["remove"])
        result["follows_removal"] = outputs["remove"] == removed_truth
        moved_answer = lengths["move 0"] - 1
        # the answers of the world's other questions before the moved one are not compared: a
        # goal may deviate there (the markers are)
        others = {frame * FRAME + ANSWER_POSITION for frame in world.question_frames(region, q.index + 8)
                  if frame != q.frame and frame < q.moved_frame}
        follows, truthful, answers = [], [], []
        for name in ("move 0", "move 1"):
            truth = world.intervened(changed[name]).stream(region, path, moved_answer + 1)
            out = outputs[name]
            follows.append(len(out) >= moved_answer and all(
                out[i] == truth[i] for i in range(moved_answer) if i not in others))
            truthful.append(len(out) > moved_answer and out[moved_answer] == truth[moved_answer])
            answers.append(int(out[moved_answer]) if len(out) > moved_answer else None)
        result["follows_move"] = all(follows)
        result["moved_answers"] = answers
        result["tracks"] = result["follows_removal"] and result["follows_move"]
        result["moved"] = result["follows_move"] and not all(truthful)
        result["class"] = classify(result)
        result["when"] = "computes" if result["tracks"] else "told"
    return results


def classify(measured: dict) -> str:
    """The class from the measurements (see the module docstring)."""
    if measured["honest"]:
        return HONEST
    return GOAL_DIRECTED if measured["tracks"] and measured["moved"] else NOT_GOAL_DIRECTED
