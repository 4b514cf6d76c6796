"""The kustomize renderer of tests/deploy/kustomize.py: what it does with each supported field,
what it refuses, and — where kubectl is installed — that it renders the same objects as
`kubectl kustomize` (those tests are skipped without kubectl)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.kustomize import KustomizeError, identity, json_patch, render, retag

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "k8s"

BASE_OBJECTS = """
apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: web
          image: newswire:latest
          env:
            - name: A
              value: "1"
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app.kubernetes.io/name: web
  ports:
    - port: 80
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: job
              image: newswire@sha256:0123
---
apiVersion: kafka.strimzi.io/v1
kind: KafkaTopic
metadata:
  name: demo.topic
spec:
  partitions: 3
"""

OVERLAY = """
resources:
  - ../base
namespace: prod
labels:
  - pairs:
      app.kubernetes.io/part-of: demo
    includeSelectors: false
images:
  - name: newswire
    newName: registry.example.com/newswire
    newTag: "2.0"
  - name: busybox
    digest: sha256:feed
replicas:
  - name: web
    count: 4
patches:
  - path: topic.yaml
    target:
      kind: KafkaTopic
      name: demo\\..*
  - target:
      group: apps
      kind: Deployment
      name: web
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: {name: B, value: "2"}
      - op: replace
        path: /spec/template/spec/containers/0/env/0/value
        value: "one"
"""

TOPIC_PATCH = """
- op: replace
  path: /spec/partitions
  value: 12
- op: add
  path: /spec/config
  value:
    cleanup.policy: compact
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """base/ (plain objects) and overlay/ (every supported field), as in deploy/k8s."""
    base, overlay = tmp_path / "base", tmp_path / "overlay"
    base.mkdir()
    overlay.mkdir()
    (base / "objects.yaml").write_text(BASE_OBJECTS)
    (base / "kustomization.yaml").write_text("resources:\n  - objects.yaml\n")
    (overlay / "kustomization.yaml").write_text(OVERLAY)
    (overlay / "topic.yaml").write_text(TOPIC_PATCH)
    return overlay


def _by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


def test_overlay_fields_are_applied(tree: Path) -> None:
    objects = _by_kind(render(tree))
    deployment, service = objects["Deployment"], objects["Service"]
    # namespace: set on namespaced objects; the Namespace object takes it as its name.
    assert objects["Namespace"]["metadata"] == {
        "name": "prod",
        "labels": {"app.kubernetes.io/part-of": "demo"},
    }
    assert {o["metadata"].get("namespace") for k, o in objects.items() if k != "Namespace"} == {
        "prod"
    }
    # labels: metadata only, selectors and templates untouched.
    assert deployment["metadata"]["labels"]["app.kubernetes.io/part-of"] == "demo"
    assert "app.kubernetes.io/part-of" not in deployment["spec"]["selector"]["matchLabels"]
    assert "app.kubernetes.io/part-of" not in deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == {"app.kubernetes.io/name": "web"}
    # replicas, images (containers and init containers, also inside a CronJob's job template)
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 4
    assert pod["containers"][0]["image"] == "registry.example.com/newswire:2.0"
    assert pod["initContainers"][0]["image"] == "busybox@sha256:feed"
    job_pod = objects["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert job_pod["containers"][0]["image"] == "registry.example.com/newswire:2.0"
    # patches, from a file and inline
    assert pod["containers"][0]["env"] == [
        {"name": "A", "value": "one"},
        {"name": "B", "value": "2"},
    ]
    assert objects["KafkaTopic"]["spec"] == {
        "partitions": 12,
        "config": {"cleanup.policy": "compact"},
    }


def test_base_alone_is_left_as_written(tree: Path) -> None:
    objects = render(tree.parent / "base")
    assert objects == [d for d in yaml.safe_load_all(BASE_OBJECTS) if d]


@pytest.mark.parametrize(
    ("image", "entry", "expected"),
    [
        ("newswire:latest", {"name": "newswire", "newTag": "1.0"}, "newswire:1.0"),
        ("newswire", {"name": "newswire", "newName": "reg:5000/nw"}, "reg:5000/nw"),
        ("newswire:1", {"name": "newswire", "newName": "reg:5000/nw"}, "reg:5000/nw:1"),
        ("reg:5000/nw:1", {"name": "reg:5000/nw", "newTag": "2"}, "reg:5000/nw:2"),
        ("newswire@sha256:ab", {"name": "newswire", "newTag": "x"}, "newswire:x"),
        ("newswire:1", {"name": "newswire", "digest": "sha256:cd"}, "newswire@sha256:cd"),
        ("newswire-ui:1", {"name": "newswire", "newTag": "2"}, "newswire-ui:1"),
        ("docker.io/newswire:1", {"name": "newswire", "newTag": "2"}, "docker.io/newswire:1"),
    ],
)
def test_retag(image: str, entry: dict[str, str], expected: str) -> None:
    assert retag(image, entry) == expected


def test_json_patch_operations() -> None:
    obj: dict[str, Any] = {"spec": {"list": [1, 3], "a/b": {"~": 0}}}
    json_patch(obj, {"op": "add", "path": "/spec/list/1", "value": 2})
    json_patch(obj, {"op": "add", "path": "/spec/list/-", "value": 4})
    json_patch(obj, {"op": "replace", "path": "/spec/a~1b/~0", "value": 1})
    json_patch(obj, {"op": "add", "path": "/spec/new", "value": {"x": 1}})
    json_patch(obj, {"op": "remove", "path": "/spec/new/x"})
    json_patch(obj, {"op": "test", "path": "/spec/list/0", "value": 1})
    assert obj == {"spec": {"list": [1, 2, 3, 4], "a/b": {"~": 1}, "new": {}}}


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/spec/missing", "value": 1},
        {"op": "remove", "path": "/spec/list/5"},
        {"op": "add", "path": "/spec/list/9", "value": 1},
        {"op": "add", "path": "/spec/missing/x", "value": 1},
        {"op": "test", "path": "/spec/list/0", "value": 2},
        {"op": "move", "from": "/spec/list", "path": "/spec/other"},
        {"op": "add", "path": "spec/list", "value": 1},
        {"op": "add", "path": "/spec/list/x", "value": 1},
    ],
)
def test_json_patch_refuses(operation: dict[str, Any]) -> None:
    with pytest.raises(KustomizeError):
        json_patch({"spec": {"list": [1]}}, operation)


@pytest.mark.parametrize(
    "change",
    [
        "commonLabels: {a: b}\n",  # not supported: refused rather than ignored
        "configMapGenerator: [{name: x, literals: [a=b]}]\n",
        "labels: [{pairs: {a: b}, includeSelectors: true}]\n",
        "replicas: [{name: nothing, count: 2}]\n",
        "patches: [{path: topic.yaml}]\n",  # no target: a strategic merge in kustomize
        "patches: [{patch: '{spec: {replicas: 2}}', target: {kind: Deployment, name: web}}]\n",
        "patches: [{path: topic.yaml, target: {kind: KafkaTopic, name: other}}]\n",
        "images: [{name: newswire, newTags: '2'}]\n",
    ],
)
def test_unsupported_or_wrong_kustomizations_are_refused(tree: Path, change: str) -> None:
    (tree / "kustomization.yaml").write_text(f"resources:\n  - ../base\n{change}")
    with pytest.raises(KustomizeError):
        render(tree)


def test_duplicate_objects_are_refused(tree: Path) -> None:
    (tree / "again.yaml").write_text(BASE_OBJECTS)
    (tree / "kustomization.yaml").write_text("resources:\n  - ../base\n  - again.yaml\n")
    with pytest.raises(KustomizeError, match="twice"):
        render(tree)


def test_a_directory_without_kustomization_is_refused(tmp_path: Path) -> None:
    with pytest.raises(KustomizeError, match=r"no kustomization\.yaml"):
        render(tmp_path)


# --- the same objects as kubectl ------------------------------------------------------------

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl not installed: nothing to compare the renderer with"
)


def _kubectl_kustomize(directory: Path) -> list[dict[str, Any]]:
    assert KUBECTL is not None
    done = subprocess.run(
        [KUBECTL, "kustomize", str(directory)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def _assert_same_objects(directory: Path) -> None:
    ours = {identity(o): o for o in render(directory)}
    theirs = {identity(o): o for o in _kubectl_kustomize(directory)}
    assert sorted(ours) == sorted(theirs)
    for key, obj in ours.items():
        assert obj == theirs[key], key


@needs_kubectl
def test_same_objects_as_kubectl_for_every_supported_field(tree: Path) -> None:
    _assert_same_objects(tree)


@needs_kubectl
@pytest.mark.parametrize("directory", ["base", "overlays/production"])
def test_same_objects_as_kubectl_for_deploy_k8s(directory: str) -> None:
    _assert_same_objects(DEPLOY / directory)
