"""Running prefix subtrees of an enumeration on several cores.

The enumeration kernels release the GIL, so plain threads run them in parallel. Results come
back in the order of the subtrees, whatever order they finish in, so merged results are
identical to a serial run. Ctrl-C cancels the subtrees not yet started and stops promptly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def run_subtrees(function, roots: list, workers: int = 1, progress=None) -> list:
    """[function(root) for root in roots], on ``workers`` threads, calling ``progress(done, total)``."""
    total = len(roots)
    if progress is not None:
        progress(0, total)
    if workers == 1 or total <= 1:
        results = []
        for done, root in enumerate(roots, start=1):
            results.append(function(root))
            if progress is not None:
                progress(done, total)
        return results
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(function, root) for root in roots]
        results = []
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if progress is not None:
                progress(done, total)
        return results
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
