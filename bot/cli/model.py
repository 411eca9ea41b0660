"""The risk model: `perevir check-ad`, `perevir train`, and `perevir data split` for its data."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli import shapes
from bot.cli.shared import progress, risk_model, settings

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


@data_app.command("agreement")
def data_agreement() -> None:
    """Cohen's kappa per label between the training labels and the independent second pass."""
    from bot.risk.agreement import agreement, first_pass, load_second_pass
    from bot.risk.data import load_examples, load_labels

    second = load_second_pass()
    rows = agreement(first_pass(load_examples()), second, [label.id for label in load_labels()])
    typer.echo(
        f"{len(second)} texts labelled twice. Cohen's kappa per label, before the "
        "disagreements were settled:"
    )
    typer.echo(f"  {'label':22} {'kappa':>6}  both first-only second-only neither")
    for row in rows:
        typer.echo(
            f"  {row.label:22} {row.kappa:6.2f}  {row.both:4} {row.first_only:10} "
            f"{row.second_only:11} {row.neither:7}"
        )


@data_app.command("risk-shortcuts")
def risk_shortcuts() -> None:
    """Check the risk checker's training data for shortcuts: how well surface features alone
    (length, emoji, "brutto", placeholders, denials, currencies...) tell risky from legitimate."""
    from bot.risk.data import load_examples
    from bot.risk.shortcuts import check

    report = check(load_examples())
    per_lang = ", ".join(f"{lang} {auc:.3f}" for lang, auc in report.auc_by_language.items())
    typer.echo(
        f"Risky vs legitimate by surface features alone: AUC {report.auc:.3f} over "
        f"{report.texts} texts, cross-validated ({per_lang}); 0.5 is no shortcut."
    )
    typer.echo(f"  {'cue':22} {'risky':>6} {'legit':>6}")
    for cue, (risky, legit) in report.shares.items():
        typer.echo(f"  {cue:22} {risky:6.1%} {legit:6.1%}")


@data_app.command("routing-shortcuts")
def routing_shortcuts() -> None:
    """Check the router's training data for shortcuts: surface features alone, and the
    cross-validated router on messages that go against a surface cue."""
    from bot.domain.routing import route
    from bot.routing.data import ROUTING_SET, load_items, load_pool, training_files
    from bot.routing.model import RouterModel
    from bot.routing.shortcuts import against_the_cues, check
    from bot.routing.train import CONFIDENT, cross_validated, routed

    pool = load_pool(training_files())
    report = check(pool)
    typer.echo(
        f"Question / advert / story told apart by surface features alone: "
        f"{report.surface_only:.1%} of {report.messages} (always the commonest: "
        f"{report.majority:.1%}), cross-validated."
    )
    for kind, shares in report.per_feature_share.items():
        typer.echo(f"  {kind:10} " + ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    router = RouterModel.load(settings().models_dir / "router")
    routed_pool = routed(pool, cross_validated(pool), router.confident)
    held = load_items(ROUTING_SET / "test.yaml")
    routed_test = [route(i.text, forwarded=i.forwarded, judge=router.judge).route for i in held]
    typer.echo(
        f"\nRouted right against a surface cue (cross-validated on the pool | held-out test; "
        f"thresholds tried {CONFIDENT}):"
    )
    test_cues = against_the_cues(held, routed_test)
    for name, (n, right) in against_the_cues(pool, routed_pool).items():
        tn, tright = test_cues[name]
        typer.echo(f"  {name:34} {right:4d}/{n:<4d} | {tright:3d}/{tn}")


def train(
    if_stale: Annotated[bool, typer.Option("--if-stale", help="Only if the data changed.")] = False,
    models_dir: Annotated[Path | None, typer.Option(help="Where to write models/risk.")] = None,
) -> None:
    """Train the risk model and the message router from training_data/ and write models/risk/
    and models/router/ with their cards."""
    import time

    root = models_dir or settings().models_dir
    _train_router(root / "router", if_stale)

    from bot.risk.card import write_model_card
    from bot.risk.data import data_hash, load_examples, load_splits, split_examples
    from bot.risk.evaluate import evaluate_split
    from bot.risk.model import ModelError, RiskModel
    from bot.risk.train import train as train_model

    folder = root / "risk"
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

    from bot.config import EVALUATION_DIR
    from bot.quality.real_adverts import load_real, score_real
    from bot.quality.risk_invariance import check_invariance

    model = train_model(progress=progress)
    test = split_examples(load_examples(), load_splits())["test"]
    reports = evaluate_split(model, test)
    model.card["test"] = {
        "per_label": reports["model"].per_label,
        "levels": reports["model"].levels,
        "baseline_levels": reports["baseline"].levels,
    }
    model.card["invariance"] = {
        name: {"changed": changed, "tried": tried}
        for name, (changed, tried) in check_invariance(model, test).counts.items()
    }
    real = score_real(model, load_real(EVALUATION_DIR))
    model.card["real_adverts"] = {
        key: {
            "risky": row.risky,
            "risky_medium_plus": row.risky_medium_plus,
            "legit": row.legit,
            "legit_medium_plus": row.legit_medium_plus,
            "legit_high": row.legit_high,
        }
        for key, row in sorted(real.items())
    }
    model.save(folder)
    write_model_card(model.card, folder)
    typer.echo(f"Wrote {folder} ({model.version}) in {time.perf_counter() - started:.1f} s.")


def _train_router(folder: Path, if_stale: bool) -> None:
    """Build models/router/ from training_data/routing and the development splits."""
    import time

    from bot.quality.routing_eval import evaluate_routing, summary
    from bot.routing.data import ROUTING_SET, data_hash, load_items, training_files
    from bot.routing.model import RouterError, RouterModel
    from bot.routing.train import train as train_router

    files = training_files()
    if if_stale:
        try:
            current = RouterModel.load(folder)
            if current.card.get("data_sha256") == data_hash(files):
                typer.echo("The message router matches its training data.")
                return
            typer.echo("The router's training data changed: retraining.")
        except RouterError as exc:
            typer.echo(f"{exc}: training.")
    started = time.perf_counter()

    router = train_router(
        files, lambda stage, done, total: progress(f"router {stage}", done, total)
    )
    held_out = evaluate_routing(load_items(ROUTING_SET / "test.yaml"), router.judge)
    router.card["held_out_test"] = {"report_only": True, **summary(held_out)}
    router.save(folder)
    cv = router.card["cross_validation"]
    typer.echo(
        f"Wrote {folder} in {time.perf_counter() - started:.1f} s: {router.card['messages']} "
        f"messages; cross-validated accuracy {cv['accuracy']:.1%}, held-out test "
        f"{held_out.accuracy:.1%}."
    )


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
    jsonl: Annotated[
        str | None,
        typer.Option("--jsonl", help='A file (or -) of {"text"} lines: one check each.'),
    ] = None,
) -> None:
    """Check a job advert for red flags (or one per line with --jsonl)."""
    from bot.risk.report import check_result_text

    if jsonl is not None:
        from bot.cli.batch import answer_each

        config = settings()
        model = risk_model(config)

        def one(request: dict[str, Any]) -> Mapping[str, Any]:
            result = model.check(request["text"])
            return shapes.check_ad_json(result, _advice(result, config.content_dir))

        answer_each(jsonl, one)
        return

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
