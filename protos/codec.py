"""The one codec: Python values ↔ JSON bytes ↔ protobuf messages.

Every ``bytes`` field of a ``portico.v1`` message holds a JSON value (empty bytes: not set), so one pair of
generic functions converts any message to and from a dict whose keys are the message's field names. No
other module builds protobufs field by field.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

__all__ = ["dumps", "from_message", "loads", "to_jsonable", "to_message"]

M = TypeVar("M", bound=Message)
_OPTS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(obj: Any) -> Any:
    """Fallback for values orjson does not know: LangChain messages, pydantic models, LangGraph types."""
    # LangChain messages and other pydantic models (checked before dataclasses: pydantic v2 models are not).
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json")
        except Exception:  # noqa: BLE001 - fall through to the generic forms
            return dump()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    # LangGraph's Interrupt, Send and Command are dataclasses (handled above); namedtuples come as tuples.
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    if isinstance(obj, bytes):
        return base64.b64encode(obj).decode()
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, timedelta):
        return obj.total_seconds()
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (uuid.UUID,)):
        return str(obj)
    dict_method = getattr(obj, "dict", None)
    if callable(dict_method):  # pydantic v1
        return dict_method()
    if isinstance(obj, BaseException):
        return {"error": type(obj).__name__, "message": str(obj)}
    return repr(obj)


def to_jsonable(value: Any) -> Any:
    """Reduce ``value`` to plain JSON types (dict, list, str, numbers, bool, None)."""
    return orjson.loads(dumps(value))


def dumps(value: Any) -> bytes:
    """Serialize ``value`` to JSON bytes; tuples (e.g. LangGraph's ``(namespace, chunk)``) become arrays."""
    return orjson.dumps(value, default=_default, option=_OPTS)


def loads(data: bytes | str | None, default: Any = None) -> Any:
    """Parse JSON bytes; empty or None gives ``default``."""
    if not data:
        return default
    return orjson.loads(data)


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def to_message(cls: type[M], values: Mapping[str, Any]) -> M:
    """Build a ``cls`` message from a dict keyed by field names; unknown keys are ignored.

    bytes fields get JSON (None: empty), ``*_at`` string fields get RFC 3339 from datetimes, nested
    message fields recurse.
    """
    kwargs: dict[str, Any] = {}
    for field in cls.DESCRIPTOR.fields:
        if field.name not in values:
            continue
        value = values[field.name]
        if value is None:
            continue
        if field.type == FieldDescriptor.TYPE_BYTES:
            kwargs[field.name] = value if isinstance(value, bytes) else dumps(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            sub = field.message_type._concrete_class
            if field.is_repeated:
                kwargs[field.name] = [v if isinstance(v, Message) else to_message(sub, v) for v in value]
            else:
                kwargs[field.name] = value if isinstance(value, Message) else to_message(sub, value)
        elif field.type == FieldDescriptor.TYPE_STRING and not field.is_repeated:
            kwargs[field.name] = _timestamp(value) if field.name.endswith("_at") else str(value)
        else:
            kwargs[field.name] = value
    return cls(**kwargs)


def from_message(msg: Message) -> dict[str, Any]:
    """The inverse of ``to_message``: bytes fields parsed from JSON (empty: None), unset optionals None."""
    out: dict[str, Any] = {}
    for field in msg.DESCRIPTOR.fields:
        value = getattr(msg, field.name)
        repeated = field.is_repeated
        if field.has_presence and not repeated and not msg.HasField(field.name):
            out[field.name] = None
        elif field.type == FieldDescriptor.TYPE_BYTES:
            out[field.name] = loads(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            out[field.name] = [from_message(v) for v in value] if repeated else from_message(value)
        elif repeated:
            out[field.name] = list(value)
        else:
            out[field.name] = value
    return out
