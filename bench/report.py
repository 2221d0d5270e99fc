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


def _errors_note(result: dict[str, Any]) -> str:
    """A scenario that answered errors (429, 503...) measured something else: never met."""
    return f"{result['errors']:,} errors in the run: not a valid figure"


def _ratio_target(run: dict[str, Any], scenario: str, minimum: float) -> Target:
    engine, points = run["engine"], run["points"]
    result = run["http"].get(scenario) or {}
    ratio = result.get("ratio")
    name = f"{scenario} / ceiling, {engine}, {points:,} points"
    if ratio is None:
        return Target(name, f">= {minimum}", None, None, result.get("skipped", "not measured"))
    if result.get("errors"):
        return Target(name, f">= {minimum}", ratio, False, _errors_note(result))
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
    for run in report["runs"]:
        targets += _read_model_targets(run)
    targets += _fault_targets(report.get("faults") or {})
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


# Issue #15's targets beyond the ratios to the ceiling.
CPU_MS_PER_NEAREST = 0.5
SYNC_PAGES_PER_S = 100.0
# "Summary no slower than full": within run-to-run noise.
SUMMARY_TOLERANCE = 0.95
# Issue #16: /healthz beside the slow crowd.
CROWD_MAX_MS = 1000.0
# Writers beside the import wait at most for the merge, plus this (their own work).
BESIDE_SLACK_S = 1.0


def _read_model_targets(run: dict[str, Any]) -> list[Target]:
    engine, points = run["engine"], run["points"]
    where = f"{engine}, {points:,} points"
    http = run.get("http") or {}
    nearest = http.get("nearest") or {}
    out: list[Target] = []
    minimal = (run.get("side_by_side") or {}).get("minimal") or {}
    if nearest.get("rps") and minimal.get("rps"):
        ratio = round(nearest["rps"] / minimal["rps"], 3)
        out.append(
            Target(
                f"nearest-20, Rumbo / minimal FastAPI endpoint, {where}",
                ">= 1.0",
                ratio,
                ratio >= 1.0,
                f"Rumbo {nearest['rps']:,.0f} req/s, minimal {minimal['rps']:,.0f} req/s",
            )
        )
    cpu = nearest.get("cpu_ms_per_request")
    if cpu is not None:
        met = cpu <= CPU_MS_PER_NEAREST
        out.append(
            Target(
                f"server CPU per nearest-20 request, {where}",
                f"<= {CPU_MS_PER_NEAREST} ms",
                cpu,
                met,
                "" if met else f"{cpu / CPU_MS_PER_NEAREST:.1f}x the target",
            )
        )
    summary = http.get("nearest_summary") or {}
    if nearest.get("rps") and summary.get("rps"):
        ratio = round(summary["rps"] / nearest["rps"], 3)
        out.append(
            Target(
                f"nearest-20 view=summary / full (req/s), {where}",
                f">= {SUMMARY_TOLERANCE} (no slower, within noise)",
                ratio,
                ratio >= SUMMARY_TOLERANCE,
                f"summary {summary['rps']:,.0f} req/s, full {nearest['rps']:,.0f} req/s",
            )
        )
    sync = http.get("sync") or {}
    if sync.get("rps") is not None:
        met = sync["rps"] >= SYNC_PAGES_PER_S and not sync.get("errors")
        note = "" if met else f"missed by {SYNC_PAGES_PER_S - sync['rps']:.1f} pages/s"
        out.append(
            Target(
                f"sync snapshot pages/s (4 connections), {where}",
                f">= {SYNC_PAGES_PER_S:.0f}",
                sync["rps"],
                met,
                _errors_note(sync) if sync.get("errors") else note,
            )
        )
    return out


def _fault_targets(faults: dict[str, Any]) -> list[Target]:
    out: list[Target] = []
    crowd = faults.get("slow_crowd")
    if crowd:
        for name, label in (("ipv4", "addresses"), ("ipv6_64", "forwarded addresses of one /64")):
            found = crowd.get(name)
            if not found:
                continue
            worst = found["max_ms"]
            met = worst is not None and worst < CROWD_MAX_MS and not found["failed"]
            out.append(
                Target(
                    f"/healthz beside {found['connections']:,} slow requests from "
                    f"{crowd['addresses'] if name == 'ipv4' else found['connections']:,} "
                    f"{label} (max latency)",
                    f"< {CROWD_MAX_MS:.0f} ms, none failed",
                    worst,
                    met,
                    f"p50 {found['p50_ms']} ms, p99 {found['p99_ms']} ms, "
                    f"{found['failed']} of {found['probes']} probes failed",
                )
            )
    beside = faults.get("beside_import")
    if beside:
        rows = f"{beside['rows']:,}-row import"
        out.append(
            Target(
                f"writes that failed beside a {rows} (SQLite)",
                "0",
                beside["failed"],
                beside["failed"] == 0 and beside["writes"] > 0,
                f"of {beside['writes']} writes: {beside['statuses']}",
            )
        )
        held = beside.get("merge_lock_seconds")
        worst = beside.get("wait_max_ms")
        if held is not None and worst is not None:
            allowed = round(1000 * (held + BESIDE_SLACK_S), 1)
            out.append(
                Target(
                    f"longest write beside a {rows}: at most the merge's lock time + "
                    f"{BESIDE_SLACK_S:.0f} s",
                    f"<= {allowed} ms",
                    worst,
                    worst <= allowed,
                    f"merge held the write lock {held} s; writes p50 "
                    f"{beside['wait_p50_ms']} ms, p99 {beside['wait_p99_ms']} ms",
                )
            )
    return out


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
            + (
                _memory_sentence(run["server_memory_mib"], run["engine"])
                if "end" in run.get("server_memory_mib", {})
                else ""
            ),
            "",
            "| Scenario | req/s | p50 ms | p99 ms | ratio to ceiling | CPU ms/request | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in run["http"].values():
            if r.get("skipped"):
                lines.append(f"| {r['title']} | – | – | – | – | – | {r['skipped']} |")
                continue
            lines.append(
                f"| {r['title']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} "
                f"| {_fmt(r.get('ratio'))} | {_fmt(r.get('cpu_ms_per_request'))} "
                f"| {r['errors'] or 0} |"
            )
        lines += _side_by_side_lines(run)
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
    lines += _fault_lines(report.get("faults") or {})
    imports = report.get("import") or {}
    if imports:
        baseline = report.get("import_without_documents") or {}
        lines += [
            "",
            "## CSV import (`rumbo import`, all or nothing, real validation)",
            "",
            "Validated and staged without the write lock; other writers wait only for the "
            "merge (its write transaction, last column)."
            + (
                " Rows marked *no documents* ran without the read model's batch hook "
                "(`--import-baseline`, bench/without_documents.py), just before the same file "
                "with it."
                if baseline
                else ""
            ),
            "",
            "| Rows | seconds | rows/s | CPU s | peak RSS MiB | file MiB | exit | merge lock s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for rows, r in imports.items():
            for label, found in (("no documents", baseline.get(rows)), ("", r)):
                if isinstance(found, dict) and "rows_per_second" in found:
                    lines.append(_import_line(rows, found, label))
    if report.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(lines) + "\n"


def _import_line(rows: str, r: dict[str, Any], label: str) -> str:
    return (
        f"| {int(rows):,}{f' ({label})' if label else ''} | {r['seconds']} "
        f"| {_fmt(r['rows_per_second'])} | {r.get('cpu_seconds', '-')} | {r['peak_rss_mib']} "
        f"| {r['file_mib']} "
        f"| {r['exit_code']} | {r.get('merge_lock_seconds', '-')} |"
    )


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


def _side_by_side_lines(run: dict[str, Any]) -> list[str]:
    """Issue #15's side-by-side: Rumbo, the minimal endpoint, and Rumbo with 2 workers."""
    side = run.get("side_by_side")
    if not side:
        return []
    http = run["http"]
    ceiling = (http.get("ceiling") or {}).get("rps")
    rows = [http.get("ceiling"), http.get("nearest"), side.get("minimal")]
    rows += list((side.get("workers_2") or {}).values())
    lines = [
        "",
        "Side by side (issue #15): the nearest-20 requests above through a minimal FastAPI "
        "endpoint over the same database (`bench/minimal_sqlite.py`: sqlite3, a "
        "growing-radius R*Tree search; `bench/minimal_pg.py`: psycopg, a PostGIS KNN; ten "
        "fields as JSON; uvicorn, one worker), and `rumbo serve --workers 2`. wrk shares "
        "the two cores with the server: CPU per request (the server's processes, from "
        "/proc) says what a worker costs.",
        "",
        "| Server, scenario | req/s | p50 ms | p99 ms | ratio to ceiling (1 worker) "
        "| CPU ms/request | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if not r or "rps" not in r:
            continue
        ratio = round(r["rps"] / ceiling, 3) if ceiling else None
        lines.append(
            f"| {r['title']} | {_fmt(r['rps'])} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} "
            f"| {_fmt(ratio)} | {_fmt(r.get('cpu_ms_per_request'))} | {r['errors'] or 0} |"
        )
    nearest, minimal = http.get("nearest") or {}, side.get("minimal") or {}
    if nearest.get("rps") and minimal.get("rps"):
        lines += [
            "",
            f"Rumbo's nearest-20 is {nearest['rps'] / minimal['rps']:.2f}x the minimal "
            "endpoint's requests/s.",
        ]
    return lines


def _fault_lines(faults: dict[str, Any]) -> list[str]:
    """Issue #16's measured faults (items 2 and 5)."""
    lines: list[str] = []
    crowd = faults.get("slow_crowd")
    if crowd:
        lines += [
            "",
            "## A crowd of slow clients beside /healthz (issue #16, item 2)",
            "",
            f"`rumbo serve` with production defaults and a trusted proxy on 127.0.0.1. "
            f"IPv4: {crowd['addresses']} loopback addresses x {crowd['per_address']} "
            "connections, each a request whose headers are dribbled a line a second and "
            "never finished. IPv6: as many requests through the proxy, forwarded for as many "
            "addresses of one /64, whose bodies never finish (the loopback has `::1` alone, "
            "so the /64 arrives in `X-Forwarded-For`, as behind the reverse proxy). The "
            "crowd re-opens what the server closes; another client (127.0.0.1) probes "
            f"`GET /healthz` on a new connection ten times a second for {crowd['seconds']} s "
            "(bench/crowd.py).",
            "",
            "| Crowd | connections | held (median) | probes | failed | p50 ms | p99 ms "
            "| max ms | server's answers to the crowd |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for name, label in (
            ("quiet", "none (baseline)"),
            ("ipv4", "IPv4 addresses"),
            ("ipv6_64", "one IPv6 /64"),
        ):
            r = crowd.get(name)
            if not r:
                continue
            answered = ", ".join(f"{k}: {v}" for k, v in (r.get("answered") or {}).items())
            closed = r.get("closed_by_server")
            what = "; ".join(x for x in (answered, f"closed {closed}" if closed else "") if x)
            lines.append(
                f"| {label} | {_fmt(r.get('connections', 0))} | {_fmt(r.get('held_median', 0))} "
                f"| {r['probes']} | {r['failed']} | {_fmt(r['p50_ms'])} | {_fmt(r['p99_ms'])} "
                f"| {_fmt(r['max_ms'])} | {what or '–'} |"
            )
    beside = faults.get("beside_import")
    if beside:
        done = beside["import"]
        lines += [
            "",
            "## Writers beside a large import (issue #16, item 5)",
            "",
            f"SQLite, a fresh database, `rumbo serve`: an editor uploads {beside['rows']:,} "
            "CSV rows (`POST /v1/imports`) while two clients write one request at a time: "
            "feedback (`POST /v1/feedback`) and an editor's `PATCH /v1/points/{id}` (after "
            "reading its ETag). Every write begun while the import ran counts "
            "(bench/beside_import.py). The merge's lock time is the server's log line "
            "(`import merged: ... write transaction S s`, app/exchange/service.py).",
            "",
            "| import s | HTTP | created | merge lock s | writes | failed | wait p50 ms "
            "| p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|---|",
            f"| {_fmt(done.get('seconds'))} | {done.get('status')} | {_fmt(done.get('created'))} "
            f"| {_fmt(beside['merge_lock_seconds'])} | {beside['writes']} | {beside['failed']} "
            f"| {_fmt(beside['wait_p50_ms'])} | {_fmt(beside['wait_p99_ms'])} "
            f"| {_fmt(beside['wait_max_ms'])} |",
        ]
    return lines
