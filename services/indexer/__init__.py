"""The indexer app: enriched topic -> Elasticsearch, in bulk, idempotently.

Modules: ``settings``, ``errors``, ``metrics`` -> ``document`` (article -> ES document) ->
``bulk`` (one batch to ES with retries, per-document outcomes) -> ``consumer`` (poll, batch,
write, dead-letter, commit) -> ``cli``.
"""
