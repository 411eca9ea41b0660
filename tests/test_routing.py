"""Every text is routed by one decision: the failures seen at the front door, one by one."""

from __future__ import annotations

import pytest

from bot.domain.routing import Chat, Route, route
from bot.domain.translit import looks_transliterated, to_cyrillic

CASES = [
    # personal situations are stories, not adverts
    (
        "Я вже третій місяць працюю в Польщі, а дали тільки половину зарплати. Що мені робити?",
        Route.SITUATION,
    ),
    (
        "I paid the agent 600 euro for a visa and now he blocked me. Can I get my money back?",
        Route.SITUATION,
    ),
    ("my brother is forced to work 16 hours a day and they took his passport", Route.SITUATION),
    # a typed request for a person
    ("хочу поговорити з консультантом", Route.HUMAN),
    ("talk to a human please", Route.HUMAN),
    ("можна з живою людиною поговорити", Route.HUMAN),
    # small talk and the bot itself
    ("привіт", Route.SMALL_TALK),
    ("дякую", Route.SMALL_TALK),
    ("ok", Route.SMALL_TALK),
    ("thx", Route.SMALL_TALK),
    ("🙏", Route.SMALL_TALK),
    ("хто ти?", Route.ABOUT_BOT),
    ("що ти вмієш", Route.ABOUT_BOT),
    # danger, to the writer or to someone else
    ("нас не выпускают с территории фермы, это торговля людьми?", Route.DANGER),
    ("сестра поїхала в Туреччину, а тепер її не відпускають", Route.DANGER),
    # questions, adverts, links, nonsense
    ("чи можна працювати по безвізу в Польщі?", Route.QUESTION),
    ("how do I know if an agency is fake?", Route.QUESTION),
    ("Польща", Route.QUESTION),
    (
        "Терміново! Робота на складі в Німеччині, зарплата 2500 євро, житло безкоштовно, без "
        "досвіду, пишіть у вайбер +48 123 456 789, виїзд цього тижня, оплата візи 300 євро",
        Route.ADVERT,
    ),
    ("перевірте https://jobs.example.pl/offer/123", Route.LINK),
    ("фывапролдж", Route.NONSENSE),
    ("....", Route.NONSENSE),
]


@pytest.mark.parametrize(("text", "kind"), CASES, ids=[t[:40] for t, _ in CASES])
def test_each_kind_of_message_is_routed_to_its_reply(text: str, kind: Route) -> None:
    assert route(text).route is kind


def test_small_talk_says_which_kind_it_is() -> None:
    assert route("дякую!").chat is Chat.THANKS
    assert route("бувай").chat is Chat.BYE
    assert route("Добрий день").chat is Chat.GREETING


def test_a_forwarded_message_is_an_advert_and_an_asked_for_one_too_unless_it_is_a_story() -> None:
    assert route("Є робота в Чехії, пиши", forwarded=True).route is Route.ADVERT
    assert route("склад у Німеччині", awaiting_advert=True).route is Route.ADVERT
    story = "Я заплатив агенту 500 євро, а він мене заблокував. Що мені робити?"
    assert route(story, awaiting_advert=True).route is Route.SITUATION
    assert route("хочу поговорити з людиною", awaiting_advert=True).route is Route.HUMAN


def test_ukrainian_in_latin_letters_is_noticed_and_read_in_cyrillic() -> None:
    text = "chy mozhna pracyuvaty po bezvizu v polshchi"
    assert looks_transliterated(text)
    assert to_cyrillic(text).startswith("чи можна працювати по безвізу")
    assert not looks_transliterated("my employer took my passport")
    assert not looks_transliterated("can I work in Poland without a visa")
