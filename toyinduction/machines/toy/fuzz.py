"""Fuzzing the interpreter and the assembler (a CI-sized run is a test; a long run is
experiments/fuzz.py).

Interpreter: uniform random bit programs, grammar-structured programs (blocks, calls, memory,
read, eval of quoted programs, the language's composites), programs that eval pseudo-random
62-bit values in a loop (so children eval children down to the nesting limit), with budgets from
1 step to 2^61. Checked on every run: it ends, it never exceeds its budgets (steps, output bits,
program bits), its status is consistent with its counts, and the numba kernel agrees with the
reference interpreter (compared where the budget lets the slow reference finish).

Assembler: random token soup and mutated program files. Checked: assembling either gives bits
or raises AssemblyError/ValueError (never another exception), and what assembles survives a
disassemble-and-reassemble round trip.

Hostile texts (:func:`hostile_source`): quotes ``[``...``]`` and blocks (``if``, ``rep``, ``loop``,
``def``) nested 10^3..10^5 deep, closed or not; macro fan-out bombs (each of up to a dozen
macros using the one before it up to ten times: up to 10^12 words when expanded); numbers of
thousands of digits, a word of megabytes, millions of words, ``bits`` runs of 10^6 bits.
:func:`fuzz_hostile_assembler` assembles them in process (each must give bits or one
AssemblyError/ValueError, never RecursionError or MemoryError); the command-line fuzz
(toyinduction.cli.fuzz) runs them through every command as capped subprocesses.
"""

from __future__ import annotations

import random

from toyinduction.machines.toy.assembler import MAX_PROGRAM_WORDS, AssemblyError, assemble, disassemble
from toyinduction.machines.toy.kernel import run, run_many
from toyinduction.machines.toy.language import MNEMONICS, Language
from toyinduction.core import Status
from toyinduction.machines.toy.reference import run_reference

SIMPLE = ("dup", "drop", "swap", "over", "rot", "add", "sub", "mul", "div", "mod", "inc", "eq", "lt",
          "not", "and", "or", "xor", "shr", "mix", "load", "store", "out", "idx", "brk")


def uniform_bits(rng: random.Random, max_length: int = 160) -> str:
    """A uniformly random bit string of uniformly random length 1..max_length."""
    return "".join(rng.choice("01") for _ in range(rng.randint(1, max_length)))


def structured_source(rng: random.Random, size: int = 24, depth: int = 0, quoted: bool = False,
                      composites: tuple = ()) -> str:
    """Random toy assembly with balanced blocks (non-strict: may still fault when run); with
    ``composites`` (names), a good share of the simple words are those composites."""
    words, subroutines = [], 0

    def inner(inner_size):
        return structured_source(rng, inner_size, depth + 1, quoted, composites)
    if depth == 0:  # a few values to work on, so that runs get past the first instructions
        words += [str(rng.randint(0, 9)) for _ in range(rng.randint(4, 10))]
    for _ in range(size):
        roll = rng.random()
        if roll < 0.30:
            words.append(str(rng.choice([0, 1, 1, 2, 3, 5, 7, 8, 62, 63, 255, 256, 2 ** 62, 2 ** 63 - 2])))
        elif roll < 0.70:
            words.append(rng.choice(composites) if composites and rng.random() < 0.3
                         else rng.choice(SIMPLE + ("out", "out", "dup")))
        elif roll < 0.76 and depth < 3:
            words += ["if", inner(size // 3)]
            if rng.random() < 0.5:
                words += ["else", inner(size // 3)]
            words.append("end")
        elif roll < 0.82 and depth < 3:
            words += [str(rng.randint(0, 6)), "rep", inner(size // 3), "end"]
        elif roll < 0.86 and depth < 3:
            words += ["loop", inner(size // 3), "idx", str(rng.randint(1, 9)), "eq", "brk", "end"]
        elif roll < 0.89 and depth < 2:
            words += ["def", inner(size // 3), "end"]
            subroutines += 1
        elif roll < 0.92 and subroutines:
            words += ["call", str(rng.randint(0, subroutines - 1))]
        elif roll < 0.95:
            words += [str(rng.randint(0, 5)), "read"]
        elif roll < 0.98 and not quoted:
            quote = structured_source(rng, 4, 2, quoted=True, composites=composites)
            words += ["[", quote, "]", str(rng.randint(0, 60)), str(rng.randint(0, 8)), "eval"]
        else:
            words.append(rng.choice(["halt", "ret", "end"]) if depth else "halt")
    return " ".join(words)


def structured_bits(rng: random.Random, language: Language) -> str:
    """An assembled structured program plus a few random data/tail bits."""
    while True:
        source = structured_source(rng, size=rng.randint(4, 30), composites=tuple(language.composites))
        try:
            bits = assemble(source, language, strict=False)
        except AssemblyError:  # a quoted program came out longer than 62 bits: draw again
            continue
        return bits + "".join(rng.choice("01") for _ in range(rng.randint(0, 24)))


def eval_storm_bits(rng: random.Random, language: Language) -> str:
    """A program that evals pseudo-random 62-bit values in a loop: random children, some of
    which eval random grandchildren, down to the eval nesting limit."""
    source = (f"loop idx {rng.randint(0, 10 ** 6)} mix 4 shr {rng.randint(0, 400)} {rng.randint(0, 70)} eval "
              f"{rng.choice(['drop drop', 'out out', 'add out', 'xor 0 store'])} end")
    return assemble(source, language)


BUDGETS = (1, 2, 3, 7, 50, 1000, 20_000)
OUTPUT_BUDGETS = (1, 2, 8, 64, 1000)


def check_run(language: Language, bits: str, max_steps: int, output_bits: int, result) -> list:
    """Invariants every run must satisfy; returns the violations found (empty: fine)."""
    problems = []
    if result.steps > max_steps:
        problems.append(f"ran {result.steps} steps, budget {max_steps}")
    if len(result.output) > output_bits:
        problems.append(f"wrote {len(result.output)} bits, limit {output_bits}")
    if result.bits_read > len(bits):
        problems.append(f"read {result.bits_read} bits of {len(bits)}")
    if result.status == Status.STEP_LIMIT and result.steps != max_steps:
        problems.append(f"step_limit after {result.steps} of {max_steps} steps")
    if result.status == Status.OUTPUT_LIMIT and len(result.output) != output_bits:
        problems.append(f"output_limit with {len(result.output)} of {output_bits} bits")
    if set(result.output) - {"0", "1"}:
        problems.append("output is not bits")
    return problems


def fuzz_interpreter(language: Language, count: int, seed: int = 0, reference_steps: int = 20_000) -> dict:
    """``count`` programs of each kind; returns counts and every problem found."""
    rng = random.Random(seed)
    kinds = {"uniform": lambda: uniform_bits(rng, 400), "structured": lambda: structured_bits(rng, language)}
    if "eval" in language.codewords:
        kinds["eval storm"] = lambda: eval_storm_bits(rng, language)
    report = {"programs": 0, "compared_with_reference": 0, "statuses": {}, "problems": []}
    for kind, make in kinds.items():
        programs = [make() for _ in range(count)]
        max_steps, output_bits = rng.choice(BUDGETS), rng.choice(OUTPUT_BUDGETS)
        fast = run_many(language, programs, max_steps, output_bits)
        for bits, result in zip(programs, fast):
            report["programs"] += 1
            report["statuses"][result.status.label] = report["statuses"].get(result.status.label, 0) + 1
            for problem in check_run(language, bits, max_steps, output_bits, result):
                report["problems"].append({"kind": kind, "bits": bits, "problem": problem})
            if max_steps <= reference_steps and rng.random() < 0.25:
                report["compared_with_reference"] += 1
                if run_reference(language, bits, max_steps, output_bits) != result:
                    report["problems"].append({"kind": kind, "bits": bits, "problem": "kernel != reference"})
        # the largest budget there is, on the programs that stop by themselves
        for bits, result in zip(programs[:50], fast[:50]):
            if result.status in (Status.HALTED, Status.FAULT, Status.BITS_LIMIT):
                huge = run(language, bits, 2 ** 61, output_bits)
                report["programs"] += 1
                if huge.status != result.status or huge.steps != result.steps:
                    report["problems"].append({"kind": kind, "bits": bits, "problem": "a larger budget changed a "
                                               "run that had stopped by itself"})
    return report


def _mutate(text: str, rng: random.Random) -> str:
    characters = list(text)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(len(characters) + 1)
        action = rng.random()
        junk = rng.choice(["[", "]", ";", "0b", "0x", "-", " ", "\n", "end", "if", "x", "é", "\t", "99999999999999999999"])
        if action < 0.4 and characters:
            del characters[min(position, len(characters) - 1)]
        elif action < 0.8:
            characters.insert(position, junk)
        elif characters:
            characters[min(position, len(characters) - 1)] = junk[0]
    return "".join(characters)


def fuzz_assembler(language: Language, count: int, seed: int = 0, sources=()) -> dict:
    """Random token soup and mutations of ``sources``; returns counts and every problem found."""
    rng = random.Random(seed)
    tokens = list(MNEMONICS) + list(language.composites) + [
        "const", "macro", "endmacro", "bits", "halt", "[", "]", ";", "\n", "0b101", "0x1f", "-3", "1", "7", "62",
        "2305843009213693952", "name", "def", "call", "010"]
    report = {"texts": 0, "assembled": 0, "refused": 0, "problems": []}
    for index in range(count):
        if sources and index % 2:
            text = _mutate(rng.choice(sources), rng)
        else:
            text = " ".join(rng.choice(tokens) for _ in range(rng.randint(0, 40)))
        report["texts"] += 1
        try:
            bits = assemble(text, language, source="fuzz.toy", strict=rng.random() < 0.5)
        except (AssemblyError, ValueError):
            report["refused"] += 1
            continue
        except Exception as error:  # noqa: BLE001 - any other exception is the bug we are looking for
            report["problems"].append({"text": text, "problem": f"{type(error).__name__}: {error}"})
            continue
        report["assembled"] += 1
        if bits and assemble(disassemble(bits, language, max_steps=2000), language, strict=False) != bits:
            report["problems"].append({"text": text, "problem": "disassembly does not reassemble to the same bits"})
    return report


# ---- hostile texts ------------------------------------------------------------------------------

#: The block openers and how a block of each is closed (an ``if`` needs a condition first).
HOSTILE_OPENERS = {"if": ("1 if ", " end"), "rep": ("2 rep ", " end"), "loop": ("loop ", " end"),
                   "def": ("def ", " end"), "quote": ("[ ", " ]")}


def deep_source(depth: int, opener: str = "quote", closed: bool = True, inner: str = "1 out") -> str:
    """``inner`` inside ``depth`` nested blocks of ``opener`` (see :data:`HOSTILE_OPENERS`),
    their closers written (``closed``) or left out."""
    start, finish = HOSTILE_OPENERS[opener]
    return start * depth + inner + (finish * depth if closed else "") + "\n"


def macro_bomb_source(levels: int, fan_out: int, body: str = "dup", quoted: bool = False) -> str:
    """A macro fan-out bomb: ``m0`` is ``body``, each ``m<i>`` uses ``m<i-1>`` ``fan_out``
    times (inside a quote when ``quoted``), and the program uses the last one: fan_out**levels
    copies of ``body`` when expanded, from a text of a few hundred bytes."""
    lines = [f"macro m0 {body} endmacro"]
    for level in range(1, levels + 1):
        uses = " ".join([f"m{level - 1}"] * fan_out)
        lines.append(f"macro m{level} {'[ ' + uses + ' ]' if quoted else uses} endmacro")
    return "\n".join(lines) + f"\nm{levels} out\n"


def huge_literal_source(digits: int, rng: random.Random, where: str = "push") -> str:
    """A number of ``digits`` decimal digits: pushed, as a ``const``, or as a ``call`` target."""
    number = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(digits - 1))
    return {"push": f"{number} out\n", "const": f"const BIG {number}\nBIG out\n",
            "call": f"def 1 out end call {number}\n", "hex": f"0x{number} out\n"}[where]


#: The kinds of :func:`hostile_source` (drawn with these weights).
HOSTILE_KINDS = {"deep": 2, "bomb": 2, "literal": 1, "word": 1, "words": 1, "bits": 1}


def hostile_source(rng: random.Random, scale: int = 5, kinds=None) -> tuple[str, str]:
    """One hostile toy text and what it is (for reports): nesting 10^3..10^scale deep, a macro
    bomb, a huge literal, a megabyte word, more words than a program may have, or a million raw
    bits; ``kinds`` (names of :data:`HOSTILE_KINDS`) narrows the choice."""
    names = sorted(kinds or HOSTILE_KINDS)
    kind = rng.choices(names, [HOSTILE_KINDS[name] for name in names])[0]
    if kind == "deep":
        depth, opener, closed = 10 ** rng.randint(3, scale), rng.choice(sorted(HOSTILE_OPENERS)), rng.random() < 0.7
        return deep_source(depth, opener, closed), f"{opener} nested {depth} deep{'' if closed else ', unclosed'}"
    if kind == "bomb":
        levels, fan_out = rng.randint(3, 12), rng.randint(2, 10)
        body, quoted = rng.choice(["dup", "1 out", "bits 0101", "1 if dup end"]), rng.random() < 0.25
        return (macro_bomb_source(levels, fan_out, body, quoted),
                f"macro bomb {fan_out}^{levels} of {body!r}{' quoted' if quoted else ''}")
    if kind == "literal":
        digits, where = rng.choice([1000, 5000, 100_000]), rng.choice(["push", "const", "call", "hex"])
        return huge_literal_source(digits, rng, where), f"{digits}-digit literal ({where})"
    if kind == "word":
        size = rng.choice([10 ** 5, 10 ** 6, 10 ** 7])
        return "x" * size + " out\n", f"one word of {size} characters"
    if kind == "words":
        count = rng.choice([MAX_PROGRAM_WORDS + 2, 2 * MAX_PROGRAM_WORDS])   # (just past the limit, and twice it)
        return "1 drop " * (count // 2) + "\n", f"{count} words"
    count = rng.choice([10 ** 6, 10 ** 7])
    return "bits " + "01" * (count // 2) + "\n", f"a bits run of {count} bits"


def fuzz_hostile_assembler(language: Language, count: int, seed: int = 0, scale: int = 4, kinds=None) -> dict:
    """Assemble ``count`` hostile texts (:func:`hostile_source`, nesting up to 10^scale) in
    process; each must give bits or raise AssemblyError/ValueError with a one-line message of at
    most a few hundred characters. Returns counts and every problem found."""
    rng = random.Random(seed)
    report = {"texts": 0, "assembled": 0, "refused": 0, "problems": []}
    for _ in range(count):
        text, what = hostile_source(rng, scale, kinds)
        report["texts"] += 1
        try:
            assemble(text, language, source="hostile.toy", strict=rng.random() < 0.5)
        except (AssemblyError, ValueError) as error:
            report["refused"] += 1
            message = str(error)
            if "\n" in message.strip() or len(message) > 400:
                report["problems"].append({"text": what, "problem": f"an error of {len(message)} characters "
                                                                     f"or several lines: {message[:120]!r}"})
            continue
        except Exception as error:  # noqa: BLE001 - RecursionError, MemoryError, ...: the bugs looked for
            report["problems"].append({"text": what, "problem": f"{type(error).__name__}: {str(error)[:200]}"})
            continue
        report["assembled"] += 1
    return report
