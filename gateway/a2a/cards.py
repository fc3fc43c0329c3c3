"""Agent cards built from assistants: name, description, skills, modes, capabilities and the URLs of every
binding, from the configured public URL or else the request's ``Host``."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentProvider,
    AgentSkill,
    APIKeySecurityScheme,
    HTTPAuthSecurityScheme,
    SecurityRequirement,
    SecurityScheme,
    StringList,
)
from a2a.utils.constants import PROTOCOL_VERSION_0_3, PROTOCOL_VERSION_1_0, TransportProtocol

from gateway.a2a.mapping import INPUT_MODES, OUTPUT_MODES

__all__ = ["API_KEY_SCHEME", "A2ASettings", "BEARER_SCHEME", "Endpoints", "assistant_path", "build_card"]

BEARER_SCHEME = "bearer"
API_KEY_SCHEME = "operatorKey"


@dataclass(frozen=True)
class A2ASettings:
    """The A2A adapter's configuration, built once by whoever creates the gateway."""

    public_url: str | None = None
    """Base URL the cards advertise for the HTTP bindings (e.g. ``https://agents.example.com``); None: the
    request's scheme and ``Host``."""
    grpc_url: str | None = None
    """``host:port`` the cards advertise for the gRPC binding; None: the request's host and ``grpc_port``."""
    grpc_port: int | None = None
    """The core's gRPC port, where the A2A gRPC service is served; None: no gRPC binding advertised."""
    default_assistant: str | None = None
    """The assistant served at the domain root (``/.well-known/agent-card.json``); None: the first graph's."""
    version: str = "0.1.0"
    auth: bool = False
    """The deployment authenticates every caller (it has an auth module): the cards declare how."""

    @classmethod
    def from_env(cls, **overrides: Any) -> A2ASettings:
        """Defaults, then ``PORTICO_PUBLIC_URL`` / ``PORTICO_A2A_GRPC_URL`` / ``PORTICO_A2A_DEFAULT_ASSISTANT``,
        then explicit overrides (None: not given). Read once, by the composition root."""
        env = os.environ
        values: dict[str, Any] = {
            "public_url": env.get("PORTICO_PUBLIC_URL") or None,
            "grpc_url": env.get("PORTICO_A2A_GRPC_URL") or None,
            "default_assistant": env.get("PORTICO_A2A_DEFAULT_ASSISTANT") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        if env.get("PORTICO_A2A_DEFAULT_ASSISTANT"):
            values["default_assistant"] = env["PORTICO_A2A_DEFAULT_ASSISTANT"]
        return cls(**values)


@dataclass(frozen=True)
class Endpoints:
    """Where this request's caller reaches the deployment."""

    base_url: str
    grpc_url: str | None


def assistant_path(assistant: dict[str, Any]) -> str:
    """The path segment naming an assistant: a graph's default assistant by its graph id, others by id."""
    if (assistant.get("metadata") or {}).get("created_by") == "system":
        return str(assistant["graph_id"])
    return str(assistant["assistant_id"])


def _skills(assistant: dict[str, Any], description: str) -> list[AgentSkill]:
    declared = (assistant.get("metadata") or {}).get("skills")
    skills = []
    if isinstance(declared, list):
        for index, item in enumerate(declared):
            if not isinstance(item, dict):
                continue
            skills.append(
                AgentSkill(
                    id=str(item.get("id") or f"{assistant['graph_id']}-{index}"),
                    name=str(item.get("name") or item.get("id") or assistant["graph_id"]),
                    description=str(item.get("description") or description),
                    tags=[str(t) for t in item.get("tags") or [assistant["graph_id"]]],
                    examples=[str(e) for e in item.get("examples") or []],
                )
            )
    if not skills:
        skills.append(
            AgentSkill(
                id=str(assistant["graph_id"]),
                name=str(assistant.get("name") or assistant["graph_id"]),
                description=description,
                tags=[str(assistant["graph_id"])],
                input_modes=INPUT_MODES,
                output_modes=OUTPUT_MODES,
            )
        )
    return skills


def build_card(
    assistant: dict[str, Any], endpoints: Endpoints, settings: A2ASettings, *, root: bool = False
) -> AgentCard:
    """The public agent card of ``assistant``.

    Args:
        root: the card served at the domain root, whose HTTP+JSON binding is the root paths.
    """
    path = assistant_path(assistant)
    base = endpoints.base_url.rstrip("/")
    endpoint = f"{base}/a2a/{path}"
    description = str(
        assistant.get("description") or f"LangGraph agent {assistant['graph_id']} served by Portico"
    )
    interfaces = [
        AgentInterface(
            url=endpoint, protocol_binding=TransportProtocol.JSONRPC, protocol_version=PROTOCOL_VERSION_1_0
        ),
        AgentInterface(
            url=base if root else endpoint,
            protocol_binding=TransportProtocol.HTTP_JSON,
            protocol_version=PROTOCOL_VERSION_1_0,
        ),
    ]
    if endpoints.grpc_url:
        interfaces.append(
            AgentInterface(
                url=endpoints.grpc_url,
                protocol_binding=TransportProtocol.GRPC,
                protocol_version=PROTOCOL_VERSION_1_0,
                tenant=path,
            )
        )
    # Older clients read the 0.3 layout (url, preferredTransport, additionalInterfaces) from these.
    interfaces.append(
        AgentInterface(
            url=endpoint, protocol_binding=TransportProtocol.JSONRPC, protocol_version=PROTOCOL_VERSION_0_3
        )
    )
    interfaces.append(
        AgentInterface(
            url=endpoint, protocol_binding=TransportProtocol.HTTP_JSON, protocol_version=PROTOCOL_VERSION_0_3
        )
    )
    return AgentCard(
        name=str(assistant.get("name") or assistant["graph_id"]),
        description=description,
        supported_interfaces=interfaces,
        provider=AgentProvider(organization="Portico", url=base),
        version=settings.version,
        capabilities=AgentCapabilities(streaming=True, push_notifications=True, extended_agent_card=True),
        security_schemes=_SECURITY_SCHEMES if settings.auth else None,
        security_requirements=_SECURITY_REQUIREMENTS if settings.auth else None,
        default_input_modes=INPUT_MODES,
        default_output_modes=OUTPUT_MODES,
        skills=_skills(assistant, description),
    )


# What the gateway's AuthMiddleware accepts: the project's own bearer tokens (as over REST), or an
# operator's key; either one alone is enough.
_SECURITY_SCHEMES = {
    BEARER_SCHEME: SecurityScheme(
        http_auth_security_scheme=HTTPAuthSecurityScheme(
            scheme="Bearer", description="A user's token, checked by the deployment's auth module (as REST)."
        )
    ),
    API_KEY_SCHEME: SecurityScheme(
        api_key_security_scheme=APIKeySecurityScheme(
            location="header", name="x-api-key", description="An operator key (pko_…) with a role."
        )
    ),
}
_SECURITY_REQUIREMENTS = [
    SecurityRequirement(schemes={BEARER_SCHEME: StringList()}),
    SecurityRequirement(schemes={API_KEY_SCHEME: StringList()}),
]
