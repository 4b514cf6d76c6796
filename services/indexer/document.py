"""An enriched article as an Elasticsearch document (the mapping is
``deploy/elasticsearch/index-template.json``).

Text goes both to the language-neutral fields (``title``/``body``: ASCII folding) and, when the
article's language has an analyser, to ``title_<lang>``/``body_<lang>`` (stemming, elision,
stop words). Entity canonical names are also copied to flat keyword fields per label, for facets.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.index import language_fields
from shared.models import EnrichedArticle

LABEL_FIELDS = {"PER": "people", "ORG": "organisations", "LOC": "places", "MISC": "misc"}


def to_document(article: EnrichedArticle, *, indexed_at: datetime | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = article.model_dump(mode="json")
    fields = language_fields(article.language)
    if fields is not None:
        doc[fields[0]] = article.title
        doc[fields[1]] = article.body or article.summary
    for field in LABEL_FIELDS.values():
        doc[field] = []
    for entity in article.entities:
        names = doc[LABEL_FIELDS[entity.label]]
        if entity.canonical not in names:
            names.append(entity.canonical)
    doc["entity_ids"] = sorted({e.id for e in article.entities if e.id})
    doc["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    return doc
