"""gRPC servicers of the core: thin translations of ``portico.v1`` requests onto storage and LangGraph."""

from core.services.assistants import AssistantsService
from core.services.crons import CronsService
from core.services.metrics import MetricsService
from core.services.operators import OperatorsService
from core.services.runs import RunsService
from core.services.store import StoreService
from core.services.threads import ThreadsService
from core.services.vault import VaultService
from core.services.webhooks import WebhooksService

__all__ = [
    "AssistantsService",
    "CronsService",
    "MetricsService",
    "OperatorsService",
    "RunsService",
    "StoreService",
    "ThreadsService",
    "VaultService",
    "WebhooksService",
]
