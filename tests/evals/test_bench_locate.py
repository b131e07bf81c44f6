"""The arithmetic and printing of `python -m evals.bench locate` (no engine, no OCR)."""

from __future__ import annotations

import math

import pytest

from evals.bench_locate import (
    SHARED,
    BenchPage,
    CaseFigures,
    breakdown,
    counter_means,
    parse_counters,
    renamed,
    table,
    tagged,
)
from evals.prometheus import metric_total
from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.requests import LocateTarget

METRICS = """# HELP vllm:request_prefill_time_seconds Histogram of time spent in PREFILL phase for request.
vllm:request_prefill_time_seconds_bucket{engine="0",le="0.3",model_name="m"} 2.0
vllm:request_prefill_time_seconds_sum{engine="0",model_name="m"} 1.5
vllm:request_prefill_time_seconds_count{engine="0",model_name="m"} 3.0
vllm:request_prefill_time_seconds_sum{engine="1",model_name="m"} 0.5
vllm:request_prefill_time_seconds_count{engine="1",model_name="m"} 1.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} 2.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} 4.0
vllm:num_requests_running{engine="0",model_name="m"} 0.0
"""


def test_breakdown_adds_other_and_shares_sum_to_one() -> None:
    parts = {"validation": 10.0, "prefill": 300.0, "grammar compile (cold)": 90.0, "decoding": 500.0}
    shares = breakdown(parts, 1000.0)
    assert list(shares) == list(SHARED)
    assert shares["other"][0] == pytest.approx(100.0) and shares["other"][1] == pytest.approx(0.1)
    assert shares["decoding"][1] == pytest.approx(0.5)
    assert math.fsum(share for _, share in shares.values()) == pytest.approx(1.0)


def test_breakdown_when_the_parts_exceed_the_whole_never_goes_negative() -> None:
    shares = breakdown({"prefill": 600.0, "decoding": 600.0}, 1000.0)
    assert shares["other"] == (0.0, 0.0)
    assert shares["prefill"][1] == pytest.approx(0.5)
    assert math.fsum(share for _, share in shares.values()) == pytest.approx(1.0)


def test_counters_sum_over_labels_and_skip_buckets_and_other_metrics() -> None:
    parsed = parse_counters(METRICS)
    assert parsed == {
        "request_prefill_time_seconds_sum": 2.0,
        "request_prefill_time_seconds_count": 4.0,
        "time_to_first_token_seconds_sum": 2.0,
        "time_to_first_token_seconds_count": 4.0,
    }
    before = {"request_prefill_time_seconds_sum": 1.0, "request_prefill_time_seconds_count": 2.0}
    means = counter_means(before, parsed)
    assert means["request_prefill_time_seconds"][0] == pytest.approx(500.0)
    assert means["request_prefill_time_seconds"][1] == 2
    assert means["time_to_first_token_seconds"] == (500.0, 4)
    assert "request_decode_time_seconds" not in means  # no request counted: no mean


def test_each_round_renames_the_first_field_and_tags_only_the_user_turn() -> None:
    targets = [LocateTarget(name="total", hint="an amount", value="12.00"), LocateTarget(name="date", value="x")]
    hints = renamed(targets, "ab12", with_values=False)
    assert [t.name for t in hints] == ["total_ab12", "date"] and all(t.value is None for t in hints)
    assert [t.value for t in renamed(targets, "ab12", with_values=True)] == ["12.00", "x"]
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert tagged(messages, "c") == [{"role": "system", "content": "S"}, {"role": "user", "content": "Ref c.\nU"}]


def test_table_prints_every_step_for_every_case() -> None:
    word = OcrWord(id="t0", text="Total", bbox=(0, 0, 5, 5), confidence=0.9)
    page = BenchPage(OcrDocument(pages=[OcrPage(index=0, width=10, height=10, words=[word])]), [], "one word")
    rows = {"whole job": 1000.0, "prefill": 400.0, "prompt tokens": 812.0}
    figures = {
        "hints only": CaseFigures(rows, breakdown(rows, 1000.0), {"time_to_first_token_seconds": (410.0, 4)}),
        "values given": CaseFigures({"whole job": 50.0}, breakdown({}, 50.0)),
    }
    printed = table(page, figures, rounds=3)
    assert "1 OCR words" in printed and "medians of 3 round(s)" in printed
    assert "| prefill | 400 | 40.0% | 0 | 0.0% |" in printed
    assert "| other | 600 | 60.0% | 50 | 100.0% |" in printed
    assert "| prompt tokens | 812.0 | | — | |" in printed
    assert "time_to_first_token_seconds 410 ms (n=4)" in printed and "values given: not available" in printed


def test_a_metric_total_sums_its_label_sets_and_no_other_metric() -> None:
    page = METRICS + 'vllm:num_requests_running{engine="0"} 2.0\nvllm:num_requests_running{engine="1"} 1.0\n'
    assert metric_total(page, "vllm:num_requests_running") == 3.0
    assert metric_total(page, "vllm:request_prefill_time_seconds_sum") == 2.0  # never its _bucket lines
    assert metric_total(page, "vllm:request_prefill_time_seconds") is None  # a histogram has no bare sample
    assert metric_total(page, "vllm:num_requests_waiting") is None
