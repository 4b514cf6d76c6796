"""`newswire search serve`: the search API and its web page (FastAPI).

Routes: ``GET /search``, ``GET /articles/{id}``, ``GET /articles/{id}/related``, ``/healthz``,
``/metrics``, the page at ``/`` (files in ``static/``) and the OpenAPI document (``/docs``,
``/openapi.json``). Errors: 422 for a bad parameter (FastAPI's ``detail`` list, ``loc`` naming
the parameter), 404 for an unknown article, 503 when Elasticsearch does not answer.
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Annotated, Any, Literal

from elasticsearch import Elasticsearch
from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.search.errors import ArticleNotFoundError, BackendUnavailableError, InvalidQueryError
from services.search.metrics import SearchMetrics
from services.search.models import Article, RelatedArticles, SearchPage
from services.search.query import (
    DEFAULT_PAGE_SIZE,
    FACETS,
    MAX_CURSOR_CHARS,
    MAX_PAGE_SIZE,
    MAX_QUERY_CHARS,
    Facet,
    SearchParams,
    Sort,
    decode_cursor,
)
from services.search.service import SearchService, page_json
from services.search.settings import SearchSettings
from shared.elasticsearch import make_async_client, make_client

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page's own files only: no inline script or style, no third-party origin, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MAX_ID_CHARS = 512  # Elasticsearch's own limit on _id

FacetChoice = Literal[Facet, "none"]


@dataclass
class ApiContext:
    settings: SearchSettings
    service: SearchService


class RequestMetricsMiddleware:
    """Counts and times every HTTP request by route template (not raw path: ids would make one
    series per article)."""

    def __init__(self, app: ASGIApp, metrics: SearchMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = _route_label(scope)
            self.metrics.requests.labels(route, scope["method"], str(status)).inc()
            self.metrics.request_seconds.labels(route).observe(perf_counter() - start)


def _route_label(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None and hasattr(route, "path"):
        return str(route.path)
    path = str(scope.get("path", ""))
    for prefix in ("/static", "/metrics"):
        if path.startswith(prefix):
            return prefix
    return "unmatched"


class PageHeadersMiddleware:
    """The page and its files get a strict Content-Security-Policy (``PAGE_HEADERS``); the
    JSON routes and /docs (which loads its own assets) are left as FastAPI serves them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == "/" or path.startswith("/static/")):
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, add_headers)


def _json(model: BaseModel, status_code: int = 200) -> Response:
    # Serialised once by pydantic; FastAPI would otherwise validate the model again first.
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def create_app(
    settings: SearchSettings,
    metrics: SearchMetrics | None = None,
    open_client: Callable[[], Elasticsearch] | None = None,
) -> FastAPI:
    """Build the app; the Elasticsearch client opens at start-up and closes at shutdown."""
    metrics = metrics or SearchMetrics()
    opener = open_client or (lambda: make_client(settings.es))
    context: dict[str, ApiContext] = {}
    page = (STATIC_DIR / "index.html").read_bytes()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        es = await run_in_threadpool(opener)
        # /search, the hot path, awaits Elasticsearch on the event loop: no thread per request.
        aes = make_async_client(settings.es)
        service = SearchService(
            es,
            settings.names,
            facet_size=settings.facet_size,
            timeout_s=settings.search_timeout_s,
            aes=aes,
        )
        context["ctx"] = ApiContext(settings, service)
        log.info("search ready alias=%s", settings.names.read_alias)
        try:
            yield
        finally:
            await aes.close()
            await run_in_threadpool(es.close)

    app = FastAPI(
        title="newswire search",
        version="0.1.0",
        description=(
            "Full-text, language-aware search over newswire's articles, with facets, "
            "highlights (as marked text segments, never HTML) and cursor paging."
        ),
        lifespan=lifespan,
    )

    async def ctx() -> ApiContext:  # async: a plain def would cost a thread hop per request
        return context["ctx"]

    @app.exception_handler(InvalidQueryError)
    def invalid_query(_request: Request, exc: InvalidQueryError) -> JSONResponse:
        detail = [{"type": "value_error", "loc": ["query", exc.field], "msg": str(exc)}]
        return JSONResponse({"detail": detail}, 422)

    @app.exception_handler(ArticleNotFoundError)
    def not_found(_request: Request, exc: ArticleNotFoundError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 404)

    @app.exception_handler(BackendUnavailableError)
    def unavailable(_request: Request, exc: BackendUnavailableError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "5"})

    @app.get(
        "/search",
        response_model=SearchPage,
        responses={
            422: {"description": "A bad parameter (the detail names it)"},
            503: {"description": "Elasticsearch did not answer"},
        },
    )
    async def search(
        c: Annotated[ApiContext, Depends(ctx)],
        q: Annotated[
            str,
            Query(
                max_length=MAX_QUERY_CHARS,
                description="Words to find (all of them), with simple_query_string operators: "
                '"a phrase", -exclude, a | b, prefix*, word~1. Empty: every article.',
            ),
        ] = "",
        lang: Annotated[
            list[str] | None, Query(description="Language code(s), e.g. fr; any of them.")
        ] = None,
        entity: Annotated[
            list[str] | None,
            Query(description="Entity canonical name or id; every one given must match."),
        ] = None,
        source: Annotated[list[str] | None, Query(description="Source(s); any of them.")] = None,
        from_: Annotated[
            date | None, Query(alias="from", description="Published on or after (YYYY-MM-DD).")
        ] = None,
        to: Annotated[
            date | None, Query(description="Published on or before (YYYY-MM-DD, inclusive).")
        ] = None,
        sort: Annotated[Sort, Query(description="relevance, or newest first.")] = "relevance",
        size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
        cursor: Annotated[
            str | None,
            Query(max_length=MAX_CURSOR_CHARS, description="`next` of the previous page."),
        ] = None,
        facets: Annotated[
            list[FacetChoice] | None,
            Query(description="Facets to count (default: all; `none` for none)."),
        ] = None,
    ) -> Response:
        """Search articles: hits with highlights, facet counts and a cursor to the next page."""
        chosen: tuple[Facet, ...] = FACETS
        if facets is not None:
            chosen = tuple(f for f in facets if f != "none")
        params = SearchParams(
            q=q,
            languages=tuple(lang or ()),
            entities=tuple(entity or ()),
            sources=tuple(source or ()),
            published_from=_start_of(from_) if from_ else None,
            # date.max has no next day: an open end is the same as no end.
            published_before=_start_of(to + timedelta(days=1)) if to and to < date.max else None,
            sort=sort,
            size=size,
            search_after=decode_cursor(cursor, sort) if cursor else None,
            facets=chosen,
        )
        fields = await c.service.asearch_fields(params)
        metrics.es_took_seconds.observe(fields["took_ms"] / 1000)
        return Response(page_json(fields), media_type="application/json")

    @app.get(
        "/articles/{article_id}",
        response_model=Article,
        responses={404: {"description": "No article with this id"}},
    )
    def article(
        c: Annotated[ApiContext, Depends(ctx)],
        article_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS)],
    ) -> Response:
        """One article in full (text, entities, dates)."""
        return _json(c.service.article(article_id))

    @app.get(
        "/articles/{article_id}/related",
        response_model=RelatedArticles,
        responses={404: {"description": "No article with this id"}},
    )
    def related(
        c: Annotated[ApiContext, Depends(ctx)],
        article_id: Annotated[str, PathParam(max_length=MAX_ID_CHARS)],
        size: Annotated[int | None, Query(ge=1, le=50)] = None,
    ) -> Response:
        """Articles most like this one (shared distinctive terms), the article itself excluded."""
        return _json(c.service.related(article_id, size or c.settings.related_size))

    @app.get("/healthz")
    def healthz(c: Annotated[ApiContext, Depends(ctx)]) -> JSONResponse:
        """200 when Elasticsearch answers and its cluster is not red, else 503."""
        try:
            status = c.service.health()
        except BackendUnavailableError as exc:
            return JSONResponse({"status": "unavailable", "detail": str(exc)}, 503)
        body: dict[str, Any] = {"status": "ok", "elasticsearch": status}
        if status == "red":
            body["status"] = "degraded"
            return JSONResponse(body, 503)
        return JSONResponse(body)

    @app.get("/", include_in_schema=False)
    def index_page() -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/metrics", make_asgi_app(metrics.registry))
    app.add_middleware(PageHeadersMiddleware)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    return app
