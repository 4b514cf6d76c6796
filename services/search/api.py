"""`newswire search serve`: the search API and its web page (FastAPI).

Routes: ``GET /search``, ``GET /articles/{id}``, ``GET /articles/{id}/related``, ``/healthz``,
``/metrics``, the page at ``/`` (files in ``static/``) and the OpenAPI document (``/docs``,
``/openapi.json``). Errors: 422 for a bad parameter (FastAPI's ``detail`` list, ``loc`` naming
the parameter), 404 for an unknown article, 503 when Elasticsearch does not answer.

Every route and handler is ``async``: they await Elasticsearch on the event loop, and none
costs a hop to the thread pool.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app
from pydantic import BaseModel

from services.search import results
from services.search.backend import SearchBackend
from services.search.errors import ArticleNotFoundError, BackendUnavailableError, InvalidQueryError
from services.search.metrics import SearchMetrics
from services.search.middleware import PageHeadersMiddleware, RequestMetricsMiddleware
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
from services.search.settings import SearchSettings
from shared.elasticsearch import make_async_client

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_ID_CHARS = 512  # Elasticsearch's own limit on _id

FacetChoice = Literal[Facet, "none"]


@dataclass
class ApiContext:
    settings: SearchSettings
    backend: SearchBackend
    metrics: SearchMetrics


async def context(request: Request) -> ApiContext:  # async: a def would cost a thread hop
    ctx: ApiContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ApiContext, Depends(context)]
ArticleId = Annotated[str, PathParam(max_length=MAX_ID_CHARS)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No article with this id"}}

router = APIRouter()


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def search_params(
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
) -> SearchParams:
    """The query string of ``/search`` as ``SearchParams`` (``InvalidQueryError``: 422)."""
    chosen: tuple[Facet, ...] = FACETS
    if facets is not None:
        chosen = tuple(f for f in facets if f != "none")
    return SearchParams(
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


@router.get(
    "/search",
    response_model=SearchPage,
    responses={
        422: {"description": "A bad parameter (the detail names it)"},
        503: {"description": "Elasticsearch did not answer"},
    },
)
async def search(c: Ctx, params: Annotated[SearchParams, Depends(search_params)]) -> Response:
    """Search articles: hits with highlights, facet counts and a cursor to the next page."""
    fields = results.page_fields(params, await c.backend.search(params))
    c.metrics.es_took_seconds.observe(fields["took_ms"] / 1000)
    return Response(results.page_json(fields), media_type="application/json")


@router.get("/articles/{article_id}", response_model=Article, responses=NOT_FOUND)
async def article(c: Ctx, article_id: ArticleId) -> Response:
    """One article in full (text, entities, dates)."""
    found = await c.backend.article(article_id)
    return _json(results.article(found["_source"]))


@router.get("/articles/{article_id}/related", response_model=RelatedArticles, responses=NOT_FOUND)
async def related(
    c: Ctx, article_id: ArticleId, size: Annotated[int | None, Query(ge=1, le=50)] = None
) -> Response:
    """Articles most like this one (shared distinctive terms), the article itself excluded."""
    answer = await c.backend.related(article_id, size or c.settings.related_size)
    return _json(results.related(article_id, answer))


@router.get("/healthz")
async def healthz(c: Ctx) -> JSONResponse:
    """200 when Elasticsearch answers and its cluster is not red, else 503."""
    try:
        status = await c.backend.health()
    except BackendUnavailableError as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, 503)
    body: dict[str, Any] = {"status": "ok", "elasticsearch": status}
    if status == "red":
        body["status"] = "degraded"
        return JSONResponse(body, 503)
    return JSONResponse(body)


@router.get("/", include_in_schema=False)
async def index_page() -> Response:
    return Response(_page(), media_type="text/html; charset=utf-8")


@cache
def _page() -> bytes:
    return (STATIC_DIR / "index.html").read_bytes()


def _json(model: BaseModel, status_code: int = 200) -> Response:
    # Serialised once by pydantic; FastAPI would otherwise validate the model again first.
    return Response(model.model_dump_json(), status_code, media_type="application/json")


# -- errors ----------------------------------------------------------------------------------
async def invalid_query(_request: Request, exc: Exception) -> JSONResponse:
    field = exc.field if isinstance(exc, InvalidQueryError) else "query"
    detail = [{"type": "value_error", "loc": ["query", field], "msg": str(exc)}]
    return JSONResponse({"detail": detail}, 422)


async def not_found(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 404)


async def unavailable(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, 503, headers={"Retry-After": "5"})


# -- the app ---------------------------------------------------------------------------------
def create_app(settings: SearchSettings, metrics: SearchMetrics | None = None) -> FastAPI:
    """Build the app; its Elasticsearch client opens at start-up and closes at shutdown."""
    metrics = metrics or SearchMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = make_async_client(settings.es)
        backend = SearchBackend(
            client,
            settings.names,
            facet_size=settings.facet_size,
            timeout_s=settings.search_timeout_s,
        )
        app.state.ctx = ApiContext(settings, backend, metrics)
        log.info("search ready alias=%s", settings.names.read_alias)
        try:
            yield
        finally:
            await client.close()

    app = FastAPI(
        title="newswire search",
        version="0.1.0",
        description=(
            "Full-text, language-aware search over newswire's articles, with facets, "
            "highlights (as marked text segments, never HTML) and cursor paging."
        ),
        lifespan=lifespan,
        exception_handlers={
            InvalidQueryError: invalid_query,
            ArticleNotFoundError: not_found,
            BackendUnavailableError: unavailable,
        },
    )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/metrics", make_asgi_app(metrics.registry))
    app.add_middleware(PageHeadersMiddleware)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    return app
