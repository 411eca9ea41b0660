"""Webhook ingress: Telegram POSTs each update here; it is committed to the inbox before the
answer, so an update is acknowledged (200) only once it is durable and Telegram redelivers
anything else. Workers (`perevir worker`) handle what the inbox holds.

Also the operations endpoints every process serves: /healthz (alive), /readyz (the database
answers), /metrics (Prometheus).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.db.errors import StorageError
from bot.db.repository import Incoming, Repository
from bot.tg import metrics
from bot.tg.intake import chat_of, cleaned

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000
"""Far above any update Telegram sends (texts are at most 4,096 characters)."""

Ready = Callable[[], Awaitable[bool]]


def ops_routes(ready: Ready) -> list[Route]:
    """/healthz, /readyz and /metrics."""

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_request: Request) -> Response:
        if await ready():
            return PlainTextResponse("ready")
        return PlainTextResponse("not ready", status_code=503)

    async def metrics_page(_request: Request) -> Response:
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_page),
    ]


def database_ready(repository: Repository) -> Ready:
    """Ready when the inbox can be read."""

    async def ready() -> bool:
        try:
            metrics.INBOX_BACKLOG.set(await repository.inbox_backlog())
        except StorageError:
            return False
        return True

    return ready


def webhook_app(repository: Repository, secret: str, path: str = "/telegram") -> Starlette:
    """The ingress: POST `path` with Telegram's secret header records one update."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            metrics.REFUSED.labels("secret").inc()
            log.warning("webhook: a request without the right secret was refused")
            return Response(status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            metrics.REFUSED.labels("size").inc()
            return Response(status_code=413)
        try:
            update = Update.de_json(json.loads(body), None)
        except (ValueError, TypeError, KeyError):
            metrics.REFUSED.labels("body").inc()
            log.warning("webhook: a body that is not an update was refused")
            return Response(status_code=400)
        update = cleaned(update)
        try:
            await repository.record_updates(
                [Incoming(update.update_id, update.to_json(), chat_of(update))]
            )
        except StorageError as exc:
            # Not durable, so not acknowledged: Telegram sends it again later.
            log.warning("webhook: inbox unavailable (%s); Telegram will retry", type(exc).__name__)
            return Response(status_code=503)
        metrics.RECEIVED.labels("webhook").inc()
        return Response(status_code=200)

    routes = [Route(path, receive, methods=["POST"]), *ops_routes(database_ready(repository))]
    return Starlette(routes=routes)
