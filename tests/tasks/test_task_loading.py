"""`load_once`: a load that the first jobs ask for at once, from several threads, runs once."""

from __future__ import annotations

import threading
import time

from worker.tasks.loading import load_once


def test_threads_asking_at_once_share_one_load() -> None:
    runs: list[int] = []

    @load_once
    def slow_table() -> dict[str, int]:
        runs.append(1)
        time.sleep(0.05)  # long enough that every thread asks before the first load ends
        return {"loaded": len(runs)}

    results: list[dict[str, int]] = []
    threads = [threading.Thread(target=lambda: results.append(slow_table())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1
    assert len(results) == 8 and all(result is results[0] for result in results)
    assert slow_table() is results[0]
