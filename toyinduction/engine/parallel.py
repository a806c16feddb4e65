"""Running an enumeration's prefix subtrees on several cores, on a dask cluster, resumably.

The work is a fixed list of *chunks* (each a list of prefix-subtree roots); a chunk is a pure
task that returns its own exact tallies. Because the tallies are integer sums and the results
are merged in chunk order, the merged result is identical to a serial run whatever order the
chunks finish in, on threads (the numba kernels release the GIL) or on dask workers.

With a :class:`Checkpoint`, every finished chunk is written to the run store as soon as it
finishes (atomically); an interrupted run (Ctrl-C, ``kill -9``) started again with the same
parameters loads the finished chunks and runs only the others.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

#: A test seam: seconds to sleep after each chunk (lets a test kill a run half-way).
DELAY_VARIABLE = "TOYINDUCTION_CHUNK_DELAY"


def split_chunks(roots: list, count: int) -> list:
    """Contiguous, deterministic split of the roots into at most ``count`` non-empty chunks."""
    count = max(1, min(count, len(roots)))
    bounds = np.linspace(0, len(roots), count + 1).round().astype(int)
    return [roots[bounds[i]:bounds[i + 1]] for i in range(count) if bounds[i] < bounds[i + 1]]


class Checkpoint:
    """Finished chunks of one run, kept in ``<store>/partial/<name>/`` until the run completes.

    Layout: ``manifest.json`` (the run's parameters) and one ``chunk-NNNNN.npz`` per finished
    chunk, holding the chunk's arrays and :attr:`RECORD`: a JSON record (stored as uint8) of the
    run's name, the sha256 of its parameters, the chunk's index and the sha256 of its arrays
    (names, dtypes, shapes and bytes). A chunk whose record does not match — damaged, truncated,
    of another run, or another chunk's file copied over it — is never used: :meth:`load` refuses
    it with a one-line ValueError and :meth:`verify` discards it, so that it is computed again.
    Files are written as ``tmp.*.part`` and renamed into place. Whoever resumes or writes the
    chunks holds the entry's lock (:meth:`toyinduction.engine.store.RunStore.lock`).
    """

    #: The name of the identity record in every chunk file (refused as an array name).
    RECORD = "__chunk__"

    def __init__(self, store_directory, name: str, parameters: dict):
        import hashlib

        self.directory = Path(store_directory) / "partial" / name
        self.name = name
        self.parameters = parameters
        self.identity = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()
        self.discarded: list = []                       # (path, reason) of chunks verify() threw away
        self._good: dict = {}                           # index -> file signature of a chunk known good
        manifest = self.directory / "manifest.json"
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text())
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValueError(f"checkpoint {self.directory} is damaged ({error}); remove it to start over") from None
            if saved != parameters:
                raise ValueError(f"checkpoint {self.directory} belongs to another run; remove it to start over")
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(manifest, json.dumps(parameters, sort_keys=True).encode())

    def path(self, index: int) -> Path:
        """Where chunk ``index`` is kept."""
        return self.directory / f"chunk-{index:05d}.npz"

    @staticmethod
    def digest(arrays: dict) -> str:
        """The sha256 of a chunk's arrays: each one's name, dtype, shape and bytes, by name."""
        import hashlib

        total = hashlib.sha256()
        for key in sorted(arrays):
            array = np.ascontiguousarray(arrays[key])
            total.update(json.dumps([key, array.dtype.str, list(array.shape)]).encode())
            total.update(array.tobytes())
        return total.hexdigest()

    @staticmethod
    def _signature(path: Path):
        status = path.stat()
        return status.st_ino, status.st_size, status.st_mtime_ns

    def _check(self, index: int, path: Path) -> dict:
        """The arrays of chunk file ``path`` if it is this run's chunk ``index``, intact; else
        _BadChunk saying why. FileNotFoundError when there is no such file."""
        import io

        data = path.read_bytes()
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise _BadChunk(f"unreadable: {type(error).__name__}") from None
        raw = arrays.pop(self.RECORD, None)
        if raw is None:
            raise _BadChunk("it has no record of its run and index")
        try:
            record = json.loads(np.asarray(raw, dtype=np.uint8).tobytes().decode())
            run, identity, number, checksum = (record["run"], record["parameters_sha256"], record["index"],
                                               record["arrays_sha256"])
        except (ValueError, UnicodeDecodeError, KeyError, TypeError):
            raise _BadChunk("its record of its run and index is unreadable") from None
        if run != self.name or identity != self.identity:
            raise _BadChunk("it belongs to another run")
        if number != index:
            raise _BadChunk(f"it is chunk {number}, not chunk {index}")
        if checksum != self.digest(arrays):
            raise _BadChunk("its arrays do not match their checksum")
        return arrays

    def load(self, index: int):
        """The finished chunk's arrays, verified, or None if it is not kept. A chunk that does
        not verify is a one-line ValueError (:meth:`verify` discards such chunks beforehand)."""
        path = self.path(index)
        try:
            return self._check(index, path)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise ValueError(f"checkpoint chunk {path} is unreadable ({error.strerror}); remove it to redo that "
                             f"chunk") from None
        except _BadChunk as bad:
            raise ValueError(f"checkpoint chunk {path} is damaged ({bad}); remove it to redo that chunk") from None

    def save(self, index: int, arrays: dict) -> None:
        """Keep a finished chunk with its identity record (written to a temporary file, then
        renamed into place)."""
        if self.RECORD in arrays:
            raise ValueError(f"{self.RECORD} is reserved for the chunk's identity record, not an array name")
        record = {"run": self.name, "parameters_sha256": self.identity, "index": index,
                  "arrays_sha256": self.digest(arrays)}
        path = self.path(index)
        handle = tempfile.NamedTemporaryFile(dir=self.directory, prefix="tmp.", suffix=".npz.part", delete=False)
        try:
            with handle:
                np.savez(handle, **arrays, **{self.RECORD: np.frombuffer(json.dumps(record).encode(), np.uint8)})
            os.replace(handle.name, path)
            self._good[index] = self._signature(path)
        except OSError as error:
            try:
                os.unlink(handle.name)
            except OSError:
                pass
            raise ValueError(f"cannot keep checkpoint chunk {path} ({error.strerror})") from None

    def verify(self) -> int:
        """Discard every kept chunk that is not this run's (damaged, truncated, foreign, copied
        from another index, stray) and temporary files of saves that were killed; returns how
        many good chunks are kept. Call while holding the entry's lock."""
        return self._scan(remove_temporaries=True)

    def finished(self) -> int:
        """How many good chunks are kept (after discarding those that do not verify)."""
        return self._scan(remove_temporaries=False)

    def _scan(self, remove_temporaries: bool) -> int:
        good = 0
        try:
            paths = sorted(self.directory.iterdir())
        except FileNotFoundError:
            return 0
        for path in paths:
            name = path.name
            if name.startswith("tmp"):
                if remove_temporaries:
                    try:
                        path.unlink()
                    except OSError:
                        pass
                continue
            if not (name.startswith("chunk-") and name.endswith(".npz")):
                continue
            number = name[len("chunk-"):-len(".npz")]
            try:
                if not number.isdigit() or path != self.path(int(number)):
                    raise _BadChunk("its name is not that of a chunk")
                index = int(number)
                if self._good.get(index) != self._signature(path):
                    self._check(index, path)
                    self._good[index] = self._signature(path)
                good += 1
            except FileNotFoundError:
                continue
            except (_BadChunk, OSError) as bad:
                self.discarded.append((path, str(bad)))
                try:
                    path.unlink()
                except OSError:
                    pass
        return good

    def remove(self) -> None:
        """Forget the checkpoint (once the whole result is stored); partial/ goes too once empty."""
        shutil.rmtree(self.directory, ignore_errors=True)
        try:
            self.directory.parent.rmdir()
        except OSError:
            pass


class _BadChunk(Exception):
    """Why a checkpoint chunk cannot be used."""


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing: to a synced temporary file, renamed into place."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix="tmp.", suffix=".part", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise


def connect(scheduler: str | None, workers: int):
    """A dask client: ``"local"`` starts a local cluster of ``workers`` processes, any other
    value is the address of a running scheduler. None: no dask (threads)."""
    if scheduler is None:
        return None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("the dask backend needs the extra: pip install 'toyinduction[distributed]'") from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        return Client(cluster)
    try:
        return Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise ValueError(f"cannot reach the dask scheduler at {scheduler}: {error}") from None


def run_chunks(task, chunks: list, workers: int = 1, progress=None, client=None, checkpoint: Checkpoint | None = None,
               to_arrays=None, from_arrays=None) -> list:
    """[task(chunk) for chunk in chunks] on threads or a dask client, in chunk order.

    With a checkpoint, finished chunks are loaded instead of run, and each newly finished one is
    saved (``to_arrays`` / ``from_arrays`` convert a result to and from a dict of arrays).
    """
    import time

    delay = float(os.environ.get(DELAY_VARIABLE, "0") or 0)
    results: list = [None] * len(chunks)
    todo = []
    for index in range(len(chunks)):
        saved = checkpoint.load(index) if checkpoint is not None else None
        if saved is not None:
            results[index] = from_arrays(saved)
        else:
            todo.append(index)
    done = len(chunks) - len(todo)
    if progress is not None:
        progress(done, len(chunks))

    def finish(index, result):
        nonlocal done
        results[index] = result
        if checkpoint is not None:
            checkpoint.save(index, to_arrays(result))
        if delay:
            time.sleep(delay)
        done += 1
        if progress is not None:
            progress(done, len(chunks))

    if client is not None:
        from distributed import as_completed

        futures = client.map(task, [chunks[i] for i in todo], pure=False)
        position = {future.key: index for future, index in zip(futures, todo)}
        try:
            for future in as_completed(futures):
                finish(position[future.key], future.result())
        finally:
            client.cancel(futures)
    elif workers == 1 or len(todo) <= 1:
        for index in todo:
            finish(index, task(chunks[index]))
    else:
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(task, chunks[index]): index for index in todo}
            from concurrent.futures import as_completed

            for future in as_completed(futures):
                finish(futures[future], future.result())
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return results
