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
    """Finished chunks of one run, kept in ``<store>/partial/<name>/`` until the run completes."""

    def __init__(self, store_directory, name: str, parameters: dict):
        self.directory = Path(store_directory) / "partial" / name
        self.parameters = parameters
        manifest = self.directory / "manifest.json"
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text())
            except (OSError, json.JSONDecodeError) as error:
                raise ValueError(f"checkpoint {self.directory} is damaged ({error}); remove it to start over") from None
            if saved != parameters:
                raise ValueError(f"checkpoint {self.directory} belongs to another run; remove it to start over")
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(manifest, json.dumps(parameters, sort_keys=True).encode())

    def path(self, index: int) -> Path:
        """Where chunk ``index`` is kept."""
        return self.directory / f"chunk-{index:05d}.npz"

    def load(self, index: int):
        """The finished chunk's arrays, or None."""
        path = self.path(index)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as archive:
                return {key: archive[key] for key in archive.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"checkpoint chunk {path} is damaged ({error}); remove it to redo that chunk") from None

    def save(self, index: int, arrays: dict) -> None:
        """Keep a finished chunk (written to a temporary file, then renamed into place)."""
        handle = tempfile.NamedTemporaryFile(dir=self.directory, suffix=".npz", delete=False)
        with handle:
            np.savez(handle, **arrays)
        os.replace(handle.name, self.path(index))

    def finished(self) -> int:
        """How many chunks are kept."""
        return len(list(self.directory.glob("chunk-*.npz")))

    def remove(self) -> None:
        """Forget the checkpoint (once the whole result is stored)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _write_atomically(path: Path, data: bytes) -> None:
    handle = tempfile.NamedTemporaryFile(dir=path.parent, delete=False)
    with handle:
        handle.write(data)
    os.replace(handle.name, path)


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
