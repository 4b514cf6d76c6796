"""The Elasticsearch calls behind search: run a search, find an article, find related ones,
ask for the cluster's health. Raw answers out (``results`` shapes them), search errors in place
of the client's.

One client flavour, the asyncio one: the API awaits it on its event loop (no thread per
request) and ``newswire search`` runs one call through ``asyncio.run``, which costs a one-shot
command nothing measurable next to importing the client. The caller owns the client: it opens
one at start-up, hands it here and closes it at shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, BadRequestError, TransportError

from services.search.errors import (
    ArticleNotFoundError,
    BackendUnavailableError,
    InvalidQueryError,
)
from services.search.query import SearchParams, build_lookup, build_related, build_search
from shared.names import Names

log = logging.getLogger(__name__)

Body = Mapping[str, Any]


class SearchBackend:
    def __init__(
        self,
        client: AsyncElasticsearch,
        names: Names,
        *,
        facet_size: int = 10,
        timeout_s: float = 10.0,
    ) -> None:
        self.client = client
        self.names = names
        self.facet_size = facet_size
        self.timeout_s = timeout_s

    async def search(self, params: SearchParams) -> Body:
        """Elasticsearch's answer to ``params`` (``results.page_fields`` reads it)."""
        body = build_search(params, facet_size=self.facet_size, timeout_s=self.timeout_s)
        with translate_errors(self.names):
            response = await self.client.search(index=self.names.read_alias, body=body)
        answer: Body = response.body
        if answer.get("timed_out"):
            log.warning("search timed out q_chars=%d took_ms=%s", len(params.q), answer["took"])
        return answer

    async def article(self, article_id: str, *, full: bool = True) -> Body:
        """The article's hit (``_index``, ``_source``); ``ArticleNotFoundError`` if none."""
        with translate_errors(self.names):
            response = await self.client.search(
                index=self.names.read_alias, body=build_lookup(article_id, full=full)
            )
        hits = response.body["hits"]["hits"]
        if not hits:
            raise ArticleNotFoundError(article_id)
        found: Body = hits[0]
        return found

    async def related(self, article_id: str, size: int) -> Body:
        """The answer of a more-like-this search on the article (not found: as ``article``)."""
        found = await self.article(article_id, full=False)
        body = build_related(found["_index"], article_id, size)
        with translate_errors(self.names):
            response = await self.client.search(index=self.names.read_alias, body=body)
        answer: Body = response.body
        return answer

    async def health(self) -> str:
        """The cluster status (green, yellow, red); ``BackendUnavailableError`` if unreachable."""
        with translate_errors(self.names):
            client = self.client.options(request_timeout=min(self.timeout_s, 5.0))
            response = await client.cluster.health()
        return str(response["status"])


@contextmanager
def translate_errors(names: Names) -> Iterator[None]:
    try:
        yield
    except BadRequestError as exc:
        # The body is built here, so this is a parameter Elasticsearch refused (e.g. a cursor
        # value out of range); its reason is safe to pass on.
        log.warning("search rejected error=%s", exc.message)
        raise InvalidQueryError(
            "query", f"Elasticsearch refused the search: {exc.message}"
        ) from exc
    except ApiError as exc:
        if exc.meta.status == 404:
            log.error("read alias missing alias=%s", names.read_alias)
            raise BackendUnavailableError(
                f"no index behind {names.read_alias} (run `newswire setup`)"
            ) from exc
        log.error("search failed status=%s error=%s", exc.meta.status, exc.message)
        raise BackendUnavailableError(f"Elasticsearch answered {exc.meta.status}") from exc
    except TransportError as exc:
        log.error("Elasticsearch unreachable error=%s", exc)
        raise BackendUnavailableError(f"Elasticsearch unreachable: {exc}") from exc
