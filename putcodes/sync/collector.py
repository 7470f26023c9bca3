"""Python's cyclic garbage collector during a run: collected less often.

A run holds a batch's objects alive (100 researchers' works, their planned bodies) while it
makes many small containers per work (the payload, the JSON body, the canonical text's parts).
With CPython 3.11's default thresholds (700, 10, 10) the collector runs every 700 allocations
and walks the young objects each time, and the older generations often: measured on 10,000
works held alive (benchmarks/bench_sync.py's data), serialising and hashing a work took 12.4 ms
per 100 works, 6-7 ms with a first threshold of 10,000 (issue 17, item 5). Nothing a run makes
depends on the collector (its objects are freed by reference counting; the collector only finds
cycles), so collecting less often changes no result, only when cyclic garbage is freed: at most
some thousands of objects later.

`relaxed_collection()` raises the first threshold for the duration of a run, in whichever
process runs it (the `orcid_sync` command, a Celery worker's batch task, the web's "sync now"
thread), and puts back what was there when the last overlapping run ends.
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

RUN_THRESHOLD = 10_000

_lock = threading.Lock()
_runs = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def relaxed_collection(threshold: int = RUN_THRESHOLD) -> Iterator[None]:
    """Collect cyclic garbage every `threshold` allocations (not every 700) while inside."""
    global _runs, _saved
    with _lock:
        if _runs == 0:
            _saved = gc.get_threshold()
            if _saved[0] < threshold:
                gc.set_threshold(threshold, *_saved[1:])
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
