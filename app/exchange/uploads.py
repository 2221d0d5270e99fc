"""Uploaded files on disk, never whole in memory, and zip archives opened with care.

- ``spool``: an upload is copied chunk by chunk into a temporary file (in memory up to
  1 MiB, then on disk) and refused with 413 as soon as it passes the size cap.
- ``ZipArchive``: members are listed before anything is unpacked; an archive whose members
  would unpack past the cap, unpack more than 200 times their compressed size (a zip bomb),
  are encrypted, or are too many is refused. While unpacking, the bytes actually produced
  are counted too, since a zip's declared sizes can lie.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import AsyncIterator
from typing import IO

from app.errors import FieldError, PayloadTooLarge, ValidationProblem

__all__ = ["ZipArchive", "file_problem", "spool", "spooled"]

MEMORY_BYTES = 1 << 20
MAX_MEMBERS = 200
MAX_RATIO = 200
_CHUNK = 1 << 16


def file_problem(detail: str, *, name: str = "file") -> ValidationProblem:
    """A 422 about the uploaded file as a whole."""
    return ValidationProblem(detail, errors=[FieldError(location="body", name=name, detail=detail)])


def spooled() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=MEMORY_BYTES, mode="w+b")


async def spool(chunks: AsyncIterator[bytes], *, max_bytes: int) -> IO[bytes]:
    """The upload in a temporary file; 413 once it passes ``max_bytes``."""
    target = spooled()
    size = 0
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"imports are limited to {max_bytes} bytes")
            target.write(chunk)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


class _Budget:
    def __init__(self, max_bytes: int) -> None:
        self.left = max_bytes
        self.max_bytes = max_bytes

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise PayloadTooLarge(
                f"the archive unpacks to more than {self.max_bytes} bytes (the import limit)"
            )


class ZipArchive:
    """The regular files of a zip archive, checked before any is unpacked."""

    def __init__(self, binary: IO[bytes], *, max_unzipped: int) -> None:
        try:
            self._zip = zipfile.ZipFile(binary)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise file_problem("the file is not a readable zip archive") from None
        self.members = [
            i
            for i in infos
            if not i.is_dir()
            and not i.filename.startswith("__MACOSX/")
            and not i.filename.rsplit("/", 1)[-1].startswith(".")
        ]
        if len(self.members) > MAX_MEMBERS:
            raise file_problem(f"the archive holds more than {MAX_MEMBERS} files")
        declared = sum(i.file_size for i in self.members)
        if declared > max_unzipped:
            raise PayloadTooLarge(
                f"the archive unpacks to {declared} bytes; imports are limited to {max_unzipped}"
            )
        for info in self.members:
            if info.flag_bits & 0x1:
                raise file_problem(f"{info.filename!r} is encrypted")
            if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise PayloadTooLarge(
                    f"{info.filename!r} unpacks {info.file_size // max(info.compress_size, 1)} "
                    "times its size: refused as a possible zip bomb"
                )
        self._budget = _Budget(max_unzipped)

    def names(self) -> list[str]:
        return [i.filename for i in self.members]

    def open(self, name: str) -> IO[bytes]:
        """One member unpacked into a temporary file, counting the bytes really produced."""
        info = next(i for i in self.members if i.filename == name)
        target = spooled()
        produced = 0
        try:
            with self._zip.open(info) as source:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    produced += len(chunk)
                    self._budget.take(len(chunk))
                    if produced > info.file_size:
                        raise PayloadTooLarge(f"{name!r} unpacks to more than it declares")
                    target.write(chunk)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            target.close()
            raise file_problem(f"{name!r} cannot be unpacked: {type(exc).__name__}") from None
        except BaseException:
            target.close()
            raise
        target.seek(0)
        return target

    def close(self) -> None:
        self._zip.close()
