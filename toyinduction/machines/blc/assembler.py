"""Assembler for binary lambda calculus: named lambda terms -> BLC program bits.

The second reference machine needs programs too, and nobody writes de Bruijn bits by hand. The
assembler is the same plain pipeline as the toy's, tokenize -> parse -> encode:

    ; a comment runs to the end of the line
    const DEPTH 40            ; a named number (a family parameter; defines= overrides it)
    const SEED 2026 32        ; ... with a width: the 32 bits of 2026, most significant first
    def id = \\x. x            ; a definition: a closed term over earlier definitions
    def K = \\x y. x           ; \\x y. M is \\x. \\y. M
    def pair = let z = K in \\f. f z z    ; let x = A in B is (\\x. B) A
    def bits = [0110]         ; a list of bits, written in order (Tromp's lists and bits)
    def depth = DEPTH         ; a number is its binary numeral: a list of bits, least significant first
    def main = \\input. ...    ; the program is the definition named main

Application is juxtaposition (left associative); a lambda or ``let`` as the last argument
extends as far as it can. A definition may use only definitions above it (recursion goes
through a fixed-point combinator written in the program), so the text is a closed term by
construction. Encoding: the definitions main needs become a chain of redexes around main,
(λd1. (λd2. … main …) v2) v1, except that a definition used exactly once is substituted at its
use (that is always shorter). The program's length is therefore the length of one real term:
the bits this returns, which :func:`toyinduction.machines.blc.reference.parse` reads back.

Errors name ``file:line:column`` and what is wrong (:class:`toyinduction.machines.toy.assembler.AssemblyError`).
"""

from __future__ import annotations

import re
from toyinduction.machines.toy.assembler import AssemblyError, read_source
from toyinduction.machines.blc.reference import APP, LAM, VAR, encode

TOKEN_PATTERN = re.compile(r"\s+|;[^\n]*|\\|\.|\(|\)|=|\[[01]*\]|[0-9]+|[A-Za-z_][A-Za-z0-9_']*|.")
KEYWORDS = ("def", "const", "let", "in")
#: Largest number literal (the numeral of a depth or a count, not data).
MAX_NUMBER = 2 ** 32


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------
def tokenize(text: str, source: str) -> list:
    """Text -> [(token, line, column)], comments and spaces dropped."""
    tokens, line, column = [], 1, 1
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group()
        if not word.isspace() and not word.startswith(";"):
            if len(word) == 1 and not re.match(r"[\\.()=0-9A-Za-z_]", word):
                raise AssemblyError(source, line, column, f"unexpected character {word!r}")
            tokens.append((word, line, column))
        newlines = word.count("\n")
        line, column = (line + newlines, len(word) - word.rfind("\n")) if newlines else (line, column + len(word))
    return tokens


# ---------------------------------------------------------------------------------------------
# parse: tokens -> named terms ("var", name, line, column) | ("lam", name, body) | ("app", f, a)
#        | ("bits", "0110")
# ---------------------------------------------------------------------------------------------
class Parser:
    """Recursive descent over the token list; one method per syntactic form."""

    def __init__(self, tokens: list, source: str):
        self.tokens, self.position, self.source = tokens, 0, source

    def peek(self):
        """The next token's text, or None at the end."""
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def error(self, message: str):
        """An AssemblyError at the current token."""
        line, column = self.tokens[self.position][1:] if self.position < len(self.tokens) else (
            (self.tokens[-1][1], self.tokens[-1][2]) if self.tokens else (1, 1))
        return AssemblyError(self.source, line, column, message)

    def take(self, expected: str | None = None):
        """Consume the next token (it must be ``expected`` when given); returns its text."""
        if self.position >= len(self.tokens):
            raise self.error(f"the text ends where {repr(expected) if expected else 'more'} was expected")
        word, line, column = self.tokens[self.position]
        if expected is not None and word != expected:
            raise self.error(f"expected {expected!r}, found {word!r}")
        self.position += 1
        return word, line, column

    def name(self, what: str) -> str:
        """Consume a name (not a keyword); ``what`` names it in the error."""
        word = self.peek()
        if word is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_']*", word) or word in KEYWORDS:
            raise self.error(f"expected {what}, found {word!r}" if word else f"expected {what}")
        return self.take()[0]

    def program(self) -> tuple[dict, list]:
        """file := ( 'const' NAME NUMBER [WIDTH] | 'def' NAME '=' term )*"""
        constants, definitions = {}, []
        while self.peek() is not None:
            keyword, line, column = self.take()
            if keyword == "const":                      # const NAME NUMBER [WIDTH]
                name = self.name("a constant's name")
                word = self.peek()
                if word is None or not word.isdigit():
                    raise self.error(f"const {name} needs a number")
                value = int(self.take()[0])
                width = int(self.take()[0]) if (self.peek() or "").isdigit() else None
                constants[name] = (value, line, column, width)
            elif keyword == "def":                      # def NAME = term
                name = self.name("a definition's name")
                self.take("=")
                definitions.append((name, self.term(), line, column))
            else:
                self.position -= 1
                raise self.error(f"expected 'def' or 'const', found {keyword!r}")
        return constants, definitions

    def term(self):
        """term := '\\' NAME+ '.' term | 'let' NAME '=' term 'in' term | atom atom* [lambda | let]"""
        word = self.peek()
        if word == "\\":                                # \x y. body
            self.take()
            names = [self.name("a variable after \\")]
            while self.peek() != ".":
                names.append(self.name("a variable or '.'"))
            self.take(".")
            body = self.term()
            for name in reversed(names):
                body = ("lam", name, body)
            return body
        if word == "let":                               # let x = value in body
            self.take()
            name = self.name("a name after let")
            self.take("=")
            value = self.term()
            self.take("in")
            return ("app", ("lam", name, self.term()), value)
        result = self.atom()
        while self.peek() is not None and self.peek() not in (")", "def", "const", "in"):
            argument = self.term() if self.peek() in ("\\", "let") else self.atom()
            result = ("app", result, argument)
        return result

    def atom(self):
        """atom := NAME | NUMBER | '[' bits ']' | '(' term ')'"""
        word = self.peek()
        if word is None:
            raise self.error("the text ends where a term was expected")
        if word == "(":                                 # ( term )
            self.take()
            inner = self.term()
            self.take(")")
            return inner
        if word.startswith("["):                        # [0110]: a literal list of bits
            self.take()
            return ("bits", word[1:-1])
        if word.isdigit():                              # 40: the numeral, least significant bit first
            if int(word) > MAX_NUMBER:
                raise self.error(f"number {word} is larger than {MAX_NUMBER}")
            self.take()
            return ("bits", numeral(int(word)))
        _, line, column = self.tokens[self.position]
        return ("var", self.name("a term"), line, column)


def numeral(number: int) -> str:
    """The bits of a number, least significant first, no trailing zeros (0 is the empty list)."""
    return format(number, "b")[::-1] if number else ""


# ---------------------------------------------------------------------------------------------
# encode: named terms -> de Bruijn terms -> bits
# ---------------------------------------------------------------------------------------------
def _bits_term(bits: str):
    """A closed list of bits: λz. z head tail ... ending in the empty list λλ1 (bit 0 = λλ2)."""
    term = (LAM, (LAM, (VAR, 1)))
    for bit in reversed(bits):
        head = (LAM, (LAM, (VAR, 2 if bit == "0" else 1)))
        term = (LAM, (APP, (APP, (VAR, 1), head), term))
    return term


def _uses(node, bound=frozenset()) -> list:
    """Free names used in a named term (with repetition)."""
    kind = node[0]
    if kind == "var":
        return [] if node[1] in bound else [node[1]]
    if kind == "lam":
        return _uses(node[2], bound | {node[1]})
    if kind == "app":
        return _uses(node[1], bound) + _uses(node[2], bound)
    return []


class Encoder:
    """Turns the definitions main needs into one closed de Bruijn term."""

    def __init__(self, constants: dict, definitions: list, source: str):
        self.source, self.constants = source, constants
        self.order = {name: index for index, (name, *_rest) in enumerate(definitions)}
        self.bodies = {name: body for name, body, *_rest in definitions}
        self.places = {name: (line, column) for name, _body, line, column in definitions}

    def error(self, node, message: str):
        """An AssemblyError at ``node``'s position."""
        return AssemblyError(self.source, node[2], node[3], message)

    def check(self, name: str, node, bound=()) -> None:
        """Every free name of ``name``'s body is a constant or a definition above it."""
        kind = node[0]
        if kind == "var":
            variable = node[1]
            if variable in bound or variable in self.constants:
                return
            if variable not in self.order:
                raise self.error(node, f"{variable} is not defined")
            if self.order[variable] >= self.order[name]:
                raise self.error(node, f"{name} uses {variable}, which is not defined above it "
                                       "(recursion goes through a fixed-point combinator)")
        elif kind == "lam":
            self.check(name, node[2], bound + (node[1],))
        elif kind == "app":
            self.check(name, node[1], bound)
            self.check(name, node[2], bound)

    def term(self, main: str = "main"):
        """The closed de Bruijn term of definition ``main`` and everything it uses."""
        if main not in self.order:
            raise AssemblyError(self.source, 1, 1, f"no definition named {main}: the program is 'def {main} = ...'")
        for name, body in self.bodies.items():
            self.check(name, body)
        needed, counts, work = set(), {}, [main]
        while work:                       # definitions reachable from main, and how often each is used
            name = work.pop()
            if name in needed:
                continue
            needed.add(name)
            for used in _uses(self.bodies[name]):
                if used in self.order:
                    counts[used] = counts.get(used, 0) + 1
                    work.append(used)
        self.inline = {name for name in needed if counts.get(name, 0) == 1}
        chain = self.chain_order([name for name in needed if name != main and name not in self.inline], counts)
        levels = {name: level for level, name in enumerate(chain, start=1)}   # λ level of each let
        self.levels = levels
        term = self.convert(self.bodies[main], {**levels}, len(chain))
        for level in range(len(chain), 0, -1):       # wrap: (λ d_level. term) value_level
            name = chain[level - 1]
            visible = {n: l for n, l in levels.items() if l < level}
            term = (APP, (LAM, term), self.convert(self.bodies[name], visible, level - 1))
        return term

    def chain_order(self, names: list, counts: dict) -> list:
        """The order of the lets: every definition after those it uses; among those free to go
        next, the least used first, so the most used sit innermost, where their de Bruijn
        indices (1^i 0: i + 1 bits) are shortest. Ties keep text order. Deterministic."""
        pending, placed, chain = set(names), set(), []
        requires = {name: {used for used in _uses(self.bodies[name]) if used in pending or used in self.inline}
                    for name in names}

        def ready(name):   # its uses, through inlined definitions, are all placed
            work, seen = list(requires[name]), set()
            while work:
                used = work.pop()
                if used in seen:
                    continue
                seen.add(used)
                if used in self.inline:
                    work += [u for u in _uses(self.bodies[used]) if u in self.order]
                elif used not in placed:
                    return False
            return True

        while pending:
            name = min((n for n in pending if ready(n)), key=lambda n: (counts.get(n, 0), self.order[n]))
            chain.append(name)
            placed.add(name)
            pending.discard(name)
        return chain

    def convert(self, node, scope: dict, depth: int):
        """Named term -> de Bruijn term; ``scope`` maps a name to the λ level that binds it."""
        kind = node[0]
        if kind == "lam":                              # \x. body
            return (LAM, self.convert(node[2], {**scope, node[1]: depth + 1}, depth + 1))
        if kind == "app":                              # f a
            return (APP, self.convert(node[1], scope, depth), self.convert(node[2], scope, depth))
        if kind == "bits":                             # [0110] or a number
            return _bits_term(node[1])
        name = node[1]                                 # a variable
        if name in scope:
            return (VAR, depth - scope[name] + 1)
        if name in self.constants:
            value, _line, _column, width = self.constants[name]
            return _bits_term(numeral(value) if width is None else format(value, f"0{width}b"))
        if name in self.inline:                        # used once: its body goes here
            # (it uses only definitions above it, all bound by lets around this place)
            return self.convert(self.bodies[name], self.levels, depth)
        raise self.error(node, f"{name} is not in scope")


def assemble_lambda(text: str, source: str = "<text>", defines: dict | None = None, main: str = "main") -> str:
    """Assemble named lambda-calculus text to BLC program bits (``defines`` override its consts)."""
    constants, definitions = Parser(tokenize(text, source), source).program()
    for name, value in (defines or {}).items():
        if name not in constants:
            raise ValueError(f"{source}: no const named {name} to define")
        if not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
            raise ValueError(f"define {name} must be a natural number <= {MAX_NUMBER}, got {value!r}")
        constants[name] = (value,) + constants[name][1:]
    for name, (value, line, column, width) in constants.items():
        if width is not None and value >= 2 ** width:
            raise AssemblyError(source, line, column, f"const {name}: {value} does not fit in {width} bits")
    seen = set()
    for name, _body, line, column in definitions:
        if name in seen or name in constants:
            raise AssemblyError(source, line, column, f"{name} is defined twice")
        seen.add(name)
    return encode(Encoder(constants, definitions, source).term(main))


def assemble_lambda_file(path, defines: dict | None = None) -> str:
    """Assemble a ``.lam`` file (``defines`` override its constants)."""
    return assemble_lambda(read_source(path), str(path), defines)
