"""Semantic search with a real model (all-MiniLM-L6-v2, offline), on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from langgraph_sdk.client import LangGraphClient

from clients.grpc import PorticoClient

PROJECT = Path(__file__).resolve().parent / "project"

pytestmark = pytest.mark.timeout(180)

MEMORIES = [
    "My daughter Emma was born in March 2019.",
    "I am allergic to peanuts and shellfish.",
    "I drive a blue Toyota Corolla to work.",
    "My favourite programming language is Rust.",
    "I live in a small apartment in Lisbon.",
    "I play the cello in a community orchestra on Thursdays.",
    "My dog is a golden retriever named Biscuit.",
    "I am training for a marathon in October.",
    "I work as a nurse in the intensive care unit.",
    "I take my coffee black, without sugar.",
    "I am learning Japanese with flashcards every morning.",
    "My favourite novel is One Hundred Years of Solitude.",
    "I grow tomatoes and basil on my balcony.",
    "I am afraid of flying and avoid airplanes.",
    "My wife and I got married in Iceland in 2015.",
    "I support Arsenal football club.",
    "I usually go to bed at eleven and wake up at six.",
    "I have been vegetarian for ten years.",
    "I keep my savings in index funds.",
    "I have two older brothers who live in Canada.",
]

QUERIES = {
    "Which foods could give me an allergic reaction?": 1,
    "What kind of pet do I have?": 6,
    "What car do I own?": 2,
    "Which musical instrument do I play?": 5,
    "What is my profession?": 8,
    "How do I like my morning drink?": 9,
    "Which city is my home?": 4,
    "Which foreign language am I studying?": 10,
    "Which sports team do I cheer for?": 15,
    "Do I eat meat?": 17,
}


def _model_calls() -> list[str]:
    """The texts the project's embedding function has been given in this process."""
    embed_file = str(PROJECT / "embed.py")
    module = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == embed_file)
    return module.EMBEDDED  # type: ignore[no-any-return]


async def test_queries_rank_the_closest_memory_first(sdk: LangGraphClient) -> None:
    ns = ["memories", "user-1"]
    for i, text in enumerate(MEMORIES):
        await sdk.store.put_item(ns, f"m{i}", {"text": text, "i": i})
    await sdk.store.put_item(
        ["memories", "user-10"], "x", {"text": "I am allergic to peanuts."}
    )  # not under user-1

    hits = 0
    for query, expected in QUERIES.items():
        items = (await sdk.store.search_items(ns, query=query, limit=3))["items"]
        assert len(items) == 3 and all(i["namespace"] == ns for i in items), "scoped to the namespace prefix"
        assert items[0]["score"] >= items[1]["score"] >= items[2]["score"]
        hits += items[0]["key"] == f"m{expected}"
    assert hits >= 9, f"{hits}/10 queries ranked their memory first"

    # A filter narrows the candidates; offset pages through the ranking.
    filtered = (
        await sdk.store.search_items(ns, query="What kind of pet do I have?", filter={"i": {"$lt": 6}})
    )["items"]
    assert filtered and all(i["value"]["i"] < 6 for i in filtered)
    ranked = [i["key"] for i in (await sdk.store.search_items(ns, query="travel", limit=6))["items"]]
    paged = [
        i["key"]
        for off in (0, 3)
        for i in (await sdk.store.search_items(ns, query="travel", limit=3, offset=off))["items"]
    ]
    assert paged == ranked


async def test_only_indexed_fields_are_embedded_and_only_when_they_change(client: PorticoClient) -> None:
    ns = ["notes"]
    calls = _model_calls()
    start = len(calls)
    await client.store.put(ns, "a", {"text": "I like green tea", "n": 1})
    await client.store.put(ns, "a", {"text": "I like green tea", "n": 2})  # only an unindexed field changed
    assert calls[start:] == ["I like green tea"]
    hits = await client.store.search(ns, query="a hot drink made from leaves")
    assert [i["key"] for i in hits] == ["a"] and hits[0]["value"]["n"] == 2, (
        "the kept vector still finds the item"
    )

    await client.store.put(ns, "a", {"text": "I like black coffee", "n": 2})
    assert calls[-1] == "I like black coffee"
    # An item put with index=False is stored but never embedded nor found by meaning; one with its own
    # fields is embedded on those.
    await client.store.put(ns, "secret", {"text": "I like green tea"}, index=False)
    await client.store.put(
        ns, "titled", {"title": "Chamomile infusion before sleep", "text": "zzz"}, index=["title"]
    )
    found = [i["key"] for i in await client.store.search(ns, query="green tea", limit=10)]
    assert sorted(found) == ["a", "titled"], "the unindexed item is not a semantic hit"
    assert [i["key"] for i in await client.store.search(ns, query="a herbal drink at bedtime")][0] == "titled"
    assert (await client.store.get(ns, "secret"))["value"] == {"text": "I like green tea"}

    await client.store.delete(ns, "titled")
    assert [i["key"] for i in await client.store.search(ns, query="green tea", limit=10)] == ["a"]
