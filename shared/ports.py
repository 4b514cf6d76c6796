"""The default HTTP port of every service's surface (API, metrics, probes), in one place.

Each service's settings take their ``port`` default from here, and the local runner starts and
probes the services on the same numbers, so the two cannot drift apart.
"""

from __future__ import annotations

INGEST = 8000  # push API: /articles, /healthz, /metrics
INDEXER = 8001  # /metrics, /healthz
POLL = 8002  # feed poller: /metrics
SEARCH = 8080  # search API and page
ENRICH = 6066  # faust web: /metrics
DEDUP = 6067  # faust web: /metrics
LAG = 9308  # lag exporter: /metrics

DEFAULT_HOST = "127.0.0.1"  # loopback unless told otherwise; 0.0.0.0 in containers
