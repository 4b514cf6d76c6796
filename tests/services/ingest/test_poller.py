from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from services.ingest.errors import FeedParseError
from services.ingest.feedlist import FeedConfig
from services.ingest.feedstate import FeedState, FeedStateStore
from services.ingest.fetcher import Fetcher, FetchResult
from services.ingest.metrics import IngestMetrics
from services.ingest.poller import Poller, PollResult
from services.ingest.settings import FetchSettings, IngestSettings, PollSettings
from tests.services.ingest.http_fixtures import Reply, ScriptedServer

FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
T0 = 1_750_000_000.0
BASE = 300.0  # default interval in these tests
MAX_BACKOFF = 3600.0


class FakeClock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    server: ScriptedServer
    clock: FakeClock
    store: FeedStateStore
    metrics: IngestMetrics
    poller: Poller
    handled: list[tuple[str, int]] = field(default_factory=list)

    def poll_at(self, now: float) -> dict[str, PollResult]:
        self.clock.now = now
        return {r.feed_id: r for r in self.poller.poll_due()}

    def sample(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0


Handle = Callable[[FeedConfig, FetchResult], float | None]
MakeRig = Callable[..., Rig]


@pytest.fixture
def make_rig(http_server: ScriptedServer, tmp_path: Path) -> Iterator[MakeRig]:
    opened: list[Fetcher | FeedStateStore] = []

    def make(
        feeds: list[FeedConfig],
        handle: Handle | None = None,
        store_path: Path | None = None,
        **poll: Any,
    ) -> Rig:
        poll_options: dict[str, Any] = {
            "default_interval_s": BASE,
            "min_interval_s": 60.0,
            "max_backoff_s": MAX_BACKOFF,
            "disable_after_failures": 5,
            "workers": 4,
            "tick_s": 0.05,
        }
        poll_options.update(poll)
        settings = IngestSettings(
            state_dir=tmp_path,
            feeds_file=tmp_path / "feeds.json",
            fetch=FetchSettings(allow_private=True, read_timeout_s=2.0),
            poll=PollSettings(**poll_options),
        )
        fetcher = Fetcher(settings.fetch)
        store = FeedStateStore(store_path or settings.feed_state_db)
        opened.extend([fetcher, store])
        clock = FakeClock()
        metrics = IngestMetrics()
        handled: list[tuple[str, int]] = []

        def record(feed: FeedConfig, result: FetchResult) -> float | None:
            handled.append((feed.id, result.status))
            return handle(feed, result) if handle else None

        poller = Poller(
            settings, feeds, fetcher, store, record, metrics, clock=clock, rng=random.Random(7)
        )
        return Rig(http_server, clock, store, metrics, poller, handled)

    yield make
    for resource in opened:
        resource.close()


def feed(server: ScriptedServer, feed_id: str, **options: Any) -> FeedConfig:
    return FeedConfig(id=feed_id, url=server.url(f"/{feed_id}"), **options)


def test_feeds_are_polled_at_their_interval(http_server: ScriptedServer, make_rig: MakeRig) -> None:
    for path in ("/own", "/default", "/eager"):
        http_server.script(path, Reply(200, {}, FEED))
    rig = make_rig(
        [
            feed(http_server, "own", interval_s=600),
            feed(http_server, "default"),
            feed(http_server, "eager", interval_s=10),  # below min_interval_s
        ]
    )
    results = rig.poll_at(T0)
    assert {k: r.outcome for k, r in results.items()} == dict.fromkeys(
        ("own", "default", "eager"), "ok"
    )
    assert results["own"].next_due == T0 + 600
    assert results["default"].next_due == T0 + BASE
    assert results["eager"].next_due == T0 + 60
    assert rig.poll_at(T0 + 59) == {}
    assert set(rig.poll_at(T0 + 60)) == {"eager"}
    assert set(rig.poll_at(T0 + 119)) == set()
    assert set(rig.poll_at(T0 + 300)) == {"default", "eager"}
    assert set(rig.poll_at(T0 + 600)) == {"own", "eager", "default"}
    assert len(http_server.requests) == 9
    assert rig.sample("newswire_ingest_fetches_total", status="200") == 9
    assert rig.sample("newswire_ingest_fetch_seconds_count") == 9


@pytest.mark.parametrize(
    ("headers", "ttl", "interval"),
    [
        ({"Cache-Control": "max-age=1200"}, None, 1200.0),
        ({"Cache-Control": "max-age=10"}, None, BASE),  # a hint never shortens the interval
        ({}, 1800.0, 1800.0),
        ({}, 5.0, BASE),
        ({"Cache-Control": "max-age=900"}, 1500.0, 1500.0),
        ({"Cache-Control": "max-age=31536000"}, None, MAX_BACKOFF),  # capped
        ({}, 0.0, BASE),
    ],
)
def test_max_age_and_ttl_are_lower_bounds(
    http_server: ScriptedServer,
    make_rig: MakeRig,
    headers: dict[str, str],
    ttl: float | None,
    interval: float,
) -> None:
    http_server.script("/f", Reply(200, headers, FEED))
    rig = make_rig([feed(http_server, "f")], handle=lambda _feed, _result: ttl)
    assert rig.poll_at(T0)["f"].next_due == T0 + interval


def test_ttl_still_applies_while_not_modified(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/f", Reply(200, {"ETag": '"v1"'}, FEED), Reply(304, {"ETag": '"v1"'}))
    rig = make_rig([feed(http_server, "f")], handle=lambda _feed, _result: 1800.0)
    rig.poll_at(T0)
    result = rig.poll_at(T0 + 1800)["f"]
    assert result.outcome == "not-modified"
    assert result.next_due == T0 + 1800 + 1800


def test_not_modified_keeps_state_and_is_counted(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Tue, 01 Jul 2025 10:00:00 GMT"}
    http_server.script("/f", Reply(200, validators, FEED), Reply(304))
    rig = make_rig([feed(http_server, "f")])
    assert rig.poll_at(T0)["f"].outcome == "ok"
    result = rig.poll_at(T0 + BASE)["f"]
    assert result.outcome == "not-modified"
    assert result.status == 304
    assert rig.handled == [("f", 200)]  # nothing new to hand over
    sent = http_server.requests[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Tue, 01 Jul 2025 10:00:00 GMT"
    state = rig.store.get("f")
    assert state.etag == '"v1"'
    assert state.last_modified == "Tue, 01 Jul 2025 10:00:00 GMT"
    assert state.last_status == 304
    assert state.last_success == T0 + BASE
    assert rig.sample("newswire_ingest_fetches_total", status="200") == 1
    assert rig.sample("newswire_ingest_fetches_total", status="304") == 1


def test_backoff_grows_with_failures_and_is_jittered(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/f", Reply(500))
    rig = make_rig([feed(http_server, "f")], disable_after_failures=50)
    now = T0
    ratios = []
    for failures in range(1, 9):
        result = rig.poll_at(now)["f"]
        assert result.outcome == "error"
        assert result.error_kind == "http-500"
        ceiling = min(MAX_BACKOFF, BASE * 2 ** (failures - 1))
        delay = result.next_due - now
        assert ceiling * 0.5 <= delay <= ceiling
        ratios.append(delay / ceiling)
        now = result.next_due
    assert len({round(r, 6) for r in ratios}) == len(ratios)  # jittered, not fixed
    assert rig.store.get("f").failures == 8
    assert rig.sample("newswire_ingest_fetch_errors_total", kind="http-500") == 8


@pytest.mark.parametrize(
    ("retry_after", "lowest", "highest"),
    [
        ("3000", 3000.0, 3000.0),  # above the backoff: Retry-After wins
        ("1", BASE * 0.5, BASE),  # below it: the backoff wins
        ("999999", MAX_BACKOFF, MAX_BACKOFF),  # capped
    ],
)
def test_retry_after_is_a_lower_bound(
    http_server: ScriptedServer,
    make_rig: MakeRig,
    retry_after: str,
    lowest: float,
    highest: float,
) -> None:
    http_server.script("/f", Reply(503, {"Retry-After": retry_after}))
    rig = make_rig([feed(http_server, "f")])
    delay = rig.poll_at(T0)["f"].next_due - T0
    assert lowest <= delay <= highest


def test_feed_is_disabled_after_repeated_failures(
    http_server: ScriptedServer, make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.script("/f", Reply(404))
    rig = make_rig([feed(http_server, "f")], disable_after_failures=3)
    outcomes = []
    now = T0
    with caplog.at_level(logging.WARNING, logger="services.ingest.poller"):
        for _ in range(3):
            result = rig.poll_at(now)["f"]
            outcomes.append(result.outcome)
            now = result.next_due
    assert outcomes == ["error", "error", "disabled"]
    state = rig.store.get("f")
    assert state.disabled
    assert state.disabled_reason is not None
    assert "3 consecutive failures" in state.disabled_reason
    assert "http-404" in state.disabled_reason
    assert rig.sample("newswire_ingest_feeds_disabled_total") == 1
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "feed_id=f" in errors[0].getMessage()
    # Skipped from now on, even in a burst...
    assert rig.poll_at(now + 10 * MAX_BACKOFF) == {}
    assert rig.poller.run_once() == []
    assert len(http_server.requests) == 3
    # ...until re-enabled.
    assert rig.store.enable("f")
    assert not rig.store.enable("f")
    assert rig.store.get("f").failures == 0
    http_server.script("/f", Reply(200, {}, FEED))
    assert rig.poll_at(now + 10 * MAX_BACKOFF)["f"].outcome == "ok"


def test_success_resets_failures(http_server: ScriptedServer, make_rig: MakeRig) -> None:
    http_server.script("/f", Reply(500), Reply(500), Reply(200, {}, FEED))
    rig = make_rig([feed(http_server, "f")])
    now = T0
    for _ in range(2):
        now = rig.poll_at(now)["f"].next_due
    failing = rig.store.get("f")
    assert failing.failures == 2
    assert failing.last_error is not None
    assert failing.last_error.startswith("http-500")
    result = rig.poll_at(now)["f"]
    assert result.outcome == "ok"
    assert result.next_due == now + BASE
    state = rig.store.get("f")
    assert state.failures == 0
    assert state.last_error is None
    assert state.last_success == now
    assert state.last_attempt == now


def test_state_survives_a_restart(
    http_server: ScriptedServer, make_rig: MakeRig, tmp_path: Path
) -> None:
    http_server.script("/f", Reply(200, {"ETag": '"v7"'}, FEED))
    path = tmp_path / "state" / "feeds.sqlite3"
    first = make_rig([feed(http_server, "f")], store_path=path)
    first.poll_at(T0)
    first.store.put(FeedState("gone", failures=4, disabled=True, disabled_reason="why", ttl_s=60))
    before = first.store.all()
    first.store.close()

    second = make_rig([feed(http_server, "f")], store_path=path)
    assert second.store.all() == before
    restored = second.store.get("gone")
    assert restored.disabled is True
    assert restored.disabled_reason == "why"
    # The schedule holds across the restart, and so do the validators.
    assert second.poll_at(T0 + BASE - 1) == {}
    assert second.poll_at(T0 + BASE)["f"].outcome == "ok"
    assert http_server.requests[-1].headers["if-none-match"] == '"v7"'


def test_unknown_feed_is_due_now(tmp_path: Path) -> None:
    with closing(FeedStateStore(tmp_path / "s.sqlite3")) as store:
        assert store.get("new") == FeedState("new")
        assert store.get("new").next_due == 0.0
        assert store.all() == {}
        assert store.enable("new") is False


def test_invalid_feed_counts_as_a_failure(http_server: ScriptedServer, make_rig: MakeRig) -> None:
    http_server.script("/f", Reply(200, {"ETag": '"broken"'}, b"<rss"))

    def handle(_feed: FeedConfig, _result: FetchResult) -> float | None:
        raise FeedParseError("malformed-feed", "not a feed")

    rig = make_rig([feed(http_server, "f")], handle=handle)
    result = rig.poll_at(T0)["f"]
    assert result.outcome == "error"
    assert result.error_kind == "malformed-feed"
    state = rig.store.get("f")
    assert state.failures == 1
    # Not remembered: the next poll gets the whole document again.
    assert state.etag is None
    assert rig.sample("newswire_ingest_fetch_errors_total", kind="malformed-feed") == 1
    rig.poll_at(result.next_due)
    assert "if-none-match" not in http_server.requests[-1].headers


def test_handler_crash_is_not_held_against_the_feed(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/f", Reply(200, {"ETag": '"v1"'}, FEED))

    def handle(_feed: FeedConfig, _result: FetchResult) -> float | None:
        raise RuntimeError("broker unreachable")

    rig = make_rig([feed(http_server, "f")], handle=handle)
    result = rig.poll_at(T0)["f"]
    assert result.outcome == "error"
    assert result.error_kind == "handler"
    assert result.next_due == T0 + BASE
    state = rig.store.get("f")
    assert state.failures == 0
    assert state.etag is None
    assert state.last_error == "handler: RuntimeError: broker unreachable"


def test_one_feed_failing_does_not_stop_the_others(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/missing", Reply(404))
    http_server.script("/crash", Reply(200, {}, FEED))
    http_server.script("/good", Reply(200, {}, FEED))

    def handle(feed: FeedConfig, _result: FetchResult) -> float | None:
        if feed.id == "crash":
            raise ValueError("bug in the handler")
        return None

    feeds = [
        feed(http_server, "missing"),
        feed(http_server, "crash"),
        FeedConfig(id="metadata", url="http://169.254.169.254/latest/meta-data/"),
        FeedConfig(id="nonsense", url="gopher://example.test/"),
        feed(http_server, "good"),
    ]
    rig = make_rig(feeds, handle=handle)
    results = rig.poll_at(T0)
    assert {k: (r.outcome, r.error_kind) for k, r in results.items()} == {
        "missing": ("error", "http-404"),
        "crash": ("error", "handler"),
        "metadata": ("error", "blocked-address"),
        "nonsense": ("error", "bad-url"),
        "good": ("ok", None),
    }


def test_feeds_disabled_in_the_config_are_not_polled(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/off", Reply(200, {}, FEED))
    rig = make_rig([feed(http_server, "off", enabled=False)])
    assert rig.poll_at(T0) == {}
    assert rig.poller.run_once() == []
    assert http_server.requests == []


def test_feeds_are_polled_in_parallel(http_server: ScriptedServer, make_rig: MakeRig) -> None:
    feeds = [feed(http_server, f"slow{i}") for i in range(4)]
    for item in feeds:
        http_server.script(f"/{item.id}", Reply(200, {}, FEED, delay_s=0.3))
    rig = make_rig(feeds, workers=4)
    started = time.monotonic()
    assert len(rig.poll_at(T0)) == 4
    assert time.monotonic() - started < 0.9  # 1.2 s one after the other
    assert http_server.max_in_flight >= 2


def test_run_once_polls_feeds_that_are_not_due(
    http_server: ScriptedServer, make_rig: MakeRig
) -> None:
    http_server.script("/f", Reply(200, {}, FEED))
    rig = make_rig([feed(http_server, "f")])
    rig.poll_at(T0)
    assert rig.poll_at(T0 + 1) == {}
    assert [r.outcome for r in rig.poller.run_once()] == ["ok"]
    assert len(http_server.requests) == 2


def test_run_polls_until_stopped_and_finishes_in_flight_fetches(
    http_server: ScriptedServer, make_rig: MakeRig, caplog: pytest.LogCaptureFixture
) -> None:
    http_server.script("/f", Reply(200, {}, FEED, delay_s=0.3))
    rig = make_rig([feed(http_server, "f"), feed(http_server, "off")])
    rig.store.put(FeedState("off", disabled=True, disabled_reason="10 consecutive failures"))
    stop = threading.Event()
    with caplog.at_level(logging.WARNING, logger="services.ingest.poller"):
        runner = threading.Thread(target=rig.poller.run, args=(stop,))
        runner.start()
        deadline = time.monotonic() + 5
        while not http_server.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()  # while the fetch is still in flight
        runner.join(timeout=5)
    assert not runner.is_alive()
    assert rig.handled == [("f", 200)]
    assert rig.store.get("f").last_success == T0
    assert [r.path for r in http_server.requests] == ["/f"]
    # A disabled feed is announced, not silently skipped.
    assert any("feed_id=off" in r.getMessage() for r in caplog.records)
