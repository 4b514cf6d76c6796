"""Logging set-up for entry points: one line per record, key=value context.

Library modules only call ``logging.getLogger(__name__)``; handlers are configured here, from an
entry point, never at import.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


def configure_logging(level: str | int = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Client libraries are chatty at INFO (every connection, every metadata refresh).
    for noisy in ("kafka", "aiokafka", "elastic_transport", "elasticsearch"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
