"""A search statement compiled once into SQL for a DB-API cursor (``app/raw_reads.py``).

The backends build their unfiltered statements once with SQLAlchemy; each is compiled here
for its engine's dialect, and a request binds its values by name into the positional (or
named) parameters of the SQL, literal values baked into the statement kept as compiled.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from app.raw_reads import RawReads

__all__ = ["Compiled"]


class Compiled:
    """``stmt`` as SQL text for ``dialect`` with the names of its parameters in order."""

    __slots__ = ("_defaults", "_names", "_positional", "sql")

    def __init__(self, stmt: Executable, dialect: Dialect) -> None:
        assert isinstance(stmt, ClauseElement)
        compiled = stmt.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        # The parameters a request binds have no value yet: a stand-in lets the expanding
        # ones (an IN of constants) be rendered once, as they would be per execution.
        unbound = {name for name, value in compiled.params.items() if value is None}
        state = compiled.construct_expanded_state(dict.fromkeys(unbound, 0))
        self.sql = state.statement
        self._positional = bool(compiled.positional)
        self._names: tuple[str, ...] = tuple(state.positiontup or state.parameters)
        # Values bound when the statement was built (literal numbers of an expression).
        self._defaults = {
            name: value for name, value in state.parameters.items() if name not in unbound
        }

    def values(self, params: Mapping[str, Any]) -> Any:
        """The DB-API parameters of one execution: ``params`` and the values baked in."""
        if self._positional:
            defaults = self._defaults
            return tuple(params[n] if n in params else defaults[n] for n in self._names)
        return {**self._defaults, **params}

    def rows(self, reads: RawReads, params: Mapping[str, Any], *, search: bool = True) -> list[Any]:
        """Every row: of a spatial search (``search``: its candidates may carry their
        documents, ``RawReads.search_rows``), or of any other statement as it is."""
        values = self.values(params)
        return reads.search_rows(self.sql, values) if search else reads.rows(self.sql, values)
