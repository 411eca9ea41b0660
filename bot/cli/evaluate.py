"""`perevir evaluate`: measure the bot on the held-out sets in evaluation/ and the risk test split.

These commands only report; nothing is tuned on the sets they read (see evaluation/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli import shapes
from bot.cli.shared import knowledge, risk_model, settings
from bot.config import EVALUATION_DIR, PROJECT_ROOT

FAQ_SET = EVALUATION_DIR / "faq"
"""Held-out paraphrases of the FAQ questions, and questions the bot must not answer."""
LANGID_SET = EVALUATION_DIR / "langid.yaml"
"""Short messages labelled with the language a reader would answer in."""

OCR_SET = EVALUATION_DIR / "ocr" / "adverts.yaml"
"""Known advert texts, drawn as screenshots and photos and read back (a development set)."""

ROUTING_SET = EVALUATION_DIR / "routing"
"""Messages labelled with the kind of reply they need (dev.yaml to choose rules, test.yaml to
report)."""

app = typer.Typer(help="Measure the bot on held-out data.", no_args_is_help=True)


@app.command("routing")
def evaluate_routing_command(
    split: Annotated[
        str, typer.Option(help="dev or dev2 (learnt from, for choosing) or test (to report).")
    ] = ("test"),
    data: Annotated[Path, typer.Option(help="Folder of labelled messages.")] = ROUTING_SET,
    show_failures: Annotated[bool, typer.Option("--failures")] = False,
    rules_only: Annotated[
        bool, typer.Option("--rules-only", help="Without the trained router (its fallback).")
    ] = False,
    external: Annotated[
        Path | None, typer.Option(help="../shared/data/external: real adverts, routed too.")
    ] = None,
) -> None:
    """Confusion matrix, precision and recall per kind, and the two guarded error rates."""
    from bot.domain.routing import Route
    from bot.knowledge import load_router
    from bot.quality.routing_eval import (
        ADVERT_AS_QUESTION_LIMIT,
        STORY_AS_ADVERT_LIMIT,
        confusion_table,
        evaluate_routing,
        load_items,
    )

    router = None if rules_only else load_router(settings().models_dir)
    if not rules_only and router is None:
        typer.echo("No trained router (run `make model`): the rules alone are measured.")
    scores = evaluate_routing(
        load_items(data / f"{split}.yaml"), router.judge if router is not None else None
    )
    how = "rules and the trained router" if router is not None else "rules alone"
    typer.echo(
        f"{split}: {scores.total} messages, {scores.accuracy:.1%} routed to their label ({how})\n"
    )
    typer.echo(confusion_table(scores))
    typer.echo(
        f"\nstories shown a risk card: {scores.story_as_advert:.1%} "
        f"(limit {STORY_AS_ADVERT_LIMIT:.0%})"
        f"\nadverts answered as a question: {scores.advert_as_question:.1%} "
        f"(limit {ADVERT_AS_QUESTION_LIMIT:.0%})"
    )
    if scores.translit_total:
        typer.echo(
            f"Ukrainian in Latin letters routed right: {scores.translit_right} of "
            f"{scores.translit_total}"
        )
    if external is not None:
        from bot.quality.routing_eval import route_external_adverts

        judge = router.judge if router is not None else None
        for name, real in route_external_adverts(external, judge).items():
            typer.echo(
                f"real adverts in {name}: {real.total}, routed as adverts "
                f"{real.recall(Route.ADVERT):.1%}, answered as a question or a story "
                f"{real.advert_as_question:.1%} (limit {ADVERT_AS_QUESTION_LIMIT:.0%})"
            )
    if show_failures:
        for item, got in scores.wrong:
            typer.echo(f"  {item.id}: {item.label.value} -> {got.value}: {item.text[:90]!r}")


@app.command("routing-choice")
def evaluate_routing_choice_command() -> None:
    """How the router's C was chosen: cross-validation over the development splits."""
    from bot.domain.routing import Route
    from bot.routing.train import choices, cost

    typer.echo(
        f"{'C':>5} {'threshold':>9} {'accuracy':>8} {'cost':>5} {'story→card':>10} "
        f"{'advert→q':>8} {'danger R':>8}"
    )
    for c, t, scores in choices():
        typer.echo(
            f"{c:5.0f} {t:9.2f} {scores.accuracy:8.1%} {cost(scores):5d} "
            f"{scores.story_as_advert:10.1%} {scores.advert_as_question:8.1%} "
            f"{scores.recall(Route.DANGER):8.1%}"
        )


@app.command("faq")
def evaluate_faq_command(
    data: Annotated[Path, typer.Option(help="Folder of held-out questions.")] = FAQ_SET,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    show_failures: Annotated[bool, typer.Option("--failures")] = False,
) -> None:
    """Top-1 accuracy per language on held-out paraphrases."""
    from bot.quality.faq_eval import evaluate_faq, load_eval_items

    dialogue = knowledge(settings()).dialogue
    scores = evaluate_faq(dialogue, load_eval_items(data))
    if as_json:
        typer.echo(shapes.dumps(shapes.faq_evaluation_json(scores)))
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


@app.command("translit")
def evaluate_translit_command(
    data: Annotated[Path, typer.Option(help="Folder of held-out questions.")] = FAQ_SET,
) -> None:
    """FAQ matching of the Ukrainian held-out questions in Cyrillic and in Latin letters."""
    from bot.quality.faq_eval import evaluate_translit, load_eval_items

    dialogue = knowledge(settings()).dialogue
    typer.echo(f"{'written as':14} {'questions':>9} {'noticed':>8} {'top-1':>7} {'answered':>9}")
    for s in evaluate_translit(dialogue, load_eval_items(data)):
        typer.echo(
            f"{s.style:14} {s.questions:9d} {s.noticed / s.questions:8.1%} "
            f"{s.top1 / s.questions:7.1%} {s.answered_right / s.questions:9.1%}"
        )


@app.command("langid")
def evaluate_langid_command(
    data: Annotated[Path, typer.Option(help="Labelled short messages.")] = LANGID_SET,
) -> None:
    """Accuracy of language identification on short messages."""
    from bot.quality.langid_eval import evaluate_langid

    correct, total, mistakes = evaluate_langid(data)
    typer.echo(f"language identification: {correct}/{total} = {correct / max(total, 1):.1%}")
    for text, expected, got in mistakes:
        typer.echo(f"  {text!r}: expected {expected}, got {got}")


@app.command("risk")
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

    model = risk_model(settings())
    test = split_examples(load_examples(), load_splits())["test"]
    reports = evaluate_split(model, test)
    charts = write_charts(model, test, reports, out)
    ext = evaluate_external(model, external) if external else {}
    if as_json:
        typer.echo(shapes.dumps(shapes.risk_evaluation_json(reports, ext)))
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


@app.command("risk-invariance")
def evaluate_risk_invariance_command(
    split: Annotated[str, typer.Option(help="train, dev or test")] = "test",
) -> None:
    """Edits that must not change the checker's verdict, over a split: how many adverts each
    changed (neutral employer line, currency, country and company swaps, a season end, a
    denial)."""
    from bot.quality.risk_invariance import check_invariance
    from bot.risk.data import load_examples, load_splits, split_examples

    model = risk_model(settings())
    examples = split_examples(load_examples(), load_splits())[split]
    report = check_invariance(model, examples)
    typer.echo(f"{split} split, {len(examples)} texts; model {model.version}")
    for name, (changed, tried) in report.counts.items():
        ids = ", ".join(report.examples[name][:5])
        typer.echo(f"  {name}: {changed} of {tried}" + (f" (e.g. {ids})" if ids else ""))


@app.command("evidence")
def evaluate_evidence_command(
    part: Annotated[str, typer.Option(help="dev (for choices), test (reported) or all")] = "test",
) -> None:
    """Span precision and recall of the quoted evidence against the gold spans."""
    from bot.quality.evidence_eval import PARTS, load_gold, score_evidence

    if part not in PARTS:
        typer.echo(f"--part must be one of {', '.join(PARTS)}", err=True)
        raise typer.Exit(2)
    model = risk_model(settings())
    gold = load_gold(EVALUATION_DIR, part)
    score = score_evidence(model, gold)
    typer.echo(
        f"{part}: {len(gold)} gold texts, {score.gold_spans} spans; model {model.version}: "
        f"span precision {score.precision:.3f} ({score.right_phrases}/{score.phrases}), "
        f"recall {score.recall:.3f} ({score.found_spans}/{score.gold_spans})"
    )
    for label, (phrases, right, spans, found) in sorted(score.per_label.items()):
        typer.echo(f"  {label:22} precision {right}/{phrases}, recall {found}/{spans}")


@app.command("ocr")
def evaluate_ocr_command(
    data: Annotated[Path, typer.Option(help="Known advert texts to draw.")] = OCR_SET,
    show_failures: Annotated[bool, typer.Option("--failures")] = False,
) -> None:
    """Character error rate of reading drawn screenshots, per style and overall; CPU per image."""
    from bot.ocr import ImageReader
    from bot.quality.ocr_eval import evaluate_ocr, load_adverts

    reader = ImageReader(settings().tessdata_prefix)
    if not reader.available():
        typer.echo("Pictures cannot be read here: tesserocr or the traineddata is missing.")
        raise typer.Exit(1)
    scores = evaluate_ocr(reader, load_adverts(data))
    per_style = scores.per_style()
    typer.echo(f"{'style':14} {'pictures':>8} {'CER':>7}")
    for style, rate in per_style.items():
        count = sum(1 for r in scores.readings if r.picture.style == style)
        typer.echo(f"{style:14} {count:8d} {rate:7.2%}")
    typer.echo(
        f"{'all':14} {len(scores.readings):8d} {scores.overall():7.2%}"
        f"\nclean screenshots {scores.overall(photo=False):.2%}, "
        f"noisy photos {scores.overall(photo=True):.2%}"
        f"\nCPU per picture (median): {scores.median_cpu():.3f} s"
    )
    if show_failures:
        for r in sorted(scores.readings, key=lambda r: -r.cer)[:10]:
            typer.echo(f"  {r.picture.advert} [{r.picture.style}] {r.cer:.1%}: {r.text[:90]!r}")


@app.command("risk-real")
def evaluate_risk_real_command() -> None:
    """The checker on real adverts quoted in public sources (evaluation/risk/real.yaml)."""
    from bot.quality.real_adverts import load_real, score_real

    model = risk_model(settings())
    adverts = load_real(EVALUATION_DIR)
    typer.echo(f"{len(adverts)} real adverts; model {model.version}")
    for key, row in sorted(score_real(model, adverts).items()):
        typer.echo(
            f"  {key:4} risky called medium+ {row.risky_medium_plus}/{row.risky} "
            f"({row.recall:.0%}), legitimate called medium+ {row.legit_medium_plus}/{row.legit} "
            f"({row.false_alarms:.0%}), high {row.legit_high}/{row.legit}; labelled flags found "
            f"{row.flags_found}/{row.flags}"
        )
