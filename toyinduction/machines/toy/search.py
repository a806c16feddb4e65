"""Posterior search: grow a pool of programs that write an observed bit stream, shorter ones first.

The malign-prior demo compares hand-written world programs; a reviewer can break its conclusions
with a program nobody listed, above all by changing what a program *reads as data* (being told
the frame of a question as data bits instead of computing it). This module searches for such
programs. It starts from given programs (assembly text or a :class:`Template`, plus the data bits
read after the code) and, optionally, from programs drawn from the prior, and proposes edits;
every candidate that writes ``observed`` bit for bit and is shorter in total bits (code + data)
than its start is kept.

A candidate is the bit string code + data. It is run on the machine, and its output is compared
with ``observed`` *as it is written*: the run stops at its first wrong output bit (most proposals
fail within a few bits), at ``len(observed)`` right bits (it reproduces ``observed``), or when the
machine stops by itself. That early exit is :func:`_run_against`, a numba loop around the
ordinary kernel's ``_execute``: it lets the kernel write exactly one more output bit at a time
(output limit raised by one, the machine suspended at the instruction boundary after the ``out``)
and compares it, so it inherits the kernel's bounds by construction and adds one bounded index
(``agreed < nout <= limit <= ntarget <= len(target), len(out)``). A test runs it against the
pure-Python reference interpreter.

The moves (Metropolis sampling, as STOKE; cost = total bits + ``penalty`` x the observed bits not
reproduced, i.e. ``len(observed)`` minus the index of the first wrong bit):

- code: the superoptimizer's moves (:class:`toyinduction.machines.toy.golf._Stochastic`: replace,
  insert, delete, swap instructions, change an operand, move a slice of code anywhere);
- data: flip, insert or delete one data bit (region bits, path bits, a frame number, per-frame
  flags: whatever the program reads after its code);
- literal -> read: a ``push n`` becomes ``push k read`` and the k bits of n go into the data where
  that read consumes them (found by a probe run in which the literal is replaced by a read of
  width 63, which faults at its first execution with the read position in hand);
- read -> literal: the reverse, a ``push k read`` becomes ``push n``, n being the k data bits it
  consumed (which leave the data).

So "a per-target literal" and "a frame number as data" are both reachable. Only programs that
reproduce ``observed`` exactly count as found, and each one found is run again, with the ordinary
kernel (:func:`toyinduction.machines.toy.kernel.run`), before it is reported. Equivalence is
claimed on the observed prefix only: a found program writes ``observed``; nothing is said of what
it writes after it.

A found program's data is trimmed to the bits its run has read when it has written ``observed``
(unread data bits are not part of the program); its code is kept as it is.
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from toyinduction._numba import jit
from toyinduction.core import Status, bits_matrix
from toyinduction.engine.stop import INTERRUPTED, STOP, raise_if_stopped
from toyinduction.machines.toy.golf import Template, _Encoder, _Stochastic, parse_template
from toyinduction.machines.toy.kernel import (FAULT, F_READ_WIDTH, OUTPUT_LIMIT, R_FAULT, R_NOUT, R_OUTPUT_LIMIT,
                                              R_POSITION, G_STEPS, BITS_LIMIT, MachineState, _execute, _reset,
                                              kernel_for, run)
from toyinduction.machines.toy.language import HAS_OPERAND, MAX_PACKED_BITS, Language

#: Kinds of moves and their weights (code moves are the superoptimizer's own mix).
MOVE_KINDS = ("code", "data flip", "data insert", "data delete", "literal to read", "read to literal")
MOVE_WEIGHTS = (64, 12, 6, 6, 6, 6)
#: Width of the probe read: above MAX_PACKED_BITS, so it faults (read_width) without consuming bits.
PROBE_WIDTH = MAX_PACKED_BITS + 1
#: The largest observed stream a search takes.
MAX_OBSERVED_BITS = 1 << 16
#: Batches: between 1 and this many proposals are run in one kernel call.
MAX_BATCH = 128
#: What is claimed of every found program.
CLAIM = ("Equivalence on the observed prefix only: each found program, run with the ordinary kernel, writes the "
         "observed bits exactly (within its step budget); nothing is claimed about what it writes after them.")


# ---------------------------------------------------------------------------------------------
# The early-exit kernel
# ---------------------------------------------------------------------------------------------
@jit
def _run_against(trie, has_operand, limits, programs, lengths, max_steps, target, ntarget, regs, stack, memory,
                 code, open_blocks, defs, calls, loops, child_bits, out, g, agreed_bits, statuses, steps, bits_read,
                 stop):
    """Run each row of ``programs`` (its first ``lengths[i]`` bits) against ``target`` (returning at
    once, the rest unwritten, when a run is interrupted by the stop flag ``stop``).

    The kernel is allowed one output bit at a time (output limit = bits agreed so far + 1); each
    bit is compared as soon as it is written, and the run stops at the first wrong one, at
    ``ntarget`` right bits, or when the machine stops by itself. Writes, per row: the bits agreed
    before the first wrong one (``ntarget``: it writes the target), the status the run stopped
    with (OUTPUT_LIMIT after a wrong or the last bit; a fault as FAULT + 8 * reason), steps, and
    the program bits read at that moment. Bounds: ``ntarget`` is clipped to the target and the
    output buffer, the output limit never exceeds ``ntarget``, so ``agreed < nout <= ntarget``.
    """
    n = min(ntarget, target.shape[0], out.shape[0])
    for index in range(programs.shape[0]):
        _reset(regs, memory, g, max_steps, min(n, 1))
        length = min(lengths[index], programs.shape[1])
        agreed = 0
        while True:
            status = _execute(trie, has_operand, limits, programs[index], length, regs, stack, memory, code,
                              open_blocks, defs, calls, loops, child_bits, out, g, stop)
            if status == INTERRUPTED:
                return
            nout = min(regs[0, R_NOUT], n)
            wrong = False
            while agreed < nout:
                if out[agreed] != target[agreed]:
                    wrong = True
                    break
                agreed += 1
            if wrong or status != OUTPUT_LIMIT or agreed >= n:
                break
            regs[0, R_OUTPUT_LIMIT] = agreed + 1   # one more output bit, then compare again
        agreed_bits[index] = agreed
        statuses[index] = status if status != FAULT else FAULT + 8 * regs[0, R_FAULT]
        steps[index] = g[G_STEPS]
        bits_read[index] = length if status == BITS_LIMIT else regs[0, R_POSITION]


class _Runner:
    """A machine for one language and target, with its arrays kept between batches."""

    def __init__(self, language: Language, observed: str):
        self.language = language
        self.kernel = kernel_for(language)
        self.target = np.frombuffer(observed.encode(), dtype=np.uint8) - 48
        self.capacity = 0
        self.state = None
        self.runs = 0
        self.steps = 0

    def _state(self, width: int) -> MachineState:
        if width > self.capacity:
            self.capacity = max(2 * width, 256)
            self.state = MachineState.new(self.language, self.capacity, 1, self.target.size)
        return self.state

    def run(self, rows, max_steps: int) -> dict:
        """Run bit strings against the target: arrays ``agreed``, ``status``, ``fault``, ``steps``,
        ``bits_read``."""
        matrix, lengths = bits_matrix(rows)
        return self.run_matrix(matrix, lengths, max_steps)

    def run_matrix(self, matrix, lengths, max_steps: int) -> dict:
        """The same for a uint8 matrix of program bits (row i: its first ``lengths[i]`` bits)."""
        state = self._state(matrix.shape[1])
        count = matrix.shape[0]
        agreed, codes, steps, bits_read = (np.zeros(count, dtype=np.int64) for _ in range(4))
        k = self.kernel
        _run_against(k.trie, k.has_operand, k.limits, matrix, lengths, max_steps, self.target, self.target.size,
                     state.regs, state.stack, state.memory, state.code, state.open_blocks, state.defs, state.calls,
                     state.loops, state.child_bits, state.out, state.g, agreed, codes, steps, bits_read, STOP)
        raise_if_stopped()
        self.runs += count
        self.steps += int(steps.sum())
        is_fault = codes >= FAULT
        return {"agreed": agreed, "status": np.where(is_fault, FAULT, codes), "fault": np.where(is_fault, codes // 8, 0),
                "steps": steps, "bits_read": bits_read}


def run_against(language: Language, programs, observed: str, max_steps: int) -> list:
    """Run each program (a bit string) against ``observed``, stopping at its first wrong output bit.

    Returns one dict per program: ``agreed_bits`` (output bits equal to ``observed`` before the
    first wrong one; ``len(observed)`` when it writes it), ``status`` and ``fault`` (the run's, at
    the moment it stopped: ``output_limit`` after a wrong bit or the last right one), ``steps``
    and ``bits_read`` at that moment."""
    if not isinstance(language, Language):
        raise ValueError("run_against takes a toy Language")
    _check_bits("observed", observed, allow_empty=False)
    programs = list(programs)
    for bits in programs:
        _check_bits("a program", bits)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or not 0 <= max_steps <= 2 ** 61:
        raise ValueError(f"max_steps must be an integer in 0..2**61, got {max_steps!r}")
    if not programs:
        return []
    batch = _Runner(language, observed).run(programs, max_steps)
    return [{"agreed_bits": int(batch["agreed"][i]), "status": Status(int(batch["status"][i])),
             "fault": int(batch["fault"][i]), "steps": int(batch["steps"][i]),
             "bits_read": int(batch["bits_read"][i])} for i in range(len(programs))]


def _check_bits(name: str, bits, allow_empty: bool = True) -> None:
    if not isinstance(bits, str) or (set(bits) - {"0", "1"}):
        raise ValueError(f"{name} must be a string of 0s and 1s")
    if not allow_empty and not bits:
        raise ValueError(f"{name} must hold at least one bit")


# ---------------------------------------------------------------------------------------------
# Starts and results
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Start:
    """A program to start from: ``code`` as assembly text or a :class:`Template`, the ``data`` bits
    it reads after its code (or the text's trailing ``bits``), and the constants ``defines``
    (name -> value) that instantiate the template's named constants."""

    name: str
    code: object
    data: str = ""
    defines: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Found:
    """A program that writes the observed bits and is shorter than its start."""

    start: str
    code_text: str
    code_bits: str
    data_bits: str
    total_bits: int
    start_bits: int | None
    proposals: int
    steps: int

    @property
    def assembly(self) -> str:
        """Assembly that assembles (``strict=False``: a found program may leave a block open that its
        run never closes) to exactly ``code_bits + data_bits``."""
        return self.code_text + (f"bits {self.data_bits}\n" if self.data_bits else "")

    def to_json(self) -> dict:
        """Plain data."""
        return {"start": self.start, "total_bits": self.total_bits, "code_bits": len(self.code_bits),
                "data_bits": len(self.data_bits), "start_bits": self.start_bits, "proposals": self.proposals,
                "steps": self.steps, "code_text": self.code_text, "data": self.data_bits}


@dataclass
class SearchResult:
    """What a posterior search found, and what it cost.

    ``found``: every distinct program (code + data bits) that reproduces the observed bits and is
    shorter than its start (for a start that does not reproduce them: every one), shortest first,
    each re-verified with the ordinary kernel. ``proposals``: proposals run in the kernel and
    counted against a budget; ``discarded``: proposals also run but thrown away because an
    earlier one in their batch was accepted; ``probe_runs``: runs that placed a literal's bits.
    """

    found: list
    starts: list
    observed_bits: int
    proposals: int
    skipped: int
    discarded: int
    probe_runs: int
    seconds: float
    seed: int
    interrupted: bool
    claim: str = CLAIM

    @property
    def proposals_per_second(self) -> float:
        """Proposals evaluated (run against the observed bits) per second of search."""
        return self.proposals / self.seconds if self.seconds > 0 else 0.0

    def best(self) -> Found | None:
        """The shortest program found (None if none)."""
        return self.found[0] if self.found else None

    def to_json(self) -> dict:
        """Plain data."""
        return {"observed_bits": self.observed_bits, "proposals": self.proposals, "skipped": self.skipped,
                "discarded": self.discarded, "probe_runs": self.probe_runs, "seconds": self.seconds,
                "proposals_per_second": self.proposals_per_second, "seed": self.seed,
                "interrupted": self.interrupted, "starts": self.starts, "found": [f.to_json() for f in self.found],
                "claim": self.claim}


@dataclass
class _Chain:
    """One start's program as the search sees it: instructions with integer operands, data bits."""

    name: str
    kind: str
    code: list
    data: str
    template: Template


def _resolve(start, language: Language, index: int) -> _Chain:
    """A Start as instructions with every named constant replaced by its value."""
    if isinstance(start, tuple) and len(start) in (2, 3):
        start = Start(*start)
    if not isinstance(start, Start):
        raise ValueError(f"start {index}: expected a Start (name, code, data), got {type(start).__name__}")
    if not isinstance(start.name, str) or not start.name:
        raise ValueError(f"start {index}: a start needs a non-empty name")
    if isinstance(start.code, str):
        template = parse_template(start.code, language, start.name)
    elif isinstance(start.code, Template):
        template = start.code
    else:
        raise ValueError(f"start {start.name}: code must be assembly text or a Template")
    if template.language.spec_hash != language.spec_hash:
        raise ValueError(f"start {start.name}: its template is for {template.language.name}, not {language.name}")
    _check_bits(f"start {start.name}: data", start.data)
    if start.data and template.data:
        raise ValueError(f"start {start.name}: data given twice (the text ends with bits, and data is set)")
    if not isinstance(start.defines, dict):
        raise ValueError(f"start {start.name}: defines must be a dict of name -> value")
    values = template.values({k: v for k, v in start.defines.items() if k in template.constants})
    code = [(m, values[o] if isinstance(o, str) else o) for m, o in template.code]
    if not code:
        raise ValueError(f"start {start.name}: no instructions")
    return _Chain(start.name, "given", code, start.data or template.data, template)


def _decode(bits: str, language: Language) -> tuple:
    """Program bits as instructions (code) and the bits that complete no instruction (data)."""
    table = language.decode_table
    code, position = [], 0
    while position < len(bits):
        start, word = position, ""
        while word not in table and position < len(bits):
            word += bits[position]
            position += 1
        if word not in table:
            return code, bits[start:]
        mnemonic = table[word]
        operand = None
        if HAS_OPERAND.get(mnemonic):
            zeros = 0
            while position < len(bits) and bits[position] == "0":
                zeros, position = zeros + 1, position + 1
            if position + zeros + 1 > len(bits) or zeros > 62:
                return code, bits[start:]
            operand = int(bits[position:position + zeros + 1], 2) - 1
            position += zeros + 1
        code.append((mnemonic, operand))
    return code, ""


def _prior_chains(language: Language, count: int, max_bits: int, max_steps: int, output_bits: int, seed: int):
    """``count`` programs drawn from the prior (the project's sampler, run in the kernel)."""
    from toyinduction.engine.sampling import sample_programs

    drawn = sample_programs(lambda bits: run(language, bits, max_steps, output_bits), count, max_bits, seed)
    chains = []
    for number, (bits, _) in enumerate(drawn):
        code, data = _decode(bits, language)
        if not code:
            code = [("end", None)]
        chains.append(_Chain(f"prior {number}", "prior", code, data, None))
    return chains


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------
class _Interrupt:
    """Ctrl-C sets a flag, honoured after the current batch (main thread only; elsewhere a
    KeyboardInterrupt is caught the same way)."""

    def __init__(self):
        self._flag = False
        self.previous = None
        self.event = None         # shared with worker processes: set by the parent's Ctrl-C

    @property
    def flag(self) -> bool:
        """Whether to stop after the current batch."""
        return self._flag or (self.event is not None and self.event.is_set())

    @flag.setter
    def flag(self, value: bool):
        self._flag = value

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, _signum, _frame):
        self._flag = True
        if self.event is not None:
            self.event.set()

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


class _Search:
    """The Metropolis chain of one start (see the module docstring)."""

    def __init__(self, chain: _Chain, language: Language, runner: _Runner, rng: random.Random, *, beta: float,
                 penalty: float, restart: int):
        self.chain, self.language, self.runner, self.rng = chain, language, runner, rng
        self.beta, self.penalty, self.restart = beta, penalty, restart
        self.n = runner.target.size
        self.encoder = _Encoder(language, {})
        self.pieces: dict = {}
        code = chain.code
        letters_from = Template(language, tuple(code), {}, "", (), chain.name)
        if not any(m == "read" for m, _ in code):     # data moves need read in the alphabet
            letters_from = Template(language, tuple(code) + (("read", None),), {}, "", (), chain.name)
        # the superoptimizer's move engine, fed a resolved template (no named constants)
        self.code_moves = _Stochastic(SimpleNamespace(template=letters_from), rng, beta, penalty, None, None, 0)
        self.probe_cache: dict = {}
        self.probe_runs = 0

    def code_bits(self, code) -> str:
        """The bits of an instruction sequence (one cached piece per instruction)."""
        pieces = self.pieces
        try:
            return "".join([pieces[instruction] for instruction in code])
        except KeyError:
            for instruction in code:
                if instruction not in pieces:
                    pieces[instruction] = self.encoder.piece(instruction)
            return "".join([pieces[instruction] for instruction in code])

    def bits(self, code, data) -> str:
        return self.code_bits(code) + data

    # --- moves -------------------------------------------------------------------------------
    def propose(self, code, data):
        """A random neighbour (code, data), or None if the drawn move does not apply."""
        rng = self.rng
        kind = rng.choices(MOVE_KINDS, MOVE_WEIGHTS)[0]
        if kind == "code":
            candidate = self.code_moves.propose(code)
            return None if candidate is None else (candidate, data)
        if kind == "data flip":
            if not data:
                return None
            at = rng.randrange(len(data))
            return code, data[:at] + ("1" if data[at] == "0" else "0") + data[at + 1:]
        if kind == "data insert":
            at = rng.randrange(len(data) + 1)
            return code, data[:at] + rng.choice("01") + data[at:]
        if kind == "data delete":
            if not data:
                return None
            at = rng.randrange(len(data))
            return code, data[:at] + data[at + 1:]
        if kind == "literal to read":
            places = [i for i, (m, o) in enumerate(code) if m == "push" and o < 1 << MAX_PACKED_BITS]
            if not places:
                return None
            where = rng.choice(places)
            value = code[where][1]
            width = max(value.bit_length(), 1) + (1 if rng.random() < 0.25 else 0)
            width = min(width, MAX_PACKED_BITS)
            offset = self._read_offset(code, where, 1)
            if offset is None or offset > len(data):
                return None
            new_code = code[:where] + [("push", width), ("read", None)] + code[where + 1:]
            return new_code, data[:offset] + format(value, f"0{width}b") + data[offset:]
        # read to literal
        places = [i for i in range(1, len(code)) if code[i][0] == "read" and code[i - 1][0] == "push"
                  and code[i - 1][1] <= MAX_PACKED_BITS]
        if not places:
            return None
        where = rng.choice(places)
        width = code[where - 1][1]
        offset = self._read_offset(code, where - 1, 2)
        if offset is None or offset + width > len(data):
            return None
        value = int(data[offset:offset + width], 2) if width else 0
        return code[:where - 1] + [("push", value)] + code[where + 1:], data[:offset] + data[offset + width:]

    def _read_offset(self, code, where: int, size: int):
        """The data offset a read standing for code[where:where+size] would read from at its first
        execution (None if it does not run while the observed bits are written, or runs before the
        code is fully read): a probe run where those instructions are ``push 63 read``, which
        faults there with the read position in hand."""
        key = (where, size)
        if key in self.probe_cache:
            return self.probe_cache[key]
        probe = code[:where] + [("push", PROBE_WIDTH), ("read", None)] + code[where + size:]
        code_bits = self.code_bits(probe)
        result = self.runner.run([code_bits + self.current_data], self.max_steps)
        self.probe_runs += 1
        offset = None
        if int(result["status"][0]) == FAULT and int(result["fault"][0]) == F_READ_WIDTH:
            position = int(result["bits_read"][0])
            if position >= len(code_bits):
                offset = position - len(code_bits)
        self.probe_cache[key] = offset
        return offset

    # --- the chain ---------------------------------------------------------------------------
    def evaluate(self, code, data):
        """(agreed bits, total bits after trimming unread data, data, steps) of one program."""
        code_length = len(self.code_bits(code))
        result = self.runner.run([self.bits(code, data)], self.max_steps)
        return self._outcome(code_length, data, result, 0)

    def _outcome(self, code_length, data, result, row):
        agreed = int(result["agreed"][row])
        if agreed == self.n:
            read = int(result["bits_read"][row])
            if code_length <= read < code_length + len(data):
                data = data[: read - code_length]
        return agreed, code_length + len(data), data, int(result["steps"][row])

    def run(self, proposals: int, max_steps: int, start_bits, found: dict, counters: dict, interrupt: _Interrupt,
            progress_step):
        """Spend ``proposals`` proposals; record every exact program shorter than ``start_bits``."""
        self.max_steps = max_steps
        rng, n, penalty = self.rng, self.n, self.penalty
        code, data = list(self.chain.code), self.chain.data
        self.current_data = data
        agreed, length, data, _ = self.evaluate(code, data)
        self.current_data = data
        cost = length + penalty * (n - agreed)
        best = (list(code), data, cost)
        since_best = 0
        made = 0
        batch_size = 1
        acceptance = 0.5
        while made < proposals and not interrupt.flag:
            if self.restart and since_best >= self.restart:
                code, data, cost = list(best[0]), best[1], best[2]
                self.current_data, self.probe_cache, since_best = data, {}, 0
            batch = []
            while len(batch) < batch_size and made < proposals:
                proposal = self.propose(code, data)
                if proposal is None:
                    counters["skipped"] += 1
                    continue
                made += 1
                new_code, new_data = proposal
                code_bits = self.code_bits(new_code)
                length = len(code_bits) + len(new_data)
                threshold = cost + (-math.log(1.0 - rng.random())) / self.beta
                allowed = (threshold - length) / penalty
                if allowed < 0 and length >= start_bits:     # cannot be accepted, nor be found
                    counters["skipped"] += 1
                    continue
                batch.append((new_code, new_data, code_bits, threshold, made))
            if not batch:
                continue
            rows = [item[2] + item[1] for item in batch]
            width = max(len(bits) for bits in rows)
            matrix = np.zeros((len(batch), max(width, 1)), dtype=np.uint8)
            lengths = np.zeros(len(batch), dtype=np.int64)
            for row, bits in enumerate(rows):
                matrix[row, : len(bits)] = np.frombuffer(bits.encode(), dtype=np.uint8) - 48
                lengths[row] = len(bits)
            result = self.runner.run_matrix(matrix, lengths, max_steps)
            taken, accepted = len(batch), False
            for row, (new_code, new_data, code_bits, threshold, number) in enumerate(batch):
                new_agreed, new_length, new_data, steps = self._outcome(len(code_bits), new_data, result, row)
                counters["proposals"] += 1
                since_best += 1
                if new_agreed == n and new_length < start_bits:
                    key = code_bits + new_data
                    if key not in found:
                        found[key] = (self.chain, list(new_code), new_data, number)
                new_cost = new_length + penalty * (n - new_agreed)
                if new_cost <= threshold:
                    code, data, cost = new_code, new_data, new_cost
                    self.current_data, self.probe_cache = data, {}
                    if cost < best[2]:
                        best, since_best = (list(code), data, cost), 0
                    taken, accepted = row + 1, True
                    break
            counters["discarded"] += len(batch) - taken
            # the next batch's size. Rejections leave the state as it was, so a batch processed in order up
            # to its first acceptance is the sequential chain exactly; what follows an acceptance is run
            # for nothing. With acceptance rate p a batch of B wastes about (B - 1) p / 2 runs per proposal
            # and saves a kernel call's overhead (a few microseconds against tens for a world program's
            # run): B = 0.4 / sqrt(p) balances them.
            acceptance = 0.8 * acceptance + 0.2 * (1.0 if accepted else 0.0) / taken
            batch_size = int(min(MAX_BATCH, max(1, round(0.4 / math.sqrt(max(acceptance, 1e-6))))))
            progress_step(made)
        counters["probe_runs"] += self.probe_runs
        return made, best


#: What a forked worker searches: (language, chains, options, stop event), set before the pool starts.
_WORK = None


def _search_worker(number: int):
    """One start's search in a worker process (the pool is forked after _WORK is set)."""
    language, chains, options, stop = _WORK
    with _Interrupt() as interrupt:
        interrupt.event = stop
        return _search_one(language, chains[number], number, options, interrupt, lambda made: None)


def _search_one(language: Language, chain: _Chain, number: int, options: dict, interrupt, progress_step):
    """Search from one start: (its row, the programs it found, its counters)."""
    observed = options["observed"]
    encoder = _Encoder(language, {})
    start_bits_string = encoder.bits(chain.code) + chain.data
    check = run(language, start_bits_string, options["max_steps"], len(observed))
    reproduces = check.output == observed
    budget = int(math.ceil(options["slowdown"] * check.steps)) + 64 if reproduces else options["max_steps"]
    start_bits = len(start_bits_string) if reproduces else math.inf
    rng = random.Random(f"{options['seed']}:{number}")   # each start its own stream: workers change nothing
    runner = _Runner(language, observed)
    penalty = options["penalty"]
    if penalty is None:     # writing nothing must cost more than the start: twice its bits per observed bit
        penalty = max(1.0, 2.0 * len(start_bits_string) / len(observed))
    search = _Search(chain, language, runner, rng, beta=options["beta"], penalty=penalty,
                     restart=options["restart"])
    found: dict = {}
    counters = {"proposals": 0, "skipped": 0, "discarded": 0, "probe_runs": 0}
    made = 0
    try:
        made, _ = search.run(options["proposals"], budget, start_bits, found, counters, interrupt, progress_step)
    except KeyboardInterrupt:       # outside the main thread: stop here, keep what was found
        interrupt.flag = True
    row = {"name": chain.name, "kind": chain.kind, "start_bits": len(start_bits_string), "reproduces": reproduces,
           "max_steps": budget, "penalty": penalty, "proposals": counters["proposals"], "made": made,
           "steps_per_proposal": runner.steps / max(runner.runs, 1)}
    found = {key: (chain.name, code, data, proposals) for key, (_, code, data, proposals) in found.items()}
    return row, found, counters


def _check_natural(name: str, value, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an integer {bound}, got {value!r}")
    return value


def posterior_search(language_or_machine, starts, observed: str, *, proposals_per_start: int = 20_000,
                     prior_starts: int = 0, prior_max_bits: int = 64, seed: int = 0, beta: float = 1.0,
                     penalty: float | None = None, slowdown: float = 2.0, max_steps: int = 100_000, restart: int = 5_000,
                     workers: int = 1, progress=None) -> SearchResult:
    """Search for programs shorter than the starts that write ``observed`` exactly.

    ``language_or_machine``: a toy Language, a toy-variant Machine or its name. ``starts``:
    :class:`Start` (or ``(name, code, data)`` tuples), code as assembly text or a Template;
    ``prior_starts`` more starts are drawn from the prior (programs of at most ``prior_max_bits``
    bits, the project's sampler). Every start gets the same budget, ``proposals_per_start``
    proposals (moves: see the module docstring; Metropolis with inverse temperature ``beta``, cost
    = total bits + ``penalty`` x observed bits not reproduced, by default twice the start's bits
    per observed bit, at least 1, so that writing nothing costs more than the start; after ``restart`` proposals
    without a better state the chain returns to its best). A start that reproduces ``observed``
    gives every candidate ``ceil(slowdown x its steps) + 64`` steps; any other start
    ``max_steps``. ``seed`` makes a run reproducible (each start has its own random stream, so
    ``workers`` > 1, which searches starts in parallel forked processes, finds the same programs). ``progress(done, total)`` hears of the
    proposals made, after each batch. Ctrl-C stops the search after the current batch; the result
    (``interrupted`` True) keeps what was found.

    Returns a :class:`SearchResult`: every distinct program found (each shorter than its start,
    or, for a start that does not reproduce ``observed``, any that does), re-verified with the
    ordinary kernel, shortest first, and the counts.
    """
    began = time.perf_counter()
    from toyinduction.machines import is_toy_variant, machine as machine_named

    if isinstance(language_or_machine, Language):
        language = language_or_machine
    else:
        try:
            chosen = machine_named(language_or_machine)
        except (TypeError, ValueError) as error:
            raise ValueError(f"no toy machine {language_or_machine!r}: {error}") from None
        if not is_toy_variant(chosen):
            raise ValueError(f"the posterior search runs toy programs; {chosen.name} is not a toy variant")
        language = chosen.language
    _check_bits("observed", observed, allow_empty=False)
    if len(observed) > MAX_OBSERVED_BITS:
        raise ValueError(f"observed must hold at most {MAX_OBSERVED_BITS} bits, got {len(observed)}")
    _check_natural("proposals_per_start", proposals_per_start)
    _check_natural("prior_starts", prior_starts, 0, 10_000)
    _check_natural("prior_max_bits", prior_max_bits, 1, 4096)
    _check_natural("max_steps", max_steps, 1, 2 ** 61)
    _check_natural("restart", restart)
    _check_natural("workers", workers, 1, 64)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not (isinstance(beta, (int, float)) and beta > 0) or not (
            penalty is None or isinstance(penalty, (int, float)) and penalty > 0):
        raise ValueError("beta and penalty must be positive numbers")
    if not (isinstance(slowdown, (int, float)) and slowdown >= 1):
        raise ValueError(f"slowdown must be at least 1, got {slowdown!r}")
    if progress is not None and not callable(progress):
        raise ValueError("progress must be callable as progress(done, total)")
    if isinstance(starts, (str, Start)) or not hasattr(starts, "__iter__"):
        raise ValueError("starts must be a list of Start (name, code, data)")
    chains = [_resolve(start, language, index) for index, start in enumerate(starts)]
    names = [chain.name for chain in chains]
    if len(set(names)) != len(names):
        raise ValueError(f"start names must be distinct, got {', '.join(sorted(set(n for n in names if names.count(n) > 1)))} twice")
    if prior_starts:
        chains += _prior_chains(language, prior_starts, prior_max_bits, max_steps, len(observed), seed)
    if not chains:
        raise ValueError("no starts: give starts or prior_starts")

    total = proposals_per_start * len(chains)
    options = dict(observed=observed, proposals=proposals_per_start, seed=seed, beta=beta, penalty=penalty,
                   slowdown=slowdown, max_steps=max_steps, restart=restart)
    found: dict = {}
    rows = []
    counters = {"proposals": 0, "skipped": 0, "discarded": 0, "probe_runs": 0}
    done = [0]

    def merge(outcome):
        row, chain_found, chain_counters = outcome
        rows.append(row)
        for key, value in chain_found.items():
            found.setdefault(key, value)      # in start order: the first start to find a program is credited
        for name in counters:
            counters[name] += chain_counters[name]
        done[0] += row["made"]

    with _Interrupt() as interrupt:
        if workers == 1 or len(chains) == 1:
            for number, chain in enumerate(chains):
                if interrupt.flag:
                    break
                base = number * proposals_per_start

                def progress_step(made, base=base, last=[0]):
                    if progress is not None and made - last[0] >= 1000:
                        last[0] = made
                        progress(base + made, total)

                merge(_search_one(language, chain, number, options, interrupt, progress_step))
        else:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            stop = context.Event()
            interrupt.event = stop
            global _WORK
            _WORK = (language, chains, options, stop)
            try:
                with context.Pool(min(workers, len(chains))) as pool:
                    for outcome in pool.imap(_search_worker, range(len(chains))):
                        merge(outcome)
                        if progress is not None:
                            progress(done[0], total)
            finally:
                _WORK = None
        if progress is not None:
            progress(min(total, done[0]), total)
    results = []
    encoder = _Encoder(language, {})
    for key, (name, code, data, proposals) in found.items():
        code_bits = encoder.bits(code)
        row = next(r for r in rows if r["name"] == name)
        check = run(language, code_bits + data, row["max_steps"], len(observed))
        if check.output != observed:           # cannot happen: the early-exit kernel agreed on every bit
            continue
        text = Template(language, tuple(code), {}, "", (), name).text(code)
        results.append(Found(start=name, code_text=text, code_bits=code_bits, data_bits=data,
                             total_bits=len(code_bits) + len(data),
                             start_bits=row["start_bits"] if row["reproduces"] else None, proposals=proposals,
                             steps=check.steps))
    results.sort(key=lambda f: (f.total_bits, f.code_bits + f.data_bits))
    return SearchResult(found=results, starts=rows, observed_bits=len(observed), proposals=counters["proposals"],
                        skipped=counters["skipped"], discarded=counters["discarded"],
                        probe_runs=counters["probe_runs"], seconds=time.perf_counter() - began, seed=seed,
                        interrupted=interrupt.flag)
