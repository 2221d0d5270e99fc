"""The shape of ``app``: no package cycle, layers respected, short modules, quiet imports.

The layer of every package is declared once, in :mod:`app.layers`; ``docs/architecture.md``
shows the same table (checked here). The import graph is read from the source
(:mod:`tests.architecture.imports`; imports under ``TYPE_CHECKING`` are not counted).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

from app.layers import LAYER_NAMES, LAYERS
from tests.architecture.imports import APP, cycles, module_name, package_edges, source_files

MAX_LINES = 400
# Modules allowed over MAX_LINES, each with the reason it stays whole (at most one).
LONG_MODULES: dict[str, str] = {}

ROOT = APP.parent


def _nodes() -> set[str]:
    return {module_name(p).split(".")[1] for p in source_files() if module_name(p) != "app"}


def test_every_package_has_a_layer() -> None:
    missing = sorted(_nodes() - LAYERS.keys())
    assert not missing, f"give these a layer in app/layers.py: {missing}"


def test_no_package_import_cycle() -> None:
    found = cycles(package_edges())
    assert not found, "package import cycles:\n" + "\n".join(
        f"  {' -> '.join([c[0].source, *(e.target for e in c)])}:\n"
        + "\n".join(f"    {edge}" for edge in c)
        for c in found
    )


def test_lower_layers_never_import_higher_ones() -> None:
    upward = [
        f"  {found[0]}  [{LAYERS[s]} {LAYER_NAMES[LAYERS[s]]} imports "
        f"{LAYERS[t]} {LAYER_NAMES[LAYERS[t]]}]"
        + (f" (+{len(found) - 1} more)" if found[1:] else "")
        for (s, t), found in sorted(package_edges().items())
        if s in LAYERS and t in LAYERS and LAYERS[s] < LAYERS[t]
    ]
    assert not upward, "imports from a higher layer:\n" + "\n".join(upward)


def test_no_module_over_the_line_limit() -> None:
    assert len(LONG_MODULES) <= 1
    long = {
        str(p.relative_to(ROOT)): n
        for p in source_files()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    over = {path: n for path, n in sorted(long.items()) if path not in LONG_MODULES}
    assert not over, f"modules over {MAX_LINES} lines: {over}"
    assert not LONG_MODULES.keys() - long.keys(), "a justified module is short now: unlist it"


def test_architecture_doc_shows_the_same_layers() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    documented: dict[str, int] = {}
    for match in re.finditer(r"^\| (\d) [^|]+\|([^|\n]+)\|", text, re.MULTILINE):
        for name in re.findall(r"`([a-z0-9_]+)`", match.group(2)):
            documented[name] = int(match.group(1))
    assert documented == LAYERS


# The ASGI entry point builds the application at import by design (``uvicorn app.asgi:app``).
_ENTRY_POINTS = {"app.asgi"}

_PROBE = textwrap.dedent(
    """
    import gc, importlib, json, sys, threading
    import geoalchemy2, sqlalchemy, sqlalchemy.orm
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.event import registry
    from sqlalchemy.orm import Mapper, Session, scoped_session, sessionmaker
    from sqlalchemy.pool import Pool

    GLOBAL = {id(c) for c in (Session, sessionmaker, scoped_session, Engine, Connection, Pool, Mapper)}
    before = set(registry._key_to_collection)
    threads = threading.active_count()
    for name in sys.argv[1:]:
        importlib.import_module(name)
    listeners = []
    for key in set(registry._key_to_collection) - before:
        for ref in registry._key_to_collection[key].values():
            fn = ref()
            module = getattr(fn, "__module__", "") or ""
            if key[0] in GLOBAL or module == "app" or module.startswith("app."):
                listeners.append(f"{key[1]}: {module}.{getattr(fn, '__qualname__', fn)}")
    from fastapi import FastAPI
    objects = gc.get_objects()
    print(json.dumps({
        "listeners": sorted(listeners),
        "apps": sum(isinstance(o, FastAPI) for o in objects),
        "engines": sum(isinstance(o, Engine) for o in objects),
        "threads": threading.active_count() - threads,
    }))
    """
)


def test_importing_every_module_has_no_side_effects() -> None:
    """In a fresh interpreter, importing all of ``app`` registers no SQLAlchemy listener
    (on Session, Engine, pools or mappers), creates no application or engine and starts no
    thread: all of that belongs to ``create_app``."""
    modules = sorted({module_name(p) for p in source_files()} - _ENTRY_POINTS)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"listeners": [], "apps": 0, "engines": 0, "threads": 0}, found
