"""Portico's demo agent: a weather assistant that asks before it uses a tool and remembers the last city.

It needs no API key. By default the chat model is a *scripted model*: a fake chat model that derives each
reply from the conversation alone (so it behaves the same in every process and on every turn) and streams
it token by token like a real one. Set ``PORTICO_DEMO_MODEL`` (for example ``openai:gpt-4o-mini``) to use a
real model through ``langchain.chat_models.init_chat_model`` instead, when ``langchain`` is installed.

Flow: ``agent`` (model) → ``approve`` (``interrupt()``: resume with ``{"approved": true}`` or ``"yes"``)
→ ``tools`` (``get_weather``) → ``agent`` (answers from the tool result) → ``remember`` (store write).
"""

import functools
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

logger = logging.getLogger(__name__)

DEFAULT_CITY = "Paris"
SYSTEM_PROMPT = (
    "You are a weather assistant. Use the get_weather tool to answer questions about the weather, "
    "then answer in one sentence."
)
_CONDITIONS = ("sunny", "cloudy", "rainy", "windy", "foggy", "snowy")


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    # Deterministic (no network, no `hash()`, which is salted per process) so every run agrees.
    seed = sum(ord(ch) for ch in city.lower())
    return f"{_CONDITIONS[seed % len(_CONDITIONS)]}, {8 + seed % 20} °C"


TOOLS = [get_weather]


# ---------------------------------------------------------------------------------------------- scripted model


class ScriptedChatModel(BaseChatModel):
    """Scripted model (no LLM): asks for ``get_weather`` on a question, answers once the tool replied.

    Unlike langchain-core's ``GenericFakeChatModel``, whose replies come from a fixed iterator (state that a
    fresh process would lose), each reply here is a function of the messages, and tool calls survive streaming.
    """

    @property
    def _llm_type(self) -> str:
        return "portico-scripted"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[LanguageModelInput, AIMessage]:
        return self  # the script already knows its one tool

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=scripted_reply(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = scripted_reply(messages)
        for token in re.split(r"(\s)", str(reply.content)):
            if not token:
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if run_manager:
                run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
        for index, call in enumerate(reply.tool_calls):
            # Arguments travel as a JSON string, as from a real provider; the final message parses them.
            args = json.dumps(call["args"])
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    tool_call_chunks=[{"name": call["name"], "args": args, "id": call["id"], "index": index}],
                )
            )
            if run_manager:
                run_manager.on_llm_new_token("", chunk=chunk)
            yield chunk


_CITY_IN_TEXT = re.compile(r"\b(?:in|for|at)\s+([A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)")
_REMEMBERED_CITY = re.compile(r"Remembered city: (.+)")


def scripted_reply(messages: Sequence[BaseMessage]) -> AIMessage:
    """The scripted model's next message for a conversation."""
    last = messages[-1] if messages else None
    if isinstance(last, ToolMessage):
        city = _tool_call_city(messages, last.tool_call_id) or DEFAULT_CITY
        if last.status == "error":
            return AIMessage(content=f"No problem, I did not check the weather in {city}.")
        return AIMessage(content=f"The weather in {city} is {last.content}.")
    city = _requested_city(messages)
    # The id only has to be unique within the thread; the message count is, and needs no random source.
    call_id = f"call_weather_{len(messages)}"
    return AIMessage(
        content=f"Let me check the weather in {city}.",
        tool_calls=[{"name": "get_weather", "args": {"city": city}, "id": call_id, "type": "tool_call"}],
    )


def _requested_city(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            if match := _CITY_IN_TEXT.search(str(message.content)):
                return match.group(1)
            break
    for message in messages:
        if isinstance(message, SystemMessage) and (match := _REMEMBERED_CITY.search(str(message.content))):
            return match.group(1).strip()
    return DEFAULT_CITY


def _tool_call_city(messages: Sequence[BaseMessage], tool_call_id: str) -> str | None:
    for message in reversed(messages):
        for call in getattr(message, "tool_calls", None) or []:
            if call["id"] == tool_call_id:
                return call["args"].get("city")
    return None


@functools.cache
def _chat_model(name: str | None) -> Runnable[LanguageModelInput, BaseMessage]:
    if name:
        try:
            from langchain.chat_models import init_chat_model
        except ImportError:
            logger.warning(
                "PORTICO_DEMO_MODEL=%s needs `pip install langchain`; using the scripted model", name
            )
        else:
            return init_chat_model(name).bind_tools(TOOLS)
    return ScriptedChatModel()


# ---------------------------------------------------------------------------------------------- graph


def _user_id(config: RunnableConfig) -> str:
    configurable = config.get("configurable") or {}
    return str(configurable.get("user_id") or configurable.get("langgraph_auth_user_id") or "demo")


async def agent(
    state: MessagesState, config: RunnableConfig, runtime: Runtime
) -> dict[str, list[AnyMessage]]:
    """Call the chat model, with what the store remembers about the user in the system prompt."""
    prompt = SYSTEM_PROMPT
    if runtime.store is not None:
        memory = await runtime.store.aget(("memories", _user_id(config)), "weather")
        if memory is not None:
            prompt += f"\nRemembered city: {memory.value['city']}"
    # Read per call rather than at import, so the choice follows the environment of the process that runs it.
    model = _chat_model(os.environ.get("PORTICO_DEMO_MODEL"))
    response = await model.ainvoke([SystemMessage(prompt), *state["messages"]], config)
    return {"messages": [response]}


def _route_after_agent(state: MessagesState) -> str:
    last = state["messages"][-1]
    return "approve" if isinstance(last, AIMessage) and last.tool_calls else "remember"


def _approved(answer: Any) -> bool:
    if isinstance(answer, dict):
        return bool(answer.get("approved")) or answer.get("type") in ("accept", "approve")
    if isinstance(answer, str):
        return answer.strip().lower() in ("y", "yes", "ok", "approve", "approved", "true")
    return answer is True


def approve(state: MessagesState) -> Command[str]:
    """Pause the run until a human approves the tool calls (a resume is a new run, possibly in a new process)."""
    calls = state["messages"][-1].tool_calls  # type: ignore[union-attr]
    described = ", ".join(
        f"{c['name']}({', '.join(f'{k}={v!r}' for k, v in c['args'].items())})" for c in calls
    )
    answer = interrupt(
        {
            "question": f"Run {described}? Resume with {{'approved': true}} or 'yes'.",
            "tool_calls": [{"name": c["name"], "args": c["args"], "id": c["id"]} for c in calls],
        }
    )
    if _approved(answer):
        return Command(goto="tools")
    declined = [
        ToolMessage(
            f"The user declined to run {c['name']}.", tool_call_id=c["id"], name=c["name"], status="error"
        )
        for c in calls
    ]
    # Every tool call still gets a ToolMessage: chat model APIs reject a history with an unanswered call.
    return Command(goto="agent", update={"messages": declined})


async def remember(state: MessagesState, config: RunnableConfig, runtime: Runtime) -> dict[str, Any]:
    """Store the last city the user asked about, so a later conversation (any thread) can default to it."""
    city = next(
        (
            call["args"]["city"]
            for message in reversed(state["messages"])
            for call in getattr(message, "tool_calls", None) or []
            if call["name"] == "get_weather"
        ),
        None,
    )
    if city is not None and runtime.store is not None:
        answer = str(state["messages"][-1].content)
        await runtime.store.aput(
            ("memories", _user_id(config)), "weather", {"city": city, "last_answer": answer}
        )
    return {}


builder = StateGraph(MessagesState)
builder.add_node("agent", agent)
builder.add_node("approve", approve, destinations=("tools", "agent"))
builder.add_node("tools", ToolNode(TOOLS))
builder.add_node("remember", remember)
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", _route_after_agent, ["approve", "remember"])
builder.add_edge("tools", "agent")
builder.add_edge("remember", END)

# Compiled without a checkpointer or store: Portico attaches its own to every run.
graph = builder.compile()
