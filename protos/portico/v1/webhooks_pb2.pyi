from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WebhookAttempt(_message.Message):
    __slots__ = ("attempt", "started_at", "status_code", "error", "duration_seconds")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    started_at: str
    status_code: int
    error: str
    duration_seconds: float
    def __init__(self, attempt: _Optional[int] = ..., started_at: _Optional[str] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., duration_seconds: _Optional[float] = ...) -> None: ...

class WebhookDelivery(_message.Message):
    __slots__ = ("delivery_id", "run_id", "thread_id", "kind", "url", "headers", "payload", "status", "attempts", "next_attempt_at", "last_status_code", "last_error", "created_at", "updated_at", "lease_epoch", "history")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    LEASE_EPOCH_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    run_id: str
    thread_id: str
    kind: str
    url: str
    headers: bytes
    payload: bytes
    status: str
    attempts: int
    next_attempt_at: str
    last_status_code: int
    last_error: str
    created_at: str
    updated_at: str
    lease_epoch: int
    history: _containers.RepeatedCompositeFieldContainer[WebhookAttempt]
    def __init__(self, delivery_id: _Optional[str] = ..., run_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., kind: _Optional[str] = ..., url: _Optional[str] = ..., headers: _Optional[bytes] = ..., payload: _Optional[bytes] = ..., status: _Optional[str] = ..., attempts: _Optional[int] = ..., next_attempt_at: _Optional[str] = ..., last_status_code: _Optional[int] = ..., last_error: _Optional[str] = ..., created_at: _Optional[str] = ..., updated_at: _Optional[str] = ..., lease_epoch: _Optional[int] = ..., history: _Optional[_Iterable[_Union[WebhookAttempt, _Mapping]]] = ...) -> None: ...

class ClaimDeliveriesRequest(_message.Message):
    __slots__ = ("owner", "limit", "lease_seconds", "wait_seconds")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    LEASE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WAIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    owner: str
    limit: int
    lease_seconds: float
    wait_seconds: float
    def __init__(self, owner: _Optional[str] = ..., limit: _Optional[int] = ..., lease_seconds: _Optional[float] = ..., wait_seconds: _Optional[float] = ...) -> None: ...

class WebhookDeliveryList(_message.Message):
    __slots__ = ("deliveries",)
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[WebhookDelivery]
    def __init__(self, deliveries: _Optional[_Iterable[_Union[WebhookDelivery, _Mapping]]] = ...) -> None: ...

class ReportDeliveryRequest(_message.Message):
    __slots__ = ("delivery_id", "lease_epoch", "delivered", "status_code", "error", "retry_in_seconds", "started_at", "duration_seconds")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    LEASE_EPOCH_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RETRY_IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    lease_epoch: int
    delivered: bool
    status_code: int
    error: str
    retry_in_seconds: float
    started_at: str
    duration_seconds: float
    def __init__(self, delivery_id: _Optional[str] = ..., lease_epoch: _Optional[int] = ..., delivered: _Optional[bool] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., retry_in_seconds: _Optional[float] = ..., started_at: _Optional[str] = ..., duration_seconds: _Optional[float] = ...) -> None: ...

class EnqueueDeliveryRequest(_message.Message):
    __slots__ = ("run_id", "thread_id", "kind", "url", "headers", "payload")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    thread_id: str
    kind: str
    url: str
    headers: bytes
    payload: bytes
    def __init__(self, run_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., kind: _Optional[str] = ..., url: _Optional[str] = ..., headers: _Optional[bytes] = ..., payload: _Optional[bytes] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("run_id", "thread_id", "limit")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    THREAD_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    thread_id: str
    limit: int
    def __init__(self, run_id: _Optional[str] = ..., thread_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...
