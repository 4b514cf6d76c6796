"""The articles index: template, monthly and yearly indices and the read/write aliases.

The template lives in ``deploy/elasticsearch/index-template.json`` (one place for the mapping and
analysis); this module applies it idempotently and decides which fields a language feeds.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from shared.names import Names

log = logging.getLogger(__name__)

# Languages with a dedicated analysed field pair (title_<lang>, body_<lang>); any other language is
# searched through the language-neutral "folded" fields (standard + lowercase + ASCII folding).
ANALYSED_LANGUAGES = ("fr", "en", "de", "es", "ru")
TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "deploy" / "elasticsearch"


@cache
def index_template_body() -> dict[str, Any]:
    """The template body (settings + mappings) from deploy/ (newswire runs from its checkout)."""
    body: dict[str, Any] = json.loads((TEMPLATE_PATH / "index-template.json").read_text("utf-8"))
    body.pop("_comment", None)
    return body


def language_fields(language: str | None) -> tuple[str, str] | None:
    """The analysed (title, body) fields for a language, or None when it has none."""
    base = (language or "").split("-")[0].lower()
    if base in ANALYSED_LANGUAGES:
        return f"title_{base}", f"body_{base}"
    return None


def ensure_index(client: Elasticsearch, names: Names, now: datetime) -> str:
    """Put the template, create this month's index behind both aliases; return the index name.

    Safe to run at every start-up and from several processes at once.
    """
    # Every monthly index joins the read alias as soon as it is created (also when the indexer
    # creates one implicitly by writing to it).
    body = {**index_template_body(), "aliases": {names.read_alias: {}}}
    client.indices.put_index_template(
        name=names.index_template,
        index_patterns=[names.index_pattern],
        template=body,
        priority=100,
    )
    # Indices made from an older template learn the fields added since (the mapping is strict:
    # a document with a field its index lacks would be refused). Adding fields and changing
    # ignore_above are allowed on a live index; nothing else in the template changes.
    client.options(ignore_status=404).indices.put_mapping(
        index=names.index_pattern,
        properties=body["mappings"]["properties"],
        allow_no_indices=True,
    )
    index = names.monthly_index(now)
    if not client.indices.exists(index=index):
        client.options(ignore_status=400).indices.create(
            index=index, aliases={names.read_alias: {}}
        )
    # Move the write alias to the current month (atomic: remove + add in one request).
    actions: list[dict[str, Any]] = [
        {"add": {"index": index, "alias": names.write_alias, "is_write_index": True}},
        {"add": {"index": index, "alias": names.read_alias}},
    ]
    current = client.options(ignore_status=404).indices.get_alias(name=names.write_alias)
    for other in dict(current.body or {}):
        if other != index and other.startswith(names.index_pattern[:-1]):
            actions.insert(0, {"remove": {"index": other, "alias": names.write_alias}})
    client.indices.update_aliases(actions=actions)
    log.info("index ready index=%s write_alias=%s", index, names.write_alias)
    return index
