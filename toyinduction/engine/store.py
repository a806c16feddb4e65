"""The run store: results on disk (npz arrays + JSON metadata), keyed by everything that made them.

An entry's key is a hash of its kind (e.g. ``enumeration``), its parameters (language spec hash,
budgets, ...) and :data:`STORE_FORMAT`; a changed language, budget or format therefore never
finds a stale entry. Entries are written to temporary files and renamed into place, so an
interrupted write leaves no half entry. A damaged entry is reported, never silently replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
import time
from pathlib import Path

import numpy as np

from toyinduction import __version__

#: Bumped whenever stored arrays change meaning; part of every key.
STORE_FORMAT = 1
#: The environment variable that names the default store directory.
STORE_VARIABLE = "TOYINDUCTION_STORE"


def default_store_directory() -> Path:
    """Where results are kept unless a directory is given: $TOYINDUCTION_STORE, else the user's
    cache directory ($XDG_CACHE_HOME or ~/.cache) /toyinduction — never the working directory."""
    if os.environ.get(STORE_VARIABLE):
        return Path(os.environ[STORE_VARIABLE]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "toyinduction"


class StoreError(ValueError):
    """The store or one of its entries cannot be used."""


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

    def load(self, kind: str, parameters: dict):
        """(metadata, arrays) of the stored result, or None if there is none."""
        name = self.key(kind, parameters)
        meta_path, array_path = self.paths(name)
        if not meta_path.exists():
            return None
        try:
            metadata = json.loads(meta_path.read_text())
            with np.load(array_path, allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:  # damaged or truncated
            raise StoreError(f"run store entry {meta_path.with_suffix('')} is damaged (unreadable: "
                             f"{type(error).__name__}); remove its .json and .npz, or use another --store") from None
        if metadata.get("parameters") != parameters or metadata.get("format") != STORE_FORMAT:
            raise StoreError(f"run store entry {meta_path} does not match its key; remove it or use another --store")
        return metadata, arrays

    def save(self, kind: str, parameters: dict, metadata: dict, arrays: dict) -> str:
        """Store a result; returns the entry name."""
        name = self.key(kind, parameters)
        self.directory.mkdir(parents=True, exist_ok=True)
        meta_path, array_path = self.paths(name)
        document = dict(metadata, kind=kind, parameters=parameters, format=STORE_FORMAT, version=__version__,
                        created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        with tempfile.NamedTemporaryFile(dir=self.directory, suffix=".npz", delete=False) as handle:
            np.savez_compressed(handle, **arrays)
        os.replace(handle.name, array_path)
        with tempfile.NamedTemporaryFile("w", dir=self.directory, suffix=".json", delete=False) as handle:
            json.dump(document, handle, indent=2)
        os.replace(handle.name, meta_path)
        return name

    def forget(self, kind: str, parameters: dict) -> None:
        """Remove the entry for these parameters, if any (``--fresh``); a checkpoint is kept."""
        for path in self.paths(self.key(kind, parameters)):
            if path.exists():
                path.unlink()

    def entries(self) -> list[dict]:
        """Metadata of every entry (damaged ones are listed with an error)."""
        if not self.directory.is_dir():
            return []
        rows = []
        for meta_path in sorted(self.directory.glob("*.json")):
            try:
                document = json.loads(meta_path.read_text())
                document["name"] = meta_path.stem
                document["bytes"] = meta_path.with_suffix(".npz").stat().st_size
            except (OSError, json.JSONDecodeError) as error:
                document = {"name": meta_path.stem, "error": f"damaged: {error}"}
            rows.append(document)
        return rows


def load_or_compute(store, kind: str, parameters: dict, compute, *, encode, decode,
                    checkpoint_parameters: dict | None = None, fresh: bool = False):
    """The one load-or-compute-and-checkpoint path every stored computation takes.

    Without a store: ``(compute(None), False)``. With one: the entry keyed by ``kind`` and
    ``parameters`` is loaded (``decode(metadata, arrays)``) unless ``fresh``; otherwise
    ``compute(checkpoint)`` runs with a checkpoint under the store (so an interrupted run resumes
    from its finished chunks), the result is stored (``encode(result) -> (metadata, arrays)``)
    and the checkpoint removed. Returns (result, loaded).
    """
    from toyinduction.engine.parallel import Checkpoint

    if store is None:
        return compute(None), False
    if fresh:
        store.forget(kind, parameters)
    found = store.load(kind, parameters)
    if found is not None:
        return decode(*found), True
    name = store.key(kind, parameters)
    checkpoint = Checkpoint(store.directory, name, dict(parameters, **(checkpoint_parameters or {})))
    result = compute(checkpoint)
    metadata, arrays = encode(result)
    store.save(kind, parameters, metadata, arrays)
    checkpoint.remove()
    return result, False
