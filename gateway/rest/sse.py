"""Long-lived responses: Server-Sent Events and JSON that is kept alive while a run finishes.

Both are plain ASGI apps that watch for the client going away (``http.disconnect``) while they write, so a
stream created with ``on_disconnect="cancel"`` can stop its run the moment its caller leaves, and both send
keep-alive bytes on idle connections so proxies do not close them: SSE ``: heartbeat`` comments, and
newlines before a JSON body (JSON parsers skip leading whitespace; ``langgraph-sdk`` relies on this too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from starlette.types import Receive, Scope, Send

from gateway.metrics import ACTIVE_STREAMS
from protos import codec

__all__ = ["EventStream", "KeptAliveJSON", "encode_event", "HEARTBEAT"]

logger = logging.getLogger(__name__)

HEARTBEAT = b": heartbeat\n\n"
OnDisconnect = Callable[[], Awaitable[None]] | None


def encode_event(event: str, data: Any, event_id: str | None = None) -> bytes:
    """One SSE message: ``event:``, ``data:`` (one line of JSON) and, when given, ``id:``."""
    head = f"event: {event}\n".encode()
    tail = f"id: {event_id}\n\n".encode() if event_id is not None else b"\n"
    return head + b"data: " + codec.dumps(data) + b"\n" + tail


def _headers(content_type: bytes, extra: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-type", content_type),
        (b"cache-control", b"no-store"),
        (b"x-accel-buffering", b"no"),
    ]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()]
    return headers


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class _Writer:
    """Serializes writes to ``send`` and remembers when the last one happened (for heartbeats)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._lock = asyncio.Lock()
        self.last_write = asyncio.get_running_loop().time()

    async def write(self, body: bytes, *, more: bool = True) -> None:
        async with self._lock:
            await self._send({"type": "http.response.body", "body": body, "more_body": more})
            self.last_write = asyncio.get_running_loop().time()

    async def keep_alive(self, interval: float, payload: bytes) -> None:
        loop = asyncio.get_running_loop()
        while True:
            idle = loop.time() - self.last_write
            if idle >= interval:
                await self.write(payload)
                continue
            await asyncio.sleep(interval - idle)


async def _run_until_disconnect(
    work: Awaitable[None],
    receive: Receive,
    writer: _Writer,
    keep_alive: bytes,
    interval: float,
    on_disconnect: OnDisconnect,
) -> bool:
    """Run ``work`` with heartbeats until it ends (True) or the client leaves (False, after ``on_disconnect``)."""
    work_task = asyncio.ensure_future(work)
    watch_task = asyncio.ensure_future(_until_disconnect(receive))
    beat_task = asyncio.ensure_future(writer.keep_alive(interval, keep_alive)) if interval > 0 else None
    try:
        await asyncio.wait({work_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (beat_task, watch_task):
            if task is not None:
                task.cancel()
        if not work_task.done():
            work_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work_task
    gone = watch_task.done() and not watch_task.cancelled()
    if gone and not work_task.cancelled() and work_task.exception() is None:
        gone = False  # the work finished in the same turn the client left: treat it as finished
    if gone and on_disconnect is not None:
        await on_disconnect()
    return not gone


class EventStream:
    """A ``text/event-stream`` response from an async iterator of encoded SSE messages."""

    def __init__(
        self,
        messages: AsyncIterator[bytes],
        *,
        heartbeat_seconds: float,
        headers: Mapping[str, str] | None = None,
        on_disconnect: OnDisconnect = None,
    ) -> None:
        self.messages = messages
        self.heartbeat_seconds = heartbeat_seconds
        self.headers = dict(headers or {})
        self.on_disconnect = on_disconnect

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(b"text/event-stream; charset=utf-8", self.headers)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        writer = _Writer(send)

        async def pump() -> None:
            try:
                async for message in self.messages:
                    await writer.write(message)
            finally:
                await _aclose(self.messages)

        active = ACTIVE_STREAMS.labels(protocol="rest")
        active.inc()
        try:
            finished = await _run_until_disconnect(
                pump(), receive, writer, HEARTBEAT, self.heartbeat_seconds, self.on_disconnect
            )
        finally:
            active.dec()
        if finished:
            with contextlib.suppress(OSError):
                await writer.write(b"", more=False)


class KeptAliveJSON:
    """A JSON response whose body is computed while the connection stays open: newlines until it is ready."""

    def __init__(
        self,
        compute: Callable[[], Awaitable[Any]],
        *,
        heartbeat_seconds: float,
        headers: Mapping[str, str] | None = None,
        on_disconnect: OnDisconnect = None,
        on_error: Callable[[BaseException], Any] | None = None,
    ) -> None:
        self.compute = compute
        self.heartbeat_seconds = heartbeat_seconds
        self.headers = dict(headers or {})
        self.on_disconnect = on_disconnect
        self.on_error = on_error
        """Turns a failure of ``compute`` into the body to send; it may re-raise to cut the response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(b"application/json", self.headers)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        writer = _Writer(send)

        async def produce() -> None:
            try:
                body = codec.dumps(await self.compute())
            except Exception as exc:  # noqa: BLE001 - the status line is sent; the error goes in the body
                if self.on_error is None:
                    raise
                logger.warning("waiting for a run failed: %s", exc)
                body = codec.dumps(self.on_error(exc))
            await writer.write(body, more=False)

        await _run_until_disconnect(
            produce(), receive, writer, b"\n", self.heartbeat_seconds, self.on_disconnect
        )


async def _aclose(iterator: AsyncIterator[Any]) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()
