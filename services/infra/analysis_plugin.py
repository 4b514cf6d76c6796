"""Build and install the ``newswire-analysis`` Elasticsearch stable plugin.

The Elasticsearch distribution we can fetch from Maven Central (the integ-test zip)
lacks the ``analysis-common`` module, so it has no language analyzers, no
``asciifolding``/``elision``/``stemmer`` filters, no ``html_strip`` and no
``keyword``/``whitespace`` tokenizers. The Java sources under
``deploy/elasticsearch/analysis-plugin`` re-register those names through the stable
plugin API; this module compiles them against the node's own ``lib/`` jars, packages
the plugin zip and installs it with ``elasticsearch-plugin``.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

PLUGIN_NAME = "newswire-analysis"
JAVA_RELEASE = "21"  # Elasticsearch 9 runs on Java 21+; compile for the oldest it accepts.
PLUGIN_SOURCE_DIR = Path(__file__).resolve().parents[2] / "deploy/elasticsearch/analysis-plugin"

_DESCRIPTOR_TEMPLATE = "stable-plugin-descriptor.properties.in"
_DESCRIPTOR = "stable-plugin-descriptor.properties"
_NAMED_COMPONENTS = "named_components.json"
_JAR_NAME = f"{PLUGIN_NAME}.jar"
_TOOL_TIMEOUT_S = 600


def _java_sources(source_dir: Path) -> list[Path]:
    return sorted((source_dir / "src/main/java").rglob("*.java"))


def _fingerprint(source_dir: Path, es_version: str) -> str:
    """Hash of everything that goes into the zip, so an unchanged build can be reused."""
    digest = hashlib.sha256(f"es={es_version};release={JAVA_RELEASE}\n".encode())
    inputs = [
        *_java_sources(source_dir),
        source_dir / _NAMED_COMPONENTS,
        source_dir / _DESCRIPTOR_TEMPLATE,
    ]
    for path in inputs:
        digest.update(path.relative_to(source_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _run(cmd: Sequence[str | Path], what: str, env: dict[str, str] | None = None) -> None:
    """Run a build/install tool; raise RuntimeError carrying its stderr if it fails."""
    args = [str(part) for part in cmd]
    logger.debug("running %s", " ".join(args))
    try:
        result = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{what} could not run ({args[0]}): {exc}") from exc
    if result.returncode != 0:
        detail = result.stderr.strip() or result.stdout.strip()
        raise RuntimeError(f"{what} failed with exit code {result.returncode}: {detail}")


def _render_descriptor(template: str, es_version: str) -> str:
    rendered = template.replace("${elasticsearch.version}", es_version)
    return rendered.replace("${java.version}", JAVA_RELEASE)


def build_plugin(es_home: Path, java_home: Path, build_dir: Path, es_version: str) -> Path:
    """Compile and package the plugin; return the zip path, reusing an up-to-date zip.

    The zip holds the jar, the filled-in stable-plugin descriptor and
    ``named_components.json`` at its root, which is the layout ``elasticsearch-plugin``
    expects for a stable plugin.
    """
    source_dir = PLUGIN_SOURCE_DIR
    sources = _java_sources(source_dir)
    if not sources:
        raise RuntimeError(f"no Java sources found under {source_dir / 'src/main/java'}")
    lib_dir = es_home / "lib"
    if not lib_dir.is_dir():
        raise RuntimeError(f"{lib_dir} does not exist; is {es_home} an Elasticsearch home?")

    key = _fingerprint(source_dir, es_version)[:16]
    zip_path = build_dir / f"{PLUGIN_NAME}-{es_version}-{key}.zip"
    if zip_path.is_file():
        logger.info("reusing up-to-date analysis plugin %s", zip_path)
        return zip_path

    work_dir = build_dir / f"{PLUGIN_NAME}-work-{key}"
    shutil.rmtree(work_dir, ignore_errors=True)
    classes_dir = work_dir / "classes"
    classes_dir.mkdir(parents=True)
    jar_path = work_dir / _JAR_NAME

    logger.info("compiling %d plugin sources for Elasticsearch %s", len(sources), es_version)
    classpath = f"{lib_dir}/*"  # the node's own server, plugin-API and Lucene jars
    javac_opts: list[str | Path] = ["--release", JAVA_RELEASE, "-encoding", "UTF-8"]
    _run(
        [java_home / "bin/javac", *javac_opts, "-cp", classpath, "-d", classes_dir, *sources],
        "javac",
    )
    _run([java_home / "bin/jar", "--create", "--file", jar_path, "-C", classes_dir, "."], "jar")

    template = (source_dir / _DESCRIPTOR_TEMPLATE).read_text(encoding="utf-8")
    descriptor = _render_descriptor(template, es_version)
    partial = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(jar_path, _JAR_NAME)
        archive.writestr(_DESCRIPTOR, descriptor)
        archive.write(source_dir / _NAMED_COMPONENTS, _NAMED_COMPONENTS)
    partial.replace(zip_path)  # atomic: a crash never leaves a zip that looks complete
    shutil.rmtree(work_dir, ignore_errors=True)
    logger.info("built analysis plugin %s", zip_path)
    return zip_path


def install_plugin(es_home: Path, plugin_zip: Path, env: dict[str, str]) -> None:
    """Install ``plugin_zip`` into ``es_home``, replacing an install built from other sources.

    ``env`` is the complete environment for ``elasticsearch-plugin``; it must provide a
    Java 21+ runtime via ``ES_JAVA_HOME`` (plus ``PATH`` for the launcher script).
    """
    installed = es_home / "plugins" / PLUGIN_NAME
    # Which build is installed: the zip name carries the fingerprint of its sources.
    marker = es_home / f".{PLUGIN_NAME}-installed"
    current = marker.read_text().strip() if marker.exists() else None
    tool = es_home / "bin/elasticsearch-plugin"
    if installed.exists():
        if current == plugin_zip.name:
            logger.info("analysis plugin already installed at %s", installed)
            return
        logger.info("replacing analysis plugin %s with %s", current, plugin_zip.name)
        _run([tool, "remove", "--purge", PLUGIN_NAME], "elasticsearch-plugin remove", env=env)
    logger.info("installing %s into %s", plugin_zip, es_home)
    _run(
        [tool, "install", "--batch", plugin_zip.resolve().as_uri()],
        "elasticsearch-plugin install",
        env=env,
    )
    if not installed.is_dir():
        raise RuntimeError(f"elasticsearch-plugin reported success but {installed} does not exist")
    marker.write_text(plugin_zip.name + "\n")
