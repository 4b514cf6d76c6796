"""`newswire search "QUERY"` (straight to Elasticsearch, no HTTP) and `newswire search serve`.

    newswire search "arme nucleaire" --lang fr --entity "Vladimir Poutine" --since 7d
    newswire search "treaty" --json --size 50
    newswire search serve --port 8080

A first word that is not a subcommand is the query (`newswire search query serve` searches for
the word "serve").

Exit codes (``shared.errors.ExitCode``): 0 done (also when nothing matched), or `serve`
stopped by SIGTERM/SIGINT after finishing in-flight requests; 1 `serve` cannot bind its port;
2 bad usage (bad option or setting, too long query, bad --since or --cursor); 3 Elasticsearch
did not answer. `serve` starts without Elasticsearch (its /healthz says 503 until it answers).
"""

from __future__ import annotations

import asyncio
import gc
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from services.search import results
from services.search.backend import SearchBackend
from services.search.errors import SearchError
from services.search.models import ArticleHit, SearchPage
from services.search.query import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    SearchParams,
    Sort,
    decode_cursor,
)
from services.search.settings import SearchSettings
from shared.elasticsearch import make_async_client
from shared.errors import ExitCode
from shared.lifecycle import Lifecycle, serve_asgi

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


def _settings(**flags: Any) -> SearchSettings:
    try:
        return SearchSettings(**{k: v for k, v in flags.items() if v is not None})
    except ValidationError as exc:
        console.print(f"[red]bad settings:[/red] {escape(str(exc))}")
        raise typer.Exit(int(ExitCode.USAGE)) from exc


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
    settings = _settings()
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
        page = asyncio.run(_search(settings, params))
    except SearchError as exc:
        what = getattr(exc, "field", None) or "search failed"
        console.print(f"[red]{escape(what)}:[/red] {escape(str(exc))}")
        raise typer.Exit(int(exc.exit_code)) from exc
    if as_json:
        typer.echo(page.model_dump_json(indent=2))
    else:
        out = Console()
        out.print(results_table(page, out.width))
        if page.next:
            console.print(f"more: --cursor {page.next}", soft_wrap=True)


async def _search(settings: SearchSettings, params: SearchParams) -> SearchPage:
    client = make_async_client(settings.es)
    try:
        backend = SearchBackend(client, settings.names, timeout_s=settings.search_timeout_s)
        return SearchPage.model_validate(results.page_fields(params, await backend.search(params)))
    finally:
        await client.close()


# -- the result table ------------------------------------------------------------------------
TITLE_MIN = 30  # narrower than this, titles wrap into columns of a few words
SOURCE_MAX = 18
ENTITIES_MIN = 24
GAP = 3  # what a column costs besides its text: padding and the separator


def results_table(page: SearchPage, width: int) -> Table:
    """The hits as a table filling ``width`` columns: the title always, wrapped on words and
    given the most room; then, while they fit, the date, language, source and entities, and
    the time of day after the date when there is room to spare. Article text is shown
    literally, never read as rich markup ("[bold]")."""
    title_min, shown = _fitting(page.hits, width)
    table = Table(
        title=f"{page.total} article(s)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        expand=True,
    )
    table.add_column("title", ratio=3, min_width=title_min, overflow="fold")
    for name in shown:
        if name == "entities":
            table.add_column(name, ratio=2, min_width=ENTITIES_MIN, no_wrap=True)
        elif name != "time":
            table.add_column(name, no_wrap=True, max_width=SOURCE_MAX, overflow="ellipsis")
    stamp = "%Y-%m-%d %H:%M" if "time" in shown else "%Y-%m-%d"
    for hit in page.hits:
        cells = {
            "date": Text(f"{hit.published_at:{stamp}}"),
            "lang": Text(hit.language),
            "source": Text(hit.source),
            "entities": Text(", ".join(e.name for e in hit.entities[:6]), overflow="ellipsis"),
        }
        table.add_row(Text(hit.title), *(cells[name] for name in shown if name in cells))
    return table


def _fitting(hits: list[ArticleHit], width: int) -> tuple[int, list[str]]:
    """The title's minimum width, and the other columns that fit beside it, by priority."""
    title_min = min(TITLE_MIN, max((len(h.title) for h in hits), default=TITLE_MIN))
    source = min(SOURCE_MAX, max((len(h.source) for h in hits), default=6))
    costs = {
        "date": 10 + GAP,
        "lang": 4 + GAP,
        "source": source + GAP,
        "entities": ENTITIES_MIN + GAP,
        "time": 6,  # " HH:MM" in the date column
    }
    budget = width - title_min - GAP
    shown: list[str] = []
    for name, cost in costs.items():
        if cost <= budget and (name != "time" or "date" in shown):
            shown.append(name)
            budget -= cost
    return title_min, shown


@search_app.command("serve")
def serve(
    host: Annotated[
        str | None, typer.Option(help="Default: NEWSWIRE_SEARCH_HOST (127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Default: NEWSWIRE_SEARCH_PORT (8080).")
    ] = None,
) -> None:
    """Serve the API (/search, /articles/{id}, /healthz, /metrics, /docs) and the page at /."""
    from services.search.api import create_app

    settings = _settings(host=host, port=port)
    app = create_app(settings)
    # Everything loaded so far lives as long as the process: out of the collector's sight, a
    # full collection no longer walks it in the middle of a request (p95 latency).
    gc.collect()
    gc.freeze()
    with Lifecycle("search", shutdown_timeout_s=settings.shutdown_timeout_s) as life:
        serve_asgi(
            life, app, host=settings.host, port=settings.port, access_log=settings.access_log
        )
    raise typer.Exit(int(life.exit_code))
