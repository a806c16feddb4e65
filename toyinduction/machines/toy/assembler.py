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

The disassembler turns bits back into text that assembles to the same bits. Because ``read``
takes data bits from the stream at run time, it first runs the program (reference
interpreter, bounded) to find which bits were read as data, and shows those as ``bits``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toyinduction.machines.toy.language import BLOCK_OPENERS, HAS_OPERAND, MAX_PACKED_BITS, MNEMONICS, Language, encode_natural
from toyinduction.core import pack_bits

#: Largest push operand: Elias gamma of n + 1 with exponent <= 62.
MAX_LITERAL = 2 ** 63 - 2


class AssemblyError(ValueError):
    """A problem in assembly text, with its place: ``file:line:column: message``."""

    def __init__(self, source: str, line: int, column: int, message: str):
        super().__init__(f"{source}:{line}:{column}: {message}")
        self.source, self.line, self.column, self.message = source, line, column, message


@dataclass(frozen=True)
class Token:
    """A word of assembly text and where it stands."""

    text: str
    line: int
    column: int


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------
TOKEN_PATTERN = re.compile(r"\[|\]|[^\s\[\];]+")


def tokenize(text: str) -> list[Token]:
    """Split text into tokens (words, '[' and ']'), dropping ';' comments."""
    tokens = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        code = line.split(";", 1)[0]
        for match in TOKEN_PATTERN.finditer(code):
            tokens.append(Token(match.group(), line_number, match.start() + 1))
    return tokens


# ---------------------------------------------------------------------------------------------
# parse
# ---------------------------------------------------------------------------------------------
@dataclass
class Op:
    """One instruction to encode."""

    mnemonic: str
    operand: int | None
    token: Token


@dataclass
class RawBits:
    """Bits placed verbatim in the stream."""

    bits: str
    token: Token


@dataclass
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


def parse_number(text: str) -> int | None:
    """A literal: decimal, 0b..., 0x...; None if the text is not a number."""
    try:
        if re.fullmatch(r"-?[0-9]+", text):
            return int(text, 10)
        if re.fullmatch(r"-?0[bB][01]+", text):
            return int(text, 2) if not text.startswith("-") else -int(text[1:], 2)
        if re.fullmatch(r"-?0[xX][0-9a-fA-F]+", text):
            return int(text, 16) if not text.startswith("-") else -int(text[1:], 16)
    except ValueError:
        return None
    return None


class Parser:
    """Turns tokens into items, expanding macros and constants and checking structure."""

    def __init__(self, tokens, language: Language, source: str, strict: bool, defines: dict | None = None):
        self.tokens, self.position = tokens, 0
        self.language, self.source, self.strict = language, source, strict
        self.defines = dict(defines or {})
        self.constants: dict = {}
        self.macros: dict = {}

    def error(self, token: Token | None, message: str) -> AssemblyError:
        """An AssemblyError at the token (or at the end of the text)."""
        if token is None:
            last = self.tokens[-1] if self.tokens else Token("", 1, 1)
            return AssemblyError(self.source, last.line, last.column + len(last.text), message)
        return AssemblyError(self.source, token.line, token.column, message)

    def next_token(self, after: Token, what: str) -> Token:
        """The next token, or an error saying what was expected after ``after``."""
        if self.position >= len(self.tokens):
            raise self.error(None, f"{what} expected after {after.text!r}, found end of file")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def literal(self, token: Token) -> int:
        """A natural-number literal or constant name."""
        value = parse_number(token.text)
        if value is None and token.text in self.constants:
            value = self.constants[token.text]
        if value is None:
            raise self.error(token, f"number expected, found {token.text!r}")
        if value < 0:
            raise self.error(token, f"negative literal {value}: push takes n >= 0 (write 0 {-value} sub)")
        if value > MAX_LITERAL:
            raise self.error(token, f"literal {value} is too large: push takes at most 2**63 - 2")
        return value

    def instruction(self, mnemonic: str, token: Token, operand=None) -> Op:
        """An Op, if the language has the instruction."""
        if mnemonic not in self.language.codewords:
            raise self.error(token, f"instruction {mnemonic!r} is not in language {self.language.name!r}")
        return Op(mnemonic, operand, token)

    def parse_program(self, closing: str | None = None, opening: Token | None = None) -> list:
        """Parse items until ``closing`` (']' for a quote) or the end of the tokens."""
        scope = _Scope()
        items: list = []
        while True:
            if self.position >= len(self.tokens):
                if closing is not None:
                    raise self.error(opening, "'[' is never closed by ']'")
                break
            token = self.tokens[self.position]
            self.position += 1
            if closing is not None and token.text == closing:
                break
            items.extend(self.parse_word(token, scope))
        if scope.blocks and self.strict:
            block = scope.blocks[-1]
            raise self.error(block.token, f"{block.mnemonic!r} block is never closed by 'end'")
        return items

    def parse_word(self, token: Token, scope: _Scope) -> list:
        """Items for one word (and the operands it takes)."""
        word = token.text
        lower = word.lower()
        # -- a bare number: push it
        number = parse_number(word)
        if number is not None:
            return [self.instruction("push", token, self.literal(token))]
        # -- [ ... ]: a quoted program
        if word == "[":
            return [Quote(self.parse_program("]", token), token)]
        if word == "]":
            raise self.error(token, "']' without a matching '['")
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
                    raise self.error(token, f"macro {name.text!r} is never closed by 'endmacro'")
                inner = self.next_token(token, "'endmacro'")
                if inner.text.lower() == "endmacro":
                    break
                if inner.text.lower() == "macro":
                    raise self.error(inner, "macros cannot be defined inside macros")
                body.append(inner)
            self.macros[name.text] = body
            return []
        if lower == "endmacro":
            raise self.error(token, "'endmacro' without 'macro'")
        # -- bits 0101: raw bits
        if lower == "bits":
            raw = self.next_token(token, "a bit string")
            if not re.fullmatch(r"[01]+", raw.text):
                raise self.error(raw, f"bits takes a string of 0 and 1, found {raw.text!r}")
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
            raise self.error(token, f"unknown instruction or name {word!r}")
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
                    raise self.error(following, f"subroutine {following.text!r} is defined twice")
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
                raise self.error(token, f"call {value} before subroutine {value} is defined")
            return value
        if token.text not in scope.subroutines:
            raise self.error(token, f"unknown subroutine {token.text!r} (defs must come before their calls)")
        return scope.subroutines[token.text]

    def define_name(self, name: Token) -> None:
        """Check that a new constant or macro name is usable and not taken."""
        if not re.fullmatch(r"[A-Za-z_][\w.-]*", name.text) or name.text.lower() in MNEMONICS \
                or name.text.lower() in self.language.composites \
                or name.text.lower() in ("const", "macro", "endmacro", "bits", "halt"):
            raise self.error(name, f"{name.text!r} cannot be used as a name")
        if name.text in self.constants or name.text in self.macros:
            raise self.error(name, f"{name.text!r} is already defined")

    def expand(self, token: Token, scope: _Scope, depth: int = 0) -> list:
        """Parse a macro's body in place of its name (macros may use macros, not themselves)."""
        if depth > 32:
            raise self.error(token, f"macro {token.text!r} expands too deeply (recursive?)")
        saved_tokens, saved_position = self.tokens, self.position
        self.tokens, self.position = list(self.macros[token.text]), 0
        items = []
        try:
            while self.position < len(self.tokens):
                inner = self.tokens[self.position]
                self.position += 1
                if inner.text in self.macros:
                    items.extend(self.expand(inner, scope, depth + 1))
                else:
                    items.extend(self.parse_word(inner, scope))
        finally:
            self.tokens, self.position = saved_tokens, saved_position
        return items


# ---------------------------------------------------------------------------------------------
# encode
# ---------------------------------------------------------------------------------------------
def encode(items, language: Language, source: str = "<text>") -> str:
    """Concatenate the codewords (and operand codes, raw bits, quoted values) of parsed items."""
    pieces = []
    for item in items:
        if isinstance(item, RawBits):
            pieces.append(item.bits)
        elif isinstance(item, Quote):
            inner = encode(item.items, language, source)
            if len(inner) > MAX_PACKED_BITS:
                raise AssemblyError(source, item.token.line, item.token.column,
                                    f"quoted program is {len(inner)} bits; eval takes at most {MAX_PACKED_BITS}")
            pieces.append(language.codewords["push"] + encode_natural(pack_bits(inner)))
        else:
            pieces.append(language.codewords[item.mnemonic])
            if HAS_OPERAND.get(item.mnemonic):
                pieces.append(encode_natural(item.operand))
    return "".join(pieces)


def assemble(text: str, language: Language, source: str = "<text>", strict: bool = True,
             defines: dict | None = None) -> str:
    """Assemble toy assembly text to a bit string. Raises AssemblyError naming file:line:column.

    ``defines`` (name -> natural number) override the values of the text's ``const`` lines
    of those names (how one program file describes a family: a world's seed, a depth, …).
    """
    parser = Parser(tokenize(text), language, source, strict, defines)
    for name, value in parser.defines.items():
        if not isinstance(value, int) or not 0 <= value <= MAX_LITERAL:
            raise ValueError(f"define {name} must be a natural number <= 2**63 - 2, got {value!r}")
    items = parser.parse_program()
    if parser.defines:
        raise ValueError(f"{source}: no const named {', '.join(sorted(parser.defines))} to define")
    return encode(items, language, source)


#: The largest program file read (a program of the toy language is a few kilobytes).
MAX_SOURCE_BYTES = 16 << 20


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
        return path.read_text()
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
    comment.
    """
    decode_table = language.decode_table
    spans = data_spans(language, bits, max_steps)
    lines, depth, position, open_blocks = [], 0, 0, []
    while position < len(bits):
        if position in spans:
            width = spans[position]
            lines.append("  " * depth + f"bits {bits[position:position + width]}")
            position += width
            continue
        start, word = position, ""
        while word not in decode_table and position < len(bits):
            word += bits[position]
            position += 1
        if word not in decode_table:
            lines.append("  " * depth + f"bits {bits[start:]}    ; incomplete instruction")
            break
        mnemonic = decode_table[word]
        text = mnemonic                     # a composite: its name (its body opens and closes nothing)
        if HAS_OPERAND.get(mnemonic):
            zeros = 0
            while position < len(bits) and bits[position] == "0":
                zeros, position = zeros + 1, position + 1
            if position + zeros + 1 > len(bits) or zeros > 62:
                lines.append("  " * depth + f"bits {bits[start:]}    ; incomplete instruction")
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
        lines.append("  " * depth + text + comment)
        if mnemonic in BLOCK_OPENERS:
            open_blocks.append(mnemonic)
            depth += 1
        elif mnemonic == "else":
            depth += 1
    return "\n".join(lines) + ("\n" if lines else "")
