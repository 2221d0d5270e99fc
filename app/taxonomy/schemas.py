"""Public shapes of categories and audiences."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["AudienceRead", "CategoryNode"]


class CategoryNode(BaseModel):
    code: str = Field(examples=["health_primary"])
    name: str = Field(examples=["Atención primaria"])
    description: str | None = None
    icon: str | None = None
    lang: str = Field(description="Language the name was served in", examples=["es"])
    children: list[CategoryNode] = Field(default_factory=list)


class AudienceRead(BaseModel):
    code: str = Field(examples=["unaccompanied_minors"])
    name: str
    lang: str
