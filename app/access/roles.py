"""The roles a member can hold in an organisation."""

from __future__ import annotations

import enum

__all__ = ["Role"]


class Role(enum.StrEnum):
    """What a member may do in one organisation.

    ``admin`` may do everything in its organisation; ``editor`` keeps the organisation's
    points (and their translations); ``translator`` writes translations only; ``moderator``
    handles feedback. A platform administrator (``StaffUser.is_admin``) may do everything
    everywhere.
    """

    admin = "admin"
    editor = "editor"
    translator = "translator"
    moderator = "moderator"
