"""Assembler and disassembler for the toy language: text <-> program bits.

The assembler is a plain pipeline, tokenize -> parse -> encode:

    ; a comment runs to the end of the line
    const CELL 3          ; a named literal: CELL now means "push 3"
    macro TWICE dup add endmacro   ; a text macro, used by its name
    def square            ; subroutine 0 (subroutines are numbered in text order)
      dup mul
    end
    5 call square out     ; a bare number is "push"; call by name (or by number)
    [ 1 out halt ]        ; a quoted program: push its bit-string value (for eval)
    bits 0110             ; raw program bits at this point of the stream (data for read)
    halt                  ; = ret in the main program: stop

Structure is checked as it is parsed (``strict``): blocks closed, ``else`` only in an ``if``,
``brk``/``idx`` only inside a loop of the same subroutine, ``call`` only of a subroutine defined
earlier in the text. An ``end`` with no open block is allowed: it halts (it is the machine's
cheapest halt). Errors name ``file:line:column`` and what is wrong.

A composite of the language is written by its name and encoded as its one codeword; strict
mode checks its body's ``brk``/``idx``/``call`` where it stands, as if the body were written
there (the body's own blocks are balanced by construction).

What a text may grow to is bounded, as it grows and never after: MAX_PROGRAM_WORDS words with
macros expanded (a macro use is sized from the bodies before it expands, so a macro bomb fails
at once), MAX_PROGRAM_INSTRUCTIONS items and MAX_PROGRAM_BITS bits; quotes nest at most
MAX_QUOTE_DEPTH deep. Parsing and encoding are iterative (no recursion limit), and an error
quotes at most SHOWN_CHARACTERS characters of its input.

The disassembler turns bits back into text that assembles to the same bits. Because ``read``
takes data bits from the stream at run time, it first runs the program (reference
interpreter, bounded) to find which bits were read as data, and shows those as ``bits``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from toyinduction.machines.toy.language import BLOCK_OPENERS, HAS_OPERAND, MAX_PACKED_BITS, MNEMONICS, Language, \
    encode_natural, natural_code_length
from toyinduction.core import pack_bits

#: Largest push operand: Elias gamma of n + 1 with exponent <= 62.
MAX_LITERAL = 2 ** 63 - 2

#: The largest program file read (a program of the toy language is a few kilobytes).
MAX_SOURCE_BYTES = 16 << 20

#: Most words (tokens, ``[`` and ``]`` included) a program's text may have, every macro use
#: counted as the words of its body (recursively). Checked as the text is split and before each
#: macro use is expanded, from the sizes of the bodies, so a macro bomb fails before it expands.
#: Shipped programs have a few thousand words.
MAX_PROGRAM_WORDS = 1_000_000
#: Most items (instructions, ``bits`` runs and quotes, at every quoting level) one program may
#: assemble to; checked as each is produced.
MAX_PROGRAM_INSTRUCTIONS = 1_000_000
#: Most bits one program may assemble to (8 bits per byte of the largest source file); checked
#: as each instruction is produced. Shipped programs are a few thousand bits.
MAX_PROGRAM_BITS = 8 * MAX_SOURCE_BYTES
#: Deepest nesting of macro uses (a deeper one is taken as a macro that uses itself).
MAX_MACRO_DEPTH = 32
#: Deepest nesting of quotes ``[`` ... ``]``: every level adds at least one bit, so a quote around
#: more than this many levels holds more than MAX_PACKED_BITS bits and eval could not take it.
MAX_QUOTE_DEPTH = MAX_PACKED_BITS + 1
#: Characters of the user's input an error message quotes at most.
SHOWN_CHARACTERS = 40
#: Deepest block nesting the disassembler shows by indentation; deeper lines carry their depth
#: in a comment (so the text grows linearly with the program).
MAX_DISASSEMBLY_INDENT = 16


def shown(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` quoted for an error message: its repr, cut after ``limit`` characters with an
    ellipsis and the full length (an error never quotes a whole token or file)."""
    text = str(text)
    quoted = repr(text[:limit])
    if len(text) <= limit and len(quoted) <= limit + 2:
        return quoted
    return f"{quoted[:limit + 1]}... ({len(text)} characters)"


class AssemblyError(ValueError):
    """A problem in assembly text, with its place: ``file:line:column: message``."""

    def __init__(self, source: str, line: int, column: int, message: str):
        super().__init__(f"{source}:{line}:{column}: {message}")
        self.source, self.line, self.column, self.message = source, line, column, message


class Token(NamedTuple):
    """A word of assembly text and where it stands (a tuple: a million of them are cheap)."""

    text: str
    line: int
    column: int


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------
TOKEN_PATTERN = re.compile(r"\[|\]|[^\s\[\];]+")


def tokenize(text: str, source: str = "<text>") -> list[Token]:
    """Split text into tokens (words, '[' and ']'), dropping ';' comments. More than
    MAX_PROGRAM_WORDS words is an AssemblyError at the first word past the limit."""
    tokens = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        code = line.split(";", 1)[0]
        for match in TOKEN_PATTERN.finditer(code):
            if len(tokens) >= MAX_PROGRAM_WORDS:
                raise AssemblyError(source, line_number, match.start() + 1,
                                    f"the text has more than {MAX_PROGRAM_WORDS} words, the most a program may have")
            tokens.append(Token(match.group(), line_number, match.start() + 1))
    return tokens


# ---------------------------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Op:
    """One instruction to encode."""

    mnemonic: str
    operand: int | None
    token: Token


@dataclass(slots=True)
class RawBits:
    """Bits placed verbatim in the stream."""

    bits: str
    token: Token


@dataclass(slots=True)
class Quote:
    """A quoted program: its bit-string value is pushed."""

    items: list
    token: Token


@dataclass
class _Block:
    mnemonic: str
    token: Token
    has_else: bool = False


@dataclass
class _Scope:
    """Parsing state of one program (the main one or a quoted one)."""

    blocks: list = field(default_factory=list)
    subroutines: dict = field(default_factory=dict)   # name -> id
    subroutine_count: int = 0


@dataclass
class _QuoteFrame:
    """A program being parsed: the main one, or a quote opened at ``opening`` and not yet closed."""

    opening: Token | None
    scope: _Scope = field(default_factory=_Scope)
    items: list = field(default_factory=list)
    bits: int = 0                    # length of the encoded items so far


@dataclass
class _Expansion:
    """A macro body being read in place of its name: the text it interrupts, and where."""

    use: Token
    tokens: list
    position: int
    quote_depth: int                 # quotes open when it began (its own must close inside it)


#: A literal: optional minus, then 0b binary, 0x hexadecimal or decimal digits.
NUMBER_PATTERN = re.compile(r"(-?)(?:0[bB]([01]+)|0[xX]([0-9a-fA-F]+)|([0-9]+))")
#: What :func:`parse_number` gives for a number too long to convert: larger than any operand.
TOO_LONG_NUMBER = 2 ** 64


def parse_number(text: str) -> int | None:
    """A literal: decimal, 0b..., 0x...; None if the text is not a number. A number of more
    than 70 significant digits comes back as ±TOO_LONG_NUMBER (it is too large for any use,
    and is not converted)."""
    if not text or text[0] not in "-0123456789":
        return None
    match = NUMBER_PATTERN.fullmatch(text)
    if match is None:
        return None
    sign, binary, hexadecimal, decimal = match.groups()
    digits, base = (binary, 2) if binary else (hexadecimal, 16) if hexadecimal else (decimal, 10)
    digits = digits.lstrip("0") or "0"
    if len(digits) > 70:
        return -TOO_LONG_NUMBER if sign else TOO_LONG_NUMBER
    return -int(digits, base) if sign else int(digits, base)


class Parser:
    """Turns tokens into items, expanding macros and constants and checking structure.

    Parsing is iterative: quotes and macro uses are explicit stacks (``[`` nested any depth is
    a one-line error at MAX_QUOTE_DEPTH, never a RecursionError), and what a program may grow
    to is bounded as it grows: MAX_PROGRAM_WORDS (checked before each macro use, from the sizes
    of the bodies), MAX_PROGRAM_INSTRUCTIONS and MAX_PROGRAM_BITS (checked as each item is made).
    """

    def __init__(self, tokens, language: Language, source: str, strict: bool, defines: dict | None = None):
        self.tokens, self.position = tokens, 0
        self.language, self.source, self.strict = language, source, strict
        self.defines = dict(defines or {})
        self.constants: dict = {}
        self.macros: dict = {}
        self.words = len(tokens)             # words of the text, each outermost macro use adding its body's
        self.instructions = 0                # items made, at every quoting level
        self._quotes: list[_QuoteFrame] = [_QuoteFrame(None)]
        self._expansions: list[_Expansion] = []
        self._macro_words: dict = {}         # macro name -> words of its expansion (reset when one is defined)

    def error(self, token: Token | None, message: str) -> AssemblyError:
        """An AssemblyError at the token (or at the end of the text)."""
        if token is None:
            last = self.tokens[-1] if self.tokens else Token("", 1, 1)
            return AssemblyError(self.source, last.line, last.column + len(last.text), message)
        return AssemblyError(self.source, token.line, token.column, message)

    def next_token(self, after: Token, what: str) -> Token:
        """The next token, or an error saying what was expected after ``after``."""
        if self.position >= len(self.tokens):
            raise self.error(None, f"{what} expected after {shown(after.text)}, found end of file")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def literal(self, token: Token) -> int:
        """A natural-number literal or constant name."""
        value = parse_number(token.text)
        if value is None and token.text in self.constants:
            value = self.constants[token.text]
        if value is None:
            raise self.error(token, f"number expected, found {shown(token.text)}")
        if value < 0:
            if value == -TOO_LONG_NUMBER:
                raise self.error(token, f"negative literal {shown(token.text)}: push takes n >= 0")
            raise self.error(token, f"negative literal {value}: push takes n >= 0 (write 0 {-value} sub)")
        if value > MAX_LITERAL:
            raise self.error(token, f"literal {shown(token.text)} is too large: push takes at most 2**63 - 2")
        return value

    def instruction(self, mnemonic: str, token: Token, operand=None) -> Op:
        """An Op, if the language has the instruction."""
        if mnemonic not in self.language.codewords:
            raise self.error(token, f"instruction {mnemonic!r} is not in language {self.language.name!r}")
        return Op(mnemonic, operand, token)

    # ----- the loop -----------------------------------------------------------------------------
    def parse_program(self) -> list:
        """Parse all the tokens (quotes and macro uses included) into the program's items."""
        while True:
            if self.position >= len(self.tokens):
                if not self._expansions:
                    break
                self.end_expansion()
                continue
            token = self.tokens[self.position]
            self.position += 1
            for item in self.parse_word(token, self._quotes[-1].scope):
                self.add(item)
        if len(self._quotes) > 1:
            raise self.error(self._quotes[-1].opening, "'[' is never closed by ']'")
        scope = self._quotes[0].scope
        if scope.blocks and self.strict:
            block = scope.blocks[-1]
            raise self.error(block.token, f"{block.mnemonic!r} block is never closed by 'end'")
        return self._quotes[0].items

    def add(self, item) -> None:
        """Append an item to the program being parsed, keeping the limits as it grows."""
        if isinstance(item, RawBits):
            bits = len(item.bits)
        elif isinstance(item, Quote):                   # its items are in, each at most MAX_PACKED_BITS bits
            bits = len(self.language.codewords["push"]) + \
                natural_code_length(pack_bits(encode(item.items, self.language, self.source)))
        else:
            bits = len(self.language.codewords[item.mnemonic])
            if HAS_OPERAND.get(item.mnemonic):
                bits += natural_code_length(item.operand)
        self.instructions += 1
        frame = self._quotes[-1]
        frame.items.append(item)
        frame.bits += bits
        if self.instructions > MAX_PROGRAM_INSTRUCTIONS:
            raise self.limit_error(item.token, f"more than {MAX_PROGRAM_INSTRUCTIONS} instructions, the most a "
                                               f"program may have")
        if frame.opening is not None and frame.bits > MAX_PACKED_BITS:
            raise self.error(frame.opening, f"quoted program is more than {MAX_PACKED_BITS} bits; "
                                            f"eval takes at most {MAX_PACKED_BITS}")
        if frame.bits > MAX_PROGRAM_BITS:
            raise self.limit_error(item.token, f"more than {MAX_PROGRAM_BITS} bits, the most a program may have")

    def limit_error(self, token: Token, what: str) -> AssemblyError:
        """An error for a program grown past a limit: at the outermost macro use that grew it
        (naming the macro), else at ``token``."""
        if self._expansions:
            use = self._expansions[0].use
            return self.error(use, f"macro {shown(use.text)} expands the program to {what}")
        return self.error(token, f"the program assembles to {what}")

    # ----- quotes -------------------------------------------------------------------------------
    def open_quote(self, token: Token) -> None:
        """``[``: the items that follow, up to its ``]``, are a quoted program."""
        self.instruction("push", token)                  # a quote is pushed: the language needs push
        if len(self._quotes) > MAX_QUOTE_DEPTH:
            raise self.error(token, f"quotes nested more than {MAX_QUOTE_DEPTH} deep cannot be evaluated: a "
                                    f"quoted program holds at most {MAX_PACKED_BITS} bits")
        self._quotes.append(_QuoteFrame(token))

    def close_quote(self, token: Token) -> Quote:
        """``]``: the Quote of the innermost open quote (opened in this macro body, if in one)."""
        floor = self._expansions[-1].quote_depth if self._expansions else 1
        if len(self._quotes) <= floor:
            raise self.error(token, "']' without a matching '['")
        frame = self._quotes.pop()
        if frame.scope.blocks and self.strict:
            block = frame.scope.blocks[-1]
            raise self.error(block.token, f"{block.mnemonic!r} block is never closed by 'end'")
        return Quote(frame.items, frame.opening)

    # ----- macros -------------------------------------------------------------------------------
    def expand(self, token: Token, scope: _Scope | None = None) -> list:
        """Begin reading a macro's body in place of its name (macros may use macros, not
        themselves). An outermost use is first sized (:meth:`macro_words`) against
        MAX_PROGRAM_WORDS. Returns no items: the body's words are read next."""
        if len(self._expansions) > MAX_MACRO_DEPTH:
            raise self.error(token, f"macro {shown(token.text)} expands too deeply (recursive?)")
        if not self._expansions:
            words = self.macro_words(token)
            self.words += words
            if self.words > MAX_PROGRAM_WORDS:
                size = f"more than {MAX_PROGRAM_WORDS}" if words > MAX_PROGRAM_WORDS else str(words)
                raise self.error(token, f"macro {shown(token.text)} expands to {size} words, taking the program past "
                                        f"{MAX_PROGRAM_WORDS} words (macros expanded), the most it may have")
        self._expansions.append(_Expansion(token, self.tokens, self.position, len(self._quotes)))
        self.tokens, self.position = self.macros[token.text], 0
        return []

    def end_expansion(self) -> None:
        """The body being read is done: its quotes must be closed; resume the text it interrupted."""
        expansion = self._expansions[-1]
        if len(self._quotes) > expansion.quote_depth:
            raise self.error(self._quotes[-1].opening, "'[' is never closed by ']'")
        self._expansions.pop()
        self.tokens, self.position = expansion.tokens, expansion.position

    def macro_words(self, use: Token) -> int:
        """Words the use of a macro expands to (its body's, each macro use in it replaced by that
        macro's, recursively; operands of push/call/bits/const are words, never uses), capped at
        MAX_PROGRAM_WORDS + 1. Computed without expanding (iteratively, remembered per macro)."""
        cap, memo = MAX_PROGRAM_WORDS + 1, self._macro_words
        if use.text in memo:
            return memo[use.text]
        stack = [[use.text, 0, 0, 0]]                    # [macro, next body index, words so far, operands to skip]
        active = {use.text}
        while True:
            entry = stack[-1]
            body = self.macros[entry[0]]
            if entry[1] == len(body):
                stack.pop()
                active.discard(entry[0])
                memo[entry[0]] = entry[2]
                if not stack:
                    return entry[2]
                stack[-1][2] = min(stack[-1][2] + entry[2], cap)
                continue
            token = body[entry[1]]
            entry[1] += 1
            if entry[3]:
                entry[3] -= 1
            elif token.text in self.macros:
                if token.text in memo:
                    entry[2] = min(entry[2] + memo[token.text], cap)
                    continue
                if token.text in active or len(stack) > MAX_MACRO_DEPTH:
                    raise self.error(token, f"macro {shown(token.text)} expands too deeply (recursive?)")
                stack.append([token.text, 0, 0, 0])
                active.add(token.text)
                continue
            else:
                entry[3] = {"push": 1, "call": 1, "bits": 1, "const": 2}.get(token.text.lower(), 0)
            entry[2] = min(entry[2] + 1, cap)

    # ----- one word -----------------------------------------------------------------------------
    def parse_word(self, token: Token, scope: _Scope) -> list:
        """Items for one word (and the operands it takes). ``[``, ``]`` and a macro's name
        change what is being read (:meth:`open_quote`, :meth:`close_quote`, :meth:`expand`)."""
        word = token.text
        lower = word.lower()
        # -- a bare number: push it
        number = parse_number(word)
        if number is not None:
            return [self.instruction("push", token, self.literal(token))]
        # -- [ ... ]: a quoted program
        if word == "[":
            self.open_quote(token)
            return []
        if word == "]":
            return [self.close_quote(token)]
        # -- const NAME VALUE
        if lower == "const":
            name = self.next_token(token, "a name")
            value = self.literal(self.next_token(name, "a value"))
            self.define_name(name)
            self.constants[name.text] = self.defines.pop(name.text, value)  # a define overrides the file
            return []
        # -- macro NAME ... endmacro
        if lower == "macro":
            name = self.next_token(token, "a name")
            self.define_name(name)
            body = []
            while True:
                if self.position >= len(self.tokens):
                    raise self.error(token, f"macro {shown(name.text)} is never closed by 'endmacro'")
                inner = self.next_token(token, "'endmacro'")
                if inner.text.lower() == "endmacro":
                    break
                if inner.text.lower() == "macro":
                    raise self.error(inner, "macros cannot be defined inside macros")
                body.append(inner)
            self.macros[name.text] = body
            self._macro_words.clear()                # a body may name this macro: sizes change
            return []
        if lower == "endmacro":
            raise self.error(token, "'endmacro' without 'macro'")
        # -- bits 0101: raw bits
        if lower == "bits":
            raw = self.next_token(token, "a bit string")
            if not re.fullmatch(r"[01]+", raw.text):
                raise self.error(raw, f"bits takes a string of 0 and 1, found {shown(raw.text)}")
            return [RawBits(raw.text, token)]
        # -- a constant or a macro by name
        if word in self.constants:
            return [self.instruction("push", token, self.constants[word])]
        if word in self.macros:
            return self.expand(token, scope)
        # -- halt: ret in the main program
        if lower == "halt":
            if self.strict and any(block.mnemonic == "def" for block in scope.blocks):
                raise self.error(token, "'halt' inside a def would only return; use 'ret'")
            return [self.instruction("ret", token)]
        if lower in self.language.composites:
            return [self.composite(lower, token, scope)]
        if lower not in MNEMONICS:
            raise self.error(token, f"unknown instruction or name {shown(word)}")
        # -- push n / call n: instructions with an operand
        if lower == "push":
            return [self.instruction("push", token, self.literal(self.next_token(token, "a number")))]
        if lower == "call":
            return [self.instruction("call", token, self.subroutine(self.next_token(token, "a subroutine"), scope))]
        # -- def NAME: opens a block and numbers the subroutine
        if lower == "def":
            op = self.instruction("def", token)
            following = self.tokens[self.position] if self.position < len(self.tokens) else None
            if following is not None and re.fullmatch(r"[A-Za-z_][\w.-]*", following.text) \
                    and following.text.lower() not in MNEMONICS \
                    and following.text.lower() not in self.language.composites and following.text not in self.macros \
                    and following.text not in self.constants and following.text.lower() not in ("bits", "halt", "const", "macro"):
                self.position += 1
                if following.text in scope.subroutines:
                    raise self.error(following, f"subroutine {shown(following.text)} is defined twice")
                scope.subroutines[following.text] = scope.subroutine_count
            scope.subroutine_count += 1
            scope.blocks.append(_Block("def", token))
            return [op]
        op = self.instruction(lower, token)
        self.check_structure(lower, token, scope)
        return [op]

    def composite(self, name: str, token: Token, scope: _Scope) -> Op:
        """An Op for a composite; in strict mode its body is checked where it stands."""
        if self.strict:
            for mnemonic, operand in self.language.composites[name]:
                if mnemonic == "call" and operand >= scope.subroutine_count:
                    raise self.error(token, f"{name!r} calls subroutine {operand} before it is defined")
                try:
                    self.check_structure(mnemonic, token, scope)
                except AssemblyError as error:
                    raise self.error(token, f"in composite {name!r}: {error.message}") from None
        return Op(name, None, token)

    def check_structure(self, mnemonic: str, token: Token, scope: _Scope) -> None:
        """Keep the block stack; in strict mode, reject what would fault or mislead."""
        if mnemonic in BLOCK_OPENERS:
            scope.blocks.append(_Block(mnemonic, token))
        elif mnemonic == "end":
            if scope.blocks:
                scope.blocks.pop()
        elif mnemonic == "else":
            innermost = scope.blocks[-1] if scope.blocks else None
            if innermost is None or innermost.mnemonic != "if" or innermost.has_else:
                if self.strict:
                    raise self.error(token, "'else' outside an 'if' block (or a second 'else')")
            else:
                innermost.has_else = True
        elif mnemonic in ("brk", "idx") and self.strict:
            for block in reversed(scope.blocks):
                if block.mnemonic in ("rep", "loop"):
                    return
                if block.mnemonic == "def":
                    break
            raise self.error(token, f"{mnemonic!r} outside a rep/loop block of this subroutine")

    def subroutine(self, token: Token, scope: _Scope) -> int:
        """The id of the subroutine a ``call`` names (by name or number)."""
        value = parse_number(token.text)
        if value is not None:
            if value < 0:
                raise self.error(token, "subroutine numbers are >= 0")
            if self.strict and value >= scope.subroutine_count:
                number = value if value <= MAX_LITERAL else shown(token.text)
                raise self.error(token, f"call {number} before subroutine {number} is defined")
            return value
        if token.text not in scope.subroutines:
            raise self.error(token, f"unknown subroutine {shown(token.text)} (defs must come before their calls)")
        return scope.subroutines[token.text]

    def define_name(self, name: Token) -> None:
        """Check that a new constant or macro name is usable and not taken."""
        if not re.fullmatch(r"[A-Za-z_][\w.-]*", name.text) or name.text.lower() in MNEMONICS \
                or name.text.lower() in self.language.composites \
                or name.text.lower() in ("const", "macro", "endmacro", "bits", "halt"):
            raise self.error(name, f"{shown(name.text)} cannot be used as a name")
        if name.text in self.constants or name.text in self.macros:
            raise self.error(name, f"{shown(name.text)} is already defined")


# ---------------------------------------------------------------------------------------------
# encode
# ---------------------------------------------------------------------------------------------
def encode(items, language: Language, source: str = "<text>") -> str:
    """Concatenate the codewords (and operand codes, raw bits, quoted values) of parsed items.

    Iterative (quotes nested any depth): an explicit stack of [items left, pieces, quote]."""
    frames = [[iter(items), [], None]]
    while True:
        remaining, pieces, _ = frames[-1]
        for item in remaining:
            if isinstance(item, Quote):
                frames.append([iter(item.items), [], item])
                break
            if isinstance(item, RawBits):
                pieces.append(item.bits)
            else:
                pieces.append(language.codewords[item.mnemonic])
                if HAS_OPERAND.get(item.mnemonic):
                    pieces.append(encode_natural(item.operand))
        else:
            _, pieces, quote = frames.pop()
            bits = "".join(pieces)
            if quote is None:
                return bits
            if len(bits) > MAX_PACKED_BITS:
                raise AssemblyError(source, quote.token.line, quote.token.column,
                                    f"quoted program is {len(bits)} bits; eval takes at most {MAX_PACKED_BITS}")
            frames[-1][1].append(language.codewords["push"] + encode_natural(pack_bits(bits)))


def assemble(text: str, language: Language, source: str = "<text>", strict: bool = True,
             defines: dict | None = None) -> str:
    """Assemble toy assembly text to a bit string. Raises AssemblyError naming file:line:column.

    ``defines`` (name -> natural number) override the values of the text's ``const`` lines
    of those names (how one program file describes a family: a world's seed, a depth, …).
    """
    parser = Parser(tokenize(text, source), language, source, strict, defines)
    for name, value in parser.defines.items():
        if not isinstance(value, int) or not 0 <= value <= MAX_LITERAL:
            shown_value = "a larger one" if isinstance(value, int) and value.bit_length() > 200 else shown(repr(value))
            raise ValueError(f"define {shown(name)} must be a natural number <= 2**63 - 2, got {shown_value}")
    items = parser.parse_program()
    if parser.defines:
        raise ValueError(f"{source}: no const named {shown(', '.join(sorted(map(str, parser.defines))))} to define")
    return encode(items, language, source)


def read_source(path) -> str:
    """The text of a program file, or a one-line ValueError naming the file and the problem."""
    from pathlib import Path

    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SOURCE_BYTES:
            raise ValueError(f"{path}: {path.stat().st_size} bytes; program files are limited to "
                             f"{MAX_SOURCE_BYTES} bytes")
        if path.exists() and not path.is_file():   # a device (/dev/zero) or a folder: never read blindly
            raise ValueError(f"{path}: not a regular file")
        with path.open() as handle:                # read at most the limit (a /proc file's size says 0)
            text = handle.read(MAX_SOURCE_BYTES + 1)
        if len(text) > MAX_SOURCE_BYTES:
            raise ValueError(f"{path}: more than {MAX_SOURCE_BYTES} characters; program files are limited to "
                             f"{MAX_SOURCE_BYTES} bytes")
        return text
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot read: {error}") from None


def assemble_file(path, language: Language, strict: bool = True, defines: dict | None = None) -> str:
    """Assemble a ``.toy`` file (``defines`` override its constants)."""
    return assemble(read_source(path), language, str(path), strict, defines)


# ---------------------------------------------------------------------------------------------
# disassemble
# ---------------------------------------------------------------------------------------------
def data_spans(language: Language, bits: str, max_steps: int = 100_000) -> dict:
    """Start -> width of every ``read`` of data bits in a bounded reference run of ``bits``."""
    from toyinduction.machines.toy.reference import Clock, ReferenceMachine

    spans: dict = {}

    class Tracing(ReferenceMachine):
        def execute(self, instruction):
            if instruction.mnemonic == "read" and self.stack and 0 < self.stack[-1] <= MAX_PACKED_BITS \
                    and self.position + self.stack[-1] <= len(self.bits) and self.depth == 0:
                spans[self.position] = self.stack[-1]
            super().execute(instruction)

    Tracing(language, bits, Clock(), max_steps, 1 << 20).run_to_status()
    return spans


def disassemble(bits: str, language: Language, max_steps: int = 100_000) -> str:
    """Readable assembly for ``bits`` that assembles (strict=False) back to exactly ``bits``.

    Bits the program reads as data (found by running it for at most ``max_steps`` steps) are
    shown as ``bits``; trailing bits that do not complete an instruction as ``bits`` with a
    comment. Blocks indent by two spaces a level up to MAX_DISASSEMBLY_INDENT levels; a deeper
    line carries ``; depth N`` instead, so the text grows linearly with the program.
    """
    decode_table = language.decode_table
    spans = data_spans(language, bits, max_steps)
    lines, depth, position, open_blocks = [], 0, 0, []

    def line(text: str, comment: str = "") -> str:
        if depth > MAX_DISASSEMBLY_INDENT:
            comment = f"{comment}    ; depth {depth}" if not comment else f"{comment} (depth {depth})"
        return "  " * min(depth, MAX_DISASSEMBLY_INDENT) + text + comment

    while position < len(bits):
        if position in spans:
            width = spans[position]
            lines.append(line(f"bits {bits[position:position + width]}"))
            position += width
            continue
        start, word = position, ""
        while word not in decode_table and position < len(bits):
            word += bits[position]
            position += 1
        if word not in decode_table:
            lines.append(line(f"bits {bits[start:]}", "    ; incomplete instruction"))
            break
        mnemonic = decode_table[word]
        text = mnemonic                     # a composite: its name (its body opens and closes nothing)
        if HAS_OPERAND.get(mnemonic):
            zeros = 0
            while position < len(bits) and bits[position] == "0":
                zeros, position = zeros + 1, position + 1
            if position + zeros + 1 > len(bits) or zeros > 62:
                lines.append(line(f"bits {bits[start:]}", "    ; incomplete instruction"))
                break
            operand = int(bits[position:position + zeros + 1], 2) - 1
            position += zeros + 1
            text = f"{mnemonic} {operand}"
        comment = ""
        if mnemonic == "end":
            if open_blocks:
                open_blocks.pop()
                depth = max(depth - 1, 0)
            else:
                comment = "    ; no open block: halts"
        elif mnemonic == "else":
            depth = max(depth - 1, 0)
        lines.append(line(text, comment))
        if mnemonic in BLOCK_OPENERS:
            open_blocks.append(mnemonic)
            depth += 1
        elif mnemonic == "else":
            depth += 1
    return "\n".join(lines) + ("\n" if lines else "")
