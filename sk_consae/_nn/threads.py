"""How many threads the package's own torch work runs on.

torch runs every product on ``torch.get_num_threads()`` threads. For the small
products of tabular data (a batch of 128 rows x 20 features x 100 units is 0.26 M
multiply-adds) a second thread buys nothing on an idle machine, and on a busy one it
costs several times the work: torch's OpenMP threads wait on each other when one of
the cores is taken (a 30-epoch fit on 7,000 x 20 went from 1.1 s to 7.0 s with one
other CPU-bound process running). So the package's training and inference run inside
:func:`torch_threads`, which picks the count from the size of the largest product:

- one thread below ``2 * MULTIPLY_ADDS_PER_THREAD`` multiply-adds (measured on 2 cores:
  the second thread gains less than 1.3x below that size), and for products of fewer
  than ``SMALL_ROWS`` rows, where torch's CPU kernels are thread-dependent in the last
  bits, so results do not depend on the machine's core count;
- otherwise one thread per ``MULTIPLY_ADDS_PER_THREAD``, never more than the caller
  allows: the count the calling thread had on entry, which is where an explicit
  ``torch.set_num_threads``, ``OMP_NUM_THREADS`` or a ``threadpoolctl`` OpenMP limit
  shows (joblib's workers inherit their limits the same ways);
- one thread per call while calls run concurrently from several Python threads: they
  already use the cores between them.

torch's thread count is process-wide state, so entries and exits are counted under a
lock. Every thread gets its own count back on exit; a thread that starts while
another is inside gets back the count the first one found (a thread whose torch state
was created in the meantime may have inherited a lowered count, so its own reading is
not trusted), and when the last one leaves, torch's default for new threads is the
count from before the first one came in.
"""

import threading
from contextlib import contextmanager

import torch

__all__ = ["MULTIPLY_ADDS_PER_THREAD", "SMALL_ROWS", "thread_count", "torch_threads"]

MULTIPLY_ADDS_PER_THREAD = 4_000_000

# torch's CPU matrix product picks thread-dependent kernels for a few small row counts
# (e.g. 5-7 and 9-11 rows at 2 threads; up to 39 rows at 32-64 threads).
SMALL_ROWS = 64

_lock = threading.Lock()
_local = threading.local()  # depth (nesting in this thread) and saved (count to restore)
_state = {"threads_inside": 0, "count_before": None}


def thread_count(rows, multiply_adds, limit):
    """Threads for a product of ``rows`` rows and ``multiply_adds`` multiply-adds.

    Parameters
    ----------
    rows : int
        Rows of the product (a batch or a chunk of samples).
    multiply_adds : int
        Its multiply-adds, e.g. ``rows * n_features * n_components``.
    limit : int
        The most threads the caller allows, at least 1.

    Returns
    -------
    int
        ``1`` if ``rows < SMALL_ROWS``, else
        ``min(limit, max(1, multiply_adds // MULTIPLY_ADDS_PER_THREAD))``.
    """
    if rows < SMALL_ROWS:
        return 1
    return int(max(1, min(limit, multiply_adds // MULTIPLY_ADDS_PER_THREAD)))


@contextmanager
def torch_threads(rows, multiply_adds):
    """Run the block on :func:`thread_count` threads and restore the caller's count.

    Nested blocks (a training step inside a fit) choose again within the outermost
    block's limit.
    """
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        with _lock:
            own = torch.get_num_threads()
            if _state["threads_inside"] == 0:
                _state["count_before"] = own
            _local.saved = _state["count_before"]
            _local.limit = min(own, _local.saved)
            _state["threads_inside"] += 1
    # Inside a block (a training step within a fit) an unlocked read is enough: the
    # count only chooses between one thread and a few.
    concurrent = _state["threads_inside"] > 1
    _local.depth = depth + 1
    previous = torch.get_num_threads()
    wanted = 1 if concurrent else thread_count(rows, multiply_adds, _local.limit)
    try:
        if wanted != previous:
            torch.set_num_threads(wanted)
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            with _lock:
                _state["threads_inside"] -= 1
                torch.set_num_threads(_local.saved)
        elif torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
