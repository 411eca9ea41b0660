"""The `perevir` command: run the bot, try it in a terminal, check content, train and evaluate."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from bot.config import PROJECT_ROOT, Settings, SettingsError, load_settings

app = typer.Typer(
    help="Perevir: safe work abroad, checked.", no_args_is_help=True, add_completion=False
)
content_app = typer.Typer(help="Check and preview the content editors write.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Measure the bot on held-out data.", no_args_is_help=True)
data_app = typer.Typer(help="Training data: splits and summary.", no_args_is_help=True)
app.add_typer(content_app, name="content")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(data_app, name="data")

NO_TOKEN = """No Telegram bot token is set, so the bot cannot go online yet.

To get one: open Telegram, talk to @BotFather, send /newbot and follow the steps.
Then put the token in a .env file next to the Makefile:

    TELEGRAM_BOT_TOKEN=123456789:AA...

and run `make run` again.

Meanwhile you can try the bot right here in the terminal: `perevir chat`."""


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def _brain(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.startup import load_brain

    with _startup_faults():
        return load_brain(settings)


@contextmanager
def _startup_faults() -> Iterator[None]:
    """A start-up fault ends the command with its one line on stderr, never a traceback."""
    from bot.startup import StartupError

    try:
        yield
    except StartupError as exc:
        typer.echo(f"perevir: {exc.message}", err=True)
        raise typer.Exit(exc.exit_code) from None


def _chat(settings: Settings) -> None:
    from bot.terminal import TerminalChat

    chat = TerminalChat(_brain(settings).dialogue, settings.retention_days)
    typer.echo("Perevir in your terminal. Type a question, a number to choose, /quit to leave.\n")
    chat.loop(input, typer.echo)


@app.command()
def run() -> None:
    """Run the Telegram bot (long polling)."""
    settings = _settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # import chatter
    if settings.telegram_bot_token is None:
        typer.echo(NO_TOKEN)
        if sys.stdin.isatty() and typer.confirm("\nStart the local console now?", default=True):
            _chat(settings)
        return
    from bot.runtime import open_services, open_storage
    from bot.startup import bot_api_fault, check_bot_api

    token = settings.telegram_bot_token.get_secret_value()
    api_url = settings.telegram_api_url
    with _startup_faults():
        # The quick checks first (and before the heavy imports): the language models take a while.
        storage = open_storage(settings)
        asyncio.run(check_bot_api(token, api_url))
        services = open_services(settings, _brain(settings), storage)

    from telegram.error import TelegramError

    from bot.reload import ContentWatcher
    from bot.tg.app import build_application, quiet_logs, start, stop, watch_content

    quiet_logs()
    application = build_application(token, api_url, services)
    watch_content(application, ContentWatcher(settings.content_dir, services))

    async def serve() -> None:
        try:
            await start(application)
        except TelegramError as exc:
            with contextlib.suppress(Exception):
                await stop(application)
            raise bot_api_fault(exc, token, api_url) from None
        typer.echo("Perevir is running. Press Ctrl+C to stop.")
        try:
            await asyncio.Event().wait()
        finally:
            await stop(application)

    try:
        with _startup_faults():
            asyncio.run(serve())
    except KeyboardInterrupt:
        typer.echo("Stopped.")


@app.command()
def chat() -> None:
    """Talk to the bot in this terminal (no Telegram needed)."""
    _chat(_settings())


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Ukrainian or English.")],
    lang: Annotated[str | None, typer.Option("--lang", help="Answer in uk or en.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Answer one question from the FAQ."""
    if lang not in (None, "uk", "en"):
        typer.echo("--lang must be uk or en", err=True)
        raise typer.Exit(2)
    from bot.terminal import plain

    settings = _settings()
    dialogue = _brain(settings).dialogue
    result = dialogue.understand(question, lang, force=lang)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "language": result.language,
                    "answer_language": result.answer_language,
                    "topic": result.match.topic,
                    "confidence": result.match.confidence,
                    "answer": result.answer,
                    "suggestions": list(result.match.suggestions),
                },
                ensure_ascii=False,
            )
        )
        return
    outcome = dialogue.question(question, lang)
    typer.echo("\n\n".join(plain(r.text) for r in outcome.replies))


@content_app.command("check")
def content_check(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    content_dir: Annotated[Path | None, typer.Option(help="The content folder.")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="Errors and totals only.")] = False,
) -> None:
    """Check every content file; exit 1 on errors, 0 with warnings only."""
    from bot.content.check import run_check

    folder = content_dir or _settings().content_dir
    report = run_check(folder)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        typer.echo(report.as_text(show_warnings=not summary))
    raise typer.Exit(1 if report.errors else 0)


@content_app.command("preview")
def content_preview(entry_id: Annotated[str, typer.Argument(help="The entry's id.")]) -> None:
    """Show an FAQ entry as a user sees it, in each language."""
    from bot.content.view import RenderedContent
    from bot.domain.dialogue import Dialogue
    from bot.terminal import plain

    settings = _settings()
    content = _load_content_or_exit(settings)
    if content.entry(entry_id) is None:
        known = ", ".join(sorted(e.id for e in content.faq))
        typer.echo(f"No entry '{entry_id}'. Known ids: {known}", err=True)
        raise typer.Exit(1)
    view = Dialogue(RenderedContent(content), None, lambda text: (None, 0.0))  # type: ignore[arg-type]
    for lang in ("uk", "en"):
        reply = view.action(f"faq:{entry_id}", lang, settings.retention_days).replies[0]
        buttons = " ".join(f"[{b.label}]" for row in reply.buttons for b in row)
        typer.echo(f"===== {lang} =====\n{plain(reply.text)}\n{buttons}\n")


def _load_content_or_exit(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.content import ContentError, load_content

    try:
        return load_content(settings.content_dir)
    except ContentError as exc:
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(1) from None


@content_app.command("gaps")
def content_gaps(
    limit: Annotated[int, typer.Option(help="How many rows.")] = 30,
) -> None:
    """Questions the bot could not answer, by language and nearest topic, most frequent first."""
    from bot.db.database import make_async_engine, make_sessionmaker
    from bot.db.repository import Repository
    from bot.runtime import prepare_database

    settings = _settings()
    with _startup_faults():
        url = prepare_database(settings)

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


@evaluate_app.command("faq")
def evaluate_faq_command(
    data: Annotated[Path, typer.Option(help="Folder of held-out questions.")] = PROJECT_ROOT
    / "tests"
    / "data"
    / "faq_eval",
    as_json: Annotated[bool, typer.Option("--json")] = False,
    show_failures: Annotated[bool, typer.Option("--failures")] = False,
) -> None:
    """Top-1 accuracy per language on held-out paraphrases."""
    from bot.quality.faq_eval import evaluate_faq, load_eval_items

    dialogue = _brain(_settings()).dialogue
    scores = evaluate_faq(dialogue, load_eval_items(data))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    lang: {
                        "questions": s.questions,
                        "top1_accuracy": round(s.top1_accuracy, 4),
                        "answer_accuracy": round(s.answer_accuracy, 4),
                        "wrong_answer_rate": round(s.wrong_answer_rate, 4),
                        "out_of_scope": s.out_of_scope,
                        "out_of_scope_answered": s.out_of_scope_answered,
                    }
                    for lang, s in sorted(scores.items())
                }
            )
        )
        return
    typer.echo(
        f"{'lang':5} {'questions':>9} {'top-1':>7} {'answered right':>15} "
        f"{'wrong answers':>14} {'off-topic answered':>19}"
    )
    for lang, s in sorted(scores.items()):
        typer.echo(
            f"{lang:5} {s.questions:9d} {s.top1_accuracy:7.1%} {s.answer_accuracy:15.1%} "
            f"{s.wrong_answer_rate:14.1%} {s.out_of_scope_answered:>10d} of {s.out_of_scope}"
        )
    if show_failures:
        for lang, s in sorted(scores.items()):
            for question, expected, got in s.failures:
                typer.echo(f"  [{lang}] {question!r}: expected {expected}, got {got}")


@evaluate_app.command("langid")
def evaluate_langid_command(
    data: Annotated[Path, typer.Option(help="Labelled short messages.")] = PROJECT_ROOT
    / "tests"
    / "data"
    / "langid.yaml",
) -> None:
    """Accuracy of language identification on short messages."""
    from bot.quality.langid_eval import evaluate_langid

    correct, total, mistakes = evaluate_langid(data)
    typer.echo(f"language identification: {correct}/{total} = {correct / max(total, 1):.1%}")
    for text, expected, got in mistakes:
        typer.echo(f"  {text!r}: expected {expected}, got {got}")


@data_app.command("split")
def data_split() -> None:
    """Give new training texts a split; existing ones never move."""
    from bot.risk.data import assign_splits, load_examples, load_splits, summary, write_splits

    examples = load_examples()
    before = load_splits()
    splits = assign_splits(examples, before)
    write_splits(splits)
    typer.echo(f"{len(splits) - len(before)} new texts assigned; {summary(examples)}")


@app.command()
def train(
    if_stale: Annotated[bool, typer.Option("--if-stale", help="Only if the data changed.")] = False,
    models_dir: Annotated[Path | None, typer.Option(help="Where to write models/risk.")] = None,
) -> None:
    """Train the risk model from training_data/ and write models/risk/ with its card."""
    import time

    from bot.risk.card import write_model_card
    from bot.risk.data import data_hash, load_examples, load_splits, split_examples
    from bot.risk.evaluate import evaluate_split
    from bot.risk.model import ModelError, RiskModel
    from bot.risk.train import train as train_model

    folder = (models_dir or _settings().models_dir) / "risk"
    if if_stale:
        try:
            current = RiskModel.load(folder)
            if current.card.get("data_sha256") == data_hash():
                typer.echo(f"The risk model {current.version} matches the training data.")
                return
            typer.echo("The training data changed since the model was trained: retraining.")
        except ModelError as exc:
            typer.echo(f"{exc}: training.")
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        typer.echo(f"\r  {stage}: {done}/{total}", nl=done == total, err=True)

    model = train_model(progress=progress)
    test = split_examples(load_examples(), load_splits())["test"]
    reports = evaluate_split(model, test)
    model.card["test"] = {
        "per_label": reports["model"].per_label,
        "levels": reports["model"].levels,
        "baseline_levels": reports["baseline"].levels,
    }
    model.save(folder)
    write_model_card(model.card, folder)
    typer.echo(f"Wrote {folder} ({model.version}) in {time.perf_counter() - started:.1f} s.")


@evaluate_app.command("risk")
def evaluate_risk_command(
    external: Annotated[Path | None, typer.Option(help="../shared/data/external")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the PNG charts.")] = PROJECT_ROOT
    / "reports"
    / "risk",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Per-label and per-language metrics on the test split, beside the keyword baseline."""
    from bot.risk.data import load_examples, load_splits, split_examples
    from bot.risk.evaluate import evaluate_external, evaluate_split, write_charts

    model = _risk_model(_settings())
    test = split_examples(load_examples(), load_splits())["test"]
    reports = evaluate_split(model, test)
    charts = write_charts(model, test, reports, out)
    ext = evaluate_external(model, external) if external else {}
    if as_json:
        typer.echo(
            json.dumps(
                {
                    name: {"per_label": r.per_label, "levels": r.levels, "confusion": r.confusion}
                    for name, r in reports.items()
                }
                | {"external": ext},
                ensure_ascii=False,
            )
        )
        return
    langs = list(reports["model"].per_label)
    typer.echo(f"Test split: {len(test)} texts. F1 per label (model / keyword baseline):")
    typer.echo(f"{'label':22}" + "".join(f"{lang:>14}" for lang in langs) + f"{'P':>7}{'R':>7}")
    for label in model.labels:
        cells = "".join(
            f"{reports['model'].per_label[lang][label]['f1']:>7.2f}/"
            f"{reports['baseline'].per_label[lang][label]['f1']:<6.2f}"
            for lang in langs
        )
        overall = reports["model"].per_label["all"][label]
        typer.echo(f"{label:22}{cells}{overall['precision']:>7.2f}{overall['recall']:>7.2f}")
    for name in ("model", "baseline"):
        for cut, row in reports[name].levels.items():
            typer.echo(
                f"{name:8} called {cut:7}: recall on risky {row['recall_risky']:.3f}, "
                f"false-positive rate on legitimate {row['false_positive_rate']:.3f}"
            )
    typer.echo("Charts: " + ", ".join(str(c) for c in charts))
    if "irish" in ext:
        irish = ext["irish"]
        typer.echo(
            f"Irish adverts: {irish['adverts']}; high {irish['high_share']:.1%}, "
            f"medium {irish['medium_share']:.1%}. Top 20 by score:"
        )
        for row in irish["top20"]:
            typer.echo(
                f"  {row['score']:.2f} {row['level']:6} {row['id']}: {row['title'][:60]} "
                f"{row['flags']} {row['evidence']}"
            )
    if "emscad" in ext:
        for kind, row in ext["emscad"].items():
            typer.echo(
                f"EMSCAD {kind}: {row['adverts']} adverts; high {row['high_share']:.1%}, "
                f"medium+ {row['medium_plus_share']:.1%}, any flag {row['any_flag_share']:.1%}"
            )


def _risk_model(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.risk.model import ModelError, RiskModel

    try:
        return RiskModel.load(settings.models_dir / "risk")
    except ModelError as exc:
        typer.echo(f"Risk model: {exc}", err=True)
        raise typer.Exit(1) from None


@app.command()
def stats(
    png: Annotated[Path | None, typer.Option(help="Also draw the figures to this PNG.")] = None,
) -> None:
    """Anonymous statistics: cases by reason, outcome, language; waits; flags in adverts."""
    from bot.db.cases_repo import CaseRepository
    from bot.db.database import make_async_engine, make_sessionmaker
    from bot.runtime import prepare_database
    from bot.stats import Stats, chart, gather

    with _startup_faults():
        url = prepare_database(_settings())

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


@app.command("check-ad")
def check_ad(
    source: Annotated[str, typer.Argument(help="A file with the advert, or - for stdin.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a job advert for red flags."""
    from bot.risk.report import check_result_json, check_result_text

    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        typer.echo("Nothing to check: give the text of an advert (a file, or on standard input).")
        raise typer.Exit(2)
    settings = _settings()
    model = _risk_model(settings)
    result = model.check(text)
    if as_json:
        typer.echo(json.dumps(check_result_json(result, settings.content_dir), ensure_ascii=False))
    else:
        typer.echo(check_result_text(result, settings.content_dir))


def main() -> None:
    """Entry point."""
    app()


if __name__ == "__main__":
    main()
