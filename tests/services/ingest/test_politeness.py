from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from services.ingest.fetcher import Fetcher
from services.ingest.politeness import HostLimiter
from services.ingest.settings import FetchSettings
from tests.services.ingest.http_fixtures import Reply, ScriptedServer


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def run_in_threads(count: int, target: Callable[[int], object]) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(t.is_alive() for t in threads)


@pytest.fixture
def polite_fetcher() -> Iterator[Callable[[HostLimiter], Fetcher]]:
    made: list[Fetcher] = []

    def make(limiter: HostLimiter) -> Fetcher:
        fetcher = Fetcher(FetchSettings(allow_private=True, read_timeout_s=5.0), limiter)
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


def test_min_delay_between_starts_on_one_host() -> None:
    clock = FakeClock()
    limiter = HostLimiter(2.0, 4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(3):
        with limiter.slot("news.test"):
            starts.append(clock.now)
    assert starts == [0.0, 2.0, 4.0]
    # Host names are case-insensitive; once the delay has passed there is no wait.
    clock.now = 10.0
    with limiter.slot("NEWS.test"):
        assert clock.now == 10.0


def test_hosts_have_their_own_delay() -> None:
    clock = FakeClock()
    limiter = HostLimiter(5.0, 1, clock=clock, sleep=clock.sleep)
    with limiter.slot("a.test"):
        pass
    with limiter.slot("b.test"):
        pass
    assert clock.sleeps == []


def test_idle_hosts_are_forgotten_without_losing_pending_delays() -> None:
    clock = FakeClock()
    limiter = HostLimiter(1.0, 1, clock=clock, sleep=clock.sleep)
    for i in range(1500):
        with limiter.slot(f"h{i}.test"):
            pass
    clock.now = 0.5
    with limiter.slot("h0.test"):  # its delay still runs: remembered
        assert clock.now == 1.0
    clock.now = 10.0
    for i in range(600):
        with limiter.slot(f"n{i}.test"):
            pass
    assert len(limiter._hosts) <= 600  # the h* hosts, idle by now, were dropped
    assert clock.sleeps == [0.5]


def test_concurrency_cap() -> None:
    limiter = HostLimiter(0.0, 2)
    lock = threading.Lock()
    active = peak = 0

    def work(_: int) -> None:
        nonlocal active, peak
        with limiter.slot("news.test"):
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.05)
            with lock:
                active -= 1

    run_in_threads(6, work)
    assert peak == 2


def test_a_busy_host_does_not_block_another() -> None:
    limiter = HostLimiter(0.0, 1)
    release = threading.Event()
    holding = threading.Event()

    def hold(_: int) -> None:
        with limiter.slot("slow.test"):
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold, args=(0,))
    holder.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with limiter.slot("fast.test"):
            pass
        assert time.monotonic() - started < 0.1
    finally:
        release.set()
        holder.join(5)


def test_invalid_limits() -> None:
    with pytest.raises(ValueError, match="min_delay_s"):
        HostLimiter(-1.0, 1)
    with pytest.raises(ValueError, match="max_concurrent"):
        HostLimiter(0.0, 0)


# -- measured on the server ------------------------------------------------------------------


def test_requests_to_one_host_are_spaced(
    http_server: ScriptedServer, polite_fetcher: Callable[[HostLimiter], Fetcher]
) -> None:
    http_server.script("/feed", Reply(200, {}, b"ok"))
    fetcher = polite_fetcher(HostLimiter(0.3, 4))
    run_in_threads(3, lambda _: fetcher.fetch(http_server.url("/feed")))
    arrivals = sorted(r.arrived for r in http_server.requests)
    assert len(arrivals) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    # Small slack: the delay is between request starts, the server sees arrivals.
    assert min(gaps) >= 0.27, gaps


def test_requests_in_flight_to_one_host_are_capped(
    http_server: ScriptedServer, polite_fetcher: Callable[[HostLimiter], Fetcher]
) -> None:
    http_server.script("/slow", Reply(200, {}, b"ok", delay_s=0.2))
    fetcher = polite_fetcher(HostLimiter(0.0, 2))
    run_in_threads(6, lambda _: fetcher.fetch(http_server.url("/slow")))
    assert len(http_server.requests) == 6
    assert http_server.max_in_flight == 2


def test_different_hosts_are_not_serialised(
    http_server: ScriptedServer, polite_fetcher: Callable[[HostLimiter], Fetcher]
) -> None:
    # Both names reach the same loopback server; the limiter keys on the URL's host.
    http_server.script("/slow", Reply(200, {}, b"ok", delay_s=0.3))
    fetcher = polite_fetcher(HostLimiter(1.0, 1))
    hosts = ["127.0.0.1", "localhost"]
    run_in_threads(2, lambda i: fetcher.fetch(http_server.url("/slow", host=hosts[i])))
    first, second = sorted(r.arrived for r in http_server.requests)
    assert second - first < 0.2
    assert http_server.max_in_flight == 2
