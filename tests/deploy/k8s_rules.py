"""The wiring rules newswire's Kubernetes manifests are held to, beyond their schemas: topic and
group names from ``shared.names``, ports from ``shared.ports``, durability of every topic,
autoscaling within the partitions, probes, resources and budgets on every workload, connections
to the operators' Services and Secrets.

Each rule takes the rendered objects and returns its problems (empty: the rule holds), so that a
test can also show it failing on a broken copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from shared import ports
from shared.names import Names
from shared.settings import ServiceSettings

Obj = dict[str, Any]

REPLICAS = 3  # copies of every topic
MIN_INSYNC = 2  # copies a write needs
WORKLOADS = ("Deployment", "StatefulSet")
ANY_HOST = "0.0.0.0"  # pods must be reachable by their probes and Services

# The HTTP surface of each long-running command: its key in shared.ports, which is also the
# <SVC> of its NEWSWIRE_<SVC>_HOST / _PORT variables.
SURFACES = {
    ("newswire", "ingest", "serve"): "INGEST",
    ("newswire", "ingest", "poll"): "POLL",
    ("newswire", "search", "serve"): "SEARCH",
    ("newswire", "enrich"): "ENRICH",
    ("newswire", "index"): "INDEXER",
    ("newswire", "dedup"): "DEDUP",
    ("newswire", "lag", "serve"): "LAG",
}
# Commands that talk to Elasticsearch (the others need Kafka only).
USES_ES = {
    ("newswire", "search", "serve"),
    ("newswire", "index"),
    ("newswire", "setup"),
    ("newswire", "audit"),
}


@dataclass(frozen=True)
class Manifests:
    objects: list[Obj]

    def of_kind(self, *kinds: str) -> list[Obj]:
        return [o for o in self.objects if o["kind"] in kinds]

    def get(self, kind: str, name: str) -> Obj | None:
        return next((o for o in self.of_kind(kind) if o["metadata"]["name"] == name), None)

    def one(self, kind: str) -> Obj:
        found = self.of_kind(kind)
        assert len(found) == 1, f"expected one {kind}, found {len(found)}"
        return found[0]

    @property
    def config(self) -> dict[str, str]:
        """The shared settings (the ConfigMap every container takes with envFrom)."""
        data: dict[str, str] = self.one("ConfigMap")["data"]
        return data

    @property
    def names(self) -> Names:
        return Names(self.config["NEWSWIRE_NAMESPACE"])

    def pods(self) -> Iterator[tuple[Obj, Obj]]:
        """(owner, pod spec) of every workload, Job and CronJob."""
        for obj in self.of_kind(*WORKLOADS, "Job"):
            yield obj, obj["spec"]["template"]["spec"]
        for obj in self.of_kind("CronJob"):
            yield obj, obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]

    def containers(self) -> Iterator[tuple[Obj, Obj, Obj]]:
        """(owner, pod spec, container) of every container."""
        for owner, pod in self.pods():
            for container in pod["containers"]:
                yield owner, pod, container

    def env(self, container: Obj) -> dict[str, str]:
        """The container's plain variables, its ConfigMaps' first (as Kubernetes merges them)."""
        values: dict[str, str] = {}
        for source in container.get("envFrom", []):
            config_map = self.get("ConfigMap", source["configMapRef"]["name"])
            values.update(config_map["data"] if config_map else {})
        values.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
        return values


def command_of(container: Obj) -> tuple[str, ...]:
    """The container's command up to its first option: ``newswire audit --json`` is
    ``("newswire", "audit")``."""
    words = [*container.get("command", []), *container.get("args", [])]
    return tuple(words[: _first_option(words)])


def _first_option(words: list[str]) -> int:
    return next((i for i, w in enumerate(words) if w.startswith("-")), len(words))


def name(obj: Obj) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


# --- Kafka ---------------------------------------------------------------------------------


def topic_names(m: Manifests) -> list[str]:
    """Exactly the topics newswire uses are declared, under the names shared.names gives."""
    names = m.names
    wanted = {
        names.incoming_topic,
        names.raw_topic,
        names.enriched_topic,
        names.dead_letter_topic,
        names.feeds_topic,
        names.feed_state_topic,
        changelog_topic(names),
    }
    declared = {topic_name(t) for t in m.of_kind("KafkaTopic")}
    problems = [f"no KafkaTopic for {t}" for t in sorted(wanted - declared)]
    problems += [f"KafkaTopic {t} is not a newswire topic" for t in sorted(declared - wanted)]
    return problems


def changelog_topic(names: Names) -> str:
    """faust names a table's changelog ``<app id>-<table>-changelog``."""
    return f"{names.dedup_group}-{names.dedup_table}-changelog"


def topic_name(topic: Obj) -> str:
    return str(topic["spec"].get("topicName", topic["metadata"]["name"]))


def topic_durability(m: Manifests) -> list[str]:
    """Three replicas, two in sync, the partitions and sizes the services are configured for."""
    config = m.config
    broker = m.one("Kafka")["spec"]["kafka"]["config"]
    problems = []
    if int(config["NEWSWIRE_KAFKA_REPLICATION_FACTOR"]) != REPLICAS:
        problems.append(f"NEWSWIRE_KAFKA_REPLICATION_FACTOR is not {REPLICAS}")
    if int(config["NEWSWIRE_KAFKA_MIN_INSYNC_REPLICAS"]) != MIN_INSYNC:
        problems.append(f"NEWSWIRE_KAFKA_MIN_INSYNC_REPLICAS is not {MIN_INSYNC}")
    for topic in m.of_kind("KafkaTopic"):
        spec, label = topic["spec"], topic_name(topic)
        topic_config = spec.get("config", {})
        min_insync = int(topic_config.get("min.insync.replicas", 0))
        if spec.get("replicas") != REPLICAS or min_insync != MIN_INSYNC:
            problems.append(f"{label}: replicas {spec.get('replicas')}, min ISR {min_insync}")
        if spec.get("partitions") != int(config["NEWSWIRE_KAFKA_PARTITIONS"]):
            problems.append(f"{label}: partitions differ from NEWSWIRE_KAFKA_PARTITIONS")
        size = int(topic_config.get("max.message.bytes", 0))
        if not 0 < size <= min(int(broker["message.max.bytes"]), broker["replica.fetch.max.bytes"]):
            problems.append(f"{label}: max.message.bytes {size} missing or above the brokers'")
    return problems


def compaction(m: Manifests) -> list[str]:
    """The feed list, the poll state and the dedup changelog are compacted (the latest value per
    key is the state), co-partitioned with what they go with; no other topic is."""
    names = m.names
    compacted = {names.feeds_topic, names.feed_state_topic, changelog_topic(names)}
    topics = {topic_name(t): t["spec"] for t in m.of_kind("KafkaTopic")}
    problems = []
    for topic, spec in topics.items():
        is_compacted = spec.get("config", {}).get("cleanup.policy") == "compact"
        if is_compacted != (topic in compacted):
            problems.append(f"{topic}: cleanup.policy compact is {is_compacted}")
    pairs = [
        (names.feeds_topic, names.feed_state_topic),
        (names.incoming_topic, changelog_topic(names)),
    ]
    for first, second in pairs:
        if topics.get(first, {}).get("partitions") != topics.get(second, {}).get("partitions"):
            problems.append(f"{first} and {second} are not co-partitioned")
    return problems


def kafka_cluster(m: Manifests) -> list[str]:
    """KRaft with node pools; enough brokers for the replicas; every pool and topic is linked
    to the one Kafka cluster."""
    kafka = m.one("Kafka")
    cluster = kafka["metadata"]["name"]
    annotations = kafka["metadata"].get("annotations", {})
    problems = [
        f"Kafka annotation {key} is not enabled"
        for key in ("strimzi.io/node-pools", "strimzi.io/kraft")
        if annotations.get(key) != "enabled"
    ]
    brokers = controllers = 0
    for pool in m.of_kind("KafkaNodePool"):
        roles = pool["spec"]["roles"]
        brokers += pool["spec"]["replicas"] if "broker" in roles else 0
        controllers += pool["spec"]["replicas"] if "controller" in roles else 0
        if pool["spec"]["storage"]["type"] == "ephemeral":
            problems.append(f"{name(pool)}: ephemeral storage")
    if brokers < REPLICAS or controllers < 3:
        problems.append(f"{brokers} brokers and {controllers} controllers: 3 of each at least")
    for obj in m.of_kind("KafkaNodePool", "KafkaTopic"):
        if obj["metadata"].get("labels", {}).get("strimzi.io/cluster") != cluster:
            problems.append(f"{name(obj)}: label strimzi.io/cluster is not {cluster}")
    return problems


# --- autoscaling ---------------------------------------------------------------------------


def autoscaling(m: Manifests) -> list[str]:
    """KEDA scales a consumer Deployment on its own group's lag on its own input topic, between
    1 and the topic's partitions; the Deployment leaves its replica count to KEDA."""
    names = m.names
    consumes: dict[tuple[str, ...], tuple[str, str]] = {
        ("newswire", "enrich"): (names.enrich_group, names.raw_topic),
        ("newswire", "index"): (names.indexer_group, names.enriched_topic),
    }
    partitions = {topic_name(t): t["spec"]["partitions"] for t in m.of_kind("KafkaTopic")}
    problems = []
    for scaled in m.of_kind("ScaledObject"):
        spec = scaled["spec"]
        target = m.get(
            spec["scaleTargetRef"].get("kind", "Deployment"), spec["scaleTargetRef"]["name"]
        )
        if target is None:
            problems.append(f"{name(scaled)}: no target {spec['scaleTargetRef']}")
            continue
        if "replicas" in target["spec"]:
            problems.append(f"{name(target)}: sets replicas, which KEDA owns")
        command = command_of(target["spec"]["template"]["spec"]["containers"][0])
        for trigger in spec["triggers"]:
            problems += _kafka_trigger(m, scaled, trigger, consumes.get(command), partitions)
    return problems


def _kafka_trigger(
    m: Manifests,
    scaled: Obj,
    trigger: Obj,
    expected: tuple[str, str] | None,
    partitions: dict[str, int],
) -> list[str]:
    meta, spec, label = trigger["metadata"], scaled["spec"], name(scaled)
    if trigger["type"] != "kafka":
        return [f"{label}: trigger {trigger['type']} is not kafka"]
    problems = []
    if expected != (meta.get("consumerGroup"), meta.get("topic")):
        problems.append(f"{label}: group/topic {meta.get('consumerGroup')}/{meta.get('topic')}")
    most = partitions.get(meta.get("topic", ""), 0)
    low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    if not 1 <= low <= high <= most:
        problems.append(f"{label}: replicas {low}..{high} not within 1..{most} partitions")
    kafka = m.one("Kafka")["metadata"]["name"]
    wanted = f"{kafka}-kafka-bootstrap.{scaled['metadata'].get('namespace')}.svc:{_plain_port(m)}"
    if meta.get("bootstrapServers") != wanted:
        problems.append(f"{label}: bootstrapServers {meta.get('bootstrapServers')} != {wanted}")
    return problems


def _plain_port(m: Manifests) -> int:
    listeners = m.one("Kafka")["spec"]["kafka"]["listeners"]
    port: int = next(x["port"] for x in listeners if x["type"] == "internal" and not x["tls"])
    return port


# --- pods ----------------------------------------------------------------------------------


def http_surfaces(m: Manifests) -> list[str]:
    """Every long-running container binds 0.0.0.0 on its shared.ports port, declares that port,
    is probed and scraped there."""
    problems = []
    for owner, _pod, container in m.containers():
        if owner["kind"] not in WORKLOADS:
            continue
        surface = SURFACES.get(command_of(container))
        if surface is None:
            problems.append(f"{name(owner)}: {command_of(container)} has no known HTTP surface")
            continue
        problems += [f"{name(owner)}: {p}" for p in _surface(m, container, surface)]
        annotations = owner["spec"]["template"]["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/port") != str(getattr(ports, surface)):
            problems.append(f"{name(owner)}: prometheus.io/port is not its port")
    return problems


def _surface(m: Manifests, container: Obj, surface: str) -> list[str]:
    env, port = m.env(container), getattr(ports, surface)
    problems = []
    if env.get(f"NEWSWIRE_{surface}_HOST") != ANY_HOST:
        problems.append(f"NEWSWIRE_{surface}_HOST is not {ANY_HOST}")
    if env.get(f"NEWSWIRE_{surface}_PORT") != str(port):
        problems.append(f"NEWSWIRE_{surface}_PORT is not {port} (shared.ports.{surface})")
    declared = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    if port not in declared.values():
        problems.append(f"containerPort {port} not declared")
    for kind in ("readinessProbe", "livenessProbe"):
        probe = container.get(kind)
        if probe is None:
            problems.append(f"no {kind}")
            continue
        target = probe.get("httpGet", {}).get("port")
        if declared.get(target, target) != port:
            problems.append(f"{kind} targets port {target}, not {port}")
    return problems


def one_image(m: Manifests) -> list[str]:
    """Every newswire container runs the same image (the repository's Dockerfile)."""
    images = {c["image"] for _o, _p, c in m.containers()}
    return [] if len(images) == 1 else [f"several images: {sorted(images)}"]


def resources(m: Manifests) -> list[str]:
    """Every container requests CPU and memory and is limited in memory (at least its request)."""
    problems = []
    for owner, _pod, container in m.containers():
        res = container.get("resources", {})
        requests, limits = res.get("requests", {}), res.get("limits", {})
        if not {"cpu", "memory"} <= set(requests) or "memory" not in limits:
            problems.append(f"{name(owner)}: requests cpu+memory and a memory limit needed")
        elif quantity(limits["memory"]) < quantity(requests["memory"]):
            problems.append(f"{name(owner)}: memory limit below its request")
    return problems


def pod_hygiene(m: Manifests) -> list[str]:
    """No service-link variables next to NEWSWIRE_*; every mount has its volume; workloads get
    the time their shutdown needs."""
    grace_needed = ServiceSettings.model_fields["shutdown_timeout_s"].default
    problems = []
    for owner, pod in m.pods():
        if pod.get("enableServiceLinks") is not False:
            problems.append(f"{name(owner)}: enableServiceLinks is not false")
        volumes = {v["name"] for v in pod.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in owner["spec"].get("volumeClaimTemplates", [])}
        for container in pod["containers"]:
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volumes | claims:
                    problems.append(f"{name(owner)}: no volume {mount['name']}")
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if owner["kind"] in WORKLOADS and grace <= grace_needed:
            problems.append(f"{name(owner)}: grace {grace}s, shutdown takes up to {grace_needed}s")
    return problems


def dedup_state(m: Manifests) -> list[str]:
    """The dedup stage keeps its RocksDB table on a per-pod volume, at its data dir."""
    stateful = [
        (owner, c) for owner, _p, c in m.containers() if command_of(c) == ("newswire", "dedup")
    ]
    if len(stateful) != 1 or stateful[0][0]["kind"] != "StatefulSet":
        return ["newswire dedup must run in one StatefulSet"]
    owner, container = stateful[0]
    data_dir = m.env(container).get("NEWSWIRE_DEDUP_DATA_DIR")
    claims = {c["metadata"]["name"] for c in owner["spec"].get("volumeClaimTemplates", [])}
    mounted = {v["mountPath"]: v["name"] for v in container.get("volumeMounts", [])}
    if data_dir is None or mounted.get(data_dir) not in claims:
        return [f"NEWSWIRE_DEDUP_DATA_DIR {data_dir} is not a volumeClaimTemplate's mount"]
    if owner["spec"]["serviceName"] not in {s["metadata"]["name"] for s in m.of_kind("Service")}:
        return [f"{name(owner)}: no Service {owner['spec']['serviceName']}"]
    return []


def disruption_budgets(m: Manifests) -> list[str]:
    """Exactly one PodDisruptionBudget, maxUnavailable 1, selects each workload's pods (the
    eviction API refuses pods under two budgets)."""
    problems = []
    for workload in m.of_kind(*WORKLOADS):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        budgets = [
            b
            for b in m.of_kind("PodDisruptionBudget")
            if _selects(b["spec"]["selector"]["matchLabels"], labels)
        ]
        if len(budgets) != 1 or budgets[0]["spec"].get("maxUnavailable") != 1:
            problems.append(f"{name(workload)}: {len(budgets)} budgets with maxUnavailable 1")
    return problems


def services(m: Manifests) -> list[str]:
    """Each Service selects the pods of exactly one workload, on a port they declare."""
    problems = []
    for service in m.of_kind("Service"):
        selected = [
            w
            for w in m.of_kind(*WORKLOADS)
            if _selects(service["spec"]["selector"], w["spec"]["template"]["metadata"]["labels"])
        ]
        if len(selected) != 1:
            problems.append(f"{name(service)} selects {len(selected)} workloads")
            continue
        declared = set()
        for container in selected[0]["spec"]["template"]["spec"]["containers"]:
            declared |= {p.get("name") for p in container.get("ports", [])}
            declared |= {p["containerPort"] for p in container.get("ports", [])}
        for port in service["spec"]["ports"]:
            if port.get("targetPort", port["port"]) not in declared:
                problems.append(f"{name(service)}: targetPort {port.get('targetPort')} undeclared")
    return problems


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# --- connections ---------------------------------------------------------------------------


def connections(m: Manifests) -> list[str]:
    """Kafka and Elasticsearch are reached through the Services their operators create, with the
    CA and the password from the Secrets ECK creates; every container takes the shared settings,
    and those that use Elasticsearch its credentials and CA."""
    config, es = m.config, m.one("Elasticsearch")["metadata"]["name"]
    kafka = m.one("Kafka")["metadata"]["name"]
    problems = []
    if config["NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS"] != f"{kafka}-kafka-bootstrap:{_plain_port(m)}":
        problems.append("NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS is not Strimzi's bootstrap Service")
    for url in config["NEWSWIRE_ES_URLS"].split(","):
        if url.strip() != f"https://{es}-es-http:9200":
            problems.append(f"NEWSWIRE_ES_URLS: {url} is not ECK's https Service")
    ca = PurePosixPath(config["NEWSWIRE_ES_CA_CERTS"])
    for owner, pod, container in m.containers():
        sources = [s["configMapRef"]["name"] for s in container.get("envFrom", [])]
        if m.one("ConfigMap")["metadata"]["name"] not in sources:
            problems.append(f"{name(owner)}: does not take the shared settings")
        if command_of(container) in USES_ES:
            problems += [f"{name(owner)}: {p}" for p in _es_access(pod, container, es, ca)]
        elif any(e["name"] == "NEWSWIRE_ES_PASSWORD" for e in container.get("env", [])):
            problems.append(f"{name(owner)}: gets the Elasticsearch password it does not use")
    return problems


def _es_access(pod: Obj, container: Obj, es: str, ca: PurePosixPath) -> list[str]:
    problems = []
    password: Obj = next(
        (e for e in container.get("env", []) if e["name"] == "NEWSWIRE_ES_PASSWORD"), {}
    )
    ref = password.get("valueFrom", {}).get("secretKeyRef", {})
    if (ref.get("name"), ref.get("key")) != (f"{es}-es-elastic-user", "elastic"):
        problems.append("NEWSWIRE_ES_PASSWORD not from ECK's elastic-user Secret")
    secrets = {
        v["name"]: v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v
    }
    mounts = {PurePosixPath(v["mountPath"]): v["name"] for v in container.get("volumeMounts", [])}
    if (
        ca.name != "ca.crt"
        or secrets.get(mounts.get(ca.parent, "")) != f"{es}-es-http-certs-public"
    ):
        problems.append(f"{ca} is not ECK's CA ({es}-es-http-certs-public, ca.crt)")
    return problems


def elasticsearch(m: Manifests, version: str) -> list[str]:
    """The same Elasticsearch version as the local runner; three nodes on volumes; heap at most
    half of the memory (the rest is Lucene's file cache)."""
    spec = m.one("Elasticsearch")["spec"]
    problems = [] if spec["version"] == version else [f"Elasticsearch {spec['version']}"]
    for node_set in spec["nodeSets"]:
        if node_set["count"] < 3 or not node_set.get("volumeClaimTemplates"):
            problems.append(f"nodeSet {node_set['name']}: 3 nodes with volumes at least")
        for container in node_set["podTemplate"]["spec"]["containers"]:
            options = {e["name"]: e.get("value", "") for e in container.get("env", [])}
            heap = _jvm_heap(options.get("ES_JAVA_OPTS", ""))
            limit = container.get("resources", {}).get("limits", {}).get("memory")
            if heap is None or limit is None or heap * 2 > quantity(limit):
                problems.append(f"nodeSet {node_set['name']}: heap {heap}, memory limit {limit}")
    return problems


def kafka_memory(m: Manifests) -> list[str]:
    """Kafka nodes leave at least half of their memory to the page cache (and metaspace)."""
    problems = []
    for pool in m.of_kind("KafkaNodePool"):
        heap = _jvm_heap(f"-Xmx{pool['spec'].get('jvmOptions', {}).get('-Xmx', '')}")
        limit = pool["spec"].get("resources", {}).get("limits", {}).get("memory")
        if heap is None or limit is None or heap * 2 > quantity(limit):
            problems.append(f"{name(pool)}: heap {heap}, memory limit {limit}")
    return problems


def _jvm_heap(options: str) -> int | None:
    found = re.search(r"-Xmx(\d+)([kmg]?)\b", options, re.IGNORECASE)
    if found is None:
        return None
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[found.group(2).lower()]
    return int(found.group(1)) * scale


_QUANTITY = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str | int) -> float:
    """A Kubernetes quantity (``512Mi``, ``2Gi``, ``250m``, ``1``) as a number."""
    found = re.fullmatch(r"(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi)?", str(value))
    if found is None:
        raise ValueError(f"not a quantity: {value!r}")
    number, suffix = float(found.group(1)), found.group(2) or ""
    return number / 1000 if suffix == "m" else number * _QUANTITY[suffix]


RULES: tuple[Callable[[Manifests], list[str]], ...] = (
    topic_names,
    topic_durability,
    compaction,
    kafka_cluster,
    kafka_memory,
    autoscaling,
    http_surfaces,
    one_image,
    resources,
    pod_hygiene,
    dedup_state,
    disruption_budgets,
    services,
    connections,
)
