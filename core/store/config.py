"""The ``[store]`` section of a project (``store`` in ``langgraph.json``): semantic index and TTL.

```toml
[store.index]
embed = "./embed.py:embed"        # or "openai:text-embedding-3-small" (LangChain's init_embeddings)
dims = 384
fields = ["text"]                 # JSON paths embedded per item; default ["$"] (the whole value)

[store.ttl]
default_ttl = 1440                # minutes; none by default
refresh_on_read = true
sweep_interval_minutes = 5
```
"""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from core.errors import InvalidArgument

__all__ = ["StoreConfig", "parse_store_config"]

_DEFAULT_SWEEP_MINUTES = 5.0


@dataclass(frozen=True)
class StoreConfig:
    """What the store is built with. ``index`` is LangGraph's ``IndexConfig`` with ``embed`` resolved."""

    index: dict[str, Any] | None = None
    ttl: dict[str, Any] = field(
        default_factory=lambda: {"refresh_on_read": True, "sweep_interval_minutes": _DEFAULT_SWEEP_MINUTES}
    )
    embed_ref: str | None = None
    """The configured ``embed`` string, for logs."""


def parse_store_config(section: dict[str, Any] | None, root: Path, where: str = "config") -> StoreConfig:
    """Validate ``store`` and resolve the embedding function (a file path is relative to ``root``).

    Raises:
        InvalidArgument: naming the key that is wrong.
    """
    section = section or {}

    def fail(key: str, msg: str) -> InvalidArgument:
        return InvalidArgument(f"{where}: store.{key}: {msg}")

    unknown = set(section) - {"index", "ttl"}
    if unknown:
        raise fail(sorted(unknown)[0], "unknown key (expected 'index' or 'ttl')")
    return StoreConfig(
        index=_index(section.get("index"), root, fail),
        ttl=_ttl(section.get("ttl"), fail),
        embed_ref=(section.get("index") or {}).get("embed")
        if isinstance(section.get("index"), dict)
        else None,
    )


def _index(raw: Any, root: Path, fail: Callable[[str, str], InvalidArgument]) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise fail("index", "expected a table with 'embed', 'dims' and optional 'fields'")
    dims = raw.get("dims")
    if not isinstance(dims, int) or isinstance(dims, bool) or dims <= 0:
        raise fail("index.dims", "required: a positive integer (the embedding's length)")
    fields = raw.get("fields", ["$"])
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) and f for f in fields):
        raise fail("index.fields", "expected a non-empty list of JSON paths, as ['text'] or ['$']")
    embed = raw.get("embed")
    if not isinstance(embed, str) or not embed:
        raise fail("index.embed", "required: './embed.py:function' or 'provider:model'")
    unknown = set(raw) - {"embed", "dims", "fields"}
    if unknown:
        raise fail(f"index.{sorted(unknown)[0]}", "unknown key")
    return {
        "dims": dims,
        "fields": fields,
        "embed": _embeddings(embed, root, lambda m: fail("index.embed", m)),
    }


def _ttl(raw: Any, fail: Callable[[str, str], InvalidArgument]) -> dict[str, Any]:
    ttl: dict[str, Any] = {"refresh_on_read": True, "sweep_interval_minutes": _DEFAULT_SWEEP_MINUTES}
    if raw is None:
        return ttl
    if not isinstance(raw, dict):
        raise fail("ttl", "expected a table")
    for key, value in raw.items():
        if key == "refresh_on_read":
            if not isinstance(value, bool):
                raise fail("ttl.refresh_on_read", "expected true or false")
        elif key in ("default_ttl", "sweep_interval_minutes"):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
            ):
                raise fail(f"ttl.{key}", "expected a positive number of minutes")
        else:
            raise fail(
                f"ttl.{key}", "unknown key (expected default_ttl, refresh_on_read, sweep_interval_minutes)"
            )
        ttl[key] = value
    if ttl.get("sweep_interval_minutes") is None:
        ttl["sweep_interval_minutes"] = _DEFAULT_SWEEP_MINUTES  # expired items are always swept eventually
    return ttl


def _embeddings(ref: str, root: Path, fail: Callable[[str], InvalidArgument]) -> Embeddings:
    target, _, attr = ref.rpartition(":")
    if target.endswith(".py") or "/" in target:
        if not attr.isidentifier():
            raise fail(f"{ref!r} must end in ':function', as in './embed.py:embed'")
        return _as_embeddings(_import_file_attr((root / target).resolve(), attr, fail), ref, fail)
    if ":" not in ref:
        raise fail(f"{ref!r} is neither './file.py:function' nor 'provider:model'")
    try:
        from langchain.embeddings import init_embeddings  # type: ignore[import-not-found]
    except ImportError as exc:
        raise fail(f"{ref!r} needs LangChain: pip install langchain langchain-<provider>") from exc
    try:
        return init_embeddings(ref)  # type: ignore[no-any-return]
    except Exception as exc:  # the provider's own error (unknown provider, missing package or key)
        raise fail(f"{ref!r}: {exc}") from exc


def _import_file_attr(path: Path, attr: str, fail: Callable[[str], InvalidArgument]) -> Any:
    if not path.is_file():
        raise fail(f"file {str(path)!r} not found")
    name = f"portico_store_embed_{abs(hash(str(path)))}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            del sys.modules[name]
            raise fail(f"importing {str(path)!r} failed: {exc!r}") from exc
    if not hasattr(module, attr):
        raise fail(f"{str(path)!r} has no attribute {attr!r}")
    return getattr(module, attr)


def _as_embeddings(value: Any, ref: str, fail: Callable[[str], InvalidArgument]) -> Embeddings:
    if isinstance(value, Embeddings):
        return value
    if callable(value):
        return _FunctionEmbeddings(value)
    raise fail(f"{ref!r} is neither an Embeddings object nor a function of a list of texts")


class _FunctionEmbeddings(Embeddings):
    """A function ``texts -> vectors`` (sync or async) as LangChain ``Embeddings``.

    A sync function runs in a thread: a local model takes milliseconds to seconds, which the event loop
    (and every run on it) must not wait out.
    """

    def __init__(self, func: Callable[[list[str]], Any]) -> None:
        self.func = func
        self.is_async = inspect.iscoroutinefunction(func)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.is_async:
            raise RuntimeError("an async embedding function cannot be called synchronously")
        return [list(map(float, v)) for v in self.func(texts)]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.is_async:
            vectors = await self.func(texts)
        else:
            vectors = await asyncio.to_thread(self.func, texts)
        return [list(map(float, v)) for v in vectors]

    async def aembed_query(self, text: str) -> list[float]:
        return (await self.aembed_documents([text]))[0]
