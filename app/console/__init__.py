"""The staff console: server-rendered pages under ``/console`` for NGO staff.

``app.console.mount.install_console`` wires its routers into the application; importing
this package loads nothing else.
"""
