"""PNG plots of a suite results document (matplotlib; imported by nothing else).

* ``<stem>-throughput.png``: MB/s of every method at the main ratio, log scale, csgen
  against the references of the same run;
* ``<stem>-scaling.png``: MB/s against threads / worker processes, MB/s against input
  size (a flat line: cost linear in size), and the pipeline's peak RSS against input size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a window (and no display needed)

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from benchmarks.report import switch_main_rows

MB = 1_000_000
CSGEN, REFERENCE, OTHER = "#1f77b4", "#7f7f7f", "#d62728"


def _label(r: dict[str, Any]) -> str:
    parts = [r["method"]]
    if r.get("mode"):
        parts.append(r["mode"])
    if r["method"] == "polars replace_many":
        parts.append("substring, other semantics")
    return ", ".join(parts)


def throughput_plot(doc: dict[str, Any], path: Path) -> bool:
    """Horizontal bars of MB/s, one per method of the main table; False if no data."""
    sw = (doc["benchmarks"].get("switch") or {}).get("data")
    if not sw:
        return False
    rows = switch_main_rows(sw)
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(rows) + 1.6))
    labels = [_label(r) for r in rows]
    values = [r["mb_s"] for r in rows]
    colors = [CSGEN if r["method"].startswith("csgen") else
              OTHER if r["method"] == "polars replace_many" else REFERENCE for r in rows]
    y = range(len(rows))
    ax.barh(list(y), values, color=colors)
    ax.set_yticks(list(y), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("MB/s of input text (log scale)")
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,.1f}", va="center", fontsize=7)
    info = sw["info"]
    ax.set_title(f"Switching throughput, ratio {info['ratio']:g}, {info['input_mb']:,.0f} MB "
                 f"({doc['date']}{', smoke' if doc.get('smoke') else ''})", fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def scaling_plot(doc: dict[str, Any], path: Path) -> bool:
    """Three panels: MB/s vs threads/workers, MB/s vs input size, peak RSS vs input size."""
    sw = (doc["benchmarks"].get("switch") or {}).get("data")
    pipe = (doc["benchmarks"].get("pipeline") or {}).get("data")
    if not sw and not pipe:
        return False
    fig, (ax_t, ax_s, ax_m) = plt.subplots(1, 3, figsize=(15, 4.4))

    if sw:
        ratio = sw["info"]["ratio"]
        for mode, style in (("BL-CS", "o-"), ("ML-CS", "s--")):
            pts = sorted((r["threads"], r["mb_s"]) for r in sw["results"]
                         if r["method"].startswith("csgen ") and "thread" in r["method"]
                         and r["mode"] == mode and r["ratio"] == ratio)
            if pts:
                ax_t.plot(*zip(*pts, strict=True), style, color=CSGEN,
                          label=f"csgen engine, {mode} (threads)")
        loop = next((r for r in sw["results"] if r["method"] == "python loop"
                     and r["mode"] == "BL-CS" and r["ratio"] == ratio), None)
        hf = next((r for r in sw["results"] if r["method"] == "datasets.map num_proc=2"), None)
        if loop and hf:
            ax_t.plot([1, 2], [loop["mb_s"], hf["mb_s"]], "^-", color=REFERENCE,
                      label="python loop -> datasets.map (processes)")
        by_threads: dict[int, list[tuple[float, float]]] = {}
        for r in sw.get("scaling") or []:
            by_threads.setdefault(r["threads"], []).append((r["bytes"] / MB, r["mb_s"]))
        for n, pts in sorted(by_threads.items()):
            ax_s.plot(*zip(*sorted(pts), strict=True), "o-", label=f"csgen engine, {n} thread(s)")
    if pipe:
        by_workers: dict[int, list[dict[str, Any]]] = {}
        for r in pipe["results"]:
            if r.get("format", "parquet") == "parquet" and r.get("options") != \
                    "--engine processes":
                by_workers.setdefault(r["workers"], []).append(r)
        largest = max(r["size_gb"] for r in pipe["results"])
        pts = sorted((w, r["mb_per_s"]) for w, rs in by_workers.items() for r in rs
                     if r["size_gb"] == largest)
        ax_t.plot(*zip(*pts, strict=True), "D-", color="#2ca02c",
                  label=f"csgen switch job, {largest:g} GB (workers)")
        for w, rs in sorted(by_workers.items()):
            rs = sorted(rs, key=lambda r: r["text_mb"])
            ax_s.plot([r["text_mb"] for r in rs], [r["mb_per_s"] for r in rs], "D--",
                      label=f"csgen switch job, {w} worker(s)")
            ax_m.plot([r["text_mb"] for r in rs], [r["peak_rss_mb"] for r in rs], "D-",
                      label=f"{w} worker(s)")
    ax_t.set(xlabel="threads / worker processes", ylabel="MB/s", title="Parallelism")
    ax_t.xaxis.get_major_locator().set_params(integer=True)
    ax_s.set(xlabel="input text, MB (log)", ylabel="MB/s",
             title="Input size (flat: linear cost)")
    ax_m.set(xlabel="input text, MB (log)", ylabel="peak RSS, MB",
             title="Pipeline memory against input size")
    for ax in (ax_s, ax_m):  # 1-2-5 ticks in plain numbers on the log axes, not 2 x 10^0
        if not ax.lines:  # a log axis without data only warns
            continue
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    for ax in (ax_t, ax_s, ax_m):
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(f"csgen scaling ({doc['date']}{', smoke' if doc.get('smoke') else ''})",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def write_plots(doc: dict[str, Any], out: Path, stem: str) -> dict[str, Path]:
    """Write the plots the document has data for; ``{"throughput_png": path, ...}``."""
    written: dict[str, Path] = {}
    for kind, fn in (("throughput", throughput_plot), ("scaling", scaling_plot)):
        path = out / f"{stem}-{kind}.png"
        if fn(doc, path):
            written[f"{kind}_png"] = path
    return written
