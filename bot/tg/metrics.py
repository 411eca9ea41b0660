"""Prometheus metrics of the ingress and the workers (served at /metrics).

Counts and timings only: no text, no ids, no labels that could name a person.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)
"""Perevir's own registry (the process collectors of the default one are not needed)."""

RECEIVED = Counter(
    "perevir_updates_received", "Updates recorded in the inbox.", ["via"], registry=REGISTRY
)
REFUSED = Counter(
    "perevir_webhook_refused",
    "Webhook requests refused (wrong secret, bad body).",
    ["why"],
    registry=REGISTRY,
)
HANDLED = Counter(
    "perevir_updates_handled", "Updates handled, by outcome.", ["outcome"], registry=REGISTRY
)
HANDLING_SECONDS = Histogram(
    "perevir_update_handling_seconds",
    "Time from claiming an update to marking it handled.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
SENT = Counter("perevir_outbox_sent", "Bot API calls made from the outbox.", registry=REGISTRY)
TOO_MANY = Counter(
    "perevir_telegram_429", "Bot API calls answered 429 (too many requests).", registry=REGISTRY
)
INBOX_BACKLOG = Gauge(
    "perevir_inbox_backlog", "Updates recorded and not yet handled.", registry=REGISTRY
)
OUTBOX_BACKLOG = Gauge(
    "perevir_outbox_backlog", "Outbox calls not yet made (pending).", registry=REGISTRY
)
CASES_WAITING = Gauge(
    "perevir_cases_waiting", "Hand-off requests waiting for a counsellor.", registry=REGISTRY
)
OLDEST_WAITING_SECONDS = Gauge(
    "perevir_case_oldest_waiting_seconds",
    "How long the oldest waiting request has waited (0 when none).",
    registry=REGISTRY,
)
SENDING = Gauge(
    "perevir_outbox_sender_active",
    "1 when this process is the one that sends.",
    registry=REGISTRY,
)
