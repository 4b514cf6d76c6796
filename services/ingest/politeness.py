"""Per-host politeness: a minimum gap between request starts and a cap on parallel requests.

The limit is per host, whatever the number of feeds that host serves, and hosts are independent:
waiting for one host never holds anything another host needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Past this many remembered hosts, idle ones are forgotten (their delay has already elapsed, so
# forgetting them changes nothing).
_PRUNE_FROM = 1024


@dataclass
class _Host:
    cond: threading.Condition
    in_flight: int = 0
    waiting: int = 0
    # Start time reserved by the latest request; the next one may start min_delay_s after it.
    last_start: float = field(default=float("-inf"))


class HostLimiter:
    """Thread-safe gate: ``with limiter.slot(host): ...`` around each request to ``host``.

    A slot is granted once (a) fewer than ``max_concurrent`` requests to that host are in flight
    and (b) ``min_delay_s`` has passed since the previous request to that host started. Start
    times are reserved under the lock and slept off outside it, so concurrent callers queue up
    ``min_delay_s`` apart without holding the lock while they wait.
    """

    def __init__(
        self,
        min_delay_s: float,
        max_concurrent: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_delay_s < 0:
            raise ValueError("min_delay_s must be >= 0")
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be >= 1")
        self.min_delay_s = min_delay_s
        self.max_concurrent = max_concurrent
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._hosts: dict[str, _Host] = {}
        self._prune_at = _PRUNE_FROM

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        key = host.lower()
        with self._lock:
            state = self._hosts.get(key)
            if state is None:
                self._prune()
                state = self._hosts[key] = _Host(threading.Condition(self._lock))
            state.waiting += 1
            try:
                while state.in_flight >= self.max_concurrent:
                    state.cond.wait()
            finally:
                state.waiting -= 1
            state.in_flight += 1
            now = self._clock()
            start = max(now, state.last_start + self.min_delay_s)
            state.last_start = start
        try:
            if start > now:
                self._sleep(start - now)
            yield
        finally:
            with self._lock:
                state.in_flight -= 1
                state.cond.notify()

    def _prune(self) -> None:
        # Called with the lock held. The threshold doubles with what is left, so that a burst of
        # new hosts costs amortised constant time rather than a scan per host.
        if len(self._hosts) < self._prune_at:
            return
        now = self._clock()
        idle = [
            key
            for key, s in self._hosts.items()
            if not s.in_flight and not s.waiting and s.last_start + self.min_delay_s <= now
        ]
        for key in idle:
            del self._hosts[key]
        self._prune_at = max(_PRUNE_FROM, 2 * len(self._hosts))
