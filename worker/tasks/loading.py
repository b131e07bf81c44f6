"""Data a rule loads once per process, however many threads ask first.

The word lists (`lexicon`) and the place names (`places`) take a second or two and tens of MB to
load. `functools.cache` alone runs a load once per thread that asks before the first load ends,
and the first jobs of a worker may ask at once; so the load runs under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache, wraps
from typing import TypeVar

T = TypeVar("T")


def load_once(load: Callable[[], T]) -> Callable[[], T]:
    """`load`, run on the first call only; every later call, from any thread, gets its result."""
    cached = cache(load)
    lock = threading.Lock()

    @wraps(load)
    def loaded() -> T:
        with lock:
            return cached()

    return loaded
