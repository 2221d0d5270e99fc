"""End-to-end journeys in a real browser: Debian's Chromium driven by Playwright.

A real server (uvicorn, in a thread) runs on a brand-new migrated and seeded database, on
SQLite and, when ``RUMBO_TEST_POSTGRES_URL`` is set, on PostgreSQL. The tests skip only
when Chromium is not installed (``apt-get install -y chromium``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import POSTGRES_URL, create_postgres_database, drop_postgres_database
from tests.console.live import CHROMIUM, CHROMIUM_ARGS, LiveConsole, start_live

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture(scope="module")
def live(engine_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    if engine_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'rumbo.db'}"
    else:
        assert POSTGRES_URL
        url = create_postgres_database(POSTGRES_URL)
    server = start_live(url)
    try:
        yield server
    finally:
        server.stop()
        if engine_kind == "postgres" and POSTGRES_URL:
            drop_postgres_database(POSTGRES_URL, url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Tab:
    """A page that records console errors and CSP violations, with small helpers."""

    def __init__(self, page: Any, live: LiveConsole) -> None:
        self.page = page
        self.live = live
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.set_default_timeout(15_000)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(text)
        if "Content Security Policy" in text or "Refused to" in text:
            self.problems.append(text)

    def go(self, path: str) -> Any:
        return self.page.goto(self.live.url + path)

    def log_in(self, email: str) -> None:
        self.go("/console/login")
        self.page.fill("#f-email", email)
        self.page.fill("#f-password", self.live.password)
        self.page.click("form[action='/console/login'] button[type=submit]")
        self.page.wait_for_url(self.live.url + "/console/")

    def create_point(self, name: str, lat: str, lon: str) -> str:
        page = self.page
        self.go("/console/points/new")
        page.fill("#f-name", name)
        page.fill("#f-lat", lat)
        page.fill("#f-lon", lon)
        page.fill("#f-country", "PA")
        page.fill("#f-locality", "Bajo Chiquito")
        page.check("#cat-shelter")
        page.fill("#f-opening_hours", "Mo-Fr 08:00-17:00; Sa 09:00-12:00")
        page.click("#point-form button[type=submit]")
        page.wait_for_url(re.compile(rf".*/console/points/{UUID}\?notice=created$"))
        match = re.search(UUID, page.url)
        assert match
        return match.group(0)


@pytest.fixture
def tabs(browser: Any, live: LiveConsole) -> Iterator[Any]:
    contexts: list[Any] = []
    opened: list[Tab] = []

    def new_tab(*, width: int = 1280, locale: str = "en-GB", context: Any = None) -> Tab:
        if context is None:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
            contexts.append(context)
        tab = Tab(context.new_page(), live)
        opened.append(tab)
        return tab

    yield new_tab
    problems = [p for tab in opened for p in tab.problems]
    for context in contexts:
        context.close()
    assert not problems, problems


def test_the_editor_map_draws_public_points_from_the_vector_tiles(tabs, live: LiveConsole):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/points/new")

    def vector_tile(response: Any) -> bool:
        return (
            "/v1/tiles/13/" in response.url
            and response.status == 200
            and response.headers.get("content-type") == "application/vnd.mapbox-vector-tile"
        )

    # Bajo Chiquito: the seed has reception points there. Typing its coordinates moves the map
    # to zoom 13, whose tiles are asked for then (awaited, not collected by a listener: the
    # browser's response events may reach the test after the drawing they fed).
    page.fill("#f-lat", "8.065")
    page.fill("#f-lon", "-77.545")
    with page.expect_response(vector_tile, timeout=15_000):
        page.press("#f-lon", "Tab")
    page.wait_for_selector("#map.public-points svg path", timeout=15_000)
    assert page.locator("#map svg path").count() >= 3


def test_journey_create_translate_publish_and_keep_it_to_my_organisation(tabs, live: LiveConsole):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    # Typed coordinates place the marker on the map, without tiles.
    me.go("/console/points/new")
    assert page.locator(".leaflet-container.no-tiles").count() == 1
    page.fill("#f-lat", "8.5126")
    page.fill("#f-lon", "-77.9")
    page.press("#f-lon", "Tab")
    page.wait_for_selector(".leaflet-marker-icon")
    # The opening hours are checked and described while typing.
    page.fill("#f-opening_hours", "Mo-Fr 08:00-17:00; PH off")
    page.wait_for_selector("#hours-preview li")
    assert page.locator("#hours-preview li").all_inner_texts() == [
        "Mon–Fri: 08:00–17:00",
        "Public holidays: closed",
    ]
    page.fill("#f-opening_hours", "Mo-Fr 25:00")
    page.wait_for_selector("#hours-preview .error")
    assert page.get_attribute("#f-opening_hours", "aria-invalid") == "true"

    point_id = me.create_point("Albergue Bajo Chiquito", "8.5126", "-77.9")
    assert "Albergue Bajo Chiquito" in page.inner_text("h1")
    assert page.locator("p.notice[role=status]").count() == 1

    # Translate into French, side by side with the original.
    page.click("nav.subnav >> text=Translations")
    page.click("nav.langs a[href='?lang=fr']")
    assert "Albergue Bajo Chiquito" in page.inner_text("section.original")
    page.fill("#f-name", "Refuge de Bajo Chiquito")
    page.fill("#f-description", "Hébergement temporaire pour les familles.")
    page.click("form[action$='/translations/fr'] button[type=submit]")
    page.wait_for_url(re.compile(r".*notice=translation_saved$"))
    assert "up to date" in page.inner_text("nav.langs a[href='?lang=fr']")

    # Publish, then the public API serves it in French.
    me.go(f"/console/points/{point_id}")
    page.click("form[action$='/status'] button:has-text('Publish')")
    page.wait_for_url(re.compile(r".*notice=status_changed$"))
    assert page.inner_text(".heading .badge") == "Published"
    public = page.context.request.get(f"{live.url}/v1/points/{point_id}?lang=fr")
    assert public.status == 200
    body = public.json()
    assert body["name"] == "Refuge de Bajo Chiquito" and body["status"] == "published"
    assert body["location"] == {"lat": 8.5126, "lon": -77.9}
    assert body["opening_hours"] == "Mo-Fr 08:00-17:00; Sa 09:00-12:00"

    # An editor of another organisation cannot open it (nor its drafts).
    other = tabs()
    other.log_in(live.other_editor)
    response = other.go(f"/console/points/{point_id}")
    assert response.status == 404
    assert "Refuge" not in other.page.content() and "Bajo Chiquito" not in other.page.content()
    draft_id = me.create_point("Borrador privado", "9.0", "-79.5")
    assert other.go(f"/console/points/{draft_id}").status == 404
    other.go("/console/points?q=Borrador")
    assert other.page.locator("table.list").count() == 0


def test_a_form_posted_without_its_csrf_token_is_refused(tabs, live: LiveConsole):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/points/new")
    page.fill("#f-name", "Punto sin token")
    page.fill("#f-lat", "9.1")
    page.fill("#f-lon", "-79.4")
    page.fill("#f-country", "PA")
    page.check("#cat-shelter")
    page.evaluate("document.querySelector('#point-form input[name=csrf_token]').remove()")
    with page.expect_navigation() as navigation:
        page.click("#point-form button[type=submit]")
    assert navigation.value.status == 403
    assert "Not allowed" in page.inner_text("h1")
    me.go("/console/points?q=sin+token")
    assert page.locator("table.list").count() == 0


def test_two_tabs_editing_the_same_point_end_in_a_visible_conflict(tabs, live: LiveConsole):
    first = tabs()
    first.log_in(live.editor)
    point_id = first.create_point("Comedor San José", "8.95", "-79.55")
    second = tabs(context=first.page.context)
    for tab in (first, second):
        tab.go(f"/console/points/{point_id}")
    first.page.fill("#f-name", "Comedor San José Obrero")
    first.page.click("#point-form button[type=submit]")
    first.page.wait_for_url(re.compile(r".*notice=saved$"))

    second.page.fill("#f-name", "Comedor Parroquial")
    second.page.fill("#f-locality", "Ciudad de Panamá")
    with second.page.expect_navigation() as navigation:
        second.page.click("#point-form button[type=submit]")
    assert navigation.value.status == 409
    conflict = second.page.locator("#conflict")
    assert conflict.is_visible()
    text = conflict.inner_text()
    assert "Comedor San José Obrero" in text and "Comedor Parroquial" in text
    assert live.editor in text
    # Nothing was overwritten; the form keeps their name and carries my locality over.
    assert second.page.input_value("#f-name") == "Comedor San José Obrero"
    assert second.page.input_value("#f-locality") == "Ciudad de Panamá"
    saved = second.page.context.request.get(f"{live.url}/console/points/{point_id}")
    assert 'value="Comedor San José Obrero"' in saved.text()
    # Saving again is a decision taken with the other change in view.
    second.page.click("#point-form button[type=submit]")
    second.page.wait_for_url(re.compile(r".*notice=saved$"))
    assert second.page.input_value("#f-locality") == "Ciudad de Panamá"
    assert second.page.input_value("#f-name") == "Comedor San José Obrero"


PAGES = [
    "/console/",
    "/console/points",
    "/console/points/new",
    "/console/alerts",
    "/console/alerts/new",
]


@pytest.mark.parametrize("width", [360, 1280])
def test_usable_at_360_px_labelled_and_light(tabs, live: LiveConsole, width: int):
    me = tabs(width=width)
    me.log_in(live.editor)
    page = me.page
    weights = {}
    for path in PAGES:
        me.go(path)
        page.wait_for_load_state("load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, width, overflow)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea, button')]
                .filter(el => el.type !== 'hidden')
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                              && !(el.tagName === 'BUTTON' && el.textContent.trim()))
                .map(el => el.outerHTML)"""
        )
        assert unlabelled == [], (path, unlabelled)
        weights[path] = page.evaluate(
            """() => performance.getEntriesByType('navigation')
                .concat(performance.getEntriesByType('resource'))
                .reduce((sum, e) => sum + (e.transferSize || 0), 0)"""
        )
    print(f"\ntransferred at {width}px (bytes, before tiles):", weights)
    assert max(weights.values()) < 100_000, weights


def test_keyboard_reaches_every_part_of_the_editor(tabs, live: LiveConsole):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/points/new")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    reached: list[str] = []
    for _ in range(120):
        page.keyboard.press("Tab")
        ident = page.evaluate(
            "document.activeElement.id || document.activeElement.getAttribute('type') || ''"
        )
        reached.append(ident)
        if ident == "submit":
            break
    for control in (
        "f-name",
        "f-lat",
        "f-lon",
        "map",
        "f-country",
        "cat-shelter",
        "f-opening_hours",
    ):
        assert control in reached, (control, reached)
    assert reached[-1] == "submit"


def test_the_console_switches_to_french(tabs, live: LiveConsole):
    me = tabs(locale="es-CO")
    me.log_in(live.editor)
    page = me.page
    assert page.get_attribute("html", "lang") == "es"
    page.select_option("#console-lang", "fr")
    page.click("form[action='/console/language'] button")
    page.wait_for_url(live.url + "/console/")
    assert page.get_attribute("html", "lang") == "fr"
    assert "Tableau de bord" in page.inner_text("h1")


def test_screenshots_can_be_taken(tabs, live: LiveConsole, tmp_path: Path):
    me = tabs(width=360)
    me.log_in(live.editor)
    target = tmp_path / "dashboard-360.png"
    me.page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 5_000


def test_an_alert_area_is_drawn_on_the_map_and_saved(tabs, live: LiveConsole, tmp_path: Path):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/alerts/new")
    page.locator("#area-map").scroll_into_view_if_needed()
    box = page.locator("#area-map").bounding_box()
    assert box and page.locator("#area-map.leaflet-container.no-tiles").count() == 1
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    # A bow tie (its edges cross) is drawn, saved, and refused next to the map.
    page.click("#draw-polygon")
    assert page.is_disabled("#draw-finish")
    for dx, dy in ((-40, -40), (40, 40), (40, -40), (-40, 40)):
        page.mouse.click(cx + dx, cy + dy)
    page.click("#draw-finish")
    assert page.is_checked("#area_kind-geojson")
    page.select_option("#category", "health")
    page.fill(
        "#expires", (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill("#original_language", "es")
    page.fill("#title", "Brote de sarampión en Lajas Blancas")
    with page.expect_navigation() as navigation:
        page.click("#alert-form button[type=submit]")
    assert navigation.value.status == 422
    assert "Self-intersection" in page.inner_text("#e-area")
    assert page.locator("#area-map path.leaflet-interactive").count() == 1  # shown as sent

    # Redrawn: four clicks, the last one undone, closed: a triangle.
    page.click("#draw-clear")
    assert page.input_value("#geojson") == ""
    page.locator("#area-map").scroll_into_view_if_needed()
    box = page.locator("#area-map").bounding_box()
    assert box
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click("#draw-polygon")
    for dx, dy in ((-40, 40), (40, 40), (0, -40), (60, -60)):
        page.mouse.click(cx + dx, cy + dy)
    page.click("#draw-undo")
    page.click("#draw-finish")
    ring = json.loads(page.input_value("#geojson"))["coordinates"][0]
    assert len(ring) == 4 and ring[0] == ring[-1]
    page.screenshot(path=str(tmp_path / "alert-form.png"), full_page=True)
    page.click("#alert-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/alerts\?notice=saved$"))
    card = page.locator("#alerts-drafts + ul li", has_text="Brote de sarampión en Lajas Blancas")
    assert "Area: polygon" in card.inner_text()
    page.screenshot(path=str(tmp_path / "alerts.png"), full_page=True)


def test_an_alert_circle_is_drawn_with_two_clicks(tabs, live: LiveConsole):
    me = tabs(width=360)
    me.log_in(live.editor)
    page = me.page
    me.go("/console/alerts/new")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.locator("#area-map").scroll_into_view_if_needed()
    box = page.locator("#area-map").bounding_box()
    assert box
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.click("#draw-circle")
    page.mouse.click(cx, cy)
    page.mouse.click(cx + 20, cy)
    assert page.is_checked("#area_kind-circle")
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert abs(lat - 9.0) < 1 and abs(lon + 79.5) < 1
    assert float(page.input_value("#radius_km")) > 50
    assert page.locator("#area-map path.leaflet-interactive").count() == 1


def test_the_alert_list_maps_active_and_scheduled_areas(tabs, live: LiveConsole, tmp_path: Path):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/alerts/new")
    page.check("#area_kind-circle")
    page.fill("#lat", "8.43")
    page.fill("#lon", "-76.78")
    page.fill("#radius_km", "40")
    page.select_option("#severity", "Minor")
    page.fill(
        "#expires", (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    )
    page.fill("#original_language", "es")
    title = "Río crecido <b>en</b> Acandí"
    page.fill("#title", title)
    page.click("#alert-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/console/alerts\?notice=saved$"))
    page.click("#alerts-drafts + ul li:has-text('Acandí') button:has-text('Publish')")
    page.wait_for_url(re.compile(r".*notice=published$"))
    assert page.locator(".area-view.leaflet-container path.leaflet-interactive").count() >= 1
    # Its title is shown as text in the tooltip, never as markup.
    page.locator(".area-view path.leaflet-interactive").last.hover()
    page.wait_for_selector(".leaflet-tooltip")
    assert title in page.inner_text(".leaflet-tooltip")
    assert page.locator(".leaflet-tooltip b").count() == 0
    page.screenshot(path=str(tmp_path / "alert-list.png"), full_page=True)
    page.click("#alerts-active + ul li:has-text('Acandí') >> text=Translate")
    assert page.locator(".area-view.leaflet-container path.leaflet-interactive").count() == 1


def test_an_alert_polygon_can_be_drawn_with_the_keyboard(tabs, live: LiveConsole):
    me = tabs()
    me.log_in(live.editor)
    page = me.page
    me.go("/console/alerts/new")
    page.click("#draw-polygon")
    page.focus("#area-map")
    for key in ("ArrowLeft", "ArrowDown", "ArrowRight"):
        page.keyboard.press("Space")
        for _ in range(3):
            page.keyboard.press(key)
        # Leaflet pans with an animation: the next vertex is the centre once it has ended.
        page.wait_for_timeout(600)
    page.keyboard.press("Space")
    page.keyboard.press("Backspace")  # undo the last one
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    ring = json.loads(page.input_value("#geojson"))["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert len({tuple(p) for p in ring}) == 4


def test_the_alert_form_works_without_javascript(browser, tabs, live: LiveConsole):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    try:
        me = tabs(context=context)
        me.log_in(live.editor)
        page = me.page
        me.go("/console/alerts/new")
        assert not page.is_visible("#area-map") and page.locator("#draw-polygon").count() == 0
        page.check("#area_kind-countries")
        page.fill("#countries", "PA, CR")
        page.select_option("#severity", "Minor")
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        page.fill("#expires", expires.strftime("%Y-%m-%dT%H:%M"))
        page.fill("#original_language", "es")
        page.fill("#title", "Frontera cerrada en Paso Canoas")
        page.click("#alert-form button[type=submit]")
        page.wait_for_url(re.compile(r".*/console/alerts\?notice=saved$"))
        card = page.locator("#alerts-drafts + ul li", has_text="Paso Canoas")
        assert "Area: Whole countries · CR, PA" in card.inner_text()
    finally:
        context.close()
