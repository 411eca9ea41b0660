"""Pseudonymous identifiers (a keyed hash of Telegram ids, never the ids themselves), and the
sealing of what a person wrote while it is held for a few minutes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os


def pseudonym(key: bytes, telegram_id: int) -> str:
    """HMAC-SHA256 of a Telegram id under the secret key, hex (64 characters)."""
    return hmac.new(key, str(int(telegram_id)).encode(), hashlib.sha256).hexdigest()


HELD_KEY_LABEL = b"perevir held items v1"
SEALED_PREFIX = "v1:"


def held_key(secret: bytes) -> bytes:
    """The 32-byte key that seals held texts, derived from a secret of the settings (its
    own label, so it never equals a pseudonym)."""
    return hmac.new(secret, HELD_KEY_LABEL, hashlib.sha256).digest()


class SealError(Exception):
    """A sealed value that this key cannot open (another key, or tampered)."""


class Sealer:
    """Seals a person's text with AES-GCM: a fresh nonce per value, bound to where it is
    stored (`context`), so a value copied to another row or person does not open."""

    def __init__(self, key: bytes) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)

    def seal(self, plain: str, context: str) -> str:
        """The sealed text, printable."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plain.encode(), context.encode())
        return SEALED_PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, context: str) -> str:
        """The text that `seal` sealed for this context; SealError otherwise."""
        from cryptography.exceptions import InvalidTag

        if not sealed.startswith(SEALED_PREFIX):
            raise SealError("not a sealed value")
        try:
            raw = base64.b64decode(sealed[len(SEALED_PREFIX) :], validate=True)
            plain: bytes = self._aead.decrypt(raw[:12], raw[12:], context.encode())
            return plain.decode()
        except (InvalidTag, ValueError) as exc:
            raise SealError(type(exc).__name__) from exc
