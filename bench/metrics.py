"""Percentiles and server CPU / memory samples."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from time import perf_counter
from typing import Any

from bench.server import cpu_seconds, rss_bytes


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the
    values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """n, p50, p90, p99, max and mean, in milliseconds."""

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "n": len(seconds),
        "p50": ms(percentile(seconds, 50)),
        "p90": ms(percentile(seconds, 90)),
        "p99": ms(percentile(seconds, 99)),
        "max": ms(max(seconds) if seconds else None),
        "mean": ms(sum(seconds) / len(seconds) if seconds else None),
    }


@dataclass
class Sample:
    at: float
    cpu: dict[int, float]
    rss: dict[int, int]
    client_cpu: float


class Probe:
    """CPU time and RSS of the server processes (and of this client)."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def sample(self) -> Sample:
        return Sample(
            at=perf_counter(),
            cpu={pid: cpu_seconds(pid) for pid in self.pids},
            rss={pid: rss_bytes(pid) for pid in self.pids},
            client_cpu=cpu_seconds(os.getpid()),
        )


def usage(before: Sample, after: Sample) -> dict[str, Any]:
    """Server CPU between two samples, as % of one core (all processes
    together, and each), and the client's own CPU (to spot a client-bound run)."""
    wall = max(after.at - before.at, 1e-9)
    per = {pid: after.cpu[pid] - before.cpu[pid] for pid in before.cpu}
    total = sum(per.values())
    return {
        "wall_s": round(wall, 3),
        "server_cpu_s": round(total, 3),
        "server_cpu_pct_of_one_core": round(100 * total / wall, 1),
        "server_cpu_pct_per_process": [round(100 * v / wall, 1) for v in per.values()],
        "client_cpu_pct_of_one_core": round(100 * (after.client_cpu - before.client_cpu) / wall, 1),
    }


def rss_mb(sample: Sample) -> list[float]:
    return [round(v / 2**20, 1) for v in sample.rss.values()]


def rss_total(sample: Sample) -> int:
    return sum(sample.rss.values())
