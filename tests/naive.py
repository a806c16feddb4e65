"""Slow, obvious generators of the sequences the shipped programs should emit.

These are written independently of the toy programs (plain Python), so a test that compares
a program's output with them checks the program, not a copy of its own output.
"""


def constant(n):
    return "1" * n


def alternate(n):
    return "".join(str(t % 2) for t in range(n))


def periodic(pattern, n):
    return "".join(pattern[t % len(pattern)] for t in range(n))


def binary_counter(n):
    text = "".join(bin(k)[2:] for k in range(1, n + 1))
    return text[:n]


def thue_morse(n):
    return "".join(str(bin(t).count("1") % 2) for t in range(n))


def fibonacci_word(n):
    word = "0"
    while len(word) < n:  # the fixed point of the morphism 0 -> 01, 1 -> 0
        word = "".join("01" if c == "0" else "0" for c in word)
    return word[:n]


def primes_indicator(n):
    return "".join("1" if k > 1 and all(k % d for d in range(2, k)) else "0" for k in range(n))


def eca_column(rule, steps, offset=0, width=4001):
    """Column ``offset`` cells left of a single seed cell of elementary CA ``rule`` (wide row)."""
    row = [0] * width
    seed = width // 2
    row[seed] = 1
    column = []
    for _ in range(steps):
        column.append(str(row[seed - offset]))
        row = [(rule >> (4 * row[i - 1] + 2 * row[i] + row[(i + 1) % width])) & 1 for i in range(width)]
    return "".join(column)


def enumerate_naively(language, max_bits, max_steps, output_bits):
    """Every program up to max_bits bits, each run from scratch by the reference interpreter.

    Breadth first over bit strings: a string whose run stops for want of bits (and is shorter
    than max_bits) is extended by 0 and 1; any other string is a leaf. Returns a list of
    (program bits, RunResult) in lexicographic order of program bits.
    """
    from toyinduction.reference import run_reference

    leaves, frontier = [], [""]
    while frontier:
        expanded = []
        for bits in frontier:
            result = run_reference(language, bits, max_steps, output_bits)
            if result.status.label == "bits_limit" and len(bits) < max_bits:
                expanded += [bits + "0", bits + "1"]
            else:
                leaves.append((bits, result))
        frontier = expanded
    return sorted(leaves)
