"""The evaluation harness end to end on two small pages, against the session's real vLLM on CPU.

`python -m evals run` is called in-process with the `cpu_server` fixture's URL, so no second engine
starts. Receipts only (small pages keep RapidOCR fast), levels 0 and 2, one document each, and a
short naive-path budget: SmolLM2-135M rambles without a grammar, so its answers only cost time.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from evals.__main__ import main
from evals.records import METHODS, DocRecord
from evals.report import write_report
from evals.variants import PHENOMENA
from worker.supervisor import EngineProcess

pytestmark = pytest.mark.engine

RATES = {"json_parse_rate", "schema_valid_rate", "exact_match", "mean_iou", "iou_ge_0_5", "iou_ge_0_7"}
RATES |= {"precision", "recall"}
COUNTS = {"n", "jobs", "with_llm", "tp", "fp", "fn", "tn", "cer", "p50_ms", "p95_ms", "seconds_per_doc"}
COUNTS |= {"llm_calls_per_doc", "prompt_tokens_per_doc", "completion_tokens_per_doc", "usd_per_doc"}
TASKS = {"analyze", "locate", "merge", "vote", "naive-analyze", "naive-merge", "ocr:tesseract", "ocr:rapidocr"}


def _numbers(tree: Any, key: str = "") -> list[tuple[str, Any]]:
    """(key, leaf) for every leaf of the metrics under a rate or count key."""
    if isinstance(tree, dict):
        out = []
        for k, v in tree.items():
            out += _numbers(v, k if k in RATES | COUNTS else key)
        return out
    return [(key, tree)] if key else []


def _check_ranges(metrics: dict[str, Any]) -> None:
    leaves = _numbers(metrics)
    assert {k for k, _ in leaves} >= RATES | COUNTS - {"usd_per_doc", "seconds_per_doc"}
    for key, value in leaves:
        if key in RATES or (key == "cer" and value is None):  # CER of absent fields only: no characters to err on
            assert value is None or 0.0 <= value <= 1.0, (key, value)
        else:
            assert isinstance(value, int | float) and value >= 0, (key, value)


@pytest.fixture(scope="module")
def run_dir(cpu_server: EngineProcess, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("evals-run")
    small = ["--docs", "1", "--levels", "0,2", "--layouts", "receipt", "--seed", "3"]
    small += ["--naive-docs", "1", "--naive-max-tokens", "32"]  # the baseline is opt-in
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ENGINE_API_KEY", cpu_server.api_key)  # the shared engine lets in only its own key
        main(["run", *small, "--concurrency", "2", "--engine-url", cpu_server.base_url, "--out", str(out)])
    return out


def test_files_are_written(run_dir: Path) -> None:
    for name in ("metrics.json", "records.json", "report.html"):
        assert (run_dir / name).stat().st_size > 0, name
    plots = sorted(p.name for p in (run_dir / "plots").glob("*.png"))
    assert plots == ["fields_by_level.png", "locate_iou.png", "validity.png"]
    assert len(list((run_dir / "pages").glob("*.png"))) == 2
    html = (run_dir / "report.html").read_text()
    for src in re.findall(r'src="([^"]+)"', html):
        assert (run_dir / src).is_file(), src
    assert 'id="run-info"' in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", html), "a timestamp in the report"


def test_metrics_present_in_range_and_sourced(run_dir: Path, cpu_server: EngineProcess) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    run = metrics["run"]
    assert run["model"] == "smollm2-135m" and run["engine_url"] == cpu_server.base_url
    assert (run["seed"], run["docs"], run["levels"], run["documents"]) == (3, 1, [0, 2], 2)
    assert run["backend"] and run["hardware"]
    _check_ranges(metrics)
    # the grammar path's every LLM answer parses and every result validates (the rules settle most
    # of these two receipts, so the model answers only some of their jobs, and at least one)
    grammar = metrics["validity"]["grammar:all"]
    assert grammar["with_llm"] >= 1 and grammar["json_parse_rate"] == 1.0 and grammar["schema_valid_rate"] == 1.0
    assert metrics["validity"]["naive:all"]["jobs"] == 4
    fields = metrics["fields"]
    assert set(fields["overall"]) == set(METHODS) and set(fields["by_level"]) == {"0", "2"}
    assert all(s["n"] == 12 for s in fields["overall"].values())  # 6 fields × 2 receipts
    boxed = sum(len(r["truth_boxes"]) for r in json.loads((run_dir / "records.json").read_text()))
    assert metrics["locate"]["n"] == boxed >= 10  # a field absent from the page has no box
    # which phenomena a small sample shows depends on its seeds: only known ones, and some
    assert metrics["phenomena"] and set(metrics["phenomena"]) <= {*PHENOMENA, "plain"}
    assert metrics["stages"]["per_doc_ms"] > 0
    for scores in metrics["issues"].values():
        assert scores["tp"] + scores["fp"] + scores["fn"] + scores["tn"] in (12, 24)
    records = json.loads((run_dir / "records.json").read_text())
    grammar_calls = sum(call["route"] == "grammar" for r in records for call in r["calls"])
    assert grammar_calls >= grammar["with_llm"]  # a job split into parts makes several calls
    assert metrics["usage"]["grammar"]["llm_calls_per_doc"] == pytest.approx(grammar_calls / 2, abs=1e-3)
    assert set(metrics["latency"]) >= TASKS
    assert all(s["p50_ms"] <= s["p95_ms"] for s in metrics["latency"].values())
    assert set(metrics["cost"]["usd_per_doc"]) == {"RTX A6000", "RTX 4090"} and metrics["cost"]["assumption"]


def test_report_is_deterministic(run_dir: Path, tmp_path: Path) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    records = [DocRecord.model_validate(r) for r in json.loads((run_dir / "records.json").read_text())]
    write_report(tmp_path, metrics, records, sample_pages=2)
    for path in [Path("report.html"), *(p.relative_to(run_dir) for p in run_dir.glob("*/*.png"))]:
        assert (tmp_path / path).read_bytes() == (run_dir / path).read_bytes(), path
