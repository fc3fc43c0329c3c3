"""A run's webhook deliveries (a Portico extension of the Agent Protocol): every attempt, its status code and
error, so an operator can see why a receiver did not hear about a run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from gateway.rest._json import JSONResponse
from gateway.rest._routing import ApiRequest, Router

__all__ = ["router"]

router = Router("Webhooks")


class DeliveryAttempt(BaseModel):
    attempt: int
    started_at: str
    status_code: int | None = None
    error: str | None = None
    duration_seconds: float | None = None


class Delivery(BaseModel):
    model_config = ConfigDict(extra="allow")
    delivery_id: str
    run_id: str | None = None
    url: str
    status: str
    attempts: int
    next_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    history: list[DeliveryAttempt]


def _out(delivery: dict[str, Any]) -> dict[str, Any]:
    history = [
        {**h, "status_code": h.get("status_code") or None, "error": h.get("error") or None}
        for h in delivery.get("history") or []
    ]
    return {
        "delivery_id": delivery["delivery_id"],
        "run_id": delivery.get("run_id") or None,
        "thread_id": delivery.get("thread_id") or None,
        "kind": delivery.get("kind"),
        "url": delivery["url"],
        "status": delivery["status"],
        "attempts": delivery["attempts"],
        "next_attempt_at": delivery.get("next_attempt_at") if delivery["status"] == "pending" else None,
        "last_status_code": delivery.get("last_status_code") or None,
        "last_error": delivery.get("last_error") or None,
        "created_at": delivery.get("created_at"),
        "updated_at": delivery.get("updated_at"),
        "history": history,
    }


@router.route("GET", "/threads/{thread_id}/runs/{run_id}/webhooks", response=list[Delivery], errors=(404,))
async def run_deliveries(req: ApiRequest) -> Response:
    """The run's webhook deliveries with every attempt (Portico extension)."""
    run = await req.client.runs.get(
        req.path["run_id"], thread_id=req.path["thread_id"]
    )  # 404 for a stranger's run
    deliveries = await req.client.webhooks.list(run_id=run["run_id"])
    return JSONResponse([_out(d) for d in deliveries if d.get("kind") == "webhook"])
