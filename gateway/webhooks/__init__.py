"""Outbound deliveries: the dispatcher that sends run webhooks and A2A push notifications from the core's outbox."""

from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.safety import DeliveryTarget, Refused, TargetPolicy, address_refusal
from gateway.webhooks.settings import DEFAULT_SCHEDULE, WebhookSettings

__all__ = [
    "DEFAULT_SCHEDULE",
    "DeliveryTarget",
    "Refused",
    "TargetPolicy",
    "WebhookDispatcher",
    "WebhookSettings",
    "address_refusal",
]
