"""Schema validation of Kubernetes objects without a cluster.

Core kinds go to ``kubernetes_validate`` (the API's own schemas, bundled per Kubernetes version,
strict: an unknown field is an error). Custom resources go to their operator's
CustomResourceDefinition: each served version's ``openAPIV3Schema`` turned into a JSON Schema
(:func:`crd_json_schema`) and checked with ``jsonschema``. CEL rules (``x-kubernetes-validations``)
are not evaluated; where one matters, tests/deploy/k8s_rules.py checks the same thing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

Obj = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
# The oldest Kubernetes the manifests are meant for, and the newest schemas bundled.
K8S_VERSIONS = ("1.33", "1.37")

# What the API server checks of every object's name (RFC 1123 subdomain).
DNS_SUBDOMAIN = r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_OBJECT_META = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "pattern": DNS_SUBDOMAIN},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_DROPPED = ("description", "example", "nullable")


def crd_dir(root: Path = ROOT) -> Path:
    """``shared/k8s-crds`` beside the repository (where CI copies it), or beside the main
    checkout when ``root`` is a git worktree of it (its ``.git`` is then a file pointing there).
    The first candidate when neither exists."""
    candidates = [root.parent / "shared" / "k8s-crds"]
    dot_git = root / ".git"
    if dot_git.is_file():
        gitdir = Path(dot_git.read_text(encoding="utf-8").removeprefix("gitdir:").strip())
        commondir = gitdir / "commondir"
        if commondir.is_file():
            main_git = (gitdir / commondir.read_text(encoding="utf-8").strip()).resolve()
            candidates.append(main_git.parent.parent / "shared" / "k8s-crds")
    return next((c for c in candidates if c.is_dir()), candidates[0])


def crd_json_schema(openapi: Obj) -> Obj:
    """The JSON Schema of a custom resource from its CRD's ``openAPIV3Schema``."""
    schema = _convert(openapi)
    schema.setdefault("properties", {})["metadata"] = _OBJECT_META
    return schema


def _convert(node: Obj, structural: bool = True) -> Obj:
    """One OpenAPI v3 schema node as JSON Schema, with the API server's reading of the
    Kubernetes extensions:
    - an object with ``properties`` refuses other fields (the API server's strict field
      validation), unless ``x-kubernetes-preserve-unknown-fields`` keeps them;
    - ``x-kubernetes-int-or-string``: an integer or a string;
    - ``nullable``: null is allowed too;
    - ``x-kubernetes-embedded-resource``: apiVersion, kind and metadata are allowed.
    Sub-schemas of allOf/anyOf/oneOf only add constraints (``structural`` False): they declare
    no types of their own, so they refuse nothing on their own account."""
    out: Obj = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: _convert(child) for name, child in value.items()}
        elif key in ("items", "additionalProperties", "not") and isinstance(value, dict):
            out[key] = _convert(value)
        elif key in _SUBSCHEMA_LISTS:
            out[key] = [_convert(child, structural=False) for child in value]
        elif not key.startswith("x-kubernetes-") and key not in _DROPPED:
            out[key] = value
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if node.get("x-kubernetes-embedded-resource"):
        embedded = {"apiVersion": {"type": "string"}, "kind": {"type": "string"}}
        out["properties"] = {
            **embedded,
            "metadata": {"type": "object"},
            **out.get("properties", {}),
        }
    keeps_unknown = node.get("x-kubernetes-preserve-unknown-fields", False)
    closed = structural and out.get("type") == "object" and "properties" in out
    if closed and "additionalProperties" not in out and not keeps_unknown:
        out["additionalProperties"] = False
    return out


def load_crd_schemas(directory: Path) -> dict[tuple[str, str], Obj]:
    """(apiVersion, kind) -> JSON Schema, for every served version of every CRD in
    ``directory``."""
    schemas: dict[tuple[str, str], Obj] = {}
    for path in sorted(directory.glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served"):
                    api_version = f"{spec['group']}/{version['name']}"
                    openapi = version["schema"]["openAPIV3Schema"]
                    schemas[(api_version, spec["names"]["kind"])] = crd_json_schema(openapi)
    return schemas


def validate_custom(obj: Obj, schemas: dict[tuple[str, str], Obj]) -> None:
    """Raises ``jsonschema.ValidationError`` (or KeyError: no CRD for this kind)."""
    schema = schemas[(obj["apiVersion"], obj["kind"])]
    jsonschema.Draft202012Validator(schema).validate(obj)


def validate_core(obj: Obj, version: str) -> None:
    """Raises ``kubernetes_validate.ValidationError`` (``SchemaNotFoundError``: not a core
    kind)."""
    kubernetes_validate.validate(obj, version, strict=True)


def validate_pod_template(template: Obj, version: str) -> None:
    """A pod template an operator takes inside its custom resource (ECK's ``podTemplate``, which
    its CRD leaves open), checked as the core PodTemplateSpec it becomes."""
    wrapper = {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": {"name": "pod-template"},
        "template": template,
    }
    validate_core(wrapper, version)
