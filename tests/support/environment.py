"""The environment for running the real `perevir` process in tests."""

from __future__ import annotations

import os

PROXIES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def clean_environment() -> dict[str, str]:
    """Ours, minus any Perevir or Telegram setting and any proxy (the caller adds its own)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PEREVIR_", "TELEGRAM_")) and key.lower() not in PROXIES
    }
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env
