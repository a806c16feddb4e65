"""A complexity lookup: K(s) ≈ −log2 of the algorithmic probability of each string s, two ways.

**From the toy enumeration** (any machine that reads its program as bits). Every program of up
to ``max_bits`` bits is run (:meth:`Machine.enumerate`); a leaf of the tree of reads that read k
bits weighs 2^-k. Two conventions, chosen by ``mass``:

    prefix   M(s) = the mass of programs whose output *begins with* s (the monotone semimeasure
             that ``predict`` uses; K = −log2 M(s) is the monotone complexity Km)
    exact    m(s) = the mass of programs that *halt with exactly* s as their output (the
             discrete convention CTM uses; a fault, the toy's other final ending, is not a halt)

The enumeration brackets either mass exactly. The lower end is the mass already known to qualify;
the upper end adds every unresolved leaf (step limit, program-length limit) whose output so far
could still become a qualifying one (a proper prefix of s for ``prefix``; s itself or a prefix of
it for ``exact``). With ``silent`` the runs proven never to write again (a loop that cannot write
or leave) are left out of it — for ``exact`` wherever they sit, since such a run never halts
either. So the interval ``[−log2 upper, −log2 lower]`` holds the machine's true K (over all
programs and step counts), and ``k_bits`` = −log2 lower is what the resolved programs give
(None, printed ∞, while no program is known to qualify). Larger budgets narrow the interval.

**From the CTM tables of the Turing-machine backend** (:mod:`toyinduction.machines.turing.tm`):
D(n) is the output distribution of all (4n+2)^(2n) n-state machines on a blank tape, with the
published cutoffs (:data:`CTM_CUTOFFS`; 107 steps for n = 4, 500 for n = 5), and
K = −log2 D(s) with D(s) = (c0(s) + c0(s̄)) / 2H, exactly as Soler-Toscano et al. (2014) define
it (it is a probability conditional on halting, and s and its complement share it). D(4) takes
about a second; D(5) takes minutes, so by default D(5) is used only when the run store already
has it, and D(4) otherwise; ``states=5`` asks for it (then computes and stores it). A string no
n-state machine produces (nor its complement) has no value; ``complete_length`` is the longest
length at which every string has one.
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from toyinduction import validate
from toyinduction.core import Status, bit_sequence
from toyinduction.machines import bits_machine

#: The conventions of the toy part: programs whose output begins with s, or halt with exactly s.
MASSES = ("prefix", "exact")
#: The cutoff (steps, the halting one included) of D(n): S(n) for n <= 4, so every halting
#: machine is counted, and 500 for n = 5, as in the published D(5).
CTM_CUTOFFS = {1: 1, 2: 6, 3: 21, 4: 107, 5: 500}
#: Number of states a CTM table may have here (D(1) .. D(5)); None: D(5) if stored, else D(4).
STATES = validate.Bounded("states", "--states", 1, 5, optional=True)
#: Program-length limit of the toy part when none is given (as ``toyinduction enumerate``'s, so a
#: stored enumeration is shared).
DEFAULT_MAX_BITS = 20


def bits_of(mass: Fraction):
    """−log2 of a mass as a float (None for mass 0, i.e. K = ∞), exact for huge numerators and
    denominators (no float conversion of the Fraction first)."""
    if mass <= 0:
        return None
    return math.log2(mass.denominator) - math.log2(mass.numerator)


def toy_mass_bounds(enumeration, output: str, mass: str = "prefix", silent: bool = True) -> tuple[Fraction, Fraction]:
    """Exact (lower, upper) bounds on the prior mass of the programs of ``enumeration`` whose output
    begins with ``output`` (``mass="prefix"``) or that halt with exactly ``output`` (``"exact"``);
    see the module doc. ``silent`` leaves the runs proven never to write again out of the upper
    bound (when the enumeration has that tally)."""
    if mass not in MASSES:
        raise ValueError(f"mass must be one of {', '.join(MASSES)}, not {mass!r:.40}")
    silent = silent and enumeration.silent_trie is not None
    if mass == "prefix":
        return enumeration.mass_bounds(output, silent=silent)
    longest = min(enumeration.trie_bits, enumeration.output_bits) - 1
    if len(output) > longest:
        raise ValueError(f"a string of {len(output)} bits is longer than the exact mass of this enumeration "
                         f"covers ({longest} bits: outputs are followed to {enumeration.output_bits} bits)")
    scale = 2 ** enumeration.max_bits
    lower = int(enumeration.trie_mass[Status.HALTED, int("1" + output, 2)])
    unresolved = 0
    for k in range(len(output) + 1):  # every prefix of s, s itself included: such a run may still halt with s
        node = int("1" + output[:k], 2)
        unresolved += int(enumeration.trie_mass[Status.STEP_LIMIT, node] + enumeration.trie_mass[Status.BITS_LIMIT, node])
        if silent:
            unresolved -= int(enumeration.silent_trie[node])   # it never halts: it cannot halt with s
    return Fraction(lower, scale), Fraction(lower + unresolved, scale)


def ctm_complete_length(counts: dict) -> int:
    """The longest length n such that every string of every length up to n has D(s) > 0 (it, or
    its complement, is some machine's output)."""
    length = 0
    while True:
        n = length + 1
        flip = str.maketrans("01", "10")
        if not all(format(i, f"0{n}b") in counts or format(i, f"0{n}b").translate(flip) in counts
                   for i in range(2 ** n)):
            return length
        length = n


@dataclass
class ComplexityReport:
    """K for each string from the toy enumeration (``toy``: its budgets and convention) and from
    a CTM table (``ctm``: its states, cutoff, whether it came from the store); ``rows`` has one
    entry per string (see :meth:`to_json`)."""

    rows: list
    toy: dict
    ctm: dict | None
    notes: list = field(default_factory=list)

    def to_json(self) -> dict:
        """Plain JSON data: per string the toy masses (exact fractions and floats), K and its
        interval (null for ∞), D(s) and K from the CTM table (null where there is none)."""
        return {"toy": self.toy, "ctm": self.ctm, "strings": self.rows, "notes": self.notes}

    def table(self) -> str:
        """The text table the command prints: a header saying which conventions and budgets, then
        one line per string."""
        def k(value):
            return "∞" if value is None else f"{value:.3f}"

        toy = self.toy
        what = ("programs whose output begins with s (monotone M)" if toy["mass"] == "prefix"
                else "programs that halt with exactly s (as CTM counts)")
        lines = [f"toy: {toy['machine']} ({toy['spec_hash']}), every program up to {toy['max_bits']} bits, "
                 f"{toy['max_steps']} steps, {toy['output_bits']} output bits; mass of {what}"
                 + (" (from the store)" if toy["loaded_from_store"] else "")]
        if self.ctm is not None:
            ctm = self.ctm
            lines.append(f"ctm: D({ctm['states']}), all {ctm['machines']} {ctm['states']}-state machines, cutoff "
                         f"{ctm['max_steps']} steps; K = -log2 D(s), D(s) = (c0(s) + c0(~s)) / 2H; every string "
                         f"up to {ctm['complete_length']} bits has a value"
                         + (" (from the store)" if ctm["loaded_from_store"] else ""))
        width = max([6] + [len(row["string"]) for row in self.rows])
        header = f"  {'string':>{width}s}  {'K toy':>8s}  {'K toy interval':>19s}"
        if self.ctm is not None:
            header += f"  {'K ctm':>8s}"
        lines.append(header)
        for row in self.rows:
            interval = row["toy_k_interval"]
            text = "not covered" if interval is None else f"[{k(interval[0])}, {k(interval[1])}]"
            line = f"  {row['string']:>{width}s}  {k(row['toy_k_bits']) if interval else '-':>8s}  {text:>19s}"
            if self.ctm is not None:
                line += f"  {k(row['ctm_k_bits']) if row['ctm_d'] is not None else '-':>8s}"
            lines.append(line)
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The table for a notebook."""
        head = "".join(f"<th>{name}</th>" for name in ("string", "K toy", "K toy interval", "K ctm"))
        body = []
        for row in self.rows:
            interval = row["toy_k_interval"]
            cells = [row["string"],
                     "-" if interval is None else ("∞" if row["toy_k_bits"] is None else f"{row['toy_k_bits']:.3f}"),
                     "not covered" if interval is None else
                     "[" + ", ".join("∞" if v is None else f"{v:.3f}" for v in interval) + "]",
                     "-" if row.get("ctm_d") is None else ("∞" if row["ctm_k_bits"] is None
                                                            else f"{row['ctm_k_bits']:.3f}")]
            body.append("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in cells) + "</tr>")
        caption = html.escape(self.table().splitlines()[0])
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{''.join(body)}</table>"

    def __repr__(self) -> str:
        return f"<ComplexityReport of {len(self.rows)} strings>"


def _strings(strings) -> list:
    """The strings asked about, each checked as a bit sequence (a string of 0 and 1, or a list or
    array of 0/1); one string alone (text, or a flat list or array of 0/1) is a list of one."""
    if isinstance(strings, str) or (isinstance(strings, np.ndarray) and strings.ndim == 1) or (
            isinstance(strings, (list, tuple)) and strings and all(isinstance(bit, numbers.Integral) for bit in strings)):
        strings = [strings]          # one string: text, or a list or array of 0/1
    try:
        items = list(strings)
    except TypeError:
        raise ValueError(f"give bit strings (e.g. ['0101', '0000']), not {strings!r:.40}") from None
    if not items:
        raise ValueError("no strings: give at least one bit string")
    checked = []
    for index, item in enumerate(items):
        try:
            checked.append(bit_sequence(item))
        except ValueError as error:
            shown = repr(item) if len(repr(item)) <= 40 else repr(item)[:37] + "..."
            raise ValueError(f"string {index + 1} ({shown}): {error}") from None
    return checked


def _ctm_table(states, store, workers, progress):
    """(D(n) result, loaded, why): the CTM table asked for, or the default one (D(5) when stored, else D(4))."""
    from toyinduction.machines.turing.tm import ctm_or_load, load_ctm

    why = "asked for"
    if states is None:
        stored = load_ctm(store, 5, CTM_CUTOFFS[5]) if store is not None else None
        if stored is not None:
            return stored, True, "D(5) is in the run store"
        states, why = 4, "D(4) by default (D(5) is not in the run store; states=5 / --states 5 computes it, minutes)"
    result, loaded = ctm_or_load(states, CTM_CUTOFFS[states], store, workers=workers, progress=progress)
    return result, loaded, why


def complexity(strings, *, machine="toy", max_bits: int = DEFAULT_MAX_BITS, max_steps: int = 1000,
               output_bits: int = validate.ENUMERATE_OUTPUT_BITS, mass: str = "prefix", silent: bool = True,
               states: int | None = None, ctm: bool = True, store=None, workers: int = validate.DEFAULT_WORKERS,
               progress=True) -> ComplexityReport:
    """K ≈ −log2 of the algorithmic probability of each of ``strings`` (bit strings, or lists of
    0/1), from the enumeration of every program of ``machine`` up to ``max_bits`` bits (``mass``:
    "prefix", output begins with s, or "exact", halts with exactly s; with the interval the
    unresolved mass allows) and, with ``ctm``, from the CTM table D(``states``) of the Turing
    machines (None: D(5) if ``store`` has it, else D(4)). See the module doc for what each number
    means. ``store`` (a :class:`~toyinduction.engine.store.RunStore`, or None for none) is where the
    enumeration and the table are looked up and kept, as on the command line. ``progress``: True
    shows a bar where someone watches, False silences it, a callable is called (done, total)."""
    from toyinduction.engine.progress import reporter
    from toyinduction.machines.turing.tm import algorithmic_probability, complexity_bits

    items = _strings(strings)
    chosen = bits_machine(machine)
    max_bits, max_steps = validate.ENUMERATE_MAX_BITS(max_bits), validate.MAX_STEPS(max_steps)
    output_bits, workers, states = validate.OUTPUT_BITS(output_bits), validate.WORKERS(workers), STATES(states)
    if mass not in MASSES:
        raise ValueError(f"mass must be one of {', '.join(MASSES)}, not {mass!r:.40}")
    enumeration = chosen.enumerate(max_bits, max_steps=max_steps, output_bits=output_bits, store=store,
                                   workers=workers,
                                   progress=reporter(progress, f"enumerating {chosen.name} programs up to "
                                                               f"{max_bits} bits", "chunks"))
    covered = (min(enumeration.trie_bits, output_bits) - 1 if mass == "exact" else enumeration.trie_bits)
    toy = {"machine": chosen.name, "spec_hash": chosen.spec_hash, "max_bits": max_bits, "max_steps": max_steps,
           "output_bits": output_bits, "mass": mass, "silent": silent and enumeration.silent_trie is not None,
           "longest_string_bits": covered, "loaded_from_store": bool(enumeration.loaded)}
    table = None
    notes = []
    if ctm:
        result, loaded, why = _ctm_table(states, store, workers,
                                         reporter(progress, "CTM: enumerating Turing machines", "chunks"))
        table = {"states": result["states"], "max_steps": result["max_steps"], "machines": result["machines"],
                 "halting": result["halting"], "complete_length": ctm_complete_length(result["counts"]),
                 "longest_output_bits": max(map(len, result["counts"])), "loaded_from_store": bool(loaded),
                 "why": why}
    rows = []
    for output in items:
        row = {"string": output, "bits": len(output)}
        if len(output) <= covered:
            lower, upper = toy_mass_bounds(enumeration, output, mass, silent)
            row.update(toy_mass_lower=str(lower), toy_mass_upper=str(upper), toy_mass_lower_float=float(lower),
                       toy_mass_upper_float=float(upper), toy_k_bits=bits_of(lower),
                       toy_k_interval=[bits_of(upper), bits_of(lower)])
        else:
            row.update(toy_mass_lower=None, toy_mass_upper=None, toy_mass_lower_float=None, toy_mass_upper_float=None,
                       toy_k_bits=None, toy_k_interval=None)
            note = (f"strings longer than {covered} bits are beyond the toy enumeration's output tally (toy K: "
                    f"not covered)")
            if note not in notes:
                notes.append(note)
        if ctm:
            d = algorithmic_probability(result, output)
            row.update(ctm_d=str(d), ctm_d_float=float(d), ctm_k_bits=complexity_bits(result, output))
            if d == 0 and len(output) > table["longest_output_bits"]:
                note = (f"no {table['states']}-state machine outputs more than {table['longest_output_bits']} bits "
                        f"(K ctm: ∞)")
                if note not in notes:
                    notes.append(note)
        rows.append(row)
    if ctm:
        notes.append(f"ctm table: {why}")
    return ComplexityReport(rows=rows, toy=toy, ctm=table, notes=notes)
