"""The monitoring files around the lag exporter: deploy/prometheus and deploy/grafana.

Every query of the dashboard may only name metrics that exist: those the exporter serves, or the
pipeline metrics the services document. promtool (Debian's ``prometheus`` package, installed by
scripts/bootstrap) validates the Prometheus config and the syntax of every query.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.lag import metrics as metrics_module
from services.lag.metrics import LagMetrics
from services.lag.models import GroupLag, LagReport, PartitionLag
from services.lag.rules import Status
from services.lag.settings import LagSettings

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "newswire-pipeline.json"
# Documented metrics of the other services (README, "Lag monitoring").
PIPELINE_METRICS = {
    "newswire_ingest_published_total",
    "newswire_dedup_articles_total",
    "newswire_enrich_enriched_total",
    "newswire_indexer_indexed_total",
    "newswire_dead_letters_total",
}
# Default metrics ports, as documented (README, "Lag monitoring").
JOBS = {
    "newswire-lag": "lag:9308",
    "newswire-ingest": "ingest:8000",
    "newswire-dedup": "dedup:6067",
    "newswire-enrich": "enrich:6066",
    "newswire-indexer": "indexer:8001",
    "newswire-search": "search:8080",
}
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
_KEYWORDS |= {"unless", "offset", "inf", "nan"}


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run scripts/bootstrap (Debian package prometheus)")
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords, labels left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        following = text[match.end() :].lstrip()
        if following.startswith("(") or match.group().lower() in _KEYWORDS:
            continue
        names.add(match.group())
    return names


def exported_names() -> set[str]:
    """Every sample name the exporter serves, from a registry holding a report."""
    metrics = LagMetrics(refresh_interval_s=5.0)
    partition = PartitionLag(
        topic="t", partition=0, committed_offset=1, log_end_offset=3, lag=2, lag_seconds=1.5
    )
    group = GroupLag(
        group="g",
        state="Stable",
        status=Status.WARN,
        status_reason="",
        total_lag=2,
        max_lag_seconds=1.5,
        partitions=[partition],
    )
    metrics.succeeded(LagReport(at=datetime.now(UTC), refresh_seconds=0.01, groups=[group]), 0.01)
    metrics.failed(0.02)
    return {s.name for family in metrics.registry.collect() for s in family.samples}


def queries(dashboard: dict[str, Any]) -> list[str]:
    found = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]
    for variable in dashboard["templating"]["list"]:
        query = variable.get("query")
        found.append(query["query"] if isinstance(query, dict) else query)
    return found


def grafana_free(expr: str) -> str:
    """The query as Prometheus receives it, Grafana's variables replaced."""
    expr = expr.replace("$__rate_interval", "1m").replace("$group", ".*")
    match = re.fullmatch(r"label_values\((\w+),\s*\w+\)", expr)
    return match.group(1) if match else expr


def test_metric_name_extraction() -> None:
    expr = 'sum by (stage) (rate(newswire_dead_letters_total{stage=~"a|b"}[5m])) / on(x) up'
    assert metric_names(expr) == {"newswire_dead_letters_total", "up"}
    assert metric_names("time() - max(x_seconds) >= bool 2") == {"x_seconds"}


def test_prometheus_config_scrapes_every_service() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    jobs = {
        job["job_name"]: [t for static in job["static_configs"] for t in static["targets"]]
        for job in config["scrape_configs"]
    }
    assert jobs == {name: [target] for name, target in JOBS.items()}
    assert JOBS["newswire-lag"].endswith(f":{LagSettings().port}")
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            # A "stage" target label would rename the dead-letter counter's own "stage" label.
            assert "stage" not in static.get("labels", {}), job["job_name"]


def test_promtool_accepts_the_prometheus_config() -> None:
    done = subprocess.run(
        [promtool(), "check", "config", str(PROMETHEUS)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_grafana_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    sources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    (source,) = sources["datasources"]
    assert (source["type"], source["url"]) == ("prometheus", "http://prometheus:9090")
    providers = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "newswire.yml").read_text()
    )
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/etc/grafana/dashboards"
    dashboard = json.loads(DASHBOARD.read_text())
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == source["uid"], panel["title"]


def test_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"]
    assert dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]
            assert all(t["refId"] for t in panel["targets"]), panel["title"]
    titles = " ".join(panel["title"].lower() for panel in dashboard["panels"])
    for subject in ("lag per group", "time", "status", "throughput", "dead letters"):
        assert subject in titles


def test_dashboard_queries_only_name_existing_metrics() -> None:
    known = exported_names() | PIPELINE_METRICS
    dashboard = json.loads(DASHBOARD.read_text())
    used: set[str] = set()
    for expr in queries(dashboard):
        names = metric_names(grafana_free(expr))
        assert names, expr
        assert names <= known, f"{expr}: unknown {sorted(names - known)}"
        used |= names
    assert used >= PIPELINE_METRICS
    assert {"newswire_lag_group_messages", "newswire_lag_group_seconds"} <= used


def test_promtool_parses_every_dashboard_query(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    rules = [
        {"record": f"newswire:dashboard_query_{i}", "expr": grafana_free(expr)}
        for i, expr in enumerate(queries(dashboard))
    ]
    path = tmp_path / "queries.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    done = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_exported_metric_is_documented() -> None:
    doc = metrics_module.__doc__ or ""
    families = {name.removesuffix("_total") for name in exported_names()}
    bases = {re.sub(r"_(bucket|count|sum|created)$", "", name) for name in families}
    for name in sorted(bases):
        assert name in doc or f"{name}_total" in doc, name
