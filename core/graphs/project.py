"""A project's config: ``portico.toml`` or an unchanged ``langgraph.json``, parsed and validated once."""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auth.vault.config import ProviderSpec, parse_providers
from auth.vault.errors import VaultConfigError
from core.errors import InvalidArgument

__all__ = ["CONFIG_FILES", "ConfigError", "GraphSpec", "Project", "load_project"]

CONFIG_FILES = ("portico.toml", "langgraph.json")
"""Looked up in this order when no config path is given."""


class ConfigError(InvalidArgument):
    """A malformed project config or graph; the message names the file and the key."""


@dataclass(frozen=True)
class GraphSpec:
    """Where a graph comes from: ``./file.py:attr`` (``file`` set) or ``package.module:attr`` (``module`` set)."""

    graph_id: str
    ref: str
    attr: str
    file: Path | None = None
    module: str | None = None
    description: str | None = None
    config_path: Path | None = None

    @property
    def where(self) -> str:
        return f"{self.config_path or '<registry>'}: graphs.{self.graph_id}"


@dataclass
class Project:
    """A parsed project config. ``raw`` is the whole document, so settings read elsewhere (webhooks...) stay."""

    config_path: Path
    name: str
    graphs: dict[str, GraphSpec]
    dependencies: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    auth: dict[str, Any] | None = None
    store: dict[str, Any] = field(default_factory=dict)
    http: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    auth_providers: dict[str, ProviderSpec] = field(default_factory=dict)
    """Agent Auth providers (``[auth.providers.<name>]``); their secrets are read at start-up."""

    @property
    def root(self) -> Path:
        """The config file's directory: every relative path in the config is relative to it."""
        return self.config_path.parent

    @property
    def search_path(self) -> list[Path]:
        """Directories put on ``sys.path``: the root (sibling imports) and local ``dependencies``."""
        paths = [self.root]
        for dep in self.dependencies:
            candidate = (self.root / dep).resolve()
            if dep.startswith((".", "/")) and candidate.is_dir() and candidate not in paths:
                paths.append(candidate)
        return paths


def load_project(path: str | Path | None = None) -> Project:
    """Read and validate a project config; also loads its ``env`` into ``os.environ`` (unset keys only).

    Args:
        path: a config file, a directory holding one, or None for the current directory.
    """
    config_path = _find_config(Path.cwd() if path is None else Path(path))
    raw = _read_document(config_path)
    where = str(config_path)

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{where}: {key}: {msg}")

    graphs_raw = raw.get("graphs")
    if not isinstance(graphs_raw, dict) or not graphs_raw:
        raise fail("graphs", "required: a table of graph ids to './file.py:attr' or 'package.module:attr'")
    graphs = {gid: _graph_spec(gid, value, config_path, fail) for gid, value in graphs_raw.items()}

    name = raw.get("name", config_path.parent.name)
    deps = raw.get("dependencies", [])
    if not isinstance(name, str) or not name:
        raise fail("name", "expected a non-empty string")
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise fail("dependencies", "expected a list of strings")
    auth = raw.get("auth")
    if auth is not None and (not isinstance(auth, dict) or not isinstance(auth.get("path", ""), str)):
        raise fail("auth", "expected a table with an optional string 'path' ('./auth.py:auth')")
    try:
        providers = parse_providers((auth or {}).get("providers"), where)
    except VaultConfigError as exc:
        raise ConfigError(str(exc)) from None
    sections = {}
    for key in ("store", "http"):
        sections[key] = {} if raw.get(key) is None else raw[key]
        if not isinstance(sections[key], dict):
            raise fail(key, "expected a table")

    env = _read_env(raw.get("env"), config_path.parent, fail)
    for key, value in env.items():
        os.environ.setdefault(key, value)  # the process environment wins, as with langgraph-cli
    return Project(
        config_path, name, graphs, deps, env, auth, sections["store"], sections["http"], raw, providers
    )


def _find_config(path: Path) -> Path:
    if path.is_dir():
        for candidate in CONFIG_FILES:
            if (path / candidate).is_file():
                return (path / candidate).resolve()
        raise ConfigError(f"{path}: no {' or '.join(CONFIG_FILES)} found")
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    return path.resolve()


def _read_document(config_path: Path) -> dict[str, Any]:
    text = config_path.read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text) if config_path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{config_path}: not valid {config_path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{config_path}: expected an object at the top level")
    return doc


def _graph_spec(
    graph_id: Any, value: Any, config_path: Path, fail: Callable[[str, str], ConfigError]
) -> GraphSpec:
    key = f"graphs.{graph_id}"
    if not isinstance(graph_id, str) or not graph_id.strip():
        raise fail(key, "a graph id must be a non-empty string")
    description = None
    if isinstance(value, dict):
        description = value.get("description")
        value = value.get("path")
        if description is not None and not isinstance(description, str):
            raise fail(f"{key}.description", "expected a string")
    if not isinstance(value, str):
        raise fail(key, "expected './file.py:attr', 'package.module:attr' or a table with 'path'")
    file, module, attr = _parse_ref(value, config_path.parent, lambda msg: fail(key, msg))
    return GraphSpec(graph_id, value, attr, file, module, description, config_path)


def _parse_ref(ref: str, root: Path, fail: Callable[[str], Exception]) -> tuple[Path | None, str | None, str]:
    target, sep, attr = ref.rpartition(":")
    if not sep or not target or not attr.isidentifier():
        raise fail(f"{ref!r} must end in ':attribute', as in './agent.py:graph' or 'my_pkg.agent:graph'")
    if target.endswith(".py") or "/" in target or "\\" in target:
        file = (root / target).resolve()
        if not file.is_file():
            raise fail(f"file {str(file)!r} not found")
        return file, None, attr
    if not all(part.isidentifier() for part in target.split(".")):
        raise fail(f"{target!r} is neither a file path nor a dotted module name")
    return None, target, attr


def _read_env(value: Any, root: Path, fail: Callable[[str, str], ConfigError]) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        env_file = root / value
        if not env_file.is_file():
            raise fail("env", f"file {str(env_file)!r} not found")
        return _parse_dotenv(env_file.read_text(encoding="utf-8"))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise fail(f"env.{key}", "expected a string")
        return {str(k): str(v) for k, v in value.items()}
    raise fail("env", "expected a table of variables or the path of a .env file")


_DOTENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_DOTENV_QUOTED = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'")
_DOTENV_ESCAPE = re.compile(r"\\(.)")


def _parse_dotenv(text: str) -> dict[str, str]:
    # The common subset of python-dotenv (KEY=value, quotes, comments, `export`), not worth a dependency.
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = _DOTENV_LINE.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        key, val = match.groups()
        if quoted := _DOTENV_QUOTED.match(val):
            double, single = quoted.groups()
            val = (
                single
                if double is None
                else _DOTENV_ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], double)
            )
        else:
            val = val.split(" #", 1)[0].rstrip()
        values[key] = val
    return values
