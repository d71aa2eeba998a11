"""Latency summaries: percentiles by the nearest-rank method, throughput, ratios to a floor."""

import math
from dataclasses import asdict, dataclass


@dataclass
class Summary:
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput: float  # requests a second over the whole run, all clients together

    def as_dict(self) -> dict:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(math.ceil(share * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def summarise(latencies_s: list[float], errors: int, wall_s: float) -> Summary:
    values = sorted(latencies_s)
    ms = [v * 1000 for v in values]
    return Summary(
        requests=len(values),
        errors=errors,
        p50_ms=percentile(ms, 0.50),
        p95_ms=percentile(ms, 0.95),
        p99_ms=percentile(ms, 0.99),
        mean_ms=sum(ms) / len(ms) if ms else float("nan"),
        throughput=len(values) / wall_s if wall_s > 0 else float("nan"),
    )


def ratio(app: float, floor: float) -> float:
    return app / floor if floor > 0 else float("nan")
