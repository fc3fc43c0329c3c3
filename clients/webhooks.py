"""Standard Webhooks signatures: the signer Portico's dispatcher uses and a verifier for receivers.

A delivery carries ``webhook-id`` (stable across retries: deduplicate on it), ``webhook-timestamp`` (Unix
seconds of this attempt) and ``webhook-signature``: space-separated ``v1,<base64 HMAC-SHA256>`` of
``"{id}.{timestamp}.{body}"``, one per active secret (two while a secret is being rotated). Secrets are
written ``whsec_<base64 key>`` as the spec's libraries expect.

    from clients.webhooks import WebhookVerifier, WebhookVerificationError
    verifier = WebhookVerifier(["whsec_..."])
    payload = verifier.verify(body_bytes, request.headers)  # raises WebhookVerificationError
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

__all__ = ["WebhookVerificationError", "WebhookVerifier", "decode_secret", "sign"]

_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(Exception):
    """The request is not a genuine, fresh delivery."""


def decode_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_…`` secret (the prefix is optional)."""
    raw = secret[len(_PREFIX) :] if secret.startswith(_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ValueError("a webhook secret must be base64, optionally prefixed with whsec_") from exc


def sign(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value: one ``v1,…`` signature per secret."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    signatures = []
    for secret in secrets:
        digest = hmac.new(decode_secret(secret), content, hashlib.sha256).digest()
        signatures.append("v1," + base64.b64encode(digest).decode())
    return " ".join(signatures)


class WebhookVerifier:
    """Checks a delivery against any of ``secrets`` (list both old and new while rotating)."""

    def __init__(self, secrets: Iterable[str], *, tolerance_seconds: int = TOLERANCE_SECONDS) -> None:
        self._keys = [decode_secret(s) for s in secrets]
        if not self._keys:
            raise ValueError("at least one secret is required")
        self._tolerance = tolerance_seconds

    def verify(self, body: bytes, headers: Mapping[str, str], *, now: float | None = None) -> Any:
        """The parsed JSON body when the signature and timestamp check out; raises otherwise."""
        lower = {k.lower(): v for k, v in headers.items()}
        msg_id, stamp, header = (
            lower.get("webhook-id"),
            lower.get("webhook-timestamp"),
            lower.get("webhook-signature"),
        )
        if not (msg_id and stamp and header):
            raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
        try:
            timestamp = int(stamp)
        except ValueError:
            raise WebhookVerificationError("webhook-timestamp is not an integer") from None
        current = time.time() if now is None else now
        if abs(current - timestamp) > self._tolerance:
            raise WebhookVerificationError("webhook-timestamp is outside the tolerance")
        content = f"{msg_id}.{timestamp}.".encode() + body
        expected = [hmac.new(key, content, hashlib.sha256).digest() for key in self._keys]
        for part in header.split():
            version, _, encoded = part.partition(",")
            if version != "v1":
                continue
            try:
                given = base64.b64decode(encoded, validate=True)
            except ValueError:
                continue
            if any(hmac.compare_digest(given, e) for e in expected):
                return orjson.loads(body)
        raise WebhookVerificationError("no matching signature")
