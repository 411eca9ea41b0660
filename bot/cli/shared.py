"""What every command shares: settings, the knowledge, the risk model, one-line start-up faults.

A bad setting ends a command with ``Configuration error: ...`` on stderr and exit code 2; a
start-up fault (:class:`bot.startup.StartupError`) with ``perevir: ...`` and its own exit code.
Neither shows a traceback. Heavy modules are imported only when a command needs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.content.model import Content
    from bot.knowledge import Knowledge
    from bot.risk.model import RiskModel


def settings() -> Settings:
    """The validated settings, or exit 2 with one line on stderr."""
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def startup_faults() -> Iterator[None]:
    """A start-up fault ends the command with its one line on stderr, never a traceback."""
    from bot.startup import StartupError

    try:
        yield
    except StartupError as exc:
        typer.echo(f"perevir: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None


def knowledge(settings: Settings) -> Knowledge:
    """The content and models loaded, or exit with the start-up fault's line."""
    from bot.startup import load_knowledge

    with startup_faults():
        return load_knowledge(settings)


def risk_model(settings: Settings) -> RiskModel:
    """The trained risk model, or exit 1 saying why it cannot be loaded."""
    from bot.risk.model import ModelError, RiskModel

    try:
        return RiskModel.load(settings.models_dir / "risk")
    except ModelError as exc:
        typer.echo(f"Risk model: {exc}", err=True)
        raise typer.Exit(1) from None


def content_or_exit(settings: Settings) -> Content:
    """The content folder loaded, or exit 1 listing its problems on stderr."""
    from bot.content import ContentError, load_content

    try:
        return load_content(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None


def progress(stage: str, done: int, total: int) -> None:
    """One progress line on standard error, rewritten in place, ended when `done == total`."""
    typer.echo(f"\r  {stage}: {done}/{total}", nl=done == total, err=True)
