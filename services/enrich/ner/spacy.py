"""spaCy pipelines, loaded with only what named entities need.

A packaged pipeline also tags, parses and lemmatises. When its ``ner`` has its own embedding
layer (fr_core_news_md, en_core_web_sm: ``spacy.Tok2Vec`` inside the ner model) every other
component is excluded; when ``ner`` listens to a shared ``tok2vec``/``transformer`` component,
that one is kept. Excluding changes nothing in the entities (checked on our samples by
``bench/enrich_quality.py --speed``) and makes the pipeline 2-2.5 times faster.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.util import get_package_path, is_package, load_config

from services.enrich.ner.mention import Mention, normalise_label

log = logging.getLogger(__name__)


def _config_path(name: str) -> Path | None:
    if is_package(name):
        return next(iter(sorted(get_package_path(name).glob("*/config.cfg"))), None)
    path = Path(name) / "config.cfg"
    return path if path.exists() else None


def components_to_exclude(config: Any) -> list[str]:
    """Every component but ``ner`` and the shared embedding layer ``ner`` listens to, if any."""
    components: dict[str, Any] = dict(config["components"])
    if "ner" not in components:
        return []
    keep = {"ner"}
    tok2vec = components["ner"].get("model", {}).get("tok2vec", {})
    if "Listener" in str(tok2vec.get("@architectures", "")):
        keep.add(str(tok2vec.get("upstream", "*")))
        if "*" in keep:  # listens to whichever embedding component there is
            keep |= {"tok2vec", "transformer"}
    return [name for name in components if name not in keep]


def _names(candidates: str) -> list[str]:
    return [name for name in (part.strip() for part in candidates.split(",")) if name]


def installed(candidates: str) -> str | None:
    """The first of the comma-separated pipeline names that is installed, or None (nothing is
    loaded: a quick check)."""
    return next((name for name in _names(candidates) if _config_path(name) is not None), None)


def load_pipeline(candidates: str, *, slim: bool = True) -> Language | None:
    """The first of the comma-separated pipeline names that loads, or None."""
    for name in _names(candidates):
        config_path = _config_path(name)
        if config_path is None:
            log.info("spacy pipeline not installed name=%s", name)
            continue
        exclude = components_to_exclude(load_config(config_path)) if slim else []
        try:
            nlp = spacy.load(name, exclude=exclude)
        except (OSError, ValueError) as exc:
            log.warning("spacy pipeline failed to load name=%s error=%s", name, exc)
            continue
        log.info("spacy pipeline loaded name=%s components=%s", name, ",".join(nlp.pipe_names))
        return nlp
    return None


def mentions(nlp: Language, texts: list[str], batch_size: int) -> Iterator[list[Mention]]:
    """Mentions per text, in order, through ``nlp.pipe``."""
    for doc in nlp.pipe(texts, batch_size=batch_size):
        found: list[Mention] = []
        for ent in doc.ents:
            label = normalise_label(ent.label_)
            if label is not None:
                found.append(Mention(ent.start_char, ent.end_char, label))
        yield found
