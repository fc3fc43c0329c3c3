"""JSON responses through the one codec (orjson; LangChain messages and pydantic models as JSON)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from protos import codec

__all__ = ["JSONResponse", "no_content"]


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return codec.dumps(content)


def no_content() -> Response:
    return Response(status_code=204)
