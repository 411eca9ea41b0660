"""Talking to the bot: `perevir run` (Telegram), `perevir chat` (this terminal), `perevir ask`."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sys
from typing import Annotated

import typer

from bot.cli import shapes
from bot.cli.shared import knowledge, settings, startup_faults
from bot.config import Settings

NO_TOKEN = """No Telegram bot token is set, so the bot cannot go online yet.

To get one: open Telegram, talk to @BotFather, send /newbot and follow the steps.
Then put the token in a .env file next to the Makefile:

    TELEGRAM_BOT_TOKEN=123456789:AA...

and run `make run` again.

Meanwhile you can try the bot right here in the terminal: `perevir chat`."""


COUNSELLOR_INTRO = """Perevir's counsellor desk in your terminal, as {name}.
Requests from `perevir chat` appear here. Type a number to choose (e.g. Take), /cases,
/case TAG, /transfer, /close; anything else goes to the person. /quit to leave.
"""


def _chat(config: Settings, counsellor: str | None = None) -> None:
    from bot.terminal import Terminal, TerminalChat, terminal_settings
    from bot.wiring import open_bot, open_storage

    config = terminal_settings(config)
    with startup_faults():
        assembled = open_bot(config, knowledge(config), open_storage(config))
    chat: Terminal
    if counsellor is None:
        chat = TerminalChat(assembled)
        typer.echo(
            "Perevir in your terminal. Type a question, a number to choose, /quit to leave.\n"
        )
    else:
        from bot.counsellor_terminal import CounsellorTerminal, locale_language

        chat = CounsellorTerminal(assembled, counsellor, locale_language())
        typer.echo(COUNSELLOR_INTRO.format(name=counsellor))
    chat.loop(input, typer.echo, lambda: typer.echo("> ", nl=False))


def run() -> None:
    """Run the Telegram bot (long polling)."""
    config = settings()
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # import chatter
    if config.telegram_bot_token is None:
        typer.echo(NO_TOKEN)
        if sys.stdin.isatty() and typer.confirm("\nStart the local console now?", default=True):
            _chat(config)
        return
    from bot.startup import bot_api_fault, check_bot_api
    from bot.wiring import open_bot, open_storage

    token = config.telegram_bot_token.get_secret_value()
    api_url = config.telegram_api_url
    with startup_faults():
        # The quick checks first (and before the heavy imports): the language models take a while.
        storage = open_storage(config)
        asyncio.run(check_bot_api(token, api_url))
        assembled = open_bot(config, knowledge(config), storage)

    from telegram.error import TelegramError

    from bot.reload import ContentWatcher
    from bot.tg.app import build_application, quiet_logs, start, stop, watch_content

    quiet_logs()
    application = build_application(token, api_url, assembled, rate_limit=config.rate_limit)
    watch_content(application, ContentWatcher(config.content_dir, assembled, config.models_dir))

    async def serve() -> None:
        try:
            await start(application)
        except TelegramError as exc:
            with contextlib.suppress(Exception):
                await stop(application)
            raise bot_api_fault(exc, token, api_url) from None
        typer.echo("Perevir is running. Press Ctrl+C to stop.")
        # Start-up objects (content, indexes, models) live as long as the process: frozen out of
        # the collector, so a full collection no longer walks them (a pause of ~200 ms).
        gc.collect()
        gc.freeze()
        try:
            await asyncio.Event().wait()
        finally:
            await stop(application)

    try:
        with startup_faults():
            asyncio.run(serve())
    except KeyboardInterrupt:
        typer.echo("Stopped.")


def chat(
    counsellor: Annotated[
        str | None,
        typer.Option(
            "--counsellor",
            metavar="NAME",
            help="Play a counsellor instead, on the same database: take and answer the "
            "requests of `perevir chat` run in another terminal.",
        ),
    ] = None,
) -> None:
    """Talk to the bot in this terminal (no Telegram needed)."""
    if counsellor is not None and not counsellor.strip():
        typer.echo("--counsellor needs a name", err=True)
        raise typer.Exit(2)
    _chat(settings(), counsellor)


def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question, in Ukrainian or English.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Answer in uk or en.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        str | None,
        typer.Option("--jsonl", help='A file (or -) of {"text", "lang"?} lines: one answer each.'),
    ] = None,
) -> None:
    """Answer one question from the FAQ (or one per line with --jsonl)."""
    if lang not in (None, "uk", "en"):
        typer.echo("--lang must be uk or en", err=True)
        raise typer.Exit(2)
    if (question is None) == (jsonl is None):
        typer.echo("give a question, or --jsonl FILE (- for standard input)", err=True)
        raise typer.Exit(2)
    dialogue = knowledge(settings()).dialogue
    if jsonl is not None:
        from bot.cli.batch import answer_each

        answer_each(
            jsonl,
            lambda r: shapes.ask_json(
                dialogue.understand(r["text"], r.get("lang") or lang, force=r.get("lang") or lang)
            ),
        )
        return
    assert question is not None
    result = dialogue.understand(question, lang, force=lang)
    if as_json:
        typer.echo(shapes.dumps(shapes.ask_json(result)))
        return
    from bot.terminal import plain  # the assembled bot's module: only for the plain text

    outcome = dialogue.question(question, lang)
    typer.echo("\n\n".join(plain(r.text) for r in outcome.replies))
