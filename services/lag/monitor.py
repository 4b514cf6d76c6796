"""The lag monitor: each ``refresh()`` reads the cluster once and returns a ``LagReport``.

Between refreshes it keeps, in memory, what a single read cannot give: each partition's log-end
offsets over time (``timeline``) and each group partition's recent commits (``rules``).

Per group and partition, a refresh gives:

- committed offset, log-end offset and lag in messages, as ``kafka-consumer-groups --describe``;
- lag in seconds, the age of the oldest message not yet consumed: the timestamp of the record at
  the committed offset (``exact``); when that record is gone (retention, compaction, committed
  offset below the log start) the time the log end passed that offset, interpolated over the
  log-end samples (``interpolated``); otherwise unknown (``none``). No lag is 0 s, exact;
- a status from Burrow's rules over the commits of the last ``window_s``, read from
  ``__consumer_offsets`` (or, where that cannot be read, from changes of the polled committed
  offset, which cannot show STALL).

The lag a commit had when it was made is the log end interpolated at its time, minus its offset;
for a commit older than the first sample it is unknown, except that a commit made before the
oldest unconsumed record existed had none.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from kafka import TopicPartition

from services.lag import offsets
from services.lag.clients import Clients, open_clients
from services.lag.commitlog import CommitLog, CommitRecord
from services.lag.errors import CommitLogUnavailableError
from services.lag.models import GroupLag, LagReport, LagSecondsSource, MaxLag, PartitionLag
from services.lag.rules import Commit, Evidence, Status, evaluate, worst
from services.lag.settings import LagSettings
from services.lag.timeline import Timeline
from services.lag.timestamps import RecordAt, RecordTimestamps

log = logging.getLogger(__name__)

MAX_COMMITS = 10_000  # per group partition: bounds memory for consumers committing very often


@dataclass(slots=True)
class _Window:
    commits: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=MAX_COMMITS))
    last_committed: int | None = None
    lagging_since: float | None = None


@dataclass(slots=True)
class _Session:
    clients: Clients
    timestamps: RecordTimestamps


class Monitor:
    def __init__(self, settings: LagSettings) -> None:
        self.settings = settings
        self._session: _Session | None = None
        self._commit_log: CommitLog | None = None
        self._timelines: dict[TopicPartition, Timeline] = {}
        self._windows: dict[tuple[str, TopicPartition], _Window] = {}
        self._first_seen: dict[str, float] = {}

    def __enter__(self) -> Monitor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._session is not None:
            self._session.clients.close()
            self._session = None
            self._commit_log = None

    def _open(self) -> _Session:
        """Clients are opened by the first refresh (and again after ``close``)."""
        if self._session is None:
            clients = open_clients(self.settings)
            timestamps = RecordTimestamps(clients.reader, self.settings.fetch_timeout_s)
            if clients.commits is not None:
                self._commit_log = CommitLog(
                    clients.commits, self.settings.window_s, self.settings.fetch_timeout_s
                )
            self._session = _Session(clients, timestamps)
        return self._session

    def groups(self) -> list[str]:
        """The groups a refresh covers (see ``LagSettings``)."""
        if self.settings.all_groups:
            return offsets.list_consumer_groups(self._open().clients.admin)
        return list(dict.fromkeys(self.settings.groups or self.settings.default_groups))

    def refresh(self) -> LagReport:
        started = time.perf_counter()
        session = self._open()
        groups = self.groups()
        now = time.time()
        snapshot = offsets.read(session.clients.admin, session.clients.reader, groups)
        for tp, end in snapshot.log_end.items():
            self._timelines.setdefault(tp, Timeline(self.settings.window_s)).add(now, end)
        for group in groups:
            self._first_seen.setdefault(group, now)
        self._record_commits(groups, snapshot, now)
        records = self._records(session, snapshot)
        report = [self._group(g, snapshot, records, now) for g in snapshot.groups]
        self._forget(snapshot)
        return LagReport(
            at=datetime.fromtimestamp(now, UTC),
            refresh_seconds=round(time.perf_counter() - started, 6),
            groups=report,
        )

    # -- commits --------------------------------------------------------------------------

    def _window(self, group: str, tp: TopicPartition) -> _Window:
        return self._windows.setdefault((group, tp), _Window())

    def _record_commits(self, groups: list[str], snapshot: offsets.Snapshot, now: float) -> None:
        logged: list[CommitRecord] | None = None
        if self._commit_log is not None:
            try:
                logged = self._commit_log.read(groups, now)
            except CommitLogUnavailableError as exc:
                log.warning("statuses from polled offsets, STALL cannot be told error=%s", exc)
                self._commit_log = None
        for record in logged or []:
            if record.offset is not None:
                tp = TopicPartition(record.topic, record.partition)
                self._window(record.group, tp).commits.append((record.at, record.offset))
        for group in snapshot.groups:
            for tp, offset in group.committed.items():
                window = self._window(group.group, tp)
                if logged is None and window.last_committed not in (None, offset):
                    window.commits.append((now, offset))  # a change seen by polling
                window.last_committed = offset
        for window in self._windows.values():
            while window.commits and window.commits[0][0] < now - self.settings.window_s:
                window.commits.popleft()

    def _covered_since(self, group: str) -> float:
        if self._commit_log is not None:
            since = self._commit_log.covered_since(group)
            if since is not None:
                return since
        return self._first_seen[group]

    def _forget(self, snapshot: offsets.Snapshot) -> None:
        current = {(g.group, tp) for g in snapshot.groups for tp in g.partitions}
        for key in [k for k, w in self._windows.items() if k not in current and not w.commits]:
            del self._windows[key]
        for tp in [tp for tp in self._timelines if tp not in snapshot.log_end]:
            del self._timelines[tp]

    # -- lag in seconds -------------------------------------------------------------------

    def _records(
        self, session: _Session, snapshot: offsets.Snapshot
    ) -> dict[tuple[TopicPartition, int], RecordAt | None]:
        lagging = {
            (tp, offset)
            for g in snapshot.groups
            for tp, offset in g.committed.items()
            if tp in snapshot.log_end and offset < snapshot.log_end[tp]
        }
        starts = offsets.log_starts(session.clients.reader, {tp for tp, _ in lagging})
        # Below the log start the record is gone: fetching would only wait for nothing.
        retained = [(tp, offset) for tp, offset in lagging if offset >= starts.get(tp, 0)]
        return session.timestamps.lookup(retained)

    def _lag_seconds(
        self, tp: TopicPartition, committed: int, lag: int, record: RecordAt | None, now: float
    ) -> tuple[float | None, LagSecondsSource]:
        if lag == 0:
            return 0.0, "exact"
        if record is not None and record.offset == committed and record.timestamp_ms >= 0:
            return round(max(0.0, now - record.timestamp_ms / 1000), 3), "exact"
        appended = self._timelines[tp].appended_at(committed)
        if appended is not None:
            return round(max(0.0, now - appended), 3), "interpolated"
        return None, "none"

    # -- report ---------------------------------------------------------------------------

    def _partition(
        self,
        group: offsets.GroupOffsets,
        tp: TopicPartition,
        snapshot: offsets.Snapshot,
        records: dict[tuple[TopicPartition, int], RecordAt | None],
        now: float,
    ) -> PartitionLag:
        committed = group.committed.get(tp)
        end = snapshot.log_end.get(tp)
        owner = group.owners.get(tp)
        where = {
            "topic": tp.topic,
            "partition": tp.partition,
            "committed_offset": committed,
            "log_end_offset": end,
            "consumer_id": owner.member_id if owner else None,
            "client_host": owner.client_host if owner else None,
        }
        if end is None:
            return PartitionLag(**where, status_reason="partition not found on the cluster")
        if committed is None:
            return PartitionLag(**where, status_reason="no committed offset")
        window = self._window(group.group, tp)
        lag = max(0, end - committed)
        seconds, source = self._lag_seconds(tp, committed, lag, records.get((tp, committed)), now)
        window.lagging_since = (window.lagging_since or now) if lag > 0 else None
        waiting_since = now - seconds if seconds is not None and lag > 0 else None
        commits = [
            Commit(at, offset, self._commit_lag(tp, at, offset, committed, waiting_since))
            for at, offset in window.commits
        ]
        # How long messages have waited: their age when known, else since this monitor saw lag.
        watched = now - window.lagging_since if window.lagging_since is not None else None
        lagging_for = max((x for x in (seconds, watched) if x is not None), default=None)
        verdict = evaluate(
            Evidence(
                commits=commits,
                lag=lag,
                lagging_for_s=lagging_for,
                observed_for_s=now - self._covered_since(group.group),
            ),
            window_s=self.settings.window_s,
            min_samples=self.settings.min_samples,
        )
        reason = "committed offset beyond the log end" if committed > end else verdict.reason
        return PartitionLag(
            **where,
            lag=lag,
            lag_seconds=seconds,
            lag_seconds_source=source,
            status=verdict.status,
            status_reason=reason,
            status_complete=verdict.complete,
            commits_in_window=len(commits),
        )

    def _commit_lag(
        self,
        tp: TopicPartition,
        at: float,
        offset: int,
        committed: int,
        waiting_since: float | None,
    ) -> int | None:
        if waiting_since is not None and offset >= committed and at < waiting_since:
            return 0  # the oldest record still unconsumed did not exist yet: nothing waited
        log_end = self._timelines[tp].log_end_at(at)
        return None if log_end is None else max(0, int(log_end) - offset)

    def _group(
        self,
        group: offsets.GroupOffsets,
        snapshot: offsets.Snapshot,
        records: dict[tuple[TopicPartition, int], RecordAt | None],
        now: float,
    ) -> GroupLag:
        partitions = [self._partition(group, tp, snapshot, records, now) for tp in group.partitions]
        status = worst(p.status for p in partitions)
        lagging = [p for p in partitions if p.lag]
        top = max(lagging, key=lambda p: p.lag or 0, default=None)
        ages = [p.lag_seconds for p in partitions if p.lag_seconds is not None]
        if not partitions:
            reason = "no committed offset and no member"
        elif status is Status.OK:
            reason = "every partition OK"
        else:
            first = next(p for p in partitions if p.status is status)
            reason = f"{first.topic}[{first.partition}]: {first.status_reason}"
        return GroupLag(
            group=group.group,
            state=group.state,
            status=status,
            status_reason=reason,
            total_lag=sum(p.lag or 0 for p in lagging),
            max_lag=MaxLag(topic=top.topic, partition=top.partition, lag=top.lag or 0)
            if top is not None
            else None,
            max_lag_seconds=max(ages, default=None),
            partitions=partitions,
        )
