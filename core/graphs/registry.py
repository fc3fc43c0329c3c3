"""The graphs of a project: imported once, then bound to each run's checkpointer and store.

A graph reference names a compiled graph, a ``StateGraph`` or a factory (sync or async, taking nothing or the
run's config, possibly returning a context manager), as langgraph-api accepts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import re
import sys
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from langchain_core.runnables.config import var_child_runnable_config
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from core.errors import NotFound
from core.graphs.project import ConfigError, GraphSpec, Project, _parse_ref

__all__ = ["Graph", "GraphRegistry", "import_object"]

Graph: TypeAlias = Pregel[Any, Any, Any, Any]
_STATIC_CACHE_SIZE = 64


def import_object(ref: str, root: Path, search_path: Sequence[Path] = ()) -> Any:
    """Import ``./file.py:attr`` (relative to ``root``) or ``package.module:attr`` and return the attribute.

    Blocking (module code runs); call it from a thread in async code. Also serves ``auth.path``.
    """
    spec_file, module_name, attr = _parse_ref(ref, root, ConfigError)
    spec = GraphSpec("<object>", ref, attr, spec_file, module_name)
    return _import_attr(spec, [root, *search_path], root)


def _import_attr(spec: GraphSpec, search_path: Sequence[Path], root: Path) -> Any:
    for directory in reversed(search_path):
        if str(directory) not in sys.path:
            sys.path.insert(0, str(directory))  # like a script's own directory: the project's modules win
    try:
        module = _import_file(spec.file, root) if spec.file else importlib.import_module(spec.module or "")
    except Exception as exc:
        raise ConfigError(f"{spec.where}: cannot import {spec.ref!r}: {type(exc).__name__}: {exc}") from exc
    try:
        return getattr(module, spec.attr)
    except AttributeError:
        graphs = [k for k, v in vars(module).items() if isinstance(v, Pregel | StateGraph)]
        hint = f"; graphs defined there: {', '.join(graphs)}" if graphs else ""
        raise ConfigError(f"{spec.where}: {spec.ref!r} has no attribute {spec.attr!r}{hint}") from None


def _import_file(file: Path, root: Path) -> Any:
    # The name is stable across processes and machines (derived from the path relative to the project) because
    # LangGraph's serializer records the module of user-defined state classes and re-imports it by name.
    try:
        rel = file.relative_to(root).with_suffix("").as_posix()
    except ValueError:
        rel = file.with_suffix("").name
    name = "portico_graph_" + re.sub(r"\W", "_", rel.replace("/", "__"))
    existing = sys.modules.get(name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "") != file:
        # Another project in this process (tests) already took the name: disambiguate by absolute path.
        name = f"{name}_{hashlib.sha1(str(file).encode()).hexdigest()[:8]}"
        existing = sys.modules.get(name)
    if existing is not None:
        return existing
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # before exec, so dataclasses/pydantic in the module can resolve themselves
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# ---------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class _Factory:
    fn: Callable[..., Any]
    config_arg: str | None  # None: called with no argument; "" positionally; else by this keyword


def _as_graph_value(value: Any, where: str) -> Graph | _Factory:
    if isinstance(value, Pregel):
        return value
    if isinstance(value, StateGraph):
        # Compiled once without persistence; each checkpointer/store gets a cheap `copy` (as langgraph-api).
        return value.compile()
    if callable(value) and not isinstance(value, type):
        params = list(inspect.signature(value).parameters.values())
        if not params:
            return _Factory(value, None)
        first = params[0]
        return _Factory(value, first.name if first.kind is inspect.Parameter.KEYWORD_ONLY else "")
    got = f"class {value.__name__}" if isinstance(value, type) else type(value).__name__
    raise ConfigError(f"{where}: expected a compiled graph, a StateGraph or a factory, got {got}")


class GraphRegistry:
    """The graphs of a project by id, imported once, bound to a run's checkpointer and store on demand."""

    def __init__(self, project: Project | None = None) -> None:
        self._specs = dict(project.graphs) if project else {}
        self._descriptions = {gid: spec.description for gid, spec in self._specs.items()}
        self._search_path = project.search_path if project else []
        self._values: dict[str, Graph | _Factory] = {}
        self._static: OrderedDict[tuple[str, int, int], tuple[Any, Any, Graph]] = OrderedDict()
        self._load_lock = asyncio.Lock()
        self._leaked = contextlib.AsyncExitStack()

    def register(self, graph_id: str, value: Any, *, description: str | None = None) -> None:
        """Add an in-process graph: a compiled graph, a StateGraph or a factory (for embedding and tests)."""
        self._values[graph_id] = _as_graph_value(value, f"graphs.{graph_id}")
        self._descriptions[graph_id] = description
        self._static = OrderedDict((k, v) for k, v in self._static.items() if k[0] != graph_id)

    def graph_ids(self) -> list[str]:
        return list(self._descriptions)

    def description(self, graph_id: str) -> str | None:
        self._check(graph_id)
        return self._descriptions[graph_id]

    async def load(self) -> None:
        """Import every graph now, in a thread, so a broken project fails at start-up rather than on a run."""
        async with self._load_lock:
            todo = [spec for gid, spec in self._specs.items() if gid not in self._values]
            if todo:
                self._values.update(await asyncio.to_thread(self._import_specs, todo))

    def _import_specs(self, specs: list[GraphSpec]) -> dict[str, Graph | _Factory]:
        loaded = {}
        for spec in specs:
            root = spec.config_path.parent if spec.config_path else Path.cwd()
            loaded[spec.graph_id] = _as_graph_value(_import_attr(spec, self._search_path, root), spec.where)
        return loaded

    def _check(self, graph_id: str) -> None:
        if graph_id not in self._descriptions:
            raise NotFound(
                f"graph {graph_id!r} not found; known graphs: {', '.join(self._descriptions) or 'none'}"
            )

    async def _value(self, graph_id: str) -> Graph | _Factory:
        self._check(graph_id)
        if graph_id not in self._values:
            await self.load()
        return self._values[graph_id]

    @contextlib.asynccontextmanager
    async def open(
        self, graph_id: str, config: dict[str, Any], checkpointer: Any, store: Any
    ) -> AsyncIterator[Graph]:
        """Yield the graph for one run; a context-manager factory's context closes when the block ends."""
        value = await self._value(graph_id)
        if isinstance(value, Pregel):
            yield self._bind_static(graph_id, value, checkpointer, store)
            return
        async with contextlib.AsyncExitStack() as stack:
            yield await self._call_factory(graph_id, value, config, checkpointer, store, stack)

    async def get(self, graph_id: str, config: dict[str, Any], checkpointer: Any, store: Any) -> Graph:
        """Return the graph for one run, with ``checkpointer`` and ``store`` attached.

        Prefer ``open`` for factories that are context managers: here their contexts stay open until ``aclose``.
        """
        value = await self._value(graph_id)
        if isinstance(value, Pregel):
            return self._bind_static(graph_id, value, checkpointer, store)
        return await self._call_factory(graph_id, value, config, checkpointer, store, self._leaked)

    async def aclose(self) -> None:
        """Close the factory contexts that ``get`` entered."""
        await self._leaked.aclose()

    def _bind_static(self, graph_id: str, graph: Graph, checkpointer: Any, store: Any) -> Graph:
        # Keyed by identity; the entry holds both objects so their ids cannot be reused while it lives.
        key = (graph_id, id(checkpointer), id(store))
        if (hit := self._static.get(key)) is not None:
            self._static.move_to_end(key)
            return hit[2]
        bound = _bind(graph, graph_id, checkpointer, store)
        self._static[key] = (checkpointer, store, bound)
        if len(self._static) > _STATIC_CACHE_SIZE:
            self._static.popitem(last=False)
        return bound

    async def _call_factory(
        self,
        graph_id: str,
        factory: _Factory,
        config: dict[str, Any],
        checkpointer: Any,
        store: Any,
        stack: contextlib.AsyncExitStack,
    ) -> Graph:
        # A copy: factories may write to it, and the caller's config is also the run's config.
        config = {**config, "configurable": dict(config.get("configurable") or {})}
        # `get_config()` inside the factory sees the run's config, as under langgraph-api.
        token = var_child_runnable_config.set(config)  # type: ignore[arg-type]
        try:
            # Sync factories run on the loop, not in a thread: they may touch the loop and are meant to be cheap.
            if factory.config_arg is None:
                result = factory.fn()
            elif factory.config_arg:
                result = factory.fn(**{factory.config_arg: config})
            else:
                result = factory.fn(config)
            if inspect.isawaitable(result):
                result = await result
            if hasattr(result, "__aenter__") and hasattr(result, "__aexit__"):
                result = await stack.enter_async_context(result)
            elif hasattr(result, "__enter__") and hasattr(result, "__exit__"):
                result = stack.enter_context(result)
        finally:
            var_child_runnable_config.reset(token)
        if isinstance(result, StateGraph):
            result = result.compile()
        if not isinstance(result, Pregel):
            raise ConfigError(f"graphs.{graph_id}: the factory returned {type(result).__name__}, not a graph")
        return _bind(result, graph_id, checkpointer, store)


def _bind(graph: Graph, graph_id: str, checkpointer: Any, store: Any) -> Graph:
    update: dict[str, Any] = {"checkpointer": checkpointer, "store": store}
    if graph.name == "LangGraph":  # LangGraph's default name; the graph id says more in traces and schemas
        update["name"] = graph_id
    return graph.copy(update=update)
