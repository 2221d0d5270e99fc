"""Is there land near a point? A 1-arc-minute land grid derived from NOAA's GLOBE mask.

Natural Earth's 1:50m coast can be several kilometres off (São Luís, Belém, Búzios lie
"at sea" on it), so ``/v1/where`` does not call a point "at sea" on the polygons alone: it
asks this grid too. Each cell (1' × 1', about 1.85 km north-south) is land when GLOBE's
30" mask has land anywhere in it. The grid is 10,800 × 21,600 bits packed into 29 MB,
read once per process from ``seed/boundaries/land_1arcmin.npz`` (see the README there for
its source and how it is rebuilt). The coordinates it is given are never logged or kept.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = ["DEFAULT_PATH", "LandGrid", "load_land_grid"]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "seed" / "boundaries" / "land_1arcmin.npz"
CELLS_PER_DEGREE = 60
KM_PER_CELL = 111.32 / CELLS_PER_DEGREE


class LandGrid:
    """Packed rows of land bits, row 0 at 90°N, column 0 at 180°W."""

    def __init__(self, packed: npt.NDArray[np.uint8]) -> None:
        self._packed = packed
        self.rows = packed.shape[0]
        self.cols = packed.shape[1] * 8

    @classmethod
    def from_npz(cls, path: Path) -> LandGrid:
        with np.load(path) as data:
            return cls(np.ascontiguousarray(data["land"], dtype=np.uint8))

    def _cell(self, lat: float, lon: float) -> tuple[int, int]:
        row = min(self.rows - 1, max(0, int((90.0 - lat) * CELLS_PER_DEGREE)))
        col = int(((lon + 180.0) % 360.0) * CELLS_PER_DEGREE) % self.cols
        return row, col

    def land_within(self, lat: float, lon: float, km: float) -> bool:
        """Whether any land cell lies within about ``km`` of the point (a box of cells:
        ``km`` north and south, ``km`` east and west at the point's latitude; at least
        the point's own cell and its eight neighbours)."""
        row, col = self._cell(lat, lon)
        dr = max(1, math.ceil(km / KM_PER_CELL))
        dc = max(1, math.ceil(km / (KM_PER_CELL * max(math.cos(math.radians(lat)), 0.05))))
        dc = min(dc, self.cols // 2)
        top, bottom = max(0, row - dr), min(self.rows, row + dr + 1)
        first, last = col - dc, col + dc
        if first < 0:
            spans = [(first + self.cols, self.cols - 1), (0, last)]
        elif last >= self.cols:
            spans = [(first, self.cols - 1), (0, last - self.cols)]
        else:
            spans = [(first, last)]
        return any(self._any_set(top, bottom, a, b) for a, b in spans)

    def _any_set(self, top: int, bottom: int, first: int, last: int) -> bool:
        """Whether any bit of rows ``top:bottom``, columns ``first..last`` is set."""
        block = self._packed[top:bottom, first >> 3 : (last >> 3) + 1]
        if not block.any():
            return False
        bits = np.unpackbits(block, axis=1)
        offset = first & ~7
        return bool(bits[:, first - offset : last - offset + 1].any())


_lock = threading.Lock()
_loaded: dict[Path, LandGrid] = {}


def load_land_grid(path: Path = DEFAULT_PATH) -> LandGrid:
    """The grid at ``path``, read on first use and kept for the life of the process."""
    if (grid := _loaded.get(path)) is not None:
        return grid
    with _lock:
        if path not in _loaded:
            _loaded[path] = LandGrid.from_npz(path)
        return _loaded[path]
