"""The search app: the read alias behind an HTTP API, a web page and `newswire search`.

Modules, in dependency order: ``settings``, ``errors``, ``metrics``, ``models`` (response
shapes) -> ``query`` (parameters -> Elasticsearch bodies, pure) -> ``backend`` (the
Elasticsearch calls, asyncio client) and ``results`` (answers -> response shapes, pure) ->
``middleware`` (request metrics, page headers) -> ``api`` (FastAPI + ``static/`` page),
``cli``.
"""
