"""`perevir stats`: anonymous figures about cases, read from the database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.shared import settings, startup_faults

if TYPE_CHECKING:
    from bot.stats import Stats


def stats(
    png: Annotated[Path | None, typer.Option(help="Also draw the figures to this PNG.")] = None,
) -> None:
    """Anonymous statistics: cases by reason, outcome, language; waits; flags in adverts."""
    from bot.db.cases_repo import CaseRepository
    from bot.db.database import make_async_engine, make_sessionmaker
    from bot.stats import chart, gather
    from bot.wiring import prepare_database

    with startup_faults():
        url = prepare_database(settings())

    async def read() -> Stats:
        engine = make_async_engine(url)
        try:
            return await gather(CaseRepository(make_sessionmaker(engine)))
        finally:
            await engine.dispose()

    figures = asyncio.run(read())
    typer.echo(figures.as_text())
    if png is not None:
        typer.echo(f"Chart: {chart(figures, png)}")
