"""The benchmark report: targets checked against the figures, written as JSON and Markdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.sizes import TARGET_BROTLI_BYTES, page_target

__all__ = ["Target", "evaluate", "write_report"]


@dataclass
class Target:
    name: str
    wanted: str
    value: float | None
    met: bool | None
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio_target(run: dict[str, Any], scenario: str, minimum: float) -> Target:
    engine, points = run["engine"], run["points"]
    result = run["http"].get(scenario) or {}
    ratio = result.get("ratio")
    name = f"{scenario} / ceiling, {engine}, {points:,} points"
    if ratio is None:
        return Target(name, f">= {minimum}", None, None, result.get("skipped", "not measured"))
    met = ratio >= minimum
    note = "" if met else f"missed by {minimum - ratio:.3f} ({(minimum - ratio) / minimum:.0%})"
    profiled = next((p for p in run.get("profiles") or [] if p["scenario"] == scenario), None)
    if not met and profiled:
        top = ", ".join(
            f"{c['component'].split(' (')[0]} {c['share']:.0%}" for c in profiled["components"][:4]
        )
        note += f"; profile: {top}"
    return Target(name, f">= {minimum}", ratio, met, note)


# Issue #18: (request, what it is) -> server time p50 (ms), gzip size (B), ratio to ceiling.
_MAP_TARGETS = {
    "tile_z5": ("tile z=5 over Central America", 30.0, 50 * 1024, None),
    "tile_z12": ("tile z=12 over Tapachula", 30.0, 50 * 1024, None),
    "corridor": ("corridor Necoclí -> Panama City (5 km), first page", None, None, 0.05),
}


def _map_targets(run: dict[str, Any]) -> list[Target]:
    """The map endpoints' rows: server time p50 and gzip size in process, requests per
    second through the server as a ratio to the ceiling."""
    engine, points = run["engine"], run["points"]
    maps, http = run.get("maps") or {}, run.get("http") or {}
    out: list[Target] = []
    for key, (what, p50_limit, gzip_limit, ratio_minimum) in _MAP_TARGETS.items():
        where = f"{engine}, {points:,} points"
        figures = maps.get(key)
        if figures:
            p50 = figures["p50_ms"]
            met = None if p50_limit is None else p50 <= p50_limit
            wanted = "reported" if p50_limit is None else f"<= {p50_limit:.0f} ms"
            out.append(Target(f"{what}: server time p50, {where}", wanted, p50, met))
            if gzip_limit is not None:
                size = figures["gzip_bytes"]
                out.append(
                    Target(
                        f"{what}: size gzip, {where}",
                        f"<= {gzip_limit} B",
                        size,
                        size <= gzip_limit,
                    )
                )
        result = http.get(key) or {}
        ratio = result.get("ratio")
        name = f"{what}: {'tiles' if key.startswith('tile') else 'pages'}/s / ceiling, {where}"
        wanted = "reported" if ratio_minimum is None else f">= {ratio_minimum}"
        if ratio is None:
            out.append(Target(name, wanted, None, None, result.get("skipped", "not measured")))
        else:
            met = None if ratio_minimum is None else ratio >= ratio_minimum
            note = f"{result['rps']:.0f}/s, p50 {result['p50_ms']} ms through the server"
            out.append(Target(name, wanted, ratio, met, note))
    return out


def evaluate(report: dict[str, Any]) -> list[Target]:
    """Every target of issue #8 that this report can answer."""
    targets: list[Target] = []
    for run in report["runs"]:
        engine, points = run["engine"], run["points"]
        http = run["http"]
        if points >= 1_000_000:
            targets.append(_ratio_target(run, "nearest", 0.15 if engine == "sqlite" else 0.10))
            targets.append(_ratio_target(run, "bbox", 0.10))
            targets.append(_ratio_target(run, "text", 0.10))
            limit_us = 500 if engine == "sqlite" else 2000
            for timing in run.get("query_alone", []):
                if timing["name"].startswith("nearest"):
                    value = timing["median_us"]
                    met = value <= limit_us
                    note = "" if met else f"missed by {value - limit_us:.0f} us"
                    targets.append(
                        Target(
                            f"nearest-20 query alone (median), {engine}, {points:,} points",
                            f"<= {limit_us} us",
                            value,
                            met,
                            note,
                        )
                    )
        elif points >= 100_000 and engine == "sqlite":
            targets.append(_ratio_target(run, "nearest", 0.35))
        nearest, ceiling = http.get("nearest") or {}, http.get("ceiling") or {}
        if nearest.get("p99_ms") and ceiling.get("p99_ms"):
            allowed = 10 * ceiling["p99_ms"]
            met = nearest["p99_ms"] <= allowed
            targets.append(
                Target(
                    f"nearest p99 within 10x the ceiling's p99, {engine}, {points:,} points",
                    f"<= {allowed:.2f} ms",
                    nearest["p99_ms"],
                    met,
                    "" if met else f"{nearest['p99_ms'] / ceiling['p99_ms']:.1f}x",
                )
            )
        if run.get("maps") or any(k in http for k in _MAP_TARGETS):
            targets.extend(_map_targets(run))
        pages = run.get("bytes") or {}
        if "shapes" in pages:
            # Checked on the summary (view=summary), the shape a list or a map asks for.
            value, met = page_target(pages)
            shapes = pages["shapes"]
            note = (
                f"largest of {pages['pages']} pages {shapes['summary']['brotli_max']} B; "
                f"full shape {shapes['full']['brotli']} B"
            )
            targets.append(
                Target(
                    f"20 points, one language, view=summary, brotli on the wire (median), "
                    f"{engine}, {points:,} points",
                    f"<= {TARGET_BROTLI_BYTES} B",
                    value,
                    met,
                    note if met else f"missed by {value - TARGET_BROTLI_BYTES} B; {note}",
                )
            )
    imports = report.get("import") or {}
    big = imports.get("100000")
    if big:
        met = big["exit_code"] == 0 and big["rows_per_second"] >= 20_000
        targets.append(
            Target(
                "CSV import, 100,000 rows, real validation path",
                ">= 20000 rows/s",
                big["rows_per_second"],
                met,
                "" if met else f"missed by {20_000 - big['rows_per_second']:.0f} rows/s",
            )
        )
        small = imports.get("10000")
        if small and small["peak_rss_mib"]:
            growth = big["peak_rss_mib"] / small["peak_rss_mib"]
            targets.append(
                Target(
                    "CSV import peak memory independent of file size (100k vs 10k rows)",
                    "<= 1.25x",
                    round(growth, 2),
                    growth <= 1.25,
                    f"{small['peak_rss_mib']} MiB -> {big['peak_rss_mib']} MiB",
                )
            )
    return targets


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Rumbo benchmark report",
        "",
        f"Run at {report['started_at']} on {report['machine']['cpu']} "
        f"({report['machine']['cores']} cores, {report['machine']['memory_gib']} GiB), "
        f"load average {report['machine']['load_before']} before and "
        f"{report['machine']['load_after']} after the run.",
        "",
        f"Server: `rumbo serve`, production settings, 1 worker, "
        f"{report['settings']['server']}. Load: {report['settings']['load_generator']}, "
        f"{report['settings']['seconds']} s per scenario after a "
        f"{report['settings']['warmup_seconds']} s warm-up. Ratios are to the framework "
        "ceiling measured in the same run (mean of before and after the scenarios).",
        "",
        "## Targets",
        "",
        "| Target | Wanted | Measured | Met | Note |",
        "|---|---|---|---|---|",
    ]
    for t in report["targets"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['name']} | {t['wanted']} | {_fmt(t['value'])} | {met} | {t['note']} |")
    for run in report["runs"]:
        lines += [
            "",
            f"## {run['engine']}, {run['points']:,} points",
            "",
            f"Loaded in {run['load']['total_seconds']} s"
            + (" (cached)" if run["load"]["cached"] else "")
            + f": {run['load']['seconds']}. "
            + _memory_sentence(run["server_memory_mib"], run["engine"]),
            "",
            "| Scenario | req/s | p50 ms | p99 ms | ratio to ceiling | errors |",
            "|---|---|---|---|---|---|",
        ]
        for r in run["http"].values():
            if r.get("skipped"):
                lines.append(f"| {r['title']} | – | – | – | – | {r['skipped']} |")
                continue
            lines.append(
                f"| {r['title']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} "
                f"| {_fmt(r.get('ratio'))} | {r['errors'] or 0} |"
            )
        if run.get("query_alone"):
            lines += [
                "",
                "Query alone, in process (µs):",
                "",
                "| Query | median | p90 | p99 | results |",
                "|---|---|---|---|---|",
            ]
            for q in run["query_alone"]:
                lines.append(
                    f"| {q['name']} | {q['median_us']} | {q['p90_us']} | {q['p99_us']} "
                    f"| {q['mean_results']} |"
                )
        if (run.get("bytes") or {}).get("shapes"):
            b = run["bytes"]
            lines += [
                "",
                f"Bytes on the wire of a 20-point page in one language "
                f"(`/v1/points?near=…&limit=20&lang=es`, {b['pages']} different centres): "
                f"median (largest). Issue #8's target "
                f"(<= {TARGET_BROTLI_BYTES} B with brotli) is checked on the summary "
                "(`view=summary`), the shape a list or a map asks for; the full shape is "
                "what `GET /v1/points/{id}` gives for the point tapped.",
                "",
                "| Shape | raw | gzip | brotli |",
                "|---|---|---|---|",
            ]
            for shape, size in b["shapes"].items():
                cells = " | ".join(
                    f"{size[label]:,} ({size[label + '_max']:,})"
                    for label in ("raw", "gzip", "brotli")
                )
                lines.append(f"| {shape} | {cells} |")
        lines += _profile_lines(run.get("profiles") or [])
    imports = report.get("import") or {}
    if imports:
        lines += [
            "",
            "## CSV import (`rumbo import`, all or nothing, real validation)",
            "",
            "Validated and staged without the write lock; other writers wait only for the "
            "merge (its write transaction, last column).",
            "",
            "| Rows | seconds | rows/s | peak RSS MiB | file MiB | exit | merge lock s |",
            "|---|---|---|---|---|---|---|",
        ]
        for rows, r in imports.items():
            if isinstance(r, dict) and "rows_per_second" in r:
                lines.append(
                    f"| {int(rows):,} | {r['seconds']} | {_fmt(r['rows_per_second'])} "
                    f"| {r['peak_rss_mib']} | {r['file_mib']} | {r['exit_code']} "
                    f"| {r.get('merge_lock_seconds', '-')} |"
                )
    if report.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], directory: Path, stem: str = "latest") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    report["targets"] = [t.as_dict() for t in evaluate(report)]
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    json_path.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    md_path.write_text(markdown(report))
    return [json_path, md_path]


def _memory_sentence(memory: dict[str, dict[str, float]], engine: str) -> str:
    start, end = memory["start"], memory["end"]
    mapped = (
        "pages of the database file mapped by SQLite (the OS page cache, counted once per "
        "pooled connection that maps them, shared and reclaimable)"
        if engine == "sqlite"
        else "mapped files (code and libraries)"
    )
    return (
        f"Server memory: its own (RssAnon) {start['own']} MiB at start, {end['own']} MiB at "
        f"the end; resident in all (VmRSS) {start['rss']} -> {end['rss']} MiB, of which "
        f"{end['mapped']} MiB are {mapped}."
    )


def _profile_lines(profiles: list[dict[str, Any]]) -> list[str]:
    """Where a request's Python time goes (py-spy, GIL held), per profiled scenario."""
    if not profiles:
        return []
    lines = [
        "",
        "Profiles (py-spy, samples taken while a thread holds the GIL, after the measured "
        "runs; each sample counted once, to the deepest frame of Rumbo's code or else to "
        "the library at work; see bench/profile.py):",
    ]
    for found in profiles:
        lines += [
            "",
            f"*{found['scenario']}* ({found['samples']:,} samples at {found['rate_hz']} Hz, "
            f"{found['rps_while_profiled']:,} req/s while sampled)",
            "",
            "| Component | share | of which in SQLAlchemy or the driver |",
            "|---|---|---|",
        ]
        for row in found["components"][:10]:
            lines.append(
                f"| {row['component']} | {row['share']:.1%} | "
                f"{row['of_which_sqlalchemy_or_driver']:.1%} |"
            )
        hottest = ", ".join(
            f"`{h['function'].split(' (')[0]}` {h['self_share']:.1%}" for h in found["hottest"][:6]
        )
        lines += ["", f"Hottest functions (self): {hottest}."]
    return lines
