"""Renders a kustomization the way `kubectl kustomize` does, for the part of kustomize that
`deploy/k8s` uses, so that the manifests can be checked where kubectl is not installed.

Supported, and nothing else (an unknown field or option is refused, never ignored):
- ``resources``: YAML files (several documents each) and directories with a kustomization.yaml;
- ``namespace``: set on every namespaced object; a Namespace object takes it as its name;
- ``labels``: ``pairs`` added to every object's ``metadata.labels`` (not to selectors or
  templates: ``includeSelectors: false`` is the only option accepted);
- ``images``: ``name`` with ``newName`` / ``newTag`` / ``digest``, in every ``containers`` and
  ``initContainers`` list, wherever it is in an object;
- ``replicas``: ``name`` and ``count``, for Deployments, StatefulSets, ReplicaSets and
  ReplicationControllers of that name;
- ``patches``: ``path`` or ``patch`` holding a list of JSON 6902 operations (``add``,
  ``remove``, ``replace``, ``test``) and a ``target`` with ``kind`` and ``name`` (regular
  expressions matching the whole value, as in kustomize) and optionally ``group`` / ``version``.

They are applied in kustomize's order: patches, namespace, labels, replicas, images. Stricter than
kustomize on purpose: a patch or a replicas entry that matches no object is an error.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

KUSTOMIZATION = "kustomization.yaml"
FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "replicas", "patches"}
CLUSTER_SCOPED = {
    "Namespace",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}
SCALABLE = {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
IMAGE_FIELDS = {"name", "newName", "newTag", "digest"}


class KustomizeError(Exception):
    """The kustomization uses something this renderer does not support, or is wrong."""


def render(directory: Path) -> list[Obj]:
    """The objects ``directory``'s kustomization.yaml stands for, transformed."""
    directory = directory.resolve()
    kustomization = _load_kustomization(directory)
    objects: list[Obj] = []
    for entry in kustomization.get("resources") or []:
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else load_documents(path))
    _check_unique(objects)
    for patch in kustomization.get("patches") or []:
        _apply_patch(objects, patch, directory)
    if "namespace" in kustomization:
        _set_namespace(objects, str(kustomization["namespace"]))
    for labels in kustomization.get("labels") or []:
        _add_labels(objects, labels)
    for replicas in kustomization.get("replicas") or []:
        _set_replicas(objects, replicas)
    for image in kustomization.get("images") or []:
        _set_images(objects, image)
    return objects


def identity(obj: Obj) -> tuple[str, str, str, str]:
    """What tells two objects apart: API version, kind, namespace, name."""
    metadata = obj.get("metadata") or {}
    return (obj["apiVersion"], obj["kind"], metadata.get("namespace", ""), metadata["name"])


def load_documents(path: Path) -> list[Obj]:
    documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    for document in documents:
        if not isinstance(document, dict) or "kind" not in document:
            raise KustomizeError(f"{path}: not a Kubernetes object: {document!r:.80}")
    return documents


def _load_kustomization(directory: Path) -> Obj:
    path = directory / KUSTOMIZATION
    if not path.is_file():
        raise KustomizeError(f"{directory}: no {KUSTOMIZATION}")
    kustomization = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(kustomization) - FIELDS
    if unknown:
        raise KustomizeError(f"{path}: not supported here: {', '.join(sorted(unknown))}")
    return dict(kustomization)


def _check_unique(objects: list[Obj]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for obj in objects:
        key = identity(obj)
        if key in seen:
            raise KustomizeError(f"the same object twice: {key}")
        seen.add(key)


def _set_namespace(objects: list[Obj], namespace: str) -> None:
    for obj in objects:
        metadata = obj.setdefault("metadata", {})
        if obj["kind"] == "Namespace":
            metadata["name"] = namespace
        elif obj["kind"] not in CLUSTER_SCOPED:
            metadata["namespace"] = namespace


def _add_labels(objects: list[Obj], entry: Obj) -> None:
    unknown = set(entry) - {"pairs", "includeSelectors"}
    if unknown or entry.get("includeSelectors", False):
        raise KustomizeError(f"labels: only pairs (without selectors) are supported: {entry}")
    for obj in objects:
        labels = obj.setdefault("metadata", {}).setdefault("labels", {})
        labels.update({str(k): str(v) for k, v in entry["pairs"].items()})


def _set_replicas(objects: list[Obj], entry: Obj) -> None:
    if set(entry) != {"name", "count"}:
        raise KustomizeError(f"replicas: name and count only: {entry}")
    targets = [
        o for o in objects if o["kind"] in SCALABLE and o["metadata"]["name"] == entry["name"]
    ]
    if not targets:
        raise KustomizeError(f"replicas: no workload named {entry['name']!r}")
    for obj in targets:
        obj.setdefault("spec", {})["replicas"] = int(entry["count"])


def _set_images(objects: list[Obj], entry: Obj) -> None:
    if "name" not in entry or set(entry) - IMAGE_FIELDS:
        raise KustomizeError(f"images: name with newName, newTag, digest only: {entry}")
    for obj in objects:
        for container in _containers(obj):
            image = container.get("image")
            if isinstance(image, str):
                container["image"] = retag(image, entry)


def retag(image: str, entry: Obj) -> str:
    """``image`` rewritten by one ``images`` entry when its name (without tag or digest) is the
    entry's name; unchanged otherwise."""
    name, reference = _split_image(image)
    if name != entry["name"]:
        return image
    name = str(entry.get("newName", name))
    if "digest" in entry:
        return f"{name}@{entry['digest']}"
    if "newTag" in entry:
        return f"{name}:{entry['newTag']}"
    return name + reference


def _split_image(image: str) -> tuple[str, str]:
    """(name, ":tag" or "@digest" or ""): a colon is a tag only after the last slash, since a
    registry may have a port."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, f"@{digest}"
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def _containers(node: Any) -> list[Obj]:
    found: list[Obj] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found.extend(c for c in value if isinstance(c, dict))
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_containers(item))
    return found


def _apply_patch(objects: list[Obj], entry: Obj, directory: Path) -> None:
    if set(entry) - {"path", "patch", "target"} or ("path" in entry) == ("patch" in entry):
        raise KustomizeError(f"patches: one of path or patch, and a target: {entry}")
    target = entry.get("target")
    if not isinstance(target, dict) or not {"kind", "name"} <= set(target):
        raise KustomizeError(f"patches: a target with kind and name is required: {entry}")
    if set(target) - {"kind", "name", "group", "version"}:
        raise KustomizeError(f"patches: target by kind, name, group, version only: {target}")
    text = (directory / entry["path"]).read_text() if "path" in entry else entry["patch"]
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise KustomizeError(f"patches: only JSON 6902 lists are supported: {entry}")
    matched = [obj for obj in objects if _matches(obj, target)]
    if not matched:
        raise KustomizeError(f"patches: no object matches {target}")
    for obj in matched:
        for operation in operations:
            json_patch(obj, operation)


def _matches(obj: Obj, target: Obj) -> bool:
    group, _, version = obj["apiVersion"].rpartition("/")
    wanted = {
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "group": group,
        "version": version,
    }
    return all(re.fullmatch(str(target[key]), wanted[key]) for key in target)


def json_patch(obj: Obj, operation: Obj) -> None:
    """One JSON 6902 operation on ``obj``, in place."""
    op = operation.get("op")
    if op not in ("add", "remove", "replace", "test"):
        raise KustomizeError(f"JSON patch: operation not supported: {operation}")
    *parents, last = _pointer(operation["path"])
    container: Any = obj
    for token in parents:
        container = container[_index(container, token)]
    if op == "test":
        if container[_index(container, last)] != operation["value"]:
            raise KustomizeError(f"JSON patch: test failed: {operation}")
    elif op == "remove":
        del container[_index(container, last)]
    elif op == "replace":
        container[_index(container, last)] = copy.deepcopy(operation["value"])
    elif isinstance(container, list):
        index = len(container) if last == "-" else _index(container, last, size=len(container) + 1)
        container.insert(index, copy.deepcopy(operation["value"]))
    else:
        container[last] = copy.deepcopy(operation["value"])


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise KustomizeError(f"JSON patch: path must start with '/': {path!r}")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def _index(container: Any, token: str, size: int | None = None) -> Any:
    if isinstance(container, dict):
        if token not in container:
            raise KustomizeError(f"JSON patch: no {token!r} in {sorted(container)}")
        return token
    if not isinstance(container, list) or not token.isdigit():
        raise KustomizeError(f"JSON patch: cannot index {type(container).__name__} by {token!r}")
    index = int(token)
    if index >= (len(container) if size is None else size):
        raise KustomizeError(f"JSON patch: index {index} out of range")
    return index
