"""Pseudonymous identifiers: a keyed hash of Telegram ids, never the ids themselves."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(key: bytes, telegram_id: int) -> str:
    """HMAC-SHA256 of a Telegram id under the secret key, hex (64 characters)."""
    return hmac.new(key, str(int(telegram_id)).encode(), hashlib.sha256).hexdigest()
