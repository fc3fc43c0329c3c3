from collections.abc import Iterable as _Iterable
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar

from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from google.protobuf.internal import containers as _containers

DESCRIPTOR: _descriptor.FileDescriptor

class Cron(_message.Message):
    __slots__ = ("cron_id", "assistant_id", "thread_id", "schedule", "payload", "metadata", "next_run_date", "created_at", "updated_at")
    CRON_ID_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    cron_id: str
    assistant_id: str
    thread_id: str
    schedule: str
    payload: bytes
    metadata: bytes
    next_run_date: str
    created_at: str
    updated_at: str
    def __init__(self, cron_id: str | None = ..., assistant_id: str | None = ..., thread_id: str | None = ..., schedule: str | None = ..., payload: bytes | None = ..., metadata: bytes | None = ..., next_run_date: str | None = ..., created_at: str | None = ..., updated_at: str | None = ...) -> None: ...

class CreateCronRequest(_message.Message):
    __slots__ = ("assistant_id", "thread_id", "schedule", "payload", "metadata")
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    thread_id: str
    schedule: str
    payload: bytes
    metadata: bytes
    def __init__(self, assistant_id: str | None = ..., thread_id: str | None = ..., schedule: str | None = ..., payload: bytes | None = ..., metadata: bytes | None = ...) -> None: ...

class GetCronRequest(_message.Message):
    __slots__ = ("cron_id",)
    CRON_ID_FIELD_NUMBER: _ClassVar[int]
    cron_id: str
    def __init__(self, cron_id: str | None = ...) -> None: ...

class SearchCronsRequest(_message.Message):
    __slots__ = ("assistant_id", "thread_id", "limit", "offset")
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    thread_id: str
    limit: int
    offset: int
    def __init__(self, assistant_id: str | None = ..., thread_id: str | None = ..., limit: int | None = ..., offset: int | None = ...) -> None: ...

class CronList(_message.Message):
    __slots__ = ("crons",)
    CRONS_FIELD_NUMBER: _ClassVar[int]
    crons: _containers.RepeatedCompositeFieldContainer[Cron]
    def __init__(self, crons: _Iterable[Cron | _Mapping] | None = ...) -> None: ...
