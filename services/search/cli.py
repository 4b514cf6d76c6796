"""`newswire search "QUERY"` (straight to Elasticsearch, no HTTP) and `newswire search serve`.

    newswire search "arme nucleaire" --lang fr --entity "Vladimir Poutine" --since 7d
    newswire search "treaty" --json --size 50
    newswire search serve --port 8080

A first word that is not a subcommand is the query (`newswire search query serve` searches for
the word "serve").

Exit codes: 0 done (also when nothing matched), or `serve` stopped by SIGTERM/SIGINT after
finishing in-flight requests; 1 Elasticsearch did not answer; 2 bad usage (bad option, too long
query, bad --since or --cursor).
"""

from __future__ import annotations

import gc
import logging
import re
import signal
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from services.search.errors import BackendUnavailableError, InvalidQueryError
from services.search.models import SearchPage
from services.search.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    SearchParams,
    Sort,
    decode_cursor,
)
from services.search.service import SearchService
from services.search.settings import SearchSettings
from shared.elasticsearch import make_client

log = logging.getLogger(__name__)
console = Console(stderr=True)

_DURATION = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


class _QueryByDefault(TyperGroup):
    """Runs ``query`` when the first word is not a subcommand, so the query needs no verb."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        help_names = {"--help", *ctx.help_option_names}
        if args and args[0] not in self.commands and args[0] not in help_names:
            args = ["query", *args]
        return super().parse_args(ctx, args)


search_app = typer.Typer(
    cls=_QueryByDefault,
    help="Search the articles (or serve the search API and page).",
    no_args_is_help=True,
)


def parse_since(value: str, now: datetime) -> datetime:
    """``7d``, ``24h``, ``2w`` before ``now``, or an ISO date (midnight UTC)."""
    match = _DURATION.match(value.strip().lower())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise typer.BadParameter(
            "use a duration such as 7d, 24h, 2w or a date such as 2026-11-01"
        ) from exc
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@search_app.command("query")
def query(
    text: Annotated[str, typer.Argument(help="Words to find (all of them); '' for every article.")],
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Language; repeatable.")] = None,
    entity: Annotated[
        list[str] | None, typer.Option("--entity", help="Entity name or id; repeatable.")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Source; repeatable.")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Published since: 7d, 24h, 2w or YYYY-MM-DD.")
    ] = None,
    sort: Annotated[Sort, typer.Option(help="relevance or newest.")] = "relevance",
    size: Annotated[int, typer.Option(min=1, max=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, typer.Option(help="`next` of a previous --json page.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the page as JSON.")] = False,
) -> None:
    """Search the articles (the default command)."""
    settings = SearchSettings()
    published_from = parse_since(since, datetime.now(UTC)) if since else None
    try:
        params = SearchParams(
            q=text,
            languages=tuple(lang or ()),
            entities=tuple(entity or ()),
            sources=tuple(source or ()),
            published_from=published_from,
            sort=sort,
            size=size,
            search_after=decode_cursor(cursor, sort) if cursor else None,
            facets=(),
        )
    except InvalidQueryError as exc:
        console.print(f"[red]{exc.field}:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    es = make_client(settings.es)
    try:
        service = SearchService(es, settings.names, timeout_s=settings.search_timeout_s)
        page = service.search(params)
    except BackendUnavailableError as exc:
        console.print(f"[red]search failed:[/red] {escape(str(exc))}")
        raise typer.Exit(1) from exc
    except InvalidQueryError as exc:
        console.print(f"[red]{exc.field}:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from exc
    finally:
        es.close()
    if as_json:
        typer.echo(page.model_dump_json(indent=2))
    else:
        _print_table(page)


def _print_table(page: SearchPage) -> None:
    out = Console()
    table = Table(title=f"{page.total} article(s)", title_justify="left")
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("date", no_wrap=True)
    table.add_column("lang", no_wrap=True)
    table.add_column("source", overflow="fold")
    table.add_column("entities", ratio=2, overflow="fold")
    for hit in page.hits:
        # Text cells: article text is shown literally, never read as rich markup ("[bold]").
        table.add_row(
            Text(hit.title),
            f"{hit.published_at:%Y-%m-%d %H:%M}",
            Text(hit.language),
            Text(hit.source),
            Text(", ".join(e.name for e in hit.entities[:6])),
        )
    out.print(table)
    if page.next:
        console.print(f"more: --cursor {page.next}", soft_wrap=True)


@search_app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Default: NEWSWIRE_SEARCH_API_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: NEWSWIRE_SEARCH_API_PORT.")] = None,
) -> None:
    """Serve the API (/search, /articles/{id}, /healthz, /metrics, /docs) and the page at /."""
    import uvicorn

    from services.search.api import create_app

    settings = SearchSettings()

    def stopped(signum: int, _frame: object) -> None:
        log.info("search API stopped signal=%s", signum)

    # uvicorn finishes in-flight requests on SIGTERM/SIGINT, then raises the signal again once
    # its own handlers are gone; this one turns that into a clean return (exit 0).
    signal.signal(signal.SIGTERM, stopped)
    signal.signal(signal.SIGINT, stopped)
    app = create_app(settings)
    # Everything loaded so far lives as long as the process: out of the collector's sight, a
    # full collection no longer walks it in the middle of a request (p95 latency).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host=host or settings.api_host,
        port=port or settings.api_port,
        timeout_graceful_shutdown=int(settings.shutdown_timeout_s),
        log_config=None,
        access_log=settings.access_log,
    )
