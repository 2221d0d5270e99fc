"""CSV import through the real path (``rumbo import FILE``): rows per second and peak memory.

The file uses the import layout (the same columns ``rumbo export csv`` writes) with rows
from the generator under new external ids, so every row is created and every rule of
``ServicePointCreate`` (phones, hours, languages, categories...) runs. Each import runs in
a subprocess on a freshly migrated and seeded database; its peak resident memory is the
kernel's high-water mark of its address space (``VmHWM``, see :class:`_HighWater`), its
time the wall clock around the whole command (and its CPU time, as it reports it).
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from app.countries.boundaries import Surface
from app.countries.location import locate
from bench.data import generate
from bench.load import load_sqlite, sqlite_url
from bench.server import ROOT, RUMBO

__all__ = ["ImportResult", "run_import", "write_csv"]

LANGS = ("es", "en", "fr", "pt")
MERGE_HELD = re.compile(r"write transaction held ([\d.]+) s")
CPU = re.compile(r"([\d.]+) s CPU")
COLUMNS = [
    "external_id",
    "status",
    "lat",
    "lon",
    "country",
    "locality",
    "categories",
    "audiences",
    "spoken_languages",
    "phones",
    "whatsapp",
    "email",
    "website",
    "opening_hours",
    "free",
    "original_language",
    "source_title",
    "source_url",
    "source_publisher",
    "sample",
    *[f"{field}:{lang}" for lang in LANGS for field in ("name", "description", "address")],
]


@dataclass
class ImportResult:
    rows: int
    seconds: float
    rows_per_second: float
    peak_rss_mib: float
    file_mib: float
    exit_code: int
    output: str
    # Seconds the merge held the write transaction (the rest ran without the write lock).
    merge_lock_seconds: float | None = None
    # The import's CPU time (its own report): what a loaded machine changes least.
    cpu_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def write_csv(path: Path, rows: int, *, seed: int = 4242) -> Path:
    """A CSV of ``rows`` new points (external ids ``import-<seed>-<n>``).

    The import checks that a point lies in its country; generated points near borders or
    coasts are given the country they fall in, and those at sea are replaced."""
    written = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for p in generate(rows * 2, seed=seed):
            if written == rows:
                break
            where = locate(p.lat, p.lon)
            if where.surface is not Surface.LAND or not where.code:
                continue
            written += 1
            record = {
                "external_id": f"import-{seed}-{p.id}",
                "status": p.status,
                "lat": p.lat,
                "lon": p.lon,
                "country": where.code,
                "locality": p.locality,
                "categories": "; ".join(p.categories),
                "audiences": "; ".join(p.audiences),
                "spoken_languages": "; ".join(p.spoken_languages),
                "phones": "; ".join(p.phones),
                "whatsapp": p.whatsapp or "",
                "email": p.email or "",
                "website": p.website or "",
                "opening_hours": p.opening_hours,
                "free": "true" if p.free else "false",
                "original_language": p.original_language,
                "source_title": "Rumbo benchmark import",
                "source_url": "",
                "source_publisher": "Rumbo",
                "sample": "true",
            }
            for lang in LANGS:
                text = p.translations.get(lang, {})
                for field in ("name", "description", "address"):
                    record[f"{field}:{lang}"] = text.get(field) or ""
            writer.writerow([record[c] for c in COLUMNS])
    return path


def run_import(
    csv_path: Path, work_dir: Path, *, database_url: str | None = None, documents: bool = True
) -> ImportResult:
    """Import ``csv_path`` with ``rumbo import`` into a fresh database (SQLite in
    ``work_dir`` unless ``database_url`` names an empty, migrated and seeded one).
    ``documents=False``: the baseline without the read model's documents
    (``bench/without_documents.py``)."""
    if database_url is None:
        db_path = work_dir / f"import-{csv_path.stem}.db"
        for suffix in ("", "-wal", "-shm", ".json"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        load_sqlite(0, path=db_path)
        database_url = sqlite_url(db_path)
    env = {**os.environ, "RUMBO_DATABASE_URL": database_url, "RUMBO_LOG_LEVEL": "WARNING"}
    program = [str(RUMBO)]
    if not documents:
        program = [sys.executable, "-m", "bench.without_documents"]
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [*program, "import", str(csv_path), "--organization", "bench-org-00"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    watch = _HighWater(process.pid)
    watch.start()
    output = process.stdout.read().decode(errors="replace")
    watch.stop.set()
    watch.join()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    rows = sum(1 for _ in csv_path.open(encoding="utf-8")) - 1
    match = re.search(r"(\d+) rows \(", output)
    imported = int(match.group(1)) if match else 0
    return ImportResult(
        rows=imported,
        seconds=round(elapsed, 2),
        rows_per_second=round(rows / elapsed, 1) if imported else 0.0,
        peak_rss_mib=round((watch.kib or usage.ru_maxrss) / 1024, 1),
        file_mib=round(csv_path.stat().st_size / 2**20, 1),
        exit_code=process.returncode,
        output=output.strip()[-2000:],
        merge_lock_seconds=float(held.group(1)) if (held := MERGE_HELD.search(output)) else None,
        cpu_seconds=float(cpu.group(1)) if (cpu := CPU.search(output)) else None,
    )


class _HighWater(threading.Thread):
    """The child's own peak resident memory (``VmHWM``), read while it runs.

    ``ru_maxrss`` cannot tell it: the kernel carries a process's peak across ``execve``,
    and a child forked (or vforked) by the bench starts with the bench's own peak (about
    590 MiB once it has written a 100,000-row CSV), whatever the import uses. ``VmHWM``
    belongs to the address space the import runs in; read every 0.1 s, the last reading
    before the child's output closes is its peak (it only grows)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.stop = threading.Event()
        self.kib = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                text = self.path.read_text()
            except OSError:
                return
            if found := re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE):
                self.kib = max(self.kib, int(found.group(1)))
            self.stop.wait(0.1)
