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
"""

from __future__ import annotations

import random

from toyinduction.machines.toy.assembler import AssemblyError, assemble, disassemble
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
