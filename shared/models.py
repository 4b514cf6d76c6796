"""The article contracts: what travels on the raw and enriched topics.

Both models are strict (no type coercion, unknown fields rejected) and immutable; they go over the
wire as UTF-8 JSON (``to_json`` / ``from_json``). ``SCHEMA_VERSION`` changes whenever a field
changes meaning or a required field is added; it also travels in the ``schema-version`` header.

Every field the index keeps as a keyword is bounded here (``*_MAX_CHARS``), so that nothing the
contract accepts is refused by Elasticsearch later (a keyword term is at most 32,766 bytes,
8,191 characters at 4 bytes each): a client is never told "published" for an article that can
never be indexed. Over-long URLs, GUIDs, sources and feed ids are errors (no such value is
genuine); over-long author names and date texts are cut by ``RawArticle.create``.

``RawArticle.create`` also decides which publication dates are plausible: from
``OLDEST_PUBLISHED`` to ``MAX_AHEAD`` past the fetch time. Any other date (a CMS default of
1970, a typo of 2202) is treated like an unreadable one: the fetch time is used, the article is
flagged ``published_at_inferred`` and the source's text is kept in ``published_raw``. 1990: news
on the web starts in the early 1990s, and the dates before it that feeds carry are defaults
(1 January 1970, 1900, year 0), not publication dates; it also bounds the number of yearly
indices (``shared.names``). One day ahead: time zones and clock skew, not scheduled posts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from shared.ids import article_id, canonical_url, content_hash

SCHEMA_VERSION = 1
SourceKind = Literal["feed", "file", "push"]
EntityLabel = Literal["PER", "ORG", "LOC", "MISC"]

OLDEST_PUBLISHED = datetime(1990, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(days=1)
URL_MAX_CHARS = 4_096  # past what browsers, sitemaps and CDNs take
GUID_MAX_CHARS = 4_096  # often the URL itself
SOURCE_MAX_CHARS = 200
FEED_ID_MAX_CHARS = 200
AUTHOR_MAX_CHARS = 200
PUBLISHED_RAW_MAX_CHARS = 200
LANGUAGE_TAG_MAX_CHARS = 35  # the longest tag RFC 5646 asks implementations to support
# The fields refused, not cut, when over their bound.
BOUNDED_KEYWORDS = ("url", "guid", "source", "feed_id", "language_hint")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_LANG = re.compile(r"^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*|und)$")


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must carry a time zone")
    return value.astimezone(UTC)


def _article_id(value: str) -> str:
    if not _HEX64.match(value):
        raise ValueError("article id must be 64 lower-case hex characters (sha256)")
    return value


def _language(value: str) -> str:
    if not _LANG.match(value):
        raise ValueError(f"not a language tag: {value!r} (expected e.g. 'fr', 'en-GB' or 'und')")
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
ArticleId = Annotated[str, AfterValidator(_article_id)]
LanguageTag = Annotated[str, Field(max_length=LANGUAGE_TAG_MAX_CHARS), AfterValidator(_language)]
AuthorName = Annotated[str, Field(max_length=AUTHOR_MAX_CHARS)]


class _Contract(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    def to_json(self) -> bytes:
        # model_dump_json's bytes, without its decode to str and our encode back (a third of the
        # cost for a long article).
        return self.__pydantic_serializer__.to_json(self)

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        return cls.model_validate_json(data)


class RawArticle(_Contract):
    """An article as ingest publishes it to the raw topic."""

    schema_version: Literal[1] = 1  # == SCHEMA_VERSION
    id: ArticleId
    version: int = Field(default=1, ge=1, description="Incremented when the content changes.")
    url: str | None = Field(default=None, max_length=URL_MAX_CHARS)
    guid: str | None = Field(default=None, max_length=GUID_MAX_CHARS)
    title: str = Field(max_length=2_000)
    summary: str = Field(default="", max_length=20_000)
    body: str = Field(default="", max_length=1_000_000)
    authors: list[AuthorName] = Field(default_factory=list)
    published_at: UtcDatetime
    published_at_inferred: bool = Field(
        default=False,
        description="True when the source gave no usable date (fetch time used): none, an "
        "unreadable one, or one outside the plausible window.",
    )
    # Left out of the JSON when None: records without it read the same as before it existed.
    published_raw: str | None = Field(
        default=None,
        max_length=PUBLISHED_RAW_MAX_CHARS,
        exclude_if=lambda value: value is None,
        description="The source's date text when it was not used (unreadable or implausible).",
    )
    fetched_at: UtcDatetime
    source_kind: SourceKind
    source: str = Field(
        min_length=1, max_length=SOURCE_MAX_CHARS, description="Source domain or name."
    )
    feed_id: str | None = Field(default=None, max_length=FEED_ID_MAX_CHARS)
    language_hint: LanguageTag | None = None
    content_hash: str

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Self:
        if not (self.title.strip() or self.body.strip() or self.summary.strip()):
            raise ValueError("an article needs a title, a summary or a body")
        if self.url is not None and canonical_url(self.url) != self.url:
            raise ValueError("url must be canonical (use RawArticle.create)")
        computed_here = bool(info.context and info.context.get("content_hash_computed"))
        if not computed_here and self.content_hash != content_hash(
            self.title, self.body or self.summary
        ):
            raise ValueError("content_hash does not match title and body")
        return self

    @classmethod
    def create(
        cls,
        *,
        title: str,
        source_kind: SourceKind,
        source: str,
        url: str | None = None,
        guid: str | None = None,
        summary: str = "",
        body: str = "",
        published_at: datetime | None = None,
        fetched_at: datetime | None = None,
        published_raw: str | None = None,
        authors: Sequence[str] = (),
        version: int = 1,
        clean_text: bool = False,
        **extra: object,
    ) -> RawArticle:
        """Build an article applying the shared id rule, URL canonicalisation, content hash and
        date window (see the module docstring).

        ``published_raw``: the source's date text, kept when the date is not used.
        ``clean_text``: title and texts are already whitespace-normalised (see ``content_hash``).
        """
        now = fetched_at or datetime.now(UTC)
        canonical = canonical_url(url) if url else None
        text = body or summary
        usable = published_at is not None and (
            # A naive datetime is left to the validator, which says what is wrong with it.
            published_at.tzinfo is None or OLDEST_PUBLISHED <= published_at <= now + MAX_AHEAD
        )
        if not usable and published_at is not None and published_raw is None:
            published_raw = published_at.isoformat()
        return cls.model_validate(
            {
                "id": article_id(canonical, guid, title, text),
                "version": version,
                "url": canonical,
                "guid": guid,
                "title": title,
                "summary": summary,
                "body": body,
                "published_at": published_at if usable else now,
                "published_at_inferred": not usable,
                "published_raw": None
                if usable
                else (published_raw or "")[:PUBLISHED_RAW_MAX_CHARS] or None,
                "authors": [name[:AUTHOR_MAX_CHARS] for name in authors],
                "fetched_at": now,
                "source_kind": source_kind,
                "source": source,
                "content_hash": content_hash(title, text, clean=clean_text),
                **extra,
            },
            context={"content_hash_computed": True},  # no need to hash the text twice
        )


class Entity(_Contract):
    """A named entity found in one article, with its mentions merged."""

    canonical: str = Field(min_length=1)
    label: EntityLabel
    id: str | None = Field(default=None, description="Stable cross-language id when known.")
    surface_forms: list[str] = Field(default_factory=list)
    count: int = Field(ge=1)
    offsets: list[tuple[int, int]] = Field(default_factory=list)


class EnrichedArticle(RawArticle):
    """A raw article plus language and entities, as enrich publishes it to the enriched topic."""

    language: LanguageTag
    language_confidence: float = Field(ge=0.0, le=1.0)
    entities: list[Entity] = Field(default_factory=list)
    word_count: int = Field(ge=0)
    reading_time_s: int = Field(ge=0)
    ner_truncated: bool = False
    enriched_at: UtcDatetime

    @classmethod
    def from_raw(cls, raw: RawArticle, **enrichment: object) -> EnrichedArticle:
        """Every raw field is kept; enrichment adds to it."""
        # raw's content hash was checked when raw was validated, and the text is unchanged.
        return cls.model_validate(
            {**raw.model_dump(), **enrichment}, context={"content_hash_computed": True}
        )
