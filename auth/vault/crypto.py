"""Encryption at rest for the vault: AES-256-GCM under a key ring, bound to the row by associated data.

``PORTICO_VAULT_KEYS="kid1:<base64 32 bytes>,kid0:<…>"``: the first key encrypts, every listed key
decrypts, so a rotation is "put the new key first, run ``portico vault rotate``, then drop the old one".
Each sealed value records its key id. The associated data names what the value is ("token", "pkce") and
the (tenant, user, provider) it belongs to, length-prefixed so no two triples encode alike: a ciphertext
copied to another user's row, or a PKCE verifier moved into a token row, fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auth.vault.errors import VaultConfigError, VaultKeyError

__all__ = ["KeyRing", "Sealed", "associated_data", "generate_key"]

_NONCE_BYTES = 12
_AAD_PREFIX = b"portico-vault/v1"


@dataclass(frozen=True)
class Sealed:
    """One encrypted value as stored: the key id, the nonce and the ciphertext (with its GCM tag)."""

    key_id: str
    nonce: bytes
    ciphertext: bytes


def associated_data(purpose: str, *parts: str) -> bytes:
    """The unambiguous encoding of ``purpose`` and ``parts`` (each length-prefixed UTF-8)."""
    out = bytearray(_AAD_PREFIX)
    for part in (purpose, *parts):
        raw = part.encode()
        out += struct.pack(">I", len(raw)) + raw
    return bytes(out)


def generate_key() -> str:
    """A new random key, base64-encoded as ``PORTICO_VAULT_KEYS`` expects it."""
    return base64.b64encode(os.urandom(32)).decode()


class KeyRing:
    """Named AES-256 keys; the first one is current (it encrypts), any one decrypts what it sealed."""

    def __init__(self, keys: list[tuple[str, bytes]]) -> None:
        if not keys:
            raise VaultConfigError("the vault key ring is empty")
        ids = [kid for kid, _ in keys]
        if len(set(ids)) != len(ids):
            raise VaultConfigError("PORTICO_VAULT_KEYS: a key id is listed twice")
        for kid, key in keys:
            if len(key) != 32:
                raise VaultConfigError(f"PORTICO_VAULT_KEYS: key {kid!r} must be 32 bytes (got {len(key)})")
        self._keys = {kid: AESGCM(key) for kid, key in keys}
        self.current_id = ids[0]
        self.key_ids = tuple(ids)

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """``"kid1:<base64>,kid0:<base64>"`` (whitespace around entries ignored)."""
        keys = []
        for entry in (e.strip() for e in text.split(",")):
            if not entry:
                continue
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid.strip():
                raise VaultConfigError(
                    "PORTICO_VAULT_KEYS: expected 'kid:<base64 key>' entries, comma-separated"
                )
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except (binascii.Error, ValueError):
                raise VaultConfigError(
                    f"PORTICO_VAULT_KEYS: key {kid.strip()!r} is not valid base64"
                ) from None
            keys.append((kid.strip(), key))
        return cls(keys)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        """Encrypt under the current key with a fresh random nonce."""
        nonce = os.urandom(_NONCE_BYTES)
        return Sealed(self.current_id, nonce, self._keys[self.current_id].encrypt(nonce, plaintext, aad))

    def open(self, sealed: Sealed, aad: bytes) -> bytes:
        """Decrypt; ``VaultKeyError`` when the key is gone or the value does not belong to ``aad``."""
        key = self._keys.get(sealed.key_id)
        if key is None:
            raise VaultKeyError(
                f"a stored secret is encrypted under key {sealed.key_id!r}, which is not in PORTICO_VAULT_KEYS"
            )
        try:
            return key.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except InvalidTag:
            raise VaultKeyError(
                "a stored secret does not decrypt: it was altered or does not belong to this row"
            ) from None
