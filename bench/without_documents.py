"""``rumbo`` with the read model's batch hook left out: the import bench's baseline.

``python -m bench.without_documents import FILE ...`` runs the command line as ``rumbo``
does, except that bulk writes (imports) leave the stored point documents alone, so the
bench can measure what an import costs without them, in the same run. For measuring
only: the database it leaves has no documents for the imported points.
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy.orm import Session

from app.cli import main
from app.documents import hooks
from app.service_points import bulk

_install = hooks.install


def _install_without_batches(target: Any = Session) -> None:
    _install(target)
    bulk.BATCH_HOOKS.clear()


if __name__ == "__main__":
    hooks.install = _install_without_batches  # type: ignore[assignment]
    sys.exit(main())
