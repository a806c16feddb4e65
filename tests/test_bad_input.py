"""The bad-input table of docs/cli.md: every bad input gives its exit code and a one-line error,
and leaves the run store exactly as it was. The malformed files are the ones the table names, shipped
in docs/inputs/ (copied into a scratch directory, so that nothing in the checkout can be touched)."""

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toyinduction.machines.toy.enumerate import enumerate_or_load
from toyinduction.machines.toy.language import TOY
from toyinduction.engine.store import RunStore

DOCS = Path(__file__).resolve().parent.parent / "docs"
INPUTS = DOCS / "inputs"         # the malformed files the table in docs/cli.md names

# (what is wrong, arguments ({store}, {bad}, {dir} and {scratch} are filled in), exit code, text in the message)
TABLE = [
    ("malformed assembly", ["asm", "{bad}/unclosed.toy"], 1, "unclosed.toy:2:1: 'loop' block is never closed"),
    ("unknown mnemonic", ["asm", "{bad}/frob.toy"], 1, "frob.toy:1:3: unknown instruction or name 'frob'"),
    ("non-binary bit string", ["run", "01x1"], 1, "neither a file nor a bit string"),
    ("empty bit string", ["run", ""], 1, "empty program"),
    ("empty sequence to predict", ["predict", "", "--store", "{store}"], 1, "empty sequence"),
    ("negative budget", ["run", "0101", "--max-steps", "-5"], 2, "Invalid value for '--max-steps'"),
    ("zero budget", ["enumerate", "--max-steps", "0", "--store", "{store}"], 2, "Invalid value for '--max-steps'"),
    ("absurd budget", ["run", "0101", "--output-bits", str(2 ** 80)], 2, "Invalid value for '--output-bits'"),
    ("absurd program length", ["enumerate", "--max-bits", "99", "--store", "{store}"], 2, "Invalid value"),
    ("missing program file", ["run", "{bad}/missing.toy"], 1, "no such file"),
    ("missing named program", ["predict", "0101", "--program", "{bad}/missing.toy", "--store", "{store}"], 1,
     "no such file"),
    ("store is not a directory", ["runs", "--store", "{bad}/unclosed.toy"], 1, "is not a directory"),
    ("damaged store entry", ["enumerate", "--max-bits", "10", "--max-steps", "50", "--output-bits", "4",
                             "--store", "{dir}/damaged"], 1, "is damaged"),
    ("out-of-range states", ["tm", "ctm", "--states", "9", "--max-steps", "10", "--store", "{store}"], 2,
     "Invalid value for '--states'"),
    ("a Turing machine enumerated by bits", ["enumerate", "--machine", "tm", "--store", "{store}"], 1,
     "tm is not one (Turing machines: toyinduction tm ctm"),
    ("counted blocks on a machine without them", ["enumerate", "--machine", "blc", "--max-bits", "8", "--counted",
                                                  "--store", "{store}"], 1, "blc has none"),
    ("cutoff too long for tm", ["tm", "ctm", "--states", "2", "--max-steps", "5000"], 2, "Invalid value"),
    ("malformed machine", ["tm", "run", "1RB2LB_1LA1RZ"], 1, "is not like 1RB, 0LZ or ---"),
    ("machine with a missing state", ["tm", "run", "1RB1LC_1LA1RZ"], 1, "goes to state C"),
    ("unknown machine", ["run", "0101", "--machine", "klingon"], 1, "unknown machine"),
    ("unreadable language file", ["run", "0101", "--language", "{bad}/broken.json"], 1, "not readable JSON"),
    ("impossible demo", ["demo", "--targets", "0", "--store", "{store}"], 2, "Invalid value for '--targets'"),
    ("lambda term with an unknown name", ["asm", "{bad}/open.lam"], 1, "open.lam:2:19: y is not defined"),
    ("bridge wider than the state allows", ["demo", "--depth", "250", "--store", "{store}"], 1,
     "too deep for this world"),
    ("option an experiment does not take", ["experiment", "rivals", "--length", "20", "--out", "{dir}/rivals"], 2,
     "experiment rivals does not take --length"),
    ("bit string longer than a file name", ["run", "0" * 300, "--max-steps", "100", "--output-bits", "4"], 0, None),
    ("language file with a number for a codeword", ["run", "0101", "--language", "{bad}/number.json"], 1,
     "'codewords' must be an object of mnemonic: \"bit string\""),
    ("language file with a list for a name", ["run", "0101", "--language", "{bad}/listname.json"], 1,
     "'name' must be a string"),
    ("store below a file", ["enumerate", "--max-bits", "8", "--store", "{bad}/unclosed.toy/store"], 1,
     "is a file"),
    ("a device as a program file", ["asm", "/dev/zero"], 1, "/dev/zero: not a regular file"),
    ("a Turing machine that runs off forever", ["tm", "run", "1RA1RA_---1RZ", "--max-steps", "1000000000"], 0, None),
    ("a sequence too long for the pool", ["predict", "01" * 5000, "--max-bits", "24", "--store", "{scratch}"], 1,
     "limit 1 GiB"),
    ("more local workers than the memory holds", ["enumerate", "--max-bits", "8", "--scheduler", "local",
                                                  "--workers", "256", "--store", "{store}"], 1,
     "local dask worker processes need about"),
]


def fingerprint(directory: Path) -> dict:
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad")
    bad = root / "inputs"
    shutil.copytree(INPUTS, bad)
    store = root / "store"
    enumerate_or_load(TOY, 10, 50, 4, RunStore(store))          # a good entry that must survive
    damaged = root / "damaged"
    enumerate_or_load(TOY, 10, 50, 4, RunStore(damaged))
    next(damaged.glob("*.npz")).write_bytes(b"\x00 not an npz")
    scratch = tmp_path_factory.mktemp("scratch")   # a store that may gain entries (outside the fingerprinted dir)
    return {"bad": bad, "store": store, "dir": root, "scratch": scratch / "store"}


@pytest.mark.parametrize("what, arguments, code, message", TABLE, ids=[row[0] for row in TABLE])
def test_bad_input(places, what, arguments, code, message):
    arguments = [a.format(bad=places["bad"], store=places["store"], dir=places["dir"], scratch=places["scratch"])
                 for a in arguments]
    before = fingerprint(places["dir"])
    completed = subprocess.run([sys.executable, "-m", "toyinduction.cli", *arguments], capture_output=True, text=True,
                               timeout=300)
    assert completed.returncode == code, completed.stderr
    lines = completed.stderr.strip().splitlines()
    if message is None:   # not bad after all: it runs (and says nothing on stderr)
        assert not lines, completed.stderr
    else:
        assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], completed.stderr
    assert "Traceback" not in completed.stderr + completed.stdout
    assert fingerprint(places["dir"]) == before  # nothing stored was damaged (or even touched)


def test_the_cli_reference_lists_every_row():
    reference = (DOCS / "cli.md").read_text()
    for what, *_ in TABLE:
        assert f"| {what} |" in reference, what


def test_the_table_names_only_shipped_inputs():
    """Every row can be run from a checkout: each docs/inputs/ file the table names is shipped
    (the missing-file rows excepted: that file must not exist), and every shipped input is used."""
    reference = (DOCS / "cli.md").read_text()
    named = set(re.findall(r"docs/inputs/([\w.]+)", reference))
    shipped = {path.name for path in INPUTS.iterdir()}
    assert named - shipped == {"missing.toy"}
    assert shipped <= named


def test_a_program_file_over_16_mib_is_refused_before_it_is_read(tmp_path):
    """The assembler refuses a program file larger than 16 MiB by its size (a sparse file here:
    nothing of it is read), in one line."""
    big = tmp_path / "big.toy"
    with big.open("wb") as handle:
        handle.truncate(16 * 2 ** 20 + 1)
    completed = subprocess.run([sys.executable, "-m", "toyinduction.cli", "asm", str(big)], capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 1
    assert completed.stderr.strip() == f"Error: {big}: 16777217 bytes; program files are limited to 16777216 bytes"
