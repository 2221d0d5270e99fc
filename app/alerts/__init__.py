"""Alerts: verified, dated, signed warnings about what is happening on the route.

A border closed overnight, a flooded river, an outbreak, a scam spreading on social media:
staff of an organisation write an alert (translatable, with a CAP severity, urgency and
certainty, an area and a validity window), a second person publishes the severe ones, and
the public API, the CAP 1.2 and Atom renderings, offline sync, bundles and Web Push carry it.
"""
