"""The local Elasticsearch node: the minimal distribution from Maven Central plus newswire's
analysis plugin (language analyzers, ASCII folding), run as a dedicated user when we are root.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
import shutil
import subprocess
import time
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from services.infra import analysis_plugin, fetch
from services.infra.java import find_jdk
from services.infra.processes import ServerPaths, alive, tail
from services.infra.settings import InfraSettings

log = logging.getLogger(__name__)

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch"


@dataclass(frozen=True, slots=True)
class EsPaths(ServerPaths):
    SERVER_LOG = "newswire-local.log"  # <cluster name>.log

    @classmethod
    def of(cls, settings: InfraSettings) -> EsPaths:
        return cls.under(settings, "elasticsearch", f"elasticsearch-{settings.es_version}")

    @property
    def pid_file(self) -> Path:
        return self.logs / "elasticsearch.pid"


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )


def _unpack(zip_path: Path, paths: EsPaths) -> None:
    if (paths.home / "bin" / "elasticsearch").exists():
        return
    paths.root.mkdir(parents=True, exist_ok=True)
    staging = paths.root / "unpacking"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-q", str(zip_path), "-d", str(staging)], check=True)
    else:  # zipfile drops exec bits: restore them from the archive's Unix modes
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                extracted = Path(archive.extract(info, staging))
                mode = info.external_attr >> 16
                if mode:
                    extracted.chmod(mode & 0o7777)
    (unpacked,) = staging.iterdir()
    unpacked.rename(paths.home)
    staging.rmdir()


def _es_env(settings: InfraSettings, jdk: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ES_", "JAVA_"))}
    env["ES_JAVA_HOME"] = str(jdk)
    env["ES_PATH_CONF"] = str(EsPaths.of(settings).home / "config")
    return env


def _configure(settings: InfraSettings, paths: EsPaths) -> None:
    config = (
        (DEPLOY / "elasticsearch.yml.in")
        .read_text()
        .replace("@DATA_DIR@", str(paths.data))
        .replace("@LOGS_DIR@", str(paths.logs))
        .replace("@HTTP_PORT@", str(settings.es_port))
        .replace("@TRANSPORT_PORT@", str(settings.es_transport_port))
    )
    (paths.home / "config" / "elasticsearch.yml").write_text(config)
    heap = f"-Xms{settings.es_heap}\n-Xmx{settings.es_heap}\n"
    (paths.home / "config" / "jvm.options.d" / "newswire-heap.options").write_text(heap)


def _hand_over(settings: InfraSettings, paths: EsPaths) -> None:
    """As root: give the node's files to its own user (Elasticsearch refuses to run as root)."""
    _ensure_user(settings.es_user)
    user = pwd.getpwnam(settings.es_user)
    for directory in (settings.state_dir, paths.root, settings.logs_dir):
        directory.chmod(0o755)  # traversable by the node's user
    for directory in (paths.home, paths.data, paths.logs):
        for dirpath, _dirnames, filenames in os.walk(directory):
            os.chown(dirpath, user.pw_uid, user.pw_gid)
            for filename in filenames:
                os.chown(os.path.join(dirpath, filename), user.pw_uid, user.pw_gid)


def request(settings: InfraSettings, path: str, timeout_s: float = 2.0) -> dict[str, object]:
    url = f"{settings.es_url}{path}"  # always http://127.0.0.1:<port>, see InfraSettings.es_url
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
        data: dict[str, object] = json.loads(response.read())
        return data


def healthy(settings: InfraSettings) -> bool:
    try:
        health = request(settings, "/_cluster/health")
    except (OSError, ValueError):
        return False
    return health.get("status") in ("green", "yellow")


def read_pid(settings: InfraSettings) -> int | None:
    try:
        return int(EsPaths.of(settings).pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def start(settings: InfraSettings) -> int:
    """Fetch (cached), unpack, add the analysis plugin, configure and start; return the pid."""
    zip_path = fetch.es_zip(settings)
    jdk = find_jdk(21, settings.es_java_home, prefer_newest=True)
    paths = EsPaths.of(settings)
    _unpack(zip_path, paths)
    env = _es_env(settings, jdk)
    plugin = analysis_plugin.build_plugin(
        paths.home, jdk, settings.cache_dir / "analysis-plugin", settings.es_version
    )
    analysis_plugin.install_plugin(paths.home, plugin, env)
    for directory in (paths.data, paths.logs):
        directory.mkdir(parents=True, exist_ok=True)
    _configure(settings, paths)
    paths.pid_file.unlink(missing_ok=True)
    command = [str(paths.home / "bin" / "elasticsearch"), "-d", "-p", str(paths.pid_file)]
    if _running_as_root():
        _hand_over(settings, paths)
        command = ["runuser", "-u", settings.es_user, "--", *command]
    # -d returns once the node has started, or fails with the reason on stderr.
    with paths.stdout_log.open("ab") as out:
        done = subprocess.run(
            command,
            env=env,
            cwd=paths.home,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=settings.start_timeout_s,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(
            f"Elasticsearch failed to start (exit {done.returncode}).\n"
            f"--- {paths.stdout_log} ---\n{tail(paths.stdout_log)}\n"
            f"--- {paths.server_log} ---\n{tail(paths.server_log, 15)}"
        )
    deadline = time.monotonic() + settings.start_timeout_s
    while time.monotonic() < deadline:
        pid = read_pid(settings)
        if pid and not alive(pid):
            break
        if pid and healthy(settings):
            log.info("elasticsearch up pid=%s port=%s", pid, settings.es_port)
            return pid
        time.sleep(0.5)
    raise RuntimeError(
        f"Elasticsearch not healthy after start.\n--- {paths.server_log} ---\n"
        f"{tail(paths.server_log)}"
    )
