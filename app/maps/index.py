"""An in-memory grid index of the public points, for tiles and clusters at any zoom.

Counting the points of a zoomed-out tile one row at a time costs as much as the points it
covers (hundreds of thousands over Central America at a million points). This index holds
every public point once, in columns (numpy), sorted by the Morton (Z-order) key of its
web-mercator cell at level 24: the cells of a zoom level are prefixes of that key, so the
points of any tile are one contiguous slice (two binary searches) and the points of each
of its cluster cells are contiguous runs inside it. A tile's clusters are then a few
vectorised reductions over its slice (counts, sums, bounds, smallest id, counts per
category), whatever the zoom: per-zoom aggregates without a table per zoom.

It is a materialisation of the database keyed by the data version (``app.journal``: the
change counter every write of what the public sees moves, from any process); which one a
request uses, and how it follows the version, is ``app.maps.refresh``'s.

Filters it answers: country and free (columns here). Category, audience and spoken-language
filters go to the database (``app.maps.clusters``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.geo.sphere import BBox
from app.geo.tilegrid import CELL_PX, MAX_LAT, TileId
from app.journal.repository import DataVersion
from app.maps import repository
from app.maps.cells import Cell
from app.maps.filters import MapFilters

__all__ = ["BUILD_CHUNK", "LEVEL", "MAX_POINTS", "GridPoints", "GridVersion", "keys_of"]

LEVEL = 24  # bits per axis of the keys: the 64-px cells of zoom 22
_CELLS_PER_TILE_BITS = int(math.log2(256 // CELL_PX))  # 2: 4 x 4 cells per tile
# Rows per statement of a build, and the most points the index holds (about 41 bytes each
# in its columns: 4 million is 165 MB; beyond it, map requests count in the database).
BUILD_CHUNK = 100_000
MAX_POINTS = 4_000_000

IntArray = npt.NDArray[np.int64]
KeyArray = npt.NDArray[np.uint64]
# Points of the index: a slice (a whole tile: views, no copy) or positions in key order.
Selection = slice | IntArray


def _spread(v: KeyArray) -> KeyArray:
    """Interleave zeros between the low 24 bits of each value."""
    v = (v | (v << np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x3333333333333333)
    return (v | (v << np.uint64(1))) & np.uint64(0x5555555555555555)


def _compact(v: KeyArray) -> KeyArray:
    """The inverse of :func:`_spread`: every other bit, from bit 0."""
    v = v & np.uint64(0x5555555555555555)
    v = (v | (v >> np.uint64(1))) & np.uint64(0x3333333333333333)
    v = (v | (v >> np.uint64(2))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    v = (v | (v >> np.uint64(4))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v | (v >> np.uint64(8))) & np.uint64(0x0000FFFF0000FFFF)
    return (v | (v >> np.uint64(16))) & np.uint64(0x00000000FFFFFFFF)


def _spread_int(v: int) -> int:
    """:func:`_spread` of one value."""
    v &= (1 << LEVEL) - 1
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def _morton(x: int, y: int) -> int:
    return _spread_int(x) | (_spread_int(y) << 1)


def keys_of(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> KeyArray:
    """The level-24 Morton keys of points, with ``grid.unit_xy``'s operations (so a point's
    cell at a zoom is ``grid.cell_of``'s)."""
    lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    x = np.clip((lon + 180.0) / 360.0, 0.0, 1.0)
    s = np.sin(np.radians(lat))
    y = np.clip(0.5 - np.log((1 + s) / (1 - s)) / (4 * math.pi), 0.0, 1.0)
    top = (1 << LEVEL) - 1
    col = np.minimum((x * (1 << LEVEL)).astype(np.uint64), np.uint64(top))
    row = np.minimum((y * (1 << LEVEL)).astype(np.uint64), np.uint64(top))
    return _spread(col) | (_spread(row) << np.uint64(1))


# Columns of grid rows: ids, lat, lon, code index, country index, free.
_Columns = tuple[Any, Any, Any, Any, Any, Any]


def _columns(
    rows: list[repository.GridRow], codes: dict[str, int], countries: dict[str, int]
) -> _Columns:
    """Grid rows as columns; ``codes`` and ``countries`` gain the names first seen."""
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True)) if rows else [()] * 6
    return (
        np.array(columns[0], dtype=np.int64),
        np.array(columns[1], dtype=np.float64),
        np.array(columns[2], dtype=np.float64),
        np.array(
            [-1 if c is None else codes.setdefault(c, len(codes)) for c in columns[3]],
            dtype=np.int32,
        ),
        np.array([countries.setdefault(c, len(countries)) for c in columns[4]], dtype=np.int32),
        np.array([-1 if f is None else int(f) for f in columns[5]], dtype=np.int8),
    )


# What a materialisation reflects: the data version and the latest logged change.
GridVersion = tuple[DataVersion, repository.LatestChange]


@dataclass(frozen=True, slots=True)
class GridPoints:
    """The public points of one data version, sorted by key."""

    version: GridVersion
    keys: KeyArray
    ids: IntArray
    lat: npt.NDArray[np.float64]
    lon: npt.NDArray[np.float64]
    code: npt.NDArray[np.int32]  # index into ``codes`` (main category), -1: none
    country: npt.NDArray[np.int32]  # index into ``countries``
    free: npt.NDArray[np.int8]  # 1 free, 0 paid, -1 unknown
    codes: tuple[str, ...]
    countries: tuple[str, ...]
    # Top-level categories (sorted) and, per code index (then -1 for none), its top's index.
    tops: tuple[str, ...]
    top_of: IntArray

    @classmethod
    def build(
        cls,
        session: Session,
        version: GridVersion,
        *,
        chunk: int = BUILD_CHUNK,
        max_points: int = MAX_POINTS,
    ) -> GridPoints | None:
        """Every public point, read by id in chunks of ``chunk`` rows (one chunk's rows in
        memory at a time, beside the columns); None beyond ``max_points`` points (the
        index's memory bound: the map requests then count in the database)."""
        codes: dict[str, int] = {}
        countries: dict[str, int] = {}
        parts: list[_Columns] = []
        after, total = -1, 0
        # Bounded: each chunk ends at a larger id, and at most max_points // chunk + 1.
        for _ in range(max_points // max(chunk, 1) + 2):
            rows = repository.public_points_after(session, after, chunk)
            total += len(rows)
            if total > max_points:
                return None
            if rows:
                parts.append(_columns(rows, codes, countries))
            if len(rows) < chunk:
                return cls._of(session, version, parts, codes, countries)
            after = int(rows[-1][0])
        return None

    @classmethod
    def _of(
        cls,
        session: Session,
        version: GridVersion,
        parts: list[_Columns],
        codes: dict[str, int],
        countries: dict[str, int],
        kept: GridPoints | None = None,
        keep: npt.NDArray[np.bool_] | None = None,
    ) -> GridPoints:
        if kept is not None and keep is not None:
            ids, lat, lon = kept.ids[keep], kept.lat[keep], kept.lon[keep]
            parts = [(ids, lat, lon, kept.code[keep], kept.country[keep], kept.free[keep]), *parts]
        if not parts:
            parts = [_columns([], codes, countries)]
        ids, lat, lon, code, country, free = (
            np.concatenate([part[i] for part in parts]) for i in range(6)
        )
        keys = keys_of(lat, lon)
        order = np.lexsort((ids, keys))
        parents = repository.top_categories(session)
        tops = tuple(sorted({parents.get(c, c) for c in codes}))
        index = {name: i for i, name in enumerate(tops)}
        top_of = np.array([index[parents.get(c, c)] for c in codes] + [-1], dtype=np.int64)
        return cls(
            version=version,
            keys=keys[order],
            ids=ids[order],
            lat=lat[order],
            lon=lon[order],
            code=code[order],
            country=country[order],
            free=free[order],
            codes=tuple(codes),
            countries=tuple(countries),
            tops=tops,
            top_of=top_of,
        )

    def updated(
        self, session: Session, version: GridVersion, changes: list[tuple[str, str]]
    ) -> GridPoints | None:
        """This materialisation with the logged changes applied (the changed points read
        again), or None when a changed point is no longer stored (a rebuild is needed)."""
        public_ids = {key for kind, key in changes if kind == "point"}
        ids, rows = repository.points_by_public_id(session, public_ids)
        if len(ids) < len(public_ids):
            return None
        keep = ~np.isin(self.ids, np.array(ids, dtype=np.int64))
        codes = {c: i for i, c in enumerate(self.codes)}
        countries = {c: i for i, c in enumerate(self.countries)}
        parts = [_columns(rows, codes, countries)]
        return self._of(session, version, parts, codes, countries, self, keep)

    # Selection -------------------------------------------------------------------------

    def tile_range(self, z: int, x: int, y: int) -> tuple[int, int]:
        """The slice of the points inside tile (or cell) ``x, y`` of ``2^z`` per axis."""
        shift = 2 * (LEVEL - z)
        start = _morton(x, y) << shift
        end = (_morton(x, y) + 1) << shift
        lo = int(np.searchsorted(self.keys, np.uint64(start), side="left"))
        hi = (
            len(self.keys)
            if end >= 1 << (2 * LEVEL)
            else int(np.searchsorted(self.keys, np.uint64(end), side="left"))
        )
        return lo, hi

    def tile_ranges(self, z: int, xs: IntArray, ys: IntArray) -> tuple[IntArray, IntArray]:
        """:meth:`tile_range` of many tiles of zoom ``z`` at once: (starts, ends)."""
        shift = np.uint64(2 * (LEVEL - z))
        heads = _spread(xs.astype(np.uint64)) | (_spread(ys.astype(np.uint64)) << np.uint64(1))
        los = np.searchsorted(self.keys, heads << shift, side="left")
        # The last tile of the grid ends past every key (its end does not fit the keys).
        last = heads + np.uint64(1) >= np.uint64(1 << (2 * z))
        his = np.searchsorted(self.keys, (heads + np.uint64(1)) << shift, side="left")
        his[last] = len(self.keys)
        return los.astype(np.int64), his.astype(np.int64)

    def _mask(self, positions: IntArray, filters: MapFilters) -> IntArray:
        if filters.countries:
            wanted = [i for i, c in enumerate(self.countries) if c in filters.countries]
            positions = positions[np.isin(self.country[positions], wanted)]
        if filters.free is not None:
            positions = positions[self.free[positions] == int(filters.free)]
        return positions

    def in_tile(self, tile: TileId, filters: MapFilters) -> Selection:
        """The points whose cell lies in ``tile``, passing ``filters``."""
        lo, hi = self.tile_range(tile.z, tile.x, tile.y)
        if not (filters.countries or filters.free is not None):
            return slice(lo, hi)
        return self._mask(np.arange(lo, hi, dtype=np.int64), filters)

    def count(self, selection: Selection) -> int:
        return len(self.ids[selection])

    def in_box(self, box: BBox, zoom: int, filters: MapFilters) -> IntArray:
        """Positions of the points inside ``box`` (edges included, either side of the
        antimeridian), passing ``filters``, in key order."""
        chunks: list[IntArray] = []
        for part in box.parts():
            z = max(0, min(zoom, 22))
            while True:
                x0, y0 = _tile_xy(part.max_lat, part.min_lon, z)
                x1, y1 = _tile_xy(part.min_lat, part.max_lon, z)
                if z == 0 or (x1 - x0 + 1) * (y1 - y0 + 1) <= 64:
                    break
                z -= 1
            for tx in range(x0, x1 + 1):
                for ty in range(y0, y1 + 1):
                    lo, hi = self.tile_range(z, tx, ty)
                    if hi <= lo:
                        continue
                    found = np.arange(lo, hi, dtype=np.int64)
                    lat, lon = self.lat[found], self.lon[found]
                    inside = (
                        (lat >= part.min_lat)
                        & (lat <= part.max_lat)
                        & (lon >= part.min_lon)
                        & (lon <= part.max_lon)
                    )
                    chunks.append(found[inside])
        if not chunks:
            return np.empty(0, dtype=np.int64)
        # Parts and tiles never overlap: sorted, runs of one cell stay contiguous.
        positions = np.sort(np.concatenate(chunks))
        return self._mask(positions, filters)

    # Grouping --------------------------------------------------------------------------

    def cells(self, positions: Selection, zoom: int) -> dict[tuple[int, int], Cell]:
        """The selected points (in key order) per grid cell of ``zoom``."""
        if not self.count(positions):
            return {}
        level = zoom + _CELLS_PER_TILE_BITS
        prefix = self.keys[positions] >> np.uint64(2 * (LEVEL - level))
        starts = np.flatnonzero(np.concatenate(([True], prefix[1:] != prefix[:-1])))
        counts = np.diff(np.append(starts, len(prefix)))
        lat, lon = self.lat[positions], self.lon[positions]
        lat_sum = np.add.reduceat(lat, starts)
        lon_sum = np.add.reduceat(lon, starts)
        min_lat, max_lat = np.minimum.reduceat(lat, starts), np.maximum.reduceat(lat, starts)
        min_lon, max_lon = np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts)
        first = np.minimum.reduceat(self.ids[positions], starts)
        # Counts per top-level category of each point's main category.
        names = self.tops
        top = self.top_of[self.code[positions]]  # code -1 picks the trailing -1
        segment = np.repeat(np.arange(len(starts)), counts)
        has = top >= 0
        per_category = np.bincount(
            segment[has] * max(len(names), 1) + top[has],
            minlength=len(starts) * max(len(names), 1),
        ).reshape(len(starts), max(len(names), 1))
        heads = prefix[starts]
        cols, rows = _compact(heads), _compact(heads >> np.uint64(1))
        out: dict[tuple[int, int], Cell] = {}
        for i in range(len(starts)):
            row_counts = per_category[i]
            out[(int(cols[i]), int(rows[i]))] = Cell(
                count=int(counts[i]),
                lat_sum=float(lat_sum[i]),
                lon_sum=float(lon_sum[i]),
                min_lat=float(min_lat[i]),
                max_lat=float(max_lat[i]),
                min_lon=float(min_lon[i]),
                max_lon=float(max_lon[i]),
                first=int(first[i]),
                categories=Counter(
                    {names[k]: int(row_counts[k]) for k in np.flatnonzero(row_counts)}
                ),
            )
        return out

    def points(self, positions: Selection) -> list[tuple[int, float, float]]:
        """(id, lat, lon) of the selected points."""
        return list(
            zip(
                self.ids[positions].tolist(),
                self.lat[positions].tolist(),
                self.lon[positions].tolist(),
                strict=True,
            )
        )


def _tile_xy(lat: float, lon: float, z: int) -> tuple[int, int]:
    keys = keys_of(np.array([lat]), np.array([lon]))
    shift = np.uint64(2 * (LEVEL - z))
    head = keys >> shift
    return int(_compact(head)[0]), int(_compact(head >> np.uint64(1))[0])
