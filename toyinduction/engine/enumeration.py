"""Exhaustive enumeration of every program up to L bits, with exact prior accounting.

Programs are explored as a tree of *reads*. The machine runs until it needs a program bit it
has not been given (status ``bits_limit``); there the tree branches on that bit. (A machine
with a resumable kernel, like the toy's, snapshots its state there and shares the prefix's
execution; :func:`enumerate_with_runner` re-runs each node from scratch and serves any machine.)

Every node of the tree at which the machine stops for another reason is a *leaf*: a set of
infinite bit strings (all extensions of the bits read) of prior mass 2^-(bits read). A node
that needs bit L+1 is a leaf of the *program-length limit* bucket. So every unit of prior mass
ends in exactly one leaf, and therefore in exactly one bucket:

    halted        the program halted: its output is final
    output_limit  the output reached N bits: known to N bits
    step_limit    the step budget ran out: output so far is a prefix of the final one
    bits_limit    the program needs more than L bits (the program-length limit)
    fault         the program faulted: its output is final

Masses are exact integers in units of 2^-L (the sum of all buckets is exactly 2^L). For an
output prefix x, the universal (monotone) semimeasure M(x) = Σ 2^-|p| over programs whose
output starts with x is bounded by

    lower(x) = mass of leaves whose output already starts with x
    upper(x) = lower(x) + mass of unresolved leaves (step_limit, bits_limit) whose output is a
               proper prefix of x (they might still go on to produce x).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from toyinduction.core import Status
from toyinduction.engine.store import load_or_compute

#: Bucket order used in every array: the Status values.
BUCKETS = tuple(status.label for status in Status)
#: Output tries are dense arrays indexed (1 << length) | bits for outputs of up to this many bits
#: (5 MB per chunk of work; longer prefixes are answered from the leaves, when kept).
MAX_TRIE_BITS = 16
#: Program-length limits above this would overflow the integer mass units.
MAX_BITS = 62


@dataclass
class Enumeration:
    """The result of enumerating every program of ``language`` up to ``max_bits`` bits.

    Masses are exact integers in units of 2^-max_bits: ``trie_mass[b, node]`` is the mass of
    leaves in bucket b whose output (truncated to ``trie_bits``) is the node's string
    (node = (1 << length) | bits); ``length_mass[b, k]`` the mass of leaves that read k bits.
    ``leaves`` (when kept) has one row per program, in lexicographic order of program bits.
    ``programs`` counts programs (the leaves of the tree of reads); ``tree_leaves`` the leaves an
    enumerator actually visited, fewer when it visits a node all of whose programs end alike as
    one (the toy's flat enumerator with ``collapse``; None when unknown, e.g. loaded from an
    older store entry). ``silent_trie[node]`` (when the enumerator provides it: the toy's flat
    one) is the part of the unresolved mass at an output node that provably never writes another
    bit (its output is final although its run did not end); ``mass_bounds(x, silent=True)``
    leaves it out of the upper bound.
    """

    language: str
    spec_hash: str
    max_bits: int
    max_steps: int
    output_bits: int
    trie_bits: int
    trie_mass: np.ndarray
    length_mass: np.ndarray
    length_count: np.ndarray
    programs: int
    steps: int
    seconds: float = 0.0
    leaves: dict | None = None
    workers: int = 1
    resumed_chunks: int = 0
    loaded: bool = False         # True when it came from the run store
    tree_leaves: int | None = None
    agreement: np.ndarray | None = None  # with a target sequence: masses by agreement with it (toy, flat)
    silent_trie: np.ndarray | None = None  # unresolved mass that provably never writes again, by output
    closing: np.ndarray | None = None        # with a target: length-limit leaves waiting for ends (toy, flat)
    closing_groups: np.ndarray | None = None  # with a target, counted: unclosed blocks counted at their start

    # ----- exact accounting ---------------------------------------------------------------------
    def bucket_mass(self) -> dict:
        """Exact prior mass per bucket (Fractions summing to exactly 1)."""
        scale = 2 ** self.max_bits
        return {name: Fraction(int(self.length_mass[index].sum()), scale) for index, name in enumerate(BUCKETS)}

    def bucket_programs(self) -> dict:
        """Number of leaves (programs) per bucket."""
        return {name: int(self.length_count[index].sum()) for index, name in enumerate(BUCKETS)}

    def mass_bounds(self, prefix: str, silent: bool = False) -> tuple[Fraction, Fraction]:
        """Exact (lower, upper) bounds on M(prefix), the prior mass of programs whose output
        starts with ``prefix`` (see the module docstring). With ``silent``, unresolved programs
        known never to write again (``silent_trie``) are left out of the upper bound."""
        if len(prefix) > self.trie_bits:
            raise ValueError(f"prefix of {len(prefix)} bits is longer than the output trie ({self.trie_bits} bits)")
        if silent and self.silent_trie is None:
            raise ValueError("this enumeration has no tally of silent programs (enumerate with the toy's flat kernel)")
        node = int("1" + prefix, 2)
        lower = int(self._subtree_mass(node).sum())
        unresolved = 0
        for k in range(len(prefix)):  # proper prefixes of x, including the empty output
            proper = int("1" + prefix[:k], 2)
            unresolved += int(self.trie_mass[Status.STEP_LIMIT, proper] + self.trie_mass[Status.BITS_LIMIT, proper])
            if silent:
                unresolved -= int(self.silent_trie[proper])
        scale = 2 ** self.max_bits
        return Fraction(lower, scale), Fraction(lower + unresolved, scale)

    def _subtree_mass(self, node: int) -> np.ndarray:
        """Mass per bucket of every trie node at or below ``node``."""
        total = np.zeros(len(BUCKETS), dtype=object)
        first, last, depth = node, node, node.bit_length() - 1
        while depth <= self.trie_bits:
            total += self.trie_mass[:, first:last + 1].sum(axis=1).astype(object)
            first, last, depth = first * 2, last * 2 + 1, depth + 1
        return total

    def summary(self) -> dict:
        """Counts and exact masses per bucket, speeds and budgets, as plain JSON data."""
        masses = self.bucket_mass()
        return {
            "language": self.language, "spec_hash": self.spec_hash, "max_bits": self.max_bits,
            "max_steps": self.max_steps, "output_bits": self.output_bits, "programs": self.programs,
            "buckets": {name: {"programs": self.bucket_programs()[name], "mass": str(masses[name]),
                               "mass_float": float(masses[name])} for name in BUCKETS},
            "total_mass": str(sum(masses.values())), "steps": self.steps, "seconds": self.seconds,
            "programs_per_second": self.programs / self.seconds if self.seconds else None,
            "steps_per_second": self.steps / self.seconds if self.seconds else None, "workers": self.workers,
            "resumed_chunks": self.resumed_chunks, "tree_leaves": self.tree_leaves,
            "silent_mass": None if self.silent_trie is None else str(Fraction(int(self.silent_trie.sum()),
                                                                              2 ** self.max_bits)),
        }



LEAF_FIELDS = ("bits", "length", "status", "steps", "output", "output_length")


#: Chunks of subtrees a parallel or resumable run is cut into (fixed, so a resumed run is cut the same way).
CHUNKS = 64



def merge_parts(name: str, spec_hash: str, parts, max_bits, max_steps, output_bits, trie_bits, keep_leaves, seconds, workers):
    """Sum the parts' exact tallies; concatenate their leaves in lexicographic program order."""
    trie_mass = np.zeros(len(BUCKETS) * (2 << trie_bits), dtype=np.int64)
    for part in parts:
        np.add.at(trie_mass, part["trie_index"], part["trie_value"])
    trie_mass = trie_mass.reshape(len(BUCKETS), 2 << trie_bits)
    length_mass = sum(part["length_mass"] for part in parts)
    length_count = sum(part["length_count"] for part in parts)
    programs = sum(part["programs"] for part in parts)
    leaves = None
    if programs <= keep_leaves and not any(part["overflow"] for part in parts):
        leaves = {name: np.concatenate([part["leaves"][name] for part in parts]) for name in LEAF_FIELDS}
        order = np.argsort(leaves["bits"] << (63 - leaves["length"]), kind="stable")
        leaves = {name: array[order] for name, array in leaves.items()}
    return Enumeration(language=name, spec_hash=spec_hash, max_bits=max_bits,
                       max_steps=max_steps, output_bits=output_bits, trie_bits=trie_bits, trie_mass=trie_mass,
                       length_mass=length_mass, length_count=length_count, programs=programs,
                       steps=sum(part["steps"] for part in parts), seconds=seconds, leaves=leaves, workers=workers,
                       tree_leaves=sum(part.get("tree_leaves", part["programs"]) for part in parts),
                       agreement=sum(part["agreement"] for part in parts) if parts and all(
                           "agreement" in part for part in parts) else None,
                       closing=sum(part["closing"] for part in parts) if parts and all(
                           "closing" in part for part in parts) else None,
                       closing_groups=sum(part["closing_groups"] for part in parts) if parts and all(
                           "closing_groups" in part for part in parts) else None,
                       silent_trie=_dense(parts, "silent", 2 << trie_bits))


def _dense(parts, name: str, size: int):
    """The sum of the parts' nonzero cells ``{name}_index``/``{name}_value`` as a dense array (None
    unless every part has them)."""
    if not parts or not all(f"{name}_index" in part for part in parts):
        return None
    dense = np.zeros(size, dtype=np.int64)
    for part in parts:
        np.add.at(dense, part[f"{name}_index"], part[f"{name}_value"])
    return dense


def _parameters(spec_hash: str, max_bits: int, max_steps: int, output_bits: int) -> dict:
    """The store key's parameters: the machine's spec hash and the budgets (the key predates
    machines other than the toy, hence ``language_spec``; keeping it keeps stored results valid)."""
    return {"language_spec": spec_hash, "max_bits": max_bits, "max_steps": max_steps, "output_bits": output_bits}


def _encode(result: Enumeration) -> tuple[dict, dict]:
    """An enumeration -> (metadata, arrays) for the store."""
    arrays = {"trie_mass": result.trie_mass, "length_mass": result.length_mass, "length_count": result.length_count}
    if result.leaves is not None:
        arrays.update({f"leaf_{name}": array for name, array in result.leaves.items()})
    if result.silent_trie is not None:
        arrays["silent_trie"] = result.silent_trie
    metadata = {"language": result.language, "spec_hash": result.spec_hash, "programs": result.programs,
                "steps": result.steps, "seconds": result.seconds, "workers": result.workers,
                "trie_bits": result.trie_bits, "leaves_kept": result.leaves is not None,
                "max_bits": result.max_bits, "max_steps": result.max_steps, "output_bits": result.output_bits,
                "tree_leaves": result.tree_leaves}
    return metadata, arrays


def _decode(metadata: dict, arrays: dict) -> Enumeration:
    """(metadata, arrays) from the store -> the enumeration."""
    parameters = metadata["parameters"]
    leaves = {name: arrays[f"leaf_{name}"] for name in LEAF_FIELDS} if metadata.get("leaves_kept") else None
    return Enumeration(language=metadata["language"], spec_hash=parameters["language_spec"],
                       max_bits=parameters["max_bits"], max_steps=parameters["max_steps"],
                       output_bits=parameters["output_bits"], trie_bits=metadata["trie_bits"],
                       trie_mass=arrays["trie_mass"], length_mass=arrays["length_mass"],
                       length_count=arrays["length_count"], programs=metadata["programs"], steps=metadata["steps"],
                       seconds=metadata["seconds"], leaves=leaves, workers=metadata["workers"],
                       tree_leaves=metadata.get("tree_leaves"),
                       silent_trie=arrays["silent_trie"] if "silent_trie" in arrays else None)


def save_enumeration(store, result: Enumeration) -> str:
    """Write an enumeration to the run store; returns the entry name."""
    metadata, arrays = _encode(result)
    return store.save("enumeration", _parameters(result.spec_hash, result.max_bits, result.max_steps,
                                                 result.output_bits), metadata, arrays)


def load_enumeration(store, spec_hash: str, max_bits: int, max_steps: int, output_bits: int):
    """The stored enumeration with exactly these parameters, or None."""
    found = store.load("enumeration", _parameters(spec_hash, max_bits, max_steps, output_bits))
    return None if found is None else _decode(*found)


def enumeration_or_load(spec_hash: str, max_bits: int, max_steps: int, output_bits: int, store, compute, *,
                        split_bits: int | None, fresh: bool = False) -> tuple[Enumeration, bool]:
    """The stored enumeration with these parameters, else ``compute(checkpoint)`` (then stored).
    With a store the run is resumable: finished chunks are checkpointed under the store and an
    interrupted run picks up where it stopped. Returns (result, loaded)."""
    parameters = _parameters(spec_hash, max_bits, max_steps, output_bits)

    def run(checkpoint):
        resumed = checkpoint.finished() if checkpoint is not None else 0
        result = compute(checkpoint)
        result.resumed_chunks = resumed
        return result

    return load_or_compute(store, "enumeration", parameters, run, encode=_encode, decode=_decode,
                           checkpoint_parameters={"chunks": CHUNKS, "split_bits": split_bits}, fresh=fresh)

def enumerate_with_runner(run, name: str, spec_hash: str, max_bits: int, max_steps: int, output_bits: int,
                          progress=None) -> Enumeration:
    """Exhaustive enumeration for any machine given as ``run(bits) -> RunResult`` (with the
    monotone contract: ``bits_limit`` when it needs a bit beyond those given). Each node of the
    tree of reads is run from scratch — slow, but exact, and all a new language needs; a fast
    language brings a resumable kernel and a subtree enumerator instead (see the toy and tm)."""
    if not 0 <= max_bits <= MAX_BITS:
        raise ValueError(f"max_bits must be in 0..{MAX_BITS}, got {max_bits}")
    start = time.perf_counter()
    trie_bits = min(output_bits, MAX_TRIE_BITS)
    trie_mass = np.zeros((len(BUCKETS), 2 << trie_bits), dtype=np.int64)
    length_mass = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
    length_count = np.zeros((len(BUCKETS), max_bits + 1), dtype=np.int64)
    leaves = {field: [] for field in LEAF_FIELDS}
    stack, steps, done = [""], 0, 0
    while stack:
        bits = stack.pop()
        result = run(bits)
        if result.status == Status.BITS_LIMIT and len(bits) < max_bits:
            stack += [bits + "1", bits + "0"]          # 0 first, as in every enumeration here
            continue
        status, mass = int(result.status), 1 << (max_bits - len(bits))
        node = int("1" + result.output[:trie_bits], 2)
        trie_mass[status, node] += mass
        length_mass[status, len(bits)] += mass
        length_count[status, len(bits)] += 1
        steps += result.steps
        for field, value in zip(LEAF_FIELDS, (int(bits or "0", 2), len(bits), status + 8 * int(result.fault),
                                              result.steps, int(result.output[:62] or "0", 2), len(result.output))):
            leaves[field].append(value)
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done, done + len(stack))
    return Enumeration(language=name, spec_hash=spec_hash, max_bits=max_bits, max_steps=max_steps,
                       output_bits=output_bits, trie_bits=trie_bits, trie_mass=trie_mass, length_mass=length_mass,
                       length_count=length_count, programs=done, steps=steps, tree_leaves=done,
                       seconds=time.perf_counter() - start,
                       leaves={field: np.array(values, dtype=np.int64) for field, values in leaves.items()})
