"""Feed polling: which feeds are due, fetching them in parallel, scheduling the next poll.

Scheduling. After a success the next poll is ``interval`` later, where ``interval`` is the
feed's own ``interval_s`` (or ``poll.default_interval_s``), at least ``poll.min_interval_s``,
and at least what the server or feed asks for (Cache-Control max-age, RSS ``<ttl>``,
Retry-After). Those hints only ever lengthen the interval, and are capped at
``max(poll.max_backoff_s, interval)`` so that one odd header cannot silence a feed for a year.

Failures. A failed poll is retried after an exponential backoff with "equal jitter"::

    ceiling = min(max(max_backoff_s, base), base * 2 ** (failures - 1))
    delay   = ceiling * uniform(0.5, 1.0)

never below ``min_interval_s`` nor the server's Retry-After (capped as above). Half the delay is
guaranteed, so a failing feed is never hammered, and the random half spreads out feeds that
failed together (a host outage). After ``poll.disable_after_failures`` consecutive failures the
feed is disabled: logged at ERROR, counted in ``feeds_disabled``, kept in the store with its
reason until ``FeedStateStore.enable`` (and announced again at every ``run`` start).

Nothing lost. The validators (ETag, Last-Modified) are stored only after ``handle`` succeeded,
so content that could not be parsed or published is fetched in full again next time. A
``handle`` that raises ``InvalidInputError`` makes the poll a failure of the feed (kind =
``exc.reason``); any other exception (Kafka down...) is not held against the feed: it is logged,
counted, and the feed is polled again at its normal interval.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from services.ingest.errors import FetchError, InvalidInputError
from services.ingest.feedlist import FeedConfig
from services.ingest.feedstate import FeedState, FeedStateStore
from services.ingest.fetcher import Fetcher, FetchResult
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from shared.errors import NotAcknowledgedError

log = logging.getLogger(__name__)

PollOutcome = Literal["ok", "not-modified", "error", "disabled"]
Handler = Callable[[FeedConfig, FetchResult], float | None]

_MAX_ERROR_CHARS = 1000


@dataclass(frozen=True, slots=True)
class PollResult:
    feed_id: str
    outcome: PollOutcome
    error_kind: str | None
    next_due: float
    status: int | None = None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _interleave_by_host(feeds: list[FeedConfig]) -> list[FeedConfig]:
    """Round-robin over hosts, so that a host with many feeds (each waiting for its politeness
    slot) does not occupy every worker while other hosts' feeds queue behind it."""
    by_host: dict[str, list[FeedConfig]] = {}
    for feed in feeds:
        by_host.setdefault(_host(feed.url), []).append(feed)
    rounds = itertools.zip_longest(*by_host.values())
    return [feed for batch in rounds for feed in batch if feed is not None]


def _positive(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value > 0 else None


class Poller:
    """Polls the enabled feeds when due; ``handle`` gets every 2xx result (from worker threads,
    so it must be thread-safe) and returns the feed's TTL in seconds, or None."""

    def __init__(
        self,
        settings: IngestSettings,
        feeds: list[FeedConfig],
        fetcher: Fetcher,
        store: FeedStateStore,
        handle: Handler,
        metrics: IngestMetrics,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.feeds = list(feeds)
        self.fetcher = fetcher
        self.store = store
        self.handle = handle
        self.metrics = metrics
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        # Feeds whose state could not be saved: not retried before this time, so that a broken
        # store does not turn into polling every tick.
        self._hold: dict[str, float] = {}

    # -- entry points -----------------------------------------------------------------------

    def poll_due(self) -> list[PollResult]:
        """Poll every feed that is due, in parallel; wait for them and return their results."""
        return self._poll_batch(force=False)

    def run_once(self) -> list[PollResult]:
        """Burst: poll every enabled, not-disabled feed now, due or not."""
        return self._poll_batch(force=True)

    def run(self, stop: threading.Event) -> None:
        """Poll due feeds until ``stop`` is set; fetches in flight then finish, queued ones are
        dropped (they stay due)."""
        self._announce_disabled()
        pool = ThreadPoolExecutor(self.settings.poll.workers, thread_name_prefix="newswire-poll")
        log.info("poller started feeds=%d workers=%d", len(self.feeds), self.settings.poll.workers)
        try:
            while not stop.is_set():
                wait_s = self.settings.poll.tick_s
                try:
                    due, next_due = self._due(force=False)
                    self._submit(pool, due)
                    if next_due is not None:
                        wait_s = min(wait_s, max(0.0, next_due - self.clock()))
                except Exception:  # one bad tick (store error...) must not end polling
                    log.exception("poll tick failed")
                stop.wait(wait_s)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            log.info("poller stopped")

    # -- batch mechanics --------------------------------------------------------------------

    def _poll_batch(self, *, force: bool) -> list[PollResult]:
        due, _ = self._due(force=force)
        if not due:
            return []
        workers = min(self.settings.poll.workers, len(due))
        with ThreadPoolExecutor(workers, thread_name_prefix="newswire-poll") as pool:
            futures = self._submit(pool, due)
            return [future.result() for future in futures]

    def _due(self, *, force: bool) -> tuple[list[FeedConfig], float | None]:
        """Feeds to poll now, and the earliest next_due among the others."""
        states = self.store.all()
        now = self.clock()
        with self._lock:
            busy = set(self._in_flight)
            held = {k: v for k, v in self._hold.items() if v > now}
            self._hold = held
        due: list[FeedConfig] = []
        later: list[float] = []
        for feed in self.feeds:
            state = states.get(feed.id)
            if not feed.enabled or feed.id in busy or (state is not None and state.disabled):
                continue
            when = max(state.next_due if state else 0.0, held.get(feed.id, 0.0))
            if force or when <= now:
                due.append(feed)
            else:
                later.append(when)
        return _interleave_by_host(due), min(later, default=None)

    def _submit(
        self, pool: ThreadPoolExecutor, feeds: list[FeedConfig]
    ) -> list[Future[PollResult]]:
        futures = []
        for feed in feeds:
            with self._lock:
                self._in_flight.add(feed.id)
            future = pool.submit(self._poll_one, feed)
            # A callback rather than a finally: it also runs for futures cancelled at shutdown.
            future.add_done_callback(functools.partial(self._release, feed.id))
            futures.append(future)
        return futures

    def _release(self, feed_id: str, _future: Future[PollResult]) -> None:
        with self._lock:
            self._in_flight.discard(feed_id)

    def _announce_disabled(self) -> None:
        wanted = {feed.id for feed in self.feeds if feed.enabled}
        for state in self.store.all().values():
            if state.disabled and state.feed_id in wanted:
                log.warning(
                    "feed disabled, not polled feed_id=%s reason=%s",
                    state.feed_id,
                    state.disabled_reason,
                )

    # -- one feed ---------------------------------------------------------------------------

    def _poll_one(self, feed: FeedConfig) -> PollResult:
        try:
            return self._poll(feed)
        except Exception:  # a bug or a broken store: report it, keep the other feeds going
            log.exception("feed poll crashed feed_id=%s", feed.id)
            self.metrics.fetch_errors.labels(kind="internal").inc()
            retry_at = self.clock() + self._base_interval(feed)
            with self._lock:
                self._hold[feed.id] = retry_at
            return PollResult(feed.id, "error", "internal", retry_at)

    def _poll(self, feed: FeedConfig) -> PollResult:
        state = self.store.get(feed.id)
        now = self.clock()
        state.last_attempt = now
        started = time.perf_counter()
        try:
            # Seconds spent by a worker, politeness waits included.
            with self.metrics.fetch_seconds.time():
                result = self.fetcher.fetch(
                    feed.url, etag=state.etag, last_modified=state.last_modified
                )
        except FetchError as exc:
            return self._failed(
                feed,
                state,
                now,
                exc.kind,
                str(exc),
                status=exc.status,
                retry_after=exc.retry_after_s,
            )
        self.metrics.fetches.labels(status=str(result.status)).inc()
        state.last_status = result.status
        if result.status == 304:
            outcome: PollOutcome = "not-modified"
        else:
            try:
                state.ttl_s = _positive(self.handle(feed, result))
            except InvalidInputError as exc:
                return self._failed(feed, state, now, exc.reason, str(exc), status=result.status)
            except Exception as exc:
                return self._handler_failed(feed, state, now, exc)
            outcome = "ok"
        state.etag = result.etag
        state.last_modified = result.last_modified
        state.failures = 0
        state.last_error = None
        state.last_success = now
        state.next_due = now + self._interval(feed, result.max_age_s, state.ttl_s)
        self.store.put(state)
        log.log(
            logging.INFO if outcome == "ok" else logging.DEBUG,
            "feed polled feed_id=%s outcome=%s status=%d bytes=%d seconds=%.3f next_in_s=%.0f",
            feed.id,
            outcome,
            result.status,
            len(result.content),
            time.perf_counter() - started,
            state.next_due - now,
        )
        return PollResult(feed.id, outcome, None, state.next_due, result.status)

    def _failed(
        self,
        feed: FeedConfig,
        state: FeedState,
        now: float,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> PollResult:
        self.metrics.fetch_errors.labels(kind=kind).inc()
        state.failures += 1
        state.last_status = status
        state.last_error = f"{kind}: {message}"[:_MAX_ERROR_CHARS]
        delay = self._backoff(feed, state.failures, retry_after)
        state.next_due = now + delay
        outcome: PollOutcome = "error"
        if state.failures >= self.settings.poll.disable_after_failures:
            outcome = "disabled"
            state.disabled = True
            state.disabled_reason = (
                f"{state.failures} consecutive failures; last: {state.last_error}"
            )
        self.store.put(state)
        if state.disabled:
            self.metrics.feeds_disabled.inc()
            log.error(
                "feed disabled feed_id=%s url=%s failures=%d reason=%s",
                feed.id,
                feed.url,
                state.failures,
                state.disabled_reason,
            )
        else:
            log.warning(
                "feed poll failed feed_id=%s kind=%s failures=%d retry_in_s=%.0f error=%s",
                feed.id,
                kind,
                state.failures,
                delay,
                message,
            )
        return PollResult(feed.id, outcome, kind, state.next_due, status)

    def _handler_failed(
        self, feed: FeedConfig, state: FeedState, now: float, exc: Exception
    ) -> PollResult:
        kind = "publish" if isinstance(exc, NotAcknowledgedError) else "handler"
        self.metrics.fetch_errors.labels(kind=kind).inc()
        log.error("feed handler failed feed_id=%s kind=%s", feed.id, kind, exc_info=exc)
        # Validators left as they were: the next poll fetches this content again in full.
        state.last_error = f"{kind}: {type(exc).__name__}: {exc}"[:_MAX_ERROR_CHARS]
        state.next_due = now + self._interval(feed)
        self.store.put(state)
        return PollResult(feed.id, "error", kind, state.next_due, state.last_status)

    # -- scheduling -------------------------------------------------------------------------

    def _base_interval(self, feed: FeedConfig) -> float:
        poll = self.settings.poll
        return max(feed.interval_s or poll.default_interval_s, poll.min_interval_s)

    def _cap(self, base: float) -> float:
        return max(self.settings.poll.max_backoff_s, base)

    def _interval(self, feed: FeedConfig, *hints: float | None) -> float:
        base = self._base_interval(feed)
        bounds = [min(h, self._cap(base)) for h in map(_positive, hints) if h is not None]
        return max([base, *bounds])

    def _backoff(self, feed: FeedConfig, failures: int, retry_after: float | None) -> float:
        base = self._base_interval(feed)
        # The exponent is bounded so that a large failure count cannot overflow a float.
        ceiling = min(self._cap(base), base * 2.0 ** min(failures - 1, 64))
        delay = ceiling * self.rng.uniform(0.5, 1.0)
        floor = min(_positive(retry_after) or 0.0, self._cap(base))
        return max(delay, floor, self.settings.poll.min_interval_s)
