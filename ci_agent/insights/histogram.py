"""Durations as a compact log-scale histogram: buckets 5% wide, so a percentile read back is
within 2.5% of the true one, and a day of any number of runs is a few dozen integers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ["RATIO", "add", "bucket", "merge", "percentile", "value"]

RATIO = 1.05
_LOG = math.log(RATIO)


def bucket(seconds: float) -> int:
    """The bucket of ``seconds``: 0 below one second, else 1 + floor(log_1.05(seconds))."""
    if seconds < 1:
        return 0
    return 1 + math.floor(math.log(seconds) / _LOG)


def value(index: int) -> float:
    """The bucket's representative: the geometric middle of its bounds (0.5 s for bucket 0)."""
    if index <= 0:
        return 0.5
    return math.exp((index - 1 + 0.5) * _LOG)


def add(histogram: dict[str, int], seconds: float) -> None:
    """Count ``seconds`` into ``histogram`` (keys are bucket numbers as text: JSON's keys)."""
    key = str(bucket(seconds))
    histogram[key] = histogram.get(key, 0) + 1


def merge(histograms: Iterable[Mapping[str, int]]) -> dict[int, int]:
    """The sum of ``histograms`` by bucket number."""
    total: dict[int, int] = {}
    for histogram in histograms:
        for key, count in histogram.items():
            total[int(key)] = total.get(int(key), 0) + count
    return total


def percentile(histogram: Mapping[int, int], share: float) -> float | None:
    """The nearest-rank percentile (``share`` 0.5 for p50) read from buckets; None if empty."""
    count = sum(histogram.values())
    if not count:
        return None
    rank = max(1, math.ceil(share * count))
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return value(index)
    return value(max(histogram))
