"""Counted blocks: how many bit strings a block that is read but not run can be, by what the rest
of the run can see of it.

When the running machine must find the end of a block it does not run — the body of a ``def``
it executes, the part of an ``if`` it skips on 0, a ``rep`` of 0 iterations, the ``else`` part
after a run ``if`` part, the rest of a ``loop`` left by ``brk`` — the decoder reads codewords up to
the block's ``end`` (or, for the ``if`` part, an ``else``). Until control enters that code, the
rest of the run depends on it only through

- its length in bits ℓ (the code after it starts ℓ bits later),
- what closes it (``end``, or ``else`` for an ``if`` part),
- the number n of ``def`` in it (they number the subroutines after it),
- two flags the silent-run test reads off a loop's decoded body: does the block hold an ``out``,
  ``call`` or ``brk``, and does it hold a ``ret`` (outside the bodies of the ``def`` in it,
  which only run when called), and
- whether decoding it faults (too deep a nesting, too many subroutines),

because decoding is all that happens to it. The flat enumerator's *counted blocks* (``defer``)
therefore runs what follows such a block once per class, weighted by the number of blocks in
the class, instead of once per block; when control enters the block (a ``call`` of a subroutine
in it, an ``if`` or ``rep`` that runs it the next time round a loop) the class is expanded into
its blocks (see :mod:`toyinduction.machines.toy.flat`).

This module counts the classes exactly with a dynamic program over the codewords (a block is a
sequence of codewords; an operand of z leading zeros takes 2z + 1 bits and has 2^z values), for
every context the counts depend on: the room left for open blocks and for subroutines, and
whether an ``else`` closes the block. :func:`count_blocks_reference` (every bit string decoded
one by one) stands beside it for the tests.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from toyinduction._numba import jit
from toyinduction.machines.toy.language import HAS_OPERAND, Language

# What a codeword does to the block being decoded.
E_PLAIN, E_OPEN, E_DEF, E_END, E_ELSE = range(5)
# What closed a block: its end, or (the if part of an if) an else.
C_END, C_ELSE = 0, 1
# Flags of a block's code outside the bodies of its defs.
F_LOUD, F_RET = 1, 2
LOUD = ("out", "call", "brk")


def _flags(mnemonics) -> int:
    flags = 0
    for mnemonic in mnemonics:
        flags |= F_LOUD if mnemonic in LOUD else F_RET if mnemonic == "ret" else 0
    return flags


def block_tokens(language: Language, max_bits: int) -> np.ndarray:
    """The codewords a block can hold, as rows (bits, count, effect, depth, flags): ``count`` bit
    strings of ``bits`` bits that decode to one codeword of this ``effect`` (an operand's values
    are counted, not listed); ``depth`` is how deep the codeword nests blocks while it is
    appended (1 for an opener, a composite's deepest nesting, else 0); ``flags`` as
    :data:`F_LOUD` / :data:`F_RET`. Only rows of at most ``max_bits`` bits."""
    rows = {}
    for symbol, word in language.codewords.items():
        if symbol in language.composites:
            level, depth = 0, 0
            for mnemonic, _ in language.composites[symbol]:
                if mnemonic in ("if", "rep", "loop"):
                    level += 1
                    depth = max(depth, level)
                elif mnemonic == "end":
                    level -= 1
            effect, flags = E_PLAIN, _flags(m for m, _ in language.composites[symbol])
        else:
            effect = {"end": E_END, "else": E_ELSE, "if": E_OPEN, "rep": E_OPEN, "loop": E_OPEN,
                      "def": E_DEF}.get(symbol, E_PLAIN)
            depth = 1 if effect in (E_OPEN, E_DEF) else 0
            flags = _flags([symbol])
        operand = HAS_OPERAND.get(symbol, False) and symbol not in language.composites
        for zeros in range(max_bits if operand else 1):
            bits = len(word) + (2 * zeros + 1 if operand else 0)
            if bits > max_bits:
                break
            key = (bits, effect, depth, flags)
            rows[key] = rows.get(key, 0) + (1 << zeros if operand else 1)
    return np.array([(bits, count, effect, depth, flags) for (bits, effect, depth, flags), count in sorted(rows.items())],
                    dtype=np.int64).reshape(-1, 5)


@jit
def _count_blocks(tokens, max_bits, else_closes, room_open, room_defs, max_depth, max_nested):
    """The dynamic program. A state is (bits read, depth r — the block itself is 1 —, nested defs
    n, depth z of the outermost def open in the block (0: none), flags). Returns ``closed[ℓ, j]``:
    blocks of ℓ bits (closer included) of class j = (n * 2 + closer) * 4 + flags that decode
    without a fault, and ``faulted[q]``: bit strings whose decoding faults at their q-th bit, for
    a block started with ``room_open`` more blocks allowed to open and ``room_defs`` more
    subroutines (an ``else`` at depth 1 closes it if ``else_closes``)."""
    ways = np.zeros((max_bits + 1, max_depth + 2, max_nested + 1, max_depth + 2, 4), dtype=np.int64)
    closed = np.zeros((max_bits + 1, (max_nested + 1) * 8), dtype=np.int64)
    faulted = np.zeros(max_bits + 1, dtype=np.int64)
    ways[0, 1, 0, 0, 0] = 1
    for used in range(max_bits + 1):
        for depth in range(1, max_depth + 1):
            for nested in range(max_nested + 1):
                for inside in range(max_depth + 1):
                    for flags in range(4):
                        count = ways[used, depth, nested, inside, flags]
                        if count == 0:
                            continue
                        for t in range(tokens.shape[0]):
                            after = used + tokens[t, 0]
                            if after > max_bits:
                                continue
                            weight = count * tokens[t, 1]
                            effect = tokens[t, 2]
                            # appending an opener with (open blocks) >= the nesting limit faults;
                            # the block's own open blocks are depth - 1 beyond its start
                            if tokens[t, 3] > 0 and depth - 1 + tokens[t, 3] > room_open:
                                faulted[after] += weight
                                continue
                            if effect == E_DEF and nested >= room_defs:
                                faulted[after] += weight
                                continue
                            seen = flags | (tokens[t, 4] if inside == 0 else 0)
                            if effect == E_END:
                                if depth == 1:
                                    closed[after, (nested * 2 + C_END) * 4 + flags] += weight
                                else:
                                    ways[after, depth - 1, nested, 0 if inside > depth - 1 else inside, flags] += weight
                            elif effect == E_ELSE and depth == 1 and else_closes:
                                closed[after, (nested * 2 + C_ELSE) * 4 + flags] += weight
                            elif effect == E_OPEN:
                                if depth + 1 <= max_depth:
                                    ways[after, depth + 1, nested, inside, flags] += weight
                            elif effect == E_DEF:
                                if depth + 1 <= max_depth and nested + 1 <= max_nested:
                                    ways[after, depth + 1, nested + 1, depth + 1 if inside == 0 else inside,
                                         flags] += weight
                            else:
                                ways[after, depth, nested, inside, seen] += weight
    open_ways = np.zeros((max_bits + 1, max_depth + 2), dtype=np.int64)
    for used in range(max_bits + 1):
        for depth in range(1, max_depth + 1):
            open_ways[used, depth] = ways[used, depth].sum()
    return closed, faulted, open_ways


@jit
def _closable(tokens, max_bits, else_closes, max_depth, max_nested):
    """``closable[b, r, m]``: some sequence of exactly b bits of codewords closes a block from
    depth r with exactly m more nested ``def`` (faults and flags ignored: a necessary
    condition, used to prune)."""
    closable = np.zeros((max_bits + 1, max_depth + 2, max_nested + 1), dtype=np.uint8)
    for bits in range(1, max_bits + 1):
        for depth in range(1, max_depth + 1):
            for more in range(max_nested + 1):
                for t in range(tokens.shape[0]):
                    rest = bits - tokens[t, 0]
                    if rest < 0:
                        continue
                    effect = tokens[t, 2]
                    if effect == E_END or (effect == E_ELSE and depth == 1 and else_closes):
                        if depth == 1:
                            ok = rest == 0 and more == 0
                        else:
                            ok = closable[rest, depth - 1, more] == 1
                    elif effect == E_OPEN:
                        ok = depth + 1 <= max_depth and closable[rest, depth + 1, more] == 1
                    elif effect == E_DEF:
                        ok = depth + 1 <= max_depth and more >= 1 and closable[rest, depth + 1, more - 1] == 1
                    else:
                        ok = closable[rest, depth, more] == 1
                    if ok:
                        closable[bits, depth, more] = 1
                        break
    return closable


def _dimensions(language: Language, tokens: np.ndarray, max_bits: int) -> tuple:
    openers = [int(row[0]) for row in tokens if row[2] in (E_OPEN, E_DEF)]
    defs = [int(row[0]) for row in tokens if row[2] == E_DEF]
    deepest = max([int(row[3]) for row in tokens] + [1])
    max_depth = max_bits // min(openers) + 2 if openers else 1
    max_nested = max_bits // min(defs) if defs else 0
    open_cap, defs_cap = max_depth + deepest + 1, max_nested + 1
    # at a block's start at most max_bits / (shortest opener) blocks are open, as many defs made
    open_least = max(0, min(language.limits["block_nesting"] - (max_bits // min(openers) if openers else 0), open_cap))
    defs_least = max(0, min(language.limits["max_subroutines"] - (max_bits // min(defs) if defs else 0), defs_cap))
    return max_depth, max_nested, (max_nested + 1) * 8, open_cap, defs_cap, open_least, defs_least


def block_tables_nbytes(language: Language, max_bits: int) -> int:
    """Bytes of the :class:`BlockTables` for ``language`` and ``max_bits`` (computed, not built)."""
    max_depth, max_nested, per, open_cap, defs_cap, _, _ = _dimensions(language, block_tokens(language, max_bits),
                                                                       max_bits)
    contexts = 2 * (open_cap + 1) * (defs_cap + 1)
    return 8 * contexts * ((max_bits + 1) * (2 * per + 3) + 1) + 2 * (max_bits + 1) * (max_depth + 2) * (max_nested + 1)


class BlockTables:
    """The counts the flat enumerator's counted blocks need, for programs of at most ``max_bits``:

    - ``closed[e, o, s, ℓ, j]`` and ``faulted[e, o, s, q, 0]``: e = 1 if an ``else`` closes the block
      (an ``if`` part), o = the room left for open blocks, s = the room left for subroutines,
      each capped where the cap cannot matter within ``max_bits`` bits; rooms below
      ``open_least`` / ``defs_least`` cannot occur at the start of a block and are not computed;
      class j = (n * 2 + closer) * 4 + flags (``per`` = classes per length);
      ``faulted[e, o, s, b, 1]``: strings of b bits that closed or faulted within them;
      ``faulted[e, o, s, b, 2]``: strings that faulted at a bit q <= b;
      ``next_class[e, o, s, k]``: the first class index >= k (k = ℓ * per + j) with blocks;
    - ``closable[e, b, r, m]`` (see :func:`_closable`).
    """

    def __init__(self, language: Language, max_bits: int):
        tokens = block_tokens(language, max_bits)
        self.tokens = tokens
        (self.max_depth, self.max_nested, self.per, self.open_cap, self.defs_cap, self.open_least,
         self.defs_least) = _dimensions(language, tokens, max_bits)
        self.closed = np.zeros((2, self.open_cap + 1, self.defs_cap + 1, max_bits + 1, self.per), np.int64)
        self.faulted = np.zeros((2, self.open_cap + 1, self.defs_cap + 1, max_bits + 1, 3), np.int64)
        self.next_class = np.zeros((2, self.open_cap + 1, self.defs_cap + 1, (max_bits + 1) * self.per + 1),
                                   np.int64)
        self.faulted[:, :, :, 0, 0] = -1      # a context not computed (the kernel checks)
        self.closable = np.zeros((2, max_bits + 1, self.max_depth + 2, self.max_nested + 1), np.uint8)
        # open_ways[e, o, s, b, r]: token sequences of b bits left open at depth r (no fault)
        self.open_ways = np.zeros((2, self.open_cap + 1, self.defs_cap + 1, max_bits + 1, self.max_depth + 2),
                                  np.int64)
        self.language, self.max_bits = language, max_bits
        for else_closes in (0, 1):
            for room_open in range(self.open_least, self.open_cap + 1):
                for room_defs in range(self.defs_least, self.defs_cap + 1):
                    closed, faulted, open_ways = _count_blocks(tokens, max_bits, else_closes, room_open, room_defs,
                                                               self.max_depth, self.max_nested)
                    self.open_ways[else_closes, room_open, room_defs] = open_ways
                    self.closed[else_closes, room_open, room_defs] = closed
                    self.faulted[else_closes, room_open, room_defs, :, 0] = faulted
                    # settled[b]: strings of b bits that closed or faulted within them
                    settled = self.faulted[else_closes, room_open, room_defs, :, 1]
                    for bits in range(1, max_bits + 1):
                        settled[bits] = 2 * settled[bits - 1] + closed[bits].sum() + faulted[bits]
                    self.faulted[else_closes, room_open, room_defs, :, 2] = np.cumsum(faulted)
                    # next_class[k]: the first class >= k with blocks (k = ℓ * per + j; the end: past all)
                    following = self.next_class[else_closes, room_open, room_defs]
                    flat = closed.ravel()
                    following[-1] = len(flat)
                    for k in range(len(flat) - 1, -1, -1):
                        following[k] = k if flat[k] else following[k + 1]
            self.closable[else_closes] = _closable(tokens, max_bits, else_closes, self.max_depth, self.max_nested)


_COMPUTED: dict = {}


def _once(compute, language: Language, *arguments):
    """compute(language, *arguments), computed once per process (languages by name and spec hash)."""
    key = (compute.__name__, language.name, language.spec_hash, arguments)
    if key not in _COMPUTED:
        _COMPUTED[key] = compute(language, *arguments)
    return _COMPUTED[key]


def block_tables(language: Language, max_bits: int) -> BlockTables:
    """:class:`BlockTables` for ``language`` and ``max_bits``, computed once per process."""
    return _once(BlockTables, language, max_bits)


def count_blocks_reference(language: Language, bits: int, else_closes: bool, room_open: int,
                           room_defs: int) -> tuple[dict, dict]:
    """The slow, obvious count the dynamic program is tested against: decode every bit string of
    ``bits`` bits as a block, codeword by codeword (operands as the machine reads them), and
    return ({(ℓ, n, closer, flags): blocks closed after exactly ℓ bits}, {q: strings whose
    decoding faults at bit q}); strings that share a closed or faulted prefix count once."""
    words = {word: symbol for symbol, word in language.codewords.items()}
    closed, faulted = {}, {}
    seen = set()
    for value in range(1 << bits):
        text = format(value, f"0{bits}b") if bits else ""
        at, depth, nested, event = 0, 1, 0, None
        def_depth, flags = 0, 0          # depth of the outermost def open in the block (0: none)
        while event is None:
            word = next((text[at:end] for end in range(at + 1, len(text) + 1) if text[at:end] in words), None)
            if word is None:
                break
            symbol = words[word]
            at += len(word)
            if HAS_OPERAND.get(symbol, False) and symbol not in language.composites:
                zeros = 0
                while at < len(text) and text[at] == "0":
                    zeros += 1
                    at += 1
                if at + 1 + zeros > len(text):
                    break
                at += 1 + zeros
            body = [m for m, _ in language.composites[symbol]] if symbol in language.composites else [symbol]
            level = 0
            for mnemonic in body:
                if mnemonic in ("if", "rep", "loop", "def"):
                    if depth - 1 + level + 1 > room_open or (mnemonic == "def" and nested >= room_defs):
                        event = ("fault", at)
                        break
                    level += 1
                elif mnemonic == "end":
                    level -= 1
            if event is not None:
                break
            if def_depth == 0:
                flags |= _flags(body)
            if symbol in ("if", "rep", "loop", "def"):
                depth += 1
                if symbol == "def":
                    nested += 1
                    def_depth = def_depth or depth
            elif symbol == "end":
                depth -= 1
                if def_depth > depth:
                    def_depth = 0
                if depth == 0:
                    event = ("closed", at, C_END)
            elif symbol == "else" and depth == 1 and else_closes:
                event = ("closed", at, C_ELSE)
        if event is None or text[:event[1]] in seen:
            continue
        seen.add(text[:event[1]])
        if event[0] == "closed":
            key = (event[1], nested, event[2], flags)
            closed[key] = closed.get(key, 0) + 1
        else:
            faulted[event[1]] = faulted.get(event[1], 0) + 1
    return closed, faulted


# ----- blocks that never close -----------------------------------------------------------------
def closing_odds(language: Language) -> tuple:
    """(ρ, A), computed once per language: see :func:`_closing_odds`."""
    return _once(_closing_odds, language)


def _closing_odds(language: Language) -> tuple:
    """(ρ, A): a machine waiting for e more ``end``s, its decoder at codeword trie node c, ever goes
    on running with probability at most ρ^e · A[c] (exact Fractions).

    The nesting depth of the codewords read from random bits is a random walk: down one with
    probability d = P(end), up one with u = P(if, rep, loop or def), else in place (composites are
    balanced; operands do not count). From depth e it ever reaches 0 with probability (d/u)^e when
    u > d, else 1: ρ = min(1, d/u). A[c] corrects for a codeword read part way (A at the root, and
    inside an operand, is 1). Faults (nesting, subroutines) only stop more walks, so these are
    upper bounds on going on, and 1 - ρ^e · A[c] a lower bound on never writing again."""
    trie = language.trie
    down = sum(Fraction(1, 2 ** len(word)) for symbol, word in language.codewords.items() if symbol == "end")
    up = sum(Fraction(1, 2 ** len(word)) for symbol, word in language.codewords.items()
             if symbol in ("if", "rep", "loop", "def") and symbol not in language.composites)
    rho = min(Fraction(1), down / up) if up else Fraction(1)
    step = {"end": -1, "if": 1, "rep": 1, "loop": 1, "def": 1}
    weight = {}      # trie node -> A
    nodes = {}       # trie node -> its depth in bits
    frontier = [(0, 0)]
    while frontier:
        node, depth = frontier.pop()
        nodes[node] = depth
        for bit in (0, 1):
            following = int(trie[node, bit])
            if following >= 0:
                frontier.append((following, depth + 1))
    for node, depth in nodes.items():
        total = Fraction(0)
        for symbol, word in language.codewords.items():
            if _reaches(trie, word, node):
                delta = 0 if symbol in language.composites else step.get(symbol, 0)
                total += Fraction(1, 2 ** (len(word) - depth)) * rho ** delta
        weight[node] = total
    return rho, weight


def _reaches(trie, word: str, node: int) -> bool:
    """Whether decoding ``word`` passes through trie ``node`` (as an inner node)."""
    at = 0
    for bit in word[:-1]:
        if at == node:
            return True
        at = int(trie[at, int(bit)])
    return at == node


def incomplete_strings(language: Language, bits: int) -> list:
    """For k = 0..bits: (Σ A over the strings of k bits that are a proper beginning of a codeword
    with its operand, and how many such strings there are); A as in :func:`closing_odds`."""
    rho, weight = closing_odds(language)
    trie = language.trie
    at_depth = {}
    frontier = [(0, 0)]
    while frontier:
        node, depth = frontier.pop()
        at_depth.setdefault(depth, []).append(node)
        for bit in (0, 1):
            if int(trie[node, bit]) >= 0:
                frontier.append((int(trie[node, bit]), depth + 1))
    operands = [len(word) for symbol, word in language.codewords.items()
                if HAS_OPERAND.get(symbol, False) and symbol not in language.composites]
    rows = []
    for k in range(bits + 1):
        nodes = at_depth.get(k, [])
        count = len(nodes) + sum(_operand_incomplete(k - length) for length in operands if k >= length)
        total = sum((weight[node] for node in nodes), Fraction(0)) + (count - len(nodes))
        rows.append((total, count))
    return rows


def _operand_incomplete(bits: int) -> int:
    """Operand strings of ``bits`` bits that have not ended (z zeros, then 1 and z bits)."""
    count = 1                                   # all zeros so far
    for zeros in range(1, bits):
        rest = bits - zeros - 1
        if 0 <= rest < zeros:
            count += 1 << rest
    return count


def unclosed_going_on(tables: BlockTables, else_closes: int, room_open: int, room_defs: int, budget: int) -> tuple:
    """(Σ over the blocks of ``budget`` bits that neither closed nor faulted of the probability
    they ever go on — an upper bound, see :func:`closing_odds` — and their number), exactly."""
    rho, _ = closing_odds(tables.language)
    partial = incomplete_strings(tables.language, budget)
    ways = tables.open_ways[else_closes, room_open, room_defs]
    going_on, count = Fraction(0), 0
    for used in range(budget + 1):
        weight, number = partial[budget - used]
        for depth in range(1, ways.shape[1]):
            if ways[used, depth]:
                going_on += int(ways[used, depth]) * rho ** depth * weight
                count += int(ways[used, depth]) * number
    return going_on, count
