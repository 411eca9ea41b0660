"""Running the real bot against the local Bot API server, and reading what it said.

Tests name what the bot says by its text key in content/ (``handoff.consent``), never by an
English sentence, so that an editor's rewording breaks no test. Telegram keeps a message's
text after parsing its HTML (tags removed, entities unescaped), so keys are compared in that
plain form: ``text_of`` renders one exactly, ``is_text`` / ``has_text`` match a message against
a key's template (placeholders without a value match anything), ``fragment`` is a key's
longest fixed piece for a plain "contains".
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.config import PROJECT_ROOT, load_settings
from bot.content import load_content
from bot.content.model import PLACEHOLDER, Content
from bot.content.view import RenderedContent
from bot.knowledge import Knowledge
from bot.tg.app import PerevirApp, build_application, start, stop
from bot.wiring import Perevir, open_bot
from tests.support.bot_api import BotApiServer, parse_html

TOKEN = "123456:TEST-token-for-the-local-server-only"
TEST_KEY = "3f9c1a7e5b2d8046c1e9a3b7d5f20864ae1c"
"""A pseudonym key for tests only (the bot refuses short or repetitive keys)."""


def make_bot(
    knowledge: Knowledge, data_dir: Path, database_url: str | None = None, **extra: str
) -> Perevir:
    """Perevir on a test database (SQLite in data_dir unless a URL is given)."""
    settings = load_settings(
        PEREVIR_DATA_DIR=str(data_dir),
        PEREVIR_DATABASE_URL=database_url or f"sqlite:///{data_dir / 'bot.db'}",
        PEREVIR_PSEUDONYM_KEY=TEST_KEY,
        **extra,
    )
    return open_bot(settings, knowledge)


@asynccontextmanager
async def running_bot(server: BotApiServer, perevir: Perevir) -> AsyncIterator[PerevirApp]:
    """The real Application, polling the local server over HTTP, stopped cleanly afterwards."""
    app = build_application(TOKEN, server.base_url, perevir)
    await start(app, poll_timeout=1)
    try:
        yield app
    finally:
        await stop(app)


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a bot message's inline buttons."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


# ---- the content's texts, as Telegram shows them --------------------------------------------
@functools.cache
def content() -> Content:
    """The real content/ folder, loaded once."""
    return load_content(PROJECT_ROOT / "content")


@functools.cache
def _view() -> RenderedContent:
    return RenderedContent(content())


def plain(html: str) -> str:
    """Telegram HTML as the message text Telegram keeps: tags removed, entities unescaped."""
    return parse_html(html)[0]


def _template(key: str, lang: str) -> str:
    """A key's template in plain form, stripped (KeyError for an unknown key)."""
    return plain(_view().text(lang, key)).strip()


def _checked(template: str, key: str, params: dict[str, object]) -> set[str]:
    names = set(PLACEHOLDER.findall(template))
    unknown = set(params) - names
    if unknown:
        raise ValueError(f"{key} has no placeholder {sorted(unknown)}; it has {sorted(names)}")
    return names


def text_of(key: str, lang: str = "en", /, **params: object) -> str:
    """A key's text with every placeholder filled, as Telegram shows it (plain, stripped)."""
    template = _template(key, lang)
    missing = _checked(template, key, params) - set(params)
    if missing:
        raise ValueError(f"{key} needs {sorted(missing)}: use is_text/has_text for wildcards")
    return PLACEHOLDER.sub(lambda m: str(params[m.group(1)]), template).strip()


def fragment(key: str, lang: str = "en", /) -> str:
    """The longest fixed piece of a key's plain text between its placeholders, for a
    "contains" wait when a placeholder's value is not known."""
    pieces = [p.strip() for p in PLACEHOLDER.split(_template(key, lang))[::2]]
    longest = max(pieces, key=len)
    if not longest:
        raise ValueError(f"{key} has no fixed text")
    return longest


def pattern(key: str, lang: str = "en", /, **params: object) -> str:
    """A regular expression for a key's plain text: given placeholders are their values,
    others match any text."""
    return _regex(key, lang, params, groups=False)


def _regex(key: str, lang: str, params: dict[str, object], *, groups: bool) -> str:
    template = _template(key, lang)
    _checked(template, key, params)
    out, at, seen = [], 0, set()
    for m in PLACEHOLDER.finditer(template):
        out.append(re.escape(template[at : m.start()]))
        name = m.group(1)
        if name in params:
            out.append(re.escape(str(params[name])))
        elif not groups:
            out.append("(?s:.*?)")
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>(?s:.*?))")
        at = m.end()
    out.append(re.escape(template[at:]))
    return "".join(out)


def filled(text: str, key: str, lang: str = "en", /, **params: object) -> dict[str, str] | None:
    """Where the key's text is in the text, the values its other placeholders have there
    (e.g. the `evidence` quoted in a `risk.flag_line`); None if it is not there."""
    found = re.search(_regex(key, lang, params, groups=True), text)
    return found.groupdict() if found else None


def is_text(text: str, key: str, lang: str = "en", /, **params: object) -> bool:
    """The whole text is the key's text (placeholders without a value match anything)."""
    return re.fullmatch(pattern(key, lang, **params), text.strip()) is not None


def has_text(text: str, key: str, lang: str = "en", /, **params: object) -> bool:
    """The key's text is somewhere in the text (placeholders without a value match anything)."""
    return re.search(pattern(key, lang, **params), text) is not None


def after(text: str, key: str, lang: str = "en", /, **params: object) -> str | None:
    """What follows the key's text at the start of a text (stripped); None if it is not there.
    E.g. the words of a relayed message after its `counsellor.relayed_header`."""
    found = re.match(pattern(key, lang, **params), text)
    return text[found.end() :].strip() if found else None


def body(message: dict[str, Any]) -> str:
    """A message's text or caption."""
    return str(message.get("text") or message.get("caption") or "")


def has_hotlines(text: str, lang: str = "en") -> bool:
    """Every hotline the content shows is listed in the text."""
    lines = [plain(line) for line in _view().hotline_lines(lang)]
    return bool(lines) and all(line in text for line in lines)


def risk_level(text: str, lang: str = "en") -> str | None:
    """The level a job-offer check card gives ("low", "medium", "high"); None if the text is
    not a card."""
    if not has_text(text, "risk.title", lang):
        return None
    levels = [
        level for level in ("low", "medium", "high") if has_text(text, f"risk.level.{level}", lang)
    ]
    return levels[0] if len(levels) == 1 else None


def sign_names(lang: str = "en") -> list[str]:
    """The names of every warning sign the job-offer check knows (`flags.<id>.name`)."""
    keys = [k for k in content().strings[lang] if re.fullmatch(r"flags\.\w+\.name", k)]
    return [text_of(k, lang) for k in keys]


def answer_to(message: dict[str, Any], lang: str = "en") -> str | None:
    """The FAQ entry a message answers: its rating buttons name the entry, and the text opens
    with that entry's title. None if the message is not an answer."""
    entries = {b.split(":")[1] for b in buttons(message) if b.startswith("fb:")}
    if len(entries) != 1:
        return None
    [entry_id] = entries
    entry = content().entry(entry_id)
    if entry is None or not body(message).startswith(entry.texts[lang].title.strip()):
        return None
    return entry_id


# ---- conversations --------------------------------------------------------------------------
async def choose_english(server: BotApiServer, user_id: int) -> dict[str, Any]:
    """/start, then English: the privacy note comes, and the menu is returned."""
    server.send_command(user_id, "/start")
    [choice] = await server.wait_for_message(user_id)
    assert buttons(choice) == ["lang:uk", "lang:en"]
    server.press_button(user_id, choice["message_id"], "lang:en")
    said = await server.wait_for_message(user_id, count=3)
    assert any(has_text(body(m), "privacy.note") for m in said), [body(m) for m in said]
    return said[-1]


async def latest_where(
    server: BotApiServer,
    chat: int,
    test: Callable[[dict[str, Any]], bool],
    timeout: float = 10,
) -> dict[str, Any]:
    """The newest message in a chat that passes `test`, once there is one."""

    def found() -> dict[str, Any] | None:
        return next((m for m in reversed(server.messages(chat)) if test(m)), None)

    return await server.wait_for(found, timeout=timeout)


async def latest_containing(
    server: BotApiServer, chat: int, needle: str, timeout: float = 10
) -> dict[str, Any]:
    """The newest message in a chat whose text or caption contains `needle` (words a person or
    counsellor wrote: the bot's own texts are waited for by key, with `latest_saying`)."""
    return await latest_where(server, chat, lambda m: needle in body(m), timeout)


async def latest_saying(
    server: BotApiServer,
    chat: int,
    key: str,
    lang: str = "en",
    /,
    *,
    timeout: float = 10,
    **params: object,
) -> dict[str, Any]:
    """The newest message in a chat that has the key's text in it, once there is one."""
    return await latest_where(
        server, chat, lambda m: has_text(body(m), key, lang, **params), timeout
    )


def count_saying(
    server: BotApiServer, chat: int, key: str, lang: str = "en", /, **params: object
) -> int:
    """How many messages in a chat have the key's text in them."""
    return sum(has_text(body(m), key, lang, **params) for m in server.messages(chat))


async def forget_me(server: BotApiServer, person: int) -> None:
    """The person sends /forget, confirms, and the erasure is confirmed to them."""
    server.send_command(person, "/forget")
    confirm = await latest_saying(server, person, "handoff.forget_confirm")
    server.press_button(person, confirm["message_id"], "forget:yes")
    await latest_saying(server, person, "handoff.forget_done")


async def settled(server: BotApiServer, perevir: Perevir, timeout: float = 15.0) -> None:
    """Wait until the bot has nothing left to do: every update fetched and handled, and every
    due outbox item sent (held ones wait for a counsellor and do not count)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if (
            server.pending_updates() == 0
            and not await perevir.people.pending_updates()
            and not await perevir.cases.pending_outbox()
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot did not settle within {timeout}s")
