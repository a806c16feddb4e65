"""The toy language: ONE instruction table, the codes that encode it, and named variants.

A program of the toy language is an (in principle infinite) bit stream read left to right.
Instructions are decoded with a prefix-free code that is *complete* (its Kraft sum is exactly
1), so every infinite bit string is a program and no prior mass is lost to syntax errors:

    sum over instructions i of 2^-|codeword(i)| = 1.

Integer operands (of ``push`` and ``call``) use the Elias gamma code of n+1, also complete:
a natural number n costs 2*floor(log2(n+1)) + 1 bits.

A :class:`Language` is the instruction set together with its codewords and its machine limits.
Variants (drop instructions, reweight them, change named codeword lengths, give codewords by
hand) coexist by name and carry a
``spec_hash`` that changes whenever anything that can change a run changes.

A variant may also define *composites*: a new codeword of the complete code that decodes to a
fixed, well-formed sequence of table instructions (its *body*), as if those instructions had been
read at that point, at no further program-bit cost. Each body instruction then executes as
itself (one step each). Both interpreters expand a composite in their decoder, from the
per-language tables built here, so a composite needs no code in either interpreter
(docs/language-variants.md has the format and the exact semantics).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

#: Bumped whenever the meaning of any instruction changes; part of every spec hash.
SEMANTICS_VERSION = 1

# ---------------------------------------------------------------------------------------------
# THE table. (mnemonic, default codeword, operand, stack effect, one-line semantics)
# The row index is the instruction's fixed *semantic id*, which the interpreters dispatch on;
# codewords may be changed per variant, semantics may not.
# Conventions: "a b -- c" pops b (top) then a and pushes c. Arithmetic wraps modulo 2^64 as
# signed 64-bit integers. A missing operand on the stack is a fault (stack underflow).
# ---------------------------------------------------------------------------------------------
INSTRUCTION_TABLE = (
    # --- literals and stack --------------------------------------------------------------------
    ("push",  "0000",     "n", "-- n",        "push the literal n >= 0 (operand: Elias gamma of n+1)"),
    ("dup",   "0001",    "",  "a -- a a",     "duplicate the top"),
    ("drop",  "01010",   "",  "a --",         "discard the top"),
    ("swap",  "0010",   "",  "a b -- b a",   "exchange the top two"),
    ("over",  "01011",   "",  "a b -- a b a", "copy the second to the top"),
    ("rot",   "110000", "",  "a b c -- b c a", "rotate the third to the top"),
    # --- arithmetic, comparison, bits ----------------------------------------------------------
    ("add",   "0011",   "",  "a b -- a+b",   "sum"),
    ("sub",   "01100",   "",  "a b -- a-b",   "difference"),
    ("mul",   "110001",  "",  "a b -- a*b",   "product"),
    ("div",   "110010", "",  "a b -- a//b",  "floor quotient; b = 0 is a fault"),
    ("mod",   "110011",  "",  "a b -- a%b",   "floor remainder (sign of b); b = 0 is a fault"),
    ("inc",   "01101",   "",  "a -- a+1",     "increment"),
    ("eq",    "01110",   "",  "a b -- a==b",  "1 if equal else 0"),
    ("lt",    "01111",   "",  "a b -- a<b",   "1 if a < b else 0"),
    ("not",   "110100",  "",  "a -- !a",      "1 if a = 0 else 0"),
    ("and",   "110101",  "",  "a b -- a&b",   "bitwise and"),
    ("or",    "110110", "", "a b -- a|b",   "bitwise or"),
    ("xor",   "110111",  "",  "a b -- a^b",   "bitwise exclusive or"),
    ("shr",   "111000",  "",  "a k -- a>>k",  "arithmetic right shift by k clipped to 0..63"),
    ("mix",   "111001",  "",  "a b -- h",     "hash: splitmix64 finaliser of a + phi*(b+1), top 62 bits (cheap physics)"),
    # --- memory --------------------------------------------------------------------------------
    ("load",  "10000",   "",  "addr -- v",    "read memory cell addr; outside 0..cells-1 is a fault"),
    ("store", "10001",   "",  "v addr --",    "write v to memory cell addr; outside 0..cells-1 is a fault"),
    # --- structured control --------------------------------------------------------------------
    ("if",    "10010",   "",  "c --",         "if c != 0 run the block, else jump past the matching else/end"),
    ("else",  "111010",  "",  "--",           "end of the then-branch: jump past the matching end"),
    ("end",   "0100",    "",  "--",           "close the innermost open block; with no open block: halt"),
    ("rep",   "10011",   "",  "n --",         "run the block n times (n <= 0: skip it)"),
    ("loop",  "10100",   "",  "--",           "run the block forever (leave with brk)"),
    ("brk",   "111011",  "",  "c --",         "if c != 0 leave the innermost loop of this call"),
    ("idx",   "10101",   "",  "-- i",         "iteration index (from 0) of the innermost loop of this call"),
    ("def",   "111100", "", "--",          "define the next subroutine (ids 0,1,... in text order); skip its body"),
    ("call",  "10110",   "n", "--",           "call subroutine n (operand: Elias gamma of n+1); undefined is a fault"),
    ("ret",   "111101", "", "--",          "return from the subroutine; in the main program: halt"),
    # --- input, output, programs as data -------------------------------------------------------
    ("out",   "10111",   "",  "a --",         "emit the bit a & 1"),
    ("read",  "111110",    "",  "k -- v",       "read the next k program bits as data, MSB first (k in 0..62)"),
    ("eval",  "111111", "",  "p t k -- o s", "run bit string p as a program for <= t steps and <= k output bits (k clipped to 0..62); push its output o and status s"),
)

#: Field names of a table row, for readers of the table.
TABLE_COLUMNS = ("mnemonic", "codeword", "operand", "stack", "semantics")

MNEMONICS = tuple(row[0] for row in INSTRUCTION_TABLE)
SEMANTIC_ID = {mnemonic: index for index, mnemonic in enumerate(MNEMONICS)}
HAS_OPERAND = {row[0]: row[2] == "n" for row in INSTRUCTION_TABLE}
DEFAULT_CODEWORDS = {row[0]: row[1] for row in INSTRUCTION_TABLE}
SEMANTICS = {row[0]: row[4] for row in INSTRUCTION_TABLE}
STACK_EFFECT = {row[0]: row[3] for row in INSTRUCTION_TABLE}

def _stack_counts(effect: str) -> tuple[int, int]:
    before, after = effect.split("--")
    return len(before.split()), len(after.split())


#: Values each instruction needs on the stack (fewer is a stack underflow), from its stack effect.
STACK_NEEDS = {m: _stack_counts(effect)[0] for m, effect in STACK_EFFECT.items()}
#: How much each instruction can grow the stack (more than the depth is a stack overflow).
STACK_GROWS = {m: max(_stack_counts(effect)[1] - _stack_counts(effect)[0], 0) for m, effect in STACK_EFFECT.items()}

#: Instructions that open a block closed by ``end``.
BLOCK_OPENERS = ("if", "rep", "loop", "def")

#: Largest value a bit-string value (for eval) or a read may carry, in bits.
MAX_PACKED_BITS = 62
#: Largest Elias-gamma exponent accepted for a literal; larger is a fault (value would overflow).
MAX_LITERAL_EXPONENT = 62

#: Decoded values from here on are composites: the trie leaf of a composite is -(FIRST_COMPOSITE
#: + header row + 1), its header row holding the first and past-the-last row of its body.
FIRST_COMPOSITE = len(INSTRUCTION_TABLE)
#: Most instructions in one composite's body.
MAX_COMPOSITE_BODY = 64
#: Largest operand of push and call: Elias gamma of n + 1 with exponent <= 62.
MAX_OPERAND = 2 ** 63 - 2
#: Words of the assembler that cannot name a composite.
RESERVED_WORDS = ("const", "macro", "endmacro", "bits", "halt")

#: Machine limits of the default language. Part of the spec (and its hash).
DEFAULT_LIMITS = {
    "stack_depth": 256,      # values on the data stack
    "memory_cells": 256,     # int64 memory cells, addresses 0..cells-1
    "call_depth": 64,        # nested subroutine calls
    "loop_depth": 64,        # nested running loops (rep/loop) over all calls
    "block_nesting": 64,     # textual nesting of if/rep/loop/def
    "max_subroutines": 64,   # def blocks in one program
    "eval_depth": 3,         # nested eval levels below the main program
}


# ---------------------------------------------------------------------------------------------
# The operand code: Elias gamma of n + 1 (complete and self-delimiting).
# ---------------------------------------------------------------------------------------------
def encode_natural(n: int) -> str:
    """Elias gamma code of n + 1 for a natural number n >= 0: z zeros then the z+1 binary digits."""
    if n < 0:
        raise ValueError(f"natural numbers only, got {n}")
    binary = bin(n + 1)[2:]
    return "0" * (len(binary) - 1) + binary


def natural_code_length(n: int) -> int:
    """Length in bits of :func:`encode_natural` (n): 2*floor(log2(n+1)) + 1."""
    return 2 * ((n + 1).bit_length() - 1) + 1


# ---------------------------------------------------------------------------------------------
# Codes: Kraft sum, completeness, Huffman.
# ---------------------------------------------------------------------------------------------
def kraft_sum(codewords) -> Fraction:
    """Exact Kraft sum  sum_w 2^-|w|  of an iterable of codewords."""
    return sum((Fraction(1, 2 ** len(word)) for word in codewords), Fraction(0))


def check_complete_prefix_code(codewords: dict) -> None:
    """Raise ValueError unless the codewords are non-empty bit strings, prefix-free, Kraft sum 1."""
    if len(codewords) < 2:
        raise ValueError("a language needs at least two instructions")
    for mnemonic, word in codewords.items():
        if not word or set(word) - {"0", "1"}:
            raise ValueError(f"codeword of {mnemonic!r} must be a non-empty bit string, got {word!r}")
    ordered = sorted(codewords.items(), key=lambda item: item[1])
    for (name_a, word_a), (name_b, word_b) in zip(ordered, ordered[1:]):
        if word_b.startswith(word_a):
            raise ValueError(f"codeword {word_a!r} of {name_a!r} is a prefix of {word_b!r} of {name_b!r}")
    total = kraft_sum(codewords.values())
    if total != 1:
        raise ValueError(f"the code is not complete: Kraft sum is {total}, must be exactly 1")


def huffman_codewords(weights: dict) -> dict:
    """Canonical Huffman codewords for positive instruction weights.

    Code lengths come from Huffman's algorithm (ties broken by table order, composites after the
    table by name, so the result is deterministic); codewords are then assigned canonically
    (shorter first, then that order).
    The result is complete: Kraft sum exactly 1.
    """
    if len(weights) < 2:
        raise ValueError("a language needs at least two instructions")
    order = _code_order(weights)
    heap = []
    for tiebreak, name in enumerate(sorted(weights, key=order.get)):
        weight = weights[name]
        if not weight > 0:
            raise ValueError(f"weight of {name!r} must be positive, got {weight}")
        heap.append((float(weight), tiebreak, [name]))
    heapq.heapify(heap)
    lengths = {name: 0 for name in weights}
    tiebreak = len(heap)
    while len(heap) > 1:
        weight_a, _, names_a = heapq.heappop(heap)
        weight_b, _, names_b = heapq.heappop(heap)
        for name in names_a + names_b:
            lengths[name] += 1
        heapq.heappush(heap, (weight_a + weight_b, tiebreak, names_a + names_b))
        tiebreak += 1
    return canonical_codewords(lengths)


def _code_order(symbols) -> dict:
    """symbol -> its rank in a code: the instructions in table order, then composites by name."""
    others = sorted(name for name in symbols if name not in SEMANTIC_ID)
    return {name: SEMANTIC_ID[name] if name in SEMANTIC_ID else len(SEMANTIC_ID) + others.index(name)
            for name in symbols}


def canonical_codewords(lengths: dict) -> dict:
    """The canonical prefix code for codeword lengths (symbol -> bits) whose Kraft sum is at most
    1: shorter codewords first, ties in table order (composites after the table, by name), each
    codeword the previous one plus one, shifted to its length."""
    order = _code_order(lengths)
    codewords, code, previous_length = {}, 0, None
    for name in sorted(lengths, key=lambda n: (lengths[n], order[n])):
        if previous_length is not None:
            code = (code + 1) << (lengths[name] - previous_length)
        previous_length = lengths[name]
        codewords[name] = format(code, f"0{lengths[name]}b")
    return codewords


#: Longest codeword a ``lengths`` entry may ask for, in bits.
MAX_CODEWORD_BITS = 32


def complete_lengths(lengths: dict, pinned: dict) -> dict:
    """Codeword lengths (symbol -> bits) with the ``pinned`` symbols at exactly their given
    lengths and the others as close to ``lengths`` as a complete code (Kraft sum exactly 1) allows.

    The others start at their lengths in ``lengths``. While the Kraft sum is not 1, let 2^-k be
    the finest piece (lowest set bit) of the gap 1 - sum, or of the excess sum - 1, and change
    one other symbol (ties: the one later in the table):

    * gap: a symbol of length k becomes one bit shorter (that fills the piece exactly); if there
      is none, the longest symbol shorter than k moves down to length k and stays there (its old
      place becomes the gap, filled next); if every symbol is longer than k, the shortest becomes
      one bit shorter;
    * excess: a symbol of length k - 1 becomes one bit longer (that removes the piece exactly);
      if there is none, the shortest symbol of length k or more becomes one bit longer; if every
      symbol is shorter than k - 1, the longest moves down to length k and stays there.

    So a pinned length that frees exactly one codeword's worth (``out`` from 5 to 6 bits) makes
    one other instruction of that length a bit shorter, and one that takes a codeword's worth
    (``out`` from 5 to 4) makes one of the other 4-bit instructions a bit longer. Raises a
    one-line ValueError when no complete code keeps the pinned lengths.
    """
    for name, bits in pinned.items():
        if name not in lengths:
            raise ValueError(f"lengths name {name!r}, which is not in the variant")
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= MAX_CODEWORD_BITS:
            raise ValueError(f"the length of {name!r} must be a whole number of bits in 1..{MAX_CODEWORD_BITS}, "
                             f"got {bits!r}")
    result = {name: pinned.get(name, length) for name, length in lengths.items()}
    whole = 1 << MAX_CODEWORD_BITS

    def share(bits: int) -> int:        # 2^-bits in units of 2^-MAX_CODEWORD_BITS
        return 1 << (MAX_CODEWORD_BITS - bits)

    def depth(amount: int) -> int:      # k of the finest piece 2^-k of an amount
        return MAX_CODEWORD_BITS - (amount & -amount).bit_length() + 1

    pinned_sum = sum(share(bits) for bits in pinned.values())
    free = [name for name in lengths if name not in pinned]
    if not free and pinned_sum != whole:
        raise ValueError(f"lengths give every instruction a length, and their Kraft sum is "
                         f"{Fraction(pinned_sum, whole)}, not 1: make some shorter or longer")
    if free and pinned_sum >= whole:
        raise ValueError(f"the lengths given have Kraft sum {Fraction(pinned_sum, whole)} on their own, leaving no "
                         f"room for the other {len(free)} instructions: make some of them longer")
    rank = _code_order(lengths)
    stays = set()
    for _ in range(100 * len(lengths) + 100):
        total = sum(share(bits) for bits in result.values())
        if total == whole:
            return result
        movable = [name for name in free if name not in stays]
        later = {name: -rank[name] for name in movable}
        if total < whole:
            k = depth(whole - total)
            exact = [name for name in movable if result[name] == k and k > 1]
            shallower = [name for name in movable if result[name] < k]
            shorter = [name for name in movable if result[name] > 1]
            if exact:
                result[min(exact, key=later.get)] -= 1
            elif shallower:
                name = min(shallower, key=lambda n: (-result[n], later[n]))
                result[name] = k
                stays.add(name)
            elif shorter:
                result[min(shorter, key=lambda n: (result[n], later[n]))] -= 1
            else:
                break
        else:
            k = depth(total - whole)
            exact = [name for name in movable if result[name] == k - 1]
            deeper = [name for name in movable if k <= result[name] < MAX_CODEWORD_BITS]
            if exact:
                result[min(exact, key=later.get)] += 1
            elif deeper:
                result[min(deeper, key=lambda n: (result[n], later[n]))] += 1
            elif movable:
                name = min(movable, key=lambda n: (-result[n], later[n]))
                result[name] = k
                stays.add(name)
            else:
                break
    raise ValueError(f"no complete code keeps the lengths {dict(sorted(pinned.items()))} with the other "
                     f"instructions near their lengths: give more instructions a length, or use weights")


# ---------------------------------------------------------------------------------------------
# Composites: a codeword that decodes to a fixed body of table instructions.
# ---------------------------------------------------------------------------------------------
COMPOSITE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")


def parse_body(text: str) -> tuple:
    """A composite's body from text: mnemonics, ``push N`` / ``call N`` (a bare N is ``push N``),
    ``halt`` for ``ret``. Returns a tuple of (mnemonic, operand or None); checks only the words
    (:func:`check_body` checks the structure)."""
    if not isinstance(text, str):
        raise ValueError(f"a body is text such as 'over over lt if swap end drop', got {text!r}")
    words, body, index = text.split(), [], 0
    while index < len(words):
        word = words[index].lower()
        index += 1
        if re.fullmatch(r"[0-9]+", word):
            body.append(("push", int(word)))
        elif word in ("push", "call"):
            if index >= len(words) or not re.fullmatch(r"[0-9]+", words[index]):
                raise ValueError(f"{word!r} takes a number (0 or more) in a body")
            body.append((word, int(words[index])))
            index += 1
        else:
            body.append(("ret" if word == "halt" else word, None))
    return tuple(body)


def check_body(body) -> None:
    """Raise a one-line ValueError unless ``body`` ((mnemonic, operand) pairs) is a valid body.

    Valid: 1..MAX_COMPOSITE_BODY table instructions (no composite, no ``def``), operands exactly
    where the table has them (0..2^63-2), and balanced on its own: every ``if``/``rep``/``loop``
    closed by an ``end`` of the body, no ``end`` without an opener of the body, ``else`` only as
    the first of an ``if`` of the body. So the body opens and closes nothing of the program
    around it, and decoding it cannot change which ``end`` closes any block outside it.
    """
    if not body:
        raise ValueError("the body is empty")
    if len(body) > MAX_COMPOSITE_BODY:
        raise ValueError(f"the body has {len(body)} instructions, at most {MAX_COMPOSITE_BODY}")
    open_blocks = []     # [mnemonic, has else]
    for mnemonic, operand in body:
        if mnemonic not in SEMANTIC_ID:
            raise ValueError(f"{mnemonic!r} is not an instruction of the table (a body cannot use composites)")
        if mnemonic == "def":
            raise ValueError("'def' cannot be in a body (each use would number another subroutine)")
        if HAS_OPERAND[mnemonic]:
            if isinstance(operand, bool) or not isinstance(operand, int) or not 0 <= operand <= MAX_OPERAND:
                raise ValueError(f"{mnemonic!r} needs an operand in 0..2**63-2, got {operand!r}")
        elif operand is not None:
            raise ValueError(f"{mnemonic!r} takes no operand")
        if mnemonic in BLOCK_OPENERS:
            open_blocks.append([mnemonic, False])
        elif mnemonic == "else":
            if not open_blocks or open_blocks[-1][0] != "if" or open_blocks[-1][1]:
                raise ValueError("'else' outside an 'if' of the body (or a second 'else')")
            open_blocks[-1][1] = True
        elif mnemonic == "end":
            if not open_blocks:
                raise ValueError("'end' would close a block outside the body (use ret to halt)")
            open_blocks.pop()
    if open_blocks:
        raise ValueError(f"'{open_blocks[-1][0]}' is never closed by 'end' in the body")


def body_text(body) -> str:
    """The canonical text of a body: ``push 3``, ``call 0``, mnemonics, separated by spaces."""
    return " ".join(mnemonic if operand is None else f"{mnemonic} {operand}" for mnemonic, operand in body)


def _check_composite_name(name) -> None:
    if not isinstance(name, str) or not COMPOSITE_NAME.fullmatch(name):
        raise ValueError(f"composite name {name!r} must be a lower-case word (a-z, 0-9, _; at most 32 characters)")
    if name in SEMANTIC_ID or name in RESERVED_WORDS:
        raise ValueError(f"composite name {name!r} is taken by an instruction or an assembler word")


# ---------------------------------------------------------------------------------------------
# The language object.
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Language:
    """A variant of the toy language: which instructions exist, their codewords, machine limits,
    and its composites.

    ``codewords`` maps every symbol of the code (instructions and composites) to its codeword;
    the code must be complete. ``composites`` maps a composite's name to its body, a tuple of
    (mnemonic, operand or None) (text is accepted and parsed); see :func:`check_body`.

    ``trie`` is the decoding automaton used by the fast interpreter: row k is an internal node,
    ``trie[k, bit]`` is the next node (>= 0) or ``-(semantic_id + 1)`` for a decoded instruction;
    for a composite see :attr:`trie`.
    """

    name: str
    codewords: dict
    limits: dict = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    composites: dict = field(default_factory=dict)
    #: The variant it was made from (:func:`variant` sets it), for :meth:`changes`; not part of the spec.
    base: "Language | None" = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        composites = {}
        for composite, body in sorted(dict(self.composites).items()):
            _check_composite_name(composite)
            try:
                body = parse_body(body) if isinstance(body, str) else tuple((m, n) for m, n in body)
                check_body(body)
            except (TypeError, ValueError) as error:
                raise ValueError(f"composite {composite!r}: {error}") from None
            composites[composite] = body
        object.__setattr__(self, "composites", composites)
        unknown = set(self.codewords) - set(MNEMONICS) - set(composites)
        if unknown:
            raise ValueError(f"unknown instruction(s) {sorted(unknown)}; known: {', '.join(MNEMONICS)}")
        uncoded = set(composites) - set(self.codewords)
        if uncoded:
            raise ValueError(f"composite(s) {sorted(uncoded)} have no codeword")
        check_complete_prefix_code(self.codewords)
        missing = set(DEFAULT_LIMITS) - set(self.limits)
        extra = set(self.limits) - set(DEFAULT_LIMITS)
        if missing or extra:
            raise ValueError(f"limits must name exactly {sorted(DEFAULT_LIMITS)}")
        for key, value in self.limits.items():
            if not isinstance(value, int) or not 1 <= value <= 1 << 20:
                if not (key == "eval_depth" and value == 0):
                    raise ValueError(f"limit {key} must be an integer in 1..{1 << 20}, got {value!r}")

    # -- derived views -------------------------------------------------------------------------
    @property
    def mnemonics(self) -> tuple:
        """The instructions of this variant that have a codeword, in table order (no composites)."""
        return tuple(m for m in MNEMONICS if m in self.codewords)

    @property
    def symbols(self) -> tuple:
        """Everything the code encodes: the instructions in table order, then the composites by name."""
        return self.mnemonics + tuple(self.composites)

    def body_text(self, composite: str) -> str:
        """The body of a composite as text (``over over lt if swap end drop``)."""
        return body_text(self.composites[composite])

    @property
    def spec(self) -> dict:
        """Everything that determines a run, as plain JSON data (the name is not part of it).

        A variant without composites has no ``composites`` key, so its hash is what it was
        before composites existed."""
        spec = {
            "semantics_version": SEMANTICS_VERSION,
            "operand_code": "elias-gamma(n+1)",
            "codewords": {m: self.codewords[m] for m in self.mnemonics},
            "limits": dict(sorted(self.limits.items())),
        }
        if self.composites:
            spec["composites"] = {name: {"body": self.body_text(name), "codeword": self.codewords[name]}
                                  for name in self.composites}
        return spec

    @property
    def spec_hash(self) -> str:
        """Stable 16-hex-digit hash of :attr:`spec`; results are keyed by it."""
        text = json.dumps(self.spec, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def decode_table(self) -> dict:
        """Codeword -> mnemonic or composite name."""
        return {word: m for m, word in self.codewords.items()}

    @property
    def max_expansion(self) -> int:
        """Most decoded instructions per program bit: 1, or more when a composite's body is longer
        than its codeword (a program of B bits decodes to at most B * max_expansion instructions)."""
        return max([1] + [math.ceil(len(body) / len(self.codewords[name])) for name, body in self.composites.items()])

    @property
    def trie(self) -> np.ndarray:
        """The decoder's table as an int64 array of shape (rows, 2).

        Rows 0..N-1 are the binary decoding trie: ``trie[k, bit]`` is the next node (>= 0), or a
        leaf: ``-(semantic_id + 1)`` for an instruction, ``-(FIRST_COMPOSITE + h + 1)`` for a
        composite whose header is row h. After the trie come one header row per composite,
        ``[first body row, past-the-last body row]``, then the body rows ``[semantic_id,
        operand]``. Without composites it is the trie alone.
        """
        nodes = [[0, 0]]
        prefixes = {"": 0}
        leaves = []
        for symbol in self.symbols:
            word = self.codewords[symbol]
            for depth in range(len(word)):
                prefix, bit = word[:depth], int(word[depth])
                node = prefixes[prefix]
                if depth == len(word) - 1:
                    leaves.append((node, bit, symbol))
                else:
                    child = word[: depth + 1]
                    if child not in prefixes:
                        prefixes[child] = len(nodes)
                        nodes.append([0, 0])
                    nodes[node][bit] = prefixes[child]
        header = {name: len(nodes) + index for index, name in enumerate(self.composites)}
        bodies, row = [], len(nodes) + len(self.composites)
        headers = []
        for name, body in self.composites.items():
            headers.append([row, row + len(body)])
            bodies += [[SEMANTIC_ID[m], 0 if n is None else n] for m, n in body]
            row += len(body)
        for node, bit, symbol in leaves:
            nodes[node][bit] = -(SEMANTIC_ID[symbol] + 1) if symbol in SEMANTIC_ID else \
                -(FIRST_COMPOSITE + header[symbol] + 1)
        return np.array(nodes + headers + bodies, dtype=np.int64)

    def length_of(self, mnemonic: str, operand: int | None = None) -> int:
        """Encoded length in bits of one instruction (with its operand, if it takes one) or composite."""
        bits = len(self.codewords[mnemonic])
        return bits + (natural_code_length(operand) if HAS_OPERAND.get(mnemonic) else 0)

    def table(self) -> list:
        """The variant's instruction table: one dict per symbol (mnemonic, codeword, operand,
        stack, semantics), the instructions in table order, then the composites with their bodies."""
        rows = [{"mnemonic": m, "codeword": self.codewords[m], "operand": "n" if HAS_OPERAND[m] else "",
                 "stack": STACK_EFFECT[m], "semantics": SEMANTICS[m]} for m in self.mnemonics]
        rows += [{"mnemonic": name, "codeword": self.codewords[name], "operand": "", "stack": "",
                  "semantics": f"composite: {self.body_text(name)}", "body": self.body_text(name)}
                 for name in self.composites]
        return rows

    @property
    def warnings(self) -> tuple:
        """What makes the variant degenerate, as one-line texts (empty when nothing does): no
        program can write a bit (no ``out``, in the code or in a composite's body), or none can
        ever halt (no ``end`` and no ``ret``, nor a ``halt`` in a body). Plain data, not Python
        warnings; the command line prints each on stderr."""
        reachable = set(self.mnemonics) | {m for body in self.composites.values() for m, _ in body}
        found = []
        if "out" not in reachable:
            found.append("no program can write a bit ('out' is not in the code nor in a composite's body): "
                         "every program's output is empty")
        if "end" not in self.codewords and "ret" not in reachable:
            found.append("no program can halt (neither 'end' nor 'ret' is in the code, nor 'halt' in a "
                         "composite's body): every run ends at a limit or a fault")
        return tuple(found)

    def changes(self, base: "Language | None" = None) -> dict:
        """How the variant differs from ``base`` (default: the variant it was made from; None if
        it has none): instructions whose codeword length changed (name -> [base bits, bits]),
        instructions that kept their length but got another codeword, instructions dropped,
        instructions or composites added (name -> bits), and limits changed (name -> [base, new])."""
        base = self.base if base is None else base
        if base is None:
            return {}
        kept = [m for m in self.symbols if m in base.codewords]
        return {"base": base.name, "base_spec_hash": base.spec_hash,
                "lengths": {m: [len(base.codewords[m]), len(self.codewords[m])] for m in kept
                            if len(base.codewords[m]) != len(self.codewords[m])},
                "renumbered": [m for m in kept if len(base.codewords[m]) == len(self.codewords[m])
                               and base.codewords[m] != self.codewords[m]],
                "dropped": [m for m in base.symbols if m not in self.codewords],
                "added": {m: len(self.codewords[m]) for m in self.symbols if m not in base.codewords},
                "limits": {k: [base.limits[k], v] for k, v in self.limits.items() if base.limits.get(k) != v}}

    def changes_text(self) -> list:
        """:meth:`changes` as lines of text, as ``toyinduction spec`` prints them (none for a
        language without a base)."""
        changes = self.changes()
        if not changes:
            return []
        lines = [f"against {changes['base']} (spec {changes['base_spec_hash']}):"]
        if changes["lengths"]:
            lines.append("  lengths: " + ", ".join(f"{m} {old} -> {new} bits" for m, (old, new) in changes["lengths"].items()))
        if changes["renumbered"]:
            renumbered = changes["renumbered"]
            lines.append("  same length, another codeword (canonical renumbering): " + ", ".join(renumbered[:6])
                         + (f", ... ({len(renumbered)} in all)" if len(renumbered) > 6 else ""))
        if changes["dropped"]:
            lines.append("  dropped: " + ", ".join(changes["dropped"]))
        if changes["added"]:
            lines.append("  added: " + ", ".join(f"{m} ({bits} bits)" for m, bits in changes["added"].items()))
        if changes["limits"]:
            lines.append("  limits: " + ", ".join(f"{k} {old} -> {new}" for k, (old, new) in changes["limits"].items()))
        if len(lines) == 1:
            lines.append("  no change (the same spec)" if self.spec_hash == changes["base_spec_hash"] else "  no change")
        return lines

    def to_json(self) -> dict:
        """The variant as a JSON document that :func:`load_language` reads back."""
        document = {"name": self.name, "codewords": dict(self.spec["codewords"]), "limits": dict(self.limits)}
        if self.composites:
            document["composites"] = self.spec["composites"]
        return document


def _implied_weights(base: Language, symbols) -> dict:
    """The base's implied weights 2^(L_max - |codeword|) of ``symbols`` (its longest codewords weigh 1)."""
    longest = max(len(word) for word in base.codewords.values())
    return {m: 2.0 ** (longest - len(base.codewords[m])) for m in symbols}


def _composite_entries(composites, base: Language) -> dict:
    """name -> {"body": ..., and "weight" or "codeword"} for the composites a variant adds."""
    entries = {}
    for composite, entry in dict(composites or {}).items():
        if composite in base.composites:
            raise ValueError(f"composite {composite!r} is already in {base.name}")
        if isinstance(entry, str):
            entry = {"body": entry}
        if not isinstance(entry, dict) or "body" not in entry or set(entry) - {"body", "weight", "codeword"}:
            raise ValueError(f'composite {composite!r} must be {{"body": "...", "weight": w}} or '
                             f'{{"body": "...", "codeword": "bits"}}, got {entry!r}')
        if "weight" in entry and "codeword" in entry:
            raise ValueError(f"composite {composite!r}: give a weight or a codeword, not both")
        weight = entry.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight < math.inf:
            raise ValueError(f"composite {composite!r}: weight must be a positive number, got {weight!r}")
        entries[composite] = entry
    return entries


def variant(name: str, base: Language | None = None, *, drop=(), weights=None, codewords=None,
            limits=None, composites=None, lengths=None) -> Language:
    """A new named variant of ``base`` (default: ``toy``).

    ``drop`` removes instructions (or composites of the base); ``weights`` (mnemonic -> positive
    number, for every kept instruction not given a weight the weight 1) derives a canonical
    Huffman code; ``codewords`` gives the code by hand (it must be complete). With only
    ``drop``, the kept instructions are re-coded by Huffman from the base's implied weights
    2^-|codeword| (scaled so that its longest codewords weigh 1), so the code stays complete
    and as close to the base's as possible.

    ``composites`` (name -> ``{"body": "over over lt if swap end drop", "weight": 1}`` or
    ``{"body": ..., "codeword": "0110111"}``) adds composite instructions. Weighted composites
    join the same Huffman construction: with ``weights`` beside the named weights and the 1s,
    without it beside the implied weights, so a composite of weight 1 is as likely as the
    base's rarest instructions (the default weight is 1). A composite's ``codeword`` needs the
    whole code by hand: ``codewords`` for the instructions too. Composites of the base are kept.

    ``lengths`` (mnemonic or composite -> codeword length in bits) applies last, to the code the
    other arguments give (the base's, when there are none): the named symbols get exactly those
    lengths, the others keep theirs where the Kraft sum allows and are otherwise moved by the
    rule of :func:`complete_lengths`; the codewords are then assigned canonically (unchanged when
    no length changed). ``{"out": 6}`` is one line that makes ``out`` cost 6 bits.
    """
    base = base if base is not None else TOY
    if weights is not None and not weights:
        raise ValueError("weights is empty: name the instructions to reweight (e.g. {\"out\": 4}), or leave weights "
                         "out (use lengths to change one instruction's codeword length)")
    if lengths is not None and not lengths:
        raise ValueError("lengths is empty: name the instructions and their codeword lengths in bits "
                         "(e.g. {\"out\": 6}), or leave lengths out")
    unknown = set(drop) - set(base.symbols)
    if unknown:
        raise ValueError(f"cannot drop {sorted(unknown)}: not in {base.name}")
    kept = [m for m in base.symbols if m not in set(drop)]
    added = _composite_entries(composites, base)
    bodies = {m: base.composites[m] for m in kept if m in base.composites}
    bodies.update({composite: entry["body"] for composite, entry in added.items()})
    by_hand = {composite: entry["codeword"] for composite, entry in added.items() if "codeword" in entry}
    if codewords is not None and weights is not None:
        raise ValueError("give weights or codewords, not both")
    if codewords is not None:
        missing = sorted(set(added) - set(by_hand))
        if missing:
            raise ValueError(f"with codewords given by hand, composite(s) {missing} need a codeword too")
        code = dict(codewords)
        code.update(by_hand)
    elif by_hand:
        raise ValueError(f"composite {sorted(by_hand)[0]!r} has a codeword: give the whole code by hand "
                         f"('codewords' for the instructions too), or give the composite a weight")
    elif weights is not None or added:
        if weights is not None:
            unknown = set(weights) - set(kept)
            if unknown:
                raise ValueError(f"weights name instruction(s) not in the variant: {sorted(unknown)}")
            symbol_weights = {m: weights.get(m, 1) for m in kept}
        else:
            symbol_weights = _implied_weights(base, kept)
        symbol_weights.update({composite: entry.get("weight", 1) for composite, entry in added.items()})
        code = huffman_codewords(symbol_weights)
    elif drop:
        code = huffman_codewords(_implied_weights(base, kept))
    else:
        code = {m: base.codewords[m] for m in kept}
    if lengths is not None:
        current = {m: len(word) for m, word in code.items()}
        wanted = complete_lengths(current, dict(lengths))
        if wanted != current:
            code = canonical_codewords(wanted)
    merged_limits = dict(base.limits)
    merged_limits.update(limits or {})
    return Language(name=name, codewords=code, limits=merged_limits, composites=bodies, base=base)


#: The reference language.
TOY = Language(name="toy", codewords=dict(DEFAULT_CODEWORDS))

#: Registered variants, by name.
LANGUAGES = {
    "toy": TOY,
    "toy-noeval": variant("toy-noeval", TOY, drop=("eval",)),
    "toy-uniform": variant("toy-uniform", TOY, weights={m: 1 for m in MNEMONICS}),
}


def _check_types(document: dict, source) -> None:
    """One-line errors for values of the wrong type in a language file (before anything uses them)."""
    def number(value):
        return isinstance(value, (int, float)) and not isinstance(value, bool)

    def composite(entry):
        return isinstance(entry, dict) and isinstance(entry.get("body"), str) and not set(entry) - {
            "body", "weight", "codeword"} and ("weight" not in entry or number(entry["weight"])) and (
            "codeword" not in entry or isinstance(entry["codeword"], str))

    expected = {"name": (lambda v: isinstance(v, str), "a string"),
                "base": (lambda v: isinstance(v, str), "a string"),
                "drop": (lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "a list of mnemonics"),
                "weights": (lambda v: isinstance(v, dict) and all(number(x) for x in v.values()),
                            "an object of mnemonic: number"),
                "lengths": (lambda v: isinstance(v, dict) and all(isinstance(x, int) and not isinstance(x, bool)
                                                                  for x in v.values()),
                            "an object of mnemonic: codeword length in bits (a whole number)"),
                "codewords": (lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
                              'an object of mnemonic: "bit string" (in quotes)'),
                "limits": (lambda v: isinstance(v, dict) and all(isinstance(x, int) and not isinstance(x, bool)
                                                                 for x in v.values()), "an object of name: integer"),
                "composites": (lambda v: isinstance(v, dict) and all(composite(x) for x in v.values()),
                               'an object of name: {"body": "instructions", "weight": number} (or "codeword": '
                               '"bits" instead of the weight)')}
    for key, (valid, description) in expected.items():
        if key in document and not valid(document[key]):
            raise ValueError(f"language file {source}: {key!r} must be {description}, got {document[key]!r}")


#: Variant files shipped with the package (``--language toy-max.json`` finds them from anywhere).
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"


def language_from_json(document, source="<json>", default_name: str = "variant") -> Language:
    """The variant a JSON document describes (what a language file holds; see :func:`load_language`).

    Every problem is one ValueError line naming ``source``.
    """
    if not isinstance(document, dict):
        raise ValueError(f"language file {source} must hold a JSON object")
    allowed = {"name", "base", "drop", "weights", "lengths", "codewords", "limits", "composites"}
    if set(document) - allowed:
        raise ValueError(f"language file {source}: unknown key(s) {sorted(set(document) - allowed)}")
    _check_types(document, source)
    base_name = document.get("base", "toy")
    if base_name not in LANGUAGES:
        raise ValueError(f"language file {source}: unknown base {base_name!r}")
    try:
        return variant(document.get("name", default_name), LANGUAGES[base_name], drop=tuple(document.get("drop", ())),
                       weights=document.get("weights"), codewords=document.get("codewords"),
                       limits=document.get("limits"), composites=document.get("composites"),
                       lengths=document.get("lengths"))
    except ValueError as error:
        raise ValueError(f"language file {source}: {error}") from None


def load_language(name_or_path: str) -> Language:
    """A registered variant by name, or a variant described by a JSON file.

    The file holds ``{"name": ..., "base": "toy", "drop": [...], "weights": {...}}`` (or
    ``"lengths": {"out": 6}`` to change named codeword lengths, the rest kept where they fit) or
    ``{"name": ..., "codewords": {...}}``, optionally with ``"limits": {...}`` overrides and
    ``"composites": {"max": {"body": "over over lt if swap end drop", "weight": 1}}``. A bare
    file name that is not in the working directory is looked up among the shipped variants
    (``toyinduction/machines/toy/variants``).
    """
    if name_or_path in LANGUAGES:
        return LANGUAGES[name_or_path]
    path = Path(name_or_path)
    if not path.suffix == ".json" and not path.exists():
        raise ValueError(f"unknown language {name_or_path!r}; known: {', '.join(LANGUAGES)} (or a .json file)")
    if not path.exists() and path.name == name_or_path and (VARIANTS_DIR / path.name).is_file():
        path = VARIANTS_DIR / path.name
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"language file {name_or_path} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"language file {name_or_path} is not readable JSON: {error}") from None
    except RecursionError:
        raise ValueError(f"language file {name_or_path} is not readable JSON: nested too deeply") from None
    return language_from_json(document, name_or_path, path.stem)
