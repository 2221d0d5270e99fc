"""Sync tests sign with a key in a temporary directory, never in ./var/keys."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.signing.keyring import Keyring


@pytest.fixture(scope="session")
def keys_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture
def client(client: TestClient, app: FastAPI, keys_dir: Path) -> Iterator[TestClient]:
    """The shared ``client``, its app signing with the test keys during the test."""
    saved = app.state.keyring
    app.state.keyring = Keyring(keys_dir, create_missing=True)
    yield client
    app.state.keyring = saved


@pytest.fixture
def sync_app(
    fresh_app: Callable[..., tuple[FastAPI, str]], keys_dir: Path
) -> Callable[..., tuple[FastAPI, str]]:
    """``fresh_app`` signing with the test keys."""

    def make(**overrides: object) -> tuple[FastAPI, str]:
        return fresh_app(keys_dir=keys_dir, **overrides)

    return make
