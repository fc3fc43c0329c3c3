"""``portico.v1.Metrics``: the core's Prometheus metrics as text, for a gateway's ``/metrics``."""

from __future__ import annotations

import logging
from typing import Any

from core.runtime import CoreRuntime
from protos import codec
from protos.portico.v1 import metrics_pb2, metrics_pb2_grpc

__all__ = ["MetricsService"]

log = logging.getLogger(__name__)


class MetricsService(metrics_pb2_grpc.MetricsServicer):
    def __init__(self, runtime: CoreRuntime) -> None:
        self.rt = runtime

    async def Scrape(self, request: metrics_pb2.ScrapeMetricsRequest, context: Any) -> Any:
        try:
            self.rt.metrics.queue_depth.set(await self.rt.storage.runs.count_pending())
        except Exception:  # noqa: BLE001 - the database is away: the other metrics still answer
            log.warning("could not read the queue depth for metrics", exc_info=True)
        return codec.to_message(metrics_pb2.ScrapeMetricsResponse, {"text": self.rt.metrics.render()})
