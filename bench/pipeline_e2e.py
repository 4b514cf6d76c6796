"""Benchmark: the whole pipeline on this machine (ingest -> dedup -> enrich -> indexer ->
searchable).

    .venv/bin/python bench/pipeline_e2e.py [--articles 600] [--rate 20] [--duration 60]

Needs `newswire infra up`. Runs dedup, enrich and the indexer as their own processes (own
namespace), then:
1. throughput: publishes French news-length articles (~400 words) as fast as ingest takes them
   and times publish -> all searchable (articles/s), once through the dedup stage (ingest's
   publisher to the incoming topic) and once without it (the same articles sent straight to
   the raw topic, as ingest did before the stage), in one run on the same services (target:
   with >= 0.9 x without); side by side with a bare baseline doing the same necessary work in
   one process without Kafka (language detection + entity extraction with the same models,
   then `helpers.streaming_bulk` of the documents);
2. latency: publishes through the dedup stage at a fixed rate and records, per article,
   publish -> first visible to a search (p50/p95; target p95 <= 3 s at 20 articles/s);
3. memory: each service's resident set size at the start and the end of the latency run.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from elasticsearch import helpers

from services.enrich.enricher import Enricher
from services.enrich.entities import EntityExtractor
from services.enrich.language import LanguageDetector
from services.enrich.settings import EnrichSettings
from services.indexer.document import to_document
from services.ingest.context import open_publisher
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.elasticsearch import make_client
from shared.index import ensure_index
from shared.kafka import article_headers, make_producer
from shared.models import EnrichedArticle, RawArticle
from shared.names import Names
from shared.settings import ElasticsearchSettings, KafkaSettings

SENTENCES = [
    "Emmanuel Macron a reçu à l'Élysée le chancelier allemand avant le sommet de Bruxelles.",
    "Les négociateurs de l'Union européenne et des Nations unies se retrouvent à Genève mardi.",
    "À Vienne, l'Agence internationale de l'énergie atomique a présenté son rapport annuel.",
    "Le ministre des Affaires étrangères a rappelé le poids du traité sur les armes nucléaires.",
    "La délégation espagnole, conduite par Pedro Sánchez, plaide pour un accord sur l'énergie.",
    "Les marchés ont réagi avec prudence à Francfort comme à Paris après l'annonce de la banque.",
    "Des manifestants se sont rassemblés devant le Parlement européen à Strasbourg samedi.",
    "Selon l'Organisation mondiale de la santé, la situation reste préoccupante à Kinshasa.",
]


def make_articles(count: int, run: str) -> list[RawArticle]:
    rng = random.Random(count)  # noqa: S311 (synthetic data)
    articles = []
    for i in range(count):
        paragraphs = [" ".join(rng.choice(SENTENCES) for _ in range(6)) for _ in range(5)]
        articles.append(
            RawArticle.create(
                title=f"{rng.choice(SENTENCES)[:80]} ({run}-{i})",
                body="\n\n".join(paragraphs),
                url=f"https://bench.example.fr/{run}/{i}",
                source_kind="push",
                source="bench.example.fr",
                published_at=datetime.now(UTC),
                language_hint="fr",
            )
        )
    return articles


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Services:
    def __init__(
        self, names: Names, kafka: KafkaSettings, es: ElasticsearchSettings, workdir: Path
    ) -> None:
        self.env = {
            **os.environ,
            "NEWSWIRE_NAMESPACE": names.namespace,
            "NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "NEWSWIRE_ES_URL": es.url,
            "NEWSWIRE_ENRICH_DATA_DIR": str(workdir / "enrich"),
            "NEWSWIRE_DEDUP_DATA_DIR": str(workdir / "dedup"),
        }
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> None:
        port = 6100 + random.randint(0, 800)  # noqa: S311
        for name, args in (
            ("dedup", ("dedup", "--port", str(port + 1))),
            ("enrich", ("enrich", "--port", str(port))),
            ("indexer", ("index",)),
        ):
            with (self.workdir / f"{name}.log").open("ab") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-c", "from services.cli import main; main()", *args],
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            process.wait(timeout=60)


def indexed(es_settings: ElasticsearchSettings, names: Names) -> int:
    es = make_client(es_settings)
    try:
        if not es.indices.exists_alias(name=names.read_alias):
            return 0
        es.indices.refresh(index=names.read_alias)
        return int(es.count(index=names.read_alias)["count"])
    finally:
        es.close()


def wait_count(
    es_settings: ElasticsearchSettings, names: Names, count: int, timeout: float
) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if indexed(es_settings, names) >= count:
            return time.perf_counter()
        time.sleep(0.2)
    raise TimeoutError(f"fewer than {count} documents after {timeout}s")


def throughput(
    articles: list[RawArticle],
    settings: IngestSettings,
    es_settings: ElasticsearchSettings,
    *,
    dedup: bool,
) -> float:
    """Articles/s from the first publish to the last one searchable: through ingest's publisher
    and the dedup stage, or (``dedup=False``) sent straight to the raw topic."""
    before = indexed(es_settings, settings.names)
    start = time.perf_counter()
    if dedup:
        publisher = open_publisher(settings, IngestMetrics())
        publisher.publish(articles)
        publisher.close()
    else:
        producer = make_producer(settings.kafka)
        for article in articles:
            producer.send(
                settings.names.raw_topic,
                key=article.id.encode(),
                value=article.to_json(),
                headers=article_headers(article),
            )
        producer.flush()
        producer.close()
    end = wait_count(es_settings, settings.names, before + len(articles), timeout=900)
    return len(articles) / (end - start)


def baseline(articles: list[RawArticle], es_settings: ElasticsearchSettings) -> float:
    enrich_settings = EnrichSettings()
    enricher = Enricher(
        enrich_settings, LanguageDetector(enrich_settings), EntityExtractor(enrich_settings)
    )
    names = Names(f"bench-base-{uuid.uuid4().hex[:6]}")
    es = make_client(es_settings)
    ensure_index(es, names, datetime.now(UTC))
    start = time.perf_counter()
    enriched = [r for r in enricher.enrich_batch(articles) if isinstance(r, EnrichedArticle)]
    actions = (
        {"_index": names.monthly_index(a.published_at), "_id": a.id, "_source": to_document(a)}
        for a in enriched
    )
    for _ok, _item in helpers.streaming_bulk(es, actions, chunk_size=500):
        pass
    es.indices.refresh(index=names.read_alias)
    elapsed = time.perf_counter() - start
    es.options(ignore_status=404).indices.delete(index=names.index_pattern)
    es.indices.delete_index_template(name=names.index_template)
    return len(enriched) / elapsed


def latency(
    settings: IngestSettings, es_settings: ElasticsearchSettings, rate: float, duration: float
) -> list[float]:
    articles = make_articles(int(rate * duration), "lat")
    published: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch() -> None:
        es = make_client(es_settings)
        while not stop.is_set():
            hits = es.search(
                index=settings.names.read_alias,
                size=1000,
                _source=False,
                query={"range": {"indexed_at": {"gte": "now-5m"}}},
                sort=[{"indexed_at": "desc"}],
            )["hits"]["hits"]
            now = time.perf_counter()
            for hit in hits:
                seen.setdefault(hit["_id"], now)
            time.sleep(0.05)
        es.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    publisher = open_publisher(settings, IngestMetrics())
    start = time.perf_counter()
    for i, article in enumerate(articles):
        target = start + i / rate
        time.sleep(max(0.0, target - time.perf_counter()))
        publisher.publish([article])
        published[article.id] = time.perf_counter()
    publisher.close()
    deadline = time.monotonic() + 120
    while len(seen.keys() & published.keys()) < len(published) and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    watcher.join()
    return [seen[i] - published[i] for i in published if i in seen]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    kafka = KafkaSettings()  # NEWSWIRE_KAFKA_* as the services read them
    es_settings = ElasticsearchSettings()  # NEWSWIRE_ES_*
    names = Names(f"bench-e2e-{uuid.uuid4().hex[:6]}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        settings = IngestSettings(
            namespace=names.namespace, state_dir=Path(tmp) / "ingest", kafka=kafka
        )
        services = Services(names, kafka, es_settings, Path(tmp))
        assert (
            subprocess.run(
                [sys.executable, "-c", "from services.cli import main; main()", "setup"],
                env=services.env,
                check=False,
            ).returncode
            == 0
        )
        services.start()
        time.sleep(25)  # models load, consumers join their groups
        throughput(make_articles(50, "warm"), settings, es_settings, dedup=True)
        articles = make_articles(args.articles, "tp")
        words = statistics.mean(len(a.body.split()) for a in articles)
        print(f"data: {len(articles)} French articles, {words:.0f} words on average")
        without = throughput(
            make_articles(args.articles, "direct"), settings, es_settings, dedup=False
        )
        subject_rate = throughput(articles, settings, es_settings, dedup=True)
        base_rate = baseline(make_articles(args.articles, "base"), es_settings)
        print(
            f"throughput: with the dedup stage {subject_rate:.1f} articles/s, without it "
            f"{without:.1f} articles/s (publish -> searchable): ratio "
            f"{subject_rate / without:.2f} (target >= 0.9); bare in-process work "
            f"{base_rate:.1f} articles/s"
        )
        start_rss = {name: rss_mb(p.pid) for name, p in services.processes.items()}
        delays = latency(settings, es_settings, args.rate, args.duration)
        end_rss = {name: rss_mb(p.pid) for name, p in services.processes.items()}
        services.stop()
    delays.sort()
    p50 = delays[len(delays) // 2]
    p95 = delays[int(len(delays) * 0.95) - 1]
    print(
        f"latency through the dedup stage at {args.rate:.0f}/s for {args.duration:.0f}s: "
        f"{len(delays)} articles, p50 {p50:.2f}s, p95 {p95:.2f}s, max {delays[-1]:.2f}s "
        "(target p95 <= 3 s)"
    )
    for name in start_rss:
        change = (end_rss[name] - start_rss[name]) / start_rss[name] * 100
        print(
            f"memory {name}: {start_rss[name]:.0f} MB at start, {end_rss[name]:.0f} MB at end "
            f"({change:+.1f}%)"
        )
    print(
        f"subject {subject_rate:.1f}/s, baseline {base_rate:.1f}/s, "
        f"ratio {subject_rate / base_rate:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
