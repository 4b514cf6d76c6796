"""The indexer app: enriched topic -> Elasticsearch, in bulk, idempotently.

Modules, in dependency order: ``settings``, ``metrics`` -> ``document`` (article -> ES
document) -> ``bulk`` (bulk writes, a verdict per document) -> ``consumer`` (poll, batch,
write, dead-letter, commit) -> ``server`` (``/metrics`` and ``/healthz``) -> ``cli``.
"""
