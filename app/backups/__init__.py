"""Backups: ``rumbo backup PATH`` and ``rumbo restore PATH`` (see docs/backups.md)."""
