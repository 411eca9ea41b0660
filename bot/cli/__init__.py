"""The `perevir` command: run the bot, try it in a terminal, check content, train and evaluate.

One small module per command group, each calling the same use cases the bot uses:

- :mod:`bot.cli.run` — ``run``, ``chat``, ``ask``
- :mod:`bot.cli.serve` — ``ingress``, ``worker``, ``webhook set | delete`` (webhook mode)
- :mod:`bot.cli.model` — ``train``, ``check-ad``, ``data split``
- :mod:`bot.cli.stats` — ``stats``
- :mod:`bot.cli.content` — ``content check | preview | gaps``
- :mod:`bot.cli.evaluate` — ``evaluate faq | langid | risk``
- :mod:`bot.cli.shared` — settings, the knowledge, start-up faults as one line
- :mod:`bot.cli.shapes` — every JSON object the command prints

The entry point is ``perevir = "bot.cli:app"``; ``python -m bot.cli`` runs the same app.
"""

from __future__ import annotations

import typer

from bot.cli import content, evaluate, model, run, serve, stats

app = typer.Typer(
    help="Perevir: safe work abroad, checked.", no_args_is_help=True, add_completion=False
)
# The order here is the order `perevir --help` lists them: commands first, then the groups.
app.command()(run.run)
app.command()(run.chat)
app.command()(run.ask)
app.command()(serve.ingress)
app.command()(serve.worker)
app.command()(model.train)
app.command()(stats.stats)
app.command("check-ad")(model.check_ad)
app.add_typer(content.app, name="content")
app.add_typer(evaluate.app, name="evaluate")
app.add_typer(model.data_app, name="data")
app.add_typer(serve.webhook_app, name="webhook")


def main() -> None:
    """Entry point."""
    app()


__all__ = ["app", "main"]
