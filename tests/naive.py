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
    from toyinduction.machines.toy.reference import run_reference

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


def predict_naively(language, sequence, max_bits, max_steps, named_bits=(), speed=0.0, step_cap=None):
    """The mixture's predictions computed literally, one hypothesis at a time.

    Hypotheses: the naive enumeration's leaves and the named programs (bit strings), each run
    by the reference interpreter to len(sequence) + 1 output bits. A named program longer
    than max_bits has its mass 2^-|q| carved out of the leaf q[:max_bits]. Weights are exact
    Fractions for speed = 0. With a ``step_cap``, runs longer than it weigh 0, and an unresolved
    run that cannot write bit t+1 within it (every output bit is a step) is out of step t.
    Returns per step (p_one, p_lower, p_upper, coin_lower, coin_upper) and, after each number of
    observed bits, (posterior of named programs, unresolved posterior).
    """
    from fractions import Fraction

    from toyinduction.machines.toy.reference import run_reference

    n = len(sequence)
    hypotheses = []
    for bits, result in enumerate_naively(language, max_bits, max_steps, n + 1):
        hypotheses.append({"bits": bits, "mass": Fraction(1, 2 ** len(bits)), "result": result, "named": False})
    for program in named_bits:
        result = run_reference(language, program, 10 ** 7, n + 1)
        effective = program[: result.bits_read]
        if len(effective) <= max_bits:
            next(h for h in hypotheses if h["bits"] == effective)["named"] = True
            continue
        container = next(h for h in hypotheses if h["bits"] == effective[:max_bits])
        container["mass"] -= Fraction(1, 2 ** len(effective))
        hypotheses.append({"bits": effective, "mass": Fraction(1, 2 ** len(effective)), "result": result,
                           "named": True})
    for h in hypotheses:
        h["weight"] = h["mass"] if speed == 0 else float(h["mass"]) * max(h["result"].steps, 1) ** -speed
        h["unresolved"] = h["result"].status.label in ("step_limit", "bits_limit")
        if step_cap is not None and h["result"].steps > step_cap:
            h["weight"] = 0

    def can_write(h, t):
        """Whether an unresolved run can still write bit t+1 within the step cap."""
        return step_cap is None or h["result"].steps + (t + 1 - len(h["result"].output)) <= step_cap

    def owed(h, t):
        """An unresolved run t - |output| bits short must still take that many steps: under the
        speed prior it is weighed as if it had (its weight at time t)."""
        if speed == 0 or t <= len(h["result"].output):
            return h["weight"]
        return float(h["mass"]) * (max(h["result"].steps, 1) + t - len(h["result"].output)) ** -speed
    steps, posteriors = [], []
    for t in range(n + 1):
        seen = sequence[:t]
        consistent = named = unresolved = 0
        for h in hypotheses:
            output = h["result"].output
            if output.startswith(seen):
                consistent += h["weight"]
                named += h["weight"] if h["named"] else 0
            elif h["unresolved"] and seen.startswith(output) and can_write(h, t):
                unresolved += owed(h, t) * Fraction(1, 2 ** (t - len(output)))
        total = consistent + unresolved
        posteriors.append((named / total, unresolved / total) if total else (0, 0))
        if t == n:
            break
        resolved = {0: 0, 1: 0}
        raw = coins = 0
        for h in hypotheses:
            output = h["result"].output
            if len(output) > t and output[:t] == seen:
                resolved[int(output[t])] += h["weight"]
            elif h["unresolved"] and seen.startswith(output) and can_write(h, t):
                raw += owed(h, t)
                coins += owed(h, t) * Fraction(1, 2 ** (t - len(output)))
        denominator = resolved[0] + resolved[1] + coins
        p_one = (resolved[1] + coins / 2) / denominator if denominator else Fraction(1, 2)
        bound = resolved[0] + resolved[1] + raw
        steps.append((p_one, resolved[1] / bound if bound else 0, (resolved[1] + raw) / bound if bound else 1,
                      resolved[1] / denominator if denominator else 0,
                      (resolved[1] + coins) / denominator if denominator else 1))
    return steps, posteriors


def ctw_block_probability(sequence, depth):
    """CTW probability of a whole sequence from its recursive definition (contexts padded with 0s):
    P_w(s) = KT(s) at depth D, else 1/2 KT(s) + 1/2 P_w(0s) P_w(1s)."""
    from fractions import Fraction

    padded = [0] * depth + [int(c) for c in sequence]

    def kt_probability(bits):
        zeros = ones = 0
        probability = Fraction(1)
        for bit in bits:
            probability *= Fraction(2 * (ones if bit else zeros) + 1, 2 * (zeros + ones + 1))
            zeros, ones = zeros + (bit == 0), ones + (bit == 1)
        return probability

    def weighted(context):  # context: tuple, most recent bit first
        bits = [padded[i] for i in range(depth, len(padded))
                if tuple(padded[i - 1 - k] for k in range(len(context))) == context]
        if len(context) == depth:
            return kt_probability(bits)
        return kt_probability(bits) / 2 + weighted(context + (0,)) * weighted(context + (1,)) / 2

    return weighted(())


def hash_stream(n):
    """Bit t is the low bit of mix(t, 0): splitmix64's finaliser of t + φ, top 62 bits
    (written out again here, independently of toyinduction.machines.toy.reference.mix)."""
    mask = (1 << 64) - 1
    bits = []
    for t in range(n):
        z = (t + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        bits.append(str((z >> 2) & 1))
    return "".join(bits)


def enumerate_with_runner(run, max_bits):
    """Every program up to max_bits bits of any machine given as run(bits) -> RunResult, each
    run from scratch (the naive tree of reads): a list of (bits, RunResult)."""
    leaves, frontier = [], [""]
    while frontier:
        expanded = []
        for bits in frontier:
            result = run(bits)
            if result.status.label == "bits_limit" and len(bits) < max_bits:
                expanded += [bits + "0", bits + "1"]
            else:
                leaves.append((bits, result))
        frontier = expanded
    return leaves


def rule30_ring(cells):
    """One generation of rule 30 on a ring of cells (a list of 0/1): left xor (centre or right)."""
    n = len(cells)
    return [cells[i - 1] ^ (cells[i] | cells[(i + 1) % n]) for i in range(n)]
