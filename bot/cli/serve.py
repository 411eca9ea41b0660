"""Webhook mode: `perevir ingress` (receives Telegram's POSTs), `perevir worker` (handles what
the inbox holds; run any number), `perevir webhook set | delete` (tells Telegram)."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
from typing import Annotated, Any

import typer

from bot.cli.run import NO_TOKEN
from bot.cli.shared import knowledge, settings, startup_faults
from bot.config import Settings

webhook_app = typer.Typer(help="Tell Telegram where to deliver updates.", no_args_is_help=True)

NO_SECRET = """No webhook secret is set (PEREVIR_WEBHOOK_SECRET): without it anyone could post
updates to the ingress. Make one, e.g.

    python -c "import secrets; print(secrets.token_urlsafe(48))"

and give the same value to the ingress and to `perevir webhook set`."""


def _logging(config: Settings) -> None:
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from bot.tg.app import quiet_logs

    quiet_logs()


def _secret(config: Settings) -> str:
    if config.webhook_secret is None:
        typer.echo(NO_SECRET, err=True)
        raise typer.Exit(2)
    return config.webhook_secret.get_secret_value()


def _token(config: Settings) -> str:
    if config.telegram_bot_token is None:
        typer.echo(NO_TOKEN, err=True)
        raise typer.Exit(2)
    return config.telegram_bot_token.get_secret_value()


def _server(app: Any, host: str, port: int) -> Any:
    import uvicorn

    # No access log: addresses and timings only would still be more than is needed.
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    return uvicorn.Server(config)


def ingress(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
) -> None:
    """Receive Telegram's webhook POSTs and commit each update to the inbox (behind a TLS
    reverse proxy); also /healthz, /readyz and /metrics."""
    config = settings()
    _logging(config)
    secret = _secret(config)
    from bot.tg.webhook import webhook_app as build
    from bot.wiring import open_storage

    with startup_faults():
        storage = open_storage(config)
    server = _server(build(storage.people, secret, config.webhook_path), host, port)
    typer.echo(f"Perevir ingress on http://{host}:{port}{config.webhook_path}")
    asyncio.run(server.serve())


def worker(
    name: Annotated[
        str | None,
        typer.Option(help="This worker's stable name (default PEREVIR_WORKER_NAME or the host)."),
    ] = None,
    ops_port: Annotated[
        int | None,
        typer.Option(help="Serve /healthz, /readyz and /metrics on this port."),
    ] = None,
    ops_host: Annotated[str, typer.Option(help="Address of the operations port.")] = "127.0.0.1",
) -> None:
    """Handle what the inbox holds, with any number of other workers on the same PostgreSQL
    database; SIGTERM drains (finishes the updates in hand, then stops)."""
    config = settings()
    _logging(config)
    token = _token(config)
    worker_name = (name or config.worker_name or socket.gethostname())[:64]
    from bot.reload import ContentWatcher
    from bot.startup import check_bot_api
    from bot.tg.app import build_application, start_worker, stop, watch_content
    from bot.tg.webhook import database_ready, ops_routes
    from bot.wiring import open_bot, open_storage

    with startup_faults():
        storage = open_storage(config)
        asyncio.run(check_bot_api(token, config.telegram_api_url))
        assembled = open_bot(config, knowledge(config), storage)
    application = build_application(
        token, config.telegram_api_url, assembled, rate_limit=config.rate_limit
    )
    watch_content(application, ContentWatcher(config.content_dir, assembled, config.models_dir))

    async def serve() -> None:
        await start_worker(application, worker_name, config.effective_database_url)
        gc.collect()
        gc.freeze()
        typer.echo(f"Perevir worker {worker_name} is running.")
        try:
            if ops_port is not None:
                from starlette.applications import Starlette

                ops = Starlette(routes=ops_routes(database_ready(assembled.people)))
                await _server(ops, ops_host, ops_port).serve()  # returns on SIGTERM/SIGINT
            else:
                stopped = asyncio.Event()
                loop = asyncio.get_running_loop()
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, stopped.set)
                await stopped.wait()
        finally:
            await stop(application)  # drains: the updates in hand are finished first
        typer.echo(f"Perevir worker {worker_name} stopped.")

    asyncio.run(serve())


@webhook_app.command("set")
def set_webhook(
    url: Annotated[
        str | None, typer.Option(help="The public HTTPS address (default PEREVIR_WEBHOOK_URL).")
    ] = None,
) -> None:
    """Point Telegram at the ingress, with the secret and the updates the bot handles."""
    config = settings()
    address = url or config.webhook_url
    if not address:
        typer.echo("give --url or set PEREVIR_WEBHOOK_URL", err=True)
        raise typer.Exit(2)
    token, secret = _token(config), _secret(config)
    from bot.tg.app import bare_application
    from bot.tg.app import set_webhook as tell

    done = asyncio.run(tell(bare_application(token, config.telegram_api_url), address, secret))
    typer.echo("Webhook set." if done else "Telegram did not accept the webhook.")
    raise typer.Exit(0 if done else 1)


@webhook_app.command("delete")
def delete_webhook() -> None:
    """Stop webhook delivery (updates wait for `perevir run` to poll them)."""
    config = settings()
    from bot.tg.app import bare_application
    from bot.tg.app import delete_webhook as tell

    done = asyncio.run(tell(bare_application(_token(config), config.telegram_api_url)))
    typer.echo("Webhook deleted." if done else "Telegram did not delete the webhook.")
    raise typer.Exit(0 if done else 1)
