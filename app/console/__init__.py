"""The staff console: server-rendered pages under ``/console`` for NGO staff."""

from app.console.mount import install_console

__all__ = ["install_console"]
