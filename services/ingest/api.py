"""`newswire ingest serve`: the push endpoint (FastAPI).

POST /articles takes one article (JSON object), a batch (JSON array) or NDJSON, as its
Content-Type says (``body_kind``; anything else is 415). It needs the API key in ``X-API-Key``
(401 otherwise), refuses bodies over the limit (413), accepts the valid items of a batch and
lists each invalid one with its index and reason (each also dead-lettered). A 200 means every
accepted article is on the incoming topic, acknowledged by Kafka; whether it is new, an edit
(next version) or a duplicate is the dedup stage's decision, made after the answer (its
metrics, ``newswire articles show ID``). A 503 means Kafka did not acknowledge everything:
retry (what did arrive is then a duplicate to the dedup stage).

Every response carries ``X-Content-Type-Options: nosniff`` (``NoSniffMiddleware``).

The app holds no resources of its own: the intake it is given (its producer) is opened and
closed by ``ingest serve``'s lifecycle.
"""

import hmac
import logging
import socket
from datetime import UTC, datetime
from email.message import Message
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from services.ingest.article_input import ArticleInput, Origin, decode_json
from services.ingest.errors import ApiKeyMissingError, InvalidInputError, PublishError
from services.ingest.intake import Intake, IntakeItem
from services.ingest.metrics import IngestMetrics
from services.ingest.publisher import IntakeOutcome
from services.ingest.settings import IngestSettings

log = logging.getLogger(__name__)

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")
JSON_TYPES = ("application/json", "application/*+json")
SUPPORTED_TYPES = (*JSON_TYPES, *NDJSON_TYPES)
# JSON is UTF-8 (RFC 8259): a body declared in another charset would be read wrongly.
UTF8_CHARSETS = ("utf-8", "utf8", "us-ascii")

BodyKind = Literal["json", "ndjson"]


def body_kind(content_type: str | None) -> BodyKind | None:
    """What a Content-Type header announces: ``json`` (``application/json``, any
    ``application/*+json``, or no header at all), ``ndjson`` (one of ``NDJSON_TYPES``), or
    None for anything else (415).

    The media type is the ``type/subtype`` before any parameter, without regard to case;
    parameters never change it (``text/plain; x=application/x-ndjson`` is text/plain). The one
    parameter read is ``charset``, which must be UTF-8 when given.
    """
    if content_type is None or not content_type.strip():
        return "json"  # curl --data-binary and most clients without a header send JSON
    header = Message()
    header["content-type"] = content_type
    media = header.get_content_type()  # lower case; text/plain (refused) when malformed
    charset = header.get_content_charset()
    if charset is not None and charset not in UTF8_CHARSETS:
        return None
    if media in NDJSON_TYPES:
        return "ndjson"
    main, _, sub = media.partition("/")
    if media == "application/json" or (main == "application" and sub.endswith("+json")):
        return "json"
    return None


class NoSniffMiddleware:
    """``X-Content-Type-Options: nosniff`` on every response (routes, /metrics, errors), so no
    browser takes a JSON body echoing its input for HTML or script."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_header)


class PayloadTooLargeError(Exception):
    pass


def _retry_later() -> JSONResponse:
    return JSONResponse(
        {
            "detail": "Kafka did not acknowledge every article; retry the request "
            "(an article that did arrive is then a duplicate, dropped by the dedup stage)"
        },
        503,
        headers={"Retry-After": "5"},
    )


def _unsupported(content_type: str) -> JSONResponse:
    return JSONResponse(
        {
            "detail": f"unsupported Content-Type {content_type!r}: send a JSON object or "
            "array (application/json), or NDJSON, in UTF-8",
            "supported_types": list(SUPPORTED_TYPES),
        },
        415,
        headers={"Accept-Post": ", ".join(SUPPORTED_TYPES)},
    )


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


def _items(body: bytes, kind: BodyKind, origin: Origin) -> list[IntakeItem]:
    """The body's items; ``InvalidInputError`` when the body as a whole is not JSON."""
    source = origin.default_source
    if kind == "ndjson":
        lines = [line for line in body.splitlines() if line.strip()]
        return [IntakeItem.decoded(f"{source}[{i}]", line, origin) for i, line in enumerate(lines)]
    document = decode_json(body, "body")
    if isinstance(document, list):
        return [IntakeItem(f"{source}[{i}]", None, item, origin) for i, item in enumerate(document)]
    return [IntakeItem(f"{source}[0]", body, document, origin)]


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


def api_key(settings: IngestSettings) -> bytes:
    """The key POST /articles requires; ``ApiKeyMissingError`` when none is set."""
    if settings.api_key is None or not settings.api_key.get_secret_value():
        raise ApiKeyMissingError("the push endpoint needs NEWSWIRE_INGEST_API_KEY")
    return settings.api_key.get_secret_value().encode()


def create_app(settings: IngestSettings, metrics: IngestMetrics, intake: Intake) -> FastAPI:
    """The push API over ``intake``, whose resources the caller opens and closes.

    ``metrics`` is the registry the intake counts into; it is served on /metrics.
    """
    expected_key = api_key(settings)
    app = FastAPI(
        title="newswire ingest",
        version="0.1.0",
        description="Push articles into newswire's incoming topic.",
    )
    app.add_middleware(NoSniffMiddleware)

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
            415: {"description": "Content-Type neither JSON nor NDJSON (UTF-8)"},
            422: {"description": "No valid article in the body"},
            503: {"description": "Kafka did not acknowledge; retry later"},
        },
    )
    async def post_articles(request: Request) -> JSONResponse:
        """Accept one article, a JSON array of articles, or NDJSON."""
        content_type = request.headers.get("content-type")
        kind = body_kind(content_type)
        if kind is None:
            return _unsupported(content_type or "")
        try:
            body = await _read_limited(request, settings.max_body_bytes)
        except PayloadTooLargeError:
            return JSONResponse(
                {"detail": f"body over the limit of {settings.max_body_bytes} bytes"}, 413
            )
        source = f"push:{request.client.host if request.client else 'unknown'}"
        origin = Origin("push", source, datetime.now(UTC))
        try:
            items = _items(body, kind, origin)
        except InvalidInputError as exc:  # not JSON at all: the whole body is dead-lettered
            if await _take(intake, [IntakeItem(source, body, exc, origin)]) is None:
                return _retry_later()
            return JSONResponse({"detail": str(exc), "reason": exc.reason}, 400)
        if len(items) > settings.max_batch_items:
            return JSONResponse(
                {"detail": f"more than {settings.max_batch_items} items in one request"}, 413
            )
        outcomes = await _take(intake, items)
        return _retry_later() if outcomes is None else _response(outcomes)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """200 when a Kafka broker answers on a bootstrap address, else 503."""
        connected = _broker_reachable(settings.kafka.servers)
        status = {"status": "ok" if connected else "degraded", "kafka": connected}
        return JSONResponse(status, 200 if connected else 503)

    app.mount("/metrics", make_asgi_app(metrics.registry))
    return app


async def _take(intake: Intake, items: list[IntakeItem]) -> list[IntakeOutcome] | None:
    """The items' outcomes; None when Kafka did not acknowledge them all (the client retries)."""
    try:
        return await run_in_threadpool(intake.take, items)
    except PublishError as exc:
        log.error("push publish failed error=%s", exc)
        return None


def _response(outcomes: list[IntakeOutcome]) -> JSONResponse:
    rejected: list[dict[str, object]] = []
    articles: list[dict[str, object]] = []
    for index, o in enumerate(outcomes):
        if o.status == "dead-lettered":  # invalid, or valid but more than Kafka takes
            rejected.append({"index": index, "reason": o.reason, "error": o.error})
        else:
            articles.append({"index": index, "id": o.article_id, "status": o.status})
    body = {"accepted": len(articles), "rejected": rejected, "articles": articles}
    return JSONResponse(body, 200 if articles or not rejected else 422)


def _broker_reachable(servers: list[str], timeout_s: float = 1.0) -> bool:
    for server in servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False
