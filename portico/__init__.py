"""Portico's composition root: the ``portico`` CLI and the process wiring of core, workers and gateway.

``from portico import Auth`` is the auth object of a project's auth module: ``langgraph_sdk.Auth`` plus
``Auth(default="deny")``.
"""

from auth.handlers import Auth

__all__ = ["Auth"]
