"""DIR/report.html: the metric tables, plots (DIR/plots/*.png) and sample pages (DIR/pages/*.png).

Sample pages are rendered again from their seeds and drawn with the true field boxes (green) and the
boxes `locate` returned (red). Nothing in the report depends on the clock: the same records give the
same files (timings are measurements, so they differ between runs; the rest follows from the seed).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from PIL import Image, ImageDraw, ImageFont

from evals.documents import degrade, degrade_image, make_document
from evals.folder import load_page
from evals.metrics import COST_ASSUMPTION, source_line, tables
from evals.pdf import DPI
from evals.phenomena import located_iou
from evals.records import METHODS, DocRecord

TRUE, PREDICTED = (0, 160, 0), (220, 0, 0)
PAGE_WIDTH = 700
PNG_META = {"Software": None}
CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}"
    "td:first-child,th:first-child{text-align:left}.source{color:#555}.pages img{margin:4px;border:1px solid #999}"
    "#run-info{margin-top:3em;padding:.5em 1em;background:#f3f3f3}"
)


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata=PNG_META)
    plt.close(fig)
    return path


def fields_plot(metrics: dict[str, Any], path: Path) -> Path:
    """Exact match and CER of every method by degradation level."""
    by_level = metrics["fields"]["by_level"]
    levels = [int(lv) for lv in by_level]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for method, marker, style in zip(METHODS, "os^Dv", ("-", "-", "--", ":", "-."), strict=True):
        if method not in metrics["fields"]["overall"]:
            continue
        exact = [by_level[str(lv)][method]["exact_match"] or 0.0 for lv in levels]
        cer = [by_level[str(lv)][method]["cer"] or 0.0 for lv in levels]
        left.plot(levels, exact, marker=marker, linestyle=style, label=method, alpha=0.85)
        right.plot(levels, cer, marker=marker, linestyle=style, label=method, alpha=0.85)
    left.set(title="Field exact match", xlabel="degradation level", ylabel="share of fields", ylim=(-0.02, 1.02))
    right.set(title="Character error rate", xlabel="degradation level", ylabel="CER")
    for ax in (left, right):
        ax.set_xticks(levels)
        ax.grid(alpha=0.3)
    left.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def iou_plot(records: list[DocRecord], path: Path) -> Path:
    """Histogram of the IoU of located boxes with the true field boxes."""
    scores = [located_iou(r, name) for r in records for name in r.truth_boxes]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(scores, bins=[i / 10 for i in range(11)], color="#c44", edgecolor="white")
    ax.axvline(0.5, color="#555", linestyle="--", linewidth=1)
    ax.axvline(0.7, color="#555", linestyle=":", linewidth=1)
    ax.set(title="IoU of located vs true field boxes", xlabel="IoU", ylabel="fields", xlim=(0, 1))
    fig.tight_layout()
    return _save(fig, path)


def validity_plot(metrics: dict[str, Any], path: Path) -> Path:
    """JSON-parse and schema-valid rates of every route and task."""
    keys = list(metrics["validity"])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    xs = range(len(keys))
    for offset, (metric, label) in enumerate(
        (("json_parse_rate", "JSON parse"), ("schema_valid_rate", "schema-valid"))
    ):
        rates = [metrics["validity"][k][metric] for k in keys]
        bars = ax.bar([x + (offset - 0.5) * 0.4 for x in xs], [r or 0.0 for r in rates], width=0.4, label=label)
        ax.bar_label(bars, ["n/a" if r is None else f"{r:.2f}" for r in rates], fontsize=7)
    ax.set_xticks(list(xs), keys, rotation=20, ha="right", fontsize=8)
    ax.set(title="Grammar path vs naive path (n/a: no LLM answer decided it)", ylabel="rate", ylim=(0, 1.12))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def sample(records: list[DocRecord], count: int) -> list[DocRecord]:
    """The first document of every level, then the second of every level, …: the same page degraded."""
    position: dict[int, int] = {}
    keyed = []
    for r in records:
        keyed.append((position.get(r.level, 0), r.level, r.doc_id, r))
        position[r.level] = position.get(r.level, 0) + 1
    return [r for *_, r in sorted(keyed, key=lambda k: k[:3])[:count]]


def page_image(record: DocRecord, folder: Path, run: dict[str, Any] | None = None) -> Path:
    """The page, rendered again from its seed (or read again from the `--dir` folder), with true (green)
    and located (red) field boxes."""
    if record.source is not None and run is not None:
        clean = load_page(Path(run["documents_from"]) / record.source, int(run.get("dpi", DPI)))
        image = degrade_image(clean, record.level, record.seed)[0]
    else:
        image = degrade(make_document(record.seed, record.layout, record.template), record.level).image
    page = image.convert("RGB")
    draw, font = ImageDraw.Draw(page), ImageFont.load_default()
    for name, box in record.truth_boxes.items():
        if record.truth_pages.get(name, 0):
            continue  # the first page is drawn; a field printed on a later page is not on it
        draw.rectangle(_grow(box, 3), outline=TRUE, width=3)
        region = record.regions.get(name)
        if region is not None and region.bbox is not None:
            draw.rectangle(_grow(region.bbox, 1), outline=PREDICTED, width=2)
        draw.text((box[0], max(0.0, box[1] - 14)), name, fill=TRUE, font=font)
    if page.width > PAGE_WIDTH:
        page = page.resize((PAGE_WIDTH, round(page.height * PAGE_WIDTH / page.width)), Image.Resampling.LANCZOS)
    path = folder / f"{record.doc_id}.png"
    folder.mkdir(parents=True, exist_ok=True)
    page.save(path, format="PNG")
    return path


def _grow(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def table_html(title: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<h3>{html.escape(title)}</h3>\n<table><tr>{head}</tr>{body}</table>"


def page_html(out: Path, records: list[DocRecord], pages: list[Path]) -> str:
    items = []
    for record, path in zip(records, pages, strict=True):
        crop = ", ".join(record.reocr_fields) or "none"
        caption = f"{record.doc_id} (level {record.level}; re-read from crops: {crop})"
        items.append(
            f'<figure><img src="{path.relative_to(out).as_posix()}" width="{PAGE_WIDTH // 2}" '
            f'alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        )
    return '<div class="pages">' + "".join(items) + "</div>"


def reliability_svg(kind: str, stats: dict[str, Any], size: int = 220) -> str:
    """A reliability diagram: per confidence bin, the accuracy (bar) against the diagonal of perfect
    calibration, with the bin's mean confidence as a tick; inline SVG, no file."""
    pad, scale = 30, size - 40

    def x(v: float) -> float:
        return pad + v * scale

    def y(v: float) -> float:
        return 10 + (1 - v) * scale

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 20}" role="img" '
        f'aria-label="reliability diagram, {html.escape(kind)}">',
        f'<rect x="{pad}" y="10" width="{scale}" height="{scale}" fill="none" stroke="#999"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#777" stroke-dasharray="4 3"/>',
    ]
    for b in stats["bins"]:
        if not b["n"]:
            continue
        top, mean = y(b["accuracy"]), y(b["confidence"])
        parts.append(
            f'<rect x="{x(b["lo"]) + 1:.1f}" y="{top:.1f}" width="{scale / 10 - 2:.1f}" height="{y(0) - top:.1f}" '
            f'fill="#4a7fc1" fill-opacity="0.75"><title>{b["lo"]:.1f}–{b["hi"]:.1f}: n {b["n"]}, accuracy '
            f"{b['accuracy']:.3f}, mean confidence {b['confidence']:.3f}</title></rect>"
        )
        parts.append(
            f'<line x1="{x(b["lo"]):.1f}" y1="{mean:.1f}" x2="{x(b["hi"]):.1f}" y2="{mean:.1f}" stroke="#c33"/>'
        )
    ece = "–" if stats["ece"] is None else f"{stats['ece']:.3f}"
    parts += [
        f'<text x="{pad}" y="{size + 5}" font-size="11">{html.escape(kind)}: n {stats["n"]}, ECE {ece}</text>',
        f'<text x="2" y="{10 + scale / 2}" font-size="10" transform="rotate(-90 8 {10 + scale / 2})">accuracy</text>',
        "</svg>",
    ]
    return "".join(parts)


def calibration_html(metrics: dict[str, Any]) -> str:
    kinds = metrics.get("calibration", {}).get("kinds", {})
    diagrams = "".join(reliability_svg(kind, s) for kind, s in kinds.items() if s["n"])
    return (
        "<h2>Calibration</h2><p>Per confidence bin: accuracy (blue bar), mean confidence (red tick); the dashed "
        f"diagonal is perfect calibration. {html.escape(metrics.get('calibration', {}).get('issue', ''))}.</p>"
        f"<p>{diagrams or 'No confidences were recorded.'}</p>"
    )


def run_info_html(metrics: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in metrics["run"].items()
    )
    return f'<section id="run-info"><h2>Run info</h2><table>{rows}</table></section>'


def write_report(out: Path, metrics: dict[str, Any], records: list[DocRecord], sample_pages: int) -> Path:
    plots = [
        fields_plot(metrics, out / "plots" / "fields_by_level.png"),
        iou_plot(records, out / "plots" / "locate_iou.png"),
        validity_plot(metrics, out / "plots" / "validity.png"),
    ]
    chosen = sample(records, sample_pages)
    pages = [page_image(r, out / "pages", metrics["run"]) for r in chosen]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>OCR evaluation</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>Evaluation on real OCR output</h1>",
        f'<p class="source">{html.escape(source_line(metrics))}</p>',
        *(table_html(*table) for table in tables(metrics)),
        f"<p>Cost assumption: {html.escape(COST_ASSUMPTION)}</p>",
        calibration_html(metrics),
        "<h2>Plots</h2>",
        *(f'<p><img src="{p.relative_to(out).as_posix()}" alt="{p.stem}"></p>' for p in plots),
        "<h2>Sample pages</h2><p>Green: true field boxes. Red: boxes returned by <code>locate</code>.</p>",
        page_html(out, chosen, pages),
        run_info_html(metrics),
        "</body></html>\n",
    ]
    path = out / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
