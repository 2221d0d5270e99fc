"""Public keys that verify bundles and sync pages (``/v1/keys``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

__all__ = ["KeySet", "PublicKeyRead", "router"]

router = APIRouter(prefix="/v1", tags=["offline"])


class PublicKeyRead(BaseModel):
    kid: str = Field(description="Key id, as sent in the Rumbo-Key-Id header")
    alg: str = Field(examples=["Ed25519"])
    public_key: str = Field(description="Base64 of the 32-byte Ed25519 public key")
    created_at: str
    retired_at: str | None = Field(
        default=None, description="No longer signs; still verifies what it signed"
    )
    revoked_at: str | None = Field(
        default=None,
        description="Stolen or leaked: refuse everything signed with this key, and trust no "
        "key it endorsed",
    )
    endorsed_by: str | None = Field(
        default=None, description="The previous key, which signed this key's endorsement"
    )
    endorsement: str | None = Field(
        default=None,
        description="Base64 signature by `endorsed_by` of `rumbo-key-endorsement:<kid>:` "
        "followed by the raw public key: an app that trusts the old key can trust this one",
    )


class KeySet(BaseModel):
    current: str = Field(description="The key id that signs now")
    keys: list[PublicKeyRead]


@router.get(
    "/keys",
    operation_id="listSigningKeys",
    summary="Public keys (with ids) that verify signed bundles and sync pages",
    response_model_exclude_none=True,
    responses={503: {"content": {"application/problem+json": {}}}},
)
def list_keys(request: Request, response: Response) -> KeySet:
    keyring = request.app.state.keyring
    keys: list[Any] = [PublicKeyRead(**key.as_json()) for key in keyring.public_keys()]
    response.headers["Cache-Control"] = "public, max-age=300"
    return KeySet(current=keyring.current_kid, keys=keys)
