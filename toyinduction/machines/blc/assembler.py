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
#: The characters that may stand alone as a token.
SINGLE_CHARACTER_TOKEN = re.compile(r"[\\.()=0-9A-Za-z_]")
#: Largest number literal (the numeral of a depth or a count, not data).
MAX_NUMBER = 2 ** 32
#: Largest width of a const (the bits it is written in, most significant first).
MAX_WIDTH = 4096
#: Longest program the assembler writes (the toy assembler's 16 MiB source limit, in bits);
#: checked as the term grows, since a const or literal used many times multiplies the source.
MAX_PROGRAM_BITS = 1 << 24


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------
def tokenize(text: str, source: str) -> list:
    """Text -> [(token, line, column)], comments and spaces dropped."""
    tokens, line, line_start = [], 1, 0              # line_start: where the current line begins
    for match in TOKEN_PATTERN.finditer(text):
        word = match.group()
        if word.isspace():
            newlines = word.count("\n")
            if newlines:
                line, line_start = line + newlines, match.start() + word.rfind("\n") + 1
            continue
        if word[0] == ";":
            continue
        column = match.start() - line_start + 1
        if len(word) == 1 and not SINGLE_CHARACTER_TOKEN.match(word):
            raise AssemblyError(source, line, column, f"unexpected character {word!r}")
        tokens.append((word, line, column))
    return tokens


# ---------------------------------------------------------------------------------------------
# parse: tokens -> named terms ("var", name, line, column) | ("lam", name, body) | ("app", f, a)
#        | ("bits", "0110", line, column)
# ---------------------------------------------------------------------------------------------
class Parser:
    """Descent over the token list: a method per form, nested terms on an explicit stack."""

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

    def number(self, limit: int, what: str) -> int:
        """Consume a number token of at most ``limit``; ``what`` names it in the error."""
        word = self.peek()
        if len(word) > len(str(limit)) or int(word) > limit:
            shown = word if len(word) <= 24 else f"{word[:12]}… ({len(word)} digits)"
            raise self.error(f"{what} {shown} is larger than {limit}")
        self.take()
        return int(word)

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
                value = self.number(MAX_NUMBER, f"const {name}: number")
                width = self.number(MAX_WIDTH, f"const {name}: width") if (self.peek() or "").isdigit() else None
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
        """term := '\\' NAME+ '.' term | 'let' NAME '=' term 'in' term | atom atom* [lambda | let]

        Iterative (a stack of the forms still open), so deeply nested text is fine."""
        # frames: ("apply", term so far or None), ("paren",), ("lam", names), ("let", name),
        # ("in", name, value); a finished term goes to the frame on top
        frames, done = [], None
        starting = True                                  # a term starts here (else ``done`` is finished)
        while True:
            if starting:
                word = self.peek()
                if word == "\\":                        # \x y. body
                    self.take()
                    names = [self.name("a variable after \\")]
                    while self.peek() != ".":
                        names.append(self.name("a variable or '.'"))
                    self.take(".")
                    frames.append(("lam", names))
                    continue
                if word == "let":                       # let x = value in body
                    self.take()
                    name = self.name("a name after let")
                    self.take("=")
                    frames.append(("let", name))
                    continue
                frames.append(("apply", None))
                done = self.start_atom(frames)
                if done is None:                         # "(": a term starts inside it
                    continue
                starting = False
            if not frames:
                return done
            frame = frames.pop()
            if frame[0] == "apply":                     # f a b ...: the next argument, or the end
                done = done if frame[1] is None else ("app", frame[1], done)
                if self.peek() is None or self.peek() in (")", "def", "const", "in"):
                    continue
                frames.append(("apply", done))
                if self.peek() in ("\\", "let"):         # a lambda or let argument extends to the end
                    starting = True
                    continue
                done = self.start_atom(frames)
                starting = done is None
            elif frame[0] == "paren":                   # ( term )
                self.take(")")
            elif frame[0] == "lam":
                for name in reversed(frame[1]):
                    done = ("lam", name, done)
            elif frame[0] == "let":                     # the value is done: now the body
                self.take("in")
                frames.append(("in", frame[1], done))
                starting = True
            else:
                done = ("app", ("lam", frame[1], done), frame[2])

    def start_atom(self, frames: list):
        """An atom at the current token; for '(' push a frame and return None (a term follows)."""
        if self.peek() == "(":
            self.take()
            frames.append(("paren",))
            return None
        return self.atom()

    def atom(self):
        """atom := NAME | NUMBER | '[' bits ']' (and '(' term ')', which :meth:`term` reads)"""
        word = self.peek()
        if word is None:
            raise self.error("the text ends where a term was expected")
        _, line, column = self.tokens[self.position]
        if word.startswith("["):                        # [0110]: a literal list of bits
            self.take()
            return ("bits", word[1:-1], line, column)
        if word.isdigit():                              # 40: the numeral, least significant bit first
            return ("bits", numeral(self.number(MAX_NUMBER, "number")), line, column)
        return ("var", self.name("a term"), line, column)


def numeral(number: int) -> str:
    """The bits of a number, least significant first, no trailing zeros (0 is the empty list)."""
    return format(number, "b")[::-1] if number else ""


# ---------------------------------------------------------------------------------------------
# encode: named terms -> de Bruijn terms -> bits
# ---------------------------------------------------------------------------------------------
def _bits_term(bits: str):
    """A closed list of bits: λz. z head tail ... ending in the empty list λλ1 (bit 0 = λλ2)."""
    zero, one = (LAM, (LAM, (VAR, 2))), (LAM, (LAM, (VAR, 1)))     # shared: terms are immutable
    cells = {"0": (APP, (VAR, 1), zero), "1": (APP, (VAR, 1), one)}  # z head
    term = one                                                       # the empty list
    for bit in reversed(bits):
        term = (LAM, (APP, cells[bit], term))
    return term


def _bits_length(bits: str) -> int:
    """The length of :func:`_bits_term`'s encoding: a cell 00 01 01 10 and a head of 7 bits (0)
    or 6 (1) per bit, then the empty list's 6."""
    return 14 * len(bits) + bits.count("0") + 6


def _uses(node) -> list:
    """Free names used in a named term (with repetition, in text order). Iterative."""
    uses, bound, work = [], {}, [node]
    while work:
        item = work.pop()
        kind = item[0]
        if kind == "var":
            if not bound.get(item[1]):
                uses.append(item[1])
        elif kind == "lam":
            bound[item[1]] = bound.get(item[1], 0) + 1
            work += [("unbind", item[1]), item[2]]
        elif kind == "app":
            work += [item[2], item[1]]
        elif kind == "unbind":                          # leaving a lambda
            bound[item[1]] -= 1
    return uses


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

    def check(self, name: str, node) -> None:
        """Every free name of ``name``'s body is a constant or a definition above it (the first
        that is not, in text order, is the error)."""
        bound, work = {}, [node]
        while work:
            item = work.pop()
            kind = item[0]
            if kind == "var":
                variable = item[1]
                if bound.get(variable) or variable in self.constants:
                    continue
                if variable not in self.order:
                    raise self.error(item, f"{variable} is not defined")
                if self.order[variable] >= self.order[name]:
                    raise self.error(item, f"{name} uses {variable}, which is not defined above it "
                                           "(recursion goes through a fixed-point combinator)")
            elif kind == "lam":
                bound[item[1]] = bound.get(item[1], 0) + 1
                work += [("unbind", item[1]), item[2]]
            elif kind == "app":
                work += [item[2], item[1]]
            elif kind == "unbind":
                bound[item[1]] -= 1

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
        self.bits, self.place = 0, self.places[main]     # the program's length so far, where it grows
        term = self.convert(self.bodies[main], {**levels}, len(chain))
        for level in range(len(chain), 0, -1):       # wrap: (λ d_level. term) value_level
            name = chain[level - 1]
            visible = {n: l for n, l in levels.items() if l < level}
            self.place = self.places[name]
            self.grow(4, None, f"definition {name}")
            term = (APP, (LAM, term), self.convert(self.bodies[name], visible, level - 1))
        return term

    def grow(self, bits: int, node, what: str) -> None:
        """Count ``bits`` more of the program (at ``node``, else the definition being written);
        an AssemblyError naming ``what`` as soon as the program passes MAX_PROGRAM_BITS."""
        self.bits += bits
        if self.bits > MAX_PROGRAM_BITS:
            line, column = (node[2], node[3]) if node is not None else self.place
            raise AssemblyError(self.source, line, column, f"{what} makes the program longer than the "
                                f"{MAX_PROGRAM_BITS} bits the assembler writes; use it fewer times or make it shorter")

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
        """Named term -> de Bruijn term; ``scope`` maps a name to the λ level that binds it.
        Iterative: a work stack of nodes and of what to do when their parts are done."""
        scopes, values = [dict(scope)], []
        work = [("node", node, depth)]
        while work:
            item = work.pop()
            tag = item[0]
            if tag == "lam":                             # the body is done: wrap it
                values.append((LAM, values.pop()))
                continue
            if tag == "app":                             # function and argument are done
                argument = values.pop()
                values.append((APP, values.pop(), argument))
                continue
            if tag == "restore":                         # leaving a λ: the name's outer binding again
                _tag, name, before = item
                if before is None:
                    del scopes[-1][name]
                else:
                    scopes[-1][name] = before
                continue
            if tag == "leave":                           # leaving a substituted body: the outer scope
                scopes.pop()
                continue
            _tag, current, level = item
            kind = current[0]
            if kind == "lam":                            # \x. body
                name = current[1]
                self.grow(2, None, f"\\{name}")
                work += [("lam",), ("restore", name, scopes[-1].get(name)), ("node", current[2], level + 1)]
                scopes[-1][name] = level + 1
            elif kind == "app":                          # f a
                self.grow(2, None, "an application")
                work += [("app",), ("node", current[2], level), ("node", current[1], level)]
            elif kind == "bits":                         # [0110] or a number
                self.grow(_bits_length(current[1]), current, "this literal")
                values.append(_bits_term(current[1]))
            else:
                name = current[1]                        # a variable
                if name in scopes[-1]:
                    self.grow(level - scopes[-1][name] + 2, current, name)
                    values.append((VAR, level - scopes[-1][name] + 1))
                elif name in self.constants:
                    value, _line, _column, width = self.constants[name]
                    bits = numeral(value) if width is None else format(value, f"0{width}b")
                    self.grow(_bits_length(bits), current, f"const {name}")
                    values.append(_bits_term(bits))
                elif name in self.inline:                # used once: its body goes here
                    # (it uses only definitions above it, all bound by lets around this place)
                    scopes.append(dict(self.levels))
                    work += [("leave",), ("node", self.bodies[name], level)]
                else:
                    raise self.error(current, f"{name} is not in scope")
        return values.pop()


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
