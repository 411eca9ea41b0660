"""`perevir content`: check what editors write, preview an entry, list unanswered questions."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli import shapes
from bot.cli.shared import content_or_exit, progress, settings, startup_faults

app = typer.Typer(help="Check and preview the content editors write.", no_args_is_help=True)


@app.command("check")
def content_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    content_dir: Annotated[Path | None, typer.Option(help="The content folder.")] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="What fails the check, and the totals.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings fail the check too (for CI).")
    ] = False,
) -> None:
    """Check every content file; exit 1 on errors (with --strict, on warnings too)."""
    from bot.content.check import run_check

    config = settings()
    folder = content_dir or config.content_dir
    report = run_check(
        folder,
        models_dir=config.models_dir,
        strict=strict,
        progress=progress,
        save_index=folder.resolve() == config.content_dir.resolve(),  # the bot's own content
    )
    if as_json:
        typer.echo(shapes.dumps(shapes.content_check_json(report)))
    else:
        typer.echo(report.as_text(show_warnings=not summary))
    raise typer.Exit(1 if report.failed else 0)


@app.command("index")
def content_index(
    if_stale: Annotated[bool, typer.Option("--if-stale", help="Only if content changed.")] = False,
    content_dir: Annotated[Path | None, typer.Option(help="The content folder.")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Where to write faq/.")] = None,
) -> None:
    """Build the FAQ index from content/ into models/faq/ (the bot loads it in milliseconds)."""
    import time

    from bot.content import load_content
    from bot.faq import artefact
    from bot.faq.encoder import load_encoder
    from bot.knowledge import build_faq_index, faq_fingerprint
    from bot.nlp import Lemmatizer

    config = settings()
    content = load_content(content_dir) if content_dir else content_or_exit(config)
    folder = (models_dir or config.models_dir) / "faq"
    built_from = faq_fingerprint(content)
    lemmatizer = Lemmatizer()
    encoder = load_encoder()
    if if_stale and artefact.load(folder, built_from, lemmatizer.lemmas, encoder) is not None:
        typer.echo(f"The FAQ index in {folder} matches the content.")
        return
    started = time.perf_counter()

    known = artefact.stored_embeddings(folder, encoder.name) if encoder is not None else None
    index = build_faq_index(content, lemmatizer, encoder, known, progress)
    artefact.save(index, folder, built_from)
    how = f"with {encoder.name}" if encoder is not None else "lexical only (no encoder)"
    typer.echo(f"Wrote {folder} ({how}) in {time.perf_counter() - started:.1f} s.")
    for lang, measured in index.measured.items():
        chosen = {k: v for k, v in measured.items() if k != "sure_trade_off"}
        typer.echo(f"  {lang}: chosen by cross-validation on the phrasings: {chosen}")
        for row in measured.get("sure_trade_off", ()):  # type: ignore[attr-defined]
            typer.echo(
                f"    lexical alone from {row['sure_at']:.2f}: "
                f"{row['without_encoder']:.1%} without the encoder, "
                f"answered right {row['answered_right']:.1%}, wrong {row['wrong']:.1%}"
            )


@app.command("preview")
def content_preview(entry_id: Annotated[str, typer.Argument(help="The entry's id.")]) -> None:
    """Show an FAQ entry as a user sees it, in each language."""
    from bot.content.view import RenderedContent
    from bot.domain.dialogue import Dialogue
    from bot.terminal import plain

    config = settings()
    content = content_or_exit(config)
    if content.entry(entry_id) is None:
        known = ", ".join(sorted(e.id for e in content.faq))
        typer.echo(f"No entry '{entry_id}'. Known ids: {known}", err=True)
        raise typer.Exit(1)
    view = Dialogue(RenderedContent(content), None, lambda text: (None, 0.0))  # type: ignore[arg-type]
    for lang in ("uk", "en"):
        reply = view.action(f"faq:{entry_id}", lang, config.retention_days).replies[0]
        buttons = " ".join(f"[{b.label}]" for row in reply.buttons for b in row)
        typer.echo(f"===== {lang} =====\n{plain(reply.text)}\n{buttons}\n")


@app.command("gaps")
def content_gaps(
    limit: Annotated[int, typer.Option(help="How many rows.")] = 30,
) -> None:
    """Questions the bot could not answer, by language and nearest topic, most frequent first."""
    from bot.db.database import make_async_engine, make_sessionmaker
    from bot.db.repository import Repository
    from bot.wiring import prepare_database

    config = settings()
    with startup_faults():
        url = prepare_database(config)

    async def read() -> list[tuple[str, str | None, int, list[str]]]:
        engine = make_async_engine(url)
        try:
            return await Repository(make_sessionmaker(engine), engine).gaps()
        finally:
            await engine.dispose()

    rows = asyncio.run(read())
    if not rows:
        typer.echo("No unanswered questions recorded yet.")
        return
    typer.echo(f"{'count':>6}  lang  nearest topic")
    for lang, topic, count, shared in rows[:limit]:
        typer.echo(f"{count:>6}  {lang:4}  {topic or '-'}")
        for text in shared[:5]:
            typer.echo(f"          shared: {text[:120]!r}")
