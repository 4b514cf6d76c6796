"""Fetching Kafka and Elasticsearch from Maven Central with Maven, cached by version.

A download is complete only once its marker file exists, so an interrupted fetch is redone, never
half-used.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)

POM = Path(__file__).resolve().parents[2] / "deploy" / "local" / "pom.xml"
ES_ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"
_MARKER = ".complete"


def _maven(settings: InfraSettings, *args: str) -> None:
    mvn = shutil.which(settings.maven)
    if mvn is None:
        raise RuntimeError(f"Maven ({settings.maven}) not found on PATH: install Maven 3")
    command = [mvn, "-B", "-q", "-f", str(POM), *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-25:])
        raise RuntimeError(f"Maven failed ({' '.join(args[:1])}):\n{tail}")


def kafka_libs(settings: InfraSettings) -> Path:
    """The directory holding every jar of Kafka ``kafka_version`` (plus its log binding)."""
    target = settings.cache_dir / f"kafka-{settings.kafka_version}" / "libs"
    if (target / _MARKER).exists():
        return target
    log.info("fetching Kafka version=%s into=%s", settings.kafka_version, target)
    shutil.rmtree(target, ignore_errors=True)
    _maven(
        settings,
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={target}",
        f"-Dkafka.version={settings.kafka_version}",
        f"-Dlog4j.version={settings.log4j_version}",
    )
    if not any(target.glob(f"kafka_2.13-{settings.kafka_version}.jar")):
        raise RuntimeError(f"Maven ran but no Kafka {settings.kafka_version} jar is in {target}")
    (target / _MARKER).touch()
    return target


def es_zip(settings: InfraSettings) -> Path:
    """The Elasticsearch ``es_version`` minimal distribution zip."""
    target = settings.cache_dir / "dist"
    zip_path = target / f"elasticsearch-{settings.es_version}.zip"
    marker = target / f"elasticsearch-{settings.es_version}{_MARKER}"
    if marker.exists() and zip_path.exists():
        return zip_path
    log.info("fetching Elasticsearch version=%s into=%s", settings.es_version, target)
    _maven(
        settings,
        "dependency:copy",
        f"-Dartifact={ES_ARTIFACT.format(version=settings.es_version)}",
        f"-DoutputDirectory={target}",
    )
    if not zip_path.exists():
        raise RuntimeError(f"Maven ran but {zip_path} is missing")
    marker.touch()
    return zip_path
