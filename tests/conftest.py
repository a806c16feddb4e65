"""Make the helper modules in tests/ importable (naive, random_programs)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


import pytest


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory):
    """One run store for the whole session: the tests that run the demo on the same small world
    (seed 2026, depth 24, 2 targets, 1 control) share its enumeration and its class measurements,
    so the measurements are made once (they are keyed by the code that makes them)."""
    from toyinduction import RunStore

    return RunStore(tmp_path_factory.mktemp("shared-store"))
