"""The run store: results on disk (npz arrays + JSON metadata), keyed by everything that made them.

An entry's key is a hash of its kind (e.g. ``enumeration``), its parameters (language spec hash,
budgets, ...) and :data:`STORE_FORMAT`; a changed language, budget or format therefore never
finds a stale entry. A store directory holds::

    <kind>-<key>.npz          the arrays (np.savez_compressed)
    <kind>-<key>.json         the metadata, the entry's identity ("kind", "parameters", "format",
                              "entry": its own name) and two sha256 checksums: "arrays_sha256" of
                              the .npz file's bytes and "sha256" of this document itself (canonical
                              JSON, without the "sha256" field)
    <kind>-<key>.lock         the file the entry's lock is taken on, while a process computes it
    partial/<kind>-<key>/     the checkpoint of a computation not finished yet (see
                              :class:`toyinduction.engine.parallel.Checkpoint`)
    tmp.<kind>-<key>.*.part   a file being written (renamed into place once complete)

**Verified.** Every load checks the document's checksum, its identity against the key asked
for, and the .npz bytes against their checksum, before anything is decoded; a mismatch (an
edited number, an edited key, another entry's .npz) is a one-line :class:`StoreError` naming the
entry, never a silent load. Entries of format 1 (written before checksums) have other keys, so
they are never loaded: a run computes afresh next to them, and :meth:`RunStore.entries` lists them
with an error saying to remove them.

**Locked.** :func:`load_or_compute` holds the entry's lock (``fcntl.flock`` on its .lock file)
from the moment it finds no entry until the entry is stored: a second process computing the same
entry waits, then loads what the first stored. The OS releases the lock of a process that dies,
so kill -9 never leaves a stale lock. Loading takes no lock, and writes nothing (a read-only store
serves what it has).

**Clean after kill.** Writes go to temporary files renamed into place, so a killed write leaves
no half entry, only a ``tmp.*`` file; the next run on the store removes those whose entry nobody
holds (and unnamed ``tmp*`` files of earlier versions once they are :data:`STALE_SECONDS` old).
A killed computation leaves its checkpoint, which the next run of the same entry adopts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from toyinduction import __version__

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locks (one process per store)
    fcntl = None

#: Bumped whenever stored arrays change meaning or the layout changes; part of every key.
#: 2: entries carry their identity and sha256 checksums; chunks carry theirs.
STORE_FORMAT = 2
#: The environment variable that names the default store directory.
STORE_VARIABLE = "TOYINDUCTION_STORE"
#: Age after which a temporary file that names no entry (left by an earlier version) is debris.
STALE_SECONDS = 300
#: Fields the store adds to a document (removed again from the metadata :meth:`RunStore.load` returns).
_BOOKKEEPING = ("entry", "arrays_sha256", "sha256")


def default_store_directory() -> Path:
    """Where results are kept unless a directory is given: $TOYINDUCTION_STORE, else the user's
    cache directory ($XDG_CACHE_HOME or ~/.cache) /toyinduction — never the working directory."""
    if os.environ.get(STORE_VARIABLE):
        return Path(os.environ[STORE_VARIABLE]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "toyinduction"


class StoreError(ValueError):
    """The store or one of its entries cannot be used."""


class _Damaged(Exception):
    """Why an entry cannot be used (becomes a StoreError naming the entry)."""


def document_checksum(document: dict) -> str:
    """The sha256 of a stored document: its canonical JSON (sorted keys, no spaces) without the
    ``sha256`` field itself."""
    body = {key: value for key, value in document.items() if key != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _entry_of_temporary(name: str) -> str | None:
    """The entry a ``tmp.<entry>.<random>...`` file belongs to (None for other temporaries)."""
    parts = name.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "tmp" and parts[1] else None


def _acquire(path: Path, blocking: bool):
    """An fd holding an exclusive flock on ``path`` (created if need be), or None when another
    holds it and ``blocking`` is false. A lock file is removed by its holder on release, so a lock
    won on a file no longer at ``path`` is worthless: then try again on the new one."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        try:
            current = os.stat(path)
            held = os.fstat(fd)
            if (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _release(path: Path, fd) -> None:
    """Remove the lock file while still holding it, then let go (see :func:`_acquire`)."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    os.close(fd)


class RunStore:
    """A directory of stored results."""

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory is not None else default_store_directory()
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(f"run store {self.directory} is not a directory")
        below_a_file = next((parent for parent in self.directory.parents if parent.exists() and not parent.is_dir()),
                            None)
        if below_a_file is not None:   # refused now, not after the computation it would have stored
            raise StoreError(f"run store {self.directory} cannot be made: {below_a_file} is a file")

    @staticmethod
    def key(kind: str, parameters: dict) -> str:
        """The entry name for a kind of result and its parameters."""
        text = json.dumps({"kind": kind, "parameters": parameters, "format": STORE_FORMAT}, sort_keys=True)
        return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"

    def paths(self, name: str) -> tuple[Path, Path]:
        """The .json and .npz files of an entry."""
        return self.directory / f"{name}.json", self.directory / f"{name}.npz"

    def lock_path(self, name: str) -> Path:
        """The file an entry's lock is taken on. Its holder removes it on release; one left by a
        killed process holds nothing (the OS released the lock) and the next run removes it."""
        return self.directory / f"{name}.lock"

    # ----- locks ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, name: str, wait: bool = True):
        """Hold entry ``name``'s lock for the ``with`` block; yields True. With ``wait`` false,
        yields False at once (holding nothing) when another process or thread holds it. The
        lock is an ``fcntl.flock``: the OS releases it when its holder dies, even by kill -9.
        Not reentrant: taking a lock one already holds waits for ever."""
        if fcntl is None:
            yield True
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.lock_path(name)
        fd = _acquire(path, wait)
        if fd is None:
            yield False
            return
        try:
            yield True
        finally:
            _release(path, fd)

    def _locked_by_another(self, name: str) -> bool:
        """Whether some process holds entry ``name``'s lock now (asked without creating anything)."""
        if fcntl is None:
            return False
        try:
            fd = os.open(self.lock_path(name), os.O_RDONLY)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return False
        except OSError:
            return True
        finally:
            os.close(fd)

    def check_writable(self) -> None:
        """Refuse (one-line StoreError) a store this process cannot write, by actually writing:
        the directory is made if need be and a file is created in it and removed."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix="tmp-probe.", suffix=".part", dir=self.directory)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise StoreError(f"run store {self.directory} is not writable ({reason})") from None

    # ----- reading -------------------------------------------------------------------------------
    def _damaged(self, name: str, reason: str) -> StoreError:
        return StoreError(f"run store entry {self.directory / name} is damaged ({reason}); "
                          f"remove it or use another store directory")

    def _read(self, name: str, kind: str, parameters: dict):
        """(metadata, arrays) of entry ``name``, verified; None if it has no .json; _Damaged."""
        meta_path, array_path = self.paths(name)
        try:
            text = meta_path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise _Damaged(f"its .json is unreadable: {error.strerror or type(error).__name__}") from None
        try:
            document = json.loads(text)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _Damaged("its .json is not JSON") from None
        if not isinstance(document, dict):
            raise _Damaged("its .json is not a stored document")
        if document.get("kind") != kind or document.get("parameters") != parameters:
            raise _Damaged("it does not match its key: it holds another kind or other parameters")
        if document.get("format") != STORE_FORMAT:
            raise _Damaged(f"it does not match its key: it is of store format {document.get('format')}, "
                           f"not {STORE_FORMAT}, written by another version of toyinduction")
        if "sha256" not in document or "arrays_sha256" not in document:
            raise _Damaged("it has no checksum: written by an older toyinduction")
        if document["sha256"] != document_checksum(document):
            raise _Damaged("its .json does not match its checksum: it was changed after it was stored")
        if document.get("entry") != name:
            raise _Damaged(f"it does not match its key: it was stored as {document.get('entry')}")
        try:
            data = array_path.read_bytes()
        except OSError as error:
            raise _Damaged(f"its .npz is unreadable: {error.strerror or type(error).__name__}") from None
        if hashlib.sha256(data).hexdigest() != document["arrays_sha256"]:
            raise _Damaged("its .npz does not match the checksum in its .json: changed, truncated or another's")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise _Damaged(f"its .npz is unreadable: {type(error).__name__}") from None
        metadata = {key: value for key, value in document.items() if key not in _BOOKKEEPING}
        return metadata, arrays

    def _load(self, name: str, kind: str, parameters: dict):
        """:meth:`load` for a caller that holds the entry's lock (so nothing is being written)."""
        try:
            return self._read(name, kind, parameters)
        except _Damaged as damage:
            raise self._damaged(name, str(damage)) from None

    def load(self, kind: str, parameters: dict):
        """(metadata, arrays) of the stored result, verified, or None if there is none.

        A damaged entry is a one-line StoreError. Reading takes no lock; an entry that does not
        verify is read again under its lock (it may have been half-way through being replaced by
        ``--fresh`` in another process) before it is called damaged.
        """
        name = self.key(kind, parameters)
        try:
            return self._read(name, kind, parameters)
        except _Damaged as damage:
            first = str(damage)
        try:
            with self.lock(name):
                return self._load(name, kind, parameters)
        except OSError:   # cannot take the lock (a read-only store): nothing can be writing it
            raise self._damaged(name, first) from None

    # ----- writing -------------------------------------------------------------------------------
    def _temporary(self, name: str, suffix: str):
        """A new temporary file for entry ``name`` in the store root (binary, open)."""
        return tempfile.NamedTemporaryFile(dir=self.directory, prefix=f"tmp.{name}.", suffix=f"{suffix}.part",
                                           delete=False)

    def _save(self, name: str, kind: str, parameters: dict, metadata: dict, arrays: dict) -> None:
        """Write entry ``name`` (the caller holds its lock): the .npz, then the .json that vouches
        for it, each to a temporary file that is synced and renamed into place."""
        meta_path, array_path = self.paths(name)
        written = []
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._temporary(name, ".npz") as handle:
                written.append(handle.name)
                np.savez_compressed(handle, **arrays)
                handle.flush()
                os.fsync(handle.fileno())
            digest = hashlib.sha256()
            with open(written[-1], "rb") as readback:
                for block in iter(lambda: readback.read(1 << 20), b""):
                    digest.update(block)
            document = dict(metadata, kind=kind, parameters=parameters, format=STORE_FORMAT, version=__version__,
                            created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), entry=name,
                            arrays_sha256=digest.hexdigest())
            document = json.loads(json.dumps(document))       # exactly as it will be read back
            document["sha256"] = document_checksum(document)
            text = json.dumps(document, indent=2).encode()
            with self._temporary(name, ".json") as handle:
                written.append(handle.name)
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if meta_path.exists():      # replacing an entry: never an old .json with the new .npz
                meta_path.unlink()
            os.replace(written[0], array_path)
            os.replace(written[1], meta_path)
        except OSError as error:
            for path in written:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            raise StoreError(f"run store {self.directory}: cannot write {name} "
                             f"({error.strerror or type(error).__name__})") from None

    def save(self, kind: str, parameters: dict, metadata: dict, arrays: dict) -> str:
        """Store a result (under the entry's lock); returns the entry name."""
        name = self.key(kind, parameters)
        self.check_writable()
        with self.lock(name):
            self._save(name, kind, parameters, metadata, arrays)
        return name

    def forget(self, kind: str, parameters: dict) -> None:
        """Remove the entry for these parameters, if any (``--fresh``); a checkpoint is kept.
        The .json goes first, so there is never a .json without its .npz."""
        for path in self.paths(self.key(kind, parameters)):
            if path.exists():
                path.unlink()

    def clean(self, held: str | None = None) -> list[Path]:
        """Remove what killed runs left in the store root; returns what was removed.

        A temporary file ``tmp.<entry>.*`` goes when nobody holds that entry's lock (``held``
        names the entry the caller holds: its debris goes too); an unnamed ``tmp*`` file (left by
        an earlier version) once it is :data:`STALE_SECONDS` old; an .npz without its .json (a
        save killed half-way) and a lock file, when nobody holds the lock. Files that cannot be
        removed (a read-only store) are left.
        """
        removed = []
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return removed
        for filename in names:
            path = self.directory / filename
            if filename.startswith("tmp"):
                entry, what = _entry_of_temporary(filename), "temporary"
                if entry is None:            # unnamed: only its age tells whether it is being written
                    with contextlib.suppress(OSError):
                        if path.is_file() and time.time() - path.stat().st_mtime > STALE_SECONDS:
                            path.unlink()
                            removed.append(path)
                    continue
            elif filename.endswith(".lock"):
                entry, what = filename[: -len(".lock")], "lock"
            elif filename.endswith(".npz") and not (self.directory / f"{filename[:-4]}.json").exists():
                entry, what = filename[: -len(".npz")], "orphan"
            else:
                continue
            try:
                if entry == held:            # the caller's own entry: nothing of it is being written
                    if what != "lock":
                        path.unlink()
                        removed.append(path)
                    continue
                with self.lock(entry, wait=False) as nobody_else:
                    if not nobody_else:
                        continue
                    if what == "lock":       # removed on release
                        removed.append(path)
                    elif what == "temporary" or not self.paths(entry)[0].exists():
                        path.unlink()
                        removed.append(path)
            except OSError:
                continue
        return removed

    # ----- listing -------------------------------------------------------------------------------
    def entries(self) -> list[dict]:
        """Every entry's metadata (``bytes``: the size of its .npz), then every unfinished
        computation (its checkpoint under partial/) as a row with ``partial`` true, its ``kind``
        and ``parameters``, ``chunks_finished`` and ``chunks`` (the most it can have) and
        ``running`` (whether a process holds its lock now). Rows that cannot be used (damaged,
        or of an older store format) say why in ``error``. Reads only; cheap (no .npz is read)."""
        if not self.directory.is_dir():
            return []
        rows = []
        for meta_path in sorted(self.directory.glob("*.json")):
            if meta_path.name.startswith("tmp"):
                continue
            try:
                document = json.loads(meta_path.read_text())
                if not isinstance(document, dict):
                    raise ValueError("not a stored document")
                size = meta_path.with_suffix(".npz").stat().st_size
            except (OSError, ValueError, RecursionError) as error:
                rows.append({"name": meta_path.stem, "error": f"damaged: {error}; remove it"})
                continue
            stored_format = document.get("format")
            if stored_format != STORE_FORMAT:
                older = isinstance(stored_format, int) and stored_format < STORE_FORMAT
                error = (f"store format {stored_format} (written by {'an older' if older else 'another'} version of "
                         f"toyinduction{', without checksums' if older else ''}): no longer used; remove it")
            elif document.get("sha256") != document_checksum(document) or document.get("entry") != meta_path.stem:
                error = "damaged: its .json does not match its checksum or its name; remove it"
            else:
                error = None
            document = {key: value for key, value in document.items() if key not in _BOOKKEEPING}
            document.update(name=meta_path.stem, bytes=size, **({"error": error} if error else {}))
            rows.append(document)
        partial = self.directory / "partial"
        for directory in sorted(partial.iterdir()) if partial.is_dir() else ():
            rows.append(self._partial_row(directory))
        return rows

    def _partial_row(self, directory: Path) -> dict:
        """The row of one checkpoint directory (see :meth:`entries`)."""
        row = {"name": directory.name, "partial": True}
        try:
            manifest = json.loads((directory / "manifest.json").read_text())
            if not isinstance(manifest, dict) or "kind" not in manifest or "checkpoint" not in manifest:
                raise ValueError("not a checkpoint of this store format")
            limit = int(manifest["checkpoint"].get("chunks") or 0)
            finished = 0
            for path in directory.glob("chunk-*.npz"):
                index = path.stem[len("chunk-"):]
                finished += index.isdigit() and (not limit or int(index) < limit)
        except (OSError, ValueError, AttributeError, TypeError, RecursionError) as error:
            reason = error.strerror if isinstance(error, OSError) else error
            row["error"] = f"not a checkpoint toyinduction can resume ({reason}); remove it"
            return row
        row.update(kind=manifest["kind"], parameters=manifest.get("parameters"), chunks_finished=finished,
                   chunks=limit or None, running=self._locked_by_another(directory.name))
        return row


def load_or_compute(store, kind: str, parameters: dict, compute, *, encode, decode,
                    checkpoint_parameters: dict | None = None, fresh: bool = False):
    """The one load-or-compute-and-checkpoint path every stored computation takes.

    Without a store: ``(compute(None), False)``. With one: the entry keyed by ``kind`` and
    ``parameters`` is loaded and verified (``decode(metadata, arrays)``) unless ``fresh``.
    Otherwise the store is checked writable (before the computation, not after it), the
    entry's lock is taken (waiting while another process computes the same entry, whose result
    is then loaded instead), debris of killed runs is removed, and ``compute(checkpoint)`` runs
    with a checkpoint under the store whose damaged or foreign chunks have been discarded (so an
    interrupted run resumes from its good finished chunks); the result is stored
    (``encode(result) -> (metadata, arrays)``) and the checkpoint removed. Returns (result, loaded).
    """
    from toyinduction.engine.parallel import Checkpoint

    if store is None:
        return compute(None), False
    name = store.key(kind, parameters)
    if not fresh:
        found = store.load(kind, parameters)
        if found is not None:
            return decode(*found), True
    store.check_writable()
    with store.lock(name):
        store.clean(held=name)
        if fresh:
            store.forget(kind, parameters)
        else:
            found = store._load(name, kind, parameters)      # stored while this process waited
            if found is not None:
                return decode(*found), True
        checkpoint = Checkpoint(store.directory, name, {"kind": kind, "parameters": parameters,
                                                        "format": STORE_FORMAT,
                                                        "checkpoint": checkpoint_parameters or {}})
        checkpoint.verify()
        result = compute(checkpoint)
        metadata, arrays = encode(result)
        store._save(name, kind, parameters, metadata, arrays)
        checkpoint.remove()
    return result, False
