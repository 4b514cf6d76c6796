"""Finding a JDK of a given major version (Kafka needs 17+, Elasticsearch 9 needs 21+)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

JVM_ROOT = Path("/usr/lib/jvm")
_VERSION = re.compile(r'^JAVA_VERSION="(\d+)', re.MULTILINE)


def java_major(home: Path) -> int | None:
    """The major version of the JDK at ``home`` (from its ``release`` file), or None."""
    try:
        match = _VERSION.search((home / "release").read_text())
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _candidates() -> list[Path]:
    found: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        found.append(Path(os.environ["JAVA_HOME"]))
    java = shutil.which("java")
    if java:
        found.append(Path(java).resolve().parents[1])
    if JVM_ROOT.is_dir():
        found.extend(sorted(p.resolve() for p in JVM_ROOT.iterdir() if p.is_dir()))
    return list(dict.fromkeys(found))


def find_jdk(minimum: int, explicit: Path | None = None, prefer_newest: bool = False) -> Path:
    """Return a JDK home of at least ``minimum``; ``explicit`` wins when given."""
    if explicit is not None:
        major = java_major(explicit)
        if major is None or major < minimum:
            raise RuntimeError(f"{explicit} is not a JDK {minimum}+ (found: {major})")
        return explicit
    usable = [
        (major, home)
        for home in _candidates()
        if (major := java_major(home)) is not None
        and major >= minimum
        and (home / "bin" / "java").exists()
    ]
    if not usable:
        raise RuntimeError(
            f"no JDK {minimum}+ found (looked at JAVA_HOME, PATH and {JVM_ROOT}); install one "
            f"or set the matching NEWSWIRE_INFRA_*_JAVA_HOME"
        )
    if prefer_newest:
        return max(usable, key=lambda item: item[0])[1]
    return usable[0][1]
