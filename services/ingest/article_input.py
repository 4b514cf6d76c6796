"""Article input (files, the push endpoint, feed entries) -> ``RawArticle``.

The input format is deliberately forgiving about *shape* (``body`` or ``content``, ``authors`` as
a list or a string, ``published`` in many date formats) and strict about *types*: a title that is
a number is an error, not a string. Anything that cannot become a valid article raises
``InvalidInputError`` with a reason, and the caller dead-letters it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.ingest.errors import InvalidInputError
from services.ingest.normalize import html_to_text, language_tag, parse_date, single_line
from shared.deadletter import Reason
from shared.ids import canonical_url
from shared.models import BOUNDED_KEYWORDS, RawArticle, SourceKind

KEYWORD_LOCATIONS = {(name,) for name in BOUNDED_KEYWORDS}


@dataclass(frozen=True, slots=True)
class Origin:
    """What the articles of one source share: their kind, the source name of an article that
    names none, when they were fetched, the source's language and feed."""

    source_kind: SourceKind
    default_source: str
    fetched_at: datetime
    language_hint: str | None = None
    feed_id: str | None = None


class ArticleInput(BaseModel):
    """One article as users send it (JSON object). Unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)

    url: str | None = None
    link: str | None = Field(default=None, description="Alias of url.")
    guid: str | None = None
    id: str | None = Field(default=None, description="Alias of guid.")
    title: str | None = None
    summary: str | None = None
    description: str | None = Field(default=None, description="Alias of summary.")
    body: str | None = None
    content: str | None = Field(default=None, description="Alias of body (HTML allowed).")
    authors: list[str] | str | None = None
    author: str | None = None
    published: str | None = None
    published_at: str | None = None
    date: str | None = None
    language: str | None = None
    lang: str | None = None
    source: str | None = None
    feed_id: str | None = None


def decode_json(raw: bytes, what: str) -> object:
    """Parse JSON input; ``InvalidInputError`` says whether the bytes or the JSON are at fault."""
    try:
        return orjson.loads(raw)  # checks UTF-8 itself: no decoded copy of the text
    except ValueError as exc:  # orjson.JSONDecodeError is one (depth limit too)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise InvalidInputError(
                Reason.INVALID_UTF8, f"{what} is not valid UTF-8: {bad}"
            ) from exc
        raise InvalidInputError(Reason.INVALID_JSON, f"{what} is not valid JSON: {exc}") from exc


def _errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'article'}: {err['msg']}" for err in exc.errors()
    )


def _authors(item: ArticleInput) -> list[str]:
    raw = item.authors if item.authors is not None else item.author
    if raw is None:
        return []
    values = [raw] if isinstance(raw, str) else raw
    return [name for name in (single_line(v) for v in values) if name][:50]


def from_input(data: object, origin: Origin) -> RawArticle:
    """A decoded JSON value or a feed entry -> ``RawArticle``; ``InvalidInputError`` if it
    cannot be one."""
    item = data if isinstance(data, ArticleInput) else _validate(data)
    try:
        return _build(item, origin)
    except InvalidInputError:
        raise
    except Exception as exc:  # an odd input must never stop its source: it is dead-lettered
        raise InvalidInputError(Reason.INVALID_ARTICLE, f"{type(exc).__name__}: {exc}") from exc


def _validate(data: object) -> ArticleInput:
    if not isinstance(data, dict):
        raise InvalidInputError(
            Reason.NOT_AN_OBJECT, f"an article must be a JSON object, got {type(data).__name__}"
        )
    try:
        return ArticleInput.model_validate(data)
    except ValidationError as exc:
        raise InvalidInputError(Reason.INVALID_FIELD, _errors(exc)) from exc


def _build(item: ArticleInput, origin: Origin) -> RawArticle:
    url_text = item.url or item.link
    url = canonical_url(url_text) if url_text else None
    if url_text and url is None:
        raise InvalidInputError(Reason.INVALID_URL, f"not an http(s) URL: {url_text[:200]!r}")
    title = single_line(item.title)
    summary = html_to_text(item.summary or item.description)
    body = html_to_text(item.body or item.content)
    if not (title or summary or body):
        raise InvalidInputError(
            Reason.EMPTY_ARTICLE, "an article needs a title, a summary or a body"
        )
    date_text = item.published or item.published_at or item.date
    published = parse_date(date_text)
    source = (item.source or "").strip() or (url.split("/")[2] if url else origin.default_source)
    guid = (item.guid or item.id or "").strip() or None
    extra: dict[str, Any] = {
        "authors": _authors(item),
        "language_hint": language_tag(item.language or item.lang)
        or language_tag(origin.language_hint),
        "feed_id": item.feed_id or origin.feed_id,
    }
    if not (url or guid) and not (title or body or summary):
        raise InvalidInputError(
            Reason.NO_IDENTITY, "an article needs a URL, a GUID or some content"
        )
    try:
        return RawArticle.create(
            # A title cut from the text is one line too.
            title=title or " ".join(summary[:200].split()) or " ".join(body[:200].split()),
            url=url,
            guid=guid,
            summary=summary,
            body=body,
            published_at=published,
            published_raw=date_text,
            fetched_at=origin.fetched_at,
            source_kind=origin.source_kind,
            source=source[:200],
            clean_text=True,  # single_line and html_to_text output
            **extra,
        )
    except ValidationError as exc:
        # Over what the index can take (shared.models): said apart, it is no typo.
        too_long = all(
            e["type"] == "string_too_long" and e["loc"][:1] in KEYWORD_LOCATIONS
            for e in exc.errors()
        )
        reason = Reason.FIELD_TOO_LONG if too_long else Reason.INVALID_ARTICLE
        raise InvalidInputError(reason, _errors(exc)) from exc
    except ValueError as exc:
        raise InvalidInputError(Reason.INVALID_ARTICLE, str(exc)) from exc
