"""The search app: the read alias behind an HTTP API, a web page and `newswire search`.

Modules, in dependency order: ``settings``, ``errors``, ``metrics``, ``models`` (response
shapes) -> ``query`` (parameters -> Elasticsearch bodies, pure) -> ``service`` (run them, shape
the answers) -> ``api`` (FastAPI + ``static/`` page), ``cli``.
"""
