"""Measurements of the bot's understanding on held-out labelled sets."""
