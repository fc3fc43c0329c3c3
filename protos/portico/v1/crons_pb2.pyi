from protos.portico.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Cron(_message.Message):
    __slots__ = ("cron_id", "assistant_id", "thread_id", "schedule", "payload", "metadata", "next_run_date", "created_at", "updated_at", "timezone", "end_time", "enabled", "on_run_completed", "user_id")
    CRON_ID_FIELD_NUMBER: _ClassVar[int]
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    NEXT_RUN_DATE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ON_RUN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    cron_id: str
    assistant_id: str
    thread_id: str
    schedule: str
    payload: bytes
    metadata: bytes
    next_run_date: str
    created_at: str
    updated_at: str
    timezone: str
    end_time: str
    enabled: bool
    on_run_completed: str
    user_id: str
    def __init__(self, cron_id: _Optional[str] = ..., assistant_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., schedule: _Optional[str] = ..., payload: _Optional[bytes] = ..., metadata: _Optional[bytes] = ..., next_run_date: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., timezone: _Optional[str] = ..., end_time: _Optional[str] = ..., enabled: _Optional[bool] = ..., on_run_completed: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class CreateCronRequest(_message.Message):
    __slots__ = ("assistant_id", "thread_id", "schedule", "payload", "metadata", "timezone", "end_time", "enabled", "on_run_completed")
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ON_RUN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    thread_id: str
    schedule: str
    payload: bytes
    metadata: bytes
    timezone: str
    end_time: str
    enabled: bool
    on_run_completed: str
    def __init__(self, assistant_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., schedule: _Optional[str] = ..., payload: _Optional[bytes] = ..., metadata: _Optional[bytes] = ..., timezone: _Optional[str] = ..., end_time: _Optional[str] = ..., enabled: _Optional[bool] = ..., on_run_completed: _Optional[str] = ...) -> None: ...

class UpdateCronRequest(_message.Message):
    __slots__ = ("cron_id", "schedule", "payload", "metadata", "timezone", "end_time", "enabled", "on_run_completed")
    CRON_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ON_RUN_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    cron_id: str
    schedule: str
    payload: bytes
    metadata: bytes
    timezone: str
    end_time: str
    enabled: bool
    on_run_completed: str
    def __init__(self, cron_id: _Optional[str] = ..., schedule: _Optional[str] = ..., payload: _Optional[bytes] = ..., metadata: _Optional[bytes] = ..., timezone: _Optional[str] = ..., end_time: _Optional[str] = ..., enabled: _Optional[bool] = ..., on_run_completed: _Optional[str] = ...) -> None: ...

class GetCronRequest(_message.Message):
    __slots__ = ("cron_id",)
    CRON_ID_FIELD_NUMBER: _ClassVar[int]
    cron_id: str
    def __init__(self, cron_id: _Optional[str] = ...) -> None: ...

class SearchCronsRequest(_message.Message):
    __slots__ = ("assistant_id", "thread_id", "limit", "offset", "enabled", "metadata", "sort_by", "sort_order")
    ASSISTANT_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    assistant_id: str
    thread_id: str
    limit: int
    offset: int
    enabled: bool
    metadata: bytes
    sort_by: str
    sort_order: str
    def __init__(self, assistant_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., enabled: _Optional[bool] = ..., metadata: _Optional[bytes] = ..., sort_by: _Optional[str] = ..., sort_order: _Optional[str] = ...) -> None: ...

class CronList(_message.Message):
    __slots__ = ("crons",)
    CRONS_FIELD_NUMBER: _ClassVar[int]
    crons: _containers.RepeatedCompositeFieldContainer[Cron]
    def __init__(self, crons: _Optional[_Iterable[_Union[Cron, _Mapping]]] = ...) -> None: ...
