"""A real Prometheus exporter (prometheus_client's own server) with a Dynamo frontend's metric names.

Run as a script: it prints its port, then serves requests that keep coming at a steady pace.
"""

from __future__ import annotations

import sys
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server


def main() -> None:
    registry = CollectorRegistry()
    requests = Counter("dynamo_frontend_requests", "Total requests", ["model", "status"], registry=registry)
    inflight = Gauge("dynamo_frontend_inflight_requests", "Inflight requests", ["model"], registry=registry)
    ttft = Histogram(
        "dynamo_frontend_time_to_first_token_seconds",
        "Time to first token",
        ["model"],
        buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        registry=registry,
    )
    server, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
    print(server.server_port, flush=True)
    inflight.labels("tiny").set(34)
    while True:
        for _ in range(10):
            requests.labels("tiny", "success").inc()
            ttft.labels("tiny").observe(0.2)
        requests.labels("tiny", "error").inc()
        ttft.labels("tiny").observe(3.0)
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
