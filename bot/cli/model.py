"""The risk model: `perevir check-ad`, `perevir train`, and `perevir data split` for its data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli import shapes
from bot.cli.shared import risk_model, settings

if TYPE_CHECKING:
    from bot.risk.model import CheckResult

data_app = typer.Typer(help="Training data: splits and summary.", no_args_is_help=True)


@data_app.command("split")
def data_split() -> None:
    """Give new training texts a split; existing ones never move."""
    from bot.risk.data import assign_splits, load_examples, load_splits, summary, write_splits

    examples = load_examples()
    before = load_splits()
    splits = assign_splits(examples, before)
    write_splits(splits)
    typer.echo(f"{len(splits) - len(before)} new texts assigned; {summary(examples)}")


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

    folder = (models_dir or settings().models_dir) / "risk"
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


def _advice(result: CheckResult, content_dir: Path) -> str:
    """The advice of the risk card, as plain text, in the card's language.

    The card is in English for an English advert and in Ukrainian otherwise (Russian
    included), as `check_result_text` shows it.
    """
    from bot.content import load_content
    from bot.content.view import RenderedContent
    from bot.domain.advert import advice_text
    from bot.domain.language import ui_language
    from bot.terminal import plain

    content = RenderedContent(load_content(content_dir))
    return plain(advice_text(content, ui_language(result.language), result.assessment))


def check_ad(
    source: Annotated[str, typer.Argument(help="A file with the advert, or - for stdin.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check a job advert for red flags."""
    from bot.risk.report import check_result_text

    raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        typer.echo("Nothing to check: give the text of an advert (a file, or on standard input).")
        raise typer.Exit(2)
    config = settings()
    model = risk_model(config)
    result = model.check(text)
    if as_json:
        typer.echo(shapes.dumps(shapes.check_ad_json(result, _advice(result, config.content_dir))))
    else:
        typer.echo(check_result_text(result, config.content_dir))
