"""The long-term memory store: LangGraph's store with Portico's index, TTL and access rules."""

from core.store.access import ALLOW_ALL, StoreAccess
from core.store.config import StoreConfig, parse_store_config

__all__ = ["ALLOW_ALL", "StoreAccess", "StoreConfig", "parse_store_config"]
