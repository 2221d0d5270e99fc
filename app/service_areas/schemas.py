"""Answers of the area-service API. ``AreaServiceRead`` (their own shape, without
``location``: an area service may have no door, and clients that expect ``location`` on every
point keep working) lives beside the point shapes, as point pages carry it too."""

from __future__ import annotations

from pydantic import BaseModel

from app.service_points.schemas import AreaServiceRead

__all__ = ["AreaServicePage", "AreaServiceRead", "StaffAreaServicePage", "StaffAreaServiceRead"]


class AreaServicePage(BaseModel):
    items: list[AreaServiceRead]
    lang: str


class StaffAreaServiceRead(AreaServiceRead):
    etag: str
    version: int
    translations: dict[str, dict[str, str | None]]
    original_language: str


class StaffAreaServicePage(BaseModel):
    items: list[StaffAreaServiceRead]
    next_cursor: str | None = None
