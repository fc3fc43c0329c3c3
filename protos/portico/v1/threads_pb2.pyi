from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers

DESCRIPTOR: _descriptor.FileDescriptor

class Thread(_message.Message):
    __slots__ = ("thread_id", "status", "metadata", "values", "interrupts", "config", "created_at", "updated_at", "error")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    INTERRUPTS_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    status: str
    metadata: bytes
    values: bytes
    interrupts: bytes
    config: bytes
    created_at: str
    updated_at: str
    error: bytes
    def __init__(self, thread_id: str | None = ..., status: str | None = ..., metadata: bytes | None = ..., values: bytes | None = ..., interrupts: bytes | None = ..., config: bytes | None = ..., created_at: str | None = ..., updated_at: str | None = ..., error: bytes | None = ...) -> None: ...

class CreateThreadRequest(_message.Message):
    __slots__ = ("thread_id", "metadata", "if_exists", "ttl_seconds")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    IF_EXISTS_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    metadata: bytes
    if_exists: str
    ttl_seconds: int
    def __init__(self, thread_id: str | None = ..., metadata: bytes | None = ..., if_exists: str | None = ..., ttl_seconds: int | None = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: str | None = ...) -> None: ...

class UpdateThreadRequest(_message.Message):
    __slots__ = ("thread_id", "metadata")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    metadata: bytes
    def __init__(self, thread_id: str | None = ..., metadata: bytes | None = ...) -> None: ...

class SearchThreadsRequest(_message.Message):
    __slots__ = ("metadata", "values", "status", "limit", "offset", "sort_by", "sort_order", "ids")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    metadata: bytes
    values: bytes
    status: str
    limit: int
    offset: int
    sort_by: str
    sort_order: str
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, metadata: bytes | None = ..., values: bytes | None = ..., status: str | None = ..., limit: int | None = ..., offset: int | None = ..., sort_by: str | None = ..., sort_order: str | None = ..., ids: _Iterable[str] | None = ...) -> None: ...

class ThreadList(_message.Message):
    __slots__ = ("threads",)
    THREADS_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[Thread]
    def __init__(self, threads: _Iterable[Thread | _Mapping] | None = ...) -> None: ...

class CopyThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: str | None = ...) -> None: ...

class ThreadState(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: bytes
    def __init__(self, state: bytes | None = ...) -> None: ...

class GetStateRequest(_message.Message):
    __slots__ = ("thread_id", "checkpoint", "subgraphs")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPHS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint: bytes
    subgraphs: bool
    def __init__(self, thread_id: str | None = ..., checkpoint: bytes | None = ..., subgraphs: bool | None = ...) -> None: ...

class UpdateStateRequest(_message.Message):
    __slots__ = ("thread_id", "values", "as_node", "checkpoint")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    AS_NODE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    values: bytes
    as_node: str
    checkpoint: bytes
    def __init__(self, thread_id: str | None = ..., values: bytes | None = ..., as_node: str | None = ..., checkpoint: bytes | None = ...) -> None: ...

class UpdateStateResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: bytes
    def __init__(self, checkpoint: bytes | None = ...) -> None: ...

class GetHistoryRequest(_message.Message):
    __slots__ = ("thread_id", "limit", "before", "metadata", "checkpoint")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    limit: int
    before: bytes
    metadata: bytes
    checkpoint: bytes
    def __init__(self, thread_id: str | None = ..., limit: int | None = ..., before: bytes | None = ..., metadata: bytes | None = ..., checkpoint: bytes | None = ...) -> None: ...

class ThreadHistory(_message.Message):
    __slots__ = ("states",)
    STATES_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedCompositeFieldContainer[ThreadState]
    def __init__(self, states: _Iterable[ThreadState | _Mapping] | None = ...) -> None: ...
