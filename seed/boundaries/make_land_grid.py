"""Build ``land_1arcmin.npz`` (the land grid ``app.countries.land`` reads) from GLOBE.

    .tools/bin/uv run --with global-land-mask==1.0.0 python seed/boundaries/make_land_grid.py

global-land-mask ships NOAA's GLOBE 30-arc-second (about 1 km) land/water mask (public
domain); it is needed only to rebuild the file, not at run time. A 1-arc-minute cell is land
when any of its four GLOBE cells is land. Rows run from 90°N southwards, columns from 180°W
eastwards; bits are packed along each row (``numpy.packbits``, big-endian bit order).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from global_land_mask import globe

OUT = Path(__file__).resolve().parent / "land_1arcmin.npz"


def main() -> None:
    water = globe._mask  # (21600, 43200), True on water, row 0 at 90°N, column 0 at 180°W
    land = ~water
    rows, cols = land.shape
    coarse = land.reshape(rows // 2, 2, cols // 2, 2).any(axis=(1, 3))
    np.savez_compressed(OUT, land=np.packbits(coarse, axis=1))
    print(f"{OUT.name}: {coarse.shape[0]} x {coarse.shape[1]} cells, {coarse.mean():.1%} land")


if __name__ == "__main__":
    main()
