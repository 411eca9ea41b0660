"""Perevir: a Telegram bot that helps people looking for work abroad stay safe."""

__version__ = "0.1.0"
