"""OASIS CAP 1.2 and Atom renderings of alerts, as national alerting hubs publish them.

One CAP ``<alert>`` per alert with one ``<info>`` per language it has (each text falling
back to the original language field by field); the area as ``<polygon>`` ("lat,lon" pairs),
``<circle>`` ("lat,lon radius_km") or ISO 3166-1 ``<geocode>`` values. Times carry an
explicit offset (CAP forbids ``Z``). A polygon's holes cannot be said in CAP: its outer
rings are given (the area may be larger than the alert's, never smaller). Sample alerts are
``<status>Test</status>`` (recipients disregard them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from xml.etree import ElementTree as ET

from app.alerts.categories import CAP_CATEGORY, label
from app.alerts.models import TRANSLATABLE_FIELDS, Alert, AlertCategory, AlertStatus
from app.i18n.fallback import localise

__all__ = ["CAP_MEDIA_TYPE", "CAP_NS", "atom_feed", "cap_document"]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _area(info: ET.Element, alert: Alert, description: str) -> None:
    q = f"{{{CAP_NS}}}"
    area = _sub(info, q + "area")
    _sub(area, q + "areaDesc", description)
    shape: dict[str, Any] = alert.area
    if shape["type"] in ("Polygon", "MultiPolygon"):
        polygons = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
        for rings in polygons:
            _sub(area, q + "polygon", " ".join(f"{lat},{lon}" for lon, lat in rings[0]))
    elif shape["type"] == "Circle":
        lon, lat = shape["center"]
        _sub(area, q + "circle", f"{lat},{lon} {shape['radius_m'] / 1000:g}")
    for code in alert.countries:
        geocode = _sub(area, q + "geocode")
        _sub(geocode, q + "valueName", "ISO3166-1")
        _sub(geocode, q + "value", code)


def _texts(alert: Alert) -> dict[str, dict[str, str | None]]:
    return {t.lang: {f: getattr(t, f) for f in TRANSLATABLE_FIELDS} for t in alert.translations}


def cap_document(alert: Alert, *, sender: str, web: str) -> bytes:
    """The alert as a CAP 1.2 XML document (UTF-8, with declaration)."""
    ET.register_namespace("", CAP_NS)
    root = ET.Element(f"{{{CAP_NS}}}alert")
    q = f"{{{CAP_NS}}}"

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        return _sub(parent, q + tag, text)

    sub(root, "identifier", f"urn:uuid:{alert.public_id}")
    sub(root, "sender", sender)
    sub(root, "sent", _time(alert.published_at or alert.updated_at))
    sub(root, "status", "Test" if alert.is_sample else "Actual")
    cancelled = alert.status == AlertStatus.cancelled.value
    sub(root, "msgType", "Cancel" if cancelled else "Alert")
    sub(root, "scope", "Public")
    if alert.is_sample:
        sub(root, "note", "Sample data that nobody has verified")
    texts = _texts(alert)
    langs = [alert.original_language, *sorted(t for t in texts if t != alert.original_language)]
    for lang in langs:
        chosen = localise(texts, TRANSLATABLE_FIELDS, (lang, alert.original_language)).values
        info = sub(root, "info")
        sub(info, "language", lang)
        sub(info, "category", CAP_CATEGORY[AlertCategory(alert.category)])
        sub(info, "event", label(alert.category, (lang,))[0])
        sub(info, "urgency", alert.urgency)
        sub(info, "severity", alert.severity)
        sub(info, "certainty", alert.certainty)
        sub(info, "effective", _time(alert.effective_at))
        sub(info, "expires", _time(alert.expires_at))
        sub(info, "senderName", alert.organization.name)
        sub(info, "headline", chosen.get("title"))
        if chosen.get("body"):
            sub(info, "description", chosen["body"])
        if chosen.get("instructions"):
            sub(info, "instruction", chosen["instructions"])
        sub(info, "web", alert.source_url or web)
        _area(info, alert, chosen.get("area_description") or ", ".join(alert.countries))
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def atom_feed(
    alerts: Sequence[Alert],
    *,
    country: str,
    country_name: str,
    self_url: str,
    alert_url: str,
    lang: str,
    now: dt.datetime,
) -> bytes:
    """An Atom (RFC 4287) feed of a country's active alerts; each entry links its CAP."""
    ET.register_namespace("", ATOM_NS)
    a = f"{{{ATOM_NS}}}"
    feed = ET.Element(a + "feed")
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", lang)
    _sub(feed, a + "id", f"{self_url}")
    _sub(feed, a + "title", f"Rumbo alerts: {country_name}")
    latest = max((x.updated_at for x in alerts), default=now)
    _sub(feed, a + "updated", _time(latest))
    link = _sub(feed, a + "link")
    link.set("rel", "self")
    link.set("href", self_url)
    author = _sub(feed, a + "author")
    _sub(author, a + "name", "Rumbo")
    for alert in alerts:
        texts = _texts(alert)
        chosen = localise(texts, ("title", "body"), (lang, alert.original_language)).values
        entry = _sub(feed, a + "entry")
        _sub(entry, a + "id", f"urn:uuid:{alert.public_id}")
        _sub(entry, a + "title", f"{alert.severity}: {chosen.get('title', '')}")
        _sub(entry, a + "updated", _time(alert.updated_at))
        if alert.published_at:
            _sub(entry, a + "published", _time(alert.published_at))
        if chosen.get("body"):
            _sub(entry, a + "summary", chosen["body"])
        category = _sub(entry, a + "category")
        category.set("term", alert.category)
        cap = _sub(entry, a + "link")
        cap.set("rel", "alternate")
        cap.set("type", CAP_MEDIA_TYPE)
        cap.set("href", alert_url.format(id=alert.public_id))
        author = _sub(entry, a + "author")
        _sub(author, a + "name", alert.organization.name)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document
