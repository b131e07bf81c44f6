"""vLLM's `/metrics` page (Prometheus text format), read the one way the benchmarks and tests need."""

from __future__ import annotations


def metric_total(text: str, name: str) -> float | None:
    """The sum of metric `name`'s samples over all its label sets (vLLM labels each engine and model
    apart); None when the page has no sample of it. `name` is exact: `x_sum` is not `x_sum_bucket`."""
    total: float | None = None
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        if head.partition("{")[0].strip() == name:
            total = (total or 0.0) + float(value)
    return total
