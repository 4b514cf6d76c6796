"""The ingest app: feeds, files and the push endpoint into the raw topic.

Modules, in dependency order: ``settings``, ``errors``, ``metrics`` -> ``normalize`` ->
``records`` (article input -> RawArticle), ``feeds`` (feed bytes -> records) -> ``dedup`` ->
``publisher`` (Kafka + dead letters) -> ``fetcher``/``politeness`` -> ``feedlist``/``poller``,
``files``, ``api`` -> ``cli``.
"""
