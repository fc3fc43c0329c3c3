"""Project config loading, graph import and binding, and the graph/schema introspection the API serves."""

import json
import logging
import os
import textwrap
import uuid
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, StateGraph
from langgraph.store.memory import InMemoryStore
from langgraph.types import Command
from typing_extensions import TypedDict

from core.errors import InvalidArgument, NotFound
from core.graphs import (
    ConfigError,
    GraphRegistry,
    graph_json,
    graph_schemas,
    import_object,
    load_project,
    subgraphs,
)

# A graph module written the way users write them; `{helper}` is a sibling module it imports.
GRAPH_MODULE = """
from typing_extensions import TypedDict
from langgraph.graph import StateGraph, START
from langgraph.types import interrupt
from {helper} import increment

class State(TypedDict):
    count: int

def step(state: State) -> dict:
    answer = interrupt("continue?")
    return {{"count": increment(state["count"]) if answer == "yes" else state["count"]}}

builder = StateGraph(State)
builder.add_node("step", step)
builder.add_edge(START, "step")
graph = builder.compile()
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A folder with agent.py (importing a sibling helper) and a package `pkg_<random>.graphs`."""
    helper = f"helper_{uuid.uuid4().hex[:8]}"  # unique: sys.modules outlives each test
    write(tmp_path / f"{helper}.py", "def increment(n):\n    return n + 1\n")
    write(tmp_path / "agent.py", GRAPH_MODULE.format(helper=helper))
    package = f"pkg_{uuid.uuid4().hex[:8]}"
    write(tmp_path / package / "__init__.py", "")
    write(tmp_path / package / "graphs.py", GRAPH_MODULE.format(helper=helper))
    (tmp_path / "package_name").write_text(package)
    return tmp_path


async def run_to_completion(graph, thread_id: str = "t1") -> dict:
    config = {"configurable": {"thread_id": thread_id}}
    first = await graph.ainvoke({"count": 1}, config)
    assert first["__interrupt__"][0].value == "continue?"
    return await graph.ainvoke(Command(resume="yes"), config)


# ---------------------------------------------------------------------------------------------- config


async def test_langgraph_json_with_file_and_module_paths(project_dir: Path, monkeypatch) -> None:
    package = (project_dir / "package_name").read_text()
    write(project_dir / ".env", "FROM_FILE='quoted value'\nexport ALREADY_SET=ignored  # comment\n")
    monkeypatch.setenv("ALREADY_SET", "kept")
    monkeypatch.delenv("FROM_FILE", raising=False)
    config = {
        "dependencies": ["."],
        "graphs": {
            "file_graph": "./agent.py:graph",
            "module_graph": {"path": f"{package}.graphs:graph", "description": "From a module"},
        },
        "env": ".env",
        "auth": {"path": "./auth.py:auth"},
        "store": {"index": {"dims": 4}},
        "python_version": "3.11",
    }
    write(project_dir / "langgraph.json", json.dumps(config))

    project = load_project(project_dir / "langgraph.json")

    assert os.environ["FROM_FILE"] == "quoted value"
    assert os.environ["ALREADY_SET"] == "kept"  # the process environment wins
    assert project.auth == {"path": "./auth.py:auth"} and project.store == {"index": {"dims": 4}}
    assert project.raw["python_version"] == "3.11"
    registry = GraphRegistry(project)
    assert registry.graph_ids() == ["file_graph", "module_graph"]
    assert registry.description("module_graph") == "From a module"
    assert registry.description("file_graph") is None
    for graph_id in registry.graph_ids():
        graph = await registry.get(graph_id, {}, InMemorySaver(), InMemoryStore())
        assert (await run_to_completion(graph))["count"] == 2


async def test_portico_toml(project_dir: Path) -> None:
    write(
        project_dir / "portico.toml",
        """
        name = "weather"
        custom_setting = 7

        [graphs]
        agent = "./agent.py:graph"

        [auth]
        path = "./auth.py:auth"

        [store.index]
        dims = 1536
        embed = "openai:text-embedding-3-small"

        [http]
        cors = { allow_origins = ["*"] }

        [env]
        PORTICO_TEST_TOML_VAR = "from toml"
        """,
    )
    project = load_project(project_dir)

    assert project.name == "weather" and project.root == project_dir
    assert project.graphs["agent"].file == (project_dir / "agent.py").resolve()
    assert project.auth == {"path": "./auth.py:auth"}
    assert project.store["index"]["dims"] == 1536 and project.http["cors"]["allow_origins"] == ["*"]
    assert project.raw["custom_setting"] == 7
    assert project.env == {"PORTICO_TEST_TOML_VAR": "from toml"}
    graph = await GraphRegistry(project).get("agent", {}, InMemorySaver(), None)
    assert (await run_to_completion(graph))["count"] == 2


def test_default_lookup_prefers_portico_toml(project_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(project_dir)
    with pytest.raises(ConfigError, match="no portico.toml or langgraph.json"):
        load_project(None)
    write(project_dir / "langgraph.json", json.dumps({"graphs": {"from_json": "./agent.py:graph"}}))
    assert list(load_project(None).graphs) == ["from_json"]
    write(project_dir / "portico.toml", '[graphs]\nfrom_toml = "./agent.py:graph"\n')
    assert list(load_project(None).graphs) == ["from_toml"]


@pytest.mark.parametrize(
    ("file_name", "content", "expected"),
    [
        ("langgraph.json", "{not json", "not valid JSON"),
        ("portico.toml", "[graphs\n", "not valid TOML"),
        ("langgraph.json", json.dumps({"dependencies": ["."]}), "graphs: required"),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "./agent.py"}}),
            "graphs.a: './agent.py' must end in ':attribute'",
        ),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "./missing.py:graph"}}),
            "graphs.a: file .*missing.py.* not found",
        ),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "not a module:graph"}}),
            "graphs.a: 'not a module' is neither",
        ),
        ("langgraph.json", json.dumps({"graphs": {"a": 42}}), "graphs.a: expected"),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": {"path": "./agent.py:graph", "description": 1}}}),
            "graphs.a.description",
        ),
        ("portico.toml", '[graphs]\na = "./agent.py:graph"\n[env]\nX = [1]\n', "env.X: expected a string"),
        ("langgraph.json", json.dumps({"graphs": {"a": "./agent.py:graph"}, "env": "nope.env"}), "env: file"),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "./agent.py:graph"}, "auth": "x"}),
            "auth: expected a table",
        ),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "./agent.py:graph"}, "store": []}),
            "store: expected a table",
        ),
        (
            "langgraph.json",
            json.dumps({"graphs": {"a": "./agent.py:graph"}, "dependencies": "."}),
            "dependencies",
        ),
    ],
)
def test_malformed_config_names_file_and_key(
    project_dir: Path, file_name: str, content: str, expected: str
) -> None:
    write(project_dir / file_name, content)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_project(project_dir / file_name)
    assert str(project_dir / file_name) in str(caught.value)
    assert isinstance(caught.value, InvalidArgument)  # so the error table maps it without a special case


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (
            "./agent.py:no_such_graph",
            "has no attribute 'no_such_graph'; graphs defined there: builder, graph",
        ),
        ("./broken.py:graph", "cannot import './broken.py:graph': ZeroDivisionError"),
        ("no_such_module_xyz.graphs:graph", "cannot import .*ModuleNotFoundError"),
        ("./agent.py:State", "expected a compiled graph, a StateGraph or a factory, got class State"),
    ],
)
async def test_bad_graph_reference_fails_at_load(project_dir: Path, ref: str, expected: str) -> None:
    write(project_dir / "broken.py", "1 / 0\n")
    write(project_dir / "langgraph.json", json.dumps({"graphs": {"bad": ref}}))
    registry = GraphRegistry(load_project(project_dir))
    with pytest.raises(ConfigError, match=expected) as caught:
        await registry.load()
    assert "langgraph.json: graphs.bad" in str(caught.value)


def test_import_object_serves_other_refs(project_dir: Path) -> None:
    write(project_dir / "auth.py", "auth = object()\n")
    first = import_object("./auth.py:auth", project_dir)
    assert import_object("./auth.py:auth", project_dir) is first  # one module, imported once


# ---------------------------------------------------------------------------------------------- registry


class State(TypedDict):
    count: int


def build(name: str | None = None) -> StateGraph:
    def step(state: State) -> dict:
        return {"count": state["count"] + 1}

    builder = StateGraph(State)
    builder.add_node("step", step)
    builder.add_edge(START, "step")
    return builder


async def test_compiled_graph_is_bound_and_cached_per_checkpointer_and_store() -> None:
    compiled = build().compile()
    registry = GraphRegistry()
    registry.register("counter", compiled, description="counts")
    saver, store = InMemorySaver(), InMemoryStore()

    bound = await registry.get("counter", {}, saver, store)

    assert bound.checkpointer is saver and bound.store is store
    assert compiled.checkpointer is None  # the user's object is untouched
    assert bound.name == "counter"  # LangGraph's default name is replaced by the graph id
    assert await registry.get("counter", {}, saver, store) is bound
    assert await registry.get("counter", {}, InMemorySaver(), store) is not bound
    await bound.ainvoke({"count": 1}, {"configurable": {"thread_id": "a"}})
    assert (await bound.aget_state({"configurable": {"thread_id": "a"}})).values == {"count": 2}


async def test_state_graph_is_compiled_with_persistence() -> None:
    registry = GraphRegistry()
    registry.register("counter", build())
    saver = InMemorySaver()
    graph = await registry.get("counter", {}, saver, None)
    await graph.ainvoke({"count": 5}, {"configurable": {"thread_id": "a"}})
    assert (await graph.aget_state({"configurable": {"thread_id": "a"}})).values == {"count": 6}
    assert saver.get_tuple({"configurable": {"thread_id": "a"}}) is not None


async def test_factories_are_called_per_run_with_the_run_config() -> None:
    seen: list[object] = []

    def with_config(config):
        seen.append(config["configurable"]["model"])
        return build().compile()

    async def async_with_config(config):
        seen.append(config["configurable"]["model"])
        return build()

    def no_args():
        seen.append("no args")
        return build().compile(name="named")

    registry = GraphRegistry()
    registry.register("sync", with_config)
    registry.register("async", async_with_config)
    registry.register("bare", no_args)
    saver = InMemorySaver()
    config = {"configurable": {"model": "m1"}}

    for graph_id in ("sync", "async", "bare", "sync"):
        graph = await registry.get(graph_id, config, saver, None)
        assert graph.checkpointer is saver
        assert await graph.ainvoke({"count": 0}, {"configurable": {"thread_id": graph_id}}) == {"count": 1}

    assert seen == ["m1", "m1", "no args", "m1"]
    assert graph.name == "sync"
    assert (await registry.get("bare", config, saver, None)).name == "named"  # a chosen name is kept
    assert config == {"configurable": {"model": "m1"}}  # the caller's config is not mutated


async def test_context_manager_factory() -> None:
    from contextlib import asynccontextmanager

    events: list[str] = []

    @asynccontextmanager
    async def make_graph(config):
        events.append("enter")
        yield build().compile()
        events.append("exit")

    registry = GraphRegistry()
    registry.register("managed", make_graph)
    async with registry.open("managed", {}, InMemorySaver(), None) as graph:
        assert events == ["enter"]
        assert await graph.ainvoke({"count": 0}, {"configurable": {"thread_id": "a"}}) == {"count": 1}
    assert events == ["enter", "exit"]

    await registry.get("managed", {}, InMemorySaver(), None)  # `get` keeps the context open until aclose
    assert events == ["enter", "exit", "enter"]
    await registry.aclose()
    assert events == ["enter", "exit", "enter", "exit"]


async def test_factory_returning_something_else_is_an_error() -> None:
    registry = GraphRegistry()
    registry.register("bad", lambda: 42)
    with pytest.raises(ConfigError, match="graphs.bad: the factory returned int"):
        await registry.get("bad", {}, None, None)


async def test_unknown_graph() -> None:
    registry = GraphRegistry()
    registry.register("known", build())
    with pytest.raises(NotFound, match="'missing' not found; known graphs: known"):
        await registry.get("missing", {}, None, None)
    with pytest.raises(NotFound):
        registry.description("missing")
    with pytest.raises(NotFound):
        async with registry.open("missing", {}, None, None):
            pass


# ---------------------------------------------------------------------------------------------- introspection


class Context(TypedDict):
    model: str


def parent_with_subgraph():
    def inner(state: State) -> dict:
        return {"count": state["count"] * 2}

    child_builder = StateGraph(State)
    child_builder.add_node("inner", inner)
    child_builder.add_edge(START, "inner")
    child = child_builder.compile()

    builder = StateGraph(State, context_schema=Context)
    builder.add_node("child", child)
    builder.add_edge(START, "child")
    return builder.compile()


async def test_graph_json_and_xray() -> None:
    graph = await _bound(parent_with_subgraph())

    flat = graph_json(graph)
    assert {node["id"] for node in flat["nodes"]} == {"__start__", "child", "__end__"}
    assert all("id" not in node.get("data", {}) for node in flat["nodes"])  # no Python class paths
    assert {"source": "__start__", "target": "child"} in flat["edges"]

    xray = graph_json(graph, xray=True)
    assert "child:inner" in {node["id"] for node in xray["nodes"]}
    assert graph_json(graph, xray=1) == xray
    with pytest.raises(InvalidArgument, match="xray"):
        graph_json(graph, xray=0)


async def test_schemas_of_graph_and_subgraphs() -> None:
    graph = await _bound(parent_with_subgraph())

    schemas = graph_schemas(graph, "parent")

    assert set(schemas) == {
        "graph_id",
        "input_schema",
        "output_schema",
        "state_schema",
        "config_schema",
        "context_schema",
    }
    assert schemas["graph_id"] == "parent"
    for key in ("input_schema", "output_schema", "state_schema"):
        assert schemas[key]["properties"]["count"]["type"] == "integer", key
    assert schemas["context_schema"]["properties"] == {"model": {"title": "Model", "type": "string"}}
    assert schemas["config_schema"]["title"] == "Context"
    json.dumps(schemas)  # served as JSON as-is

    children = await subgraphs(graph)
    assert list(children) == ["child"]
    assert children["child"]["input_schema"]["properties"]["count"]["type"] == "integer"
    assert children["child"]["context_schema"] is None
    assert await subgraphs(graph, namespace="nope") == {}


async def test_typing_typeddict_state_still_gets_a_schema() -> None:
    # pydantic rejects `typing.TypedDict` on Python < 3.12; users write it anyway.
    from typing import TypedDict as PlainTypedDict

    class PlainState(PlainTypedDict):
        text: str

    builder = StateGraph(PlainState)
    builder.add_node("echo", lambda state: state)
    builder.add_edge(START, "echo")
    schemas = graph_schemas(builder.compile(), "plain")
    assert schemas["input_schema"]["properties"]["text"]["type"] == "string"
    assert schemas["input_schema"]["required"] == ["text"]


async def test_a_schema_that_cannot_be_built_is_none_with_a_warning(caplog) -> None:
    class Opaque:  # neither pydantic, TypedDict nor dataclass
        pass

    builder = StateGraph(State, context_schema=Opaque)
    builder.add_node("step", lambda state: state)
    builder.add_edge(START, "step")
    with caplog.at_level(logging.WARNING, logger="core.graphs"):
        schemas = graph_schemas(builder.compile(), "opaque")
    assert schemas["context_schema"] is None and schemas["config_schema"] is None
    assert schemas["input_schema"] is not None
    assert "cannot build the context schema" in caplog.text


async def _bound(graph):
    registry = GraphRegistry()
    registry.register("g", graph)
    return await registry.get("g", {}, InMemorySaver(), InMemoryStore())
