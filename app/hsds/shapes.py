"""Response shapes of the HSDS API, for the OpenAPI document.

The bodies themselves are built as plain dicts by app.hsds.mapping and checked against the
official HSDS JSON schemas in the tests; these models only describe the envelopes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ApiMeta", "HsdsPage"]


class ApiMeta(BaseModel):
    version: str = Field(description="HSDS version of this API", examples=["3.1"])
    profile: str = Field(description="URL of this API's HSDS profile")
    openapi_url: str = Field(description="URL of the OpenAPI document of this API")


class HsdsPage(BaseModel):
    """The HSDS ``Page`` object."""

    total_items: int
    total_pages: int
    page_number: int
    size: int = Field(description="Number of objects in this page")
    first_page: bool
    last_page: bool
    empty: bool
    contents: list[dict[str, Any]]
