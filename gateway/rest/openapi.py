"""``/openapi.json`` (OpenAPI 3.1) generated from the route table, and a small ``/docs`` page that reads it."""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from gateway.rest._routing import ApiRoute, _is_list
from gateway.rest.schemas import ErrorResponse

__all__ = ["DOCS_HTML", "build_openapi"]

_REF = "#/components/schemas/{model}"
_STATUS_TEXT = {200: "OK", 202: "Accepted", 204: "No Content"}
_ERROR_TEXT = {
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict (busy thread, taken id)",
    422: "Invalid or unsupported request",
    501: "Not implemented",
    503: "Core unavailable",
}
_HEADERS = {
    "Last-Event-ID": "Resume after this event id (the seq of the last event received); '-' or -1: from the start.",
    "Prefer": "'return=minimal' answers 204 without a body.",
}


class _Schemas:
    """Collects the pydantic models the routes use, so each becomes one component referenced by ``$ref``."""

    def __init__(self) -> None:
        self.models: dict[tuple[type[BaseModel], str], None] = {}

    def of(self, annotation: Any, mode: str) -> dict[str, Any]:
        if isinstance(annotation, dict):
            return annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.models[(annotation, mode)] = None
            return {"$ref": _REF.format(model=annotation.__name__)}
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            return {"type": "array", "items": self.of(item, mode)}
        return TypeAdapter(annotation).json_schema(ref_template=_REF, mode=mode)  # type: ignore[arg-type]

    def components(self) -> dict[str, Any]:
        if not self.models:
            return {}
        _, top = models_json_schema(list(self.models), ref_template=_REF)
        return dict(top.get("$defs", {}))


def _operation_id(route: ApiRoute) -> str:
    words = re.sub(r"[{}:]|path", "", route.openapi_path).strip("/").replace("/", "_").replace("-", "_")
    return f"{route.method.lower()}_{words or 'root'}"


def _parameters(route: ApiRoute, schemas: _Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)", route.path)
    ]
    if route.query is not None:
        for name, field in route.query.model_fields.items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": field.is_required(),
                "schema": schemas.of(field.annotation, "validation"),
            }
            if field.description:
                param["description"] = field.description
            if _is_list(field.annotation):
                param.update(style="form", explode=True)
            params.append(param)
    for header in route.headers:
        params.append(
            {
                "name": header,
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": _HEADERS.get(header, ""),
            }
        )
    return params


def _responses(route: ApiRoute, schemas: _Schemas) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": _STATUS_TEXT.get(route.status, "OK")}
    if route.sse:
        ok["content"] = {"text/event-stream": {"schema": schemas.of(route.response, "serialization")}}
    elif route.response is not None and route.status not in (202, 204):
        schema = schemas.of(route.response, "serialization")
        ok["description"] = (
            schema.pop("description", ok["description"]) if "$ref" not in schema else ok["description"]
        )
        ok["content"] = {"application/json": {"schema": schema}}
    responses: dict[str, Any] = {str(route.status): ok}
    if route.method == "POST" and route.path.endswith("/cancel") and route.query is not None:
        responses["204"] = {"description": "Stopped (wait=1)"}
    error = {"application/json": {"schema": schemas.of(ErrorResponse, "serialization")}}
    for status in sorted({*route.errors, 503}):
        responses[str(status)] = {"description": _ERROR_TEXT.get(status, "Error"), "content": error}
    return responses


def build_openapi(routes: list[ApiRoute], *, title: str, version: str) -> dict[str, Any]:
    """An OpenAPI 3.1 document describing ``routes``: parameters, bodies, responses and errors."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, None] = {}
    for route in routes:
        tags[route.tag] = None
        operation: dict[str, Any] = {
            "operationId": _operation_id(route),
            "summary": route.summary,
            "tags": [route.tag],
            "parameters": _parameters(route, schemas),
            "responses": _responses(route, schemas),
        }
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schemas.of(route.body, "validation")}},
            }
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "The LangGraph Platform Agent Protocol, served by Portico.",
        },
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": schemas.components()},
    }


DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Portico API</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}
details{margin:.3rem 0;border:1px solid #e4e4e4;border-radius:4px;padding:.3rem .6rem}
summary{cursor:pointer}.m{display:inline-block;width:4.5rem;font-weight:600}
pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:12px}
</style></head><body>
<h1>Portico API</h1><p>The machine-readable description is at <a href="openapi.json">openapi.json</a>.</p>
<div id="ops">Loading…</div>
<script>
fetch("openapi.json").then(r => r.json()).then(spec => {
  const byTag = {};
  for (const [path, ops] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(ops))
      (byTag[op.tags[0]] ||= []).push([method, path, op]);
  const root = document.getElementById("ops"); root.textContent = "";
  for (const [tag, ops] of Object.entries(byTag)) {
    const h = document.createElement("h2"); h.textContent = tag; root.appendChild(h);
    for (const [method, path, op] of ops) {
      const d = document.createElement("details");
      const s = document.createElement("summary");
      s.innerHTML = `<span class="m">${method.toUpperCase()}</span><code></code> — `;
      s.querySelector("code").textContent = path; s.append(op.summary || "");
      const pre = document.createElement("pre");
      pre.textContent = JSON.stringify({parameters: op.parameters, requestBody: op.requestBody,
                                        responses: op.responses}, null, 2);
      d.append(s, pre); root.appendChild(d);
    }
  }
});
</script></body></html>
"""
