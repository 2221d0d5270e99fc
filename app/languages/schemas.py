from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["LanguageRead"]


class LanguageRead(BaseModel):
    tag: str = Field(description="BCP 47 tag", examples=["ht"])
    endonym: str = Field(description="The language's name for itself", examples=["Kreyòl ayisyen"])
    name: str = Field(description="Its name in the response language", examples=["créole haïtien"])
