"""Durations as a compact log-scale histogram: buckets 5% wide, so a percentile read back is
within 2.5% of the true one, and a day of any number of runs is a few dozen integers.

A histogram is stored densely as ``[first_bucket, count, count, ...]`` (``[]`` when empty):
neighbouring buckets are what a day of one job fills, and a list of small integers is what
the saved state compresses best."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

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


def add(histogram: list[int], seconds: float) -> None:
    """Count ``seconds`` into the dense ``histogram`` (changed in place)."""
    index = bucket(seconds)
    if not histogram:
        histogram[:] = [index, 1]
        return
    first = histogram[0]
    if index < first:
        histogram[:] = [index, 1, *([0] * (first - index - 1)), *histogram[1:]]
        return
    slot = 1 + index - first
    if slot >= len(histogram):
        histogram.extend([0] * (slot - len(histogram) + 1))
    histogram[slot] += 1


def merge(histograms: Iterable[Sequence[int]]) -> dict[int, int]:
    """The sum of dense ``histograms`` by bucket number."""
    total: dict[int, int] = {}
    for histogram in histograms:
        if not histogram:
            continue
        first = histogram[0]
        for offset, count in enumerate(histogram[1:]):
            if count:
                total[first + offset] = total.get(first + offset, 0) + count
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
