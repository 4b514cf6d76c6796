"""A partition's log-end offset over time, from the samples the monitor takes at each refresh.

Two questions are answered from it by linear interpolation between neighbouring samples:

- ``log_end_at(t)``: the log-end offset at a past time (the lag a commit had when it was made);
- ``appended_at(offset)``: when the record at ``offset`` was appended, i.e. when the log end
  passed ``offset + 1``. This is the fallback for lag in seconds when that record can no longer be
  read (the same interpolation kafka-lag-exporter uses for its time lag). Before the first sample
  it extrapolates at the average rate over the samples; with fewer than two distinct log ends it
  cannot tell and returns None.

Samples are kept for ``window_s`` (at least the last two, so a quiet partition keeps a rate).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

MAX_SAMPLES = 2_000


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    log_end: int


class Timeline:
    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._samples: deque[Sample] = deque(maxlen=MAX_SAMPLES)

    def __len__(self) -> int:
        return len(self._samples)

    @property
    def first_at(self) -> float | None:
        return self._samples[0].at if self._samples else None

    def add(self, at: float, log_end: int) -> None:
        samples = self._samples
        if samples and (log_end < samples[-1].log_end or at < samples[-1].at):
            # The log shrank (topic re-created, unclean election) or the clock went back: the old
            # samples describe another history.
            samples.clear()
        if len(samples) >= 2 and samples[-1].log_end == samples[-2].log_end == log_end:
            samples.pop()  # a flat run only needs its two ends: the later one moves forward
        samples.append(Sample(at, log_end))
        while len(samples) > 2 and samples[1].at < at - self.window_s:
            samples.popleft()

    def log_end_at(self, at: float) -> float | None:
        """The log-end offset at time ``at``; None before the first sample."""
        samples = self._samples
        if not samples or at < samples[0].at:
            return None
        previous = samples[0]
        for sample in samples:
            if sample.at >= at:
                if sample.at == previous.at:
                    return float(sample.log_end)
                share = (at - previous.at) / (sample.at - previous.at)
                return previous.log_end + share * (sample.log_end - previous.log_end)
            previous = sample
        return float(samples[-1].log_end)

    def appended_at(self, offset: int) -> float | None:
        """When the record at ``offset`` was appended; None when the samples cannot tell."""
        samples = self._samples
        target = offset + 1
        previous: Sample | None = None
        for sample in samples:
            if sample.log_end >= target:
                if previous is None:
                    return self._extrapolate(target)
                share = (target - previous.log_end) / (sample.log_end - previous.log_end)
                return previous.at + share * (sample.at - previous.at)
            previous = sample
        return None

    def _extrapolate(self, target: int) -> float | None:
        first, last = self._samples[0], self._samples[-1]
        if last.log_end == first.log_end or last.at == first.at:
            return None
        rate = (last.log_end - first.log_end) / (last.at - first.at)
        return first.at - (first.log_end - target) / rate
