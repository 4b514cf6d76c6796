"""Raw articles for the enrich tests, told apart by a number."""

from __future__ import annotations

from shared.models import RawArticle


def article(n: int, body: str = "Plain text here.") -> RawArticle:
    return RawArticle.create(
        title=f"Title {n}",
        body=body,
        url=f"https://x.example/{n}",
        source_kind="file",
        source="x.example",
    )
