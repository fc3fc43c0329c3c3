from protos.portico.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

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
    def __init__(self, thread_id: _Optional[str] = ..., status: _Optional[str] = ..., metadata: _Optional[bytes] = ..., values: _Optional[bytes] = ..., interrupts: _Optional[bytes] = ..., config: _Optional[bytes] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., error: _Optional[bytes] = ...) -> None: ...

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
    def __init__(self, thread_id: _Optional[str] = ..., metadata: _Optional[bytes] = ..., if_exists: _Optional[str] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class GetThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class UpdateThreadRequest(_message.Message):
    __slots__ = ("thread_id", "metadata")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    metadata: bytes
    def __init__(self, thread_id: _Optional[str] = ..., metadata: _Optional[bytes] = ...) -> None: ...

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
    def __init__(self, metadata: _Optional[bytes] = ..., values: _Optional[bytes] = ..., status: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., sort_by: _Optional[str] = ..., sort_order: _Optional[str] = ..., ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ThreadList(_message.Message):
    __slots__ = ("threads",)
    THREADS_FIELD_NUMBER: _ClassVar[int]
    threads: _containers.RepeatedCompositeFieldContainer[Thread]
    def __init__(self, threads: _Optional[_Iterable[_Union[Thread, _Mapping]]] = ...) -> None: ...

class CopyThreadRequest(_message.Message):
    __slots__ = ("thread_id",)
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    def __init__(self, thread_id: _Optional[str] = ...) -> None: ...

class ThreadState(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: bytes
    def __init__(self, state: _Optional[bytes] = ...) -> None: ...

class GetStateRequest(_message.Message):
    __slots__ = ("thread_id", "checkpoint", "subgraphs")
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPHS_FIELD_NUMBER: _ClassVar[int]
    thread_id: str
    checkpoint: bytes
    subgraphs: bool
    def __init__(self, thread_id: _Optional[str] = ..., checkpoint: _Optional[bytes] = ..., subgraphs: _Optional[bool] = ...) -> None: ...

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
    def __init__(self, thread_id: _Optional[str] = ..., values: _Optional[bytes] = ..., as_node: _Optional[str] = ..., checkpoint: _Optional[bytes] = ...) -> None: ...

class UpdateStateResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: bytes
    def __init__(self, checkpoint: _Optional[bytes] = ...) -> None: ...

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
    def __init__(self, thread_id: _Optional[str] = ..., limit: _Optional[int] = ..., before: _Optional[bytes] = ..., metadata: _Optional[bytes] = ..., checkpoint: _Optional[bytes] = ...) -> None: ...

class ThreadHistory(_message.Message):
    __slots__ = ("states",)
    STATES_FIELD_NUMBER: _ClassVar[int]
    states: _containers.RepeatedCompositeFieldContainer[ThreadState]
    def __init__(self, states: _Optional[_Iterable[_Union[ThreadState, _Mapping]]] = ...) -> None: ...
