"""A phone number typed into a text people see must be a verified line of hotlines.yaml; years,
dates, amounts, counts, laws' numbers and links are not phone numbers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.loader import inspect_content, phone_numbers
from tests.conftest import CONTENT_DIR

FAQ = "faq/visa-free-work.yaml"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("Call the <b>527</b> hotline.", ["527"]),
        ("the 527 or 1547 hotlines are free", ["527", "1547"]),
        ("report it to the police (102 in Ukraine) or call 527", ["102", "527"]),
        ("повідомте поліцію (102): вона допоможе", ["102"]),
        ("дзвоніть на 1547 цілодобово", ["1547"]),
        ("лінія 116 123 працює цілодобово", ["116 123"]),
        ("Helpline, 08000 121 700 (free, 24/7)", ["08000 121 700"]),
        ("зателефонуйте: 0 800 505 501", ["0 800 505 501"]),
        ("консульство: +380 44 123 45 67", ["+380 44 123 45 67"]),
        ("офіс (044) 123-45-67", ["(044) 123-45-67"]),
        ("або напишіть на 0800505501", ["0800505501"]),
        ("call 1999 for advice", ["1999"]),
    ],
)
def test_phone_numbers_are_found_in_every_way_they_are_written(
    text: str, numbers: list[str]
) -> None:
    assert [n.written for n in phone_numbers(text)] == numbers


@pytest.mark.parametrize(
    "text",
    [
        "у 2022 році 86% опитаних",
        "IOM estimated in 2021 that over 300,000 Ukrainians",
        "понад 300 000 українців (оцінка 2021 року)",
        "штраф від 1000 до 5000 злотих",
        "a fine of about 60,000–68,000 UAH",
        "Закон № 2982-IX (2023) забороняє",
        "under Ukrainian law (No. 2982-IX, 2023)",
        "стаття 149 Кримінального кодексу",
        "EU Directive 2011/36, Article 8",
        "90 днів протягом 180",
        "the hotline received 12 000 calls in 2023",
        "the number of victims rose to 300",
        "119 people received the status",
        "paid agents over 3,000 pounds",
        "FLEX (2024) 72% of workers",
        "checked 2026-11-22, valid until 05.03.2027",
        "open 9:00–18:00, 24/7",
        "about 3 months",
        "€300 for the papers",
        "код ЄДРПОУ 12345678",
        '<a href="https://example.org/news/1750153561/">the news of 2025</a>',
        "see https://gov.ua/page/0800505501 for details",
    ],
)
def test_years_amounts_counts_laws_and_links_are_not_phone_numbers(text: str) -> None:
    assert phone_numbers(text) == []


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _add_to_the_answer(folder: Path, lang: str, line: str) -> tuple[Path, int]:
    """Put a line first in an answer (a `|` block); returns the file and that line's number."""
    path = folder / FAQ
    text = path.read_text(encoding="utf-8")
    at = text.index("  answer: |\n", text.index(f"\n{lang}:\n")) + len("  answer: |\n")
    path.write_text(text[:at] + f"    {line}\n\n" + text[at:], encoding="utf-8")
    return path, text[:at].count("\n") + 1


def _errors(folder: Path) -> list[str]:
    return [str(p) for p in inspect_content(folder).problems if p.severity == "error"]


def test_the_real_content_shows_only_verified_numbers() -> None:
    assert [e for e in _errors(CONTENT_DIR) if "phone number" in e] == []


def test_a_number_missing_from_hotlines_yaml_is_an_error_at_its_line(content_copy: Path) -> None:
    _, line = _add_to_the_answer(content_copy, "en", "For advice, call 0 800 123 456.")
    assert _errors(content_copy) == [
        f"content/{FAQ}:{line}: error: [en] the answer gives the phone number 0 800 123 456, "
        "which the bot may not show: it is not in hotlines.yaml: add it there with a source: "
        "(a public page that states the number) and verified: true; or take the number out"
    ]


def test_an_unverified_hotline_typed_into_an_answer_is_an_error(content_copy: Path) -> None:
    _, line = _add_to_the_answer(content_copy, "uk", "Стаціонарний номер: 0 800 505 501.")
    assert _errors(content_copy) == [
        f"content/{FAQ}:{line}: error: [uk] the answer gives the phone number 0 800 505 501, "
        "which the bot may not show: it is in hotlines.yaml (iom-527-landline) but not "
        "verified: find a public page that states it, put that page in its source: and set "
        "verified: true; or take the number out"
    ]


def test_a_short_number_that_is_no_hotline_is_an_error(content_copy: Path) -> None:
    _, line = _add_to_the_answer(content_copy, "uk", "Гаряча лінія <b>528</b> допоможе.")
    errors = _errors(content_copy)
    assert len(errors) == 1 and errors[0].startswith(
        f"content/{FAQ}:{line}: error: [uk] the answer gives the phone number 528,"
    ), errors


@pytest.mark.parametrize(
    "written", ["0 800 500 335", "0800 500 335", "+380 800 500 335", "+44 8000 121 700", "527"]
)
def test_a_verified_number_may_be_written_in_any_form(written: str, content_copy: Path) -> None:
    _add_to_the_answer(content_copy, "en", f"Call {written} for advice.")
    assert _errors(content_copy) == []


def test_look_alike_numbers_in_an_answer_are_not_errors(content_copy: Path) -> None:
    _add_to_the_answer(
        content_copy,
        "en",
        "In 2024 the hotline took 12 000 calls; a fine is 1 000 to 5 000 złoty (Article 120).",
    )
    assert _errors(content_copy) == []


def test_a_number_in_a_ui_text_is_an_error_that_offers_the_hotline_placeholder(
    content_copy: Path,
) -> None:
    for lang in ("uk", "en"):
        path = content_copy / "ui" / f"{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        start = text.index("  internal:")
        end = text.index("\n", start)
        path.write_text(
            text[:start] + '  internal: "Something went wrong. Call 0 800 123 456."' + text[end:],
            encoding="utf-8",
        )
    errors = [e for e in _errors(content_copy) if "0 800 123 456" in e]
    line = 1 + text[:start].count("\n")
    assert errors[-1] == (
        f"content/ui/en.yaml:{line}: error: 'errors.internal' gives the phone number "
        "0 800 123 456, which the bot may not show: it is not in hotlines.yaml: add it there "
        "with a source: (a public page that states the number) and verified: true; or use "
        "{hotline_line} here, which the bot fills with a verified hotline; or take the number out"
    ), errors
