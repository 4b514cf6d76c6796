"""The Elasticsearch client factory: several nodes, failover, TLS settings."""

from __future__ import annotations

import pytest

from shared.elasticsearch import make_client
from shared.settings import ElasticsearchSettings


def test_several_urls_make_several_nodes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_ES_URLS", "http://127.0.0.1:9201, http://127.0.0.1:9202")
    settings = ElasticsearchSettings()
    assert settings.hosts == ["http://127.0.0.1:9201", "http://127.0.0.1:9202"]
    client = make_client(settings)
    try:
        assert len(client.transport.node_pool.all()) == 2
    finally:
        client.close()


def test_the_old_single_url_variable_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSWIRE_ES_URLS", raising=False)
    monkeypatch.setenv("NEWSWIRE_ES_URL", "http://127.0.0.1:9209")
    assert ElasticsearchSettings().hosts == ["http://127.0.0.1:9209"]


@pytest.mark.integration
def test_a_dead_node_is_failed_over(es_settings: ElasticsearchSettings) -> None:
    both = ElasticsearchSettings(url=f"http://127.0.0.1:1,{es_settings.url}", request_timeout_s=5)
    client = make_client(both)
    try:
        for _ in range(4):  # round robin reaches the dead node at least once
            assert client.cluster.health()["status"] in {"green", "yellow"}
    finally:
        client.close()
