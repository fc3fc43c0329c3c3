"""``tools/call``: run an assistant on the core and answer with its final output.

One call is one or more runs on one thread: the first starts the graph (or resumes it when the caller
passes ``thread_id`` and ``resume``); each time the graph stops at an ``interrupt()`` the caller is asked
through MCP elicitation where the protocol and the client allow it, and the answer resumes the thread with
a new run. Where they do not, the result says the run is waiting, with its thread id.

How the question reaches the client depends on the protocol revision:

* 2025-11-25 (stateful session): an ``elicitation/create`` request on the call's own response stream; the
  call waits for the answer, so the session must stay on this gateway process.
* 2026-07-28 (stateless): an ``InputRequiredResult`` whose ``requestState`` names the thread and the
  interrupts; the client retries the call with the answers, and any gateway process can take the retry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import anyio
import grpc
import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.shared.jsonrpc_dispatcher import progress_token_from_params
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from clients.grpc import PorticoClient
from gateway._runs import cancel_quietly, flatten_interrupts, follow, output_of, start_run
from gateway.mcp.catalog import Catalog, ToolSpec
from gateway.mcp.errors import caller_can_fix, protocol_error, unknown

__all__ = ["META_PREFIX", "ToolCalls", "render"]

logger = logging.getLogger(__name__)

META_PREFIX = "io.portico/"
_STREAM_MODES = ["updates", "custom"]
_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "title": "Answer"}},
    "required": ["answer"],
}
_PRIMITIVES = {"string", "number", "integer", "boolean"}
_STATE_VERSION = 1


def render(value: Any) -> str:
    """The JSON text rendering of a value (never a Python repr)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _question(interrupt: dict[str, Any]) -> str:
    value = interrupt.get("value")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("question", "message", "prompt", "text"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return render(value)


def _answer_form(interrupt: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The elicitation schema for an interrupt, and whether the answer is the one ``answer`` field.

    A graph's ``response_schema`` is used when it is a flat form MCP can render; else one text field.
    """
    schema = interrupt.get("response_schema")
    if (
        isinstance(schema, dict)
        and schema.get("type") == "object"
        and isinstance(schema.get("properties"), dict)
        and schema["properties"]
        and all(
            isinstance(p, dict) and (p.get("type") in _PRIMITIVES or "enum" in p)
            for p in schema["properties"].values()
        )
    ):
        return schema, False
    return _ANSWER_SCHEMA, True


def _resume_value(interrupts: list[dict[str, Any]], answers: dict[str, Any]) -> Any:
    """LangGraph's resume: the value for one interrupt, a map by interrupt id for several."""
    if len(interrupts) == 1:
        return answers[interrupts[0]["id"]]
    return {interrupt["id"]: answers[interrupt["id"]] for interrupt in interrupts}


def _answer(interrupt: dict[str, Any], content: dict[str, Any] | None) -> Any:
    _, single = _answer_form(interrupt)
    content = content or {}
    return content.get("answer") if single else content


def _tool_error(message: str, **meta: Any) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=message)],
        is_error=True,
        _meta={META_PREFIX + k: v for k, v in meta.items()} or None,
    )


class _Progress:
    """The run's events as ``notifications/progress`` for the call's progress token (if it sent one)."""

    def __init__(self, ctx: ServerRequestContext[Any, Any]) -> None:
        self.ctx = ctx
        self.wanted = progress_token_from_params(ctx.params) is not None
        self.count = 0

    async def report(self, message: str) -> None:
        self.count += 1
        await self.ctx.session.report_progress(self.count, None, message)

    async def event(self, event: dict[str, Any]) -> None:
        name = str(event.get("event", "")).split("|", 1)[0]
        data = event.get("data")
        if name == "metadata":
            return
        if name == "updates" and isinstance(data, dict):
            message = ", ".join(f"{node} done" for node in data) or "step done"
        elif name == "custom":
            message = render(data)[:500]
        else:
            message = name
        await self.report(message)


class ToolCalls:
    """Serves ``tools/call`` against the core client returned by ``client()``."""

    def __init__(self, client: Callable[[], PorticoClient], catalog: Catalog) -> None:
        self._client = client
        self._catalog = catalog

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        # The call runs in an asyncio task of its own, which the caller going away cancels: a grpc.aio call
        # cancelled in the SDK's handler task itself ended the whole stateful MCP session with it (mcp 2.3,
        # grpcio 1.85; tests/mcp cancels a call and then goes on using the session).
        call = asyncio.ensure_future(self._call(ctx, params))
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            call.cancel()
            with anyio.CancelScope(shield=True):
                await asyncio.wait([call])  # until the run is cancelled too
            raise

    async def _call(
        self, ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        client = self._client()
        try:
            spec = await self._catalog.find(client, params.name)
        except grpc.aio.AioRpcError as exc:
            raise protocol_error(exc) from exc
        if spec is None:
            raise unknown("tool", params.name)
        try:
            if params.request_state is not None:
                return await self._continue(ctx, client, spec, params)
            return await self._start(ctx, client, spec, dict(params.arguments or {}))
        except grpc.aio.AioRpcError as exc:
            if caller_can_fix(exc):
                return _tool_error(f"{exc.code().name}: {exc.details()}")
            raise protocol_error(exc) from exc

    async def _start(
        self,
        ctx: ServerRequestContext[Any, Any],
        client: PorticoClient,
        spec: ToolSpec,
        arguments: dict[str, Any],
    ) -> types.CallToolResult | types.InputRequiredResult:
        problem = spec.invalid_arguments(arguments)
        if problem is not None:
            return _tool_error(f"Invalid arguments for tool {spec.name}: {problem}")
        thread_id = arguments.get("thread_id")
        if thread_id:
            await client.threads.get(thread_id)  # an unknown thread is the caller's to fix: NOT_FOUND
        else:
            thread = await client.threads.create(metadata={"created_by": "mcp", "tool": spec.name})
            thread_id = thread["thread_id"]
        if "resume" in arguments:
            fields: dict[str, Any] = {"command": {"resume": arguments["resume"]}}
        else:
            fields = {"input": spec.graph_input(arguments)}
        return await self._run(ctx, client, spec, thread_id, fields)

    async def _run(
        self,
        ctx: ServerRequestContext[Any, Any],
        client: PorticoClient,
        spec: ToolSpec,
        thread_id: str,
        fields: dict[str, Any],
    ) -> types.CallToolResult | types.InputRequiredResult:
        progress = _Progress(ctx)
        while True:
            creating = asyncio.ensure_future(
                start_run(
                    client,
                    thread_id=thread_id,
                    assistant_id=spec.assistant_id,
                    stream_mode=_STREAM_MODES,
                    **fields,
                )
            )
            try:
                run = await asyncio.shield(creating)
            except (
                asyncio.CancelledError
            ):  # a run created while the caller went away is cancelled all the same
                with contextlib.suppress(grpc.aio.AioRpcError):
                    await cancel_quietly(client, await creating)
                raise
            result = await self._until_done(client, run, progress)
            interrupts = flatten_interrupts(result.get("interrupts"))
            if (result.get("run") or {}).get("status") != "interrupted" or not interrupts:
                return self._final(spec, run, result)
            asked = await self._ask(ctx, spec, run, result, interrupts)
            if not isinstance(asked, dict):
                return asked
            fields = {"command": {"resume": _resume_value(interrupts, asked)}}
            await progress.report("resuming with the answer")

    async def _until_done(
        self, client: PorticoClient, run: dict[str, Any], progress: _Progress
    ) -> dict[str, Any]:
        """Follow the run (as progress) until it ends; the caller going away cancels it."""
        try:
            if progress.wanted:
                await progress.report(f"run {run['run_id']} started on thread {run['thread_id']}")
                async for event in follow(client, run_id=run["run_id"], thread_id=run["thread_id"]):
                    await progress.event(event)
            return await client.runs.join(run["run_id"], thread_id=run["thread_id"])
        except asyncio.CancelledError:
            await cancel_quietly(client, run)
            raise

    async def _ask(
        self,
        ctx: ServerRequestContext[Any, Any],
        spec: ToolSpec,
        run: dict[str, Any],
        result: dict[str, Any],
        interrupts: list[dict[str, Any]],
    ) -> dict[str, Any] | types.CallToolResult | types.InputRequiredResult:
        """Answers by interrupt id, or the result to return instead (the client cannot be asked)."""
        capabilities = ctx.session.client_capabilities
        can_elicit = capabilities is not None and capabilities.elicitation is not None
        if not can_elicit:
            return self._waiting(spec, run, result)
        if ctx.protocol_version in MODERN_PROTOCOL_VERSIONS:
            state = {
                "v": _STATE_VERSION,
                "thread_id": run["thread_id"],
                "interrupts": [i["id"] for i in interrupts],
            }
            return types.InputRequiredResult(
                input_requests={
                    interrupt["id"]: types.ElicitRequest(
                        params=types.ElicitRequestFormParams(
                            message=_question(interrupt), requested_schema=_answer_form(interrupt)[0]
                        )
                    )
                    for interrupt in interrupts
                },
                request_state=render(state),
            )
        if not ctx.session.can_send_request:
            return self._waiting(spec, run, result)
        answers: dict[str, Any] = {}
        for interrupt in interrupts:
            reply = await ctx.session.elicit_form(
                _question(interrupt), _answer_form(interrupt)[0], related_request_id=ctx.request_id
            )
            if reply.action != "accept":
                return self._waiting(
                    spec, run, result, note=f"The user chose to {reply.action} the question."
                )
            answers[interrupt["id"]] = _answer(interrupt, reply.content)
        return answers

    async def _continue(
        self,
        ctx: ServerRequestContext[Any, Any],
        client: PorticoClient,
        spec: ToolSpec,
        params: types.CallToolRequestParams,
    ) -> types.CallToolResult | types.InputRequiredResult:
        """A 2026-07-28 retry carrying answers to the interrupts an ``InputRequiredResult`` asked about.

        ``requestState`` comes back from the client, so it is trusted for nothing: it only names a thread
        and interrupts, the core authorizes access to the thread, and the thread must still wait on exactly
        those interrupts.
        """
        try:
            state = json.loads(params.request_state or "")
            thread_id = str(state["thread_id"])
            asked = [str(i) for i in state["interrupts"]]
        except (ValueError, KeyError, TypeError):
            return _tool_error("requestState: not one this server issued")
        thread = await client.threads.get(thread_id)
        pending = {i["id"]: i for i in flatten_interrupts(thread.get("interrupts")) if isinstance(i, dict)}
        if thread.get("status") != "interrupted" or set(asked) != set(pending):
            return _tool_error(
                f"thread {thread_id} no longer waits for these answers (it is {thread.get('status')})",
                thread_id=thread_id,
            )
        answers: dict[str, Any] = {}
        responses = params.input_responses or {}
        for interrupt_id in asked:
            reply = responses.get(interrupt_id)
            if not isinstance(reply, types.ElicitResult):
                return _tool_error(f"inputResponses.{interrupt_id}: expected an elicitation result")
            if reply.action != "accept":
                run = {"run_id": "", "thread_id": thread_id}
                values = {"values": thread.get("values"), "interrupts": thread.get("interrupts")}
                return self._waiting(
                    spec, run, values, note=f"The user chose to {reply.action} the question."
                )
            answers[interrupt_id] = _answer(pending[interrupt_id], reply.content)
        interrupts = [pending[i] for i in asked]
        return await self._run(
            ctx, client, spec, thread_id, {"command": {"resume": _resume_value(interrupts, answers)}}
        )

    def _waiting(
        self, spec: ToolSpec, run: dict[str, Any], result: dict[str, Any], *, note: str = ""
    ) -> types.CallToolResult:
        thread_id = run["thread_id"]
        structured = _structured(output_of({**result, "run": {"status": "interrupted"}}))
        questions = "; ".join(_question(i) for i in flatten_interrupts(result.get("interrupts")))
        message = (
            f"The run is waiting for input on thread {thread_id}: {questions}. {note} ".replace("  ", " ")
            + f"Call {spec.name} again with thread_id={render(thread_id)} and resume=<the answer> to continue."
        )
        return types.CallToolResult(
            content=[types.TextContent(text=render(structured)), types.TextContent(text=message)],
            structured_content=structured,
            _meta=_meta(thread_id, run.get("run_id"), "interrupted"),
        )

    def _final(self, spec: ToolSpec, run: dict[str, Any], result: dict[str, Any]) -> types.CallToolResult:
        status = (result.get("run") or {}).get("status")
        meta = _meta(run["thread_id"], run["run_id"], status)
        output = output_of(result)
        if status == "success":
            structured = _structured(output)
            return types.CallToolResult(
                content=[types.TextContent(text=render(structured))],
                structured_content=structured,
                _meta=meta,
            )
        if status in ("error", "timeout"):
            return types.CallToolResult(
                content=[types.TextContent(text=render(output))],
                structured_content=output,
                is_error=True,
                _meta=meta,
            )
        return types.CallToolResult(
            content=[
                types.TextContent(
                    text=f"The run ended {status} before it finished (thread {run['thread_id']})."
                )
            ],
            is_error=True,
            _meta=meta,
        )


def _structured(output: Any) -> dict[str, Any]:
    # structuredContent is a JSON object; a graph whose output is not one is wrapped.
    return output if isinstance(output, dict) else {"result": output}


def _meta(thread_id: str, run_id: str | None, status: str | None) -> dict[str, Any]:
    meta = {META_PREFIX + "thread_id": thread_id, META_PREFIX + "status": status}
    if run_id:
        meta[META_PREFIX + "run_id"] = run_id
    return meta
