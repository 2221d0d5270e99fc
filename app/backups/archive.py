"""The backup file: one tar archive with a manifest, the database dump and, when asked,
the signing keys.

Layout (members in this order)::

    manifest.json        engine, schema heads, when, what each member's SHA-256 is
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom``
    keys/<file>          the signing keys directory (only with ``--with-keys``)

The manifest is checked before anything is restored: a truncated or altered archive is
refused whole, so a restore never starts from half a backup.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Literal

__all__ = ["FORMAT_VERSION", "BackupError", "Manifest", "read_manifest", "sha256_file"]

FORMAT_VERSION = 1
Engine = Literal["sqlite", "postgresql"]
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Members are written by Rumbo and read back by Rumbo; the bound keeps a hostile or broken
# archive from making the restore read for ever.
MAX_MEMBERS = 10_000


class BackupError(Exception):
    """A backup that cannot be made or an archive that cannot be restored; says why."""


@dataclass
class Manifest:
    engine: Engine
    schema_heads: list[str]
    created_at: str
    rumbo_version: str
    members: dict[str, str] = field(default_factory=dict)  # name -> SHA-256
    includes_keys: bool = False
    format_version: int = FORMAT_VERSION

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBER[self.engine]

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_stream(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    """The archive's manifest, after checking every member against it."""
    try:
        return _checked_manifest(archive)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"the archive is damaged or truncated ({exc})") from None


def _checked_manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        raw = archive.extractfile("manifest.json")
    except KeyError:
        raise BackupError("not a Rumbo backup: manifest.json is missing") from None
    if raw is None:
        raise BackupError("not a Rumbo backup: manifest.json is not a file")
    try:
        data = json.loads(raw.read())
        manifest = Manifest(**data)
    except (ValueError, TypeError) as exc:
        raise BackupError(f"not a Rumbo backup: unreadable manifest ({exc})") from None
    if manifest.format_version != FORMAT_VERSION:
        raise BackupError(f"backup format {manifest.format_version} is not supported")
    if manifest.engine not in DATABASE_MEMBER:
        raise BackupError(f"unknown engine in manifest: {manifest.engine!r}")
    members = archive.getmembers()
    if len(members) > MAX_MEMBERS:
        raise BackupError("archive has too many members")
    present = {m.name for m in members if m.isfile()} - {"manifest.json"}
    if present != set(manifest.members):
        missing = sorted(set(manifest.members) - present)
        extra = sorted(present - set(manifest.members))
        raise BackupError(f"archive does not match its manifest (missing {missing}, extra {extra})")
    for name, expected in manifest.members.items():
        handle = archive.extractfile(name)
        if handle is None or sha256_stream(handle) != expected:
            raise BackupError(f"member {name} is damaged (checksum mismatch)")
    if manifest.database_member not in manifest.members:
        raise BackupError("archive holds no database")
    return manifest
