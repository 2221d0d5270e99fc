"""A grid cell's points, aggregated: what a cluster shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from app.maps import repository

__all__ = ["Cell"]


@dataclass(slots=True)
class Cell:
    count: int = 0
    lat_sum: float = 0.0
    lon_sum: float = 0.0
    min_lat: float = 90.0
    max_lat: float = -90.0
    min_lon: float = 180.0
    max_lon: float = -180.0
    first: int = 0
    categories: Counter[str] = field(default_factory=Counter)

    def add(self, pid: int, lat: float, lon: float, top: str | None) -> None:
        if not self.count:
            self.first = pid
        self.count += 1
        self.lat_sum += lat
        self.lon_sum += lon
        self.min_lat, self.max_lat = min(self.min_lat, lat), max(self.max_lat, lat)
        self.min_lon, self.max_lon = min(self.min_lon, lon), max(self.max_lon, lon)
        if top is not None:
            self.categories[top] += 1

    def merge(self, row: repository.CellRow, top: str | None) -> None:
        """Add a group of points aggregated by the database (one cell, one category)."""
        _, _, _, count, lat_sum, lon_sum, min_lat, max_lat, min_lon, max_lon, first = row
        self.first = first if not self.count else min(self.first, first)
        self.count += count
        self.lat_sum += lat_sum
        self.lon_sum += lon_sum
        self.min_lat, self.max_lat = min(self.min_lat, min_lat), max(self.max_lat, max_lat)
        self.min_lon, self.max_lon = min(self.min_lon, min_lon), max(self.max_lon, max_lon)
        if top is not None:
            self.categories[top] += count

    def centre(self) -> tuple[float, float]:
        """The mean position, kept inside the bounds (a sum of equal coordinates divided
        by their count can land a rounding error outside them)."""
        lat = min(max(self.lat_sum / self.count, self.min_lat), self.max_lat)
        lon = min(max(self.lon_sum / self.count, self.min_lon), self.max_lon)
        return lat, lon

    def bounds(self) -> list[float]:
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]
