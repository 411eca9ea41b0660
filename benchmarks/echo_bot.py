"""The yardstick: a bare python-telegram-bot echo bot, long polling, no rate limiter.

`python -m benchmarks.echo_bot` with TELEGRAM_BOT_TOKEN and PEREVIR_TELEGRAM_API_URL set;
it answers every text with the same text, as fast as PTB can.
"""

from __future__ import annotations

import asyncio
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_message is not None and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


async def serve() -> None:
    """Poll and echo until killed."""
    base_url = os.environ["PEREVIR_TELEGRAM_API_URL"]
    app = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10, allowed_updates=["message"])
        print("The echo bot is running.", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve())
