"""The search API against the real node: language-aware relevance, filters, facets, paging,
highlights, validation, articles, related, health, metrics and OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.search.api import create_app
from services.search.models import SearchPage
from services.search.settings import SearchSettings
from shared.settings import ElasticsearchSettings
from tests.services.search.conftest import CORPUS, PUTIN

pytestmark = pytest.mark.integration


def _search(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    # The API serialises its page without validating it again: it must be exactly what the
    # SearchPage model (the OpenAPI schema) would give.
    assert SearchPage.model_validate(body).model_dump(mode="json") == body
    return body


def _keys(body: dict[str, Any], corpus: dict[str, str]) -> list[str]:
    by_id = {v: k for k, v in corpus.items()}
    return [by_id[hit["id"]] for hit in body["hits"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("arme nucleaire", "fr-arms"),  # no accents, singular: French stemming and folding
        ("armes nucléaires", "fr-arms"),
        ("treaty", "en-treaties"),  # English stemming: treaty ~ treaties
        ("electeurs", "fr-vote"),
        ("vertrag", "de-treaties"),  # German: Verträge
        ("tratado", "es-peace"),  # Spanish: tratados
    ],
)
def test_language_aware_relevance(
    client: TestClient, corpus: dict[str, str], q: str, expected: str
) -> None:
    body = _search(client, q=q)
    assert _keys(body, corpus)[0] == expected
    assert body["total"] == 1


def test_title_matches_rank_first(client: TestClient, corpus: dict[str, str]) -> None:
    # Both mention Vienne and négociations; only fr-iran has them in the title and body.
    keys = _keys(_search(client, q="négociations Vienne"), corpus)
    assert set(keys) == {"fr-arms", "fr-iran"}


def test_filters(client: TestClient, corpus: dict[str, str]) -> None:
    def keys(**params: Any) -> set[str]:
        return set(_keys(_search(client, size=100, **params), corpus))

    french = {d.key for d in CORPUS if d.language == "fr"}
    english = {d.key for d in CORPUS if d.language == "en"}
    assert keys(lang="fr") == french
    assert keys(lang=["fr", "en"]) == french | english
    assert keys(entity="Vladimir Poutine") == {"fr-arms"}
    assert keys(entity=PUTIN) == {"fr-arms", "en-treaties"}  # by id: across languages
    assert keys(entity=["Paris", "Emmanuel Macron"]) == {"fr-climate"}  # every entity must match
    assert keys(entity="United Nations") == {"en-treaties"}  # organisations too
    assert keys(source="LeMonde.fr") == {"fr-arms", "fr-vote", "fr-climate"}
    assert keys(source=["reuters.com", "elpais.com"]) == {"en-energy", "en-rates", "es-peace"}
    # 'to' is inclusive: the whole 21st.
    assert keys(**{"from": "2026-11-19", "to": "2026-11-21"}) == {
        "de-treaties",
        "fr-arms",
        "en-treaties",
    }
    assert keys(**{"to": "2026-10-31"}) == {"es-peace"}
    assert keys(**{"to": "9999-12-31"}) == {d.key for d in CORPUS}  # the last day: no 500
    assert keys(q="traité", lang="en") == set()
    assert keys(q="paris", lang="fr", entity="Emmanuel Macron") == {"fr-climate"}


def test_facets_count_the_result_set(client: TestClient, corpus: dict[str, str]) -> None:
    facets = _search(client)["facets"]
    assert {b["value"]: b["count"] for b in facets["languages"]} == {
        "fr": 4,
        "en": 3,
        "de": 1,
        "es": 1,
    }
    assert facets["sources"][0] == {"value": "lemonde.fr", "count": 3}
    assert {b["value"]: b["count"] for b in facets["places"]}["Vienne"] == 2
    assert {b["value"] for b in facets["people"]} == {
        "Vladimir Poutine",
        "Vladimir Putin",
        "Christine Lagarde",
        "Emmanuel Macron",
    }
    assert {b["value"] for b in facets["organisations"]} == {
        "United Nations",
        "OPEC",
        "European Central Bank",
    }
    dates = facets["dates"]
    assert dates["interval"] == "day"
    assert dates["buckets"][0] == {"date": "2026-10-30", "count": 1}
    assert dates["buckets"][-1] == {"date": "2026-11-22", "count": 2}
    assert sum(b["count"] for b in dates["buckets"]) == len(CORPUS)


def test_selected_facet_keeps_counting_its_other_values(
    client: TestClient, corpus: dict[str, str]
) -> None:
    body = _search(client, lang="fr")
    assert body["total"] == 4
    # Languages ignore the language selection (so "en" can be added); the rest follow it.
    assert {b["value"]: b["count"] for b in body["facets"]["languages"]}["en"] == 3
    assert {b["value"]: b["count"] for b in body["facets"]["sources"]} == {
        "lemonde.fr": 3,
        "france24.com": 1,
    }
    assert {b["value"] for b in body["facets"]["people"]} == {
        "Vladimir Poutine",
        "Emmanuel Macron",
    }
    assert sum(b["count"] for b in body["facets"]["dates"]["buckets"]) == 4
    only = _search(client, facets=["languages", "sources"])["facets"]
    assert only["people"] is None
    assert only["dates"] is None
    assert _search(client, facets="none")["facets"] == {
        "languages": None,
        "sources": None,
        "people": None,
        "organisations": None,
        "places": None,
        "dates": None,
    }


@pytest.mark.parametrize("sort", ["newest", "relevance"])
def test_cursor_paging_returns_every_article_once(
    client: TestClient, corpus: dict[str, str], sort: str
) -> None:
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"size": 2, "sort": sort}
    pages = 0
    while True:
        body = _search(client, **params)
        pages += 1
        assert len(body["hits"]) <= 2
        assert body["total"] == len(CORPUS)
        seen.extend(body["hits"])
        if body["next"] is None:
            break
        params["cursor"] = body["next"]
    assert pages == 5  # 9 articles, 2 a page, and no empty last page
    assert sorted(h["id"] for h in seen) == sorted(corpus.values())
    if sort == "newest":
        order = [(h["published_at"], h["id"]) for h in seen]
        # Newest first; equal dates by id ascending (the tiebreaker).
        assert order == sorted(order, key=lambda o: (-_epoch(o[0]), o[1]))
        assert all(h["score"] is None for h in seen)


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_relevance_paging_with_a_query(client: TestClient, corpus: dict[str, str]) -> None:
    first = _search(client, q="treaties | traité | tratados | vertrag", size=2)
    assert first["total"] == 4
    second = _search(
        client, q="treaties | traité | tratados | vertrag", size=2, cursor=first["next"]
    )
    assert second["next"] is None
    scores = [h["score"] for h in first["hits"] + second["hits"]]
    assert scores == sorted(scores, reverse=True)
    ids = {h["id"] for h in first["hits"] + second["hits"]}
    assert len(ids) == 4


def test_highlights_are_segments(client: TestClient, corpus: dict[str, str]) -> None:
    hit = _search(client, q="arme nucleaire")["hits"][0]
    title = hit["highlights"]["title"]
    assert "".join(s["text"] for s in title) == hit["title"]
    assert [s["text"] for s in title if s["mark"]] == ["armes", "nucléaires"]
    fragments = hit["highlights"]["body"]
    assert fragments
    marked = {s["text"] for f in fragments for s in f if s["mark"]}
    assert marked == {"armes", "nucléaires"}
    # Without a query, the opening of the text stands in as the snippet.
    newest = _search(client, sort="newest", size=1)["hits"][0]
    assert newest["highlights"]["body"][0][0]["mark"] is False
    assert newest["highlights"]["title"] == [{"text": newest["title"], "mark": False}]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 501}, "q"),
        ({"size": 0}, "size"),
        ({"size": 1000}, "size"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-11-20", "to": "2026-11-19"}, "to"),
        ({"cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
        ({"sort": "oldest"}, "sort"),
        ({"facets": "colours"}, "facets"),
        ({"lang": ""}, "lang"),
    ],
)
def test_bad_parameters_are_422(
    client: TestClient, corpus: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert field in detail[0]["loc"]
    assert detail[0]["msg"]


def test_cursor_of_another_sort_is_422(client: TestClient, corpus: dict[str, str]) -> None:
    cursor = _search(client, size=1, sort="newest")["next"]
    response = client.get("/search", params={"cursor": cursor, "sort": "relevance"})
    assert response.status_code == 422
    assert "sort='newest'" in response.json()["detail"][0]["msg"]


def test_article_and_404(client: TestClient, corpus: dict[str, str]) -> None:
    response = client.get(f"/articles/{corpus['es-peace']}")
    assert response.status_code == 200
    article = response.json()
    assert article["title"] == "Los tratados de paz firmados en Madrid"
    assert article["body"].startswith("Los tratados")
    assert article["entities"][0]["name"] == "Madrid"
    assert "title_es" not in article
    missing = "0" * 64
    assert client.get(f"/articles/{missing}").status_code == 404
    assert client.get(f"/articles/{missing}/related").status_code == 404
    assert client.get(f"/articles/{'x' * 600}").status_code == 422


def test_related_excludes_the_article(client: TestClient, corpus: dict[str, str]) -> None:
    response = client.get(f"/articles/{corpus['fr-arms']}/related")
    assert response.status_code == 200
    body = response.json()
    ids = [h["id"] for h in body["hits"]]
    assert body["id"] == corpus["fr-arms"]
    assert corpus["fr-arms"] not in ids
    assert ids[0] == corpus["fr-iran"]  # Vienne, délégations, négociations, nucléaire
    small = client.get(f"/articles/{corpus['fr-arms']}/related", params={"size": 1}).json()
    assert len(small["hits"]) == 1


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_unreachable_elasticsearch_is_503(names: Any) -> None:
    settings = SearchSettings(
        namespace=names.namespace,
        es=ElasticsearchSettings(url="http://127.0.0.1:1", request_timeout_s=2),
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 503
        response = client.get("/search", params={"q": "x"})
        assert response.status_code == 503
        assert "unreachable" in response.json()["detail"]


def test_no_index_is_503(settings: SearchSettings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/search")
        assert response.status_code == 503
        assert "newswire setup" in response.json()["detail"]


def test_metrics(client: TestClient, corpus: dict[str, str]) -> None:
    client.get("/search", params={"q": "treaty"})
    client.get(f"/articles/{corpus['fr-arms']}")
    client.get("/search", params={"size": 0})
    text = client.get("/metrics").text
    assert 'newswire_search_requests_total{method="GET",route="/search",status="200"} 1.0' in text
    assert 'route="/search",status="422"' in text
    assert 'route="/articles/{article_id}",status="200"' in text
    assert "newswire_search_request_seconds_bucket" in text
    assert "newswire_search_es_took_seconds_count 1.0" in text


def test_openapi_and_page_headers(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/search", "/articles/{article_id}", "/articles/{article_id}/related"} <= set(
        spec["paths"]
    )
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "lang", "entity", "source", "from", "to", "sort", "size", "cursor"} <= names
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "default-src 'none'" in csp
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert "content-security-policy" in script.headers
    assert "content-security-policy" not in client.get("/healthz").headers
