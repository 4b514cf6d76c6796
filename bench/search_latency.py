"""Benchmark: search latency through the API (`newswire search serve` in its own process:
uvicorn + FastAPI + the search service, over HTTP with keep-alive, urllib3 as client) versus
the same request body sent straight to Elasticsearch with the bare client (the library's
defaults; urllib3 inside), on a 100k-article synthetic multilingual index.

    .venv/bin/python bench/search_latency.py [--docs 100000] [--rounds 8] [--per-round 100]
                                             [--rebuild]

Needs `newswire infra up`. The index lives in namespace `bench-search` and is reused when it
already holds --docs articles (--rebuild starts it again). Each request is a two-term query
with three facets (languages, sources, people), 20 hits, highlights; the same rotation of
queries goes to both sides, which alternate in rounds after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import urllib3
from elasticsearch import Elasticsearch, helpers

from services.indexer.document import to_document
from services.search.query import Facet, SearchParams, build_search
from services.search.settings import SearchSettings
from shared.elasticsearch import make_client
from shared.index import ensure_index
from shared.models import EnrichedArticle, Entity, RawArticle
from shared.names import Names
from shared.settings import ElasticsearchSettings

NAMES = Names("bench-search")
END = datetime(2026, 11, 20, tzinfo=UTC)
SPAN_DAYS = 180  # about six monthly indices behind the read alias
FACETS: tuple[Facet, ...] = ("languages", "sources", "people")
# Two-term queries, mid-frequency words of each language's vocabulary.
QUERIES = (
    "négociations nucléaires",
    "energy prices",
    "Regierung Haushalt",
    "elecciones gobierno",
    "sommet climat",
    "central bank",
    "переговоры договор",
    "parlement réforme",
)


def _words(text: str) -> list[str]:
    return text.split()


VOCABULARY = {
    "fr": _words(
        "le la les des une dans pour avec sur par gouvernement président ministre accord sommet "
        "négociations nucléaires armes traité sécurité énergie économie budget parlement réforme "
        "élections vote climat prix marché banque crise guerre paix frontière délégation "
        "conférence coopération industrie emploi santé hôpital école université tribunal "
        "enquête police manifestation grève syndicat entreprise exportations agriculteurs "
        "inflation taux croissance dette europe sanctions diplomatie"
    ),
    "en": _words(
        "the of and to in for on with by government president minister agreement summit talks "
        "nuclear weapons treaty security energy economy budget parliament reform elections vote "
        "climate prices market central bank crisis war peace border delegation conference "
        "cooperation industry jobs health hospital school university court inquiry police "
        "protest strike union company exports farmers inflation rates growth debt sanctions"
    ),
    "de": _words(
        "der die das und in für mit auf von Regierung Präsident Minister Abkommen Gipfel "
        "Verhandlungen Atomwaffen Vertrag Sicherheit Energie Wirtschaft Haushalt Parlament "
        "Reform Wahlen Abstimmung Klima Preise Markt Zentralbank Krise Krieg Frieden Grenze "
        "Konferenz Zusammenarbeit Industrie Arbeitsplätze Gesundheit Krankenhaus Schule Gericht"
    ),
    "es": _words(
        "el la los las de en para con por gobierno presidente ministro acuerdo cumbre "
        "negociaciones nucleares armas tratado seguridad energía economía presupuesto "
        "parlamento reforma elecciones votación clima precios mercado banco crisis guerra paz "
        "frontera conferencia cooperación industria empleo salud hospital escuela tribunal"
    ),
    "ru": _words(
        "и в на по для правительство президент министр соглашение саммит переговоры "
        "ядерное оружие договор безопасность энергия экономика бюджет парламент реформа "
        "выборы голосование климат цены рынок банк кризис война мир граница конференция "
        "сотрудничество промышленность работа здоровье больница школа суд"
    ),
}
LANGUAGE_SHARE = {"fr": 0.35, "en": 0.35, "de": 0.1, "es": 0.1, "ru": 0.1}
PEOPLE = [
    ("Emmanuel Macron", "Q3052772"),
    ("Vladimir Putin", "Q7747"),
    ("Olaf Scholz", "Q61053"),
    ("Christine Lagarde", "Q12097"),
    ("Ursula von der Leyen", "Q60772"),
    ("Pedro Sánchez", "Q355963"),
    ("António Guterres", "Q311440"),
    ("Keir Starmer", "Q6383233"),
]
ORGS = [("European Union", "Q458"), ("United Nations", "Q1065"), ("NATO", "Q7184")]
PLACES = [("Paris", "geo:2988507"), ("Berlin", "geo:2950159"), ("Vienne", "geo:2761369")]
SOURCES = [f"{name}.example" for name in ("agence", "daily", "zeitung", "diario", "vesti")] + [
    f"news{i}.example" for i in range(15)
]


def _zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 1) for rank in range(n)]


def generate(count: int, seed: int = 7) -> Iterator[EnrichedArticle]:
    """Realistic-ish articles: Zipf-distributed words per language, a few entities, six months
    of dates (hence several monthly indices behind the read alias)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data)
    weights = {lang: _zipf_weights(len(words)) for lang, words in VOCABULARY.items()}
    languages, shares = zip(*LANGUAGE_SHARE.items(), strict=True)
    for i in range(count):
        lang = rng.choices(languages, shares)[0]
        words, w = VOCABULARY[lang], weights[lang]
        title = " ".join(rng.choices(words, w, k=9)).capitalize()
        body = " ".join(" ".join(rng.choices(words, w, k=30)).capitalize() + "." for _ in range(4))
        published = END - timedelta(seconds=rng.randrange(SPAN_DAYS * 86_400))
        raw = RawArticle.create(
            title=title,
            body=body,
            url=f"https://{rng.choice(SOURCES)}/{lang}/{i}",
            source_kind="feed",
            source=rng.choice(SOURCES),
            published_at=published,
            fetched_at=published,
        )
        entities = [
            Entity(canonical=name, label=label, id=entity_id, count=1)  # type: ignore[arg-type]
            for pool, label in ((PEOPLE, "PER"), (ORGS, "ORG"), (PLACES, "LOC"))
            for name, entity_id in rng.sample(pool, rng.randint(0, 2))
        ]
        yield EnrichedArticle.from_raw(
            raw,
            language=lang,
            language_confidence=0.99,
            entities=entities,
            word_count=130,
            reading_time_s=40,
            enriched_at=published,
        )


def build_index(es: Elasticsearch, count: int, rebuild: bool) -> None:
    exists = es.indices.exists_alias(name=NAMES.read_alias)
    if exists and not rebuild:
        have = es.count(index=NAMES.read_alias)["count"]
        if have == count:
            print(f"index: reusing {NAMES.read_alias} ({have} articles)")
            return
    es.options(ignore_status=404).indices.delete(index=NAMES.index_pattern)
    ensure_index(es, NAMES, datetime.now(UTC))
    start = time.perf_counter()
    # Every month the articles span, created up front so that loading runs without refreshes;
    # one refresh and a merge to one segment afterwards make the timings stable.
    day = END - timedelta(days=SPAN_DAYS)
    months = set()
    while day <= END:
        months.add(NAMES.monthly_index(day))
        day += timedelta(days=1)
    for index in sorted(months):
        es.options(ignore_status=400).indices.create(index=index)
    es.indices.put_settings(index=NAMES.index_pattern, settings={"refresh_interval": "-1"})
    now = datetime.now(UTC)
    actions = (
        {
            "_index": NAMES.monthly_index(a.published_at),
            "_id": a.id,
            "_source": to_document(a, indexed_at=now),
        }
        for a in generate(count)
    )
    ok, _ = helpers.bulk(es.options(request_timeout=120), actions, chunk_size=2_000)
    es.indices.put_settings(index=NAMES.index_pattern, settings={"refresh_interval": "1s"})
    es.indices.refresh(index=NAMES.read_alias)
    es.options(request_timeout=600).indices.forcemerge(index=NAMES.read_alias, max_num_segments=1)
    print(f"index: built {ok} articles in {time.perf_counter() - start:.0f} s")


class ApiServer:
    """The search API as users run it: `python -m services.search serve` in its own process,
    on a free loopback port."""

    def __init__(self, settings: SearchSettings) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "NEWSWIRE_NAMESPACE": settings.namespace,
            "NEWSWIRE_ES_URL": settings.es.url,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ApiServer:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "services.search", "serve", "--port", str(self.port)],
            env=self.env,
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the search API did not start")
            time.sleep(0.1)

    def peak_rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


def timed_api(client: urllib3.HTTPConnectionPool, queries: list[str]) -> list[float]:
    """Over one keep-alive connection with urllib3, the HTTP client the Elasticsearch client
    uses for the direct side: the difference is the API, not the clients."""
    out = []
    for q in queries:
        start = time.perf_counter()
        response = client.request(
            "GET", "/search?" + urlencode([("q", q), *(("facets", f) for f in FACETS)])
        )
        json.loads(response.data)
        out.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"the API answered {response.status}")
    return out


def timed_direct(es: Elasticsearch, bodies: list[dict[str, Any]]) -> list[float]:
    out = []
    for body in bodies:
        start = time.perf_counter()
        es.search(index=NAMES.read_alias, body=body)
        out.append((time.perf_counter() - start) * 1000)
    return out


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    es_settings = ElasticsearchSettings()  # NEWSWIRE_ES_*
    es = make_client(es_settings)  # builds the index
    # The baseline: the bare client, with the library's defaults.
    bare = Elasticsearch(es_settings.url, request_timeout=30)
    # GET / is not routed on the minimal distribution: ask the node itself.
    node = next(iter(es.nodes.info(node_id="_local")["nodes"].values()))
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"elasticsearch-py {version('elasticsearch')}, ES {node['version']}, "
        f"fastapi {version('fastapi')}, uvicorn {version('uvicorn')}, urllib3 {version('urllib3')}"
    )
    build_index(es, args.docs, args.rebuild)
    settings = SearchSettings(namespace=NAMES.namespace, es=es_settings)
    # The API's own body for each query: the baseline sends exactly what the service sends.
    bodies = {
        q: build_search(
            SearchParams(q=q, facets=FACETS),
            facet_size=settings.facet_size,
            timeout_s=settings.search_timeout_s,
        )
        for q in QUERIES
    }
    for q in QUERIES:
        total = es.search(index=NAMES.read_alias, body=bodies[q])["hits"]["total"]["value"]
        print(f"query {q!r}: {total} hits")
    rotation = [QUERIES[i % len(QUERIES)] for i in range(args.per_round)]
    api_ms: list[float] = []
    direct_ms: list[float] = []
    rounds: list[tuple[float, float]] = []
    with (
        ApiServer(settings) as api,
        urllib3.HTTPConnectionPool("127.0.0.1", api.port, maxsize=1, timeout=30) as client,
    ):
        server_rss = 0.0
        warm = [QUERIES[i % len(QUERIES)] for i in range(args.warmup)]
        timed_api(client, warm)
        timed_direct(bare, [bodies[q] for q in warm])
        for round_no in range(1, args.rounds + 1):
            a = timed_api(client, rotation)
            b = timed_direct(bare, [bodies[q] for q in rotation])
            api_ms += a
            direct_ms += b
            rounds.append((statistics.median(a), statistics.median(b)))
            print(
                f"round {round_no}: API p50 {statistics.median(a):.1f} ms p95 {p(a, 95):.1f} ms; "
                f"direct p50 {statistics.median(b):.1f} ms p95 {p(b, 95):.1f} ms"
            )
        server_rss = api.peak_rss_mb()
    es.close()
    bare.close()
    api_p50, api_p95 = statistics.median(api_ms), p(api_ms, 95)
    direct_p50, direct_p95 = statistics.median(direct_ms), p(direct_ms, 95)
    ratios = [a / b for a, b in rounds]
    overheads = [a - b for a, b in rounds]
    print(
        f"API    p50 {api_p50:.1f} ms, p95 {api_p95:.1f} ms over {len(api_ms)} requests "
        f"(target p95 <= 50 ms)"
    )
    print(f"direct p50 {direct_p50:.1f} ms, p95 {direct_p95:.1f} ms over {len(direct_ms)} requests")
    print(
        f"ratio of p50 per round: median {statistics.median(ratios):.2f} "
        f"(spread {min(ratios):.2f}-{max(ratios):.2f}); target <= 1.2"
    )
    print(
        f"API overhead per request (p50 per round, API - direct): median "
        f"{statistics.median(overheads):.1f} ms (spread {min(overheads):.1f}-{max(overheads):.1f})"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: API server {server_rss:.0f} MB; this process (both clients) {peak_mb:.0f} MB")
    print(
        f"subject {api_p95:.1f} ms, baseline {direct_p95:.1f} ms, ratio {api_p95 / direct_p95:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
