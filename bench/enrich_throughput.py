"""Benchmark: articles/s through the enrich service (1 and 2 worker processes) versus bare
spaCy ``nlp.pipe`` (same pipeline, same exclusions) plus the bare lingua detector on the same
texts, side by side in one run, and the resident memory of each worker.

    .venv/bin/python bench/enrich_throughput.py [--articles 600] [--rounds 2]

Needs `newswire infra up`. The articles are French, ~400 words, assembled from the paragraphs of
our French samples (samples/), so the entities are realistic. The service is measured on a
backlog: the workers are started, have joined their group and have enriched a warm-up batch;
then the articles are produced at once, and the rate is taken between the moments the 10th and
the 90th percent of them are enriched and in Kafka (steady state; see ``_steady_rate``). The
workers' CPU time per article covers the whole backlog. The service pays for everything it
does: reading and validating the raw article, language detection, NER, mention merging and place
ids, JSON, and acknowledged writes. The bare baseline, in this process: ``nlp.pipe`` over the
same title + body texts, then lingua (the same languages, high accuracy, preloaded) on the same
detection samples (title + first ``detect_chars`` characters).

The raw topic gets 6 partitions so that two workers get three each.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import lingua  # noqa: E402
import spacy  # noqa: E402
from kafka import KafkaConsumer, TopicPartition  # noqa: E402

from services.enrich.enricher import ner_text  # noqa: E402
from services.enrich.ner import spacy as ner_spacy  # noqa: E402
from services.enrich.settings import EnrichSettings  # noqa: E402
from services.ingest.errors import InvalidInputError  # noqa: E402
from services.ingest.files import file_items  # noqa: E402
from shared.kafka import ensure_topics, make_admin, make_consumer, make_producer  # noqa: E402
from shared.models import RawArticle  # noqa: E402
from shared.names import Names  # noqa: E402
from shared.settings import KafkaSettings  # noqa: E402

PARTITIONS = 6
WARM_UP = 48


def french_paragraphs() -> tuple[list[str], list[str]]:
    """Titles and body paragraphs of every French sample article."""
    titles: list[str] = []
    paragraphs: list[str] = []
    for path in sorted((ROOT / "samples").rglob("*")):
        if not path.is_file() or path.suffix not in {".xml", ".ndjson", ".json", ".atom", ".rss"}:
            continue
        for item in file_items(path):
            try:
                article = item.article()
            except InvalidInputError:
                continue
            if (article.language_hint or "").startswith("fr") and len(article.body) > 400:
                titles.append(article.title)
                paragraphs.extend(p for p in article.body.split("\n\n") if len(p) > 80)
    return titles, paragraphs


def make_articles(count: int, seed: int = 5) -> list[RawArticle]:
    titles, paragraphs = french_paragraphs()
    if not paragraphs:
        raise SystemExit("no French sample articles found under samples/")
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    articles = []
    for i in range(count):
        body: list[str] = []
        while sum(len(p.split()) for p in body) < 400:
            body.append(rng.choice(paragraphs))
        articles.append(
            RawArticle.create(
                title=rng.choice(titles),
                body="\n\n".join(body),
                url=f"https://bench.example.fr/{uuid.uuid4().hex}/{i}",
                source_kind="file",
                source="bench.example.fr",
                language_hint="fr",
            )
        )
    return articles


def bare(
    nlp: spacy.language.Language,
    detector: lingua.LanguageDetector,
    texts: list[str],
    samples: list[str],
    batch_size: int,
) -> float:
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=batch_size):
        pass
    for sample in samples:
        detector.compute_language_confidence_values(sample)
    return len(texts) / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _steady_rate(progress: list[tuple[float, int]], offset: int, count: int) -> float:
    """Articles/s between the 10th and the 90th percent of the articles: steady state, without
    the first fetch nor the tail, where one worker may finish its partitions before the other
    (keys do not split a few hundred articles exactly evenly)."""

    def when(target: float) -> float:
        for (t0, n0), (t1, n1) in itertools.pairwise(progress):
            if n0 < target <= n1:
                return t0 + (t1 - t0) * (target - n0) / (n1 - n0)
        return progress[-1][0]

    low, high = offset + 0.1 * count, offset + 0.9 * count
    return 0.8 * count / (when(high) - when(low))


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> tuple[float, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _colon, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _enriched(consumer: KafkaConsumer, topic: str) -> int:
    """Records in ``topic`` (the sum of its partitions' end offsets)."""
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    return sum(consumer.end_offsets(tps).values())


def _wait(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    workers: list[subprocess.Popen[bytes]],
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for worker in workers:
            if worker.poll() is not None:
                raise RuntimeError(f"an enrich worker exited ({worker.returncode}) while {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out while {what}")
        time.sleep(0.05)


def service(
    articles: list[RawArticle], kafka: KafkaSettings, workers_count: int, tmp: Path
) -> tuple[float, float, list[tuple[float, float]]]:
    """Articles/s through ``workers_count`` worker processes, the workers' CPU time per article
    (ms), and each worker's (RSS, peak) MB."""
    names = Names(f"bench-{uuid.uuid4().hex[:8]}")
    ensure_topics(kafka, names.topics(), partitions=PARTITIONS)
    env = {
        **os.environ,
        "NEWSWIRE_NAMESPACE": names.namespace,
        "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "NEWSWIRE_KAFKA_PARTITIONS": str(PARTITIONS),
    }
    workers = []
    for n in range(workers_count):
        worker_env = {
            **env,
            "NEWSWIRE_ENRICH_WEB_PORT": str(_free_port()),
            "NEWSWIRE_ENRICH_DATA_DIR": str(tmp / f"{names.namespace}-{n}"),
        }
        log = (tmp / f"{names.namespace}-{n}.log").open("wb")
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "services.enrich", "--loglevel", "warning"],
                env=worker_env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    producer = make_producer(kafka)
    admin = make_admin(kafka)
    ends = make_consumer(kafka, None)
    try:

        def stable() -> bool:
            group = admin.describe_groups([names.enrich_group]).get(names.enrich_group) or {}
            return (
                group.get("group_state") == "Stable"
                and len(group.get("members") or []) == workers_count
            )

        _wait(stable, 180, "waiting for the workers to join", workers)

        def send(batch: list[RawArticle]) -> None:
            for article in batch:
                producer.send(names.raw_topic, key=article.id.encode(), value=article.to_json())
            producer.flush()

        warm = make_articles(WARM_UP, seed=99)
        send(warm)
        _wait(
            lambda: _enriched(ends, names.enriched_topic) >= WARM_UP,
            180,
            "enriching the warm-up batch",
            workers,
        )
        cpu_before = sum(_cpu_s(w.pid) for w in workers)
        start = time.perf_counter()
        send(articles)
        total = WARM_UP + len(articles)
        progress: list[tuple[float, int]] = []  # (seconds since start, articles enriched)

        def done() -> bool:
            progress.append((time.perf_counter() - start, _enriched(ends, names.enriched_topic)))
            return progress[-1][1] >= total

        _wait(done, 1800, "enriching the articles", workers)
        rate = _steady_rate(progress, WARM_UP, len(articles))
        cpu_ms = (sum(_cpu_s(w.pid) for w in workers) - cpu_before) / len(articles) * 1000
        memory = [_rss_mb(w.pid) for w in workers]
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
        producer.close()
        admin.close()
        ends.close()
    return rate, cpu_ms, memory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    kafka = KafkaSettings()  # NEWSWIRE_KAFKA_* as the services read them
    settings = EnrichSettings()
    nlp = ner_spacy.load_pipeline(settings.pipelines["fr"])
    if nlp is None:
        raise SystemExit("the French pipeline is not installed (scripts/bootstrap installs it)")
    articles = make_articles(args.articles)
    texts = [ner_text(a, settings.max_ner_chars)[0] for a in articles]
    samples = [f"{a.title}\n{a.body[: settings.detect_chars]}" for a in articles]
    detector = (
        lingua.LanguageDetectorBuilder.from_iso_codes_639_1(
            *(getattr(lingua.IsoCode639_1, code.upper()) for code in settings.languages)
        )
        .with_preloaded_language_models()
        .build()
    )
    words = statistics.mean(len(t.split()) for t in texts)
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, spaCy "
        f"{spacy.about.__version__}, pipeline {nlp.meta['name']} {nlp.meta['version']} "
        f"({', '.join(nlp.pipe_names)})"
    )
    print(f"data: {len(articles)} French articles, {words:.0f} words each on average")
    bare(nlp, detector, texts[:64], samples[:64], settings.batch_size)  # warm-up
    one, two, base = [], [], []
    memory: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_no in range(1, args.rounds + 1):
            base.append(bare(nlp, detector, texts, samples, settings.batch_size))
            rate, cpu_one, mem = service(articles, kafka, 1, Path(tmp))
            one.append(rate)
            memory += mem
            rate, cpu_two, mem = service(articles, kafka, 2, Path(tmp))
            two.append(rate)
            memory += mem
            print(
                f"round {round_no}: bare nlp.pipe + lingua {base[-1]:.1f}/s "
                f"({1000 / base[-1]:.1f} ms), service 1 worker {one[-1]:.1f}/s "
                f"(CPU {cpu_one:.1f} ms/article), 2 workers {two[-1]:.1f}/s "
                f"(CPU {cpu_two:.1f} ms/article)"
            )
    b, s1, s2 = statistics.median(base), statistics.median(one), statistics.median(two)
    rss = max(m[0] for m in memory)
    peak = max(m[1] for m in memory)
    print(
        f"bare median {b:.1f}/s (spread {min(base):.1f}-{max(base):.1f}); 1 worker median "
        f"{s1:.1f}/s ({min(one):.1f}-{max(one):.1f}); 2 workers median {s2:.1f}/s "
        f"({min(two):.1f}-{max(two):.1f})"
    )
    print(f"resident memory per worker at the end: up to {rss:.0f} MB (peak {peak:.0f} MB)")
    print(f"2 workers {s2:.1f}/s: {s2 / s1:.2f}x one worker")
    print(f"subject {s1:.1f}/s, baseline {b:.1f}/s, ratio {s1 / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
