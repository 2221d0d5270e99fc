"""Take the console screenshots of the README: ``python -m tests.console.screenshots``.

Starts a live server on a fresh seeded SQLite database (no map tiles: the typed-coordinates
view), logs in as an editor and moderator of two seed organisations, and saves the
dashboard, the list of points and the editor at 1280 px and 360 px wide into
``docs/screenshots/`` (or the directory given as the first argument).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select

from app.accounts.models import Role
from app.organizations.models import Organization
from app.service_points.models import ServicePoint
from tests.accounts.helpers import make_user
from tests.console.live import CHROMIUM, CHROMIUM_ARGS, start_live

ORGANIZATIONS = ("cruz-roja-hondurena", "unicef")
EMAIL = "coordinacion@example.org"


def _prepare(live_app: object) -> str:
    """An editor and moderator of two seed organisations; a point of theirs to show."""
    database = live_app.state.database  # type: ignore[attr-defined]
    with database.session() as session, session.begin():
        orgs = session.scalars(select(Organization).where(Organization.slug.in_(ORGANIZATIONS)))
        roles = [(org, role) for org in orgs for role in (Role.editor, Role.moderator)]
        make_user(session, email=EMAIL, roles=roles)
        point = session.scalars(
            select(ServicePoint)
            .join(Organization, Organization.id == ServicePoint.organization_id)
            .where(Organization.slug == ORGANIZATIONS[0], ServicePoint.opening_hours.is_not(None))
            .order_by(ServicePoint.id)
        ).first()
        assert point is not None
        return point.public_id


def main(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        live = start_live(f"sqlite:///{tmp}/rumbo.db")
        try:
            point_id = _prepare(live.app)
            shots = {
                "dashboard": "/console/",
                "list": "/console/points?sort=name",
                "editor": f"/console/points/{point_id}",
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
                )
                for width in (1280, 360):
                    context = browser.new_context(
                        viewport={"width": width, "height": 800}, locale="es-CO"
                    )
                    page = context.new_page()
                    page.goto(live.url + "/console/login")
                    page.fill("#f-email", EMAIL)
                    page.fill("#f-password", live.password)
                    page.click("form[action='/console/login'] button[type=submit]")
                    page.wait_for_url(live.url + "/console/")
                    for name, path in shots.items():
                        page.goto(live.url + path)
                        page.wait_for_load_state("networkidle")
                        # A viewport as tall as the page: sticky bars sit where they belong.
                        height = page.evaluate("document.documentElement.scrollHeight")
                        page.set_viewport_size({"width": width, "height": height})
                        out = target / f"console-{name}-{width}.png"
                        page.screenshot(path=str(out))
                        page.set_viewport_size({"width": width, "height": 800})
                        print(out)
                    context.close()
                browser.close()
        finally:
            live.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
