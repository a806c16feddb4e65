"""Refresh the outputs of the tutorial notebook (docs/tutorial.ipynb): execute it from top to bottom
and write it back in place, with its outputs.

    python experiments/notebook.py [NOTEBOOK]

The notebook runs on the python3 kernel of *this* interpreter, from a kernelspec written into a
temporary folder by ipykernel (``sys.executable -m ipykernel_launcher``): nothing is installed,
and no kernelspec of the user or the system (which could name another Python) is consulted. The
kernel imports the same toyinduction as this script (its folder first on PYTHONPATH), keeps its
run store in a temporary folder (so every number is computed afresh, never loaded from an old
store) and runs in an empty temporary working directory. Any cell's error stops it and the file
is left unchanged. tests/test_notebook.py executes the notebook with :func:`execute` too and
checks that the committed outputs are the ones it produces. Needs the test extras (ipykernel,
nbclient, nbformat).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: seconds a single cell may take before the execution is abandoned
CELL_TIMEOUT_SECONDS = 300


def kernel_manager(kernels_dir: Path):
    """A kernel manager for the python3 kernel of this interpreter (its kernelspec written into
    ``kernels_dir``)."""
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    write_kernel_spec(str(kernels_dir / "python3"))
    manager = KernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels_dir)]))
    if manager.kernel_spec.argv[0] != sys.executable:
        raise RuntimeError(f"the kernelspec names {manager.kernel_spec.argv[0]}, not this interpreter")
    return manager


def kernel_environment(store_dir: Path) -> dict:
    """The kernel's environment: this one, with the run store in ``store_dir`` and the folder of
    the toyinduction this script imports first on PYTHONPATH."""
    import toyinduction

    package_root = str(Path(toyinduction.__file__).resolve().parent.parent)
    environment = dict(os.environ, TOYINDUCTION_STORE=str(store_dir))
    environment["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
    return environment


def execute(notebook_path: Path, base_dir: Path):
    """Execute the notebook at ``notebook_path`` and return it with its outputs (the file is not
    touched). ``base_dir``: an empty folder for the kernelspec (``kernels``), the run store
    (``store``) and the working directory (``work``). Raises nbclient's CellExecutionError on a
    cell's error."""
    import nbformat
    from nbclient import NotebookClient

    base_dir = Path(base_dir)
    for name in ("kernels", "store", "work"):
        (base_dir / name).mkdir(parents=True, exist_ok=True)
    notebook = nbformat.read(notebook_path, as_version=4)
    manager = kernel_manager(base_dir / "kernels")
    client = NotebookClient(notebook, km=manager, timeout=CELL_TIMEOUT_SECONDS, allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": str(base_dir / "work")}})
    try:
        client.execute(env=kernel_environment(base_dir / "store"))
    finally:                      # a kernel manager given to the client is ours to shut down
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return notebook


def main(argv=None) -> None:
    """Execute the notebook (default docs/tutorial.ipynb) and write it back with its outputs."""
    parser = argparse.ArgumentParser(description="Execute a notebook in place (default docs/tutorial.ipynb).")
    parser.add_argument("notebook", nargs="?", type=Path, default=NOTEBOOK)
    notebook_path = parser.parse_args(argv).notebook
    import nbformat
    from nbclient.exceptions import CellExecutionError

    with tempfile.TemporaryDirectory(prefix="toyinduction-notebook-run-") as base:
        try:
            notebook = execute(notebook_path, Path(base))
        except CellExecutionError as error:
            raise SystemExit(f"Error: a cell of {notebook_path} failed ({error.ename}: {str(error.evalue)[:200]}); "
                             "the notebook is unchanged") from None
    nbformat.validate(notebook)
    nbformat.write(notebook, notebook_path)
    print(f"wrote {notebook_path} with its outputs")


if __name__ == "__main__":
    main()
