"""Named entities per article, routed by language.

- A language with a spaCy pipeline in ``settings.pipelines`` (fr, en by default) goes through
  it, in batches per language (``nlp.pipe``), with only the components NER needs
  (``ner.spacy``). A pipeline named there that cannot be loaded stops the start
  (``ModelMissingError``): the quality of a language must not drop without anyone noticing.
- Russian without a spaCy pipeline goes through natasha (``ner.natasha``).
- Every other language gets places and countries from the gazetteer (``ner.gazetteer``): no
  model is installed for it (spaCy's multilingual ``xx_ent_wiki_sm`` is not on the package
  index).
  With a model, the gazetteer still adds the countries, continents and big cities it missed.

Lower-case nationality adjectives come from a lexicon (``ner.demonyms``) in the languages that
write them so. Then, the same for all: labels on one scale (``ner.mention``), mentions merged
into entities, places with cross-language ids (``ner.merge``). Offsets are relative to the text
given.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from spacy.language import Language

from services.enrich.errors import ModelMissingError
from services.enrich.ner import spacy as ner_spacy
from services.enrich.ner.demonyms import Demonyms
from services.enrich.ner.gazetteer import Gazetteer
from services.enrich.ner.mention import Mention
from services.enrich.ner.merge import Merger
from services.enrich.ner.natasha import RussianNer
from services.enrich.settings import EnrichSettings
from shared.models import Entity

log = logging.getLogger(__name__)

_MODEL_GAP_POPULATION = 1_000_000


def require_pipelines(pipelines: dict[str, str]) -> None:
    """Raise ``ModelMissingError`` unless every language's pipeline is installed: a quick
    check, before anything slow loads."""
    for language, candidates in pipelines.items():
        if ner_spacy.installed(candidates) is None:
            raise ModelMissingError(_missing(language, candidates))


def _missing(language: str, candidates: str) -> str:
    return (
        f"no spaCy pipeline for language {language!r} could be loaded (tried {candidates!r}; "
        "scripts/bootstrap installs deploy/models.txt; NEWSWIRE_ENRICH_PIPELINES names them)"
    )


class EntityExtractor:
    def __init__(
        self,
        settings: EnrichSettings,
        *,
        gazetteer: Gazetteer | None = None,
        slim_pipelines: bool = True,
    ) -> None:
        self._batch_size = settings.batch_size
        self._pipelines: dict[str, Language] = {}
        for language, candidates in settings.pipelines.items():
            nlp = ner_spacy.load_pipeline(candidates, slim=slim_pipelines)
            if nlp is None:
                raise ModelMissingError(_missing(language, candidates))
            self._pipelines[language] = nlp
        self._gazetteer = gazetteer or Gazetteer(settings.languages)
        self._russian = RussianNer() if "ru" not in self._pipelines else None
        self._demonyms = Demonyms(sorted(settings.languages))
        self._merger = Merger(self._gazetteer, sorted({*settings.languages, *settings.pipelines}))

    @property
    def gazetteer(self) -> Gazetteer:
        return self._gazetteer

    def backend(self, language: str) -> str:
        """Which backend serves a language: ``spacy``, ``natasha`` or ``gazetteer``."""
        if language in self._pipelines:
            return "spacy"
        if language == "ru" and self._russian is not None:
            return "natasha"
        return "gazetteer"

    def extract_many(self, items: list[tuple[str, str]]) -> list[list[Entity]]:
        """Entities of each ``(language, text)`` item, in order."""
        by_language: dict[str, list[int]] = defaultdict(list)
        for index, (language, _text) in enumerate(items):
            by_language[language.split("-")[0].lower()].append(index)
        results: list[list[Entity]] = [[] for _ in items]
        for language, indexes in by_language.items():
            texts = [items[i][1] for i in indexes]
            for index, text, mentions in zip(
                indexes, texts, self._mentions(language, texts), strict=True
            ):
                mentions = mentions + self._demonyms.find(text, language)
                results[index] = self._merger.merge(text, mentions, language)
        return results

    def _mentions(self, language: str, texts: list[str]) -> list[list[Mention]]:
        backend = self.backend(language)
        if backend == "spacy":
            nlp = self._pipelines[language]
            found = list(ner_spacy.mentions(nlp, texts, self._batch_size))
        elif backend == "natasha" and self._russian is not None:
            found = self._russian.mentions(texts)
        else:
            found = [[] for _ in texts]
        for text, mentions in zip(texts, found, strict=True):
            mentions.extend(self._places(text, language, mentions, models=backend != "gazetteer"))
        return found

    def _places(
        self, text: str, language: str, mentions: list[Mention], *, models: bool
    ) -> list[Mention]:
        """Gazetteer places a model did not find: all of them without a model; with one, only
        countries, continents and cities of a million people, which a model misses now and
        then ("la France et l'Allemagne") and which are rarely anything else."""
        return [
            Mention(match.start, match.end, "LOC", place=match.place)
            for match in self._gazetteer.find(text, language)
            if not models
            or (
                (match.place.kind != "city" or match.place.population >= _MODEL_GAP_POPULATION)
                and all(match.end <= m.start or m.end <= match.start for m in mentions)
            )
        ]
