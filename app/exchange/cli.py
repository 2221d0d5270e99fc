"""``rumbo import FILE`` and ``rumbo export FORMAT``: the same engine as the HTTP API.

The command line acts as a platform administrator (it has the database credentials), so
an import must name the organisation that will own the points, and an export may include
every draft.
"""

from __future__ import annotations

import contextlib
import resource
import sys
import time
from pathlib import Path
from typing import IO, Annotated, Any, Literal

import orjson
import typer

from app.errors import Problem
from app.settings import get_settings

__all__ = ["export_file", "import_file"]


def _fail(problem: Problem) -> typer.Exit:
    typer.echo(f"error: {problem.message()}", err=True)
    for error in problem.errors or []:
        typer.echo(f"  {error.name}: {error.detail}", err=True)
    return typer.Exit(code=1)


def import_file(
    path: Annotated[Path, typer.Argument(help="CSV, GeoJSON, HSDS JSON, zip, or HSDS folder")],
    organization: Annotated[str, typer.Option(help="Organisation owning the points (slug)")],
    format: Annotated[
        Literal["csv", "geojson", "hsds"] | None,
        typer.Option(help="csv, geojson or hsds (guessed when absent)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Validate only; save nothing")] = False,
    lang: Annotated[str | None, typer.Option(help="Language of texts given without one")] = None,
    default_category: Annotated[
        str | None, typer.Option(help="Category of rows that name none")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the full JSON report to this file")
    ] = None,
) -> None:
    """Import service points in one transaction: all rows land, or none."""
    from app.access.principal import cli_principal
    from app.db import Database
    from app.exchange import readers, service
    from app.i18n.tags import normalise_tag

    settings = get_settings()
    if not path.exists():
        typer.echo(f"error: {path} does not exist", err=True)
        raise typer.Exit(code=2)
    request = service.ImportRequest(
        organization=organization,
        format=format,
        dry_run=dry_run,
        lang=normalise_tag(lang) if lang else settings.default_language,
        default_category=default_category,
        max_unzipped_bytes=settings.import_max_unzipped_bytes,
    )
    database = Database(settings.database_url)
    started = time.perf_counter()
    principal = cli_principal()

    def opened(binary: IO[bytes] | None) -> dict[str, Any]:
        if path.is_dir():
            return {"opener": lambda vocab: readers.open_directory(path, vocab=vocab)}
        return {"binary": binary}

    staged: service.StagedImport | None = None
    try:
        with contextlib.ExitStack() as stack:
            binary = None if path.is_dir() else stack.enter_context(path.open("rb"))
            # Validated and staged without the write lock; only the merge holds it.
            with database.staging_session() as session:
                staged = service.stage_import(
                    session, principal=principal, request=request, **opened(binary)
                )
            result = service.import_staged(
                database.session,
                staged,
                lambda session: service.run_import(
                    session, principal=principal, request=request, **opened(binary)
                ),
            )
    except Problem as problem:
        raise _fail(problem) from None
    finally:
        database.dispose()
    elapsed = time.perf_counter() - started
    if report is not None:
        report.write_bytes(orjson.dumps(result.model_dump(mode="json"), option=orjson.OPT_INDENT_2))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mib, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    typer.echo(
        f"{result.rows} rows ({result.format}, {result.encoding or '-'}): {result.created} "
        f"created, {result.updated} updated, {result.unchanged} unchanged, {result.skipped} "
        f"skipped, {result.failed} failed; {len(result.possible_duplicates)} possible "
        f"duplicates; {elapsed:.1f} s, {result.rows / max(elapsed, 1e-9):.0f} rows/s, "
        f"{cpu:.1f} s CPU, peak memory {peak_mib:.0f} MiB"
    )
    if staged is not None and result.committed:
        how = "serially (changed while staged)" if staged.serial else "merged"
        typer.echo(f"{how}: write transaction held {staged.merge_seconds:.3f} s")
    for note in result.notes:
        typer.echo(f"note: {note}")
    for warning in result.warnings[:20]:
        typer.echo(f"warning: row {warning.row} {warning.field}: {warning.detail}")
    if result.errors:
        for error in result.errors[:50]:
            typer.echo(f"error: row {error.row} {error.field}: {error.detail}", err=True)
        typer.echo("nothing was saved", err=True)
        raise typer.Exit(code=1)
    typer.echo("dry run: nothing was saved" if dry_run else "saved")


def export_file(
    format: Annotated[
        Literal["csv", "geojson", "hsds"], typer.Argument(help="csv, geojson or hsds")
    ],
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout)")] = None,
    organization: Annotated[str | None, typer.Option(help="Only this organisation")] = None,
    country: Annotated[str | None, typer.Option(help="Only this country (ISO code)")] = None,
    lang: Annotated[str | None, typer.Option(help="HSDS: language of the texts")] = None,
    include_drafts: Annotated[bool, typer.Option(help="Include drafts")] = False,
) -> None:
    """Export service points (published ones; every draft too with --include-drafts)."""
    from app.db import Database
    from app.exchange import service

    settings = get_settings()
    database = Database(settings.database_url)
    try:
        _, _, chunks = service.export_chunks(
            database.read_sessionmaker,
            request=service.ExportRequest(
                format=format,
                include_drafts=include_drafts,
                organization=organization,
                country=country.upper() if country else None,
                lang=lang,
            ),
            principal=None,
            default_language=settings.default_language,
        )
        if output is None:
            for chunk in chunks:
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as target:
                for chunk in chunks:
                    target.write(chunk)
    except Problem as problem:
        raise _fail(problem) from None
    finally:
        database.dispose()
