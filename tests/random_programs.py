"""Random programs for differential tests: uniform bit strings and structured assembly.

Uniform random bits mostly fault within a few instructions (stack underflow), so they test
decoding and the fault paths. Structured programs are generated from a grammar of the
assembly language (blocks, subroutines, memory, read, eval of quoted programs) so that runs
go deep: loops, calls, nested evals, output and data reads.
"""

import random

SIMPLE = ("dup", "drop", "swap", "over", "rot", "add", "sub", "mul", "div", "mod", "inc", "eq", "lt",
          "not", "and", "or", "xor", "shr", "mix", "load", "store", "out", "idx", "brk")


def uniform_bits(rng: random.Random, max_length: int = 160) -> str:
    """A uniformly random bit string of uniformly random length 1..max_length."""
    return "".join(rng.choice("01") for _ in range(rng.randint(1, max_length)))


def structured_source(rng: random.Random, size: int = 24, depth: int = 0, quoted: bool = False) -> str:
    """Random toy assembly with balanced blocks (non-strict: may still fault when run)."""
    words, subroutines = [], 0
    if depth == 0:  # a few values to work on, so that runs get past the first instructions
        words += [str(rng.randint(0, 9)) for _ in range(rng.randint(4, 10))]
    for _ in range(size):
        roll = rng.random()
        if roll < 0.30:
            words.append(str(rng.choice([0, 1, 1, 2, 3, 5, 7, 8, 62, 63, 255, 256, 2 ** 62, 2 ** 63 - 2])))
        elif roll < 0.70:
            words.append(rng.choice(SIMPLE + ("out", "out", "dup")))
        elif roll < 0.76 and depth < 3:
            words += ["if", structured_source(rng, size // 3, depth + 1, quoted)]
            if rng.random() < 0.5:
                words += ["else", structured_source(rng, size // 3, depth + 1, quoted)]
            words.append("end")
        elif roll < 0.82 and depth < 3:
            words += [str(rng.randint(0, 6)), "rep", structured_source(rng, size // 3, depth + 1, quoted), "end"]
        elif roll < 0.86 and depth < 3:
            words += ["loop", structured_source(rng, size // 3, depth + 1, quoted), "idx", str(rng.randint(1, 9)),
                      "eq", "brk", "end"]
        elif roll < 0.89 and depth < 2:
            words += ["def", structured_source(rng, size // 3, depth + 1, quoted), "end"]
            subroutines += 1
        elif roll < 0.92 and subroutines:
            words += ["call", str(rng.randint(0, subroutines - 1))]
        elif roll < 0.95:
            words += [str(rng.randint(0, 5)), "read"]
        elif roll < 0.98 and not quoted:
            inner = structured_source(rng, 4, 2, quoted=True)
            words += ["[", inner, "]", str(rng.randint(0, 60)), str(rng.randint(0, 8)), "eval"]
        else:
            words.append(rng.choice(["halt", "ret", "end"]) if depth else "halt")
    return " ".join(words)


def structured_bits(rng: random.Random, language) -> str:
    """Assembled structured program plus a few random data/tail bits."""
    from toyinduction.assembler import AssemblyError, assemble

    while True:
        source = structured_source(rng, size=rng.randint(4, 30))
        try:
            bits = assemble(source, language, strict=False)
        except AssemblyError:  # a quoted program came out longer than 62 bits: draw again
            continue
        return bits + "".join(rng.choice("01") for _ in range(rng.randint(0, 24)))
