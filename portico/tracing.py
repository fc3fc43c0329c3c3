"""Turn OpenTelemetry tracing on from the project's ``[telemetry]`` table and the standard ``OTEL_*`` variables.

```toml
[telemetry]
otlp_endpoint = "http://127.0.0.1:4318"   # OTLP/HTTP base URL; spans go to {otlp_endpoint}/v1/traces
service_name = "my-agents"                # default "portico"
record_content = false                    # true: message contents on spans (may hold personal data)
```

The environment wins over the file, key by key, as the SDK's own configuration does everywhere else: an
``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`` replaces ``otlp_endpoint`` (and the SDK reads its headers, protocol
options …), ``OTEL_SERVICE_NAME`` (or ``service.name`` in ``OTEL_RESOURCE_ATTRIBUTES``) replaces
``service_name``, ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`` (the GenAI instrumentations' switch)
replaces ``record_content``, and ``OTEL_SDK_DISABLED=true`` turns tracing off whatever the file says. So one
config file serves every environment, and an operator can redirect or silence a deployment without editing it.
Tracing is off unless an endpoint is set one way or the other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["TelemetrySettings", "configure_tracing", "load_telemetry"]

log = logging.getLogger("portico")

_ENDPOINT_VARS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_CONTENT_VAR = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


@dataclass(frozen=True)
class TelemetrySettings:
    """The ``[telemetry]`` table with the environment applied (see the module docstring for who wins)."""

    otlp_endpoint: str | None = None
    """OTLP/HTTP base URL from the file; None when unset or when an ``OTEL_EXPORTER_OTLP_*`` variable wins."""
    service_name: str = "portico"
    record_content: bool = False

    @classmethod
    def from_config(
        cls, section: Mapping[str, Any] | None, env: Mapping[str, str], *, where: str = "telemetry"
    ) -> TelemetrySettings:
        """Validate a ``[telemetry]`` table (None: absent) and apply ``env`` over it.

        Raises:
            core.graphs.ConfigError: an unknown key or a value of the wrong type, naming the key.
        """
        from core.graphs.project import ConfigError

        section = dict(section or {})
        known = {"otlp_endpoint": str, "service_name": str, "record_content": bool}
        for key, value in section.items():
            if key not in known:
                raise ConfigError(f"{where}.{key}: unknown setting (expected one of {', '.join(known)})")
            if not isinstance(value, known[key]) or (known[key] is str and not value.strip()):
                raise ConfigError(
                    f"{where}.{key}: expected a {'boolean' if known[key] is bool else 'string'}"
                )
        endpoint = None if any(env.get(v) for v in _ENDPOINT_VARS) else section.get("otlp_endpoint")
        record_content = bool(section.get("record_content", False))
        override = env.get(_CONTENT_VAR, "").strip().lower()
        if override in _TRUE or override in _FALSE:
            record_content = override in _TRUE
        return cls(
            otlp_endpoint=endpoint,
            service_name=section.get("service_name", cls.service_name),
            record_content=record_content,
        )


def load_telemetry(config_path: str | None, env: Mapping[str, str]) -> TelemetrySettings:
    """The ``[telemetry]`` table of the project config at ``config_path`` (none: defaults) with ``env`` applied.

    Reads the project as the core does (``load_project``), which also loads the project's ``env`` into the
    process environment: ``OTEL_*`` variables set there count as environment too.
    """
    if config_path is None or not Path(config_path).exists():
        return TelemetrySettings.from_config(None, env)
    from core.graphs import load_project

    project = load_project(config_path)
    return TelemetrySettings.from_config(
        project.raw.get("telemetry"), env, where=f"{project.config_path}: telemetry"
    )


def configure_tracing(env: Mapping[str, str], telemetry: TelemetrySettings | None = None) -> bool:
    """Install an SDK tracer provider exporting OTLP/HTTP when an endpoint is configured (``telemetry`` or
    ``OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT``); True when tracing is on."""
    telemetry = telemetry or TelemetrySettings()
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    from_env = any(env.get(v) for v in _ENDPOINT_VARS)
    if not (from_env or telemetry.otlp_endpoint):
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            'an OTLP endpoint is configured but tracing needs `pip install -e ".[otel]"`; tracing is off'
        )
        return False
    # The SDK reads OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES itself; an attribute passed here would win.
    named_by_env = env.get("OTEL_SERVICE_NAME") or "service.name=" in env.get("OTEL_RESOURCE_ATTRIBUTES", "")
    attributes = {} if named_by_env else {"service.name": telemetry.service_name}
    exporter = (
        OTLPSpanExporter()  # the SDK reads the endpoint (and headers, timeout …) from OTEL_* itself
        if from_env
        else OTLPSpanExporter(endpoint=f"{str(telemetry.otlp_endpoint).rstrip('/')}/v1/traces")
    )
    provider = TracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True
