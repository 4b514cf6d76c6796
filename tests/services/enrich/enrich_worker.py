"""`newswire enrich` with stand-in models, run as its own process by the broker tests.

Everything but the models is the service's own: the command and its options, settings from the
environment, the start-up checks, the lifecycle and its signals, the faust worker and the
stage. The detector and the extractor load nothing, so the worker starts in seconds and with
little memory.
"""

from __future__ import annotations

import typer

from services.enrich import cli
from services.enrich.enricher import Enricher
from services.enrich.settings import EnrichSettings
from shared.logging import configure_logging
from shared.models import Entity


class EnglishDetector:
    def detect(self, title: str, text: str, hint: str | None = None) -> tuple[str, float]:
        return ("en", 0.99)


class NoEntities:
    def extract_many(self, items: list[tuple[str, str]]) -> list[list[Entity]]:
        return [[] for _ in items]


def stand_in(settings: EnrichSettings) -> Enricher:
    return Enricher(settings, EnglishDetector(), NoEntities())


if __name__ == "__main__":
    configure_logging()
    cli.load_enricher = stand_in  # the one thing replaced: the models
    typer.run(cli.enrich)
