"""Every import format read as a stream of flat records (see app.exchange.columns).

- CSV: one point per row, header in row 1, rows numbered as a spreadsheet shows them.
- GeoJSON: a FeatureCollection of Point features, read feature by feature; properties in
  the CSV's flat form or nested (``translations: {fr: {name: ...}}``, ``source: {...}``).
- HSDS 3: fully nested services as JSON (an array, an HSDS page, or one service), or the
  tabular data package (``services.csv``, ``locations.csv``... in a zip or a folder).
- A zip holding one CSV or one GeoJSON file is read as that file.

Problems with the file as a whole (not a zip, broken JSON, missing columns) are
:class:`FileProblem`; problems with one record travel with it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from app.errors import UnsupportedMediaType
from app.exchange.columns import canonical, layout
from app.exchange.jsonstream import JsonItems, JsonStreamError
from app.exchange.text import detect_encoding, open_text, sniff_delimiter
from app.exchange.uploads import ZipArchive, file_problem
from app.hsds import ids, tabular
from app.hsds.reading import records_of_service
from app.hsds.vocabulary import Vocabulary
from app.service_points.models import TRANSLATABLE_FIELDS

__all__ = ["FORMATS", "FileProblem", "Source", "SourceRecord", "open_source"]

FORMATS = ("csv", "geojson", "hsds")
MAX_IGNORED = 50


class FileProblem(Exception):
    """The file cannot be read on from ``row``: the import fails with this reason."""

    def __init__(self, row: int, field: str, detail: str) -> None:
        super().__init__(detail)
        self.row, self.field, self.detail = row, field, detail


@dataclass(slots=True)
class SourceRecord:
    number: int
    record: dict[str, Any]
    ref: str | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skip: str | None = None


@dataclass(slots=True)
class Source:
    """An opened import file: its format, how it was read, and its records."""

    format: str
    records: Iterator[SourceRecord] = field(default_factory=lambda: iter(()))
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    ignored: set[str] = field(default_factory=set)
    cleanup: list[IO[bytes] | ZipArchive] = field(default_factory=list)

    def ignore(self, names: set[str] | list[str]) -> None:
        if len(self.ignored) < MAX_IGNORED:
            self.ignored.update(list(names)[: MAX_IGNORED - len(self.ignored)])

    def close(self) -> None:
        for item in self.cleanup:
            item.close()


# -- CSV -------------------------------------------------------------------------------


def _csv_rows(binary: IO[bytes], source: Source | None) -> tuple[list[str], Iterator[list[str]]]:
    encoding = detect_encoding(binary)
    text = open_text(binary, encoding)
    first = text.readline()
    if not first.strip():
        raise FileProblem(1, "file", "the file is empty (no header row)")
    delimiter = sniff_delimiter(first)
    text.seek(0)
    if source is not None:
        source.encoding, source.delimiter = encoding.name, delimiter
        if encoding.note:
            source.notes.append(encoding.note)
    reader = csv.reader(text, delimiter=delimiter)
    header = next(reader)

    def rows() -> Iterator[list[str]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007
                yield cells
        except csv.Error as exc:
            raise FileProblem(number + 1, "file", f"the CSV cannot be read on: {exc}") from None
        except UnicodeDecodeError:
            raise FileProblem(number + 1, "file", "the text encoding changes in the file") from None

    return header, rows()


def _csv_records(binary: IO[bytes], source: Source) -> Iterator[SourceRecord]:
    header, rows = _csv_rows(binary, source)
    lay = layout(header)
    source.ignore(lay.ignored)
    if lay.problems:
        first, detail = lay.problems[0]
        more = "; ".join(d for _, d in lay.problems)
        raise FileProblem(1, first, more if len(lay.problems) > 1 else detail)
    width = len(lay.columns)
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        item = SourceRecord(number=number, record={})
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            item.errors.append(
                (
                    "row",
                    f"{len(cells)} cells but the header has {width} columns "
                    "(an unquoted delimiter in a cell?)",
                )
            )
        for index, column in enumerate(lay.columns[: len(cells)]):
            if column:
                item.record[column] = cells[index]
        yield item


# -- GeoJSON ----------------------------------------------------------------------------


def _flatten(properties: Mapping[str, Any], source: Source) -> dict[str, Any]:
    """Nested GeoJSON properties (our export's shape) in the flat record form."""
    record: dict[str, Any] = {}
    unknown: set[str] = set()
    for key, value in properties.items():
        if key == "translations" and isinstance(value, Mapping):
            for lang, texts in value.items():
                if isinstance(texts, Mapping):
                    for name, text in texts.items():
                        if name in TRANSLATABLE_FIELDS:
                            record[f"{name}:{lang}"] = text
            continue
        if key == "source" and isinstance(value, Mapping):
            for sub in ("title", "url", "publisher", "as_of"):
                if sub in value:
                    record[f"source_{sub}"] = value[sub]
            continue
        if key == "contact" and isinstance(value, Mapping):
            record.update(
                {k: v for k, v in value.items() if k in ("phones", "email", "website", "whatsapp")}
            )
            continue
        column, _ = canonical(str(key))
        if column is None:
            unknown.add(str(key))
        else:
            record[column] = value
    source.ignore(unknown)
    return record


def _feature(number: int, feature: Any, source: Source) -> SourceRecord:
    item = SourceRecord(number=number, record={})
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        item.errors.append(("feature", "not a GeoJSON Feature"))
        return item
    properties = feature.get("properties")
    if properties is not None and not isinstance(properties, Mapping):
        item.errors.append(("properties", "must be an object"))
        return item
    item.record = _flatten(properties or {}, source)
    fid = feature.get("id")
    if isinstance(fid, str | int) and not isinstance(fid, bool):
        item.ref = str(fid)
        if ids.is_uuid(str(fid)):
            item.record.setdefault("id", str(fid))
        else:
            item.record.setdefault("external_id", str(fid))
    geometry = feature.get("geometry")
    if geometry is None and item.record.get("area") not in (None, "", {}):
        return item  # an area service (docs/service-areas.md): no place, an ``area``
    coords = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if (
        not isinstance(geometry, Mapping)
        or geometry.get("type") != "Point"
        or not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
    ):
        item.errors.append(("geometry", "must be a Point with [longitude, latitude]"))
        return item
    item.record["lon"], item.record["lat"] = coords[0], coords[1]
    return item


def _geojson_records(binary: IO[bytes], source: Source) -> Iterator[SourceRecord]:
    encoding = detect_encoding(binary)
    source.encoding = encoding.name
    items = JsonItems(open_text(binary, encoding), array_key="features")
    number = 0
    try:
        for number, feature in enumerate(items, start=1):
            yield _feature(number, feature, source)
    except JsonStreamError as exc:
        row = (exc.item + 1) if exc.item is not None else number + 1
        raise FileProblem(row, "file", f"broken GeoJSON: {exc}") from None
    kind = items.header.get("type")
    if (
        items.top_level != "object"
        or not items.found_array
        or kind not in (None, "FeatureCollection")
    ):
        raise FileProblem(1, "file", 'not a GeoJSON FeatureCollection (no "features" array)')


# -- HSDS -------------------------------------------------------------------------------


def _hsds_items(
    services: Iterator[Any], source: Source, vocab: Vocabulary
) -> Iterator[SourceRecord]:
    number = 0
    for service in services:
        if not isinstance(service, Mapping):
            number += 1
            yield SourceRecord(number, {}, errors=[("service", "not an HSDS service object")])
            continue
        for rec in records_of_service(service, vocab):
            number += 1
            source.ignore(rec.ignored)
            yield SourceRecord(
                number,
                rec.record,
                ref=rec.ref,
                errors=rec.errors,
                warnings=rec.warnings,
                skip=rec.skip,
            )


def _hsds_json(binary: IO[bytes], source: Source, vocab: Vocabulary) -> Iterator[SourceRecord]:
    encoding = detect_encoding(binary)
    source.encoding = encoding.name
    items = JsonItems(open_text(binary, encoding), array_key="contents")

    def services() -> Iterator[Any]:
        try:
            yield from items
        except JsonStreamError as exc:
            raise FileProblem((exc.item or 0) + 1, "file", f"broken JSON: {exc}") from None
        if not items.found_array:
            if "id" not in items.header or "name" not in items.header:
                raise FileProblem(
                    1, "file", "not HSDS: expected services (an array, a page or one service)"
                )
            yield items.header

    yield from _hsds_items(services(), source, vocab)


def _tables(read: Mapping[str, IO[bytes]]) -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {}
    for name, binary in read.items():
        header, rows = _csv_rows(binary, None)
        try:
            tables[name] = [dict(zip(header, cells, strict=False)) for cells in rows]
        except FileProblem as exc:
            raise FileProblem(exc.row, f"{name}.csv", exc.detail) from None
    return tables


def _hsds_tabular(
    read: Mapping[str, IO[bytes]], source: Source, vocab: Vocabulary
) -> Iterator[SourceRecord]:
    if "services" not in read:
        raise FileProblem(1, "services.csv", "an HSDS data package needs services.csv")
    source.notes.append("HSDS tabular data package: " + ", ".join(sorted(f"{n}.csv" for n in read)))
    yield from _hsds_items(tabular.nested_services(_tables(read)), source, vocab)


# -- opening ----------------------------------------------------------------------------


def _sniff(binary: IO[bytes]) -> str:
    binary.seek(0)
    head = binary.read(65536)
    binary.seek(0)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        return "geojson" if b'"FeatureCollection"' in head or b'"Feature"' in head else "hsds"
    return "csv"


def _table_name(member: str) -> str:
    return member.rsplit("/", 1)[-1].removesuffix(".csv")


def _open_zip(
    binary: IO[bytes], declared: str | None, source: Source, vocab: Vocabulary, max_unzipped: int
) -> None:
    archive = ZipArchive(binary, max_unzipped=max_unzipped)
    source.cleanup.append(archive)
    names = archive.names()
    if "[Content_Types].xml" in names:
        raise UnsupportedMediaType(
            "this is an Office document (e.g. an Excel workbook): save it as CSV (UTF-8)"
        )
    tables = {
        _table_name(n): n for n in names if n.endswith(".csv") and _table_name(n) in tabular.TABLES
    }
    if (
        declared == "hsds"
        or "services" in tables
        or any(n.endswith("datapackage.json") for n in names)
    ):
        source.ignore(
            {f"{_table_name(n)}.csv" for n in names if n.endswith(".csv")}
            - {f"{t}.csv" for t in tables}
        )
        opened = {}
        for table, member in tables.items():
            opened[table] = archive.open(member)
            source.cleanup.append(opened[table])
        source.format = "hsds"
        source.records = _hsds_tabular(opened, source, vocab)
        return
    data = [n for n in names if n.lower().endswith((".csv", ".geojson", ".json"))]
    if len(data) != 1:
        raise UnsupportedMediaType(
            "a zip must hold one CSV or GeoJSON file, or an HSDS data package (services.csv...)"
        )
    inner = archive.open(data[0])
    source.cleanup.append(inner)
    _dispatch(inner, declared, source, vocab)


def _dispatch(binary: IO[bytes], declared: str | None, source: Source, vocab: Vocabulary) -> None:
    kind = _sniff(binary)
    if kind == "zip":
        raise UnsupportedMediaType("a zip inside a zip is not read")
    fmt = declared or kind
    source.format = fmt
    if fmt == "csv":
        source.records = _csv_records(binary, source)
    elif fmt == "geojson":
        source.records = _geojson_records(binary, source)
    else:
        source.records = _hsds_json(binary, source, vocab)


def open_source(
    binary: IO[bytes], *, declared: str | None, vocab: Vocabulary, max_unzipped: int
) -> Source:
    """The records of an uploaded file (``declared``: csv, geojson, hsds or None to sniff)."""
    source = Source(format=declared or "")
    try:
        if _sniff(binary) == "zip":
            _open_zip(binary, declared, source, vocab, max_unzipped)
        else:
            _dispatch(binary, declared, source, vocab)
    except BaseException:
        source.close()
        raise
    return source


def open_directory(path: Path, *, vocab: Vocabulary) -> Source:
    """An HSDS tabular data package unpacked in a folder (command line)."""
    source = Source(format="hsds")
    opened: dict[str, IO[bytes]] = {}
    for table in tabular.TABLES:
        file = path / f"{table}.csv"
        if file.is_file():
            handle = file.open("rb")
            opened[table] = handle
            source.cleanup.append(handle)
    if not opened:
        raise file_problem(f"{path} holds no HSDS tables (services.csv...)")
    source.ignore({p.name for p in path.glob("*.csv")} - {f"{t}.csv" for t in opened})
    source.records = _hsds_tabular(opened, source, vocab)
    return source
