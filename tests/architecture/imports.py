"""The import graph of ``app``, read from the source with :mod:`ast` (nothing is imported).

Nodes are the top-level packages and modules of ``app`` (``app.accounts.service`` counts as
``accounts``). Relative imports are resolved; imports inside functions count (they are real
dependencies, only later). Imports under ``if TYPE_CHECKING:`` do not count: they are never
executed, so they can neither form a cycle at run time nor load a higher layer.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "APP",
    "Edge",
    "cycles",
    "find_cycle",
    "module_name",
    "package_edges",
    "source_files",
]

APP = Path(__file__).resolve().parents[2] / "app"


@dataclass(frozen=True, slots=True)
class Edge:
    """One import of a package by another: where it is written."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} ({self.path}:{self.line})"


def source_files(root: Path = APP) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path, root: Path = APP) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    for inner in ast.walk(child):
                        if isinstance(inner, ast.stmt):
                            lines.add(inner.lineno)
    return lines


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The absolute module names an import statement loads."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        stem = ".".join([*base, node.module] if node.module else base)
    else:
        stem = node.module or ""
    if stem == "app":  # ``from app import x``: x is the package
        yield from (f"app.{alias.name}" for alias in node.names)
    else:
        yield stem


def module_imports(path: Path, root: Path = APP) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every run-time import of ``app`` in ``path``."""
    module = module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skipped = _type_checking_lines(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno not in skipped:
            for name in _imported(node, module, path.name == "__init__.py"):
                if name == "app" or name.startswith("app."):
                    yield name, node.lineno


def node_of(module: str) -> str | None:
    """The graph node of a module: ``app.accounts.service`` -> ``accounts``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def package_edges(root: Path = APP) -> dict[tuple[str, str], list[Edge]]:
    """Every import between two different nodes, with each place it is written."""
    edges: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for path in source_files(root):
        source = node_of(module_name(path, root))
        if source is None:
            continue
        where = str(path.relative_to(root.parent))
        for imported, line in module_imports(path, root):
            target = node_of(imported)
            if target is not None and target != source:
                edges[source, target].append(Edge(source, target, where, line))
    return dict(edges)


def find_cycle(edges: Mapping[tuple[str, str], Sequence[Edge]]) -> list[Edge] | None:
    """One cycle of the graph, as the edges that form it (None when the graph has none)."""
    graph: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(edges):
        graph[source].append(target)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return [edges[a, b][0] for a, b in itertools.pairwise(cycle)]
    return None


def cycles(edges: Mapping[tuple[str, str], Sequence[Edge]]) -> list[list[Edge]]:
    """One cycle through each group of packages that import each other (a strongly
    connected component), so every tangle is named at once."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)

    def reach(start: str) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    reached = {node: reach(node) for node in list(graph)}
    found: list[list[Edge]] = []
    done: set[str] = set()
    for node in sorted(reached):
        group = {other for other in reached[node] if node in reached.get(other, ())}
        if node in done or len(group) < 2:
            continue
        done |= group
        inside = {key: value for key, value in edges.items() if {*key} <= group}
        if cycle := find_cycle(inside):
            found.append(cycle)
    return found
