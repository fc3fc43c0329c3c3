"""Input checks shared by the servicers: each failure names the field."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from core.errors import InvalidArgument
from protos import codec

__all__ = ["json_field", "choice", "filter_field", "object_field"]

# What LangGraph's SQL checkpointers and stores accept as a metadata/filter key (they interpolate it).
_FILTER_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")


def json_field(name: str, raw: bytes) -> Any:
    """Parse a JSON bytes field; malformed JSON is an ``InvalidArgument`` naming the field."""
    try:
        return codec.loads(raw)
    except Exception as exc:  # noqa: BLE001
        raise InvalidArgument(f"{name}: not valid JSON ({exc})") from exc


def object_field(name: str, raw: bytes) -> dict[str, Any] | None:
    """A JSON field that must be an object when set."""
    value = json_field(name, raw)
    if value is not None and not isinstance(value, dict):
        raise InvalidArgument(f"{name}: must be a JSON object, got {type(value).__name__}")
    return value


def choice(name: str, value: str, allowed: Collection[str], default: str) -> str:
    """An enum-like string field; empty means ``default``."""
    if not value:
        return default
    if value not in allowed:
        raise InvalidArgument(f"{name}: {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def filter_field(name: str, raw: bytes) -> dict[str, Any] | None:
    """A metadata filter object: keys are letters, digits, ``_``, ``.`` and ``-`` (what LangGraph accepts)."""
    value = object_field(name, raw)
    for key in value or {}:
        if not _FILTER_KEY.match(key):
            raise InvalidArgument(f"{name}: invalid key {key!r}: use letters, digits, '_', '.' and '-'")
    return value
