"""Run by test_kernel_never_reads_out_of_bounds with NUMBA_BOUNDSCHECK=1 (a separate build)."""

import glob
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from random_programs import structured_bits, uniform_bits  # noqa: E402

import numba  # noqa: E402
from toyinduction.machines.toy.assembler import assemble_file  # noqa: E402
from toyinduction.machines.toy.kernel import run, run_many  # noqa: E402
from toyinduction.machines.toy.language import TOY, load_language, variant  # noqa: E402
from toyinduction.machines.toy.reference import run_reference  # noqa: E402

assert numba.config.BOUNDSCHECK, "expected NUMBA_BOUNDSCHECK=1"
rng = random.Random(2024)
tiny = variant("tiny", limits={"stack_depth": 3, "memory_cells": 4, "call_depth": 2, "loop_depth": 2,
                               "block_nesting": 2, "max_subroutines": 2, "eval_depth": 1})
count = 0
for language in (TOY, tiny):
    programs = [uniform_bits(rng, 200) for _ in range(1500)] + [structured_bits(rng, TOY) for _ in range(1500)]
    for program, result in zip(programs, run_many(language, programs, 3000, 40)):
        assert result == run_reference(language, program, 3000, 40), program
        count += 1
# composites: the expansion queue, the decoding table's header and body rows, the code array at
# its largest expansion (a program of nothing but the 40-instruction composite)
composites = load_language(str(Path(__file__).parent / "fixtures" / "composites.json"))
tight_composites = variant("tight-composites", composites, limits=tiny.limits)
for language in (composites, tight_composites):
    programs = [uniform_bits(rng, 200) for _ in range(1500)] + [structured_bits(rng, language) for _ in range(1500)]
    programs += [composites.codewords["long"] * repeats for repeats in (1, 13, 40)]
    for program, result in zip(programs, run_many(language, programs, 3000, 40)):
        assert result == run_reference(language, program, 3000, 40), program
        count += 1
root = Path(__file__).resolve().parent.parent
for path in sorted(glob.glob(str(root / "programs" / "*.toy"))):
    run(TOY, assemble_file(path, TOY), 2_000_000, 256)
    count += 1
# the enumeration kernel (snapshots, restores, tries) and the Turing-machine kernel (tape, keys)
from toyinduction.machines.toy.enumerate import enumerate_programs  # noqa: E402
from toyinduction.machines.turing.tm import ctm, run_machine  # noqa: E402

for language in (TOY, tiny, composites, tight_composites):
    for workers in (1, 2):
        count += enumerate_programs(language, 14, 300, 10, workers=workers, split_bits=4).programs
for reduce in (True, False):
    count += ctm(3, 60, reduce=reduce, workers=2, split_depth=2)["tree_leaves"]
count += ctm(2, 992)["tree_leaves"]  # the longest outputs the keys hold
run_machine("1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA")
# the binary lambda calculus kernel
from toyinduction.machines.blc.kernel import run_blc_fast  # noqa: E402

for index in range(3000):
    bits = "".join(rng.choice("01") for _ in range(rng.randint(1, 60)))
    run_blc_fast(bits, rng.choice([1, 50, 2000]), rng.choice([0, 8]), rng.random() < 0.5)
    count += 1
# the flat enumerator (one state array, undo log, stamps, incremental decoder, eval children,
# exact collapse), on the default and the tightest limits, composites included, split or not
from toyinduction.machines.toy.flat import enumerate_chunk_flat  # noqa: E402
from toyinduction.machines.toy.language import load_language as _load  # noqa: E402

_composites = _load(str(Path(__file__).parent / "fixtures" / "composites.json"))
for language in (TOY, tiny, _composites, variant("tight-flat", _composites, limits=tiny.limits)):
    for collapse in (False, True):
        for max_steps in (300, 20_000):
            target = "0110" if collapse else None   # the agreement tally of a target sequence
            shallow = enumerate_chunk_flat(language.to_json(), 16, max_steps, 10, 10, 1000, [""], 5, collapse, target)
            deep = enumerate_chunk_flat(language.to_json(), 16, max_steps, 10, 10, 1000, shallow["roots"], -1, collapse,
                                        target)
            count += shallow["tree_leaves"] + deep["tree_leaves"]
# counted blocks: the dynamic program's tables, class iterators, records, pauses (a record buffer
# of two), helper workers and walks
from toyinduction.machines.toy.flat import FlatWorker  # noqa: E402

for language in (TOY, tiny, _composites, variant("tight-counted", _composites, limits=tiny.limits)):
    worker = FlatWorker(language, 19, 300, 10, 10, 1, collapse=True, target="0110", counted=True, expansion_capacity=2)
    worker.subtree("")
    assert worker.expanded > 0
    count += int(worker.totals[0])
print(f"checked {count} runs with bounds checking on")
