"""Fuzzing the whole command line (a CI-sized run is tests/test_cli_fuzz.py; a long one is
``python experiments/fuzz.py --cli --runs 2000``).

Command lines are generated from the CLI itself: every command and option click knows (a new
option is fuzzed without being listed here), with valid values inside small budgets and bad
values of every kind (negative, zero, huge, non-numeric, empty, long bit strings), files that are
binary, empty, directories or missing, language .json files with wrong types, and run stores in
every state (empty, a truncated .npz, a damaged .json, a path that is a file, a path below a
file); then mutated (tokens dropped, doubled, swapped, unknown options, ``--opt=value`` forms)
and sometimes run with a bad environment variable. Each runs in-process with click's CliRunner
(fast), a few as real subprocesses. The contract checked on every run:

* exit 0, or exit 1 or 2 with exactly one line on stderr, starting ``Error: `` - never a
  traceback, never a warning;
* no existing run store entry changes or loses a byte (except under ``--fresh``, which replaces
  an entry on purpose).

Budgets are capped so that a valid command line stays cheap (``--max-bits`` <= 12,
``--count`` <= 1000, ...; a default above its cap is given as the cap); the demo, the takeover
experiment and the quick benchmark run (one time in four) only with ``heavy=True``, otherwise
they get a bad value and are refused while parsing. ``--scheduler local`` is always refused
in-process (the estimated memory of a worker process is set absurdly high for the fuzz), so no
cluster is ever started; a scheduler address where nothing listens is refused at once.

Hostile inputs (:func:`fuzz_hostile`; a CI-sized run is tests/test_hostile_fuzz.py, a long one
``python experiments/fuzz.py --hostile --runs 300``): generated files of both machines - toy
quotes and blocks nested 10^3..10^5 deep, macro fan-out bombs, numbers of thousands of digits,
megabyte words, more words than a program may have (toyinduction.machines.toy.fuzz.hostile_source);
.lam parentheses, lambdas, lets and applications 10^3..10^5 deep or long, literals of 10^4..10^6
bits, huge numbers - through asm, run, predict (as the sequence and as ``--program``), golf and a
variant of maximal limits; bit strings of up to 130,000 bits (one argument of the OS's ARG_MAX)
through disasm and run; every memory-sized option at its documented maximum (``--output-bits``
2^32 for run, 2^61 for programs, ``--count`` 10^8, ``--max-bits`` 62 or 4096, ``--max-steps``
2^61, ``--keep-leaves`` 2^28, a variant .json with 2^20 stack and memory cells, ...); and long
commands (enumerate, predict, sample, tm run, tm ctm, run, golf, demo on a small world, bench)
sent SIGINT at a random moment 0.5..3 s after they start (counted from when a bare ``--version``
run has finished here: a SIGINT while Python itself is still starting, before any handler can be,
is tallied apart). Each case is a real subprocess under
``ulimit -v 4000000`` (about 4 GB of address space), in a directory and store of its own, with
its peak memory measured. The contract (:func:`check_hostile`): exit 0, or exit 1/2 (130 after
SIGINT) with exactly one ``Error: `` line of at most a few hundred characters (warnings beside
it allowed) - never a
traceback or a death by a signal - within HOSTILE_TIMEOUT seconds; a case at a maximum may run
longer and is then sent SIGINT, after which it, like every interrupted command, must stop within
SIGINT_GRACE seconds.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import click

#: Valid values are capped at these (per command, then for every command): cheap runs only.
CAPS = {
    ("enumerate", "--max-bits"): 12, ("predict", "--max-bits"): 8, ("demo", "--max-bits"): 8,
    ("experiment", "--max-bits"): 8, ("sample", "--max-bits"): 64, ("tm ctm", "--states"): 2,
    ("tm bb", "--states"): 2, ("predict", "--length"): 32, ("experiment", "--length"): 16,
    ("predict", "--continue"): 16, ("demo", "--depth"): 8, ("demo", "--targets"): 1, ("demo", "--controls"): 1,
    ("tm run", "--max-steps"): 100_000, ("run", "--output-bits"): 1 << 16, ("programs", "--output-bits"): 256,
    ("complexity", "--max-bits"): 12, ("complexity", "--states"): 3,
    "--max-steps": 2000, "--count": 1000, "--workers": 4,
}
#: Commands that run only with ``heavy=True`` (seconds to minutes even at the caps).
HEAVY = ("demo", "experiment", "bench")
#: The experiments a heavy run may start for real (the others take minutes at any size).
CHEAP_EXPERIMENTS = ("takeover",)
#: The environment every run gets (the store, the progress bars, the dask timeout).
QUIET = {"TOYINDUCTION_PROGRESS": "off", "TOYINDUCTION_DASK_TIMEOUT": "0.3"}
#: Bad values of the environment variables the library reads.
BAD_ENVIRONMENT = {
    "TOYINDUCTION_DASK_TIMEOUT": ["soon", "-1", "0", "nan", ""],
    "TOYINDUCTION_STORE": ["", "stores/afile", "stores/afile/below", "stores/truncated", "missing/dir/deep"],
    "TOYINDUCTION_CHUNK_DELAY": ["x", "-1"],
    "TOYINDUCTION_PROGRESS": ["sideways", ""],
}

#: Command lines that once ended in a traceback (kept as regression rows; names are fixtures).
REGRESSIONS = [
    ["spec", "--machine", "lang-deep.json"],
    ["enumerate", "--machine", "lang-deep.json", "--max-bits", "4"],
    ["spec", "--machine", "lang-huge-limits.json"],
    ["enumerate", "--machine", "lang-huge-limits.json", "--max-bits", "4", "--workers", "1"],
    ["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4", "--scheduler", "local",
     "--workers", "2"],
    ["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4", "--scheduler", "tcp://127.0.0.1:1"],
    ["tm", "ctm", "--states", "1", "--max-steps", "20", "--scheduler", "tcp://256.0.0.1:99999"],
    ["asm", "10" * 400],                                      # shipped_program asked the OS about a too-long name
    ["run", "--language", "lang-huge-limits.json", "primes.toy", "--json"],  # an 8 TiB machine was allocated
    ["runs", "--store", "stores/junk"],
    ["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4", "--store", "stores/truncated"],
    ["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4", "--store", "stores/damaged-json"],
    ["tm", "ctm", "--states", "2", "--max-steps", "20", "--store", "stores/garbage"],
    [],                                                       # a group without a command printed its help as an error
    ["tm"],
    ["predict", "0101010101", "--max-bits", "4", "--html", "stores"],             # a directory: IsADirectoryError
    ["predict", "0101010101", "--max-bits", "4", "--html", "stores/afile/below"],  # below a file: NotADirectoryError
    ["predict", "0101010101", "--max-bits", "4", "--out", "stores/afile"],         # a file: FileExistsError
]

STORES = ("stores/good", "stores/empty", "stores/truncated", "stores/damaged-json", "stores/garbage",
          "stores/new", "stores/afile", "stores/afile/below", "stores/junk")


def _write(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


def build_fixtures(root: Path) -> None:
    """Create the fuzz's input files and run stores under ``root`` (the runs' working directory):
    good and bad programs, bit files, language files, a base store and its damaged copies."""
    from click.testing import CliRunner

    from toyinduction.cli import main
    from toyinduction.machines.shipped import programs_dir

    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1)
    shipped = programs_dir()
    _write(root / "good.toy", (shipped / "primes.toy").read_text())
    _write(root / "good.lam", (shipped / "ring_honest.lam").read_text())
    _write(root / "good.tm", "1RB1LB_1LA1RZ\n")
    _write(root / "unclosed.toy", "1 if 1 out\n")
    _write(root / "frob.toy", "frob 1 out\n")
    _write(root / "huge-literal.toy", "123456789012345678901234567890 out\n")
    _write(root / "deep.toy", "1 if " * 3000 + "1 out" + " end" * 3000 + "\n")
    _write(root / "deep.lam", "main = " + "(" * 3000 + "\\x. x" + ")" * 3000 + "\n")
    _write(root / "open.lam", "main = x\n")
    _write(root / "latin1.toy", "1 out # caf\xe9\n".encode("latin-1"))
    for suffix in ("toy", "lam", "tm", "json", "txt"):
        _write(root / f"empty.{suffix}", b"")
        _write(root / f"binary.{suffix}", bytes(rng.randrange(256) for _ in range(600)) + b"\0\xff\xfe")
    _write(root / "bits.txt", "0101010101010101\n")
    _write(root / "spaced.txt", "0 1 0 1\n0 1\n")
    _write(root / "letters.txt", "hello\n")
    _write(root / "lang-good.json", json.dumps({"name": "fz-no-eval", "base": "toy", "drop": ["eval"]}))
    bad_languages = {
        "lang-name-number.json": {"name": 5, "base": "toy"},
        "lang-name-list.json": {"name": ["a"], "base": "toy"},
        "lang-codewords-list.json": {"name": "x", "codewords": ["0", "1"]},
        "lang-codeword-number.json": {"name": "x", "codewords": {"eval": 111111, "out": "0"}},
        "lang-incomplete.json": {"name": "x", "codewords": {"out": "0", "halt": "10"}},
        "lang-limits-string.json": {"name": "x", "base": "toy", "limits": {"stack_depth": "many"}},
        "lang-limits-float.json": {"name": "x", "base": "toy", "limits": {"stack_depth": 1e300}},
        "lang-limits-negative.json": {"name": "x", "base": "toy", "limits": {"memory_cells": -4}},
        "lang-huge-limits.json": {"name": "x", "base": "toy",
                                  "limits": {key: 1 << 20 for key in ("stack_depth", "memory_cells", "call_depth",
                                                                      "loop_depth", "block_nesting",
                                                                      "max_subroutines", "eval_depth")}},
        "lang-weights-string.json": {"name": "x", "base": "toy", "weights": {"out": "heavy"}},
        "lang-drop-everything.json": {"name": "x", "base": "toy", "drop": "everything"},
        "lang-unknown-key.json": {"name": "x", "base": "toy", "colour": "blue"},
        "lang-base-missing.json": {"name": "x", "base": "no-such-base"},
        "lang-composite-bad.json": {"name": "x", "base": "toy", "composites": {"m": {"body": "frob", "weight": 1}}},
        "lang-composite-type.json": {"name": "x", "base": "toy", "composites": {"m": 7}},
    }
    for name, document in bad_languages.items():
        _write(root / name, json.dumps(document))
    _write(root / "lang-list.json", "[]")
    _write(root / "lang-null.json", "null")
    _write(root / "lang-notjson.json", "{not json")
    _write(root / "lang-deep.json", "[" * 100_000 + "]" * 100_000)
    _write(root / "lang-nan.json", '{"name": "x", "base": "toy", "limits": {"stack_depth": NaN}}')
    (root / "adir").mkdir(exist_ok=True)
    _write(root / "afile", "I am a file\n")
    # the stores: a base with a few small entries, then damaged copies of it
    stores = root / "stores"
    good = stores / "good"
    if not good.exists():
        runner = CliRunner()
        environment = dict(QUIET, TOYINDUCTION_STORE=str(stores / "default"))
        for args in (["enumerate", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4"],
                     ["enumerate", "--machine", "blc", "--max-bits", "8", "--max-steps", "50", "--output-bits", "4"],
                     ["tm", "ctm", "--states", "2", "--max-steps", "20"]):
            result = runner.invoke(main, args + ["--workers", "1", "--store", str(good)], env=environment)
            if result.exit_code != 0:
                raise RuntimeError(f"cannot build the fuzz store: {args}: {result.output} {result.stderr}")
    (stores / "empty").mkdir(parents=True, exist_ok=True)
    _write(stores / "afile", "a store path that is a file\n")
    for name in ("lang-deep.json", "binary.json", "empty.json", "lang-list.json", "binary.txt"):
        _write(stores / "junk" / name, (root / name).read_bytes())   # a directory of things that are not entries
    def damaged(name: str, damage) -> None:
        target = stores / name
        if not target.exists():   # (damaged once: a second build keeps the copies as they are)
            shutil.copytree(good, target)
            damage(target)

    def truncate(target):
        for path in sorted(target.glob("*.npz"))[:2]:
            data = path.read_bytes()
            path.write_bytes(data[: len(data) // 2])

    def edit(target):
        for path in sorted(target.glob("*.json"))[:2]:
            text = path.read_text()
            path.write_text(text.replace('"max_bits": 8', '"max_bits": 9').replace('"states": 2', '"states": 3')[:-5])

    def scramble(target):
        for path in sorted(target.glob("*.json"))[:1]:
            path.write_bytes(bytes(rng.randrange(256) for _ in range(300)))
        for path in sorted(target.glob("*.npz"))[:1]:
            path.write_bytes(b"")

    damaged("truncated", truncate)
    damaged("damaged-json", edit)
    damaged("garbage", scramble)


# ---- values -----------------------------------------------------------------------------------

def _bits(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("01") for _ in range(length))


def _pools(rng: random.Random) -> dict:
    """Candidate values by kind: {kind: (good values, bad values)}."""
    from toyinduction.machines.toy.language import LANGUAGES

    long_bits = [_bits(rng, n) for n in (63, 300, 5000, 100_000)]
    bad_files = ["binary.toy", "empty.toy", "adir", "missing.toy", "afile", "latin1.toy", "binary.txt", "-"]
    return {
        "machine": (list(LANGUAGES) + ["toy", "toy", "blc", "tm", "lang-good.json", "toy-max.json"], [
            "", "nope", "missing.json", "adir", "binary.json", "empty.json", "afile", "lang-list.json",
            "lang-null.json", "lang-notjson.json", "lang-deep.json", "lang-nan.json", "lang-name-number.json",
            "lang-name-list.json", "lang-codewords-list.json", "lang-codeword-number.json", "lang-incomplete.json",
            "lang-limits-string.json", "lang-limits-float.json", "lang-limits-negative.json",
            "lang-huge-limits.json", "lang-weights-string.json", "lang-drop-everything.json",
            "lang-unknown-key.json", "lang-base-missing.json", "lang-composite-bad.json",
            "lang-composite-type.json"]),
        "store": (["stores/good", "stores/good", "stores/empty", "stores/new"],
                  ["stores/truncated", "stores/damaged-json", "stores/garbage", "stores/afile", "stores/afile/below",
                   "stores/junk", ""]),
        "path": (["out/new", "out/other", "adir"], ["afile", "afile/below", "", "binary.txt"]),
        "bits": (["0101", "0", "1", "0101010101", "0011001100110011", long_bits[0]],
                 long_bits[1:] + ["", "2", "01x", "01 01", "0b01", "-0101", "\uff10\uff11", " "]),
        "program": (["primes", "primes.toy", "thue_morse.toy", "good.toy", "good.lam", "ring_honest.lam", "0101",
                     "111011", long_bits[0]],
                    long_bits[1:3] + bad_files + ["unclosed.toy", "frob.toy", "huge-literal.toy", "deep.toy",
                                                  "deep.lam", "open.lam", "empty.lam", "binary.lam", "nope",
                                                  "nope.toy", "", "01x"]),
        "sequence": (["0101010101", "0110", "bits.txt", "good.toy", "primes.toy", "000000000000", long_bits[0]],
                     long_bits[1:2] + ["spaced.txt", "letters.txt", "", "2", "nope.toy"] + bad_files),
        "tm": (["1RB1LB_1LA1RZ", "good.tm", "1RZ1RZ", "1RB---_1LA1RZ", "1RB1LC_1RC1RB_1RD0LE_1LA1LD_1RZ0LA"],
               ["", "_", "1RB1LB_1LA1R", "1QB1LB_1LA1RZ", "xyz", "_".join(["1RB1LB"] * 300), "\uff11RZ1RZ",
                "binary.tm", "empty.tm", "adir", "missing.tm"]),
        "scheduler": (["tcp://127.0.0.1:1"],
                      ["local", "nonsense", "", "tcp://", "tcp://256.0.0.1:99999", "::::"]),
        "enumeration_bits": (["8", "6,8"], ["", "x", "-1", "100", "8,,9", "1e3"]),
    }


#: Which pool fills which parameter (by the parameter's Python name).
POOL_OF = {"machine_name": "machine", "store_dir": "store", "out_dir": "path", "html_path": "path",
           "out_path": "path", "directory": "path", "out": "path", "html": "path", "data": "bits",
           "prefixes": "bits", "prefix": "bits", "bits": "bits", "file": "program", "program": "program",
           "sequence": "sequence", "machine": "tm", "scheduler": "scheduler", "program_paths": "program",
           "enumeration_bits": "enumeration_bits"}
#: Values the stored entries of the base store were made with (so that runs find them).
STORED = {"--max-bits": ["8"], "--max-steps": ["50", "20"], "--output-bits": ["4"], "--states": ["2"]}


def _int_values(rng: random.Random, kind, good: bool) -> str:
    low = kind.min if kind.min is not None else 0
    high = kind.max
    if good:
        top = high if high is not None else low + 1000
        return str(rng.choice([low, top, rng.randint(low, min(top, low + 64)), rng.randint(low, top)]))
    bad = [low - 1, -1, -(2 ** 70), 2 ** 70, "abc", "", "1e3", "0x10", "5.5", " ", "--json", "1_000"]
    if high is not None:
        bad += [high + 1, high * 2 + 1]
    return str(rng.choice(bad))


def _float_values(rng: random.Random, kind, good: bool) -> str:
    if good:
        return str(rng.choice([kind.min or 0, kind.max or 1, round(rng.uniform(kind.min or 0, kind.max or 1), 3)]))
    return rng.choice(["nan", "inf", "-inf", "-1", "1e308", "abc", "", "1,5", str((kind.max or 0) + 1)])


def _value(rng: random.Random, pools: dict, name: str, option: str | None, kind, good: bool) -> str:
    if option in STORED and good and rng.random() < 0.4:
        return rng.choice(STORED[option])
    if name in POOL_OF:
        good_values, bad_values = pools[POOL_OF[name]]
        return rng.choice(good_values if good else bad_values)
    if isinstance(kind, click.IntRange):
        return _int_values(rng, kind, good)
    if isinstance(kind, click.FloatRange):
        return _float_values(rng, kind, good)
    if isinstance(kind, click.Choice):
        return rng.choice(list(kind.choices)) if good else rng.choice(["", "nope", "TAKEOVER", "takeover "])
    if kind is click.INT:
        return _int_values(rng, click.IntRange(0, None), good)
    return rng.choice(pools["bits"][0 if good else 1] + pools["program"][0 if good else 1])


def commands() -> dict:
    """Every command of the CLI by its path (``"tm ctm"``): the click command object."""
    from toyinduction.cli import main

    found = {}

    def walk(group, path):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, path + [name])
            else:
                found[" ".join(path + [name])] = command
    walk(main, [])
    return found


def generate(rng: random.Random, pools: dict, catalogue: dict) -> list[str]:
    """One command line: a command and some of its options, in one of three modes - every value
    good (40%), one value bad (30%), or values bad at random and the line mutated (30%)."""
    path = rng.choice(sorted(catalogue))
    command = catalogue[path]
    mode = rng.choices(["clean", "one-bad", "wild"], [4, 3, 3])[0]
    chosen = [param for param in command.params
              if isinstance(param, click.Argument) and rng.random() < 0.97
              or isinstance(param, click.Option) and (param.required or rng.random() < 0.5)]
    bad_one = rng.choice([param for param in chosen if not getattr(param, "is_flag", False)] or [None])
    args, positional = path.split(), []
    for param in chosen:
        def good():
            return mode == "clean" or (mode == "one-bad" and param is not bad_one) or (
                mode == "wild" and rng.random() < 0.75)
        if isinstance(param, click.Argument):
            positional.append(_value(rng, pools, param.name, None, param.type, good()))
            continue
        option = rng.choice(param.opts)
        if param.is_flag:
            args.append(option)
            continue
        for _ in range(rng.choice([1, 1, 1, 2]) if param.multiple else 1):
            value = _value(rng, pools, param.name, param.opts[0], param.type, good())
            args += [f"{option}={value}"] if rng.random() < 0.1 else [option, value]
    middle = rng.randint(len(path.split()), len(args))
    args = args[:middle] + positional + args[middle:]
    if mode == "wild":
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            args = _mutate(rng, args, pools, catalogue)
    return args


def _mutate(rng: random.Random, args: list[str], pools: dict, catalogue: dict) -> list[str]:
    args = list(args)
    everywhere = sorted({opt for command in catalogue.values() for param in command.params
                         if isinstance(param, click.Option) for opt in param.opts})
    where = rng.randrange(len(args) + 1)
    roll = rng.random()
    if roll < 0.2 and len(args) > 1:
        del args[rng.randrange(1, len(args))]
    elif roll < 0.35 and args:
        index = rng.randrange(len(args))
        args.insert(index, args[index])
    elif roll < 0.45 and len(args) > 2:
        i = rng.randrange(1, len(args) - 1)
        args[i], args[i + 1] = args[i + 1], args[i]
    elif roll < 0.6:
        args.insert(where, rng.choice(everywhere))
    elif roll < 0.7:
        args.insert(where, rng.choice(["--frobnicate", "-x", "--", "-", "--max-bits=", "--=", "-h", "--help",
                                       "--version"]))
    elif roll < 0.8 and len(args) > 1:
        args[rng.randrange(1, len(args))] = rng.choice(pools["bits"][1] + pools["program"][1] + pools["store"][1])
    elif roll < 0.9:
        args.insert(where, rng.choice(pools["bits"][1] + pools["machine"][1]))
    else:
        args = args[:rng.randrange(1, len(args) + 1)]
    return args


def _command_of(args: list[str], catalogue: dict) -> str | None:
    start = 0
    while start < len(args) and args[start] == "--":   # the group takes "--" and runs what follows
        start += 1
    for length in (2, 1):
        path = " ".join(args[start:start + length])
        if path in catalogue:
            return path
    return None


def within_budget(args: list[str], catalogue: dict, heavy: bool = False, in_process: bool = True) -> list[str]:
    """The command line with every valid value above its cap (:data:`CAPS`) lowered to the cap;
    a heavy command, unless ``heavy``, gets a bad value (so it is refused before it runs)."""
    path = _command_of(args, catalogue)
    args = list(args)
    if path is not None:   # a default above its cap is given as the cap
        given = {token.partition("=")[0] for token in args}
        for param in catalogue[path].params:
            if not isinstance(param, click.Option) or any(opt in given for opt in param.opts):
                continue
            cap = CAPS.get((path, param.opts[0]), CAPS.get(param.opts[0]))
            if cap is not None and isinstance(param.default, int) and param.default > cap:
                args += [param.opts[0], str(cap)]
    for i, token in enumerate(args):
        option, equals, value = token.partition("=")
        cap = CAPS.get((path, option), CAPS.get(option))
        if cap is None:
            continue
        position = i if equals else i + 1
        if not equals and position >= len(args):
            continue
        text = value if equals else args[position]
        try:
            number = int(text)
        except ValueError:
            continue
        if number > cap:
            args[position] = f"{option}={cap}" if equals else str(cap)
    if path is not None and path.split()[0] in HEAVY:
        allowed = heavy and (path != "experiment" or any(name in args for name in CHEAP_EXPERIMENTS))
        if path == "bench" and heavy:   # quick, no D(4)/D(5), enumerations of at most 12 bits
            args = [token for token in args if token not in ("--tm", "--d5")] + ["--quick"]
            for i, token in enumerate(args[:-1]):
                if token == "--enumeration-bits":
                    lengths = args[i + 1].split(",")
                    if all(length.strip().isdigit() for length in lengths) and max(map(int, lengths)) > 12:
                        args[i + 1] = "8,10"
            if "--enumeration" in args and "--enumeration-bits" not in args:
                args += ["--enumeration-bits", "8"]
        if not allowed:
            args += ["--workers", "0"]      # refused while parsing: nothing runs
    if not in_process:
        args = ["tcp://127.0.0.1:1" if token == "local" else token for token in args]
    return args


# ---- the contract -------------------------------------------------------------------------------

class StoreWatch:
    """Digests of every existing run store entry (and of store paths that are files), to tell
    whether a run changed one. Files are re-read only when their size or mtime changed."""

    def __init__(self, root: Path):
        self.root = root
        self.cache: dict = {}

    def _files(self) -> list[Path]:
        found = []
        for store in [*(self.root / name for name in STORES), self.root / "stores" / "default"]:
            if store.is_file():
                found.append(store)
            elif store.is_dir():
                found += [path for path in store.iterdir() if path.suffix in (".npz", ".json")
                          and not path.name.startswith("tmp") and path.is_file()]
        return found

    def snapshot(self) -> dict:
        """{path: sha256} of the entries now."""
        digests = {}
        for path in self._files():
            try:
                status = path.stat()
            except OSError:
                continue
            key = (status.st_size, status.st_mtime_ns, status.st_ino)
            cached = self.cache.get(path)
            if cached is None or cached[0] != key:
                try:
                    cached = (key, hashlib.sha256(path.read_bytes()).hexdigest())
                except OSError:
                    continue
                self.cache[path] = cached
            digests[path] = cached[1]
        return digests


def check(args: list[str], exit_code: int, stderr: str, exception, before: dict, after: dict) -> str | None:
    """What is wrong with one run (None: nothing): see the module's contract."""
    if exception is not None and not isinstance(exception, SystemExit):
        return f"exception {type(exception).__name__}: {exception}"
    if "Traceback" in stderr:
        return "traceback on stderr"
    lines = stderr.splitlines()
    if exit_code == 0:
        if any("Warning" in line or "Error" in line for line in lines):
            return f"exit 0 with a warning or error on stderr: {lines[:3]}"
    elif exit_code in (1, 2):
        if len(lines) != 1 or not lines[0].startswith("Error: "):
            return f"exit {exit_code} with {len(lines)} stderr lines (not one 'Error: ' line): {lines[:3]}"
    else:
        return f"exit code {exit_code}"
    if "--fresh" not in args:
        changed = sorted(str(path) for path, digest in before.items() if after.get(path) != digest)
        if changed:
            return f"store entries changed or removed: {changed[:3]}"
    return None


@dataclass
class Run:
    """One fuzzed command line and how it ended."""

    args: list
    exit_code: int
    stderr: str
    seconds: float
    problem: str | None
    subprocess: bool = False
    environment: dict = field(default_factory=dict)


@contextlib.contextmanager
def _working_directory(path: Path):
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


@contextlib.contextmanager
def _no_local_clusters():
    """Make every local dask cluster too big for this machine (refused before it starts)."""
    from toyinduction.engine import parallel

    saved = parallel.WORKER_PROCESS_BYTES
    parallel.WORKER_PROCESS_BYTES = 1 << 60
    try:
        yield
    finally:
        parallel.WORKER_PROCESS_BYTES = saved


def _environment(root: Path, extra: dict) -> dict:
    return {**QUIET, "TOYINDUCTION_STORE": str(root / "stores" / "default"), **extra}


def run_in_process(args: list[str], root: Path, watch: StoreWatch, extra_environment: dict | None = None) -> Run:
    """Run one command line with CliRunner (in ``root``) and check the contract."""
    from click.testing import CliRunner

    from toyinduction.cli import main

    environment = _environment(root, extra_environment or {})
    before = watch.snapshot()
    start = time.perf_counter()
    with _working_directory(root), _no_local_clusters():
        result = CliRunner().invoke(main, args, env=environment, input="")
    seconds = time.perf_counter() - start
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(result.exception))
    problem = check(args, result.exit_code, stderr, result.exception, before, watch.snapshot())
    return Run(args, result.exit_code, stderr, seconds, problem, False, extra_environment or {})


def run_subprocess(args: list[str], root: Path, watch: StoreWatch, extra_environment: dict | None = None,
                   timeout: float = 120) -> Run:
    """Run one command line as ``python -m toyinduction.cli`` (in ``root``) and check the contract."""
    environment = dict(os.environ, **_environment(root, extra_environment or {}))
    before = watch.snapshot()
    start = time.perf_counter()
    try:
        process = subprocess.run([sys.executable, "-m", "toyinduction.cli", *args], cwd=root, env=environment,
                                 capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        exit_code, stderr = process.returncode, process.stderr
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr.decode(errors="replace") if isinstance(expired.stderr, bytes) else expired.stderr or ""
        return Run(args, -1, stderr, time.perf_counter() - start, f"no end within {timeout} s", True)
    problem = check(args, exit_code, stderr, None, before, watch.snapshot())
    return Run(args, exit_code, stderr, time.perf_counter() - start, problem, True, extra_environment or {})


def fuzz_cli(runs: int, seed: int, root: Path, subprocess_runs: int = 0, heavy: bool = False,
             regressions: bool = True, progress=None) -> dict:
    """Fuzz the CLI: ``runs`` generated command lines in-process (after the regression rows),
    ``subprocess_runs`` more as real processes. Returns counts and every problem found."""
    root = Path(root).resolve()
    build_fixtures(root)
    rng = random.Random(seed)
    pools = _pools(rng)
    catalogue = commands()
    watch = StoreWatch(root)
    report = {"runs": 0, "subprocess_runs": 0, "seed": seed, "exit_codes": {}, "commands": {}, "problems": [],
              "slowest": []}
    done: list[Run] = []
    start = time.perf_counter()

    def record(run: Run):
        done.append(run)
        report["subprocess_runs" if run.subprocess else "runs"] += 1
        report["exit_codes"][str(run.exit_code)] = report["exit_codes"].get(str(run.exit_code), 0) + 1
        name = _command_of(run.args, catalogue) or "(none)"
        report["commands"][name] = report["commands"].get(name, 0) + 1
        if run.problem:
            row = {"args": run.args, "environment": run.environment, "problem": run.problem,
                   "subprocess": run.subprocess, "stderr": run.stderr[-2000:]}
            report["problems"].append(row)
        if progress is not None:
            progress(len(done), run)

    if regressions:
        for args in REGRESSIONS:
            record(run_in_process(args, root, watch))
    for _ in range(runs):
        # (a heavy command runs for real one time in four: seconds each)
        args = within_budget(generate(rng, pools, catalogue), catalogue, heavy and rng.random() < 0.25)
        extra = {}
        if rng.random() < 0.05:
            variable = rng.choice(sorted(BAD_ENVIRONMENT))
            extra[variable] = rng.choice(BAD_ENVIRONMENT[variable])
        watchdog = threading.Timer(120, lambda a=args: print(f"still running after 120 s: {a}", file=sys.__stderr__))
        watchdog.daemon = True
        watchdog.start()
        try:
            record(run_in_process(args, root, watch, extra))
        finally:
            watchdog.cancel()
    for _ in range(subprocess_runs):
        args = within_budget(generate(rng, pools, catalogue), catalogue, heavy and rng.random() < 0.25,
                             in_process=False)
        record(run_subprocess(args, root, watch))
    report["seconds"] = time.perf_counter() - start
    in_process = [run for run in done if not run.subprocess]
    report["runs_per_second"] = len(in_process) / max(sum(run.seconds for run in in_process), 1e-9)
    report["slowest"] = [{"args": run.args, "seconds": round(run.seconds, 2)}
                         for run in sorted(done, key=lambda run: -run.seconds)[:5]]
    return report


# ---- hostile inputs under a capped address space ---------------------------------------------------

#: The address-space cap of every hostile case, as ``ulimit -v 4000000`` (KiB): about 4 GB.
HOSTILE_ADDRESS_SPACE_KIB = 4_000_000
#: Seconds a hostile case may take before it is a problem (a case at a budget's maximum gets
#: SIGINT then instead, and must stop in one line).
HOSTILE_TIMEOUT = 20.0
#: Seconds a command may take to stop after SIGINT.
SIGINT_GRACE = 5.0
#: The most characters an ``Error: `` line may have (an error quotes a few dozen of its input).
LONGEST_ERROR_LINE = 400
#: Every documented maximum, in the user's terms.
MAXIMUM_STEPS = str(2 ** 61)
MAXIMUM_RUN_OUTPUT_BITS = str(2 ** 32)
#: Toy variants with every limit the .json may set at its maximum, and stack and memory alone.
HOSTILE_VARIANTS = {
    "lang-max-stack-memory.json": {"name": "fz-max-cells", "base": "toy",
                                   "limits": {"stack_depth": 1 << 20, "memory_cells": 1 << 20}},
    "lang-max-everything.json": {"name": "fz-max-all", "base": "toy",
                                 "limits": {"stack_depth": 1 << 20, "memory_cells": 1 << 20, "call_depth": 1 << 20,
                                            "loop_depth": 1 << 20, "block_nesting": 1 << 20,
                                            "max_subroutines": 1 << 20, "eval_depth": 1 << 20}},
}
#: Small programs the hostile cases run at huge budgets.
HOSTILE_PROGRAMS = {
    "loop_out.toy": "loop 1 out end\n",          # writes forever
    "ten_bits.toy": "10 rep 1 out end halt\n",   # writes 10 bits and halts
    "deep_stack.toy": "loop 1 dup end\n",        # grows the stack to its limit
    "spin.toy": "loop end\n",                     # runs forever, writes nothing
    "omega.lam": "def w = \\x. x x\ndef main = w w\n",
    "omega3.lam": "def w = \\x. x x x\ndef main = w w\n",   # the heap grows without end
}


def lam_deep_parentheses(depth: int) -> str:
    """``main = ((((\\x. x))))`` with ``depth`` pairs."""
    return "def main = " + "(" * depth + "\\x. x" + ")" * depth + "\n"


def lam_deep_lambdas(depth: int) -> str:
    """``main = \\x. \\x. ... x``: ``depth`` nested abstractions."""
    return "def main = " + "\\x. " * depth + "x\n"


def lam_long_application(length: int, nested: bool = False) -> str:
    """``id id id ... id`` (left-associated) or ``id (id (id ...))`` (``nested``) of ``length`` uses."""
    body = "(id " * (length - 1) + "id" + ")" * (length - 1) if nested else "id " * length
    return "def id = \\x. x\ndef main = " + body.strip() + "\n"


def lam_deep_lets(depth: int) -> str:
    """``let x = \\y. y in let x = ... in x``, ``depth`` deep."""
    return "def main = " + "let x = \\y. y in " * depth + "x\n"


def lam_long_literal(bits: int, rng: random.Random) -> str:
    """A list of ``bits`` bits: ``main = [0110...]``."""
    return f"def main = [{_bits(rng, bits)}]\n"


def lam_huge_number(digits: int, rng: random.Random, as_const: bool) -> str:
    """A number of ``digits`` digits, as a term or as a ``const``."""
    number = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(digits - 1))
    return f"const N {number}\ndef main = N\n" if as_const else f"def main = {number}\n"


@dataclass
class HostileCase:
    """One hostile command line: its arguments, the files it needs (relative path -> text,
    written into the case's directory), and when it is interrupted. ``interrupt_at``: SIGINT
    this many seconds after the start (a random moment); ``at_maximum``: a budget at its
    documented maximum, which may run until it is stopped with SIGINT (near the timeout)."""

    what: str
    args: list
    files: dict = field(default_factory=dict)
    interrupt_at: float | None = None
    at_maximum: bool = False


def _file_cases(rng: random.Random, scale: int) -> list:
    """Cases made of one generated hostile file (toy or lam) through the commands that read one."""
    from toyinduction.machines.toy.fuzz import hostile_source

    cases = []
    text, what = hostile_source(rng, scale)
    name = f"hostile-{rng.randrange(10 ** 9)}.toy"
    cases += [HostileCase(f"asm: {what}", ["asm", name], {name: text}),
              HostileCase(f"run: {what}", ["run", name, "--max-steps", "100000"], {name: text}),
              HostileCase(f"predict --program: {what}", ["predict", "0101", "--max-bits", "4", "--max-steps", "100",
                                                         "--program", name], {name: text}),
              HostileCase(f"predict (the file as the sequence): {what}",
                          ["predict", name, "--max-bits", "4", "--max-steps", "100", "--length", "8"], {name: text}),
              HostileCase(f"golf: {what}", ["golf", name, "--proposals", "20", "--output-bits", "16"], {name: text}),
              HostileCase(f"run in a variant of maximal limits: {what}",
                          ["run", "--language", "lang-max-everything.json", name, "--max-steps", "100000"],
                          {name: text})]
    depth = 10 ** rng.randint(3, scale)
    lam_kinds = {
        f"{depth} nested parentheses": lambda: lam_deep_parentheses(depth),
        f"{depth} nested lambdas": lambda: lam_deep_lambdas(depth),
        f"an application of {depth} terms": lambda: lam_long_application(depth),
        f"{depth} nested applications": lambda: lam_long_application(depth, nested=True),
        f"{depth} nested lets": lambda: lam_deep_lets(depth),
        f"a {depth}-bit literal": lambda: lam_long_literal(depth, rng),
        f"a {depth}-digit number": lambda: lam_huge_number(depth, rng, rng.random() < 0.5),
    }
    what = rng.choice(sorted(lam_kinds))
    text = lam_kinds[what]()
    name = f"hostile-{rng.randrange(10 ** 9)}.lam"
    cases += [HostileCase(f"asm: {what}", ["asm", name], {name: text}),
              HostileCase(f"run: {what}", ["run", name, "--max-steps", "100000"], {name: text}),
              HostileCase(f"predict --program: {what}", ["predict", "0101", "--machine", "blc", "--max-bits", "4",
                                                         "--max-steps", "100", "--program", name], {name: text})]
    states = rng.choice([1000, 18_000])   # (a Turing machine is given as an argument: at most 130,000 characters)
    tm_kinds = {f"a machine of {states} states": "_".join(f"1R{rng.choice('ABCDEFGH')}0L{rng.choice('ABZ')}"
                                                            for _ in range(states)),
                f"a machine of {7 * states} characters": "1RB1LB_" + "x" * (7 * states),
                f"{states} halting states": "_".join(["1RZ1RZ"] * states)}
    what = rng.choice(sorted(tm_kinds))
    cases.append(HostileCase(f"tm run: {what}", ["tm", "run", tm_kinds[what], "--max-steps", "1000000"]))
    return cases


def _bits_cases(rng: random.Random) -> list:
    """Cases of a long bit-string argument (at most 130,000 bits: one argument of the OS's
    ARG_MAX): deep toy blocks, deep lambda terms, long applications."""
    from toyinduction.machines.toy.language import TOY

    opener = TOY.codewords[rng.choice(["loop", "if", "rep", "def"])]
    count = rng.choice([1000, 10_000, 130_000 // len(opener) - 1])
    toy_bits = opener * count
    depth = rng.choice([1000, 10_000, 60_000])
    blc_bits = rng.choice(["00" * depth + "10",                              # \x. \x. ... x
                           "01" * (depth // 2) + "10" * (depth // 2 + 1),     # ((x x) x) ... : applications
                           "0100" * (depth // 2) + "10",                      # nested, each on the left
                           "00" * (depth // 2) + "1" * (depth // 2) + "0"])   # a variable of a huge index
    json_flag = ["--json"] if rng.random() < 0.3 else []
    return [HostileCase(f"disasm: {count} toy block openers", ["disasm", toy_bits, *json_flag]),
            HostileCase(f"run: {count} toy block openers", ["run", toy_bits, "--max-steps", "100000"]),
            HostileCase(f"disasm --machine blc: {len(blc_bits)} bits nested", ["disasm", "--machine", "blc", blc_bits,
                                                                             *json_flag]),
            HostileCase(f"run --machine blc: {len(blc_bits)} bits nested",
                        ["run", "--machine", "blc", blc_bits, "--max-steps", "100000"])]


def _maximum_cases() -> list:
    """Every memory-sized option at its documented maximum (with what it runs kept small
    otherwise); each may run until stopped near the timeout."""
    steps, out = MAXIMUM_STEPS, MAXIMUM_RUN_OUTPUT_BITS
    rows = [
        ["run", "loop_out.toy", "--output-bits", out],
        ["run", "loop_out.toy", "--output-bits", out, "--max-steps", str(10 ** 8)],
        ["run", "ten_bits.toy", "--output-bits", out, "--max-steps", steps],
        ["run", "spin.toy", "--output-bits", out, "--max-steps", steps],
        ["run", "primes.toy", "--output-bits", out, "--max-steps", steps, "--json"],
        ["run", "--language", "lang-max-stack-memory.json", "deep_stack.toy", "--max-steps", steps],
        ["run", "--language", "lang-max-everything.json", "primes.toy", "--max-steps", steps, "--output-bits", out],
        ["run", "omega3.lam", "--max-steps", steps],
        ["run", "omega.lam", "--max-steps", steps, "--output-bits", out],
        ["programs", "--output-bits", out],
        ["programs", "--output-bits", steps],
        ["programs", "--machine", "blc", "--output-bits", steps],
        ["programs", "--language", "lang-max-everything.json", "--output-bits", out],
        ["disasm", "--max-steps", steps, "01" * 40],
        ["enumerate", "--max-bits", "62", "--max-steps", steps, "--output-bits", "65536", "--keep-leaves", str(1 << 28)],
        ["enumerate", "--max-bits", "62", "--counted", "--max-steps", steps, "--output-bits", "65536"],
        ["enumerate", "--machine", "blc", "--max-bits", "18", "--max-steps", str(10 ** 9)],
        ["enumerate", "--language", "lang-max-stack-memory.json", "--max-bits", "24", "--max-steps", steps],
        ["sample", "--count", str(10 ** 8), "--max-bits", "4096", "--max-steps", steps],
        ["sample", "--machine", "blc", "--count", str(10 ** 8), "--max-bits", "4096", "--max-steps", steps],
        ["sample", "--machine", "tm", "--states", "6", "--count", str(10 ** 8), "--max-steps", steps],
        ["sample", "--language", "lang-max-stack-memory.json", "--count", str(10 ** 7), "--max-steps", steps],
        ["predict", "0101", "--max-bits", "40", "--max-steps", steps, "--continue", "256", "--top", "100"],
        ["predict", "primes.toy", "--length", "4096", "--max-bits", "40", "--exhaustive", "--max-steps", steps],
        ["predict", "0110", "--machine", "blc", "--max-bits", "40", "--max-steps", steps],
        ["complexity", "0101", "--max-bits", "62", "--max-steps", steps, "--output-bits", "65536", "--no-ctm"],
        ["tm", "run", "1RB1LA_1LA1RB", "--max-steps", steps],
        ["tm", "run", "1LB1LB_0RA0RA", "--max-steps", steps, "--json"],
        ["tm", "ctm", "--states", "6", "--max-steps", "992"],
        ["tm", "bb", "--states", "4", "--max-steps", "992"],
        ["golf", "primes.toy", "--proposals", str(10 ** 9), "--output-bits", str(1 << 14), "--slowdown", "1e300"],
        ["demo", "--depth", "4096", "--targets", "64", "--controls", "64", "--max-bits", "40"],
        ["bench", "--enumeration", "--enumeration-bits", "62"],
    ]
    return [HostileCase(f"at the maximum: {' '.join(args[:3])}", args, at_maximum=True) for args in rows]


#: Long commands SIGINT is sent to at a random moment (each runs for seconds to years).
LONG_COMMANDS = [
    ["enumerate", "--max-bits", "30", "--max-steps", "1000", "--output-bits", "16"],
    ["enumerate", "--max-bits", "12", "--max-steps", MAXIMUM_STEPS],
    ["predict", "0101", "--max-bits", "24"],
    ["predict", "0101", "--max-bits", "12", "--max-steps", MAXIMUM_STEPS],
    ["sample", "--count", str(10 ** 7), "--max-bits", "40"],
    ["sample", "--count", "2000", "--max-bits", "40", "--max-steps", MAXIMUM_STEPS],
    ["sample", "--machine", "tm", "--states", "5", "--count", str(10 ** 7)],
    ["tm", "run", "1LB1LB_0RA0RA", "--max-steps", MAXIMUM_STEPS],
    ["tm", "run", "1RB1LA_1LA1RB", "--max-steps", MAXIMUM_STEPS],
    ["tm", "ctm", "--states", "5", "--max-steps", "500"],
    ["run", "primes.toy", "--max-steps", MAXIMUM_STEPS, "--output-bits", MAXIMUM_RUN_OUTPUT_BITS],
    ["run", "omega.lam", "--max-steps", MAXIMUM_STEPS],
    ["golf", "primes.toy", "--proposals", str(10 ** 9)],
    ["demo", "--depth", "8", "--targets", "1", "--controls", "1", "--max-bits", "12", "--out", "demo-out"],
    ["bench", "--quick"],
]


def hostile_cases(rng: random.Random, count: int, interrupted: int, scale: int = 5) -> list:
    """``count`` hostile cases (generated files, long bit strings, budgets at their maxima, drawn
    so that every family comes before any repeats) and ``interrupted`` long commands that get
    SIGINT at a random moment 0.5..3 s after they start (after Python's start-up: see
    :func:`run_hostile`)."""
    inputs: list = []
    maxima: list = []
    chosen: list = []
    while len(chosen) < count:   # (generated inputs and maxima by turns, each drawn without repeats)
        if not inputs:
            inputs = _file_cases(rng, scale) + _bits_cases(rng)
            rng.shuffle(inputs)
        if not maxima:
            maxima = _maximum_cases()
            rng.shuffle(maxima)
        chosen.append((inputs if len(chosen) % 2 == 0 else maxima).pop())
    commands = list(LONG_COMMANDS)
    rng.shuffle(commands)
    for index in range(interrupted):
        args = commands[index % len(commands)]
        chosen.append(HostileCase(f"SIGINT: {' '.join(args[:3])}", list(args),
                                  interrupt_at=round(rng.uniform(0.5, 3.0), 2)))
    return chosen


@dataclass
class HostileRun:
    """How one hostile case ended: exit code (negative: killed by that signal), stderr (at most
    the first 64 KiB), bytes of stdout and stderr, seconds, peak memory, when SIGINT was sent and
    how long the command took to stop after it, the problem (None: the contract held), and whether
    SIGINT arrived while Python was still starting."""

    case: HostileCase
    exit_code: int
    stderr: str
    stdout_bytes: int
    stderr_bytes: int
    seconds: float
    peak_rss_mib: float
    interrupted_at: float | None
    stop_seconds: float | None
    problem: str | None
    during_startup: bool = False

    def row(self) -> dict:
        """A JSON row for the report (long arguments shortened)."""
        return {"what": self.case.what, "args": [a if len(a) <= 80 else f"{a[:60]}... ({len(a)} characters)"
                                                 for a in self.case.args],
                "exit_code": self.exit_code, "stderr": self.stderr[:2000], "stdout_bytes": self.stdout_bytes,
                "stderr_bytes": self.stderr_bytes, "seconds": round(self.seconds, 2),
                "peak_rss_mib": round(self.peak_rss_mib, 1), "interrupted_at": self.interrupted_at,
                "stop_seconds": None if self.stop_seconds is None else round(self.stop_seconds, 2),
                "problem": self.problem, "during_startup": self.during_startup}


#: A frame of a traceback: its file and function.
TRACEBACK_FRAME = re.compile(r'File "([^"]+)", line \d+, in (\S+)')


def interrupted_during_startup(stderr: str) -> bool:
    """Whether a traceback shows SIGINT arriving while Python was still starting (its ``site``
    module, or the module-level imports before the command line's ``main`` runs): no
    ``Error: `` line, and every frame is import machinery or a module's top level - before any
    command ran, where no handler of the command line can be yet."""
    frames = TRACEBACK_FRAME.findall(stderr)
    return ("Traceback" in stderr and "Error: " not in stderr and bool(frames)
            and all(path.startswith("<frozen") or function == "<module>" for path, function in frames))


def check_hostile(exit_code: int, stderr: str, stderr_bytes: int, interrupted: bool) -> str | None:
    """What is wrong with how a hostile case ended (None: nothing). The contract: exit 0; or
    exit 1 or 2 (130 after SIGINT) with exactly one ``Error: `` line of at most
    LONGEST_ERROR_LINE characters on stderr. Blank lines (click ends the line on Ctrl-C) and
    warnings (a line starting ``warning: `` or ``Warning: ``: a variant's note, a budget that
    cannot finish in a human time) are allowed beside it; a traceback, another exit code or a
    death by a signal is not."""
    if exit_code < 0:
        return f"killed by signal {-exit_code}" + (" (an uncaught KeyboardInterrupt)" if exit_code == -2 else "")
    if "Traceback (most recent call last)" in stderr:
        return "traceback on stderr"
    lines = [line for line in stderr.splitlines() if line.strip() and not line.lower().startswith("warning: ")]
    if exit_code == 0:
        return f"exit 0 with stderr: {lines[:2]}" if lines else None
    if exit_code not in (1, 2, 130):
        return f"exit code {exit_code}"
    if exit_code == 130 and not interrupted:
        return "exit 130 without SIGINT"
    if len(lines) != 1 or not lines[0].startswith("Error: "):
        return f"exit {exit_code} with {len(lines)} stderr lines (not one 'Error: ' line): {[l[:200] for l in lines[:2]]}"
    if stderr_bytes > 64 << 10 or len(lines[0]) > LONGEST_ERROR_LINE:
        return f"an error line of {max(stderr_bytes, len(lines[0]))} characters"
    return None


def run_hostile(case: HostileCase, root: Path, timeout: float = HOSTILE_TIMEOUT,
                address_space_kib: int = HOSTILE_ADDRESS_SPACE_KIB, grace: float = SIGINT_GRACE,
                maximum_seconds: float | None = None, startup_seconds: float = 0.0) -> HostileRun:
    """Run one case as ``python -m toyinduction.cli`` under ``ulimit -v address_space_kib``, in a
    directory of its own below ``root`` (its files written there, the fixtures linked, a private
    store), SIGINT to its process group ``case.interrupt_at`` seconds after ``startup_seconds``
    (what Python takes to start the command line here; or, for a case at a maximum, at
    ``maximum_seconds``, default ``timeout - grace``); killed at ``timeout`` (or ``grace`` after
    SIGINT). Checks the contract (:func:`check_hostile`); a SIGINT that still arrived while
    Python was starting (:func:`interrupted_during_startup`) is reported as such, not as a problem."""
    import signal
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    try:
        for name in os.listdir(root):
            if name.endswith((".toy", ".lam", ".json")) and not (work / name).exists():
                (work / name).symlink_to(root / name)
        for name, text in case.files.items():
            _write(work / name, text)
        environment = dict(os.environ, **QUIET, TOYINDUCTION_STORE=str(work / "store"))
        command = ["bash", "-c", f'ulimit -v {int(address_space_kib)} && exec "$@"', "bash",
                   sys.executable, "-m", "toyinduction.cli", *case.args]
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=work, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        captured = {"stdout": [0, bytearray()], "stderr": [0, bytearray()]}

        def drain(stream, into):
            while True:
                chunk = stream.read(1 << 16)
                if not chunk:
                    return
                into[0] += len(chunk)
                if len(into[1]) < 64 << 10:
                    into[1] += chunk[: (64 << 10) - len(into[1])]
        readers = [threading.Thread(target=drain, args=(process.stdout, captured["stdout"]), daemon=True),
                   threading.Thread(target=drain, args=(process.stderr, captured["stderr"]), daemon=True)]
        for reader in readers:
            reader.start()
        interrupt_at = startup_seconds + case.interrupt_at if case.interrupt_at is not None else (
            (maximum_seconds if maximum_seconds is not None else timeout - grace) if case.at_maximum else None)
        interrupted_at = killed = None
        status = usage = None
        while status is None:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                status = wait_status
                break
            now = time.perf_counter() - start
            if interrupted_at is None and (interrupt_at is not None and now >= interrupt_at or now >= timeout):
                interrupted_at = now
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
            elif interrupted_at is not None and now >= interrupted_at + grace and killed is None:
                killed = now
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        for reader in readers:
            reader.join(5)
        with contextlib.suppress(ProcessLookupError):   # (what the command left behind in its group)
            os.killpg(process.pid, signal.SIGKILL)
        stderr = captured["stderr"][1].decode(errors="replace")
        problem = None
        if killed is not None:
            problem = f"no end within {grace:g} s of SIGINT (sent at {interrupted_at:.1f} s)"
        elif interrupted_at is not None and case.interrupt_at is None and not case.at_maximum:
            problem = f"no end within {timeout:g} s"
        problem = problem or check_hostile(process.returncode, stderr, captured["stderr"][0], interrupted_at is not None)
        startup = problem is not None and interrupted_at is not None and interrupted_during_startup(stderr)
        return HostileRun(case, process.returncode, stderr, captured["stdout"][0], captured["stderr"][0], seconds,
                          usage.ru_maxrss / 1024, None if interrupted_at is None else round(interrupted_at, 2),
                          None if interrupted_at is None else seconds - interrupted_at,
                          None if startup else problem, startup)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_hostile_fixtures(root: Path) -> None:
    """The files every hostile case may use, in ``root``: the variants of maximal limits and the
    small programs run at huge budgets (:data:`HOSTILE_VARIANTS`, :data:`HOSTILE_PROGRAMS`)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, document in HOSTILE_VARIANTS.items():
        _write(root / name, json.dumps(document))
    for name, text in HOSTILE_PROGRAMS.items():
        _write(root / name, text)


def fuzz_hostile(runs: int, interrupted: int, seed: int, root: Path, workers: int = 2, scale: int = 5,
                 timeout: float = HOSTILE_TIMEOUT, maximum_seconds: float | None = None, progress=None) -> dict:
    """The hostile campaign: ``runs`` generated hostile cases and ``interrupted`` SIGINT cases
    (:func:`hostile_cases`), ``workers`` at a time, each a capped subprocess (:func:`run_hostile`).
    Returns counts, the slowest and largest runs, and every problem found."""
    from concurrent.futures import ThreadPoolExecutor

    root = Path(root).resolve()
    build_hostile_fixtures(root)
    cases = hostile_cases(random.Random(seed), runs, interrupted, scale)
    report = {"seed": seed, "runs": 0, "interrupted_runs": 0, "address_space_kib": HOSTILE_ADDRESS_SPACE_KIB,
              "exit_codes": {}, "problems": [], "stopped_by_sigint": 0, "finished_before_sigint": 0,
              "interrupted_during_startup": []}
    start = time.perf_counter()
    startup = run_hostile(HostileCase("start-up", ["--version"]), root, timeout=timeout)
    report["startup_seconds"] = round(startup.seconds, 2)
    done: list = []
    lock = threading.Lock()

    def one(case):
        run = run_hostile(case, root, timeout=timeout, maximum_seconds=maximum_seconds,
                          startup_seconds=startup.seconds)
        with lock:
            done.append(run)
            report["interrupted_runs" if case.interrupt_at is not None else "runs"] += 1
            report["exit_codes"][str(run.exit_code)] = report["exit_codes"].get(str(run.exit_code), 0) + 1
            if run.interrupted_at is not None:
                report["stopped_by_sigint" if run.exit_code == 130 else "finished_before_sigint"] += 1
            if run.problem:
                report["problems"].append(run.row())
            if run.during_startup:
                report["interrupted_during_startup"].append(dict(run.row(), stderr=run.stderr[-300:]))
            if progress is not None:
                progress(len(done), run)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(one, cases))
    report["seconds"] = time.perf_counter() - start
    report["slowest"] = [run.row() for run in sorted(done, key=lambda run: -run.seconds)[:5]]
    report["largest"] = [dict(run.row(), stderr=run.stderr[:200])
                         for run in sorted(done, key=lambda run: -run.peak_rss_mib)[:5]]
    stops = [run.stop_seconds for run in done if run.exit_code == 130 and run.stop_seconds is not None]
    report["slowest_stop_seconds"] = round(max(stops), 2) if stops else None
    report["peak_rss_mib"] = round(max((run.peak_rss_mib for run in done), default=0), 1)
    return report
