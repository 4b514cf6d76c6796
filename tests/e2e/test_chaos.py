"""Crash safety: several thousand articles while ingest, dedup, enrich and the indexer are each
killed with SIGKILL several times at random moments and restarted. Afterwards the audit
balances: every article indexed once at its newest version, none lost."""

from __future__ import annotations

import json
import random
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.pipeline import Pipeline

pytestmark = pytest.mark.integration
ARTICLES = 3000
CITIES = ["Paris", "Vienne", "Genève", "Berlin", "Madrid", "Moscou", "Londres", "Rome"]
PEOPLE = ["Emmanuel Macron", "Olaf Scholz", "Pedro Sánchez", "Giorgia Meloni"]


def write_articles(path: Path, count: int, rng: random.Random) -> None:
    with path.open("w") as out:
        for i in range(count):
            city, person = rng.choice(CITIES), rng.choice(PEOPLE)
            record = {
                "url": f"https://chaos.example.fr/{i}",
                "title": f"{person} attendu à {city} pour le sommet numéro {i}",
                "body": f"{person} doit rencontrer ses homologues à {city} mardi. "
                "Les négociations portent sur le climat et la sécurité européenne.",
                "language": "fr",
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def test_kill_9_everything_nothing_lost(pipeline: Pipeline, tmp_path: Path) -> None:
    rng = random.Random(20261125)
    source = tmp_path / "articles.ndjson"
    write_articles(source, ARTICLES, rng)
    for name in ("dedup", "enrich", "indexer"):
        pipeline.start(name)
    pipeline.wait_healthy("enrich", "/metrics")

    stop_chaos = threading.Event()
    kills: list[str] = []

    def chaos() -> None:
        for victim in ["dedup", "enrich", "indexer"] * 3:
            if stop_chaos.wait(rng.uniform(2.0, 5.0)):
                return
            pipeline.kill(victim)
            kills.append(victim)
            pipeline.start(victim)

    monkey = threading.Thread(target=chaos)
    monkey.start()
    # Ingest itself is killed twice mid-import, then run to completion: the re-runs send
    # everything again, and the dedup stage publishes only what is missing.
    for delay in (1.5, 3.0):
        importer = subprocess.Popen(
            pipeline.command("ingest", "file", str(source)),
            env=pipeline.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        importer.kill()
        importer.wait()
        kills.append("ingest")
    final = pipeline.run("ingest", "file", str(source), timeout=600)
    assert final.returncode == 0, final.stderr
    monkey.join(timeout=120)
    stop_chaos.set()
    assert kills.count("dedup") == 3, kills
    assert kills.count("enrich") == 3, kills
    assert kills.count("indexer") == 3, kills
    pipeline.wait_healthy("enrich", "/metrics")

    audit = pipeline.run("audit", "--wait", "300", "--json", timeout=400)
    report = json.loads(audit.stdout)
    assert audit.returncode == 0, (report, pipeline.log("enrich"), pipeline.log("indexer"))
    assert report["raw"]["ids"] == ARTICLES
    assert report["indexed"]["ids"] + report["dead_letters"].get("enrich", 0) >= ARTICLES
    assert report["indexed"]["ids"] == ARTICLES  # nothing needed dead-lettering here
    assert report["missing"] == report["duplicated"] == report["stale"] == []
    assert report["not_deduplicated"] == report["lost_edits"] == report["conflicting"] == []
