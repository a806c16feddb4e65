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
import weakref
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

#: A test seam: seconds to sleep after each chunk (lets a test kill a run half-way).
DELAY_VARIABLE = "TOYINDUCTION_CHUNK_DELAY"
#: Seconds a dask run waits while the cluster has no worker before it gives up.
TIMEOUT_VARIABLE = "TOYINDUCTION_DASK_TIMEOUT"
DEFAULT_DASK_TIMEOUT = 60.0
#: Memory of one local dask worker process, as measured: the resident set of a worker after it
#: has run a toy enumeration and a CTM (numba kernels compiled and loaded) is 236 MB, of which
#: 122 MB is its own (the rest shared libraries). Rounded up.
WORKER_PROCESS_BYTES = 240 << 20


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
            except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
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
        except (ValueError, UnicodeDecodeError, KeyError, TypeError, RecursionError):
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


def dask_timeout(timeout: float | None = None) -> float:
    """Seconds a dask run may go without any worker: ``timeout``, else $TOYINDUCTION_DASK_TIMEOUT,
    else 60. Refuses anything but a positive number."""
    source = "timeout"
    if timeout is None:
        text = os.environ.get(TIMEOUT_VARIABLE, "").strip()
        if not text:
            return DEFAULT_DASK_TIMEOUT
        source = TIMEOUT_VARIABLE
        try:
            timeout = float(text)
        except ValueError:
            raise ValueError(f"{TIMEOUT_VARIABLE} must be a number of seconds, got {text!r}") from None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout < float("inf"):
        raise ValueError(f"{source} must be a positive number of seconds, got {timeout!r}")
    return float(timeout)


#: Where the memory readers look: the proc and cgroup file systems (a test points them at a fake tree).
PROC_DIRECTORY = "/proc"
CGROUP_DIRECTORY = "/sys/fs/cgroup"
#: A limit at or above this is no limit (cgroup v1 says "unlimited" as 2^63 rounded down to a page).
NO_LIMIT = 1 << 60


def _read_text(path) -> str | None:
    """The text of a small system file, or None when it cannot be read."""
    try:
        with open(path) as handle:
            return handle.read(1 << 20)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _read_number(path) -> int | None:
    """The integer a one-number system file holds; None when it is missing, unreadable or
    ``max`` (cgroup v2's "no limit")."""
    text = _read_text(path)
    try:
        return int(text.split()[0]) if text is not None else None
    except (ValueError, IndexError):
        return None


def _field(text: str | None, name: str) -> int | None:
    """The number after ``name`` in ``name value [kB]`` lines (/proc files, memory.stat), in bytes
    when the line says kB; None when absent."""
    for line in (text or "").splitlines():
        parts = line.replace(":", " ").split()
        if len(parts) >= 2 and parts[0] == name:
            try:
                return int(parts[1]) * (1024 if parts[2:3] == ["kB"] else 1)
            except ValueError:
                return None
    return None


def free_memory() -> int | None:
    """Bytes the machine can still give: MemAvailable from /proc/meminfo, else the free physical
    pages (os.sysconf); None where neither is known."""
    available = _field(_read_text(Path(PROC_DIRECTORY) / "meminfo"), "MemAvailable")
    if available is not None:
        return available
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def rlimit_headroom() -> dict:
    """Bytes this process may still map under its resource limits: ``{"address_space": RLIMIT_AS
    minus VmSize, "data": RLIMIT_DATA minus VmData}`` for each limit that is set (``ulimit -v``,
    ``ulimit -d``); a usage that cannot be read counts as 0."""
    try:
        import resource
    except ImportError:   # (not on every system)
        return {}
    status = _read_text(Path(PROC_DIRECTORY) / "self" / "status")
    headroom = {}
    for key, limit, field in (("address_space", "RLIMIT_AS", "VmSize"), ("data", "RLIMIT_DATA", "VmData")):
        try:
            soft, _ = resource.getrlimit(getattr(resource, limit))
        except (AttributeError, ValueError, OSError):
            continue
        if soft == resource.RLIM_INFINITY or soft < 0 or soft >= NO_LIMIT:
            continue
        headroom[key] = max(0, soft - (_field(status, field) or 0))
    return headroom


def _cgroup_directories(root: Path, path: str) -> list:
    """The cgroup of ``path`` under ``root`` and its ancestors up to ``root`` (a limit anywhere
    above applies too); only ``root`` when the path is not visible (in a container)."""
    here = root / path.strip("/") if path.strip("/") else root
    if not here.is_dir():
        return [root]
    directories = [here]
    while here != root and root in here.parents:
        here = here.parent
        directories.append(here)
    return directories


def cgroup_headroom() -> int | None:
    """Bytes this process's memory cgroup may still charge: the smallest over the cgroup and its
    ancestors of limit minus usage, the usage less its inactive page cache (reclaimed before the
    limit is enforced). cgroup v2 (memory.max, memory.current) or v1 (memory.limit_in_bytes,
    memory.usage_in_bytes); None without a limit or where none can be read."""
    membership = _read_text(Path(PROC_DIRECTORY) / "self" / "cgroup")
    if membership is None:
        return None
    root = Path(CGROUP_DIRECTORY)
    best = None
    for line in membership.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":          # v2, mounted on the root or (hybrid) unified/
            bases = [base for base in (root, root / "unified") if (base / "cgroup.controllers").exists()]
            files = ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):             # v1
            bases = [root / "memory"]
            files = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
        else:
            continue
        for base in bases[:1]:
            for directory in _cgroup_directories(base, path):
                limit = _read_number(directory / files[0])
                usage = _read_number(directory / files[1])
                if limit is None or limit >= NO_LIMIT or usage is None:
                    continue
                reclaimable = _field(_read_text(directory / "memory.stat"), files[2]) or 0
                room = max(0, limit - max(0, usage - reclaimable))
                best = room if best is None else min(best, room)
    return best


def memory_limits() -> dict:
    """Every bound on the memory this process may still use that can be read, in bytes:
    ``free`` (:func:`free_memory`), ``address_space`` and ``data`` (:func:`rlimit_headroom`) and
    ``cgroup`` (:func:`cgroup_headroom`); a bound that is not set or cannot be read is left out."""
    limits = {"free": free_memory(), **rlimit_headroom(), "cgroup": cgroup_headroom()}
    return {key: value for key, value in limits.items() if value is not None}


def available_memory() -> int | None:
    """Bytes this process can still allocate: the smallest of the machine's available memory
    (MemAvailable), the headroom under ``RLIMIT_AS`` and ``RLIMIT_DATA`` (the limit minus the
    process's VmSize, VmData) and the memory cgroup's (limit minus usage); None where none is
    known."""
    limits = memory_limits()
    return min(limits.values()) if limits else None


def _size(count: int) -> str:
    return f"{count / (1 << 20):,.0f} MiB" if count < 10 << 30 else f"{count / (1 << 30):,.1f} GiB"


def check_memory(workers: int, bytes_per_worker: int, what: str = "workers") -> None:
    """Refuse (ValueError, one line) ``workers`` workers of ``bytes_per_worker`` bytes each when
    together they need more than the machine's available memory. Call before starting them."""
    available = available_memory()
    needed = workers * bytes_per_worker
    if available is None or needed <= available:
        return
    fitting = available // max(bytes_per_worker, 1)
    advice = (f"use at most {fitting} workers" if fitting >= 1 else "lower the limits or the program length")
    each = f" ({_size(bytes_per_worker)} each)" if workers > 1 else ""
    raise ValueError(f"{workers} {what} {'needs' if workers == 1 else 'need'} about {_size(needed)}{each} but only "
                     f"{_size(available)} is available; {advice}")


#: The timeout given to :func:`connect`, by client (run_chunks uses it unless given another).
_client_timeouts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def connect(scheduler: str | None, workers: int, timeout: float | None = None):
    """A dask client: ``"local"`` starts a local cluster of ``workers`` processes, any other
    value is the address of a running scheduler. None: no dask (threads).

    A local cluster whose processes (about :data:`WORKER_PROCESS_BYTES` each) would not fit in
    the available memory is refused before anything starts. ``timeout`` (default
    $TOYINDUCTION_DASK_TIMEOUT, else 60 s) is how long a run on this client waits while the
    cluster has no worker before it stops with a ValueError.
    """
    if scheduler is None:
        return None
    seconds = dask_timeout(timeout)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("the dask backend needs the extra: pip install 'toyinduction[distributed]'") from None
    if scheduler == "local":
        check_memory(workers, WORKER_PROCESS_BYTES, "local dask worker processes")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        _probe(scheduler, min(seconds, 10.0))
        try:
            client = Client(scheduler, timeout=f"{min(seconds, 10.0)}s")
        except Exception as error:  # whatever distributed raises, the user sees one line
            message = " ".join(str(error).split()) or type(error).__name__
            raise ValueError(f"cannot reach the dask scheduler at {scheduler}: {message}") from None
    _client_timeouts[client] = seconds
    return client


def _probe(scheduler: str, seconds: float) -> None:
    """Refuse a tcp scheduler address that is malformed or where nothing listens, before a dask
    client is made (a client that fails to connect leaves its event-loop thread behind)."""
    import socket

    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(scheduler)
        if scheme != "tcp":
            return
        host, port = parse_host_port(location, 8786)
        if not host or not 0 < int(port) < 65536:
            raise ValueError("no host or no valid port")
    except (ValueError, TypeError) as error:
        raise ValueError(f"{scheduler!r} is not a dask scheduler address (tcp://host:port): {error}") from None
    try:
        socket.create_connection((host, port), timeout=seconds).close()
    except OSError as error:
        message = " ".join(str(error).split()) or type(error).__name__
        raise ValueError(f"cannot reach the dask scheduler at {scheduler}: {message}") from None


def _worker_count(client) -> int:
    """Workers the scheduler knows now (0 when it cannot be asked)."""
    try:
        return len(client.nthreads())
    except (OSError, TimeoutError):
        return 0


def _dask_results(client, task, chunks: list, todo: list, finish, timeout: float) -> None:
    """Run ``task`` on the chunks ``todo`` on the client, calling ``finish(index, result)`` as
    they complete; a ValueError once the cluster has had no worker for ``timeout`` seconds."""
    import time

    from concurrent.futures import CancelledError

    from distributed import KilledWorker, wait

    futures = client.map(task, [chunks[i] for i in todo], pure=False)
    position = {future.key: index for future, index in zip(futures, todo)}
    pending = set(futures)
    poll = min(1.0, timeout / 4)
    seen = time.monotonic()
    try:
        while pending:
            try:
                try:
                    finished, pending = wait(pending, timeout=poll, return_when="FIRST_COMPLETED")
                except TimeoutError:
                    finished = ()
                for future in sorted(finished, key=lambda f: position[f.key]):
                    try:
                        # (a result lost with its worker is recomputed: wait for it like the others)
                        result = future.result(timeout=poll)
                    except TimeoutError:
                        pending.add(future)
                        continue
                    finish(position[future.key], result)
            except KilledWorker as error:
                message = " ".join(str(error).split())
                raise ValueError(f"dask workers died while running a chunk: {message}") from None
            except CancelledError:
                raise ValueError(f"the dask run was cancelled with {len(pending)} of {len(futures)} chunks "
                                 f"unfinished (did the scheduler stop?)") from None
            if not pending:
                break
            now = time.monotonic()
            if _worker_count(client) > 0:
                seen = now
            elif now - seen >= timeout:
                raise ValueError(f"the dask cluster has had no worker for {timeout:g} s ({len(pending)} of "
                                 f"{len(futures)} chunks unfinished); start workers, or set {TIMEOUT_VARIABLE} "
                                 f"to wait longer")
    finally:
        try:
            client.cancel(futures)
        except (OSError, TimeoutError):
            pass


def run_chunks(task, chunks: list, workers: int = 1, progress=None, client=None, checkpoint: Checkpoint | None = None,
               to_arrays=None, from_arrays=None, timeout: float | None = None) -> list:
    """[task(chunk) for chunk in chunks] on threads or a dask client, in chunk order.

    With a checkpoint, finished chunks are loaded instead of run, and each newly finished one is
    saved (``to_arrays`` / ``from_arrays`` convert a result to and from a dict of arrays). On a
    dask client, a cluster without any worker for ``timeout`` seconds (default: the client's
    from :func:`connect`, else $TOYINDUCTION_DASK_TIMEOUT, else 60) stops the run with a ValueError.
    """
    import time

    try:
        delay = max(float(os.environ.get(DELAY_VARIABLE, "0") or 0), 0.0)
    except ValueError:
        raise ValueError(f"{DELAY_VARIABLE} must be a number of seconds, got {os.environ[DELAY_VARIABLE]!r}") from None
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
        if timeout is None:
            try:
                timeout = _client_timeouts.get(client)
            except TypeError:  # a client that cannot be weakly referenced was not made by connect
                timeout = None
        seconds = dask_timeout(timeout)
        if todo:
            _dask_results(client, task, chunks, todo, finish, seconds)
    elif todo:
        # on threads, even for one worker: the calling thread waits in Python, where Ctrl-C
        # arrives; it then sets the stop flag, which the kernels poll (engine.stop), and waits
        # for them. A chunk a kernel left unfinished raises Interrupted and is never finished.
        from concurrent.futures import as_completed

        from toyinduction.engine.stop import clear_stop, request_stop

        pool = ThreadPoolExecutor(max_workers=min(workers, len(todo)))
        try:
            futures = {pool.submit(task, chunks[index]): index for index in todo}
            for future in as_completed(futures):
                finish(futures[future], future.result())
        except BaseException as error:
            interrupted = not isinstance(error, Exception)     # Ctrl-C (a chunk's error: the others finish)
            if interrupted:
                request_stop()
            try:
                pool.shutdown(wait=True, cancel_futures=True)
            finally:
                if interrupted:
                    clear_stop()
            raise
        pool.shutdown(wait=True)
    return results
