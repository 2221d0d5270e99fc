"""A real Rumbo server for the browser tests (and the screenshot script).

``start_live(database_url)`` migrates and seeds a brand-new database, adds two
organisations with an editor each, and serves the app with uvicorn on a free loopback
port in a thread. The console runs as it would locally over http: the session cookie is
not ``Secure`` and there are no map tiles (``RUMBO_CONSOLE_TILE_URL=""``).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from app import schema
from app.accounts.models import Role
from app.main import create_app
from tests.accounts.helpers import TEST_PASSWORD, make_user
from tests.conftest import seed_database, test_settings
from tests.factories import make_organization

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "LiveConsole", "start_live"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class LiveConsole:
    url: str
    app: FastAPI
    database_url: str
    editor: str
    other_editor: str
    organization: str
    org_admin: str = ""
    password: str = TEST_PASSWORD
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _socket: socket.socket | None = field(default=None, repr=False)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._socket is not None:
            self._socket.close()
        self.app.state.database.dispose()


def start_live(database_url: str, *, seed: bool = True) -> LiveConsole:
    schema.upgrade(database_url)
    if seed:
        seed_database(database_url)
    app = create_app(test_settings(database_url, console_cookie_secure=False, console_tile_url=""))
    with app.state.database.session() as session, session.begin():
        mine = make_organization(session, slug="casa-migrante", name="Casa del Migrante")
        theirs = make_organization(session, slug="otra-ong", name="Otra ONG")
        editor = make_user(session, email="editora@casa-migrante.org", roles=[(mine, Role.editor)])
        other = make_user(session, email="editor@otra-ong.org", roles=[(theirs, Role.editor)])
        admin = make_user(session, email="admin@casa-migrante.org", roles=[(mine, Role.admin)])
        emails = (editor.email, other.email, admin.email)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", ws="none", access_log=False, http="h11"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    return LiveConsole(
        url=f"http://127.0.0.1:{port}",
        app=app,
        database_url=database_url,
        editor=emails[0],
        other_editor=emails[1],
        organization="casa-migrante",
        org_admin=emails[2],
        _server=server,
        _thread=thread,
        _socket=sock,
    )
