"""`newswire ingest serve`: the push endpoint (FastAPI).

POST /articles takes one article (JSON object), a batch (JSON array) or NDJSON. It needs the API
key in ``X-API-Key`` (401 otherwise), refuses bodies over the limit (413), accepts the valid items
of a batch and lists each invalid one with its index and reason (each also dead-lettered). A 200
means every accepted article is acknowledged by Kafka.
"""

import hmac
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import orjson
from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app

from services.ingest.errors import InvalidInputError, PublishError
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import Publisher
from services.ingest.records import ArticleInput, decode_json, from_input
from services.ingest.settings import IngestSettings
from shared.models import RawArticle

log = logging.getLogger(__name__)

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


@dataclass
class ApiContext:
    settings: IngestSettings
    publisher: Publisher


class PayloadTooLargeError(Exception):
    pass


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:  # chunked bodies have no Content-Length: count as we read
            raise PayloadTooLargeError
    return bytes(body)


def _split(body: bytes, content_type: str) -> list[tuple[bytes, object | InvalidInputError]]:
    """The body's items as (raw bytes, decoded JSON or the error)."""
    if any(t in content_type for t in NDJSON_TYPES):
        items: list[tuple[bytes, object | InvalidInputError]] = []
        for line in body.splitlines():
            if line.strip():
                items.append((line, _decode(line, "line")))
        return items
    document = _decode(body, "body")
    if isinstance(document, InvalidInputError):
        raise document
    if isinstance(document, list):
        return [(orjson.dumps(item), item) for item in document]
    return [(body, document)]


def _decode(raw: bytes, what: str) -> object | InvalidInputError:
    try:
        return decode_json(raw, what)
    except InvalidInputError as exc:
        return exc


_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    ArticleInput.model_json_schema(),
                    {"type": "array", "items": ArticleInput.model_json_schema()},
                ]
            }
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "One article object per line."}
        },
    },
}


def create_app(
    settings: IngestSettings, metrics: IngestMetrics, open_publisher: Callable[[], Publisher]
) -> FastAPI:
    """Build the app; ``open_publisher`` runs at start-up, the publisher is closed at shutdown.

    ``metrics`` is the registry the publisher counts into; it is served on /metrics.
    """
    if settings.api_key is None or not settings.api_key.get_secret_value():
        raise ValueError("the push endpoint needs NEWSWIRE_INGEST_API_KEY")
    expected_key = settings.api_key.get_secret_value().encode()
    context: dict[str, ApiContext] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        publisher = await run_in_threadpool(open_publisher)
        context["ctx"] = ApiContext(settings, publisher)
        try:
            yield
        finally:
            # Graceful shutdown (uvicorn handles SIGTERM): flush what Kafka has not yet taken.
            await run_in_threadpool(publisher.close, settings.shutdown_timeout_s)

    app = FastAPI(
        title="newswire ingest",
        version="0.1.0",
        description="Push articles into newswire's raw topic.",
        lifespan=lifespan,
    )

    def ctx() -> ApiContext:
        return context["ctx"]

    def require_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if x_api_key is None or not hmac.compare_digest(x_api_key.encode(), expected_key):
            raise HTTPException(
                status_code=401,
                detail="missing or wrong API key (header X-API-Key)",
                headers={"WWW-Authenticate": "ApiKey"},
            )

    @app.post(
        "/articles",
        dependencies=[Depends(require_key)],
        openapi_extra={"requestBody": _REQUEST_BODY},
        responses={
            401: {"description": "Missing or wrong API key"},
            413: {"description": "Body over the configured limit"},
            422: {"description": "No valid article in the body"},
            503: {"description": "Kafka did not acknowledge; retry later"},
        },
    )
    async def post_articles(
        request: Request, c: Annotated[ApiContext, Depends(ctx)]
    ) -> JSONResponse:
        """Publish one article, a JSON array of articles, or NDJSON."""
        try:
            body = await _read_limited(request, c.settings.max_body_bytes)
        except PayloadTooLargeError:
            return JSONResponse(
                {"detail": f"body over the limit of {c.settings.max_body_bytes} bytes"}, 413
            )
        source = f"push:{request.client.host if request.client else 'unknown'}"
        content_type = request.headers.get("content-type", "application/json").lower()
        try:
            items = _split(body, content_type)
        except InvalidInputError as exc:
            await run_in_threadpool(
                c.publisher.dead_letter,
                reason=exc.reason,
                error=str(exc),
                payload=body,
                source=source,
            )
            return JSONResponse({"detail": str(exc), "reason": exc.reason}, 400)
        if len(items) > c.settings.max_batch_items:
            return JSONResponse(
                {"detail": f"more than {c.settings.max_batch_items} items in one request"}, 413
            )
        return await run_in_threadpool(_ingest_items, c, items, source)

    @app.get("/healthz")
    def healthz(c: Annotated[ApiContext, Depends(ctx)]) -> JSONResponse:
        """200 when a Kafka broker answers on a bootstrap address, else 503."""
        connected = _broker_reachable(c.settings.kafka.servers)
        status = {"status": "ok" if connected else "degraded", "kafka": connected}
        return JSONResponse(status, 200 if connected else 503)

    app.mount("/metrics", make_asgi_app(metrics.registry))
    return app


def _broker_reachable(servers: list[str], timeout_s: float = 1.0) -> bool:
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


def _ingest_items(
    c: ApiContext, items: list[tuple[bytes, object | InvalidInputError]], source: str
) -> JSONResponse:
    fetched_at = datetime.now(UTC)
    rejected: list[dict[str, object]] = []
    articles: list[tuple[int, RawArticle]] = []
    for index, (raw, record) in enumerate(items):
        try:
            if isinstance(record, InvalidInputError):
                raise record
            article = from_input(
                record, source_kind="push", default_source=source, fetched_at=fetched_at
            )
        except InvalidInputError as exc:
            c.publisher.dead_letter(
                reason=exc.reason, error=str(exc), payload=raw, source=f"{source}[{index}]"
            )
            rejected.append({"index": index, "reason": exc.reason, "error": str(exc)})
            continue
        articles.append((index, article))
    try:
        outcomes = c.publisher.publish(
            [a for _i, a in articles], [f"{source}[{i}]" for i, _a in articles]
        )
    except PublishError as exc:
        log.error("push publish failed error=%s", exc)
        return JSONResponse(
            {
                "detail": "Kafka did not acknowledge every article; retry the request "
                "(articles already published come back as duplicates)"
            },
            503,
            headers={"Retry-After": "5"},
        )
    results: list[dict[str, object]] = []
    for (i, _a), o in zip(articles, outcomes, strict=True):
        if o.status == "dead-lettered":  # valid, but more than Kafka takes
            rejected.append({"index": i, "reason": o.reason, "error": o.error})
        else:
            results.append(
                {"index": i, "id": o.article_id, "status": o.status, "version": o.version}
            )
    rejected.sort(key=lambda r: cast(int, r["index"]))
    body = {
        "accepted": sum(1 for o in outcomes if o.status == "published"),
        "duplicates": sum(1 for o in outcomes if o.status == "duplicate"),
        "rejected": rejected,
        "articles": results,
    }
    return JSONResponse(body, 200 if results or not rejected else 422)
