"""The import report (the body of ``POST /v1/imports``, and of its 422)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["ExportFormat", "ImportReport", "RowDuplicate", "RowMessage"]

ExportFormat = Literal["csv", "geojson", "hsds"]
MAX_MESSAGES = 1000


class RowMessage(BaseModel):
    row: int = Field(
        description="CSV: the spreadsheet row (header = 1); GeoJSON: the feature "
        "(from 1); HSDS: the service_at_location (from 1); 0: the file as a whole"
    )
    field: str = Field(description="The column (CSV name, e.g. `lat` or `name:fr`)")
    detail: str
    ref: str | None = Field(default=None, description="The feature id or HSDS service it is")


class RowDuplicate(BaseModel):
    row: int
    point_id: str = Field(description="The existing point that looks like the same place")
    name: str
    distance_m: float
    similarity: float = Field(description="Name similarity, 0-100")


class ImportReport(BaseModel):
    """What an import read, did (or would do), and every problem it found."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = Field(default_factory=list)
    organization: str
    dry_run: bool
    committed: bool = Field(default=False, description="True when the changes were saved")
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowMessage] = Field(default_factory=list)
    warnings: list[RowMessage] = Field(default_factory=list)
    possible_duplicates: list[RowDuplicate] = Field(default_factory=list)
    ignored: list[str] = Field(
        default_factory=list, description="Columns or HSDS fields Rumbo has no place for"
    )
    truncated: bool = Field(
        default=False, description=f"More than {MAX_MESSAGES} errors or warnings: the rest omitted"
    )

    def error(self, row: int, field: str, detail: str, ref: str | None = None) -> None:
        if len(self.errors) < MAX_MESSAGES:
            self.errors.append(RowMessage(row=row, field=field, detail=detail, ref=ref))
        else:
            self.truncated = True

    def warn(self, row: int, field: str, detail: str, ref: str | None = None) -> None:
        if len(self.warnings) < MAX_MESSAGES:
            self.warnings.append(RowMessage(row=row, field=field, detail=detail, ref=ref))
        else:
            self.truncated = True
