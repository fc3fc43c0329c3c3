"""Graphs that use the user's token: they call a (mocked) API with it and return what it answered —
never the token itself."""

from __future__ import annotations

import hashlib
from typing import Any, TypedDict

import httpx
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from portico.agent_auth import get_token

API = "https://api.octo.test/user"


class State(TypedDict, total=False):
    login: str
    token_digest: str
    answer: Any


async def _whoami() -> dict[str, Any]:
    token = await get_token("octo")
    async with httpx.AsyncClient() as client:
        response = await client.get(API, headers={"Authorization": f"Bearer {token}"})
    response.raise_for_status()
    return {
        "login": response.json()["login"],
        "token_digest": hashlib.sha256(token.encode()).hexdigest()[:16],
    }


async def whoami(state: State) -> State:
    return await _whoami()  # type: ignore[return-value]


async def whoami_then_approve(state: State) -> State:
    found = await _whoami()
    answer = interrupt({"question": "post as " + found["login"] + "?"})
    return {**found, "answer": answer}  # type: ignore[typeddict-item]


profile = (
    StateGraph(State).add_node("whoami", whoami).add_edge(START, "whoami").add_edge("whoami", END).compile()
)
approve = (
    StateGraph(State)
    .add_node("whoami", whoami_then_approve)
    .add_edge(START, "whoami")
    .add_edge("whoami", END)
    .compile()
)
