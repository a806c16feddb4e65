"""A run store that can be trusted: every entry and every checkpoint chunk is verified before it
is used, two processes computing the same entry wait for each other instead of crashing, a
kill -9 at any point leaves nothing that confuses the next run, and a store that cannot be
written is refused before the computation, not after it.

Each test reproduces a problem the store had (see its docstring); the real-process tests run the
CLI as users do (``python -m toyinduction.cli``)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from toyinduction.cli import main
from toyinduction.engine.parallel import DELAY_VARIABLE, Checkpoint
from toyinduction.engine.store import STORE_FORMAT, RunStore, StoreError, load_or_compute
from toyinduction.machines.toy.enumerate import enumerate_or_load, enumerate_programs
from toyinduction.machines.toy.language import LANGUAGES, TOY
from toyinduction.machines.turing.tm import ctm_or_load

BITS, STEPS, OUTPUT = 16, 200, 8          # a resumable toy run of 64 chunks, a second or so


def cli(*args):
    """The command line of the CLI in a fresh interpreter."""
    return [sys.executable, "-m", "toyinduction.cli", *args]


def entry_files(store: Path, kind: str = "enumeration"):
    """The (.json, .npz) of the one entry of ``kind`` in ``store``."""
    meta = next(path for path in store.glob(f"{kind}-*.json"))
    return meta, meta.with_suffix(".npz")


def same_enumeration(a, b) -> bool:
    """Two enumerations with the same exact tallies and leaves."""
    fields = ("trie_mass", "length_mass", "length_count")
    same = all(np.array_equal(getattr(a, name), getattr(b, name)) for name in fields)
    same = same and (a.programs, a.steps) == (b.programs, b.steps)
    if a.leaves is None or b.leaves is None:
        return same and a.leaves is None and b.leaves is None
    return same and all(np.array_equal(a.leaves[name], b.leaves[name]) for name in a.leaves)


class Stop(Exception):
    """Raised from a progress callback to interrupt a run (as Ctrl-C would)."""


def interrupted(store: RunStore, after: int):
    """Run the toy enumeration with checkpoints and stop it once ``after`` chunks are saved;
    returns (checkpoint directory, total chunks)."""
    total = []

    def progress(done, chunks):
        total.append(chunks)
        if done >= after:
            raise Stop

    with pytest.raises(Stop):
        enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store, progress=progress)
    (partial,) = (store.directory / "partial").iterdir()
    return partial, total[-1]


@pytest.fixture(scope="module")
def clean_run():
    """The toy enumeration, computed once without any store."""
    return enumerate_programs(TOY, BITS, STEPS, OUTPUT)


# ---- 1. entries are verified -------------------------------------------------------------------

def edit_json(meta: Path, edit) -> None:
    document = json.loads(meta.read_text())
    edit(document)
    meta.write_text(json.dumps(document, indent=2))


@pytest.mark.parametrize("field", ["programs", "steps", "trie_bits", "max_bits"])
def test_a_one_digit_edit_of_an_enumeration_entry_is_detected(tmp_path, field):
    """Before: editing a headline number in the .json (programs 2 -> 3) loaded silently with the wrong number."""
    store = RunStore(tmp_path)
    enumerate_or_load(TOY, 10, 50, 4, store)
    meta, _ = entry_files(tmp_path)
    edit_json(meta, lambda document: document.__setitem__(field, document[field] + 1))
    with pytest.raises(StoreError, match=r"run store entry .* is damaged \(.*\); remove it or use another store directory"):
        enumerate_or_load(TOY, 10, 50, 4, store)
    result = subprocess.run(cli("enumerate", "--max-bits", "10", "--max-steps", "50", "--output-bits", "4",
                                "--store", str(tmp_path)), capture_output=True, text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("Error: run store entry"), result.stderr
    assert "is damaged" in lines[0]


@pytest.mark.parametrize("field", ["halting", "machines", "non_halting"])
def test_a_one_digit_edit_of_a_ctm_entry_is_detected(tmp_path, field):
    """Before: a CTM entry with an edited halting count loaded, and D(s) came out wrong."""
    store = RunStore(tmp_path)
    ctm_or_load(2, 20, store)
    meta, _ = entry_files(tmp_path, "ctm")
    edit_json(meta, lambda document: document.__setitem__(field, document[field] + 1))
    with pytest.raises(StoreError, match="is damaged"):
        ctm_or_load(2, 20, store)


def test_an_edited_kind_is_detected(tmp_path):
    """Before: the kind was not checked, so an entry relabelled as another kind loaded."""
    store = RunStore(tmp_path)
    enumerate_or_load(TOY, 10, 50, 4, store)
    meta, _ = entry_files(tmp_path)
    edit_json(meta, lambda document: document.__setitem__("kind", "ctm"))
    with pytest.raises(StoreError, match="is damaged"):
        enumerate_or_load(TOY, 10, 50, 4, store)


def test_a_swapped_npz_is_detected(tmp_path):
    """Before: the .npz of another entry (same array names, other tallies: another toy variant)
    copied over this one's loaded silently with the other run's tallies."""
    store = RunStore(tmp_path)
    mine, _ = enumerate_or_load(TOY, 12, 50, 4, store)
    theirs, _ = enumerate_or_load(LANGUAGES["toy-noeval"], 12, 50, 4, store)
    assert not np.array_equal(mine.trie_mass, theirs.trie_mass)
    key = store.key("enumeration", {"language_spec": TOY.spec_hash, "max_bits": 12, "max_steps": 50,
                                    "output_bits": 4})
    other = next(path for path in tmp_path.glob("enumeration-*.npz") if path.stem != key)
    shutil.copyfile(other, tmp_path / f"{key}.npz")
    with pytest.raises(StoreError, match=r"is damaged \(its \.npz"):
        enumerate_or_load(TOY, 12, 50, 4, store)


def test_an_entry_renamed_to_another_key_is_detected(tmp_path):
    """A consistent entry under the wrong name (both files renamed) is another run's result."""
    store = RunStore(tmp_path)
    enumerate_or_load(TOY, 10, 60, 4, store)
    meta, npz = entry_files(tmp_path)
    key = store.key("enumeration", {"language_spec": TOY.spec_hash, "max_bits": 10, "max_steps": 50,
                                    "output_bits": 4})
    meta.rename(tmp_path / f"{key}.json")
    npz.rename(tmp_path / f"{key}.npz")
    with pytest.raises(StoreError, match="is damaged.*does not match its key"):
        enumerate_or_load(TOY, 10, 50, 4, store)


def test_entries_of_the_old_format_are_not_used_and_say_so(tmp_path):
    """Entries written before checksums (format 1) are never loaded: a run computes afresh next to
    them, ``runs`` flags them with what to do, and one renamed to a current key is damaged."""
    store = RunStore(tmp_path)
    old = {"language": "toy", "programs": 1, "kind": "enumeration", "format": 1,
           "parameters": {"language_spec": TOY.spec_hash, "max_bits": 10, "max_steps": 50, "output_bits": 4}}
    (tmp_path / "enumeration-0123456789abcdef.json").write_text(json.dumps(old))
    np.savez(tmp_path / "enumeration-0123456789abcdef.npz", trie_mass=np.zeros(3))
    result, loaded = enumerate_or_load(TOY, 10, 50, 4, store)
    assert not loaded and result.programs > 1
    rows = {row["name"]: row for row in store.entries()}
    assert "older" in rows["enumeration-0123456789abcdef"]["error"]
    assert "remove" in rows["enumeration-0123456789abcdef"]["error"]
    meta = tmp_path / f"{store.key('enumeration', old['parameters'])}.json"
    assert meta.exists()
    meta.write_text(json.dumps(dict(old, format=STORE_FORMAT)))
    with pytest.raises(StoreError, match="is damaged.*no checksum"):
        enumerate_or_load(TOY, 10, 50, 4, store)


def test_a_stored_result_loads_exactly(tmp_path, clean_run):
    """What is written after the change loads, bit for bit (toy and CTM)."""
    store = RunStore(tmp_path)
    first, loaded = enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store)
    again, loaded_again = enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store)
    assert not loaded and loaded_again and same_enumeration(again, clean_run) and same_enumeration(first, again)
    computed, _ = ctm_or_load(3, 40, store)
    stored, loaded = ctm_or_load(3, 40, store)
    assert loaded and stored == computed
    assert all("error" not in row for row in store.entries())


# ---- 1b. checkpoint chunks are verified --------------------------------------------------------

def test_a_chunk_copied_over_another_is_recomputed(tmp_path, clean_run):
    """Before: chunk-00006.npz copied over chunk-00005.npz was loaded as chunk 5, and the resumed
    result counted chunk 6 twice. Now the chunk knows its index: it is discarded and recomputed."""
    store = RunStore(tmp_path)
    partial, _ = interrupted(store, 8)
    shutil.copyfile(partial / "chunk-00006.npz", partial / "chunk-00005.npz")
    result, loaded = enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store)
    assert not loaded and result.resumed_chunks == 7
    assert same_enumeration(result, clean_run)


def test_a_damaged_or_foreign_chunk_is_recomputed(tmp_path, clean_run):
    """Before: a truncated chunk stopped the run ("remove it"); a chunk of another run with the
    same index was used. Now both are discarded and recomputed, and the result is exact."""
    store = RunStore(tmp_path)
    partial, _ = interrupted(store, 8)
    data = (partial / "chunk-00002.npz").read_bytes()
    (partial / "chunk-00002.npz").write_bytes(data[: len(data) // 2])
    foreign = Checkpoint(tmp_path / "elsewhere", "enumeration-ffffffffffffffff", {"a": 1})
    foreign.save(3, {"trie_index": np.zeros(1, np.int64)})
    shutil.copyfile(foreign.path(3), partial / "chunk-00003.npz")
    result, _ = enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store)
    assert result.resumed_chunks == 6 and same_enumeration(result, clean_run)


def test_a_stray_chunk_beyond_the_count_is_not_counted(tmp_path, clean_run):
    """Before: every chunk-*.npz counted as resumed, so a stray chunk-00064.npz made
    resumed_chunks 65 of 64. Now only chunks that are theirs count."""
    store = RunStore(tmp_path)
    partial, total = interrupted(store, 64)
    assert total == 64 and len(list(partial.glob("chunk-*.npz"))) == 64
    shutil.copyfile(partial / "chunk-00000.npz", partial / "chunk-00064.npz")
    result, _ = enumerate_or_load(TOY, BITS, STEPS, OUTPUT, store)
    assert result.resumed_chunks == 64 and same_enumeration(result, clean_run)


def test_checkpoint_chunks_carry_their_identity(tmp_path):
    """The Checkpoint itself: load refuses a chunk that is not the one asked for (one-line
    ValueError); verify discards it and counts only the good ones."""
    checkpoint = Checkpoint(tmp_path, "run", {"a": 1})
    checkpoint.save(0, {"x": np.arange(3)})
    checkpoint.save(1, {"x": np.arange(4)})
    shutil.copyfile(checkpoint.path(1), checkpoint.path(0))
    with pytest.raises(ValueError, match=r"chunk-00000.npz is damaged \(it is chunk 1"):
        checkpoint.load(0)
    assert checkpoint.verify() == 1 and not checkpoint.path(0).exists()
    assert checkpoint.load(1)["x"].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="reserved"):
        checkpoint.save(2, {Checkpoint.RECORD: np.zeros(1)})


# ---- 2. two processes, one entry ---------------------------------------------------------------

ENUMERATE_22 = ["enumerate", "--max-bits", "22", "--max-steps", "1000", "--output-bits", "16", "--json"]


def tallies(document: dict) -> dict:
    return {key: document[key] for key in ("programs", "buckets", "total_mass", "steps")}


def test_two_processes_computing_one_entry_at_once(tmp_path):
    """One enumeration command started twice at once on one store: the second waits for the first's
    lock, then loads what it stored. Both exit 0 with identical tallies; exactly one computed."""
    store = tmp_path / "store"
    processes = [subprocess.Popen(cli(*ENUMERATE_22, "--store", str(store)), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr
        assert not stderr.strip()                      # nothing extra is printed
    documents = [json.loads(stdout) for stdout, _ in outputs]
    assert tallies(documents[0]) == tallies(documents[1])
    assert sorted(document["loaded_from_store"] for document in documents) == [False, True]
    assert not list(store.glob("partial/*")) and not list(store.glob("*.lock")) and not list(store.glob("tmp*"))


def test_a_slower_second_process_is_not_crashed_by_the_first(tmp_path):
    """Before: the first process to finish deleted partial/<entry>/ while the other was still
    writing chunks there: FileNotFoundError traceback. Now the other waits, then loads."""
    store = tmp_path / "store"
    processes = [subprocess.Popen(cli(*ENUMERATE_22, "--store", str(store)), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, env=dict(os.environ, **{DELAY_VARIABLE: delay}))
                 for delay in ("0.01", "0.04")]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0 and "Traceback" not in stderr, stderr
    documents = [json.loads(stdout) for stdout, _ in outputs]
    assert tallies(documents[0]) == tallies(documents[1])
    assert sorted(document["loaded_from_store"] for document in documents) == [False, True]


def wait_for_chunks(store: Path, count: int, process) -> None:
    deadline = time.time() + 120
    while len(list(store.glob("partial/*/chunk-*.npz"))) < count:
        assert process.poll() is None and time.time() < deadline, "the run stopped early"
        time.sleep(0.05)


def test_a_waiting_process_takes_over_when_the_first_is_killed(tmp_path):
    """The lock is the OS's: kill -9 of the process computing an entry releases it, and the
    process waiting for it adopts the checkpoint and finishes the run (exactly)."""
    store = tmp_path / "store"
    args = ["enumerate", "--max-bits", str(BITS), "--max-steps", str(STEPS), "--output-bits", str(OUTPUT),
            "--workers", "1", "--store", str(store), "--json"]
    first = subprocess.Popen(cli(*args), env=dict(os.environ, **{DELAY_VARIABLE: "0.1"}),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_chunks(store, 5, first)
    second = subprocess.Popen(cli(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    assert second.poll() is None                     # waiting for the first
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=60)
    stdout, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    document = json.loads(stdout)
    assert not document["loaded_from_store"] and document["resumed_chunks"] >= 5
    whole = json.loads(subprocess.run(cli(*[a if a != str(store) else str(tmp_path / "whole") for a in args]),
                                      capture_output=True, text=True, check=True).stdout)
    assert tallies(document) == tallies(whole)
    assert sorted(path.name for path in store.iterdir()) == sorted(
        path.name for path in (tmp_path / "whole").iterdir())          # the entry, nothing else


# ---- 3. clean after kill -----------------------------------------------------------------------

def test_after_kill_9_the_next_run_cleans_up_and_runs_lists_the_partial_entry(tmp_path, clean_run):
    """Before: a run killed while writing left tmp*.npz / tmp*.json in the store root for ever
    (``runs`` even listed a tmp*.json as a damaged entry), and an unfinished run was not listed.
    Now ``runs`` lists it as partial with its finished chunks, and the next run removes the
    debris of killed writes: stale unnamed temporaries, and named ones whose entry nobody holds."""
    store = tmp_path / "store"
    args = ["enumerate", "--max-bits", str(BITS), "--max-steps", str(STEPS), "--output-bits", str(OUTPUT),
            "--workers", "1", "--store", str(store), "--json"]
    killed = subprocess.Popen(cli(*args), env=dict(os.environ, **{DELAY_VARIABLE: "0.1"}),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for_chunks(store, 6, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    finished = len(list(store.glob("partial/*/chunk-*.npz")))
    # debris of writes killed half-way (as kill -9 during an atomic write leaves it)
    old = time.time() - 3600
    for name in ("tmpab12cd34.npz", "tmpab12cd34.json"):      # the unnamed temporaries of earlier versions
        (store / name).write_bytes(b"half")
        os.utime(store / name, (old, old))
    (store / "tmpyoung000.json").write_bytes(b"half")            # young and unnamed: perhaps being written
    (store / "tmp.ctm-0123456789abcdef.x1y2z3.npz.part").write_bytes(b"half")   # named, nobody holds ctm-...
    (store / "partial" / "stray").mkdir()                        # not a checkpoint: listed with an error
    listed = json.loads(CliRunner().invoke(main, ["runs", "--store", str(store), "--json"]).output)["runs"]
    partial = [row for row in listed if row.get("partial") and "error" not in row]
    assert len(partial) == 1 and partial[0]["chunks_finished"] == finished and partial[0]["kind"] == "enumeration"
    assert partial[0]["parameters"]["max_bits"] == BITS and partial[0]["chunks"] == 64
    assert not any(row["name"].startswith("tmp") for row in listed)
    text = CliRunner().invoke(main, ["runs", "--store", str(store)]).output
    assert f"partial: {finished} of 64 chunks finished" in text
    resumed = json.loads(subprocess.run(cli(*args), capture_output=True, text=True, check=True).stdout)
    assert resumed["resumed_chunks"] == finished     # chunk files are whole or absent (written, then renamed)
    assert resumed["programs"] == clean_run.programs and resumed["steps"] == clean_run.steps
    left = sorted(path.name for path in store.iterdir())
    assert left == sorted([entry_files(store)[0].name, entry_files(store)[1].name, "partial", "tmpyoung000.json"])
    assert [path.name for path in (store / "partial").iterdir()] == ["stray"]


def test_a_temporary_of_an_entry_being_written_is_kept(tmp_path):
    """The cleanup asks the entry's lock: the temporary of an entry another process is computing is
    left alone, however old; once that process is gone, it is removed."""
    store = RunStore(tmp_path)
    name = "ctm-0123456789abcdef"
    debris = tmp_path / f"tmp.{name}.a1b2c3d4.npz.part"
    debris.write_bytes(b"being written")
    os.utime(debris, (time.time() - 3600,) * 2)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\nfrom toyinduction.engine.store import RunStore\n"
        f"with RunStore({str(tmp_path)!r}).lock({name!r}):\n    print('held', flush=True)\n    time.sleep(60)\n")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        store.clean()
        assert debris.exists()
    finally:
        holder.kill()
        holder.wait()
    store.clean()
    assert not debris.exists() and not list(tmp_path.glob("*.lock"))


# ---- 4. a store that cannot be written ---------------------------------------------------------

def never(checkpoint):
    raise AssertionError("the computation ran although its result could not be stored")


@pytest.mark.parametrize("directory", ["/proc/self", "/proc/toyinduction-no-such/store"])
def test_a_store_root_cannot_write_to_is_refused_before_the_computation(directory):
    """Before: a store nobody can write to failed after the whole computation, with a traceback.
    /proc/self is a directory that even root cannot create files in; below /proc nothing can be made."""
    with pytest.raises(StoreError, match=f"^run store {directory} is not writable"):
        load_or_compute(RunStore(directory), "enumeration", {"x": 1}, never, encode=None, decode=None)
    started = time.time()
    result = subprocess.run(cli("enumerate", "--max-bits", "40", "--store", directory), capture_output=True,
                            text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0] == f"Error: run store {directory} is not writable" or lines[0].startswith(
        f"Error: run store {directory} is not writable (")
    assert time.time() - started < 60                  # 2^40 programs were never started


AS_NOBODY = """
import os, sys
import toyinduction.cli, toyinduction.engine.enumeration, toyinduction.engine.parallel, toyinduction.engine.store
import toyinduction.machines, toyinduction.machines.toy, toyinduction.machines.toy.enumerate
import encodings.cp437, zipfile  # imported lazily by np.load: the standard library is root's alone here
uid, gid = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
assert os.geteuid() == uid
sys.argv = ["toyinduction", *sys.argv[3:]]
toyinduction.cli.main()
"""


@pytest.mark.skipif(not hasattr(os, "setuid") or os.geteuid() != 0, reason="needs root to become nobody")
def test_a_store_an_unprivileged_user_cannot_write_is_refused_and_still_loads(tmp_path):
    """As user nobody (the interpreter drops root's privileges once the package is imported), a
    root-owned store (0755): computing is refused before it starts, in one line, and nothing is
    written; what the store already has still loads (reading needs no write)."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    home = Path(tempfile.mkdtemp(prefix="toyinduction-nobody-"))
    try:
        os.chmod(home, 0o755)
        store = home / "store"
        enumerate_or_load(TOY, 10, 50, 4, RunStore(store))
        os.chmod(store, 0o755)
        for path in store.iterdir():
            os.chmod(path, 0o644)
        before = sorted(path.name for path in store.rglob("*"))

        def as_nobody(*args):
            return subprocess.run([sys.executable, "-c", AS_NOBODY, str(nobody.pw_uid), str(nobody.pw_gid), *args],
                                  capture_output=True, text=True, timeout=300, cwd=home)

        base = ["enumerate", "--max-steps", "50", "--output-bits", "4", "--store", str(store), "--json"]
        refused = as_nobody(*base, "--max-bits", "40")
        assert refused.returncode == 1 and refused.stderr.strip().splitlines() == [
            f"Error: run store {store} is not writable (Permission denied)"], refused.stderr
        loaded = as_nobody(*base, "--max-bits", "10")
        assert loaded.returncode == 0, loaded.stderr
        assert json.loads(loaded.stdout)["loaded_from_store"]
        assert sorted(path.name for path in store.rglob("*")) == before
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_readable_store_loads_without_writing(tmp_path, monkeypatch):
    """Loading takes no lock and writes nothing (so a read-only store serves what it has)."""
    store = RunStore(tmp_path)
    enumerate_or_load(TOY, 10, 50, 4, store)
    before = {path.name: path.stat().st_mtime_ns for path in tmp_path.rglob("*")}

    def no_writes(*args, **kwargs):
        raise AssertionError("a load tried to write")

    monkeypatch.setattr(RunStore, "lock", no_writes)
    monkeypatch.setattr(RunStore, "save", no_writes)
    _, loaded = enumerate_or_load(TOY, 10, 50, 4, store)
    assert loaded and {path.name: path.stat().st_mtime_ns for path in tmp_path.rglob("*")} == before
