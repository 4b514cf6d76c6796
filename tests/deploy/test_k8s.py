"""deploy/k8s checked offline, as CI runs it (no cluster, no network).

Each kustomization (the base and the production overlay) is rendered by tests/deploy/kustomize.py
(test_kustomize.py shows it renders what `kubectl kustomize` does, where kubectl is installed);
then core objects are validated against Kubernetes' own schemas (kubernetes-validate, strict),
custom resources against their operators' CRDs (``shared/k8s-crds`` beside the repository:
skipped when absent), and everything against the wiring rules of k8s_rules.py. Each kind of check
is also shown refusing a broken manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command

from services.cli import build
from services.infra.settings import InfraSettings
from tests.deploy import k8s_rules as rules
from tests.deploy.k8s_schemas import (
    K8S_VERSIONS,
    crd_dir,
    crd_json_schema,
    load_crd_schemas,
    validate_core,
    validate_custom,
    validate_pod_template,
)
from tests.deploy.kustomize import render

Obj = dict[str, Any]
ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZATIONS = {
    "base": ROOT / "deploy" / "k8s" / "base",
    "production": ROOT / "deploy" / "k8s" / "overlays" / "production",
}
CUSTOM_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "Elasticsearch", "ScaledObject"}


@cache
def _rendered(which: str) -> tuple[Obj, ...]:
    return tuple(render(KUSTOMIZATIONS[which]))


def objects(which: str) -> list[Obj]:
    """A fresh copy of the rendered objects (tests may break it)."""
    return copy.deepcopy(list(_rendered(which)))


def find(objs: list[Obj], kind: str, name: str) -> Obj:
    return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)


@pytest.fixture(scope="module")
def crds() -> dict[tuple[str, str], Obj]:
    directory = crd_dir()
    if not directory.is_dir():
        pytest.skip(
            f"operator CRDs not found at {directory} (copy shared/k8s-crds beside the repo)"
        )
    return load_crd_schemas(directory)


# --- what is deployed ----------------------------------------------------------------------


@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_every_stage_is_deployed(which: str) -> None:
    names = {(o["kind"], o["metadata"]["name"]) for o in objects(which)}
    expected = {
        ("Deployment", "ingest-api"),
        ("Deployment", "search"),
        ("Deployment", "enrich"),
        ("Deployment", "indexer"),
        ("Deployment", "pollers"),
        ("Deployment", "lag"),
        ("StatefulSet", "dedup"),
        ("Service", "ingest-api"),
        ("Service", "search"),
        ("Service", "dedup"),
        ("Job", "setup"),
        ("CronJob", "audit"),
        ("ScaledObject", "enrich"),
        ("ScaledObject", "indexer"),
        ("Kafka", "newswire"),
        ("Elasticsearch", "newswire"),
    }
    assert expected <= names
    assert find(objects(which), "Service", "dedup")["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_everything_is_in_the_newswire_namespace(which: str) -> None:
    for obj in objects(which):
        if obj["kind"] == "Namespace":
            assert obj["metadata"]["name"] == "newswire"
        else:
            assert obj["metadata"]["namespace"] == "newswire", rules.name(obj)


def test_production_overlay_sets_image_and_scale() -> None:
    base, production = objects("base"), objects("production")
    images = {c["image"] for _o, _p, c in rules.Manifests(production).containers()}
    assert images == {"registry.example.com/newswire:0.1.0"}
    for kind, name in [("Deployment", "search"), ("StatefulSet", "dedup")]:
        before = find(base, kind, name)["spec"]["replicas"]
        assert find(production, kind, name)["spec"]["replicas"] > before
    enrich = find(production, "ScaledObject", "enrich")["spec"]
    assert (
        enrich["minReplicaCount"] > find(base, "ScaledObject", "enrich")["spec"]["minReplicaCount"]
    )


# --- schemas -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_core_objects_match_kubernetes_schemas(which: str, version: str) -> None:
    objs = objects(which)
    core = [o for o in objs if o["kind"] not in CUSTOM_KINDS]
    assert len(core) > 20
    for obj in core:
        validate_core(obj, version)  # a kind without a bundled schema raises: no silent skip
    for node_set in find(objs, "Elasticsearch", "newswire")["spec"]["nodeSets"]:
        validate_pod_template(node_set["podTemplate"], version)


@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_custom_resources_match_operator_crds(which: str, crds: dict[tuple[str, str], Obj]) -> None:
    custom = [o for o in objects(which) if o["kind"] in CUSTOM_KINDS]
    assert {o["kind"] for o in custom} == CUSTOM_KINDS
    for obj in custom:
        validate_custom(obj, crds)


def _set(path: str, value: Any) -> Callable[[Obj], None]:
    """A change of one field, by a dotted path (digits index lists)."""

    def change(obj: Obj) -> None:
        *parents, last = path.split(".")
        node: Any = obj
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


def _drop(path: str) -> Callable[[Obj], None]:
    def change(obj: Obj) -> None:
        *parents, last = path.split(".")
        node: Any = obj
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        del node[last]

    return change


@pytest.mark.parametrize(
    ("kind", "name", "change"),
    [
        ("KafkaTopic", "newswire.articles.raw", _set("spec.partitions", "twelve")),
        ("KafkaTopic", "newswire.articles.raw", _set("spec.partition", 12)),
        ("KafkaTopic", "newswire.articles.raw", _set("metadata.name", "Newswire_Raw")),
        ("KafkaNodePool", "broker", _set("spec.storage.type", "disk")),
        ("KafkaNodePool", "broker", _drop("spec.roles")),
        ("Kafka", "newswire", _set("spec.kafka.listeners.0.name", "plain-listener")),
        ("Kafka", "newswire", _set("spec.kafka.listeners.0.tls", "no")),
        ("Elasticsearch", "newswire", _set("spec.nodeSets.0.count", "three")),
        ("Elasticsearch", "newswire", _drop("spec.version")),
        ("ScaledObject", "enrich", _drop("spec.scaleTargetRef")),
        ("ScaledObject", "enrich", _set("spec.maxReplicas", 12)),
        ("ScaledObject", "enrich", _set("spec.fallback.behavior", "sometimes")),
    ],
)
def test_crd_validation_refuses_wrong_custom_resources(
    crds: dict[tuple[str, str], Obj], kind: str, name: str, change: Callable[[Obj], None]
) -> None:
    obj = find(objects("base"), kind, name)
    validate_custom(obj, crds)
    change(obj)
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(obj, crds)


@pytest.mark.parametrize(
    ("kind", "name", "change"),
    [
        ("Deployment", "enrich", _set("spec.template.spec.containers.0.imagePullPolicey", "x")),
        ("Deployment", "search", _set("spec.replicas", "two")),
        (
            "StatefulSet",
            "dedup",
            _set("spec.template.spec.containers.0.ports.0.containerPort", "http"),
        ),
        ("CronJob", "audit", _set("spec.scheduel", "@hourly")),
        ("PodDisruptionBudget", "search", _set("spec.maxUnavail", 1)),
    ],
)
def test_kubernetes_validation_refuses_wrong_objects(
    kind: str, name: str, change: Callable[[Obj], None]
) -> None:
    obj = find(objects("base"), kind, name)
    validate_core(obj, K8S_VERSIONS[0])
    change(obj)
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_core(obj, K8S_VERSIONS[0])


def test_eck_pod_template_is_checked_as_a_pod_template() -> None:
    node_set = find(objects("base"), "Elasticsearch", "newswire")["spec"]["nodeSets"][0]
    node_set["podTemplate"]["spec"]["containers"][0]["resource"] = {}  # typo: resources
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_pod_template(node_set["podTemplate"], K8S_VERSIONS[0])


def test_crds_are_found_beside_the_repository_or_its_main_checkout(tmp_path: Path) -> None:
    crds = tmp_path / "shared" / "k8s-crds"
    crds.mkdir(parents=True)
    clone = tmp_path / "clone"
    (clone / ".git").mkdir(parents=True)
    assert crd_dir(clone) == crds
    # A git worktree elsewhere: its .git file points into the main checkout's .git.
    worktree_git = tmp_path / "main" / ".git" / "worktrees" / "k8s"
    worktree_git.mkdir(parents=True)
    (worktree_git / "commondir").write_text("../..\n")
    worktree = tmp_path / "elsewhere" / "k8s"
    worktree.mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {worktree_git}\n")
    assert crd_dir(worktree) == crds
    assert not crd_dir(tmp_path / "main" / "sub").is_dir()  # neither: the test then skips


def test_crd_schema_conversion() -> None:
    openapi = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "size": {"x-kubernetes-int-or-string": True},
                    "note": {"type": "string", "nullable": True},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "claim": {
                        "type": "object",
                        "x-kubernetes-embedded-resource": True,
                        "properties": {"spec": {"type": "object"}},
                    },
                    "either": {
                        "type": "object",
                        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                        "oneOf": [
                            {"properties": {"a": {}}, "required": ["a"]},
                            {"required": ["b"]},
                        ],
                    },
                },
            }
        },
    }
    schema = crd_json_schema(openapi)
    validator = jsonschema.Draft202012Validator(schema)

    def errors(spec: Obj) -> int:
        return len(list(validator.iter_errors({"metadata": {"name": "x"}, "spec": spec})))

    good: Obj = {
        "size": "10Gi",
        "note": None,
        "free": {"anything": [1]},
        "claim": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {}, "spec": {}},
        "either": {"a": "x"},
    }
    assert errors(good) == 0
    assert errors({**good, "size": 10}) == 0
    assert errors({**good, "size": 1.5}) == 1
    assert errors({**good, "unknown": 1}) == 1
    assert errors({**good, "claim": {"status": {}}}) == 1
    assert errors({**good, "either": {"a": "x", "b": "y"}}) == 1
    assert errors({**good, "either": {"c": "x"}}) >= 1
    assert len(list(validator.iter_errors({"metadata": {"name": "Not_DNS"}}))) == 1


# --- wiring rules --------------------------------------------------------------------------


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.__name__)
@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_wiring_rule_holds(which: str, rule: Callable[[rules.Manifests], list[str]]) -> None:
    assert rule(rules.Manifests(objects(which))) == []


@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_elasticsearch_as_the_local_runner(which: str) -> None:
    manifests = rules.Manifests(objects(which))
    assert rules.elasticsearch(manifests, InfraSettings().es_version) == []


def _container(objs: list[Obj], kind: str, name: str) -> Obj:
    container: Obj = find(objs, kind, name)["spec"]["template"]["spec"]["containers"][0]
    return container


def _env(objs: list[Obj], kind: str, name: str, variable: str, value: str) -> None:
    container = _container(objs, kind, name)
    next(e for e in container["env"] if e["name"] == variable)["value"] = value


def _unset_env(objs: list[Obj], kind: str, name: str, variable: str) -> None:
    container = _container(objs, kind, name)
    container["env"] = [e for e in container["env"] if e["name"] != variable]


def _field(kind: str, name: str, path: str, value: Any) -> Callable[[list[Obj]], None]:
    return lambda objs: _set(path, value)(find(objs, kind, name))


def _topic_config(name: str, key: str, value: Any) -> Callable[[list[Obj]], None]:
    return lambda objs: find(objs, "KafkaTopic", name)["spec"]["config"].update({key: value})


BROKEN: dict[str, tuple[Callable[[rules.Manifests], list[str]], Callable[[list[Obj]], None]]] = {
    "topic not from shared.names": (
        rules.topic_names,
        _field("KafkaTopic", "newswire.articles.raw", "metadata.name", "newswire.articles.raws"),
    ),
    "topic missing": (
        rules.topic_names,
        lambda objs: objs.remove(find(objs, "KafkaTopic", "newswire.feed-state")),
    ),
    "two replicas": (
        rules.topic_durability,
        _field("KafkaTopic", "newswire.articles.raw", "spec.replicas", 2),
    ),
    "min ISR 3": (
        rules.topic_durability,
        _topic_config("newswire.articles.enriched", "min.insync.replicas", 3),
    ),
    "messages above the brokers' limit": (
        rules.topic_durability,
        _topic_config("newswire.articles.raw", "max.message.bytes", 16777216),
    ),
    "feed state not co-partitioned": (
        rules.compaction,
        _field("KafkaTopic", "newswire.feed-state", "spec.partitions", 6),
    ),
    "feed list not compacted": (
        rules.compaction,
        lambda objs: find(objs, "KafkaTopic", "newswire.feeds")["spec"]["config"].pop(
            "cleanup.policy"
        ),
    ),
    "topic of another cluster": (
        rules.kafka_cluster,
        lambda objs: find(objs, "KafkaTopic", "newswire.articles.raw")["metadata"]["labels"].update(
            {"strimzi.io/cluster": "other"}
        ),
    ),
    "two brokers": (
        rules.kafka_cluster,
        _field("KafkaNodePool", "broker", "spec.replicas", 2),
    ),
    "more workers than partitions": (
        rules.autoscaling,
        _field("ScaledObject", "enrich", "spec.maxReplicaCount", 24),
    ),
    "no worker at all": (
        rules.autoscaling,
        _field("ScaledObject", "indexer", "spec.minReplicaCount", 0),
    ),
    "scaled on another group": (
        rules.autoscaling,
        _field(
            "ScaledObject", "enrich", "spec.triggers.0.metadata.consumerGroup", "newswire.enricher"
        ),
    ),
    "scaled on the wrong topic": (
        rules.autoscaling,
        _field(
            "ScaledObject", "indexer", "spec.triggers.0.metadata.topic", "newswire.articles.raw"
        ),
    ),
    "replicas fighting KEDA": (
        rules.autoscaling,
        _field("Deployment", "enrich", "spec.replicas", 2),
    ),
    "loopback bind": (
        rules.http_surfaces,
        lambda objs: _env(objs, "Deployment", "enrich", "NEWSWIRE_ENRICH_HOST", "127.0.0.1"),
    ),
    "port not from shared.ports": (
        rules.http_surfaces,
        lambda objs: _env(objs, "Deployment", "search", "NEWSWIRE_SEARCH_PORT", "8081"),
    ),
    "probe on another port": (
        rules.http_surfaces,
        lambda objs: _set("livenessProbe.httpGet.port", 9000)(
            _container(objs, "Deployment", "ingest-api")
        ),
    ),
    "scraped on another port": (
        rules.http_surfaces,
        lambda objs: find(objs, "Deployment", "search")["spec"]["template"]["metadata"][
            "annotations"
        ].update({"prometheus.io/port": "9000"}),
    ),
    "no readiness probe": (
        rules.http_surfaces,
        lambda objs: _container(objs, "Deployment", "pollers").pop("readinessProbe"),
    ),
    "a second image": (
        rules.one_image,
        lambda objs: _set("image", "newswire:other")(_container(objs, "Deployment", "lag")),
    ),
    "no resources": (
        rules.resources,
        lambda objs: _container(objs, "Deployment", "indexer").pop("resources"),
    ),
    "service links": (
        rules.pod_hygiene,
        lambda objs: find(objs, "Deployment", "lag")["spec"]["template"]["spec"].pop(
            "enableServiceLinks"
        ),
    ),
    "dedup state off its volume": (
        rules.dedup_state,
        lambda objs: _env(
            objs, "StatefulSet", "dedup", "NEWSWIRE_DEDUP_DATA_DIR", "/tmp/newswire-dedup"
        ),
    ),
    "no budget": (
        rules.disruption_budgets,
        lambda objs: objs.remove(find(objs, "PodDisruptionBudget", "pollers")),
    ),
    "two budgets": (
        rules.disruption_budgets,
        lambda objs: objs.append(
            _renamed(find(objs, "PodDisruptionBudget", "search"), "search-again")
        ),
    ),
    "service selecting nothing": (
        rules.services,
        _field("Service", "search", "spec.selector", {"app.kubernetes.io/name": "serch"}),
    ),
    "no Elasticsearch password": (
        rules.connections,
        lambda objs: _unset_env(objs, "Deployment", "search", "NEWSWIRE_ES_PASSWORD"),
    ),
    "password where Elasticsearch is not used": (
        rules.connections,
        lambda objs: _container(objs, "Deployment", "enrich")["env"].extend(
            e
            for e in _container(objs, "Deployment", "search")["env"]
            if e["name"] == "NEWSWIRE_ES_PASSWORD"
        ),
    ),
    "Kafka by another address": (
        rules.connections,
        _field("ConfigMap", "newswire", "data.NEWSWIRE_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"),
    ),
    "heap over half the memory": (
        rules.kafka_memory,
        _field("KafkaNodePool", "broker", "spec.jvmOptions.-Xmx", "3g"),
    ),
}


def _renamed(obj: Obj, name: str) -> Obj:
    copied = copy.deepcopy(obj)
    copied["metadata"]["name"] = name
    return copied


@pytest.mark.parametrize("case", BROKEN)
def test_wiring_rule_refuses_broken_manifests(case: str) -> None:
    rule, breaks = BROKEN[case]
    objs = objects("base")
    assert rule(rules.Manifests(objs)) == []
    breaks(objs)
    assert rule(rules.Manifests(objs)) != []


def test_elasticsearch_rule_refuses_a_large_heap_and_another_version() -> None:
    objs = objects("base")
    manifests = rules.Manifests(objs)
    assert rules.elasticsearch(manifests, "9.9.9") != []
    template = find(objs, "Elasticsearch", "newswire")["spec"]["nodeSets"][0]["podTemplate"]
    template["spec"]["containers"][0]["env"][0]["value"] = "-Xms3g -Xmx3g"
    assert rules.elasticsearch(manifests, InfraSettings().es_version) != []


@pytest.mark.parametrize(
    ("value", "expected"),
    [("512Mi", 512 * 2**20), ("2Gi", 2 * 2**30), ("250m", 0.25), ("1", 1), ("1.5G", 1.5e9)],
)
def test_quantity(value: str, expected: float) -> None:
    assert rules.quantity(value) == expected


# --- commands ------------------------------------------------------------------------------


def parse_command(argv: list[str]) -> None:
    """Parses ``argv`` as the `newswire` CLI would, without running it; raises
    ``typer.TyperException`` (a usage error) for an unknown command, option or argument."""
    assert argv[0] == "newswire"
    command = get_command(build())
    args = list(argv[1:])
    while isinstance(command, TyperGroup) and args and args[0] in command.commands:
        command = command.commands[args.pop(0)]
    if isinstance(command, TyperGroup):
        raise typer.BadParameter(f"{args[:1]} is none of {sorted(command.commands)}")
    command.make_context("newswire", args)


@pytest.mark.parametrize("which", KUSTOMIZATIONS)
def test_every_container_runs_a_newswire_command(which: str) -> None:
    for _owner, _pod, container in rules.Manifests(objects(which)).containers():
        parse_command([*container["command"], *container.get("args", [])])


@pytest.mark.parametrize(
    "argv",
    [["newswire", "dedupe"], ["newswire", "audit", "--jsn"], ["newswire", "ingest"]],
)
def test_unknown_commands_are_refused(argv: list[str]) -> None:
    with pytest.raises(typer.TyperException):
        parse_command(argv)
