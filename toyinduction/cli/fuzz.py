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
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
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
