"""Markdown of a suite results document: one table per benchmark and the README table.

Every figure is shown with a ratio against a reference measured in the same run: the
one-pass ``utf8_lower`` and the plain-Python loop for switching and the pipeline, one
worker and the smallest input for the pipeline, a Python dict for lexicon reading, numpy
for induction, the switching time for span work and the training step for streaming.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MB = 1_000_000
BENCH_TABLE_START = "<!-- bench-table -->"
BENCH_TABLE_END = "<!-- /bench-table -->"


def _x(value: float | None, digits: int = 2) -> str:
    """A ratio: more digits below 1 so small ones do not read as 0."""
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.{digits}f}"
    return f"{value:.{digits}g}"


def _mb_s(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _threads(r: dict[str, Any]) -> str:
    return "" if r.get("threads") is None else str(r["threads"])


# -- switching -------------------------------------------------------------------------------
def _is_engine(method: str) -> bool:
    return method.startswith("csgen ") and "thread" in method


def _sort_key(r: dict[str, Any]) -> tuple[int, str, int]:
    """utf8_lower, csgen engine (BL, then ML, by threads), pipeline, polars, datasets,
    python loop."""
    method = r["method"]
    groups = ("utf8_lower", "engine", "csgen switch (pipeline)", "polars replace_many",
              "datasets.map num_proc=2", "python loop")
    key = "engine" if _is_engine(method) else method
    group = groups.index(key) if key in groups else len(groups)
    return group, r.get("mode") or "", r.get("threads") or 0


def switch_main_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows at the main ratio (and the references), in reading order."""
    ratio = data["info"]["ratio"]
    rows = [r for r in data["results"]
            if r["ratio"] is None or r["ratio"] == ratio or r["method"] == "polars replace_many"]
    return sorted(rows, key=_sort_key)


def switch_main_table(data: dict[str, Any]) -> str:
    lines = ["| method | mode | threads | MB/s | M tokens/s | x utf8_lower | x python loop |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in switch_main_rows(data):
        name = r["method"] + (f" ({r['note']})" if r.get("note") else "")
        lines.append(f"| {name} | {r['mode'] or ''} | {_threads(r)} | {_mb_s(r['mb_s'])} | "
                     f"{r['tokens_s'] / 1e6:.2f} | {_x(r['x_utf8_lower'], 3)} | "
                     f"{_x(r['x_python_loop'])} |")
    return "\n".join(lines)


def switch_grid_table(data: dict[str, Any]) -> str:
    """MB/s (x python loop of the same mode and ratio) per method, mode and ratio."""
    ratios = data["info"]["ratios"]
    cells: dict[tuple[str, str], dict[float, dict[str, Any]]] = {}
    for r in data["results"]:
        if _is_engine(r["method"]) or r["method"] == "python loop":
            cells.setdefault((r["method"], r["mode"]), {})[r["ratio"]] = r
    head = " | ".join(f"ratio {x:g}" for x in ratios)
    lines = [f"| method | mode | {head} |", "|---|---|" + "---:|" * len(ratios)]
    order = sorted(cells, key=lambda k: (k[0] == "python loop", k[1], k[0]))
    for method, mode in order:
        row = []
        for ratio in ratios:
            r = cells[(method, mode)].get(ratio)
            row.append("" if r is None else f"{_mb_s(r['mb_s'])} ({_x(r['x_python_loop'])}x)")
        lines.append(f"| {method} | {mode} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def switch_scaling_table(data: dict[str, Any]) -> str:
    """MB/s against input size, with the ratio to the full column's MB/s."""
    rows = data.get("scaling") or []
    full = {r["threads"]: r["mb_s"] for r in rows if r["fraction"] == max(
        x["fraction"] for x in rows if x["threads"] == r["threads"])}
    lines = ["| threads | input MB | rows | MB/s | x MB/s of the whole column |",
             "|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['threads']} | {r['bytes'] / MB:,.1f} | {r['rows']:,} | "
                     f"{_mb_s(r['mb_s'])} | {_x(r['mb_s'] / full[r['threads']])} |")
    return "\n".join(lines)


def switch_targets_table(data: dict[str, Any]) -> str:
    """The engine's goals (bench_switch.targets): value, goal, met."""
    lines = ["| target | ratio | value | value (medians) | goal | met |",
             "|---|---:|---:|---:|---:|---|"]
    for t in data.get("targets") or []:
        lines.append(f"| {t['target']} | {t['ratio']:g} | {_x(t['value'], 3)} | "
                     f"{_x(t['value_median'], 3)} | {t['goal']:g} | "
                     f"{'yes' if t['met'] else 'no'} |")
    return "\n".join(lines)


def switch_spread_table(data: dict[str, Any]) -> str:
    """MB/s of every run of each engine row (and utf8_lower), best, median and worst."""
    lines = ["| method | mode | ratio | input MB | runs | best MB/s | median MB/s | worst MB/s |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    rows = [r for r in data["results"] if (_is_engine(r["method"]) or
                                           r["method"] == "utf8_lower") and r.get("mb_s_runs")]
    for r in [*sorted(rows, key=_sort_key), *(data.get("big") or [])]:
        runs = sorted(r["mb_s_runs"])
        median = (runs[(len(runs) - 1) // 2] + runs[len(runs) // 2]) / 2
        ratio = "" if r["ratio"] is None else f"{r['ratio']:g}"
        lines.append(f"| {r['method']} | {r['mode'] or ''} | {ratio} | {r['bytes'] / MB:,.0f} | "
                     f"{len(runs)} | {_mb_s(runs[-1])} | {_mb_s(median)} | {_mb_s(runs[0])} |")
    return "\n".join(lines)


def _switch_section(data: dict[str, Any]) -> list[str]:
    info = data["info"]
    langs = ", ".join(info["ml_lexicons"])
    missing = info.get("ml_langs_missing") or []
    out = [
        f"{info['input_mb']:,.1f} MB of text ({info['rows']:,} rows, {info['words']:,} words) "
        f"from `{Path(info['data']).name}`; BL-CS: `{Path(info['lexicon']).name}`; ML-CS: "
        f"{langs} (a language drawn per word)"
        + (f", missing here: {', '.join(missing)}" if missing else "")
        + f"; seed 1; best of {info['repeat']}. Tokens are words as csgen segments them. "
        "`x python loop`: against the plain-Python loop of the same mode and ratio, "
        f"measured on a {info['python_mb']:.2f} MB slice. The polars row replaces every "
        "substring match (no word boundaries, no probability, no case handling): different "
        "semantics, an upper bound of a fast Rust replacer. csgen's output was identical "
        f"for every thread count ({', '.join(map(str, info['threads']))}).",
        "",
        f"At ratio {info['ratio']:g}:",
        "",
        switch_main_table(data),
        "",
        "Every ratio, MB/s (x python loop):",
        "",
        switch_grid_table(data),
    ]
    if data.get("targets"):
        out += ["", "Engine targets, each a ratio of two figures above (best against best; "
                "the medians of the runs beside it):", "", switch_targets_table(data)]
    if any(r.get("mb_s_runs") for r in data["results"]):
        out += ["", "Spread over the runs:", "", switch_spread_table(data)]
    if data.get("scaling"):
        out += ["", f"Input size (BL-CS, ratio {info['ratio']:g}; a flat cost per byte keeps "
                "the last column near 1):", "", switch_scaling_table(data)]
    for name, why in (info.get("skipped") or {}).items():
        out += ["", f"Not measured: {name}: {why}."]
    return out


# -- pipeline --------------------------------------------------------------------------------
def _switch_refs(doc: dict[str, Any]) -> tuple[float | None, float | None]:
    """utf8_lower and BL-CS python-loop MB/s at the main ratio, when switch ran."""
    sw = (doc["benchmarks"].get("switch") or {}).get("data")
    if not sw:
        return None, None
    ratio = sw["info"]["ratio"]
    lower = next((r["mb_s"] for r in sw["results"] if r["method"] == "utf8_lower"), None)
    loop = next((r["mb_s"] for r in sw["results"] if r["method"] == "python loop"
                 and r["mode"] == "BL-CS" and r["ratio"] == ratio), None)
    return lower, loop


def pipeline_table(doc: dict[str, Any], data: dict[str, Any]) -> str:
    lower, loop = _switch_refs(doc)
    rows = data["results"]
    one = {(r["size_gb"], r["format"]): r["seconds"] for r in rows if r["options"] == "-w 1"}
    smallest = min(r["size_gb"] for r in rows)
    rss0 = {(r["format"], r["options"]): r["peak_rss_mb"] for r in rows
            if r["size_gb"] == smallest}
    lines = ["| input text | input | options | workers | seconds | MB/s | x slower ref | "
             "x -w 1 | x utf8_lower | x python loop | peak RSS | x RSS of smallest input |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        mb_s = r["mb_per_s"]
        w1 = one.get((r["size_gb"], r["format"]))
        rss = rss0.get((r["format"], r["options"]))
        lines.append(
            f"| {r['text_mb']:,.0f} MB | {r['format']} | {r['options']} | {r['workers']} | "
            f"{r['seconds']:.2f} | {_mb_s(mb_s)} | {_x(r['x_slower_ref'])} | "
            f"{_x(w1 / r['seconds']) if w1 else ''} | "
            f"{_x(mb_s / lower, 3) if lower else ''} | {_x(mb_s / loop) if loop else ''} | "
            f"{r['peak_rss_mb']:,.0f} MB | {_x(r['peak_rss_mb'] / rss) if rss else ''} |")
    return "\n".join(lines)


def pipeline_references_table(data: dict[str, Any]) -> str:
    lines = ["| input text | input | (a) engine, all cores | (b) read | (b) write | "
             "(b) read + write |", "|---:|---|---:|---:|---:|---:|"]
    for r in data.get("references", []):
        lines.append(f"| {r['size_gb']:g} GB | {r['format']} | {r['engine_s']:.2f} s | "
                     f"{r['read_s']:.2f} s | {r['write_s']:.2f} s | {r['read_write_s']:.2f} s |")
    return "\n".join(lines)


def pipeline_columns_table(data: dict[str, Any]) -> str:
    lines = ["| column | write s (csgen settings) | MB | write s (defaults) | MB | "
             "x faster | x smaller |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in data.get("columns", []):
        lines.append(f"| {r['column']} | {r['seconds']:.3f} | {r['mb']:.1f} | "
                     f"{r['default_seconds']:.3f} | {r['default_mb']:.1f} | "
                     f"{_x(r['default_seconds'] / r['seconds'])} | "
                     f"{_x(r['default_mb'] / r['mb']) if r['mb'] else ''} |")
    return "\n".join(lines)


def _runs(data: dict[str, Any]) -> str:
    """Runs per configuration, by input size (results of older suites have none)."""
    runs = {r["size_gb"]: r["runs"] for r in data.get("results", []) if "runs" in r}
    if not runs:
        return ""
    each = ", ".join(f"{n} at {size:g} GB" for size, n in sorted(runs.items()))
    return (f" Runs per configuration: {each}; the fastest run's seconds, the largest peak "
            "RSS, and each reference's fastest parts.")


def _pipeline_section(doc: dict[str, Any], data: dict[str, Any]) -> list[str]:
    start = data.get("startup") or {}
    return [
        "XQuAD English questions and contexts repeated to each size, as Parquet (row groups "
        "of 1,190 rows, or one row group) and JSONL; MUSE en-de, ratio 0.5, written as zstd "
        "Parquet shards with a manifest; one fresh `csgen switch` process per row, start-up "
        "included; peak RSS summed over the process tree. `x slower ref`: the slower of "
        "(a) the engine on all cores and (b) a plain pyarrow read plus write of the same "
        "output, over the job's seconds (target: 0.8 and more). `x utf8_lower` and "
        "`x python loop` use the switching benchmark's figures of this run." + _runs(data),
        "",
        pipeline_table(doc, data),
        "",
        "References, each in a fresh process:",
        "",
        pipeline_references_table(data),
        "",
        "Writing each output column alone (first size, Parquet input), csgen's writer "
        "settings against pyarrow's defaults (zstd):",
        "",
        pipeline_columns_table(data),
        "",
        f"Start-up (best of 5): `csgen --help` {start.get('csgen_help_s', 0):.2f} s, "
        f"`python -c \"import csgen\"` {start.get('import_csgen_s', 0):.2f} s, bare Python "
        f"{start.get('python_s', 0):.2f} s.",
    ]


# -- lexicon, spans, stream ------------------------------------------------------------------
def lexicon_table(data: dict[str, Any]) -> str:
    rows = data["results"]
    pydict = next((r["seconds"] for r in rows if r["task"] == "read MUSE into a Python dict"),
                  None)
    numpy_at = {(r["task"], r["size"], r.get("note")): r["seconds"] for r in rows
                if r["backend"] == "numpy"}
    lines = ["| task | backend | size | seconds | x reference | reference | note |",
             "|---|---|---:|---:|---:|---|---|"]
    for r in rows:
        ref: float | None = None
        ref_name = ""
        if r["task"] in ("read MUSE into a Python dict", "compile MUSE", "save .csglex",
                         "load .csglex") and pydict:
            ref, ref_name = pydict, "Python dict"
        elif r["task"].startswith(("induce", "chunk sweep")):
            ref = numpy_at.get((r["task"], r["size"], r.get("note")))
            ref_name = "numpy" if ref else ""
        x = _x(r["seconds"] / ref) if ref else ""
        lines.append(f"| {r['task']} | {r['backend']} | {r['size']} | {r['seconds']:.3f} | "
                     f"{x} | {ref_name} | {r.get('note', '')} |")
    return "\n".join(lines)


def spans_table(data: dict[str, Any]) -> str:
    lines = ["| step | seconds | rows/s | MB/s | x switch time | first call s | note |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for r in data["results"]:
        first = "" if r.get("first_call_s") is None else f"{r['first_call_s']:.3f}"
        lines.append(f"| {r['step']} | {r['seconds']:.4f} | {r['rows_s']:,.0f} | "
                     f"{_mb_s(r['mb_s'])} | {_x(r['x_switch'], 3)} | {first} | {r['note']} |")
    return "\n".join(lines)


def stream_table(data: dict[str, Any]) -> str:
    lines = ["| what | workers / kind | first batch s | ms per step | data / bag step | "
             "data / transformer step |", "|---|---|---:|---:|---:|---:|"]
    for r in data["results"]:
        if r["what"] == "data":
            ratio = r["ratio_to_step"]
            lines.append(f"| data | {r['workers']} workers | {r['first_batch_s']:.3f} | "
                         f"{1000 * r['data_s_per_step']:.2f} | {_x(ratio['bag'])} | "
                         f"{_x(ratio['transformer'])} |")
        else:
            lines.append(f"| train step | {r['kind']} | | {1000 * r['step_s']:.2f} | | |")
    return "\n".join(lines)


def _lexicon_section(data: dict[str, Any]) -> list[str]:
    return [f"MUSE file `{Path(data['info']['lexicon']).name}`; induction on random unit "
            "vectors; best of " f"{data['info']['repeat']} (induction at 50k words and more: "
            "one run). Reference: reading the same file into a Python dict (first target "
            "per source) for compile/save/load, numpy for induction.", "", lexicon_table(data)]


def _spans_section(data: dict[str, Any]) -> list[str]:
    info = data["info"]
    return [f"{info['rows']:,} XQuAD contexts ({info['input_mb']:.1f} MB), ratio "
            f"{info['ratio']:g} ({info['switches_per_row']:.1f} switches a row), best of "
            f"{info['repeat']}; each step against switching in the same run.", "",
            spans_table(data)]


def _stream_section(data: dict[str, Any]) -> list[str]:
    info = data["info"]
    return [f"{info['rows']:,} XQuAD pairs, batch {info['batch_size']}, ratio "
            f"{info['ratio']:g}, vocab {info['vocab']}, dim {info['dim']}, torch "
            f"{info['torch']} ({info['torch_threads']} threads, {info['device']}): switching "
            "and tokenising a batch on the fly against a training step (below 1: the data "
            "never limits training).", "", stream_table(data)]


def integrations_table(data: dict[str, Any]) -> str:
    lines = ["| method | rows/s | MB/s | x reference | reference |", "|---|---:|---:|---:|---|"]
    for r in data["results"]:
        lines.append(f"| {r['method']} | {r['rows_s']:,.0f} | {_mb_s(r['mb_s'])} | "
                     f"{_x(r['x_reference'])} | {r['reference'] or ''} |")
    return "\n".join(lines)


def _integrations_section(data: dict[str, Any]) -> list[str]:
    info = data["info"]
    return [f"{info['rows']:,} XQuAD (question, context) rows ({info['input_mb']:.1f} MB), "
            f"BL-CS, ratio {info['ratio']:g}, best of {info['repeat']}; `datasets.map` runs "
            "the plain-Python loop of the switching benchmark; HF caching off.", "",
            integrations_table(data)]


# -- whole report ----------------------------------------------------------------------------
def machine_line(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    v = {k: x for k, x in m["versions"].items() if x}
    load = m.get("load_avg")
    ram = f", {m['ram_gb']:.0f} GB RAM" if m.get("ram_gb") else ""
    commit = (m.get("git_commit") or "unknown")[:10] + (" + local changes" if m.get("git_dirty")
                                                         else "")
    return (f"{m['cpu_model']}, {m['cpu_count']} cores ({m['cpus_usable']} usable){ram}"
            + (f", load {load[0]:.2f} at start" if load else "")
            + f"; Python {m['python']}, " + ", ".join(f"{k} {x}" for k, x in v.items())
            + f"; commit {commit}")


def markdown(doc: dict[str, Any]) -> str:
    """The whole report of one suite run."""
    title = f"# csgen benchmarks, {doc['date']}"
    if doc.get("smoke"):
        title += " (smoke run: tiny sizes, the figures mean nothing)"
    out = [title, "", f"Machine: {machine_line(doc)}.", "",
           f"`python -m benchmarks`, {doc['seconds']:.0f} s in all; each benchmark in a fresh "
           "process (peak RSS: its largest process)."]
    for name, bench in doc["benchmarks"].items():
        out += ["", f"## {bench['title']}", ""]
        out += [f"`{' '.join(bench['command'])}`: {bench['seconds']:.1f} s, peak RSS "
                f"{bench['peak_rss_mb']:,.0f} MB.", ""]
        data = bench.get("data")
        if bench["returncode"] != 0 or not data:
            tail = "\n".join(bench.get("output", "").strip().splitlines()[-20:])
            out += [f"FAILED (exit {bench['returncode']}):", "", "```", tail, "```"]
            continue
        if name == "switch":
            out += _switch_section(data)
        elif name == "pipeline":
            out += _pipeline_section(doc, data)
        elif name == "lexicon":
            out += _lexicon_section(data)
        elif name == "spans":
            out += _spans_section(data)
        elif name == "stream":
            out += _stream_section(data)
        elif name == "integrations":
            out += _integrations_section(data)
    files = doc.get("files") or {}
    pngs = [f for k, f in files.items() if k not in ("json", "md")]
    if pngs:
        out += ["", "## Plots", ""] + [f"![{p}]({p})" for p in pngs]
    elif doc.get("plots_skipped"):
        out += ["", f"No plots: {doc['plots_skipped']}."]
    return "\n".join(out) + "\n"


def readme_table(doc: dict[str, Any], source: str = "") -> str:
    """The README's table: switching at the main ratio, then the pipeline rows."""
    out: list[str] = []
    sw = (doc["benchmarks"].get("switch") or {}).get("data")
    pipe = (doc["benchmarks"].get("pipeline") or {}).get("data")
    if sw:
        info = sw["info"]
        out += [f"Switching {info['input_mb']:,.0f} MB of XQuAD English text, ratio "
                f"{info['ratio']:g}, MUSE en-de (BL-CS) or {len(info['ml_lexicons'])} languages "
                f"(ML-CS), best of {info['repeat']}:", "", switch_main_table(sw)]
    if pipe:
        out += ["", "`csgen switch` end to end (read Parquet or JSONL, switch, write zstd "
                "Parquet; a fresh process per row, start-up included; `x slower ref`: the "
                "slower of the engine on all cores and a plain pyarrow read + write, over the "
                "job):", "", pipeline_table(doc, pipe)]
    if not out:
        return "(no switching or pipeline results in this run)"
    out += ["", f"Measured by `python -m benchmarks` on {doc['date']}"
            + (" (SMOKE RUN, tiny sizes)" if doc.get("smoke") else "")
            + f": {machine_line(doc)}"
            + (f"; all tables in `benchmarks/results/{Path(source).stem}.md`." if source
               else ".")]
    return "\n".join(out)


def replace_readme_table(readme: Path, table: str) -> None:
    """Put ``table`` between the bench-table markers of ``readme`` (the rest untouched)."""
    text = readme.read_text(encoding="utf-8")
    start = text.find(BENCH_TABLE_START)
    end = text.find(BENCH_TABLE_END, start + 1)
    if start < 0 or end < 0:
        raise SystemExit(f"{readme}: no {BENCH_TABLE_START} ... {BENCH_TABLE_END} markers")
    head = text[: start + len(BENCH_TABLE_START)]
    readme.write_text(head + "\n\n" + table + "\n\n" + text[end:], encoding="utf-8")
